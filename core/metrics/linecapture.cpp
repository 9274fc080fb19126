#include "metrics/linecapture.h"

#include <QDateTime>

#include <algorithm>

namespace l2met {

LineCapture::LineCapture(LineTap *tap, int budget, LineRecord templateRecord, qint32 recvDeadline)
    : m_tap(tap)
    , m_budget(budget)
    , m_template(std::move(templateRecord))
    , m_atMs(QDateTime::currentMSecsSinceEpoch())
    , m_recvDeadline(recvDeadline)
{ }

LineCapture::~LineCapture()
{
    m_tap->addSampledOut(m_skipped);
}

const char *LineCapture::problemWords(ParseCounter kind)
{
    switch (kind) {
    case ParseCounter::BadValueEmpty:
        return "empty value";
    case ParseCounter::BadValueMissing:
        return "a sample needs a value";
    case ParseCounter::BadValueNotNumber:
        return "not a number";
    case ParseCounter::BadValueNonFinite:
        return "not a finite number";
    case ParseCounter::BadValueUnits:
        return "units may not start with a digit or a dot";
    case ParseCounter::BadEmptyName:
        return "empty metric name";
    case ParseCounter::UnterminatedQuote:
        return "unterminated quote";
    default:
        return "malformed";
    }
}

QByteArray LineCapture::reason(const LineReport &report, qint32 resolution, qint32 recvDeadline)
{
    QByteArray problem;
    if (report.problem != ParseCounter::Count_) {
        problem = problemWords(report.problem);
        if (!report.problemPiece.empty())
            problem += ": "
                + QByteArray(report.problemPiece.data(), qsizetype(report.problemPiece.size()));
    }
    const qint64 tolerance = qint64(recvDeadline) * resolution;
    switch (report.outcome) {
    case ParseCounter::LinesAggregated:
        return problem.isEmpty() ? QByteArray() : "skipped " + problem;
    case ParseCounter::LinesNoMetrics:
        return "no metrics: no measure#, count#, sample#, unique# or router fields";
    case ParseCounter::LinesInvalid:
        return "every metric malformed: " + problem;
    case ParseCounter::LinesLate:
        return "late by " + QByteArray::number(-report.offsetSeconds) + " s: older than "
            + QByteArray::number(tolerance) + " s (-recv-deadline "
            + QByteArray::number(recvDeadline) + " x " + QByteArray::number(resolution)
            + " s windows)";
    case ParseCounter::LinesEarly:
        return "early by " + QByteArray::number(report.offsetSeconds) + " s: stamped more than "
            + QByteArray::number(tolerance) + " s ahead (is the clock right?)";
    case ParseCounter::LinesBadHeader:
        return "bad RFC 5424 header";
    case ParseCounter::LinesLogplexNotice:
        return "logplex notice: messages dropped by logplex";
    case ParseCounter::LinesSeriesDropped:
        return "dropped: its drain already made --max-series new metric series in this window "
               "(an id in a metric name? see the Metrics view)";
    case ParseCounter::FramesMalformed:
        return "malformed frame: its length prefix does not match what follows";
    default:
        return {};
    }
}

void LineCapture::observe(const LineReport &report)
{
    if (m_budget <= 0) {
        ++m_skipped;
        return;
    }
    --m_budget;
    LineRecord record = m_template;
    record.atMs = m_atMs;
    record.line = QByteArray(report.line.data(),
                             qsizetype(std::min<size_t>(report.line.size(), LineRecord::kMaxLine)));
    record.outcome = report.outcome;
    record.reason = reason(report, record.resolution, m_recvDeadline);
    if (report.measurements) {
        record.measurements.reserve(qsizetype(report.measurements->size()));
        for (const Measurement &m : *report.measurements) {
            LineMeasurementRecord r;
            r.type = m.type;
            r.name = QByteArray(m.name.data(), qsizetype(m.name.size()));
            r.units = QByteArray(m.units.data(), qsizetype(m.units.size()));
            r.source = QByteArray(m.source.data(), qsizetype(m.source.size()));
            r.value = m.value;
            r.window = m.time;
            record.measurements.append(std::move(r));
        }
    }
    m_tap->add(std::move(record));
}

} // namespace l2met
