// Store: where flushed buckets wait until they are ready and an outlet takes
// them (SPEC sections 1 and 6). Each bucket is filed under its partition,
// hash(id) mod partitions, and under the second it becomes ready. A bucket
// put again (same id) gets the new values appended.
//
// The reader of each process, every outlet interval, takes the lock of a
// partition, takes (reads and removes) every bucket ready up to the store's
// "now", and releases the lock, so exactly one outlet computes a bucket.
//
// Implementations are thread-safe: put() is called from the store writer
// thread, the partition calls from the reader thread, health() and stats()
// from anywhere.
#pragma once

#include "bucket/bucket.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <vector>

namespace l2met {

struct StoreError
{
    QString message; // for logs and the GUI; never holds a secret
};

template<typename T>
struct StoreResult
{
    std::optional<T> value;
    StoreError error;
    bool ok() const { return value.has_value(); }
    static StoreResult success(T v) { return StoreResult { std::move(v), {} }; }
    static StoreResult failure(QString message) { return StoreResult { std::nullopt, { std::move(message) } }; }
};

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

class Store
{
public:
    virtual ~Store() = default;

    virtual QString kind() const = 0; // "memory", "redis"
    virtual int partitions() const = 0;

    // Files the buckets; on failure nothing may be assumed stored and the
    // caller keeps them and retries (a retried put of a partly written batch
    // may append values twice only where the store says so; MemoryStore and
    // RedisStore write each bucket atomically and report which were written
    // through `written`, the count of leading buckets stored). A bucket with
    // no values is not filed (nothing to deliver; a Redis list cannot be
    // empty) and counts as written. Values come back bit for bit (-0.0 and
    // subnormals included; NaN and infinities never reach a store).
    virtual StoreResult<bool> put(const std::vector<Bucket> &buckets, size_t *written = nullptr) = 0;

    // The store's clock in unix seconds (Redis TIME for Redis), so processes
    // on machines with different clocks agree on what is ready.
    virtual StoreResult<qint64> now() = 0;

    // The partition calls below fail for a partition outside
    // [0, partitions()); lockPartition also for an empty owner or ttlMs <= 0.

    // SET NX PX semantics: true when this owner now holds the lock (also when
    // it already held it: the ttl is refreshed).
    virtual StoreResult<bool> lockPartition(int partition, const QByteArray &owner, int ttlMs) = 0;
    // Releases only when owner holds it (true); an expired lock is held by
    // nobody, so its former owner gets false.
    virtual StoreResult<bool> unlockPartition(int partition, const QByteArray &owner) = 0;

    // Removes and returns every bucket of the partition whose ready time is
    // <= upTo (missed seconds included: nothing is skipped). Each bucket's
    // values are in the order they were put; the order of the buckets is
    // unspecified.
    virtual StoreResult<std::vector<Bucket>> takeReady(int partition, qint64 upTo) = 0;

    // Copies of up to limit buckets waiting in the store, without taking
    // them (for the GUI's live table). Stores where this is costly may
    // return fewer, or none.
    virtual std::vector<Bucket> peek(int limit) { Q_UNUSED(limit); return {}; }

    virtual bool healthy() = 0;
    virtual StoreStats stats() = 0;
};

} // namespace l2met
