#include "outlet/reader.h"

#include "metrics/metrics.h"
#include "store/store.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QTimer>

#include <limits>

Q_LOGGING_CATEGORY(lcReader, "l2met.reader")

namespace l2met {

Reader::Reader(Store *store, Metrics *metrics, int intervalMs, QByteArray owner, Deliver deliver,
               QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_intervalMs(intervalMs)
    // Longer than any sane scan, short enough that a dead process's
    // partitions are taken over quickly.
    , m_lockTtlMs(std::max(5000, 5 * intervalMs))
    , m_owner(std::move(owner))
    , m_deliver(std::move(deliver))
    , m_scansDone(&metrics->counter("reader_scans", "partition scans that held the lock"))
    , m_bucketsRead(&metrics->counter("buckets_read", "buckets taken from the store by this reader"))
    , m_lockBusy(&metrics->counter("reader_lock_busy", "partition scans skipped: another owner held the lock"))
    , m_errors(&metrics->counter("reader_errors", "store errors while reading"))
    , m_scanTime(&metrics->timer("reader_scan", "time of one partition scan"))
{
    for (int p = 0; p < m_store->partitions(); ++p)
        m_scans.append(PartitionScan { p, {}, 0, 0, false });
}

void Reader::start()
{
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, [this] { scan(false); });
    m_timer->start(m_intervalMs);
}

void Reader::stopTimer()
{
    if (m_timer)
        m_timer->stop();
}

qint64 Reader::scan(bool everything)
{
    qint64 total = 0;
    const int partitions = m_store->partitions();
    const StoreResult<qint64> now = m_store->now();
    if (!now.ok()) {
        m_errors->add();
        return 0;
    }
    const qint64 upTo = everything ? std::numeric_limits<qint64>::max() : *now.value;
    // Start at a different partition each time so that, across a fleet,
    // readers spread over the partitions instead of queueing on the first.
    for (int i = 0; i < partitions; ++i) {
        const int p = (m_nextPartition + i) % partitions;
        QElapsedTimer timer;
        timer.start();
        const StoreResult<bool> locked = m_store->lockPartition(p, m_owner, m_lockTtlMs);
        if (!locked.ok()) {
            m_errors->add();
            continue;
        }
        if (!*locked.value) {
            m_lockBusy->add();
            QMutexLocker lock(&m_mutex);
            m_scans[p].lastLocked = false;
            continue;
        }
        StoreResult<std::vector<Bucket>> taken = m_store->takeReady(p, upTo);
        m_store->unlockPartition(p, m_owner);
        const qint64 micros = timer.nsecsElapsed() / 1000;
        m_scanTime->record(micros);
        m_scansDone->add();
        qint64 count = 0;
        if (!taken.ok()) {
            m_errors->add();
            qCWarning(lcReader).noquote()
                << QStringLiteral("at=reader.take partition=%1 error=\"%2\"").arg(p).arg(taken.error.message);
        } else {
            count = qint64(taken.value->size());
            if (count > 0) {
                m_bucketsRead->add(quint64(count));
                m_deliver(std::move(*taken.value));
            }
        }
        total += count;
        QMutexLocker lock(&m_mutex);
        m_scans[p] = PartitionScan { p, QDateTime::currentDateTimeUtc(), micros, count, true };
    }
    m_nextPartition = (m_nextPartition + 1) % std::max(1, partitions);
    return total;
}

QList<PartitionScan> Reader::scans() const
{
    QMutexLocker lock(&m_mutex);
    return m_scans;
}

} // namespace l2met
