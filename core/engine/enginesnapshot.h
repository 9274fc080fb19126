// EngineSnapshot: an immutable picture of the engine, published a few times
// a second. The GUI and any status endpoint read only snapshots; they never
// touch worker state.
//
// Value type; shared as std::shared_ptr<const EngineSnapshot> across threads.
#pragma once

#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "outlet/libratooutlet.h"
#include "outlet/reader.h"
#include "store/store.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace l2met {

struct EngineSnapshot
{
    QDateTime taken;
    bool receiverRunning = false;
    bool outletRunning = false;
    bool preview = false;
    quint16 port = 0;
    QString storeKind;
    bool storeHealthy = true;

    QList<Metrics::Sample> metrics;
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

    // The value of a metric without labels (0 when absent).
    double metric(const QByteArray &name) const;
};

} // namespace l2met
