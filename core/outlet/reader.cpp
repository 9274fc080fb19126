#include "outlet/reader.h"

#include "metrics/metrics.h"
#include "outlet/outletmetrics.h"
#include "store/store.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QTimer>

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>

Q_LOGGING_CATEGORY(lcReader, "l2met.reader")

namespace l2met {

namespace {

// Rounds of one scan while reads come back full (and something was
// acknowledged): 100 x readLimit buckets per partition, then the next tick.
constexpr int kMaxRounds = 100;

} // namespace

struct Reader::Wait
{
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<quint64> done; // deliveries whose done ran, not looked at yet
    Clock::time_point stopAt = Clock::time_point::max();
};

struct Reader::Pending
{
    int partition = 0;
    quint64 delivery = 0;
    std::vector<Bucket> buckets; // as read: what acknowledge removes
    QElapsedTimer since; // the lock was taken
    Clock::time_point refreshAt; // next lock refresh
    Clock::time_point deadline;
};

int Reader::bucketsPerWave(int gaugesPerBucket)
{
    return 6 * 300 / std::max(gaugesPerBucket, 1);
}

Reader::Reader(Store *store, Metrics *metrics, Options options, QByteArray owner, Deliver deliver,
               QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
    // Short enough that a dead process's partitions are taken over within
    // seconds; the reader refreshes it every third while it delivers.
    , m_lockTtlMs(std::max(5000, 5 * options.intervalMs))
    , m_owner(std::move(owner))
    , m_deliver(std::move(deliver))
    , m_wait(std::make_shared<Wait>())
    , m_scansDone(&metrics->counter(kReaderScans))
    , m_bucketsRead(&metrics->counter(kBucketsRead))
    , m_bucketsAcknowledged(&metrics->counter(kBucketsAcknowledged))
    , m_lockBusy(&metrics->counter(kReaderLockBusy))
    , m_lockLost(&metrics->counter(kReaderLockLost))
    , m_timeouts(&metrics->counter(kReaderDeliveryTimeouts))
    , m_errors(&metrics->counter(kReaderErrors))
    , m_scanTime(&metrics->timer(kReaderScan))
{
    Q_ASSERT(m_options.readLimit >= 1 && m_options.deliveryTimeoutMs > 0);
    m_options.readLimit = std::max(1, m_options.readLimit);
    for (int p = 0; p < m_store->partitions(); ++p)
        m_scans.append(PartitionScan { p, {}, 0, 0, false });
}

Reader::~Reader() = default;

void Reader::start()
{
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, [this] { scan(false); });
    m_timer->start(m_options.intervalMs);
}

void Reader::stopTimer()
{
    if (m_timer)
        m_timer->stop();
}

void Reader::finishBy(QDeadlineTimer deadline)
{
    const Clock::time_point at = deadline.isForever()
        ? Clock::time_point::max()
        : Clock::now() + std::chrono::milliseconds(std::max<qint64>(0, deadline.remainingTime()));
    const std::lock_guard<std::mutex> lock(m_wait->mutex);
    m_wait->stopAt = at;
    m_wait->wake.notify_all();
}

Reader::Clock::time_point Reader::stopAt() const
{
    const std::lock_guard<std::mutex> lock(m_wait->mutex);
    return m_wait->stopAt;
}

qint64 Reader::drain(bool everything)
{
    qint64 total = 0;
    for (;;) {
        const qint64 acknowledged = scan(everything);
        total += acknowledged;
        if (acknowledged == 0 || Clock::now() >= stopAt())
            return total;
    }
}

qint64 Reader::scan(bool everything)
{
    if (m_scanning)
        return 0; // only a nested event loop could get here; the running scan covers it
    m_scanning = true;
    const StoreResult<qint64> now = m_store->now();
    qint64 total = 0;
    if (!now.ok()) {
        m_errors->add();
        qCWarning(lcReader).noquote()
            << QStringLiteral("at=reader.now error=\"%1\"").arg(now.error.message);
    } else {
        const qint64 upTo = everything ? std::numeric_limits<qint64>::max() : *now.value;
        for (int round = 0; round < kMaxRounds && Clock::now() < stopAt(); ++round) {
            bool full = false;
            const qint64 acknowledged = scanRound(upTo, &full);
            total += acknowledged;
            if (!full || acknowledged == 0)
                break;
        }
    }
    // Start at a different partition each time so that, across a fleet,
    // readers spread over the partitions instead of queueing on the first.
    m_nextPartition = (m_nextPartition + 1) % std::max(1, m_store->partitions());
    m_scanning = false;
    return total;
}

qint64 Reader::scanRound(qint64 upTo, bool *full)
{
    const int partitions = m_store->partitions();
    std::vector<Pending> pending;
    qint64 handed = 0; // buckets given to the outlet in this round, in order
    for (int i = 0; i < partitions && Clock::now() < stopAt(); ++i) {
        refreshDue(pending); // a long round must not let its first locks run out
        const int p = (m_nextPartition + i) % partitions;
        QElapsedTimer since;
        since.start();
        const StoreResult<bool> locked = m_store->lockPartition(p, m_owner, m_lockTtlMs);
        if (!locked.ok()) {
            m_errors->add();
            qCWarning(lcReader).noquote()
                << QStringLiteral("at=reader.lock partition=%1 error=\"%2\"")
                       .arg(p)
                       .arg(locked.error.message);
            continue;
        }
        if (!*locked.value) {
            m_lockBusy->add();
            record(p, 0, 0, false);
            continue;
        }
        StoreResult<std::vector<Bucket>> read = m_store->readReady(p, upTo, m_options.readLimit);
        if (!read.ok() || read.value->empty()) {
            if (!read.ok()) {
                m_errors->add();
                qCWarning(lcReader).noquote()
                    << QStringLiteral("at=reader.read partition=%1 error=\"%2\"")
                           .arg(p)
                           .arg(read.error.message);
            }
            m_store->unlockPartition(p, m_owner);
            const qint64 micros = since.nsecsElapsed() / 1000;
            m_scanTime->record(micros);
            m_scansDone->add();
            record(p, micros, 0, true);
            continue;
        }

        const auto count = qint64(read.value->size());
        *full = *full || count >= m_options.readLimit;
        m_bucketsRead->add(quint64(count));
        handed += count;
        // The outlet sends in order: this delivery waits behind the earlier
        // ones of the round, so its bound grows with what precedes it.
        const qint64 perWave = bucketsPerWave(m_options.gaugesPerBucket);
        const qint64 waves = (handed + perWave - 1) / perWave;
        Pending delivery;
        delivery.partition = p;
        delivery.delivery = m_nextDelivery++;
        delivery.buckets = std::move(*read.value);
        delivery.since = since;
        delivery.refreshAt
            = Clock::now() + refreshInterval() - std::chrono::milliseconds(since.elapsed());
        delivery.deadline
            = Clock::now() + std::chrono::milliseconds(qint64(m_options.deliveryTimeoutMs) * waves);
        const std::shared_ptr<Wait> wait = m_wait;
        const quint64 id = delivery.delivery;
        m_deliver(delivery.buckets, [wait, id] {
            const std::lock_guard<std::mutex> lock(wait->mutex);
            wait->done.push_back(id);
            wait->wake.notify_all();
        });
        pending.push_back(std::move(delivery));
    }
    return await(pending);
}

std::chrono::milliseconds Reader::refreshInterval() const
{
    return std::chrono::milliseconds(std::max(1, m_lockTtlMs / 3));
}

void Reader::refreshDue(std::vector<Pending> &pending)
{
    const Clock::time_point now = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
        if (now < it->refreshAt) {
            ++it;
            continue;
        }
        const StoreResult<bool> refreshed
            = m_store->refreshLock(it->partition, m_owner, m_lockTtlMs);
        if (refreshed.ok() && !*refreshed.value) {
            m_lockLost->add();
            settle(*it, false, "lock_lost");
            it = pending.erase(it);
            continue;
        }
        if (!refreshed.ok()) {
            // Maybe still held: the next refresh, or the fenced acknowledge,
            // will tell.
            m_errors->add();
            qCWarning(lcReader).noquote()
                << QStringLiteral("at=reader.refresh partition=%1 error=\"%2\"")
                       .arg(it->partition)
                       .arg(refreshed.error.message);
        }
        it->refreshAt = Clock::now() + refreshInterval();
        ++it;
    }
}

qint64 Reader::await(std::vector<Pending> &pending)
{
    qint64 acknowledged = 0;
    while (!pending.empty()) {
        std::vector<quint64> done;
        Clock::time_point stop;
        {
            std::unique_lock<std::mutex> lock(m_wait->mutex);
            Clock::time_point until = m_wait->stopAt;
            for (const Pending &delivery : pending)
                until = std::min({ until, delivery.refreshAt, delivery.deadline });
            if (m_wait->done.empty())
                m_wait->wake.wait_until(lock, until); // a done or finishBy() wakes it early
            done.swap(m_wait->done); // ids of deliveries given up on are dropped here
            stop = m_wait->stopAt;
        }

        const auto isDone = [&done](const Pending &delivery) {
            return std::find(done.begin(), done.end(), delivery.delivery) != done.end();
        };
        for (auto it = pending.begin(); it != pending.end();) {
            if (isDone(*it)) {
                acknowledged += settle(*it, true, nullptr);
                it = pending.erase(it);
            } else {
                ++it;
            }
        }

        refreshDue(pending);

        const Clock::time_point now = Clock::now();
        for (auto it = pending.begin(); it != pending.end();) {
            if (now >= it->deadline) {
                m_timeouts->add();
                settle(*it, false, "timeout");
            } else if (now >= stop) {
                settle(*it, false, "stopping");
            } else {
                ++it;
                continue;
            }
            it = pending.erase(it);
        }
    }
    return acknowledged;
}

qint64 Reader::settle(Pending &delivery, bool done, const char *why)
{
    const auto count = qint64(delivery.buckets.size());
    qint64 acknowledged = 0;
    if (done) {
        const StoreResult<bool> result
            = m_store->acknowledge(delivery.partition, delivery.buckets, m_owner);
        if (!result.ok()) {
            m_errors->add();
            qCWarning(lcReader).noquote()
                << QStringLiteral("at=reader.acknowledge partition=%1 buckets=%2 error=\"%3\" "
                                  "outcome=\"read and delivered again\"")
                       .arg(delivery.partition)
                       .arg(count)
                       .arg(result.error.message);
        } else if (!*result.value) {
            m_lockLost->add();
            qCWarning(lcReader).noquote()
                << QStringLiteral("at=reader.acknowledge partition=%1 buckets=%2 lock=lost "
                                  "outcome=\"read and delivered again by the lock's holder\"")
                       .arg(delivery.partition)
                       .arg(count);
        } else {
            acknowledged = count;
            m_bucketsAcknowledged->add(quint64(count));
        }
    } else {
        qCWarning(lcReader).noquote()
            << QStringLiteral("at=reader.unacknowledged partition=%1 buckets=%2 reason=%3 "
                              "waited_ms=%4 outcome=\"read and delivered again\"")
                   .arg(delivery.partition)
                   .arg(count)
                   .arg(QLatin1String(why))
                   .arg(delivery.since.elapsed());
    }
    m_store->unlockPartition(delivery.partition, m_owner); // a lost lock is not ours: a no-op
    const qint64 micros = delivery.since.nsecsElapsed() / 1000;
    m_scanTime->record(micros);
    m_scansDone->add();
    record(delivery.partition, micros, acknowledged, true);
    return acknowledged;
}

void Reader::record(int partition, qint64 micros, qint64 acknowledged, bool locked)
{
    QMutexLocker lock(&m_mutex);
    if (partition < 0 || partition >= m_scans.size())
        return;
    if (!locked) {
        m_scans[partition].lastLocked = false;
        return;
    }
    m_scans[partition]
        = PartitionScan { partition, QDateTime::currentDateTimeUtc(), micros, acknowledged, true };
}

QList<PartitionScan> Reader::scans() const
{
    // A copy of the elements, not of the list: a shared list would let
    // record() decide by a relaxed reference count whether to write in
    // place, while another thread still reads it (TSan reported that).
    QMutexLocker lock(&m_mutex);
    QList<PartitionScan> out;
    out.reserve(m_scans.size());
    for (const PartitionScan &scan : std::as_const(m_scans))
        out.append(scan);
    return out;
}

} // namespace l2met
