#include "receiver/register.h"

#include <QMutexLocker>

#include <algorithm>

namespace l2met {

qint64 Register::merge(std::vector<Bucket> &buckets)
{
    if (buckets.empty())
        return 0;
    // Group by shard so each shard is locked once per call.
    std::array<std::vector<Bucket *>, kShards> byShard;
    for (Bucket &b : buckets)
        byShard[qHash(b.id()) % kShards].push_back(&b);
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
            auto it = shard.buckets.find(b->id());
            if (it == shard.buckets.end()) {
                const BucketId id = b->id(); // the key must not alias the moved value
                shard.buckets.insert(id, std::move(*b));
                ++shardNew;
            } else {
                it->merge(std::move(*b));
                it->maybeCompact();
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
    out.reserve(size_t(std::max<qint64>(0, m_buckets.load(std::memory_order_relaxed))));
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
