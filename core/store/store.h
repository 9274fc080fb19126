// Store: where flushed buckets wait until they are ready and an outlet
// delivers them (docs/behaviour.md sections 1 and 6). Each bucket is filed
// under its partition, hash(id) mod partitions, and under the second it
// becomes ready. A bucket put again (same id) gets the new values appended.
//
// Acknowledge after delivery. The reader of each process, every outlet
// interval, takes the lock of a partition, reads (without removing) the
// buckets ready up to the store's "now", hands them to the outlet, keeps the
// lock alive (refreshLock) until Librato answered, and only then acknowledges
// them (removes exactly the values it read) and releases the lock. A process
// killed anywhere in between removed nothing: its lock expires and another
// reader reads the same values again. So delivery is at least once: a
// bucket is delivered twice when its delivery went through but its
// acknowledgement did not (killed after Librato's 2xx, Redis unreachable, the
// lock lost). That is harmless: Librato keeps one value per gauge name, source
// and measure_time, so the second POST of the same values replaces the first
// with the same numbers. What is never possible is a loss: values are removed
// only by an acknowledgement of a read that included them.
//
// Exactly one reader at a time reads and acknowledges a partition while it
// holds the lock, and acknowledge(..., lockOwner) checks the lock atomically
// with the removal, so a reader whose lock ran out (a stall longer than the
// ttl) cannot remove values that another reader has read since. Without a
// lock owner, acknowledge trusts its caller: two unlocked readers that
// acknowledge the same read both remove it, and the second removes values
// put after the first (see acknowledge()).
//
// Implementations are thread-safe: put() is called from the store writer
// thread, the partition calls from the reader thread, healthy() and stats()
// from anywhere.
#pragma once

#include "bucket/bucket.h"
#include "store/storestats.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
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

class Store
{
public:
    virtual ~Store() = default;

    virtual QString kind() const = 0; // "memory", "redis"
    virtual int partitions() const = 0;

    // Files the buckets; on failure nothing may be assumed stored and the
    // caller keeps them and retries (a retried put of a partly written batch
    // may append values twice only where the store says so). `written` gets
    // the count of leading buckets stored: MemoryStore writes every bucket
    // whole; RedisStore writes whole chunks of buckets, only a bucket bigger
    // than a chunk in parts (see redisstore.h). A bucket with
    // no values is not filed (nothing to deliver; a Redis list cannot be
    // empty) and counts as written. Values come back bit for bit (-0.0 and
    // subnormals included; NaN and infinities never reach a store).
    // `batch` names the batch (non-zero, the same on every retry of it, never
    // reused by this process): a store may use it to apply a retried write
    // at most once (RedisStore does; 0 = a batch of its own).
    virtual StoreResult<bool> put(const std::vector<Bucket> &buckets, size_t *written = nullptr,
                                  quint64 batch = 0) = 0;

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

    // Extends the lock's ttl when owner holds it now (true). Unlike
    // lockPartition it never takes a lock that is free: false tells the
    // caller that its lock ran out since it last had it (someone else may
    // have read and acknowledged in between), so it must not acknowledge.
    virtual StoreResult<bool> refreshLock(int partition, const QByteArray &owner, int ttlMs) = 0;

    // Reads, without removing anything, up to limit (>= 1) buckets of the
    // partition whose ready time is <= upTo (missed seconds included). Each
    // bucket holds exactly the values stored for its id at that moment, in
    // the order they were put (a compacted bucket keeps its multiset and its
    // last value); its valueCount() is what acknowledge() will remove. Two
    // reads with nothing acknowledged or put in between return the same
    // buckets (when there are more than limit, which ones is unspecified).
    virtual StoreResult<std::vector<Bucket>> readReady(int partition, qint64 upTo, int limit) = 0;

    // For each bucket of read (as readReady returned it), removes the first
    // bucket.valueCount() values stored under its id, in arrival order: what
    // was read, while values put since the read stay, ready for the next
    // read. An id left without values is unfiled. A bucket whose values are
    // already gone (acknowledged, expired) removes what is left of them only.
    //
    // lockOwner not empty: only while lockOwner holds the partition's lock,
    // checked atomically with the removal; when it does not, nothing more is
    // removed and the value is false. That makes an acknowledgement by a
    // reader that lost its lock harmless. Empty: no check (tests, tools).
    // Then two readers that read the same values and both acknowledge them
    // remove them twice: values put after the first acknowledgement are lost
    // (MemoryStore removes only values that a read has covered, so there it
    // takes a third read in between). Hold the lock, as the Reader does.
    //
    // Fails for a partition out of range. A failure may have removed some
    // buckets' values and not others' (each bucket's whole or not at all):
    // never acknowledge that read again (it could remove values put since);
    // read again, which returns what is left, and deliver that.
    virtual StoreResult<bool> acknowledge(int partition, const std::vector<Bucket> &read,
                                          const QByteArray &lockOwner = {}) = 0;

    // Copies of up to limit buckets waiting in the store, without taking
    // them (for the GUI's live table). Stores where this is costly may
    // return fewer, or none.
    virtual std::vector<Bucket> peek(int limit) { Q_UNUSED(limit); return {}; }

    // Calls visit for every bucket waiting in the store (each id once, with
    // all its values, as peek() would copy it) without copying them where
    // the store can (the GUI's filter and summaries over every bucket). true
    // when it visited every stored bucket; false when it visited only a
    // sample. The default visits what peek(sampleLimit) returns and answers
    // false: RedisStore keeps its bounded, rate-limited peek, so over Redis
    // the window sees a sample. visit must not call back into the store.
    virtual bool visitStored(const std::function<void(const Bucket &)> &visit, int sampleLimit);

    virtual bool healthy() = 0;
    virtual StoreStats stats() = 0;
    // Buckets this store holds in this process's memory (cheap: one atomic
    // load), for --max-buckets; 0 for a store that keeps them elsewhere.
    virtual qint64 bucketsInMemory() const { return 0; }

protected:
    // The argument checks every lock call makes: the error text, or empty
    // when the partition is in range, the owner non-empty and the ttl positive.
    QString lockArgumentsError(int partition, const QByteArray &owner, int ttlMs) const;
};

} // namespace l2met
