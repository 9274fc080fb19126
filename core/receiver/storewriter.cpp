#include "receiver/storewriter.h"

#include "metrics/metrics.h"
#include "receiver/receivermetrics.h"
#include "receiver/register.h"
#include "store/store.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QThread>

Q_LOGGING_CATEGORY(lcStore, "l2met.store")

namespace l2met {

StoreWriter::StoreWriter(Register *reg, Store *store, Metrics *metrics, int flushIntervalMs,
                         int maxFlushes, QObject *parent)
    : QObject(parent)
    , m_register(reg)
    , m_store(store)
    , m_intervalMs(flushIntervalMs)
    , m_maxFlushes(maxFlushes)
    , m_flushes(&metrics->counter(kFlushes))
    , m_flushFailures(&metrics->counter(kFlushFailures))
    , m_bucketsStored(&metrics->counter(kBucketsStored))
    , m_outboxBuckets(&metrics->gauge(kOutboxBuckets))
    , m_putTime(&metrics->timer(kStorePut))
{
}

void StoreWriter::start()
{
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &StoreWriter::flush);
    m_timer->start(m_intervalMs);
}

void StoreWriter::flush()
{
    // Pending from before the register lets go of them (the budget's count).
    std::vector<Bucket> taken = m_register->takeAll(&m_pending);
    m_flushes->add();
    if (!taken.empty()) {
        m_outbox.push_back({ ++m_batchSerial, std::move(taken) });
    }
    writeOutbox();
}

bool StoreWriter::writeOutbox()
{
    while (!m_outbox.empty()) {
        std::vector<Bucket> &front = m_outbox.front().buckets;
        size_t written = 0;
        QElapsedTimer timer;
        timer.start();
        const StoreResult<bool> result = m_store->put(front, &written, m_outbox.front().serial);
        m_putTime->record(timer.nsecsElapsed() / 1000);
        if (!result.ok()) {
            if (written > 0) {
                front.erase(front.begin(), front.begin() + qsizetype(written));
                m_pending -= qint64(written);
                m_bucketsStored->add(written);
            }
            m_flushFailures->add();
            if (!m_lastFailed)
                qCWarning(lcStore).noquote() << QStringLiteral("at=store.put error=\"%1\" pending=%2")
                                                    .arg(result.error.message)
                                                    .arg(m_pending.load());
            m_lastFailed = true;
            break;
        }
        if (m_lastFailed)
            qCInfo(lcStore).noquote() << QStringLiteral("at=store.put recovered=true");
        m_lastFailed = false;
        m_pending -= qint64(front.size());
        m_bucketsStored->add(front.size());
        m_outbox.pop_front();
    }
    m_full = int(m_outbox.size()) >= m_maxFlushes;
    m_outboxBuckets->set(m_pending.load());
    return m_outbox.empty();
}

qint64 StoreWriter::drain(int timeoutMs)
{
    if (m_timer)
        m_timer->stop();
    QDeadlineTimer deadline(timeoutMs);
    flush();
    while (!m_outbox.empty() && !deadline.hasExpired()) {
        QThread::msleep(std::min<qint64>(200, std::max<qint64>(1, deadline.remainingTime())));
        writeOutbox();
    }
    return m_pending.load();
}

} // namespace l2met
