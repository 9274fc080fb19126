#include "receiver/register.h"

#include <QMutexLocker>

namespace l2met {

qint64 Register::merge(std::vector<Bucket> &buckets)
{
    if (buckets.empty())
        return 0;
    // Group by shard so each shard is locked once per call. The shard
    // follows the window and name only: the buckets of one call share their
    // drain token (164 bytes, and hashed again by the shard's QHash).
    std::array<std::vector<Bucket *>, kShards> byShard;
    for (Bucket &b : buckets)
        byShard[qHashMulti(0, b.id().time, b.id().name) % kShards].push_back(&b);
    qint64 newBuckets = 0;
    for (int s = 0; s < kShards; ++s) {
        if (byShard[s].empty())
            continue;
        Shard &shard = m_shards[s];
        QMutexLocker lock(&shard.mutex);
        qint64 shardNew = 0;
        qint64 shardValues = 0;
        for (Bucket *b : byShard[s]) {
            shardValues += b->valueCount();
            // One look-up (one hash of the id) whether the bucket is new or not.
            const qsizetype before = shard.buckets.size();
            Bucket &held = shard.buckets[b->id()];
            if (shard.buckets.size() != before) {
                held = std::move(*b);
                ++shardNew;
            } else {
                held.merge(std::move(*b));
                held.maybeCompact();
            }
        }
        // Counted under the shard's lock: a takeAll() that takes these
        // buckets subtracts them after, so the counts never go negative.
        m_buckets.fetch_add(shardNew, std::memory_order_relaxed);
        m_values.fetch_add(shardValues, std::memory_order_relaxed);
        newBuckets += shardNew;
    }
    return newBuckets;
}

std::vector<Bucket> Register::takeAll(std::atomic<qint64> *movedTo)
{
    std::vector<Bucket> out;
    // Never negative: merge() counts its buckets under the shard's lock.
    out.reserve(size_t(m_buckets.load(std::memory_order_relaxed)));
    qint64 buckets = 0;
    qint64 values = 0;
    for (Shard &shard : m_shards) {
        QHash<BucketId, Bucket> taken;
        {
            QMutexLocker lock(&shard.mutex);
            taken.swap(shard.buckets);
        }
        for (auto it = taken.begin(); it != taken.end(); ++it) {
            values += it->valueCount();
            out.push_back(std::move(it.value()));
        }
        buckets += taken.size();
    }
    if (movedTo)
        movedTo->fetch_add(buckets, std::memory_order_relaxed);
    m_buckets.fetch_sub(buckets, std::memory_order_relaxed);
    m_values.fetch_sub(values, std::memory_order_relaxed);
    return out;
}

void Register::forEach(const std::function<void(const Bucket &)> &visit) const
{
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        for (const Bucket &b : shard.buckets)
            visit(b);
    }
}

} // namespace l2met
