#include "parser/bodyparser.h"

#include "parser/localline.h"
#include "parser/logplexreader.h"

namespace l2met {

namespace {
qint64 windowStart(qint64 t, qint64 resolution)
{
    // floor, also for times before 1970
    const qint64 q = t / resolution;
    return (q * resolution > t ? q - 1 : q) * resolution;
}
} // namespace

ParseCounters BodyParser::parse(std::string_view body, const IngestOptions &options,
                                qint64 nowUnix, MeasurementSink &sink)
{
    ParseCounters counters;
    counters[ParseCounter::BodyBytes] += body.size();
    if (options.format == BodyFormat::Lines)
        parseLines(body, options, nowUnix, sink, counters);
    else
        parseLogplex(body, options, nowUnix, sink, counters);
    return counters;
}

// Forced inline into both callers: gcc keeps it out of line, and on the
// logplex hot path passing its nine arguments cost 30 instructions a line
// (callgrind, bench_parser), most of what sharing it with the Lines path
// cost at all.
[[gnu::always_inline]] inline void
BodyParser::parseMessage(std::string_view line, std::string_view appName, std::string_view procId,
                         std::optional<qint64> stamped, std::string_view message,
                         std::string_view defaultSource, const IngestOptions &options,
                         qint64 nowUnix, MeasurementSink &sink, ParseCounters &counters)
{
    ConventionFlags flags;
    flags.heroku = appName == "heroku";
    flags.routerStatus = options.routerStatus;
    m_conventions.extract(procId, message, &m_line, counters, flags);
    if (m_line.logplexNotice) {
        ++counters[ParseCounter::LinesLogplexNotice];
        counters[ParseCounter::LogplexDropped] += m_line.logplexDropped;
        report(ParseCounter::LinesLogplexNotice, line);
        if (m_observer)
            observe(line, ParseCounter::LinesLogplexNotice, 0, nullptr);
        return;
    }
    if (m_line.measurements.empty()) {
        ParseCounter outcome = ParseCounter::LinesNoMetrics;
        if (m_line.badPieces > 0) {
            outcome = ParseCounter::LinesInvalid;
            report(m_line.firstProblem, line);
        }
        ++counters[outcome];
        if (m_observer)
            observe(line, outcome, 0, nullptr);
        return;
    }
    if (m_line.badPieces > 0)
        report(m_line.firstProblem, line);

    const qint64 resolution = options.resolution;
    const qint64 window = windowStart(stamped.value_or(nowUnix), resolution);
    const qint64 nowWindow = windowStart(nowUnix, resolution);
    const qint64 tolerance = qint64(options.recvDeadline) * resolution;
    if (window < nowWindow - tolerance || window > nowWindow + tolerance) {
        const ParseCounter kind =
            window < nowWindow ? ParseCounter::LinesLate : ParseCounter::LinesEarly;
        ++counters[kind];
        counters[ParseCounter::MeasurementsDropped] += m_line.measurements.size();
        report(kind, line);
        if (m_observer)
            observe(line, kind, window - nowWindow, nullptr);
        return;
    }

    Measurement m;
    m.time = window;
    const std::string_view source = m_line.source.empty() ? defaultSource : m_line.source;
    if (options.sourcePrefix.isEmpty()) {
        m.source = source;
    } else if (source.empty()) {
        m.source = std::string_view(options.sourcePrefix.constData(),
                                    static_cast<size_t>(options.sourcePrefix.size()));
    } else {
        m.source = prefixed(m_source, options.sourcePrefix, source);
    }
    size_t accepted = 0;
    for (const LineMeasurement &lm : m_line.measurements) {
        m.name = options.prefix.isEmpty() ? lm.name : prefixed(m_name, options.prefix, lm.name);
        m.units = lm.units;
        m.type = lm.type;
        m.value = lm.value;
        accepted += sink.add(m);
    }
    const size_t refused = m_line.measurements.size() - accepted;
    counters[ParseCounter::Measurements] += accepted;
    if (refused > 0) [[unlikely]] {
        counters[ParseCounter::SeriesDropped] += refused;
        if (accepted == 0) {
            ++counters[ParseCounter::LinesSeriesDropped];
            if (m_observer)
                observe(line, ParseCounter::LinesSeriesDropped, 0, nullptr);
            return;
        }
    }
    ++counters[ParseCounter::LinesAggregated];

    if (m_observer) {
        // m.source (m_source, the message, the options) holds still for the
        // rest of the line; the prefixed names shared m_name, so they are
        // made again, each in its own string. The strings are all in place
        // before any view is taken: resizing would move them.
        const size_t count = m_line.measurements.size();
        const bool prefix = !options.prefix.isEmpty();
        if (prefix && m_observedNames.size() < count)
            m_observedNames.resize(count);
        m_observed.clear();
        for (size_t i = 0; i < count; ++i) {
            const LineMeasurement &lm = m_line.measurements[i];
            m.name = lm.name;
            if (prefix)
                m.name = prefixed(m_observedNames[i], options.prefix, lm.name);
            m.units = lm.units;
            m.type = lm.type;
            m.value = lm.value;
            m_observed.push_back(m);
        }
        observe(line, ParseCounter::LinesAggregated, 0, &m_observed);
    }
}

void BodyParser::parseLogplex(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                              MeasurementSink &sink, ParseCounters &counters)
{
    LogplexReader reader(body);
    std::string_view frame;
    for (;;) {
        const LogplexReader::Result result = reader.next(&frame);
        if (result == LogplexReader::Result::End)
            break;
        if (result == LogplexReader::Result::Malformed) {
            ++counters[ParseCounter::FramesMalformed];
            report(ParseCounter::FramesMalformed, frame);
            if (m_observer)
                observeUnparsed(frame, ParseCounter::FramesMalformed);
            continue;
        }
        parseFrame(frame, options, nowUnix, sink, counters);
    }
}

void BodyParser::parseLines(std::string_view body, const IngestOptions &options, qint64 nowUnix,
                            MeasurementSink &sink, ParseCounters &counters)
{
    LocalLine local;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t end = body.find('\n', pos);
        if (end == std::string_view::npos)
            end = body.size();
        std::string_view raw = body.substr(pos, end - pos);
        pos = end + 1;
        if (!raw.empty() && raw.back() == '\r')
            raw.remove_suffix(1);
        // Blank lines separate output, they are not lines of it.
        if (raw.empty())
            continue;
        if (!parseLocalLine(raw, nowUnix, &local, &m_scratch)) {
            ++counters[ParseCounter::LinesBadHeader];
            report(ParseCounter::LinesBadHeader, local.text);
            if (m_observer)
                observeUnparsed(local.text, ParseCounter::LinesBadHeader);
            continue;
        }
        parseMessage(local.text, local.appName, local.procId, local.timestamp, local.message, local.defaultSource,
                     options, nowUnix, sink, counters);
    }
}

void BodyParser::parseFrame(std::string_view frame, const IngestOptions &options, qint64 nowUnix,
                            MeasurementSink &sink, ParseCounters &counters)
{
    SyslogHeader header;
    if (!parseSyslogHeader(frame, &header)) {
        ++counters[ParseCounter::LinesBadHeader];
        report(ParseCounter::LinesBadHeader, frame);
        if (m_observer)
            observeUnparsed(frame, ParseCounter::LinesBadHeader);
        return;
    }
    // A drain line's source is only what its message says.
    parseMessage(frame, header.appName, header.procId, m_timeCache.parse(header.timestamp), header.message, {},
                 options, nowUnix, sink, counters);
}

std::string_view BodyParser::prefixed(std::string &buffer, const QByteArray &prefix,
                                      std::string_view name)
{
    buffer.assign(prefix.constData(), static_cast<size_t>(prefix.size()));
    buffer.push_back('.');
    buffer.append(name);
    return buffer;
}

void BodyParser::report(ParseCounter kind, std::string_view line)
{
    if (m_problemHook)
        m_problemHook(kind, line);
}

void BodyParser::observeUnparsed(std::string_view line, ParseCounter outcome)
{
    LineReport r;
    r.line = line;
    r.outcome = outcome;
    m_observer->observe(r);
}

void BodyParser::observe(std::string_view line, ParseCounter outcome, qint64 offsetSeconds,
                         const std::vector<Measurement> *measurements)
{
    LineReport r;
    r.line = line;
    r.outcome = outcome;
    r.problem = m_line.firstProblem;
    r.problemPiece = m_line.firstProblemPiece;
    r.offsetSeconds = offsetSeconds;
    r.measurements = measurements;
    m_observer->observe(r);
}

} // namespace l2met
