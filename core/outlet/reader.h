// Reader: every outlet interval, reads the ready buckets of each partition it
// can lock, hands them to the outlet, and acknowledges them in the store only
// once the outlet is done with them (acknowledge after delivery; store.h has
// the whole argument).
//
// A scan, for each partition in turn (starting one further each time, so the
// readers of a fleet spread over the partitions): takes the partition's lock
// (ttl lockTtlMs()), reads up to readLimit buckets ready up to the store's
// "now" (late and missed seconds too: nothing is skipped) and, when there are
// some, hands them to the outlet with a done callback; an empty partition is
// unlocked at once. Then it waits in the reader thread for the deliveries it
// started, refreshing their locks every third of the ttl with refreshLock(),
// which never takes back a lock that ran out. When a delivery is done
// (delivered, or failed for good: docs/behaviour.md section 5 counts
// those), its buckets are acknowledged with the lock as a fence, and the
// lock is released. A partition whose read was full is scanned again at
// once.
//
// What is never acknowledged, and so read and delivered again by the next
// scan of whichever reader holds the lock then: a delivery not done within
// its bound (deliveryTimeoutMs per wave of buckets handed to the outlet
// in the scan: six requests of 300 gauges, at most 1 + percentiles gauges a
// bucket, 450 buckets by default, so
// that a large read is not cut short only because the outlet works through
// it in turn), one whose lock was lost (refreshLock said so, or the fenced
// acknowledge found another owner), one cut short by finishBy(), and one in
// a process that died (its lock expires; another reader takes over). So
// delivery is at least once and never lossy: a bucket is delivered twice
// when Librato accepted it but the acknowledgement did not happen, which
// Librato absorbs (a gauge POSTed again with the same name, source and
// measure_time replaces the first, with the same numbers or, when values
// arrived in between, the complete ones). Exactly once holds whenever the
// process, the store and the lock outlive the delivery, which is the normal
// case.
//
// Lives in the "l2met-reader" thread. A scan blocks that thread while its
// deliveries are on their way (the timer does not re-enter it; done may run
// in any thread). owner(), lockTtlMs(), scans() and finishBy() are
// thread-safe.
#pragma once

#include "bucket/bucket.h"
#include "outlet/partitionscan.h"

#include <QByteArray>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QList>
#include <QMutex>
#include <QObject>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace l2met {

class Store;
class Metrics;
class Counter;
class Timer;

struct ReaderOptions
{
    int intervalMs = 1000;
    // Bound on one wave of a delivery (see the header comment): the longest
    // a batch can take with its retries, e.g. (outlet-retry + 1) x
    // outlet-ttl + the retries' back-off + slack.
    int deliveryTimeoutMs = 60000;
    int readLimit = 5000; // buckets per partition read
    // Most gauges a bucket makes: a measurement's complex gauge and one per
    // percentile (--percentiles; 4 by default). Sizes a wave.
    int gaugesPerBucket = 4;
};

class Reader : public QObject
{
    Q_OBJECT

public:
    using Options = ReaderOptions;
    // Hands buckets to the outlet; done must run once, in any thread, when
    // the outlet is done with them. It may never run (the outlet went away):
    // the buckets are then read again later.
    using Done = std::function<void()>;
    using Deliver = std::function<void(std::vector<Bucket> buckets, Done done)>;

    // Buckets a wave of the outlet holds: six concurrent requests of 300
    // gauges, at most gaugesPerBucket gauges a bucket (a measurement).
    static int bucketsPerWave(int gaugesPerBucket);

    Reader(Store *store, Metrics *metrics, Options options, QByteArray owner, Deliver deliver,
           QObject *parent = nullptr);
    ~Reader() override;

    void start(); // in the reader thread
    void stopTimer();
    // One pass over every partition (more while reads come back full).
    // everything = read buckets that are not ready yet as well (a memory
    // store at shutdown: they would be lost). Returns the buckets
    // acknowledged.
    qint64 scan(bool everything = false);
    // Scans until a scan acknowledges nothing (shutdown).
    qint64 drain(bool everything);
    // From any thread: no scan waits beyond deadline, nor starts a delivery
    // after it; deliveries still on their way then are not acknowledged.
    void finishBy(QDeadlineTimer deadline);

    QByteArray owner() const { return m_owner; }
    int lockTtlMs() const { return m_lockTtlMs; }
    QList<PartitionScan> scans() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Wait; // shared with the done callbacks, which may outlive the reader
    struct Pending; // a delivery on its way

    qint64 scanRound(qint64 upTo, bool *full);
    qint64 await(std::vector<Pending> &pending);
    // Refreshes the locks due (every third of the ttl); drops the deliveries
    // whose lock was lost, unacknowledged.
    void refreshDue(std::vector<Pending> &pending);
    std::chrono::milliseconds refreshInterval() const;
    qint64 settle(Pending &pending, bool done, const char *why);
    Clock::time_point stopAt() const;
    void record(int partition, qint64 micros, qint64 acknowledged, bool locked);

    Store *m_store;
    Options m_options;
    int m_lockTtlMs;
    QByteArray m_owner;
    Deliver m_deliver;
    QTimer *m_timer = nullptr;
    int m_nextPartition = 0;
    quint64 m_nextDelivery = 1;
    bool m_scanning = false;
    std::shared_ptr<Wait> m_wait;
    mutable QMutex m_mutex; // guards m_scans
    QList<PartitionScan> m_scans;

    Counter *m_scansDone;
    Counter *m_bucketsRead;
    Counter *m_bucketsAcknowledged;
    Counter *m_lockBusy;
    Counter *m_lockLost;
    Counter *m_timeouts;
    Counter *m_errors;
    Timer *m_scanTime;
};

} // namespace l2met
