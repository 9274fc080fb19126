// MemoryStore: the single-process Store (the default without REDIS_URL).
// Buckets live in memory until an outlet of this process takes them; nothing
// survives a restart (shutdown drains the store instead, SPEC section 8).
//
// Each partition holds a hash from id to values and an index ordered by ready
// second, so takeReady() finds every bucket ready up to a second, however
// long ago, in O(taken + log n) and returns them by ready second, then in the
// order their ids were first put. Values keep their exact bits (-0.0 and
// subnormals included).
//
// Partition locks follow SET NX PX: a lock is free, held by one owner until
// its ttl runs out (measured on a steady clock, so wall-clock jumps neither
// extend nor cut it), refreshed when its owner takes it again, and released
// only by its owner. now() is the injected clock, in unix seconds.
//
// Thread-safe. Every partition has its own mutex, held only while one bucket
// is filed or while one partition is taken, locked or counted: the store
// writer's put() and the reader's takeReady() meet only when they touch the
// same partition at the same moment. stats() locks one partition at a time,
// so its totals are a sum of per-partition snapshots, not one atomic view.
#pragma once

#include "store/store.h"

#include <QHash>
#include <QMutex>

#include <functional>
#include <map>
#include <memory>

namespace l2met {

class MemoryStore final : public Store
{
public:
    // clock: unix seconds, QDateTime::currentSecsSinceEpoch when empty (tests
    // inject their own). partitions must be >= 1.
    explicit MemoryStore(int partitions, std::function<qint64()> clock = {});
    ~MemoryStore() override;

    MemoryStore(const MemoryStore &) = delete;
    MemoryStore &operator=(const MemoryStore &) = delete;

    QString kind() const override;
    int partitions() const override;

    // Never fails; *written = buckets.size().
    StoreResult<bool> put(const std::vector<Bucket> &buckets, size_t *written = nullptr) override;
    StoreResult<qint64> now() override;
    // Fail for a partition out of range, an empty owner or ttlMs <= 0.
    StoreResult<bool> lockPartition(int partition, const QByteArray &owner, int ttlMs) override;
    StoreResult<bool> unlockPartition(int partition, const QByteArray &owner) override;
    // Fails for a partition out of range.
    StoreResult<std::vector<Bucket>> takeReady(int partition, qint64 upTo) override;

    std::vector<Bucket> peek(int limit) override;
    bool healthy() override;
    StoreStats stats() override;

private:
    struct Partition
    {
        mutable QMutex mutex;
        QHash<BucketId, Bucket> values; // compacted as they grow (Bucket::maybeCompact)
        std::map<qint64, std::vector<BucketId>> byReadyAt; // ready second -> ids, first put first
        qint64 valueCount = 0;
        QByteArray lockOwner; // empty = never locked or released
        qint64 lockExpiresMs = 0; // steady clock
    };

    bool validPartition(int partition) const;

    const int m_partitionCount;
    const std::function<qint64()> m_clock;
    // unique_ptr: QMutex cannot move, and separate allocations keep the
    // partitions' mutexes off one cache line.
    std::vector<std::unique_ptr<Partition>> m_partitions;
};

} // namespace l2met
