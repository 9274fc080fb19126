// EngineSnapshot: an immutable picture of the engine, published a few times
// a second. The GUI and any status endpoint read only snapshots; they never
// touch worker state. Its parts are plain status structs in headers of their
// own (Qt Core only), so a reader of snapshots includes none of the stages'
// working headers (no store, network or Redis): the window includes this
// file and the metric declarations it reads (metrics/metricinfo.h).
//
// Value type; shared as std::shared_ptr<const EngineSnapshot> across threads.
#pragma once

#include "bucket/bucketid.h"
#include "bucket/statistics.h"
#include "engine/bucketquery.h"
#include "engine/metricsummary.h"
#include "metrics/linerecord.h"
#include "metrics/metricinfo.h"
#include "metrics/problem.h"
#include "outlet/deliverystatus.h"
#include "outlet/partitionscan.h"
#include "source/sourcestatus.h"
#include "store/storestats.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace l2met {

// One bucket as the GUI shows it: the drain's Librato user instead of its
// token, and its statistics so far.
struct BucketSummary
{
    QByteArray user; // empty when the token no longer verifies
    QByteArray name;
    QByteArray source;
    QByteArray units;
    BucketType type = BucketType::Measurement;
    qint64 time = 0;      // window start, unix seconds
    qint32 resolution = 60;
    Statistics stats;
    bool inStore = false; // some values flushed to the store (else all still in the register);
                          // values of one id in both are summarised together
};

struct EngineSnapshot
{
    QDateTime taken;
    bool receiverRunning = false;
    bool outletRunning = false;
    bool preview = false;
    quint16 port = 0;
    QString storeKind;
    bool storeHealthy = true;

    QList<MetricSample> metrics;
    qint64 registerBuckets = 0;
    qint64 registerValues = 0;
    int inboxDepth = 0;
    qint64 inboxBytes = 0;
    qint64 outboxBuckets = 0;
    bool outboxFull = false;

    StoreStats store;
    QList<PartitionScan> scans;
    QByteArray readerOwner;
    QList<DeliveryStats> delivery;
    QList<PreviewPayload> previews;
    QList<Problem> problems;
    // The Buckets tab (Engine::setBucketQuery): the first kMaxBuckets
    // buckets of the register and the store that bucketQuery's filter keeps,
    // in its order, out of bucketsMatched matches among bucketsTotal
    // buckets (an id in both counted once). With RedisStore the store's part
    // is a bounded sample (bucketsSampled): the counts are of that sample.
    QList<BucketSummary> buckets;
    BucketQuery bucketQuery;
    qint64 bucketsMatched = 0;
    qint64 bucketsTotal = 0;
    bool bucketsSampled = false;
    double bucketsBuildMs = 0; // what that pass took, in the snapshot thread
    // The Metrics tab: the same buckets grouped by name and name pattern.
    // Grouping costs more than the rest of the pass; when the last grouping
    // took long, a snapshot reuses it (metricsTaken says when it was made)
    // so the grouping takes at most about a fifth of the snapshot thread.
    MetricSummary metricSummary;
    QDateTime metricsTaken;
    double metricsBuildMs = 0; // what the last grouping pass took
    // What each BucketSummary::stats.percentiles holds (--percentiles).
    Percentiles percentiles = Percentiles::defaults();

    // The drain (id 0, when the receiver runs) and every local source.
    QList<SourceStatus> sources;
    // Lines view: the newest captured lines (oldest first, at most
    // kLinesPerSnapshot; LineRecord::seq rises by one per line, so a view
    // adds those newer than the last it has), while
    // Engine::setLineCapture(true). About 250 lines arrive between two
    // snapshots at the capture's ~1,000 lines/s.
    QList<LineRecord> lines;
    static constexpr int kLinesPerSnapshot = 2000;
    int lineCapacity = 10000;
    quint64 linesSampledOut = 0; // lines the capture skipped (over ~1,000 lines/s)
    bool linesSampling = false;  // skipping now
    static constexpr int kMaxBuckets = 5000;

    // The value of a metric without labels; 0 when this process has not
    // registered it (the outlet's metrics in a receiver-only process).
    double metric(const MetricInfo &info) const;
};

} // namespace l2met
