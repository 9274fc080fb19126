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

bool MemoryStore::Partition::heldBy(const QByteArray &owner, qint64 nowMs) const
{
    return !owner.isEmpty() && lockOwner == owner && lockExpiresMs > nowMs;
}

StoreResult<bool> MemoryStore::put(const std::vector<Bucket> &buckets, size_t *written, quint64)
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
        const BucketTable::Ref ref = p.buckets.find(id);
        if (ref == BucketTable::kNone) {
            p.buckets.insert(bucket);
            m_held.fetch_add(1, std::memory_order_relaxed);
        } else {
            // Into the open part only: what a read covered stays as it was.
            p.buckets.add(ref, bucket);
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
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);

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

StoreResult<bool> MemoryStore::refreshLock(int partition, const QByteArray &owner, int ttlMs)
{
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);

    Partition &p = *m_partitions[size_t(partition)];
    const qint64 nowMs = steadyMs();
    QMutexLocker locker(&p.mutex);
    if (!p.heldBy(owner, nowMs))
        return StoreResult<bool>::success(false);
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
    if (!p.heldBy(owner, nowMs))
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
    p.buckets.forEachReady(upTo, [&](BucketTable::Ref ref) {
        Bucket bucket = p.buckets.merged(ref);
        Q_ASSERT(!bucket.isEmpty());
        p.valueCount -= bucket.valueCount();
        taken.push_back(std::move(bucket));
        p.buckets.remove(ref);
        m_held.fetch_sub(1, std::memory_order_relaxed);
        return true;
    });
    return StoreResult<std::vector<Bucket>>::success(std::move(taken));
}

StoreResult<std::vector<Bucket>> MemoryStore::readReady(int partition, qint64 upTo, int limit)
{
    using Result = StoreResult<std::vector<Bucket>>;
    if (!validPartition(partition))
        return Result::failure(QStringLiteral("partition %1 out of range").arg(partition));
    if (limit < 1)
        return Result::failure(QStringLiteral("read limit must be positive"));

    Partition &p = *m_partitions[size_t(partition)];
    std::vector<Bucket> read;
    QMutexLocker locker(&p.mutex);
    p.buckets.forEachReady(upTo, [&](BucketTable::Ref ref) {
        // Seal what this read covers: an acknowledgement of it ends here.
        read.push_back(p.buckets.seal(ref));
        return int(read.size()) < limit;
    });
    return Result::success(std::move(read));
}

StoreResult<bool> MemoryStore::acknowledge(int partition, const std::vector<Bucket> &read,
                                           const QByteArray &lockOwner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));

    Partition &p = *m_partitions[size_t(partition)];
    const qint64 nowMs = steadyMs();
    QMutexLocker locker(&p.mutex);
    if (!lockOwner.isEmpty() && !p.heldBy(lockOwner, nowMs))
        return StoreResult<bool>::success(false);
    bool exact = true;
    for (const Bucket &bucket : read) {
        const BucketTable::Ref ref = p.buckets.find(bucket.id());
        if (ref == BucketTable::kNone)
            continue; // acknowledged already (or never stored)
        p.valueCount -= p.buckets.acknowledge(ref, bucket.valueCount(), &exact);
        if (p.buckets.isEmpty(ref)) {
            p.buckets.remove(ref);
            m_held.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    return StoreResult<bool>::success(exact);
}

std::vector<Bucket> MemoryStore::peek(int limit)
{
    std::vector<Bucket> out;
    for (const std::unique_ptr<Partition> &partition : m_partitions) {
        QMutexLocker locker(&partition->mutex);
        partition->buckets.forEach([&](BucketTable::Ref ref) {
            if (int(out.size()) >= limit)
                return false;
            out.push_back(partition->buckets.merged(ref));
            return true;
        });
        if (int(out.size()) >= limit)
            break;
    }
    return out;
}

bool MemoryStore::visitStored(const std::function<void(const Bucket &)> &visit, int sampleLimit)
{
    Q_UNUSED(sampleLimit);
    // A chunk is copied under the partition's mutex and visited outside it:
    // the visitor (the window's summary of a million buckets takes a second
    // or more) never holds up put() or the reader for longer than copying
    // kVisitChunk buckets, and they take the mutex while it works.
    std::vector<Bucket> chunk;
    chunk.reserve(kVisitChunk);
    for (const std::unique_ptr<Partition> &partition : m_partitions) {
        BucketTable::Ref next = 0;
        while (next != BucketTable::kNone) {
            {
                QMutexLocker locker(&partition->mutex);
                next = partition->buckets.forEachFrom(next, [&](BucketTable::Ref ref) {
                    chunk.push_back(partition->buckets.merged(ref));
                    return chunk.size() < kVisitChunk;
                });
            }
            for (const Bucket &bucket : chunk)
                visit(bucket);
            chunk.clear();
        }
    }
    return true;
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
        state.readyBuckets += p.buckets.readyUpTo(nowSecs);
        state.waitingBuckets = p.buckets.size();
        stats.buckets += p.buckets.size();
        stats.values += p.valueCount;
        locker.unlock();
        stats.partitions.append(std::move(state));
    }
    return stats;
}

} // namespace l2met
