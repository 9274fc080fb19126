// The Store contract (core/store/store.h), part one: filing and taking,
// run against every backend (see tests/storetestkit.h). A put files each
// bucket under its partition and ready second and appends the values of an
// id in put order, bit for bit (compacted or not); a take returns every
// bucket ready up to a second, missed seconds included, once; stats count
// what waits. Locks, reads and acknowledgements are tst_storedelivery;
// writers and readers racing, tst_storeconcurrency.
#include "storetestkit.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

using namespace l2met;
using namespace l2met::test;

class Tst_store : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void cleanupTestCase();

    void identity();
    void putThenTakeReady();
    void emptyBucketNotFiled();
    void mergeAcrossPuts();
    void mergeWithinOnePut();
    void notReadyStays();
    void missedSecondsAreTaken();
    void partitionsKeepTheirBuckets();
    void oddBytesRoundTrip();
    void valuesRoundTripExactly();
    void compactedBucketsKeepTheirStatistics();
    void invalidArguments();
    void statsCounts();
    void visitStoredSeesEveryBucket();
    void visitStoredLetsWritersIn();
};

void Tst_store::initTestCase_data()
{
    addBackendRows();
}

void Tst_store::cleanupTestCase()
{
    stopBackends();
}

void Tst_store::identity()
{
    MAKE_STORE(store, 3);
    // (The "rediss" row is a RedisStore over TLS.)
    QCOMPARE(store->kind(), backend == QLatin1String("rediss") ? QStringLiteral("redis") : backend);
    QCOMPARE(store->partitions(), 3);
    QVERIFY(store->healthy());
    QVERIFY(store->stats().healthy);
    // Unix seconds from a clock close to ours (a local test backend).
    QVERIFY(qAbs(storeNow(*store) - QDateTime::currentSecsSinceEpoch()) < 60);
}

void Tst_store::putThenTakeReady()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    const BucketId b = makeId(now - 5, 1, "b", "web.1", "ms", BucketType::Counter);
    const BucketId c = makeId(now - 20, 1, "c", {}, {}, BucketType::Sample);
    const BucketId later = makeId(now + 100, 1, "later");
    QVERIFY(put(
        *store,
        { Bucket(a, { 1, 2, 3 }), Bucket(b, { 4 }), Bucket(c, { 6, 5 }), Bucket(later, { 7 }) }));

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), 3);
    QCOMPARE(bits(taken.value(a.encode())), bits({ 1, 2, 3 }));
    QCOMPARE(bits(taken.value(b.encode())), bits({ 4 }));
    QCOMPARE(bits(taken.value(c.encode())), bits({ 6, 5 }));

    Taken again;
    QVERIFY(takeAll(*store, now, again));
    QVERIFY(again.isEmpty());
    QCOMPARE(store->stats().buckets, 1);
}

void Tst_store::emptyBucketNotFiled()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    QVERIFY(put(*store,
                { Bucket(makeId(now - 5, 1, "empty")), Bucket(makeId(now - 5, 1, "one"), { 1 }) }));
    QCOMPARE(store->stats().buckets, 1);
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { makeId(now - 5, 1, "one").encode() });
}

void Tst_store::mergeAcrossPuts()
{
    MAKE_STORE(store, 2);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    const BucketId b = makeId(now - 5, 1, "b");
    QVERIFY(put(*store, { Bucket(a, { 1, 2 }) }));
    QVERIFY(put(*store, { Bucket(b, { 10 }), Bucket(a, { 3 }) }));
    QVERIFY(put(*store, { Bucket(a, { 4, 5 }) }));
    QCOMPARE(store->stats().buckets, 2);
    QCOMPARE(store->stats().values, 6);

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), 2);
    QCOMPARE(bits(taken.value(a.encode())), bits({ 1, 2, 3, 4, 5 }));
    QCOMPARE(bits(taken.value(b.encode())), bits({ 10 }));
}

void Tst_store::mergeWithinOnePut()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId a = makeId(now - 5, 1, "a");
    QVERIFY(put(*store, { Bucket(a, { 1 }), Bucket(a, { 2, 3 }), Bucket(a, { 4 }) }));
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), 1);
    QCOMPARE(bits(taken.value(a.encode())), bits({ 1, 2, 3, 4 }));
}

void Tst_store::notReadyStays()
{
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const BucketId ready = makeId(now - 5, 1, "ready"); // ready at now - 4
    const BucketId soon = makeId(now + 100, 1, "soon"); // ready at now + 101
    // Starts after `soon` is ready, so it is never ready at soon's second
    // (a window starting at (now + 100) / 60 * 60 was, once a minute).
    const BucketId window = makeId((now + 101) / 60 * 60 + 60, 60, "window");
    QVERIFY(put(*store, { Bucket(ready, { 1 }), Bucket(soon, { 2 }), Bucket(window, { 3 }) }));

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { ready.encode() });

    // upTo is inclusive: a bucket is taken at its ready second, not before.
    taken.clear();
    QVERIFY(takeAll(*store, soon.readyAt() - 1, taken));
    QVERIFY(taken.isEmpty());
    QVERIFY(takeAll(*store, soon.readyAt(), taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { soon.encode() });
    QCOMPARE(bits(taken.value(soon.encode())), bits({ 2 }));

    // Values put later still merge into a waiting bucket.
    QVERIFY(put(*store, { Bucket(window, { 4 }) }));
    taken.clear();
    QVERIFY(takeAll(*store, window.readyAt(), taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { window.encode() });
    QCOMPARE(bits(taken.value(window.encode())), bits({ 3, 4 }));
}

void Tst_store::missedSecondsAreTaken()
{
    // The reader was away: buckets ready at many past seconds all come back
    // from one take, none skipped.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    QSet<QByteArray> expected;
    for (int ago : { 1, 2, 3, 7, 30, 59, 61, 120, 199 }) {
        const BucketId id = makeId(now - ago - 1, 1, "ago." + QByteArray::number(ago));
        buckets.emplace_back(id, std::vector<double> { double(ago) });
        expected.insert(id.encode());
    }
    const BucketId minute = makeId((now - 200) / 60 * 60, 60, "minute"); // ready <= now - 140
    buckets.emplace_back(minute, std::vector<double> { 60 });
    expected.insert(minute.encode());
    QVERIFY(put(*store, buckets));

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    const QList<QByteArray> keys = taken.keys();
    QCOMPARE(QSet<QByteArray>(keys.begin(), keys.end()), expected);
    QCOMPARE(store->stats().buckets, 0);
}

void Tst_store::partitionsKeepTheirBuckets()
{
    constexpr int kPartitions = 4;
    MAKE_STORE(store, kPartitions);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    QHash<QByteArray, int> partitionOf;
    for (int i = 0; i < 200; ++i) {
        const BucketId id = makeId(now - 5 - i % 3, 1, "metric." + QByteArray::number(i),
                                   "src." + QByteArray::number(i % 7));
        buckets.emplace_back(id, std::vector<double> { double(i) });
        partitionOf.insert(id.encode(), id.partition(kPartitions));
    }
    QVERIFY(put(*store, buckets));

    const StoreStats stats = store->stats();
    QCOMPARE(stats.partitions.size(), kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
        QCOMPARE(stats.partitions.at(p).partition, p);
        QCOMPARE(stats.partitions.at(p).waitingBuckets,
                 qint64(std::count(partitionOf.cbegin(), partitionOf.cend(), p)));
    }

    QSet<QByteArray> seen;
    for (int p = 0; p < kPartitions; ++p) {
        StoreResult<std::vector<Bucket>> result = takeReady(*store, p, now);
        QVERIFY2(result.ok(), qPrintable(result.error.message));
        QVERIFY2(!result.value->empty(), "200 ids leave no partition empty");
        for (const Bucket &bucket : *result.value) {
            const QByteArray key = bucket.id().encode();
            QVERIFY(partitionOf.contains(key));
            QCOMPARE(partitionOf.value(key), p);
            QVERIFY(!seen.contains(key));
            seen.insert(key);
        }
    }
    QCOMPARE(seen.size(), 200);
}

void Tst_store::oddBytesRoundTrip()
{
    MAKE_STORE(store, 3);
    const qint64 now = storeNow(*store);
    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes.append(char(i));
    const QByteArray nul("a\0b", 3);
    const QList<BucketId> ids {
        makeId(now - 5, 1, nul),
        makeId(now - 5, 1, QByteArray("a\0c", 3)),
        makeId(now - 5, 1, "a"),
        makeId(now - 5, 1, QByteArray(1, '\0')),
        makeId(now - 5, 1, "line\nbreak\r\n", "src\nx", "m\ns"),
        makeId(now - 5, 1, "caf\xc3\xa9.\xe2\x82\xac.\xf0\x9f\x98\x80", "\xe6\x9d\xb1\xe4\xba\xac"),
        makeId(now - 5, 1, "bad.utf8.\xff\xfe\xc0\x80", "\xed\xa0\x80"),
        makeId(now - 5, 1, QByteArray(300, 'n'), QByteArray(300, 's'), QByteArray(300, 'u')),
        makeId(now - 5, 1, allBytes, allBytes, allBytes, BucketType::Sample, allBytes),
        makeId(now - 5, 1, "empty.source.and.units", {}, {}),
        makeId(now - 5, 1, {}, {}, {}, BucketType::Counter, {}), // every byte field empty
        makeId(now - 5, 1, "same", "", "", BucketType::Counter),
        makeId(now - 5, 1, "same", "", "", BucketType::Sample), // differs by type only
        makeId(now - 5, 1, "same", "", "", BucketType::Sample, "other:token"),
        makeId(now - 5, 1, "key:with:colons{}*?[]", "l2met:ready:1:0", "%s%n"),
    };
    std::vector<Bucket> buckets;
    for (qsizetype i = 0; i < ids.size(); ++i)
        buckets.emplace_back(ids.at(i), std::vector<double> { double(i), -double(i) });
    QVERIFY(put(*store, buckets));
    QCOMPARE(store->stats().buckets, ids.size());

    QList<BucketId> back;
    for (int p = 0; p < store->partitions(); ++p) {
        StoreResult<std::vector<Bucket>> result = takeReady(*store, p, now);
        QVERIFY2(result.ok(), qPrintable(result.error.message));
        for (const Bucket &bucket : *result.value) {
            const qsizetype i = ids.indexOf(bucket.id());
            QVERIFY2(i >= 0, "a taken id equals one that was put, field for field");
            QCOMPARE(bits(bucket.values()), bits({ double(i), -double(i) }));
            back.append(bucket.id());
        }
    }
    QCOMPARE(back.size(), ids.size());
    for (const BucketId &id : ids)
        QCOMPARE(back.count(id), 1);
}

void Tst_store::valuesRoundTripExactly()
{
    // -0.0 keeps its sign: the contract is bit-exact values (store.h), which
    // a sample of -0 must report as -0.
    MAKE_STORE(store, 1);
    const qint64 now = storeNow(*store);
    const std::vector<double> values {
        0.1,
        1e-300,
        -0.0,
        0.0,
        123456789.123456789,
        std::numeric_limits<double>::max(),
        std::numeric_limits<double>::lowest(),
        std::numeric_limits<double>::min(),
        std::numeric_limits<double>::denorm_min(),
        -std::numeric_limits<double>::denorm_min(),
        1.0 / 3.0,
        2.0 / 3.0,
        9007199254740993.0, // 2^53 + 1 (rounds to 2^53)
        1e22,
        -1.5e-7,
        4.35,
        0.30000000000000004,
    };
    const BucketId id = makeId(now - 5, 1, "values");
    QVERIFY(put(*store, { Bucket(id, values) }));
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(bits(taken.value(id.encode())), bits(values));
    QVERIFY(std::signbit(taken.value(id.encode()).at(2)));
}

void Tst_store::compactedBucketsKeepTheirStatistics()
{
    // Buckets fold repeated values into counts (Bucket::maybeCompact). A
    // store may keep them compacted or expanded, but what comes back must
    // give the same statistics, value count and last value as what was put,
    // also when the last value received is inside the counts.
    MAKE_STORE(store, 2);
    const qint64 now = storeNow(*store);
    const QList<double> cycle { 1.5, -0.0, 2.25, 0.0, 1.5, 7, 1.5 };
    const auto filled = [&cycle](const BucketId &id, int n, double last) {
        Bucket bucket(id);
        for (int i = 0; i < n; ++i)
            bucket.append(cycle.at(i % cycle.size()));
        bucket.append(last);
        return bucket;
    };
    // Counts only, ending on a value that is neither the smallest nor the largest.
    Bucket countsOnly
        = filled(makeId(now - 5, 1, "counts.only", {}, {}, BucketType::Sample), 999, 2.25);
    countsOnly.compact();
    QVERIFY(countsOnly.values().empty());
    // Counts, then raw values received after them.
    Bucket countsThenRaw = filled(makeId(now - 5, 1, "counts.raw"), 500, -0.0);
    countsThenRaw.compact();
    countsThenRaw.append(3);
    countsThenRaw.append(1.5);
    // Put in two parts: the compacted one, then a raw one (a later flush).
    Bucket split = filled(makeId(now - 6, 1, "split", {}, {}, BucketType::Counter), 300, 7);
    split.compact();
    const Bucket splitLater(split.id(), { 0.0, 2.25 });
    QVERIFY(put(*store, { countsOnly, countsThenRaw, split }));
    QVERIFY(put(*store, { splitLater }));
    split.merge(splitLater);

    QCOMPARE(store->stats().values,
             countsOnly.valueCount() + countsThenRaw.valueCount() + split.valueCount());
    QHash<QByteArray, Bucket> back;
    for (int p = 0; p < store->partitions(); ++p) {
        StoreResult<std::vector<Bucket>> result = takeReady(*store, p, now);
        QVERIFY2(result.ok(), qPrintable(result.error.message));
        for (Bucket &bucket : *result.value)
            back.insert(bucket.id().encode(), std::move(bucket));
    }
    QCOMPARE(back.size(), 3);
    for (const Bucket *sent : { &countsOnly, &countsThenRaw, &split }) {
        QVERIFY(back.contains(sent->id().encode()));
        const Bucket &got = back.value(sent->id().encode());
        QCOMPARE(got.valueCount(), sent->valueCount());
        // The same multiset, bit for bit (-0.0 apart from 0.0)...
        QList<quint64> gotBits = bits(got.expandedValues());
        QList<quint64> sentBits = bits(sent->expandedValues());
        std::sort(gotBits.begin(), gotBits.end());
        std::sort(sentBits.begin(), sentBits.end());
        QCOMPARE(gotBits, sentBits);
        // ...the same last value, and so the same statistics (which of two
        // equal zeros is the min is not the store's business).
        QCOMPARE(bits({ got.last() }), bits({ sent->last() }));
        const Statistics want = sent->statistics();
        const Statistics have = got.statistics();
        QCOMPARE(have.count, want.count);
        QVERIFY(have.sum == want.sum && have.min == want.min && have.max == want.max);
        QVERIFY(have.sumSquares == want.sumSquares && have.percentiles[0] == want.percentiles[0]);
        QVERIFY(have.percentiles[1] == want.percentiles[1] && have.percentiles[2] == want.percentiles[2]);
        QCOMPARE(bits({ have.last }), bits({ want.last }));
    }
}

void Tst_store::invalidArguments()
{
    MAKE_STORE(store, 2);
    const qint64 now = storeNow(*store);
    QVERIFY(!takeReady(*store, -1, now).ok());
    QVERIFY(!takeReady(*store, 2, now).ok());
    QVERIFY(!store->lockPartition(2, "A", 1000).ok());
    QVERIFY(!store->lockPartition(-1, "A", 1000).ok());
    QVERIFY(!store->unlockPartition(2, "A").ok());
    QVERIFY(!store->lockPartition(0, QByteArray(), 1000).ok());
    QVERIFY(!store->lockPartition(0, "A", 0).ok());
    QVERIFY(!store->lockPartition(0, "A", -5).ok());
    QVERIFY(!takeReady(*store, 2, now).error.message.isEmpty());
    // None of them took the lock.
    QVERIFY(lockOk(*store, 0, "B", 1000));
    QVERIFY(unlockOk(*store, 0, "B"));

    size_t written = 99;
    QVERIFY(store->put({}, &written).ok());
    QCOMPARE(written, size_t(0));
}

void Tst_store::statsCounts()
{
    constexpr int kPartitions = 3;
    MAKE_STORE(store, kPartitions);
    StoreStats stats = store->stats();
    QVERIFY(stats.healthy);
    QCOMPARE(stats.buckets, 0);
    QCOMPARE(stats.values, 0);
    QCOMPARE(stats.partitions.size(), kPartitions);

    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    QList<qint64> ready(kPartitions, 0);
    QList<qint64> filed(kPartitions, 0);
    qint64 values = 0;
    for (int i = 0; i < 30; ++i) {
        const bool isReady = i % 3 != 0;
        const BucketId id = makeId(isReady ? now - 10 : now + 200, 1, "m." + QByteArray::number(i));
        buckets.emplace_back(id, std::vector<double>(size_t(i % 4 + 1), 1.5));
        values += i % 4 + 1;
        const int p = id.partition(kPartitions);
        ++filed[p];
        if (isReady)
            ++ready[p];
    }
    QVERIFY(put(*store, buckets));
    QVERIFY(lockOk(*store, 1, "reader-1", 60000));

    stats = store->stats();
    QCOMPARE(stats.buckets, 30);
    QCOMPARE(stats.values, values);
    for (int p = 0; p < kPartitions; ++p) {
        const PartitionState &state = stats.partitions.at(p);
        QCOMPARE(state.partition, p);
        QCOMPARE(state.readyBuckets, ready.at(p));
        QCOMPARE(state.waitingBuckets, filed.at(p));
        QCOMPARE(state.lockOwner, p == 1 ? QByteArray("reader-1") : QByteArray());
        QCOMPARE(state.lockTtlMs > 0, p == 1);
    }

    // A merge adds values, not buckets.
    QVERIFY(put(*store, { Bucket(buckets.front().id(), { 1, 2 }) }));
    QCOMPARE(store->stats().buckets, 30);
    QCOMPARE(store->stats().values, values + 2);

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), 20);
    stats = store->stats();
    QCOMPARE(stats.buckets, 10);
    qint64 left = 0;
    for (const Bucket &bucket : buckets) {
        if (bucket.id().time > now)
            left += qint64(bucket.values().size());
    }
    QCOMPARE(stats.values, left + 2); // the merged bucket (i = 0) is not ready
    for (const PartitionState &state : stats.partitions) {
        QCOMPARE(state.readyBuckets, 0);
        QCOMPARE(state.waitingBuckets, filed.at(state.partition) - ready.at(state.partition));
    }
    QVERIFY(unlockOk(*store, 1, "reader-1"));
}

QTEST_GUILESS_MAIN(Tst_store)

// The window's pass over every stored bucket: a memory store visits each id
// once with all its values (read but unacknowledged ones too) and says it
// saw everything; Redis visits its bounded peek and says it is a sample.
void Tst_store::visitStoredSeesEveryBucket()
{
    MAKE_STORE(store, 3);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets;
    for (int i = 0; i < 40; ++i)
        buckets.push_back(Bucket(makeId(now - 5, 1, "m" + QByteArray::number(i)), { double(i) }));
    QVERIFY(put(*store, buckets));
    const BucketId a = makeId(now - 5, 1, "m0");
    // Read (not acknowledged) the partition of m0, then put more to m0.
    QVERIFY(store->readReady(a.partition(3), now, 100).ok());
    QVERIFY(put(*store, { Bucket(a, { 100, 200 }) }));

    QHash<QByteArray, std::vector<double>> seen;
    int visits = 0;
    const bool everything = store->visitStored(
        [&](const Bucket &b) {
            ++visits;
            seen.insert(b.id().name, b.expandedValues());
        },
        1000);
    QCOMPARE(visits, 40);
    QCOMPARE(seen.size(), 40);
    std::vector<double> m0 = seen.value("m0");
    std::sort(m0.begin(), m0.end());
    QCOMPARE(m0, (std::vector<double> { 0, 100, 200 }));
    QCOMPARE(everything, backend == QLatin1String("memory"));

    // A limit bounds only the sample (Redis); memory visits everything.
    visits = 0;
    store->visitStored([&](const Bucket &) { ++visits; }, 10);
    QVERIFY(backend == QLatin1String("memory") ? visits == 40 : visits <= 40);
}

// A memory store's visit copies a chunk under the partition's mutex and
// visits it outside: a writer and a reader get in while the window's pass
// is still running (before, the pass held the mutex for the whole partition,
// seconds at a million buckets). Buckets stored for the whole visit are
// visited exactly once, however the table changes between chunks.
void Tst_store::visitStoredLetsWritersIn()
{
    MAKE_STORE(store, 1);
    if (backend != QLatin1String("memory"))
        QSKIP("Redis visits its peek: nothing is held across the visit");
    const qint64 now = storeNow(*store);
    const int perSet = 3000; // several chunks (MemoryStore::kVisitChunk)
    std::vector<Bucket> buckets;
    for (int i = 0; i < perSet; ++i) {
        // Interleaved, so both sets span every chunk: "ready" is taken during
        // the visit, "stays" is not ready.
        buckets.push_back(Bucket(makeId(now - 5, 1, "ready." + QByteArray::number(i)), { double(i) }));
        buckets.push_back(Bucket(makeId(now + 100, 1, "stays." + QByteArray::number(i)), { double(i) }));
    }
    QVERIFY(put(*store, buckets));

    std::atomic<bool> done = false;
    std::thread other;
    QHash<QByteArray, int> visits;
    bool inDuringVisit = false;
    store->visitStored(
        [&](const Bucket &b) {
            ++visits[b.id().name];
            if (other.joinable())
                return;
            other = std::thread([&] {
                Taken taken;
                const bool ok = takeInto(*store, now, taken) && taken.size() == perSet
                    && store->put({ Bucket(makeId(now + 100, 1, "new"), { 1 }) }).ok();
                done = ok;
            });
            // The visitor holds no lock: the writer and the reader finish now.
            QElapsedTimer waited;
            waited.start();
            while (!done && waited.elapsed() < 10000)
                QThread::msleep(1);
            inDuringVisit = done;
        },
        1000);
    if (other.joinable())
        other.join();
    QVERIFY(done);
    QVERIFY(inDuringVisit);
    for (int i = 0; i < perSet; ++i) {
        QCOMPARE(visits.value("stays." + QByteArray::number(i)), 1);
        QVERIFY(visits.value("ready." + QByteArray::number(i)) <= 1);
    }
    QVERIFY(visits.value("new") <= 1);
    // The first chunk was copied before the take; the rest of "ready" was not
    // visited (taken before its chunk was copied).
    int ready = 0;
    for (auto it = visits.cbegin(); it != visits.cend(); ++it)
        ready += it.key().startsWith("ready.") ? it.value() : 0;
    QVERIFY2(ready > 0 && ready < perSet, qPrintable(QString::number(ready)));
}

#include "tst_store.moc"
