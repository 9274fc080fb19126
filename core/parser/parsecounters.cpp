#include "parser/parsecounters.h"

namespace l2met {

ParseCounters &ParseCounters::operator+=(const ParseCounters &other)
{
    for (size_t i = 0; i < kCount; ++i)
        values[i] += other.values[i];
    return *this;
}

quint64 ParseCounters::lines() const
{
    quint64 total = 0;
    for (int i = kFirstOutcome; i <= kLastOutcome; ++i)
        total += values[static_cast<size_t>(i)];
    return total;
}

quint64 ParseCounters::badValues() const
{
    quint64 total = 0;
    for (int i = static_cast<int>(ParseCounter::BadValueEmpty);
         i <= static_cast<int>(ParseCounter::UnterminatedQuote); ++i)
        total += values[static_cast<size_t>(i)];
    return total;
}

bool ParseCounters::isLineOutcome(ParseCounter c)
{
    const int i = static_cast<int>(c);
    return i >= kFirstOutcome && i <= kLastOutcome;
}

const char *ParseCounters::name(ParseCounter c)
{
    switch (c) {
    case ParseCounter::LinesAggregated:
        return "lines_aggregated";
    case ParseCounter::LinesNoMetrics:
        return "lines_no_metrics";
    case ParseCounter::LinesInvalid:
        return "lines_invalid";
    case ParseCounter::LinesLate:
        return "lines_late";
    case ParseCounter::LinesEarly:
        return "lines_early";
    case ParseCounter::LinesBadHeader:
        return "lines_bad_header";
    case ParseCounter::LinesLogplexNotice:
        return "lines_logplex_notice";
    case ParseCounter::FramesMalformed:
        return "frames_malformed";
    case ParseCounter::Measurements:
        return "measurements";
    case ParseCounter::MeasurementsDropped:
        return "measurements_dropped";
    case ParseCounter::BadValueEmpty:
        return "bad_value_empty";
    case ParseCounter::BadValueMissing:
        return "bad_value_missing";
    case ParseCounter::BadValueNotNumber:
        return "bad_value_not_number";
    case ParseCounter::BadValueNonFinite:
        return "bad_value_non_finite";
    case ParseCounter::BadValueUnits:
        return "bad_value_units";
    case ParseCounter::BadEmptyName:
        return "bad_empty_name";
    case ParseCounter::UnterminatedQuote:
        return "unterminated_quote";
    case ParseCounter::LogplexDropped:
        return "logplex_dropped";
    case ParseCounter::BodyBytes:
        return "body_bytes";
    case ParseCounter::Count_:
        break;
    }
    return "unknown";
}

} // namespace l2met
