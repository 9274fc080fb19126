// Reader: every outlet interval, for each partition in turn, takes the
// partition's lock in the store, takes every bucket ready up to the store's
// "now" (late and missed seconds too: nothing is skipped), releases the lock
// and hands the buckets to the outlet. The lock's ttl is longer than a scan,
// so a process that dies holding it loses nothing: the lock expires and
// another reader takes the partition over.
//
// Lives in the "l2met-reader" thread. scans() is thread-safe.
#pragma once

#include "bucket/bucket.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QObject>

#include <functional>
#include <vector>

class QTimer;

namespace l2met {

class Store;
class Metrics;
class Counter;
class Timer;

struct PartitionScan
{
    int partition = 0;
    QDateTime lastScan;     // last time this reader held the lock
    qint64 lastScanMicros = 0;
    qint64 lastTaken = 0;   // buckets taken then
    bool lastLocked = false; // false: another owner held it
};

class Reader : public QObject
{
    Q_OBJECT

public:
    using Deliver = std::function<void(std::vector<Bucket> buckets)>;

    Reader(Store *store, Metrics *metrics, int intervalMs, QByteArray owner, Deliver deliver,
           QObject *parent = nullptr);

    void start(); // in the reader thread
    void stopTimer();
    // One pass over every partition. everything = take buckets that are not
    // ready yet as well (a memory store at shutdown: they would be lost).
    qint64 scan(bool everything = false);

    QByteArray owner() const { return m_owner; }
    int lockTtlMs() const { return m_lockTtlMs; }
    QList<PartitionScan> scans() const;

private:
    Store *m_store;
    int m_intervalMs;
    int m_lockTtlMs;
    QByteArray m_owner;
    Deliver m_deliver;
    QTimer *m_timer = nullptr;
    int m_nextPartition = 0;
    mutable QMutex m_mutex;
    QList<PartitionScan> m_scans;

    Counter *m_scansDone;
    Counter *m_bucketsRead;
    Counter *m_lockBusy;
    Counter *m_errors;
    Timer *m_scanTime;
};

} // namespace l2met
