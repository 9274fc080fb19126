// MemoryStore: the single-process Store (the default without REDIS_URL).
// Buckets live in memory until the reader of this process acknowledges them;
// nothing survives a restart (shutdown drains the store instead,
// docs/behaviour.md section 8).
//
// Each partition holds its buckets in a BucketTable (store/buckettable.h:
// about 150 bytes for a bucket of one value, key included), a hash from id
// to values with an index by ready second, so readReady() and takeReady()
// find every bucket ready up to a second, however long ago, in
// O(read + log n) and return them by ready second, then in the order their
// ids were first put. Values keep their exact bits (-0.0 and subnormals
// included).
//
// Acknowledging exactly, with compacted values: a stored bucket keeps the
// values no read has covered yet ("open", compacted as it grows) apart from
// those a read has covered ("read" segments, one per read that found new
// values, oldest first, never merged with each other). A read seals the open
// values into a segment and returns all segments merged; an acknowledgement
// of n values pops whole segments from the front while they fit in n. Every
// read ends on a segment boundary, so n is always a whole number of
// segments, and values put after the read (the open part, or a later
// segment) are not touched by its acknowledgement; nor by a repeated one
// until a later read covers them. Compaction happens only inside a segment,
// where arrival order no longer matters. An acknowledgement whose count ends
// inside a segment (a bucket that no read returned) cuts that segment when
// its values are still raw (their arrival order is known), and otherwise
// leaves it and answers false.
//
// Partition locks follow SET NX PX: a lock is free, held by one owner until
// its ttl runs out (measured on a steady clock, so wall-clock jumps neither
// extend nor cut it), refreshed when its owner takes it again, and released
// only by its owner; refreshLock() extends only a lock still held.
// acknowledge() with a lock owner checks the lock under the partition's mutex,
// the same one the removal holds. now() is the injected clock, in unix
// seconds.
//
// Thread-safe. Every partition has its own mutex, held only while one bucket
// is filed or while one partition is read, acknowledged, taken, locked,
// peeked or counted: the store writer's put() and the reader meet only when they touch
// the same partition at the same moment. stats() locks one partition at a
// time, so its totals are a sum of per-partition snapshots, not one atomic
// view.
#pragma once

#include "store/buckettable.h"
#include "store/store.h"

#include <QMutex>

#include <atomic>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

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
    StoreResult<bool> put(const std::vector<Bucket> &buckets, size_t *written = nullptr,
                                  quint64 batch = 0) override;
    StoreResult<qint64> now() override;
    // Fail for a partition out of range, an empty owner or ttlMs <= 0.
    StoreResult<bool> lockPartition(int partition, const QByteArray &owner, int ttlMs) override;
    StoreResult<bool> unlockPartition(int partition, const QByteArray &owner) override;
    StoreResult<bool> refreshLock(int partition, const QByteArray &owner, int ttlMs) override;
    // Fails for a partition out of range or limit < 1.
    StoreResult<std::vector<Bucket>> readReady(int partition, qint64 upTo, int limit) override;
    StoreResult<bool> acknowledge(int partition, const std::vector<Bucket> &read,
                                  const QByteArray &lockOwner = {}) override;

    std::vector<Bucket> peek(int limit) override;
    // Every bucket, copied kVisitChunk at a time under its partition's mutex
    // and visited outside it, so put() and the reader wait at most for one
    // chunk's copying, never for the visitor. A bucket stored for the whole
    // visit is visited exactly once; one put or taken meanwhile may or may
    // not be. Always true.
    static constexpr size_t kVisitChunk = 1024;
    bool visitStored(const std::function<void(const Bucket &)> &visit, int sampleLimit) override;
    bool healthy() override;
    StoreStats stats() override;
    qint64 bucketsInMemory() const override { return m_held.load(std::memory_order_relaxed); }

    // Removes and returns every bucket of the partition whose ready time is
    // <= upTo (missed seconds included), by ready second, each with its
    // values in the order they were put: read and acknowledge in one step,
    // for tests and tools (the Reader reads and acknowledges). Fails for a
    // partition out of range.
    StoreResult<std::vector<Bucket>> takeReady(int partition, qint64 upTo);

private:
    struct Partition
    {
        mutable QMutex mutex;
        BucketTable buckets; // compact: see store/buckettable.h
        qint64 valueCount = 0;
        QByteArray lockOwner; // empty = never locked or released
        qint64 lockExpiresMs = 0; // steady clock

        bool heldBy(const QByteArray &owner, qint64 nowMs) const;
    };

    bool validPartition(int partition) const;

    const int m_partitionCount;
    const std::function<qint64()> m_clock;
    // unique_ptr: QMutex cannot move, and separate allocations keep the
    // partitions' mutexes off one cache line.
    std::vector<std::unique_ptr<Partition>> m_partitions;
    std::atomic<qint64> m_held { 0 }; // buckets filed, all partitions
};

} // namespace l2met
