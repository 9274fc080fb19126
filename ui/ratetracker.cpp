#include "ratetracker.h"

#include "engine/enginesnapshot.h"
#include "outlet/outletmetrics.h"
#include "receiver/receivermetrics.h"

namespace l2met {

const RateTracker::Feed RateTracker::kFeeds[kFeedCount] = {
    { &kLinesReceived, CLines }, // the sum of the line outcomes
    { &kHttpRequests, CRequests },
    { &kGaugesDelivered, CGauges },
    { &kGaugesRetriedDelivered, CGauges },
    { &kGaugesPreviewed, CGauges },
    { &kOutletRequestLatency, CLatencyCount }, // and its sum into CLatencySum
};

QList<const MetricInfo *> RateTracker::metricsRead()
{
    QList<const MetricInfo *> out;
    for (const Feed &f : kFeeds)
        out.append(f.metric);
    return out;
}

RateTracker::Values RateTracker::totals(const EngineSnapshot &s)
{
    Values v {};
    for (const MetricSample &m : s.metrics) {
        for (const Feed &f : kFeeds) {
            if (!m.is(*f.metric))
                continue;
            v[size_t(f.into)] += m.value;
            if (f.into == CLatencyCount)
                v[CLatencySum] += m.sum;
            break;
        }
    }
    return v;
}

double RateTracker::linesTotal(const EngineSnapshot &snapshot)
{
    return totals(snapshot)[CLines];
}

double RateTracker::gaugesOutTotal(const EngineSnapshot &snapshot)
{
    return totals(snapshot)[CGauges];
}

void RateTracker::add(const EngineSnapshot &snapshot)
{
    const Values now = totals(snapshot);
    Sample sample;
    sample.atMs = snapshot.taken.toMSecsSinceEpoch();
    if (!m_samples.empty() && sample.atMs <= m_samples.back().atMs)
        return; // out of order (a late snapshot of an engine being replaced)
    if (m_haveLast) {
        for (int i = 0; i < CounterCount; ++i)
            sample.delta[size_t(i)] = now[size_t(i)] >= m_last[size_t(i)] ? now[size_t(i)] - m_last[size_t(i)]
                                                                          : now[size_t(i)];
    }
    m_last = now;
    m_haveLast = true;
    m_samples.push_back(sample);
    while (!m_samples.empty() && m_samples.front().atMs < sample.atMs - kKeepMs)
        m_samples.pop_front();
}

void RateTracker::clear()
{
    m_samples.clear();
    m_haveLast = false;
}

qint64 RateTracker::newestMs() const
{
    return m_samples.empty() ? 0 : m_samples.back().atMs;
}

qint64 RateTracker::oldestMs() const
{
    return m_samples.empty() ? 0 : m_samples.front().atMs;
}

double RateTracker::value(Series series, const Values &sum, double seconds)
{
    switch (series) {
    case Lines:
        return seconds > 0 ? sum[CLines] / seconds : 0;
    case Requests:
        return seconds > 0 ? sum[CRequests] / seconds : 0;
    case Gauges:
        return seconds > 0 ? sum[CGauges] / seconds : 0;
    case LatencyMs:
        return sum[CLatencyCount] > 0 ? 1000 * sum[CLatencySum] / sum[CLatencyCount] : -1;
    case SeriesCount:
        break;
    }
    return 0;
}

double RateTracker::rate(Series series, qint64 windowMs) const
{
    if (m_samples.size() < 2)
        return series == LatencyMs ? -1 : 0;
    const qint64 newest = m_samples.back().atMs;
    Values sum {};
    qint64 base = newest;
    for (auto it = m_samples.rbegin(); it != m_samples.rend(); ++it) {
        base = it->atMs;
        if (it->atMs <= newest - windowMs)
            break;
        if (std::next(it) == m_samples.rend())
            break; // the oldest sample's delta covers an unknown span
        for (int i = 0; i < CounterCount; ++i)
            sum[size_t(i)] += it->delta[size_t(i)];
    }
    return value(series, sum, double(newest - base) / 1000.0);
}

QList<QPointF> RateTracker::points(Series series, qint64 spanMs) const
{
    QList<QPointF> out;
    if (m_samples.size() < 2)
        return out;
    const qint64 from = m_samples.back().atMs - spanMs;
    out.reserve(qsizetype(spanMs / 1000) + 2);
    // Bins of one wall-clock second; a bin's rate is its increments over the
    // time since the previous bin's last sample.
    qint64 previousEnd = m_samples.front().atMs;
    Values sum {};
    qint64 bin = -1;
    qint64 binEnd = 0;
    const auto flushBin = [&] {
        if (bin >= 0 && binEnd > previousEnd && binEnd >= from) {
            const double v = value(series, sum, double(binEnd - previousEnd) / 1000.0);
            if (series != LatencyMs || v >= 0)
                out.append(QPointF(double(binEnd), v));
        }
        previousEnd = binEnd;
        sum = {};
    };
    for (auto it = std::next(m_samples.begin()); it != m_samples.end(); ++it) {
        const qint64 b = it->atMs / 1000;
        if (b != bin) {
            if (bin >= 0)
                flushBin();
            bin = b;
        }
        for (int i = 0; i < CounterCount; ++i)
            sum[size_t(i)] += it->delta[size_t(i)];
        binEnd = it->atMs;
    }
    flushBin();
    return out;
}

} // namespace l2met
