// BucketHistory: the recent windows of each metric (MetricId: user, name,
// source, units, type, resolution), for the chart under the Buckets table.
// For every window it keeps the last statistics a snapshot showed, so a
// window the outlet has already taken (and that left the snapshots) stays in
// the chart. Bounded: kMaxWindows windows per metric, and the metrics seen
// least recently are forgotten beyond kMaxMetrics.
//
// GUI thread only.
#pragma once

#include "bucket/statistics.h"
#include "metricid.h"

#include <QHash>
#include <QList>

#include <map>

namespace l2met {

struct EngineSnapshot;

class BucketHistory
{
public:
    static constexpr int kMaxWindows = 120;
    static constexpr int kMaxMetrics = 5000;

    struct Window
    {
        qint64 time = 0; // window start, unix seconds
        Statistics stats;
    };

    void add(const EngineSnapshot &snapshot);
    void clear();
    // Oldest first.
    QList<Window> windows(const MetricId &metric) const;
    int metricCount() const { return int(m_metrics.size()); }

private:
    struct Metric
    {
        std::map<qint64, Statistics> windows; // by window start
        quint64 lastSeen = 0;                 // m_serial of the last snapshot showing it
    };
    void forgetOldest();

    QHash<MetricId, Metric> m_metrics;
    quint64 m_serial = 0;
};

} // namespace l2met
