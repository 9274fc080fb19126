// PartitionState and StoreStats: what a Store reports about itself
// (Store::stats(), store/store.h), for the engine's snapshot and the
// window's Partitions view. Plain value types (Qt Core only); includes
// nothing of the stores.
#pragma once

#include <QByteArray>
#include <QList>

namespace l2met {

struct PartitionState
{
    int partition = 0;
    QByteArray lockOwner; // empty = free
    qint64 lockTtlMs = 0; // time left on the lock, when held
    qint64 readyBuckets = 0;  // ready now (ready second <= store now)
    qint64 waitingBuckets = 0; // all buckets filed under the partition
};

struct StoreStats
{
    bool healthy = true;
    qint64 buckets = 0;
    qint64 values = 0;
    QList<PartitionState> partitions;
};

} // namespace l2met
