// The Store contract (core/store/store.h), run against every backend: each
// test function runs once per row of initTestCase_data() and works through
// the Store interface only. A new backend is one row there and one branch in
// makeStore().
//
// Reading and acknowledging (acknowledge after delivery, store.h) have
// their own part: reads remove nothing, an acknowledgement removes exactly
// what its read returned and nothing put since, a reader whose lock ran out
// removes nothing, compacted buckets stay exact, and readers racing a writer
// lose nothing (exactly once with the lock, at least once without it).
//
// Time never comes from sleeps or the local clock: bucket times are relative
// to store->now() with wide margins (resolution 1, time = now - 5 is ready,
// time = now + 100 is not), so a second ticking during a test changes
// nothing. Pasts stay within the last 300 s, the Redis layout's expiry
// (SPEC section 6). Lock expiry is awaited by polling with QTRY_*.
//
// The "redis" row runs against one private redis-server per test process
// (started on first use, FLUSHALLed before every test); it is skipped only
// when no redis-server binary is installed.
#include "redisserver.h"
#include "store/memorystore.h"
#include "store/redisstore.h"
#include "store/store.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

using namespace l2met;

namespace {

std::unique_ptr<test::RedisServer> g_redis; // started by the first redis test
QString g_redisError;

} // namespace

// An empty store of the given backend, or nullptr when the backend cannot run
// here (the test is then skipped). Backends with shared state (Redis) must
// hand out an empty database each time.
std::unique_ptr<Store> makeStore(const QString &backend, int partitions)
{
    if (backend == QLatin1String("memory"))
        return std::make_unique<MemoryStore>(partitions);
    if (backend == QLatin1String("redis")) {
        if (!g_redis && g_redisError.isEmpty()) {
            g_redis = std::make_unique<test::RedisServer>();
            if (!g_redis->start()) {
                g_redisError = g_redis->errorString();
                g_redis.reset();
                if (test::RedisServer::required())
                    qFatal("L2MET_REQUIRE_REDIS is set: %s", qPrintable(g_redisError));
            }
        }
        if (!g_redis)
            return nullptr;
        test::RedisClient client(g_redis->port());
        if (client.command({ "FLUSHALL" }).isError())
            qFatal("FLUSHALL failed: %s", qPrintable(client.errorString()));
        QString error;
        std::unique_ptr<Store> store = RedisStore::create(g_redis->url(), partitions, &error);
        if (!store)
            qFatal("RedisStore::create failed: %s", qPrintable(error));
        return store;
    }
    return nullptr;
}

// Another client of the same store, as a second process would have: a new
// RedisStore on the same server, or for a single-process backend the same
// object (nullptr: use `store`).
std::unique_ptr<Store> secondClient(const QString &backend, int partitions)
{
    if (backend == QLatin1String("redis") && g_redis) {
        QString error;
        std::unique_ptr<Store> store = RedisStore::create(g_redis->url(), partitions, &error);
        if (!store)
            qFatal("RedisStore::create failed: %s", qPrintable(error));
        return store;
    }
    return nullptr;
}

// Declares `backend` (this row's) and `var`, or skips the test.
#define MAKE_STORE(var, partitions)                                                                \
    QFETCH_GLOBAL(QString, backend);                                                               \
    const std::unique_ptr<Store> var = makeStore(backend, partitions);                             \
    if (!var)                                                                                      \
        QSKIP(qPrintable(                                                                          \
            QStringLiteral("backend %1 not available here: %2").arg(backend, g_redisError)));

namespace {

BucketId makeId(qint64 time, qint32 resolution, QByteArray name, QByteArray source = {},
                QByteArray units = {}, BucketType type = BucketType::Measurement,
                QByteArray auth = QByteArrayLiteral("drain-token"))
{
    BucketId id;
    id.time = time;
    id.resolution = resolution;
    id.auth = std::move(auth);
    id.name = std::move(name);
    id.units = std::move(units);
    id.source = std::move(source);
    id.type = type;
    return id;
}

// Values compared by their bits, so -0.0 differs from 0.0 and a failure
// prints something exact.
QList<quint64> bits(const std::vector<double> &values)
{
    QList<quint64> out;
    out.reserve(qsizetype(values.size()));
    for (double v : values)
        out.append(std::bit_cast<quint64>(v));
    return out;
}

qint64 storeNow(Store &store)
{
    const StoreResult<qint64> now = store.now();
    if (!now.ok())
        qFatal("store.now failed: %s", qPrintable(now.error.message));
    return *now.value;
}

// Encoded id -> values; the harness fails the test on duplicates below.
using Taken = QHash<QByteArray, std::vector<double>>;

// Takes every partition up to upTo. Returns false (after a QTest failure)
// when a take fails or one id comes back twice.
bool takeAll(Store &store, qint64 upTo, Taken &taken)
{
    for (int p = 0; p < store.partitions(); ++p) {
        StoreResult<std::vector<Bucket>> result = store.takeReady(p, upTo);
        if (!result.ok()) {
            QTest::qFail(
                qPrintable(
                    QStringLiteral("takeReady(%1) failed: %2").arg(p).arg(result.error.message)),
                __FILE__, __LINE__);
            return false;
        }
        for (Bucket &bucket : *result.value) {
            const QByteArray key = bucket.id().encode();
            if (taken.contains(key)) {
                QTest::qFail("one id taken twice", __FILE__, __LINE__);
                return false;
            }
            taken.insert(key, std::move(bucket.values()));
        }
    }
    return true;
}

bool put(Store &store, const std::vector<Bucket> &buckets)
{
    size_t written = 0;
    const StoreResult<bool> result = store.put(buckets, &written);
    if (!result.ok()) {
        QTest::qFail(qPrintable(QStringLiteral("put failed: ") + result.error.message), __FILE__,
                     __LINE__);
        return false;
    }
    if (written != buckets.size()) {
        QTest::qFail("put wrote fewer buckets than given", __FILE__, __LINE__);
        return false;
    }
    return true;
}

bool lockOk(Store &store, int partition, const QByteArray &owner, int ttlMs)
{
    const StoreResult<bool> result = store.lockPartition(partition, owner, ttlMs);
    return result.ok() && *result.value;
}

bool unlockOk(Store &store, int partition, const QByteArray &owner)
{
    const StoreResult<bool> result = store.unlockPartition(partition, owner);
    return result.ok() && *result.value;
}

PartitionState partitionState(Store &store, int partition)
{
    const StoreStats stats = store.stats();
    return stats.partitions.value(partition);
}

// readReady, failing the test (and returning nullopt) when it fails.
std::optional<std::vector<Bucket>> readOk(Store &store, int partition, qint64 upTo,
                                          int limit = 100000)
{
    StoreResult<std::vector<Bucket>> result = store.readReady(partition, upTo, limit);
    if (!result.ok()) {
        QTest::qFail(qPrintable(QStringLiteral("readReady(%1) failed: %2")
                                    .arg(partition)
                                    .arg(result.error.message)),
                     __FILE__, __LINE__);
        return std::nullopt;
    }
    return std::move(*result.value);
}

// acknowledge succeeded and answered true.
bool ackOk(Store &store, int partition, const std::vector<Bucket> &read,
           const QByteArray &owner = {})
{
    const StoreResult<bool> result = store.acknowledge(partition, read, owner);
    return result.ok() && *result.value;
}

// Encoded id -> the values of a read (arrival order; compacted ones first,
// as Bucket::expandedValues gives them).
QHash<QByteArray, QList<quint64>> valuesById(const std::vector<Bucket> &buckets)
{
    QHash<QByteArray, QList<quint64>> out;
    for (const Bucket &bucket : buckets) {
        const QByteArray key = bucket.id().encode();
        if (out.contains(key))
            qFatal("one read returned an id twice");
        out.insert(key, bits(bucket.expandedValues()));
    }
    return out;
}

// Same count, multiset (bit for bit) and last value: what a compacted bucket
// keeps of its values.
bool sameValues(const Bucket &got, const Bucket &want)
{
    QList<quint64> gotBits = bits(got.expandedValues());
    QList<quint64> wantBits = bits(want.expandedValues());
    std::sort(gotBits.begin(), gotBits.end());
    std::sort(wantBits.begin(), wantBits.end());
    return got.valueCount() == want.valueCount() && gotBits == wantBits
        && std::bit_cast<quint64>(got.last()) == std::bit_cast<quint64>(want.last());
}

} // namespace

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
    void lockSemantics();
    void lockRefreshSetsNewTtl();
    void lockExpires();
    void locksArePerPartition();
    void invalidArguments();
    void statsCounts();
    void concurrentPutAndTake();

    void readIsNonDestructive();
    void acknowledgeRemovesWhatWasRead();
    void valuesPutAfterTheReadSurvive();
    void lostLockAcknowledgesNothing();
    void acknowledgingAgainIsHarmless();
    void compactedBucketsAcknowledgedExactly();
    void readMissedSecondsOldestFirstWithinLimit();
    void refreshLockNeverTakesALock();
    void readAndAcknowledgeInvalidArguments();
    void lockedReadersRacingAWriterExactlyOnce();
    void unlockedReadersRacingAWriterAtLeastOnce();

private:
    // Two readers (each its own client of the store) read and acknowledge
    // while a writer puts; see the two tests above.
    void readersRacingAWriter(bool useLock);
};

void Tst_store::initTestCase_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("memory") << QStringLiteral("memory");
    QTest::newRow("redis") << QStringLiteral("redis");
}

void Tst_store::cleanupTestCase()
{
    g_redis.reset(); // while the application object still exists
}

void Tst_store::identity()
{
    MAKE_STORE(store, 3);
    QCOMPARE(store->kind(), backend);
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
        StoreResult<std::vector<Bucket>> result = store->takeReady(p, now);
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
        StoreResult<std::vector<Bucket>> result = store->takeReady(p, now);
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
        StoreResult<std::vector<Bucket>> result = store->takeReady(p, now);
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
        QVERIFY(have.sumSquares == want.sumSquares && have.median == want.median);
        QVERIFY(have.perc95 == want.perc95 && have.perc99 == want.perc99);
        QCOMPARE(bits({ have.last }), bits({ want.last }));
    }
}

void Tst_store::lockSemantics()
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

void Tst_store::lockRefreshSetsNewTtl()
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

void Tst_store::lockExpires()
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

void Tst_store::locksArePerPartition()
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

void Tst_store::invalidArguments()
{
    MAKE_STORE(store, 2);
    const qint64 now = storeNow(*store);
    QVERIFY(!store->takeReady(-1, now).ok());
    QVERIFY(!store->takeReady(2, now).ok());
    QVERIFY(!store->lockPartition(2, "A", 1000).ok());
    QVERIFY(!store->lockPartition(-1, "A", 1000).ok());
    QVERIFY(!store->unlockPartition(2, "A").ok());
    QVERIFY(!store->lockPartition(0, QByteArray(), 1000).ok());
    QVERIFY(!store->lockPartition(0, "A", 0).ok());
    QVERIFY(!store->lockPartition(0, "A", -5).ok());
    QVERIFY(!store->takeReady(2, now).error.message.isEmpty());
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

void Tst_store::concurrentPutAndTake()
{
    // A store writer and a reader at full speed on the same partitions: every
    // value put is taken exactly once, and the values of one id come back in
    // the order they were put, however the takes cut them.
    constexpr int kPartitions = 4;
    constexpr int kBatches = 200;
    constexpr int kPerBatch = 25;
    constexpr int kIds = 60;
    MAKE_STORE(store, kPartitions);
    const qint64 now = storeNow(*store);

    QList<BucketId> ids;
    for (int k = 0; k < kIds; ++k)
        ids.append(makeId(now - 10 - k % 3, 1, "c." + QByteArray::number(k), "s"));

    // Every kHandshake batches the writer waits for one full reader pass that
    // started after its put, so takes really interleave with puts (else the
    // writer can finish before the reader's first pass) without any sleep.
    constexpr int kHandshake = 10;
    std::atomic<bool> writerDone { false };
    std::atomic<int> passes { 0 };
    std::atomic<bool> readerStopped { false };
    std::latch start(2);
    std::mutex errorMutex;
    QStringList errors;
    const auto fail = [&](const QString &message) {
        const std::lock_guard<std::mutex> guard(errorMutex);
        errors.append(message);
    };

    std::thread writer([&] {
        start.arrive_and_wait();
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<Bucket> buckets;
            for (int i = 0; i < kPerBatch; ++i) {
                const int k = (batch * 7 + i) % kIds;
                buckets.emplace_back(ids.at(k), std::vector<double> { double(batch * 1000 + i) });
            }
            size_t written = 0;
            const StoreResult<bool> result = store->put(buckets, &written);
            if (!result.ok() || written != buckets.size())
                fail(QStringLiteral("put failed: ") + result.error.message);
            if (batch % kHandshake == 0) {
                const int seen = passes.load();
                while (passes.load() < seen + 2 && !readerStopped.load())
                    std::this_thread::yield();
            }
        }
        writerDone = true;
    });

    QHash<QByteArray, std::vector<double>> taken; // encoded id -> values in take order
    int takes = 0;
    const auto readPasses = [&] {
        start.arrive_and_wait();
        for (;;) {
            const bool last = writerDone.load(); // everything is stored once this is true
            const StoreResult<qint64> upTo = store->now();
            if (!upTo.ok()) {
                fail(QStringLiteral("now failed: ") + upTo.error.message);
                return;
            }
            for (int p = 0; p < kPartitions; ++p) {
                StoreResult<std::vector<Bucket>> result = store->takeReady(p, *upTo.value);
                if (!result.ok()) {
                    fail(QStringLiteral("takeReady failed: ") + result.error.message);
                    return;
                }
                takes += result.value->empty() ? 0 : 1;
                for (const Bucket &bucket : *result.value) {
                    std::vector<double> &all = taken[bucket.id().encode()];
                    all.insert(all.end(), bucket.values().begin(), bucket.values().end());
                }
            }
            ++passes;
            if (last)
                return;
        }
    };
    std::thread reader([&] {
        readPasses();
        readerStopped = true;
    });
    writer.join();
    reader.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));

    qint64 total = 0;
    QHash<QByteArray, std::vector<double>> expected;
    for (int batch = 0; batch < kBatches; ++batch) {
        for (int i = 0; i < kPerBatch; ++i)
            expected[ids.at((batch * 7 + i) % kIds).encode()].push_back(double(batch * 1000 + i));
    }
    QCOMPARE(taken.size(), expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QVERIFY(taken.contains(it.key()));
        QCOMPARE(bits(taken.value(it.key())), bits(it.value()));
        total += qint64(taken.value(it.key()).size());
    }
    QCOMPARE(total, qint64(kBatches * kPerBatch));
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 0);
    QCOMPARE(stats.values, 0);
    QVERIFY(takes >= kBatches / kHandshake); // each handshake's pass took something
    qDebug("at=store.concurrency backend=%s takes=%d", qPrintable(backend), takes);
}

void Tst_store::readIsNonDestructive()
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

void Tst_store::acknowledgeRemovesWhatWasRead()
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

void Tst_store::valuesPutAfterTheReadSurvive()
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

void Tst_store::lostLockAcknowledgesNothing()
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

void Tst_store::acknowledgingAgainIsHarmless()
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
    QCOMPARE(valuesById(*next), (QHash<QByteArray, QList<quint64>> { { a.encode(), bits({ 4 }) } }));
    QVERIFY(ackOk(*store, 0, *next, "A"));
    QVERIFY(unlockOk(*store, 0, "A"));
    QCOMPARE(store->stats().values, 0);
}

void Tst_store::compactedBucketsAcknowledgedExactly()
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
    QVERIFY(have.sum == want.sum && have.median == want.median && have.perc99 == want.perc99);
    QCOMPARE(bits({ have.last }), bits({ 10 }));
    QVERIFY(ackOk(*store, 0, *next));
    QCOMPARE(store->stats().buckets, 0);
    QCOMPARE(store->stats().values, 0);
}

void Tst_store::readMissedSecondsOldestFirstWithinLimit()
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
            const BucketId id = makeId(now - ago - 1, 1,
                                       "ago." + QByteArray::number(ago) + '.' + QByteArray::number(k));
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
        QCOMPARE(qsizetype(read->size()), std::min<qsizetype>(kLimit, readyAt.size() - seen.size()));
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

void Tst_store::refreshLockNeverTakesALock()
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

void Tst_store::readAndAcknowledgeInvalidArguments()
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

void Tst_store::readersRacingAWriter(bool useLock)
{
    // A writer puts at full speed while two readers, each with its own client
    // (as two processes), read and acknowledge the same partitions.
    // With the lock, the writer appends to a few ids that the readers keep
    // reading: every value must come back exactly once, and the values of an
    // id in the order they were put, across acknowledgements. Without the
    // lock, readers may read the same values (and both deliver them): every
    // id is put once only, as acknowledging a read twice would otherwise
    // remove values put between (store.h), and every value must come back at
    // least once, whole.
    QFETCH_GLOBAL(QString, backend);
    constexpr int kPartitions = 4;
    constexpr int kBatches = 150;
    constexpr int kPerBatch = 20;
    constexpr int kIds = 50;
    constexpr int kLimit = 7; // small: reads leave some ready buckets for later
    const std::unique_ptr<Store> store = makeStore(backend, kPartitions);
    if (!store)
        QSKIP(qPrintable(QStringLiteral("backend %1 not available here: %2").arg(backend, g_redisError)));
    const std::unique_ptr<Store> other = secondClient(backend, kPartitions);
    const qint64 now = storeNow(*store);
    const auto idOf = [now](int batch, int i) {
        const int k = (batch * 7 + i) % kIds;
        const QByteArray name = "r." + QByteArray::number(k);
        return makeId(now - 10 - k % 3, 1, name, "s");
    };
    const auto uniqueIdOf = [now](int batch, int i) {
        return makeId(now - 10 - i % 3, 1, "u." + QByteArray::number(batch * kPerBatch + i), "s");
    };

    std::atomic<bool> writerDone { false };
    std::atomic<int> passes { 0 };
    std::atomic<int> readersLeft { 2 };
    std::mutex mutex;
    QStringList errors;
    QHash<QByteArray, std::vector<double>> delivered; // encoded id -> values, acknowledgement order
    qint64 duplicates = 0;
    qint64 reads = 0;
    QHash<QByteArray, int> readsOf; // encoded id -> reads that returned it
    const auto fail = [&](const QString &message) {
        const std::lock_guard<std::mutex> guard(mutex);
        errors.append(message);
    };

    std::thread writer([&] {
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<Bucket> buckets;
            for (int i = 0; i < kPerBatch; ++i) {
                buckets.emplace_back(useLock ? idOf(batch, i) : uniqueIdOf(batch, i),
                                     std::vector<double> { double(batch * 1000 + i) });
            }
            size_t written = 0;
            const StoreResult<bool> result = store->put(buckets, &written);
            if (!result.ok() || written != buckets.size())
                fail(QStringLiteral("put failed: ") + result.error.message);
            // Every ten batches, wait for two reader passes that started
            // after this put, so that reads interleave with puts.
            if (batch % 10 == 0) {
                const int seen = passes.load();
                while (passes.load() < seen + 2 && readersLeft.load() > 0)
                    std::this_thread::yield();
            }
        }
        writerDone = true;
    });

    const auto reader = [&](Store *client, const QByteArray &owner) {
        for (;;) {
            const bool last = writerDone.load(); // everything is stored once this is true
            bool readSomething = false;
            for (int p = 0; p < kPartitions; ++p) {
                if (useLock) {
                    const StoreResult<bool> locked = client->lockPartition(p, owner, 60000);
                    if (!locked.ok()) {
                        fail(QStringLiteral("lock failed: ") + locked.error.message);
                        return;
                    }
                    if (!*locked.value)
                        continue;
                }
                const StoreResult<std::vector<Bucket>> read = client->readReady(p, now, kLimit);
                if (!read.ok()) {
                    fail(QStringLiteral("read failed: ") + read.error.message);
                    return;
                }
                readSomething = readSomething || !read.value->empty();
                {
                    // "Delivered" before the acknowledgement, as the Reader does.
                    const std::lock_guard<std::mutex> guard(mutex);
                    ++reads;
                    for (const Bucket &bucket : *read.value) {
                        std::vector<double> &all = delivered[bucket.id().encode()];
                        ++readsOf[bucket.id().encode()];
                        if (useLock || all.empty()) {
                            all.insert(all.end(), bucket.values().begin(), bucket.values().end());
                        } else {
                            ++duplicates; // without the lock: both readers got it
                            if (bits(all) != bits(bucket.values()))
                                errors.append(QStringLiteral("a duplicate differs"));
                        }
                    }
                }
                const StoreResult<bool> acked
                    = client->acknowledge(p, *read.value, useLock ? owner : QByteArray());
                if (!acked.ok() || !*acked.value)
                    fail(QStringLiteral("acknowledge failed: ") + acked.error.message);
                if (useLock && !unlockOk(*client, p, owner))
                    fail(QStringLiteral("unlock failed"));
            }
            ++passes;
            if (last && !readSomething)
                return;
        }
    };
    const auto run = [&](Store *client, const QByteArray &owner) {
        reader(client, owner);
        --readersLeft;
    };
    std::thread a(run, store.get(), QByteArray("reader-a"));
    std::thread b(run, other ? other.get() : store.get(), QByteArray("reader-b"));
    writer.join();
    a.join();
    b.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));

    QHash<QByteArray, std::vector<double>> expected;
    for (int batch = 0; batch < kBatches; ++batch) {
        for (int i = 0; i < kPerBatch; ++i) {
            const BucketId id = useLock ? idOf(batch, i) : uniqueIdOf(batch, i);
            expected[id.encode()].push_back(double(batch * 1000 + i));
        }
    }
    QCOMPARE(delivered.size(), expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QVERIFY(delivered.contains(it.key()));
        QCOMPARE(bits(delivered.value(it.key())), bits(it.value()));
    }
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 0);
    QCOMPARE(stats.values, 0);
    // With the lock, ids put again after an acknowledgement were read again:
    // the writer really ran between reads.
    const qint64 readAgain = std::count_if(readsOf.cbegin(), readsOf.cend(), [](int n) { return n > 1; });
    if (useLock) {
        QCOMPARE(duplicates, 0);
        QVERIFY(readAgain > 0);
    }
    qDebug("at=store.readers backend=%s lock=%d reads=%lld duplicates=%lld ids_read_again=%lld",
           qPrintable(backend), useLock, reads, duplicates, readAgain);
}

void Tst_store::lockedReadersRacingAWriterExactlyOnce()
{
    readersRacingAWriter(true);
}

void Tst_store::unlockedReadersRacingAWriterAtLeastOnce()
{
    readersRacingAWriter(false);
}

QTEST_GUILESS_MAIN(Tst_store)
#include "tst_store.moc"
