// BodyParser: one logplex body to measurements (SPEC sections 2 and 3): frames,
// RFC 5424 header, conventions, time window, late and early data, prefixes.
// Measurements go to a MeasurementSink (normally a BucketAccumulator); what
// happened to every line is returned as ParseCounters.
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
#include <string>
#include <string_view>

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
    // The views are valid only during the call.
    virtual void add(const Measurement &measurement) = 0;
};

class BodyParser
{
public:
    // Called for lines that end in a bad outcome (or hold bad pieces), with
    // the kind and the raw line, so the GUI can show recent problems. Keep
    // it cheap; it runs on the parser thread.
    using ProblemHook = std::function<void(ParseCounter kind, std::string_view line)>;

    void setProblemHook(ProblemHook hook) { m_problemHook = std::move(hook); }

    // nowUnix decides what is late or early; it is also the time of lines
    // whose timestamp does not parse.
    ParseCounters parse(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                        MeasurementSink &sink);

private:
    void parseLine(std::string_view frame, const IngestOptions &options, qint64 nowUnix,
                   MeasurementSink &sink, ParseCounters &counters);
    std::string_view prefixed(std::string &buffer, const QByteArray &prefix, std::string_view name);
    void report(ParseCounter kind, std::string_view line);

    Conventions m_conventions;
    LineMetrics m_line;
    Rfc3339Cache m_timeCache;
    std::string m_name;
    std::string m_source;
    ProblemHook m_problemHook;
};

} // namespace l2met
