// BodyParser: one body to measurements (docs/behaviour.md sections 2 and 3). A logplex
// body (the drain) is cut into frames with an RFC 5424 header; a Lines body
// (local sources) into '\n'-separated lines of any local format
// (parser/localline.h). Both then share the conventions, time window, late
// and early data and prefixes. Measurements go to a MeasurementSink
// (normally a BucketAccumulator); what happened to every line is returned as
// ParseCounters, and shown to a LineObserver when one is set.
//
// The hot path works on views of the body and reuses its buffers; nothing is
// locked. Not thread-safe: one BodyParser per parser thread.
#pragma once

#include "bucket/bucketid.h"
#include "parser/conventions.h"
#include "parser/ingestoptions.h"
#include "parser/parsecounters.h"
#include "parser/syslogheader.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace l2met {

struct Measurement
{
    qint64 time = 0; // window start
    std::string_view name;   // prefix applied
    std::string_view units;
    std::string_view source; // source-prefix applied
    BucketType type = BucketType::Measurement;
    double value = 0;
};

class MeasurementSink
{
public:
    virtual ~MeasurementSink() = default;
    // The views are valid only during the call. False: the measurement was
    // refused (its drain is over --max-series new series in the window).
    virtual bool add(const Measurement &measurement) = 0;
};

// What one line became, for the Lines view (metrics/linetap.h). Views are
// valid only during LineObserver::observe.
struct LineReport
{
    std::string_view line;                       // the raw line (frame, or local line)
    ParseCounter outcome = ParseCounter::LinesNoMetrics; // its line outcome
    ParseCounter problem = ParseCounter::Count_; // kind of its first bad piece, if any
    std::string_view problemPiece;               // that piece as written (`measure#a=abc`), when known
    qint64 offsetSeconds = 0; // late or early lines: window start minus the current window start
    const std::vector<Measurement> *measurements = nullptr; // what went on (aggregated lines)
};

class LineObserver
{
public:
    virtual ~LineObserver() = default;
    virtual void observe(const LineReport &report) = 0;
};

class BodyParser
{
public:
    // Called for lines that end in a bad outcome (or hold bad pieces), with
    // the kind and the raw line, so the GUI can show recent problems. Keep
    // it cheap; it runs on the parser thread.
    using ProblemHook = std::function<void(ParseCounter kind, std::string_view line)>;

    void setProblemHook(ProblemHook hook) { m_problemHook = std::move(hook); }
    // Sees every line of the next parse() calls; null (the default) costs
    // nothing. The parser pool sets it only for bodies the Lines view samples.
    void setLineObserver(LineObserver *observer) { m_observer = observer; }

    // nowUnix decides what is late or early; it is also the time of lines
    // whose timestamp does not parse.
    ParseCounters parse(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                        MeasurementSink &sink);

private:
    void parseLogplex(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                      MeasurementSink &sink, ParseCounters &counters);
    void parseLines(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                    MeasurementSink &sink, ParseCounters &counters);
    void parseFrame(std::string_view frame, const IngestOptions &options, qint64 nowUnix,
                    MeasurementSink &sink, ParseCounters &counters);
    // What both formats share once a line is cut into its parts: line is
    // what reports show; stamped is nullopt when the line has no usable
    // time (then nowUnix); defaultSource is used when the message has no
    // source=.
    void parseMessage(std::string_view line, std::string_view appName, std::string_view procId,
                      std::optional<qint64> stamped, std::string_view message,
                      std::string_view defaultSource, const IngestOptions &options,
                      qint64 nowUnix, MeasurementSink &sink, ParseCounters &counters);
    std::string_view prefixed(std::string &buffer, const QByteArray &prefix, std::string_view name);
    void report(ParseCounter kind, std::string_view line);
    // For the observer: a line that never reached the conventions (no
    // pieces to speak of), and one that did (m_line holds its pieces).
    void observeUnparsed(std::string_view line, ParseCounter outcome);
    void observe(std::string_view line, ParseCounter outcome, qint64 offsetSeconds,
                 const std::vector<Measurement> *measurements);

    Conventions m_conventions;
    LineMetrics m_line;
    Rfc3339Cache m_timeCache;
    std::string m_name;
    std::string m_source;
    std::string m_scratch; // a local line without its ANSI escapes
    ProblemHook m_problemHook;
    LineObserver *m_observer = nullptr;
    // Only used while observing: the measurements of the line, with names
    // that stay put (m_name is rewritten for every measurement).
    std::vector<Measurement> m_observed;
    std::vector<std::string> m_observedNames;
};

} // namespace l2met
