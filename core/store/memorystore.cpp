#include "store/memorystore.h"

#include <QDateTime>
#include <QMutexLocker>

#include <chrono>
#include <utility>

namespace l2met {

namespace {

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

MemoryStore::MemoryStore(int partitions, std::function<qint64()> clock)
    : m_partitionCount(partitions >= 1 ? partitions : 1)
    , m_clock(clock ? std::move(clock) : std::function<qint64()>(&QDateTime::currentSecsSinceEpoch))
{
    Q_ASSERT(partitions >= 1);
    m_partitions.reserve(size_t(m_partitionCount));
    for (int i = 0; i < m_partitionCount; ++i)
        m_partitions.push_back(std::make_unique<Partition>());
}

MemoryStore::~MemoryStore() = default;

QString MemoryStore::kind() const
{
    return QStringLiteral("memory");
}

int MemoryStore::partitions() const
{
    return m_partitionCount;
}

bool MemoryStore::validPartition(int partition) const
{
    return partition >= 0 && partition < m_partitionCount;
}

StoreResult<bool> MemoryStore::put(const std::vector<Bucket> &buckets, size_t *written)
{
    // One bucket at a time under its partition's mutex: a large flush never
    // holds a partition away from the reader for longer than one insert.
    for (const Bucket &bucket : buckets) {
        if (bucket.isEmpty())
            continue; // nothing to deliver (see Store::put)
        const BucketId &id = bucket.id();
        Q_ASSERT(id.resolution > 0);
        Partition &p = *m_partitions[size_t(id.partition(m_partitionCount))];
        QMutexLocker locker(&p.mutex);
        auto it = p.values.find(id);
        if (it == p.values.end()) {
            p.values.insert(id, bucket);
            p.byReadyAt[id.readyAt()].push_back(id);
        } else {
            it->merge(bucket);
            it->maybeCompact();
        }
        p.valueCount += bucket.valueCount();
    }
    if (written)
        *written = buckets.size();
    return StoreResult<bool>::success(true);
}

StoreResult<qint64> MemoryStore::now()
{
    return StoreResult<qint64>::success(m_clock());
}

StoreResult<bool> MemoryStore::lockPartition(int partition, const QByteArray &owner, int ttlMs)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));
    if (owner.isEmpty())
        return StoreResult<bool>::failure(QStringLiteral("empty lock owner"));
    if (ttlMs <= 0)
        return StoreResult<bool>::failure(QStringLiteral("lock ttl must be positive"));

    Partition &p = *m_partitions[size_t(partition)];
    const qint64 nowMs = steadyMs();
    QMutexLocker locker(&p.mutex);
    const bool free = p.lockOwner.isEmpty() || p.lockExpiresMs <= nowMs;
    if (!free && p.lockOwner != owner)
        return StoreResult<bool>::success(false);
    p.lockOwner = owner;
    p.lockExpiresMs = nowMs + ttlMs;
    return StoreResult<bool>::success(true);
}

StoreResult<bool> MemoryStore::unlockPartition(int partition, const QByteArray &owner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));

    Partition &p = *m_partitions[size_t(partition)];
    const qint64 nowMs = steadyMs();
    QMutexLocker locker(&p.mutex);
    // An expired lock belongs to nobody, as in Redis where its key is gone.
    if (owner.isEmpty() || p.lockOwner != owner || p.lockExpiresMs <= nowMs)
        return StoreResult<bool>::success(false);
    p.lockOwner.clear();
    p.lockExpiresMs = 0;
    return StoreResult<bool>::success(true);
}

StoreResult<std::vector<Bucket>> MemoryStore::takeReady(int partition, qint64 upTo)
{
    if (!validPartition(partition))
        return StoreResult<std::vector<Bucket>>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));

    Partition &p = *m_partitions[size_t(partition)];
    std::vector<Bucket> taken;
    QMutexLocker locker(&p.mutex);
    const auto end = p.byReadyAt.upper_bound(upTo);
    for (auto second = p.byReadyAt.begin(); second != end; ++second) {
        for (BucketId &id : second->second) {
            Bucket bucket = p.values.take(id);
            Q_ASSERT(!bucket.isEmpty());
            p.valueCount -= bucket.valueCount();
            taken.push_back(std::move(bucket));
        }
    }
    p.byReadyAt.erase(p.byReadyAt.begin(), end);
    return StoreResult<std::vector<Bucket>>::success(std::move(taken));
}

std::vector<Bucket> MemoryStore::peek(int limit)
{
    std::vector<Bucket> out;
    for (const std::unique_ptr<Partition> &partition : m_partitions) {
        QMutexLocker locker(&partition->mutex);
        for (auto it = partition->values.cbegin(); it != partition->values.cend(); ++it) {
            if (int(out.size()) >= limit)
                return out;
            out.push_back(it.value());
        }
    }
    return out;
}

bool MemoryStore::healthy()
{
    return true;
}

StoreStats MemoryStore::stats()
{
    const qint64 nowSecs = m_clock();
    const qint64 nowMs = steadyMs();
    StoreStats stats;
    stats.healthy = true;
    stats.partitions.reserve(m_partitionCount);
    for (int i = 0; i < m_partitionCount; ++i) {
        const Partition &p = *m_partitions[size_t(i)];
        PartitionState state;
        state.partition = i;
        QMutexLocker locker(&p.mutex);
        if (!p.lockOwner.isEmpty() && p.lockExpiresMs > nowMs) {
            state.lockOwner = p.lockOwner;
            state.lockTtlMs = p.lockExpiresMs - nowMs;
        }
        const auto end = p.byReadyAt.upper_bound(nowSecs);
        for (auto second = p.byReadyAt.begin(); second != end; ++second)
            state.readyBuckets += qint64(second->second.size());
        state.waitingBuckets = p.values.size();
        stats.buckets += p.values.size();
        stats.values += p.valueCount;
        locker.unlock();
        stats.partitions.append(std::move(state));
    }
    return stats;
}

} // namespace l2met
