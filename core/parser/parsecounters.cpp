#include "parser/parsecounters.h"

#include "parser/parsemetrics.h"

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
    if (c < ParseCounter::LinesAggregated || c >= ParseCounter::Count_)
        return "unknown";
    return parseCounterMetric(c).name.data(); // a literal: NUL-terminated
}

} // namespace l2met
