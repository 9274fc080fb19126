// Register: the in-memory buckets of this process, keyed by id; a bucket that
// arrives with an id already present is merged (values appended). Every
// flush interval the store writer takes the whole register.
//
// Sharded by id hash, each shard with its own mutex, so parser threads merge
// a body's buckets without a global lock. Thread-safe.
#pragma once

#include "bucket/bucket.h"

#include <QHash>
#include <QMutex>

#include <array>
#include <atomic>
#include <functional>
#include <vector>

namespace l2met {

class Register
{
public:
    // Merges the buckets (moved from); returns how many were new (the
    // others merged into buckets already present).
    qint64 merge(std::vector<Bucket> &buckets);
    // Takes every bucket; the register is empty afterwards. movedTo, when
    // given, has the number taken added before bucketCount() loses them, so
    // a sum of both (Engine::bucketsHeld, the --max-buckets budget) never
    // misses buckets on their way to the store writer's outbox.
    std::vector<Bucket> takeAll(std::atomic<qint64> *movedTo = nullptr);

    qint64 bucketCount() const { return m_buckets.load(std::memory_order_relaxed); }
    qint64 valueCount() const { return m_values.load(std::memory_order_relaxed); }

    // Calls visit for every bucket, one shard at a time under that shard's
    // lock (parsers merging into that shard wait meanwhile; keep visit
    // cheap). Copies nothing. visit must not call back into the register.
    void forEach(const std::function<void(const Bucket &)> &visit) const;

    static constexpr int kShards = 16;

private:
    struct Shard
    {
        mutable QMutex mutex;
        QHash<BucketId, Bucket> buckets;
    };
    std::array<Shard, kShards> m_shards;
    std::atomic<qint64> m_buckets { 0 };
    std::atomic<qint64> m_values { 0 };
};

} // namespace l2met
