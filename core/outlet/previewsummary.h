// PreviewSummary: per metric, what preview mode would have shipped (type,
// units, windows, values counted, their sum), for the short table a headless
// `--preview` run prints at exit: which gauges an app's logs produce, at a
// glance.
//
// Bounded: at most kMaxMetrics metrics (the rest are counted as "more"), and
// windows are counted, not kept beyond the last one seen per metric.
// Thread-safe: the outlet adds, the shell reads at exit.
#pragma once

#include "bucket/bucket.h"

#include <QMutex>
#include <QString>

#include <map>
#include <tuple>
#include <vector>

namespace l2met {

class PreviewSummary
{
public:
    void add(const std::vector<Bucket> &buckets);

    // One line per metric, aligned, sorted by name; empty when nothing was
    // previewed.
    QString table() const;
    int metrics() const;

    static constexpr int kMaxMetrics = 10000;

private:
    struct Row
    {
        qint64 windows = 0;
        qint64 lastWindow = -1;
        qint64 count = 0;
        double sum = 0;
        double last = 0;
    };
    using Key = std::tuple<QByteArray, int, QByteArray>; // name, type, units

    mutable QMutex m_mutex;
    std::map<Key, Row> m_rows;
    qint64 m_overflowBuckets = 0;
};

} // namespace l2met
