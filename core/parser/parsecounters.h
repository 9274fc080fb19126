// ParseCounters: what the parsers did with the lines of one or more bodies.
// Every line (frame) ends in exactly one line outcome, so
// lines() == sum of the outcomes; the other counters give detail (why a
// measurement was skipped, how many measurements went on).
//
// Value type, not synchronised: each parser fills its own and the engine
// adds them up.
#pragma once

#include <QtGlobal>

#include <array>
#include <cstddef>

namespace l2met {

enum class ParseCounter : int {
    // Line outcomes: exactly one per line.
    LinesAggregated, // produced at least one measurement that went on
    LinesNoMetrics,  // a good line without metrics (ordinary log output)
    LinesInvalid,    // had metrics or logfmt, but every one was malformed
    LinesLate,       // older than recv-deadline resolutions: dropped
    LinesEarly,      // further than recv-deadline resolutions ahead: dropped
    LinesBadHeader,  // frame found, RFC 5424 header did not parse
    LinesLogplexNotice, // logplex's own "Error L10 ... messages dropped"
    LinesSeriesDropped, // every measurement was for a new series over --max-series: dropped
    FramesMalformed, // wrong length, truncated or garbage: one per skipped region
    // Detail.
    Measurements,        // measurements handed on to buckets
    MeasurementsDropped, // measurements of late or early lines
    SeriesDropped,       // measurements refused by --max-series (of any line)
    BadValueEmpty,       // `measure#a=`
    BadValueMissing,     // bare `sample#a` (a sample needs a value)
    BadValueNotNumber,   // `measure#a=abc`
    BadValueNonFinite,   // NaN, infinity, overflow
    BadValueUnits,       // units starting with a digit or a dot
    BadEmptyName,        // `measure#=1`
    UnterminatedQuote,   // `key="...` to the end of the line
    LogplexDropped,      // N of logplex's "N messages dropped"
    BodyBytes,
    Count_
};

struct ParseCounters
{
    static constexpr size_t kCount = static_cast<size_t>(ParseCounter::Count_);
    static constexpr int kFirstOutcome = static_cast<int>(ParseCounter::LinesAggregated);
    static constexpr int kLastOutcome = static_cast<int>(ParseCounter::FramesMalformed);

    std::array<quint64, kCount> values {};

    quint64 &operator[](ParseCounter c) { return values[static_cast<size_t>(c)]; }
    quint64 operator[](ParseCounter c) const { return values[static_cast<size_t>(c)]; }

    ParseCounters &operator+=(const ParseCounters &other);

    // Lines seen: the sum of the line outcomes.
    quint64 lines() const;
    // Malformed pieces skipped inside otherwise good lines.
    quint64 badValues() const;

    // snake_case name for logs and /metrics, e.g. "lines_aggregated": the
    // name of its declaration in parser/parsemetrics.h.
    static const char *name(ParseCounter c);
    static bool isLineOutcome(ParseCounter c);
};

} // namespace l2met
