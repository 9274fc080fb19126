// The Store contract (core/store/store.h), part two: partition locks and
// delivery, run against every backend (see tests/storetestkit.h). Locks
// follow SET NX PX (owner only, ttl, refresh never takes a free lock);
// reading and acknowledging (acknowledge after delivery, store.h): reads
// remove nothing, an acknowledgement removes exactly what its read returned
// and nothing put since, a reader whose lock ran out removes nothing,
// compacted buckets stay exact, and reads with a limit start with the
// oldest second. Lock expiry is awaited by polling with QTRY_*.
#include "storetestkit.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

using namespace l2met;
using namespace l2met::test;

class Tst_storedelivery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void cleanupTestCase();

    void lockSemantics();
    void lockRefreshSetsNewTtl();
    void lockExpires();
    void locksArePerPartition();
    void refreshLockNeverTakesALock();
    void readIsNonDestructive();
    void acknowledgeRemovesWhatWasRead();
    void valuesPutAfterTheReadSurvive();
    void lostLockAcknowledgesNothing();
    void acknowledgingAgainIsHarmless();
    void compactedBucketsAcknowledgedExactly();
    void readMissedSecondsOldestFirstWithinLimit();
    void readAndAcknowledgeInvalidArguments();
    void randomOperationsMatchAModel();
};

void Tst_storedelivery::initTestCase_data()
{
    addBackendRows();
}

void Tst_storedelivery::cleanupTestCase()
{
    stopBackends();
}

void Tst_storedelivery::lockSemantics()
{
    MAKE_STORE(store, 2);
    constexpr int kTtl = 60000;
    QVERIFY(partitionState(*store, 0).lockOwner.isEmpty());

    QVERIFY(lockOk(*store, 0, "A", kTtl)); // free -> A
    QVERIFY(!lockOk(*store, 0, "B", kTtl)); // held by A
    QVERIFY(lockOk(*store, 0, "A", kTtl)); // A refreshes

    PartitionState state = partitionState(*store, 0);
    QCOMPARE(state.lockOwner, QByteArray("A"));
    QVERIFY(state.lockTtlMs > 0 && state.lockTtlMs <= kTtl);

    QVERIFY(!unlockOk(*store, 0, "B")); // not B's to release
    QCOMPARE(partitionState(*store, 0).lockOwner, QByteArray("A"));
    QVERIFY(!lockOk(*store, 0, "B", kTtl));

    QVERIFY(unlockOk(*store, 0, "A"));
    QVERIFY(partitionState(*store, 0).lockOwner.isEmpty());
    QCOMPARE(partitionState(*store, 0).lockTtlMs, 0);
    QVERIFY(!unlockOk(*store, 0, "A")); // already free

    QVERIFY(lockOk(*store, 0, "B", kTtl));
    QCOMPARE(partitionState(*store, 0).lockOwner, QByteArray("B"));
    QVERIFY(!lockOk(*store, 0, "A", kTtl));
    QVERIFY(unlockOk(*store, 0, "B"));

    // Owners are bytes: a prefix of another owner is a different owner.
    QVERIFY(lockOk(*store, 0, "host:42:abc", kTtl));
    QVERIFY(!lockOk(*store, 0, "host:42", kTtl));
    QVERIFY(!unlockOk(*store, 0, "host:42"));
    QVERIFY(unlockOk(*store, 0, "host:42:abc"));
}

void Tst_storedelivery::lockRefreshSetsNewTtl()
{
    MAKE_STORE(store, 1);
    QVERIFY(lockOk(*store, 0, "A", 200));
    QVERIFY(lockOk(*store, 0, "A", 60000));
    QVERIFY(partitionState(*store, 0).lockTtlMs > 1000);
    // ...and a refresh may shorten it too: the new ttl replaces the old one.
    QVERIFY(lockOk(*store, 0, "A", 5000));
    QVERIFY(partitionState(*store, 0).lockTtlMs <= 5000);
    QVERIFY(unlockOk(*store, 0, "A"));
}

void Tst_storedelivery::lockExpires()
{
    MAKE_STORE(store, 1);
    constexpr int kShortTtl = 200;
    QElapsedTimer sinceLock;
    sinceLock.start();
    QVERIFY(lockOk(*store, 0, "A", kShortTtl));
    const bool refused = !lockOk(*store, 0, "B", 60000);
    if (sinceLock.elapsed() < kShortTtl / 2) // a stalled machine may let it expire already
        QVERIFY(refused);

    // A died without unlocking: its lock runs out and B takes the partition.
    QTRY_VERIFY_WITH_TIMEOUT(lockOk(*store, 0, "B", 60000), 5000);
    QVERIFY(sinceLock.elapsed() >= kShortTtl - 20); // not long before its ttl
    QCOMPARE(partitionState(*store, 0).lockOwner, QByteArray("B"));
    QVERIFY(!unlockOk(*store, 0, "A")); // A's lock is gone
    QVERIFY(!lockOk(*store, 0, "A", 60000));
    QVERIFY(unlockOk(*store, 0, "B"));

    // An expired lock that nobody took over shows as free and A cannot
    // release it any more.
    QVERIFY(lockOk(*store, 0, "A", 50));
    QTRY_VERIFY_WITH_TIMEOUT(partitionState(*store, 0).lockOwner.isEmpty(), 5000);
    QVERIFY(!unlockOk(*store, 0, "A"));
    QVERIFY(lockOk(*store, 0, "A", 60000));
    QVERIFY(unlockOk(*store, 0, "A"));
}

void Tst_storedelivery::locksArePerPartition()
{
    MAKE_STORE(store, 3);
    QVERIFY(lockOk(*store, 0, "A", 60000));
    QVERIFY(lockOk(*store, 1, "B", 60000));
    QVERIFY(lockOk(*store, 2, "A", 60000));
    const StoreStats stats = store->stats();
    QCOMPARE(stats.partitions.size(), 3);
    QCOMPARE(stats.partitions.at(0).lockOwner, QByteArray("A"));
    QCOMPARE(stats.partitions.at(1).lockOwner, QByteArray("B"));
    QCOMPARE(stats.partitions.at(2).lockOwner, QByteArray("A"));
    QVERIFY(unlockOk(*store, 0, "A"));
    QCOMPARE(partitionState(*store, 2).lockOwner, QByteArray("A"));
    QVERIFY(!unlockOk(*store, 1, "A"));
    QVERIFY(unlockOk(*store, 1, "B"));
    QVERIFY(unlockOk(*store, 2, "A"));
}

void Tst_storedelivery::refreshLockNeverTakesALock()
{
    MAKE_STORE(store, 2);
    const auto refreshed = [&store](const QByteArray &owner, int ttlMs) {
        const StoreResult<bool> result = store->refreshLock(0, owner, ttlMs);
        return result.ok() && *result.value;
    };
    QVERIFY(!refreshed("A", 60000)); // free: not taken
    QVERIFY(partitionState(*store, 0).lockOwner.isEmpty());

    QVERIFY(lockOk(*store, 0, "A", 200));
    QVERIFY(refreshed("A", 60000));
    QVERIFY(partitionState(*store, 0).lockTtlMs > 1000);
    QVERIFY(!refreshed("B", 60000));
    QCOMPARE(partitionState(*store, 0).lockOwner, QByteArray("A"));
    QVERIFY(refreshed("A", 5000)); // the new ttl replaces the old one
    QVERIFY(partitionState(*store, 0).lockTtlMs <= 5000);
    QVERIFY(partitionState(*store, 1).lockOwner.isEmpty()); // one partition only
    QVERIFY(unlockOk(*store, 0, "A"));
    QVERIFY(!refreshed("A", 60000));

    QVERIFY(lockOk(*store, 0, "A", 50));
    QTRY_VERIFY_WITH_TIMEOUT(partitionState(*store, 0).lockOwner.isEmpty(), 5000);
    QVERIFY(!refreshed("A", 60000)); // ran out: gone for good
    QVERIFY(partitionState(*store, 0).lockOwner.isEmpty());
}

void Tst_storedelivery::readIsNonDestructive()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    const BucketId b = makeId(now - 20, 1, "b", "web.1", "ms", BucketType::Counter);
    const BucketId later = makeId(now + 100, 1, "later");
    QVERIFY(put(*store, { Bucket(a, { 1, 2, -0.0 }), Bucket(b, { 4 }), Bucket(later, { 7 }) }));

    const std::optional<std::vector<Bucket>> first = readOk(*store, 0, now);
    QVERIFY(first);
    const std::optional<std::vector<Bucket>> second = readOk(*store, 0, now);
    QVERIFY(second);
    const QHash<QByteArray, QList<quint64>> expected {
        { a.encode(), bits({ 1, 2, -0.0 }) },
        { b.encode(), bits({ 4 }) },
    };
    QCOMPARE(valuesById(*first), expected);
    QCOMPARE(valuesById(*second), expected);
    for (const Bucket &bucket : *first)
        QVERIFY(bucket.id() == a || bucket.id() == b); // every field, not just the encoding
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 3);
    QCOMPARE(stats.values, 5);
    QCOMPARE(stats.partitions.at(0).readyBuckets, 2);

    // Nothing was removed: a take still finds every value.
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), 2);
    QCOMPARE(bits(taken.value(a.encode())), bits({ 1, 2, -0.0 }));
    QCOMPARE(bits(taken.value(b.encode())), bits({ 4 }));
}

void Tst_storedelivery::acknowledgeRemovesWhatWasRead()
{
    constexpr int kPartitions = 3;
    MAKE_STORE(store, kPartitions);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    qint64 readyValues = 0;
    for (int i = 0; i < 30; ++i) {
        buckets.emplace_back(makeId(now - 5 - i % 4, 1, "m." + QByteArray::number(i)),
                             std::vector<double>(size_t(i % 3 + 1), double(i)));
        readyValues += i % 3 + 1;
    }
    const BucketId later = makeId(now + 100, 1, "later");
    buckets.emplace_back(later, std::vector<double> { 1, 2 });
    QVERIFY(put(*store, buckets));
    QCOMPARE(store->stats().values, readyValues + 2);

    qint64 read = 0;
    for (int p = 0; p < kPartitions; ++p) {
        const std::optional<std::vector<Bucket>> got = readOk(*store, p, now);
        QVERIFY(got);
        read += qint64(got->size());
        QVERIFY(ackOk(*store, p, *got));
        const std::optional<std::vector<Bucket>> again = readOk(*store, p, now);
        QVERIFY(again);
        QVERIFY(again->empty());
    }
    QCOMPARE(read, 30);
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 1);
    QCOMPARE(stats.values, 2);
    for (const PartitionState &state : stats.partitions)
        QCOMPARE(state.readyBuckets, 0);
    Taken taken;
    QVERIFY(takeAll(*store, later.readyAt(), taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { later.encode() });
}

void Tst_storedelivery::valuesPutAfterTheReadSurvive()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    const BucketId b = makeId(now - 5, 1, "b");
    const BucketId c = makeId(now - 6, 1, "c");
    QVERIFY(put(*store, { Bucket(a, { 1, 2 }), Bucket(c, { 9 }) }));
    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QCOMPARE(valuesById(*read),
             (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 1, 2 }) },
                                                  { c.encode(), bits({ 9 }) } }));

    // The delivery is on its way; values arrive for a read id and a new one.
    QVERIFY(put(*store, { Bucket(a, { 3, 4 }), Bucket(b, { 5 }) }));
    // A read meanwhile sees them all (still non-destructive)...
    const std::optional<std::vector<Bucket>> meanwhile = readOk(*store, 0, now);
    QVERIFY(meanwhile);
    QCOMPARE(valuesById(*meanwhile),
             (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 1, 2, 3, 4 }) },
                                                  { b.encode(), bits({ 5 }) },
                                                  { c.encode(), bits({ 9 }) } }));
    QVERIFY(put(*store, { Bucket(a, { 6 }) }));

    // ...and acknowledging the first read removes exactly what it read.
    QVERIFY(ackOk(*store, 0, *read));
    QCOMPARE(store->stats().values, 4);
    const std::optional<std::vector<Bucket>> next = readOk(*store, 0, now);
    QVERIFY(next);
    QCOMPARE(valuesById(*next),
             (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 3, 4, 6 }) },
                                                  { b.encode(), bits({ 5 }) } }));
    QVERIFY(ackOk(*store, 0, *next));
    QCOMPARE(store->stats().buckets, 0);
    QCOMPARE(store->stats().values, 0);
    QCOMPARE(partitionState(*store, 0).readyBuckets, 0);
}

void Tst_storedelivery::lostLockAcknowledgesNothing()
{
    // Reader A reads under a lock that runs out before its delivery is done;
    // B takes the partition over, reads the same values, delivers and
    // acknowledges them; new values arrive for the same id. A's late
    // acknowledgement, fenced by its lock, must remove nothing of them.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    QVERIFY(put(*store, { Bucket(a, { 1, 2 }) }));

    QVERIFY(lockOk(*store, 0, "A", 200));
    const std::optional<std::vector<Bucket>> readA = readOk(*store, 0, now);
    QVERIFY(readA);
    QCOMPARE(readA->size(), size_t(1));

    QTRY_VERIFY_WITH_TIMEOUT(lockOk(*store, 0, "B", 60000), 5000);
    const StoreResult<bool> refreshed = store->refreshLock(0, "A", 60000);
    QVERIFY(refreshed.ok());
    QVERIFY(!*refreshed.value); // A learns it lost the lock
    const std::optional<std::vector<Bucket>> readB = readOk(*store, 0, now);
    QVERIFY(readB);
    QCOMPARE(valuesById(*readB), valuesById(*readA));
    QVERIFY(ackOk(*store, 0, *readB, "B"));
    QVERIFY(unlockOk(*store, 0, "B"));

    // Free now, yet A's refresh does not take it back.
    const StoreResult<bool> again = store->refreshLock(0, "A", 60000);
    QVERIFY(again.ok());
    QVERIFY(!*again.value);
    QVERIFY(partitionState(*store, 0).lockOwner.isEmpty());

    QVERIFY(put(*store, { Bucket(a, { 3 }) }));
    const StoreResult<bool> late = store->acknowledge(0, *readA, "A");
    QVERIFY2(late.ok(), qPrintable(late.error.message));
    QVERIFY(!*late.value);
    // Also while somebody else holds the lock.
    QVERIFY(lockOk(*store, 0, "C", 60000));
    QVERIFY(!ackOk(*store, 0, *readA, "A"));
    QVERIFY(!ackOk(*store, 0, *readB, "B"));
    QVERIFY(unlockOk(*store, 0, "C"));

    const std::optional<std::vector<Bucket>> rest = readOk(*store, 0, now);
    QVERIFY(rest);
    QCOMPARE(valuesById(*rest),
             (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 3 }) } }));
    QCOMPARE(store->stats().values, 1);
}

void Tst_storedelivery::acknowledgingAgainIsHarmless()
{
    // Under the lock, an acknowledgement repeated with nothing put in between
    // (or of buckets already gone) removes nothing more and does not fail.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    const BucketId b = makeId(now - 5, 1, "b");
    QVERIFY(put(*store, { Bucket(a, { 1, 2 }), Bucket(b, { 3 }) }));
    QVERIFY(lockOk(*store, 0, "A", 60000));
    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QVERIFY(ackOk(*store, 0, *read, "A"));
    QVERIFY(ackOk(*store, 0, *read, "A"));
    QVERIFY(ackOk(*store, 0, *read));
    QVERIFY(ackOk(*store, 0, {}, "A"));
    QCOMPARE(store->stats().buckets, 0);
    QCOMPARE(partitionState(*store, 0).lockOwner, QByteArray("A")); // acknowledging keeps the lock

    // The ids work as new afterwards.
    QVERIFY(put(*store, { Bucket(a, { 4 }) }));
    const std::optional<std::vector<Bucket>> next = readOk(*store, 0, now);
    QVERIFY(next);
    QCOMPARE(valuesById(*next),
             (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 4 }) } }));
    QVERIFY(ackOk(*store, 0, *next, "A"));
    QVERIFY(unlockOk(*store, 0, "A"));
    QCOMPARE(store->stats().values, 0);
}

void Tst_storedelivery::compactedBucketsAcknowledgedExactly()
{
    // A compacted bucket (counts of distinct values) is read whole and
    // acknowledged exactly, however the store keeps it; values put after the
    // read, compacted or not, come back alone on the next read.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId id = makeId(now - 5, 1, "compacted", {}, {}, BucketType::Sample);
    const auto filled = [&id](int n, double first, double last) {
        Bucket bucket(id);
        for (int i = 0; i < n; ++i)
            bucket.append(first + i % 5);
        bucket.append(last);
        bucket.compact();
        return bucket;
    };
    Bucket before = filled(999, 1.5, 2.5); // counts only, last inside them
    before.append(-0.0); // then a raw value
    before.append(3.5);
    QVERIFY(put(*store, { before }));
    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(1));
    QCOMPARE(read->front().valueCount(), 1002);
    QVERIFY(sameValues(read->front(), before));

    // After the read: a compacted part and raw values, with a last value of
    // their own.
    Bucket after = filled(400, 10, 11.5);
    Bucket afterRaw(id, { 0.0, 10 });
    QVERIFY(put(*store, { after, afterRaw }));
    after.merge(afterRaw);
    QCOMPARE(store->stats().values, 1002 + after.valueCount());

    QVERIFY(ackOk(*store, 0, *read));
    QCOMPARE(store->stats().values, after.valueCount());
    const std::optional<std::vector<Bucket>> next = readOk(*store, 0, now);
    QVERIFY(next);
    QCOMPARE(next->size(), size_t(1));
    QVERIFY(sameValues(next->front(), after));
    const Statistics want = after.statistics();
    const Statistics have = next->front().statistics();
    QCOMPARE(have.count, want.count);
    QVERIFY(have.sum == want.sum && have.percentiles[0] == want.percentiles[0] && have.percentiles[2] == want.percentiles[2]);
    QCOMPARE(bits({ have.last }), bits({ 10 }));
    QVERIFY(ackOk(*store, 0, *next));
    QCOMPARE(store->stats().buckets, 0);
    QCOMPARE(store->stats().values, 0);
}

void Tst_storedelivery::readMissedSecondsOldestFirstWithinLimit()
{
    // A reader that was away finds every missed second; with a limit, the
    // oldest seconds come first (nothing starves), and reading and
    // acknowledging in rounds returns every bucket exactly once.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    QHash<QByteArray, qint64> readyAt;
    const QList<int> agos { 1, 2, 3, 7, 30, 59, 61, 120, 199 };
    for (int ago : agos) {
        for (int k = 0; k < 3; ++k) {
            const BucketId id = makeId(
                now - ago - 1, 1, "ago." + QByteArray::number(ago) + '.' + QByteArray::number(k));
            buckets.emplace_back(id, std::vector<double> { double(ago), double(k) });
            readyAt.insert(id.encode(), id.readyAt());
        }
    }
    const BucketId minute = makeId((now - 200) / 60 * 60, 60, "minute"); // ready <= now - 140
    buckets.emplace_back(minute, std::vector<double> { 60 });
    readyAt.insert(minute.encode(), minute.readyAt());
    QVERIFY(put(*store, buckets));

    const std::optional<std::vector<Bucket>> all = readOk(*store, 0, now);
    QVERIFY(all);
    QCOMPARE(all->size(), buckets.size());

    constexpr int kLimit = 4;
    QSet<QByteArray> seen;
    for (int round = 0; round < 20 && seen.size() < readyAt.size(); ++round) {
        const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now, kLimit);
        QVERIFY(read);
        QCOMPARE(qsizetype(read->size()),
                 std::min<qsizetype>(kLimit, readyAt.size() - seen.size()));
        qint64 newest = 0;
        for (const Bucket &bucket : *read) {
            const QByteArray key = bucket.id().encode();
            QVERIFY2(!seen.contains(key), "read again after its acknowledgement");
            seen.insert(key);
            newest = std::max(newest, bucket.id().readyAt());
        }
        for (auto it = readyAt.cbegin(); it != readyAt.cend(); ++it) {
            if (!seen.contains(it.key()))
                QVERIFY2(it.value() >= newest, "an older second was left behind");
        }
        QVERIFY(ackOk(*store, 0, *read));
    }
    QCOMPARE(seen.size(), readyAt.size());
    QCOMPARE(store->stats().buckets, 0);
}

void Tst_storedelivery::readAndAcknowledgeInvalidArguments()
{
    MAKE_STORE(store, 2);
    const qint64 now = storeNow(*store);
    QVERIFY(!store->readReady(-1, now, 10).ok());
    QVERIFY(!store->readReady(2, now, 10).ok());
    QVERIFY(!store->readReady(0, now, 0).ok());
    QVERIFY(!store->readReady(0, now, -1).error.message.isEmpty());
    QVERIFY(!store->acknowledge(2, {}).ok());
    QVERIFY(!store->acknowledge(-1, {}, "A").ok());
    QVERIFY(!store->refreshLock(2, "A", 1000).ok());
    QVERIFY(!store->refreshLock(0, QByteArray(), 1000).ok());
    QVERIFY(!store->refreshLock(0, "A", 0).ok());
    QVERIFY(ackOk(*store, 0, {})); // nothing to do
    // None of them took the lock.
    QVERIFY(lockOk(*store, 0, "B", 1000));
    QVERIFY(unlockOk(*store, 0, "B"));
}

// Random puts (of one value, the store's compact case, and of several),
// reads with small limits, acknowledgements (some repeated, some of stale
// reads) and takes, checked after every step against a model of the
// contract: segments sealed by reads, whole segments popped by
// acknowledgements, ready order by (ready second, first put).
void Tst_storedelivery::randomOperationsMatchAModel()
{
    MAKE_STORE(store, 2);
    // Within a ready second MemoryStore returns buckets in the order their
    // ids were first put; Redis in its sets' order. The model knows the first.
    if (backend != QLatin1String("memory"))
        QSKIP("the order within a ready second is MemoryStore's");
    const qint64 now = storeNow(*store);
    struct Model
    {
        BucketId id;
        std::vector<std::vector<double>> segments;
        std::vector<double> open;
        quint64 order = 0;
    };
    QHash<QByteArray, Model> model; // by encoded id
    quint64 nextOrder = 0;
    std::vector<BucketId> ids;
    for (int i = 0; i < 200; ++i) // past the hash table's first size (64 slots)
        ids.push_back(makeId(now - 60 * (1 + i % 3), 60, "m." + QByteArray::number(i), "s", "ms"));
    const auto ready = [&](int partition) {
        std::vector<const Model *> out;
        for (const Model &m : std::as_const(model)) {
            if (m.id.partition(2) == partition)
                out.push_back(&m);
        }
        std::sort(out.begin(), out.end(), [](const Model *a, const Model *b) {
            return std::pair(a->id.readyAt(), a->order) < std::pair(b->id.readyAt(), b->order);
        });
        return out;
    };
    const auto all = [](const Model &m) {
        std::vector<double> v;
        for (const auto &s : m.segments)
            v.insert(v.end(), s.begin(), s.end());
        v.insert(v.end(), m.open.begin(), m.open.end());
        return v;
    };
    QRandomGenerator rng(20261204);
    double nextValue = 0;
    std::vector<std::pair<int, std::vector<Bucket>>> reads; // earlier reads, to acknowledge later
    for (int step = 0; step < 6000; ++step) {
        const int op = int(rng.bounded(10));
        if (op < 5) { // put
            const BucketId &id = ids[rng.bounded(int(ids.size()))];
            std::vector<double> values(rng.bounded(4) == 0 ? 1 + rng.bounded(3) : 1);
            for (double &v : values)
                v = ++nextValue;
            QVERIFY(put(*store, { Bucket(id, values) }));
            Model &m = model[id.encode()];
            if (m.open.empty() && m.segments.empty()) {
                m.id = id;
                m.order = nextOrder++;
            }
            m.open.insert(m.open.end(), values.begin(), values.end());
        } else if (op < 8) { // read
            const int partition = int(rng.bounded(2));
            const int limit = 1 + int(rng.bounded(rng.bounded(2) ? 8 : 200));
            const std::optional<std::vector<Bucket>> got = readOk(*store, partition, now, limit);
            QVERIFY(got);
            std::vector<const Model *> want = ready(partition);
            if (want.size() > size_t(limit))
                want.resize(size_t(limit));
            QCOMPARE(got->size(), want.size());
            for (size_t i = 0; i < want.size(); ++i) {
                Model &m = model[want[i]->id.encode()];
                QCOMPARE((*got)[i].id(), m.id);
                if (!m.open.empty()) {
                    m.segments.push_back(m.open);
                    m.open.clear();
                }
                QCOMPARE(bits((*got)[i].expandedValues()), bits(all(m)));
            }
            reads.emplace_back(partition, *got);
        } else if (op < 9 && !reads.empty()) { // acknowledge an earlier read
            const size_t which = rng.bounded(2) ? reads.size() - 1 : rng.bounded(int(reads.size()));
            const auto &[partition, read] = reads[which];
            QVERIFY(store->acknowledge(partition, read).ok());
            for (const Bucket &b : read) {
                const auto it = model.find(b.id().encode());
                if (it == model.end())
                    continue;
                qint64 left = b.valueCount();
                while (left > 0 && !it->segments.empty() && qint64(it->segments.front().size()) <= left) {
                    left -= qint64(it->segments.front().size());
                    it->segments.erase(it->segments.begin());
                }
                if (left > 0 && !it->segments.empty()) {
                    auto &front = it->segments.front();
                    front.erase(front.begin(), front.begin() + left);
                }
                if (it->segments.empty() && it->open.empty())
                    model.erase(it);
            }
        } else { // take one partition
            const int partition = int(rng.bounded(2));
            const StoreResult<std::vector<Bucket>> taken = takeReady(*store, partition, now);
            QVERIFY(taken.ok());
            const std::vector<const Model *> want = ready(partition);
            QCOMPARE(taken.value->size(), want.size());
            for (size_t i = 0; i < want.size(); ++i) {
                QCOMPARE((*taken.value)[i].id(), want[i]->id);
                QCOMPARE(bits((*taken.value)[i].expandedValues()), bits(all(*want[i])));
            }
            for (const Model *m : want)
                model.remove(m->id.encode());
        }
        QCOMPARE(store->stats().buckets, qint64(model.size()));
    }
}

QTEST_GUILESS_MAIN(Tst_storedelivery)
#include "tst_storedelivery.moc"
