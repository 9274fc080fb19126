#include "buckethistory.h"

#include "engine/enginesnapshot.h"

#include <algorithm>
#include <vector>

namespace l2met {

void BucketHistory::add(const EngineSnapshot &snapshot)
{
    ++m_serial;
    for (const BucketSummary &b : snapshot.buckets) {
        Metric &m = m_metrics[MetricId::of(b)];
        m.lastSeen = m_serial;
        m.windows[b.time] = b.stats;
        while (m.windows.size() > size_t(kMaxWindows))
            m.windows.erase(m.windows.begin());
    }
    if (m_metrics.size() > kMaxMetrics + kMaxMetrics / 4)
        forgetOldest();
}

void BucketHistory::forgetOldest()
{
    std::vector<quint64> seen;
    seen.reserve(size_t(m_metrics.size()));
    for (const Metric &m : std::as_const(m_metrics))
        seen.push_back(m.lastSeen);
    const auto cut = seen.begin() + qsizetype(seen.size() - size_t(kMaxMetrics));
    std::nth_element(seen.begin(), cut, seen.end());
    const quint64 threshold = *cut;
    for (auto it = m_metrics.begin(); it != m_metrics.end();) {
        if (it->lastSeen < threshold)
            it = m_metrics.erase(it);
        else
            ++it;
    }
}

void BucketHistory::clear()
{
    m_metrics.clear();
}

QList<BucketHistory::Window> BucketHistory::windows(const MetricId &metric) const
{
    QList<Window> out;
    const auto it = m_metrics.constFind(metric);
    if (it == m_metrics.cend())
        return out;
    out.reserve(qsizetype(it->windows.size()));
    for (const auto &[time, stats] : it->windows)
        out.append({ time, stats });
    return out;
}

} // namespace l2met
