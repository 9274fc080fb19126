// StoreWriter: every flush interval, moves the whole register to the outbox
// and writes the outbox to the store. While the store is down the outbox
// keeps what it holds and retries each tick; when it holds more than its
// bound (--outbox flushes) it reports itself full and /logs answers 503, so
// memory stays bounded and nothing accepted is dropped.
//
// Lives in the "l2met-store" thread; outboxFull() and pendingBuckets() are
// thread-safe.
#pragma once

#include "bucket/bucket.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <deque>
#include <vector>

namespace l2met {

class Register;
class Store;
class Metrics;
class Counter;
class Gauge;
class Timer;

class StoreWriter : public QObject
{
    Q_OBJECT

public:
    StoreWriter(Register *reg, Store *store, Metrics *metrics, int flushIntervalMs, int maxFlushes,
                QObject *parent = nullptr);

    void start(); // in the store thread
    // Final flush at shutdown: register to store, retrying until the
    // deadline. Returns the buckets that could not be stored (0 = all).
    qint64 drain(int timeoutMs);

    bool outboxFull() const { return m_full.load(); }
    qint64 pendingBuckets() const { return m_pending.load(); }

private:
    void flush();
    bool writeOutbox();

    Register *m_register;
    Store *m_store;
    int m_intervalMs;
    int m_maxFlushes;
    QTimer *m_timer = nullptr;
    struct Batch
    {
        quint64 serial; // Store::put's batch: the same on every retry
        std::vector<Bucket> buckets;
    };
    std::deque<Batch> m_outbox;
    quint64 m_batchSerial = 0;
    std::atomic<bool> m_full { false };
    std::atomic<qint64> m_pending { 0 };
    bool m_lastFailed = false;

    Counter *m_flushes;
    Counter *m_flushFailures;
    Counter *m_bucketsStored;
    Gauge *m_outboxBuckets;
    Timer *m_putTime;
};

} // namespace l2met
