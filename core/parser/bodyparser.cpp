#include "parser/bodyparser.h"

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
    LogplexReader reader(body);
    std::string_view frame;
    for (;;) {
        const LogplexReader::Result result = reader.next(&frame);
        if (result == LogplexReader::Result::End)
            break;
        if (result == LogplexReader::Result::Malformed) {
            ++counters[ParseCounter::FramesMalformed];
            report(ParseCounter::FramesMalformed, frame);
            continue;
        }
        parseLine(frame, options, nowUnix, sink, counters);
    }
    return counters;
}

void BodyParser::parseLine(std::string_view frame, const IngestOptions &options, qint64 nowUnix,
                           MeasurementSink &sink, ParseCounters &counters)
{
    SyslogHeader header;
    if (!parseSyslogHeader(frame, &header)) {
        ++counters[ParseCounter::LinesBadHeader];
        report(ParseCounter::LinesBadHeader, frame);
        return;
    }
    m_conventions.extract(header.procId, header.message, &m_line, counters);
    if (m_line.logplexNotice) {
        ++counters[ParseCounter::LinesLogplexNotice];
        counters[ParseCounter::LogplexDropped] += m_line.logplexDropped;
        report(ParseCounter::LinesLogplexNotice, frame);
        return;
    }
    if (m_line.measurements.empty()) {
        if (m_line.badPieces > 0) {
            ++counters[ParseCounter::LinesInvalid];
            report(m_line.firstProblem, frame);
        } else {
            ++counters[ParseCounter::LinesNoMetrics];
        }
        return;
    }
    if (m_line.badPieces > 0)
        report(m_line.firstProblem, frame);

    const qint64 resolution = options.resolution;
    const std::optional<qint64> stamped = m_timeCache.parse(header.timestamp);
    const qint64 window = windowStart(stamped.value_or(nowUnix), resolution);
    const qint64 nowWindow = windowStart(nowUnix, resolution);
    const qint64 tolerance = qint64(options.recvDeadline) * resolution;
    if (window < nowWindow - tolerance || window > nowWindow + tolerance) {
        const ParseCounter kind =
            window < nowWindow ? ParseCounter::LinesLate : ParseCounter::LinesEarly;
        ++counters[kind];
        counters[ParseCounter::MeasurementsDropped] += m_line.measurements.size();
        report(kind, frame);
        return;
    }

    Measurement m;
    m.time = window;
    if (options.sourcePrefix.isEmpty()) {
        m.source = m_line.source;
    } else if (m_line.source.empty()) {
        m.source = std::string_view(options.sourcePrefix.constData(),
                                    static_cast<size_t>(options.sourcePrefix.size()));
    } else {
        m.source = prefixed(m_source, options.sourcePrefix, m_line.source);
    }
    for (const LineMeasurement &lm : m_line.measurements) {
        m.name = options.prefix.isEmpty() ? lm.name : prefixed(m_name, options.prefix, lm.name);
        m.units = lm.units;
        m.type = lm.type;
        m.value = lm.value;
        sink.add(m);
    }
    counters[ParseCounter::Measurements] += m_line.measurements.size();
    ++counters[ParseCounter::LinesAggregated];
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

} // namespace l2met
