// RedisStore beyond the Store contract (the tst_store* suites run that
// against Redis too), part one: the key layout of docs/behaviour.md section
// 6 as seen by a raw hiredis connection (what putting, reading,
// acknowledging and taking do to it), write tokens, what cannot be decoded,
// scripts the server forgot, pipelining and round trips, peek, and two
// stores (as two processes) racing for the same partitions. Every test runs
// against the suite's private redis-server, FLUSHALLed before it; the suite
// is skipped only when redis-server is not installed. The connection is
// tst_redisconnection.
#include "bucket/hyperloglog.h"
#include "store/redisbucketcodec.h"
#include "store/rediskeys.h"
#include "storetestkit.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

using namespace l2met;
using namespace l2met::test;

class Tst_redisstore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void keyNames();
    void keyLayout();
    void uniqueSketchIsARedisHyperLogLog();
    void lateBucketLivesAfterItsWrite();
    void skipsWhatCannotBeDecoded();
    void bigAndCompactedBuckets();
    void pipelinedPut();
    void retriedBatchIsWrittenOnce();
    void benchmark();
    void racingStores_data();
    void racingStores();

    void readAndAcknowledgeKeyLayout();
    void readRemovesWhatCannotBeDelivered();
    void readAndAcknowledgeRoundTrips();
    void scriptsReloadedAfterFlush();
    void peekIsReadOnlyAndRateLimited();

private:
    RedisFixture m_redis;
};

void Tst_redisstore::initTestCase()
{
    if (RedisServer::binary().isEmpty()) {
        if (RedisServer::required())
            QFAIL("redis-server is not installed and L2MET_REQUIRE_REDIS is set");
        QSKIP("redis-server is not installed (apt-get install redis-server): Redis tests skipped");
    }
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorString()));
}

void Tst_redisstore::init()
{
    QVERIFY(m_redis.flush());
}

void Tst_redisstore::cleanupTestCase()
{
    m_redis.stop();
}

void Tst_redisstore::keyNames()
{
    // The names of docs/behaviour.md section 6, spelt out here once: every
    // other test builds its keys with RedisKeys, as RedisStore does.
    const QByteArray id("\x01id:\0x", 6);
    QCOMPARE(RedisKeys::bucket(id), QByteArray("l2met:b:\x01id:\0x", 14));
    QCOMPARE(RedisKeys::readySet(1700000001, 3), QByteArray("l2met:ready:1700000001:3"));
    QCOMPARE(RedisKeys::readySet(QByteArrayView("1700000001"), 3),
             QByteArray("l2met:ready:1700000001:3"));
    QCOMPARE(RedisKeys::valuesCounter(1700000001, 3), QByteArray("l2met:values:1700000001:3"));
    QCOMPARE(RedisKeys::readyIndex(3), QByteArray("l2met:readyz:3"));
    QCOMPARE(RedisKeys::lock(12), QByteArray("l2met:lock:12"));
    QCOMPARE(RedisKeys::putToken("1f2e", quint64(1) << 63 | 5, 0xabcdef, 65536),
             QByteArray("l2met:put:1f2e:8000000000000005:abcdef:65536"));
    // The prefixes the scripts get, and KEYS patterns are made of.
    QCOMPARE(RedisKeys::bucketPrefix(), QByteArray("l2met:b:"));
    QCOMPARE(RedisKeys::readySetPrefix(), QByteArray("l2met:ready:"));
    QCOMPARE(RedisKeys::valuesCounterPrefix(), QByteArray("l2met:values:"));
    QCOMPARE(RedisKeys::readyIndexPrefix(), QByteArray("l2met:readyz:"));
    QCOMPARE(RedisKeys::lockPrefix(), QByteArray("l2met:lock:"));
    QCOMPARE(RedisKeys::putTokenPrefix(), QByteArray("l2met:put:"));
    QCOMPARE(RedisKeys::partitionSuffix(3), QByteArray(":3"));
}

void Tst_redisstore::keyLayout()
{
    constexpr int kPartitions = 2;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(kPartitions);
    const qint64 now = storeNow(*store);
    // Not ready before the test ends: its keys expire 300 s after readyAt.
    const BucketId future = makeId(now + 100, 1, "future", "src");
    const std::vector<double> values { 1.5, -0.0, 0.1, 1e300, 5e-324 };
    QVERIFY(store->put({ Bucket(future, values) }).ok());

    const int p = future.partition(kPartitions);
    const QByteArray readyAt = QByteArray::number(future.readyAt());
    const QByteArray listKey = RedisKeys::bucket(future.encode());
    const QByteArray setKey = RedisKeys::readySet(readyAt, p);
    const QByteArray countKey = RedisKeys::valuesCounter(readyAt, p);
    const QByteArray indexKey = RedisKeys::readyIndex(p);
    QCOMPARE(keys(*m_redis.client), (QSet<QByteArray> { listKey, setKey, countKey, indexKey }));
    // One write token for the chunk, kept 600 s.
    const QList<QByteArray> tokens = putTokens(*m_redis.client);
    QCOMPARE(tokens.size(), 1);
    const qint64 tokenTtl = integer(*m_redis.client, { "TTL", tokens.first() });
    QVERIFY2(tokenTtl > 590 && tokenTtl <= 600, qPrintable(QString::number(tokenTtl)));

    QCOMPARE(type(*m_redis.client, listKey), QByteArray("list"));
    QCOMPARE(m_redis.client->command({ "LRANGE", listKey, "0", "-1" }).strings(),
             (QList<QByteArray> { "1.5", "-0", "0.1", "1e+300", "5e-324" }));
    QCOMPARE(type(*m_redis.client, setKey), QByteArray("set"));
    QCOMPARE(m_redis.client->command({ "SMEMBERS", setKey }).strings(),
             QList<QByteArray> { future.encode() });
    QCOMPARE(type(*m_redis.client, countKey), QByteArray("string"));
    QCOMPARE(m_redis.client->command({ "GET", countKey }).string, QByteArray("5"));
    QCOMPARE(type(*m_redis.client, indexKey), QByteArray("zset"));
    QCOMPARE(m_redis.client->command({ "ZRANGE", indexKey, "0", "-1", "WITHSCORES" }).strings(),
             (QList<QByteArray> { readyAt, readyAt }));

    // Expiry: 300 s after the bucket is ready, on Redis's clock.
    const qint64 redisNow = storeNow(*store);
    for (const QByteArray &key : { listKey, setKey, countKey }) {
        const qint64 ttl = integer(*m_redis.client, { "TTL", key });
        QVERIFY2(qAbs(ttl - (future.readyAt() + 300 - redisNow)) <= 2,
                 qPrintable(QString::number(ttl)));
        QCOMPARE(integer(*m_redis.client, { "EXPIRETIME", key }), future.readyAt() + 300);
    }
    QCOMPARE(integer(*m_redis.client, { "TTL", indexKey }), -1); // cleaned by takeReady instead

    // A second put merges into the same keys.
    QVERIFY(store->put({ Bucket(future, { 7 }) }).ok());
    QCOMPARE(integer(*m_redis.client, { "LLEN", listKey }), 6);
    QCOMPARE(m_redis.client->command({ "GET", countKey }).string, QByteArray("6"));
    QCOMPARE(keys(*m_redis.client).size(), 4);

    // The lock: SET owner NX PX ttl, refreshed by its owner, deleted on unlock.
    const QByteArray lockKey = RedisKeys::lock(p);
    QVERIFY(*store->lockPartition(p, "reader-a", 10000).value);
    QCOMPARE(type(*m_redis.client, lockKey), QByteArray("string"));
    QCOMPARE(m_redis.client->command({ "GET", lockKey }).string, QByteArray("reader-a"));
    const qint64 pttl = integer(*m_redis.client, { "PTTL", lockKey });
    QVERIFY(pttl > 8000 && pttl <= 10000);
    QVERIFY(*store->lockPartition(p, "reader-a", 60000).value);
    QVERIFY(integer(*m_redis.client, { "PTTL", lockKey }) > 50000);

    // Taking (up to the ready second) removes every key of the bucket; the
    // lock stays until its owner releases it.
    const StoreResult<std::vector<Bucket>> taken = store->takeReady(p, future.readyAt());
    QVERIFY(taken.ok());
    QCOMPARE(taken.value->size(), size_t(1));
    QCOMPARE(taken.value->front().id(), future);
    std::vector<double> expected = values;
    expected.push_back(7);
    QCOMPARE(bits(taken.value->front().values()), bits(expected));
    QCOMPARE(keys(*m_redis.client), QSet<QByteArray> { lockKey });
    QVERIFY(*store->unlockPartition(p, "reader-a").value);
    QVERIFY(keys(*m_redis.client).isEmpty());
}

void Tst_redisstore::uniqueSketchIsARedisHyperLogLog()
{
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const std::unique_ptr<RedisStore> other = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const BucketId id = makeId(now - 5, 1, "users", {}, {}, BucketType::Unique);
    const auto sketchBucket = [&](int first, int last) {
        Bucket b(id);
        for (int i = first; i < last; ++i) {
            b.append(double(uniqueHash("u" + std::to_string(i))));
            b.maybeCompact();
        }
        b.compact(); // every value in the sketch (raw ones would go as list values)
        return b;
    };
    QVERIFY(store->put({ sketchBucket(0, 20000) }).ok());
    QVERIFY(other->put({ sketchBucket(10000, 40000) }).ok());
    QVERIFY(other->put({ Bucket(id, { double(uniqueHash("u1")), double(uniqueHash("x")) }) }).ok());

    // One HyperLogLog for the bucket, merged by Redis (PFMERGE); the list
    // holds a marker per sketch and the exact values.
    const QByteArray encoded = id.encode();
    const QByteArray sketchKey = RedisKeys::sketch(encoded);
    QCOMPARE(sketchKey, QByteArray("l2met:h:" + encoded));
    QCOMPARE(type(*m_redis.client, sketchKey), QByteArray("string"));
    const qint64 redisCount = integer(*m_redis.client, { "PFCOUNT", sketchKey });
    HyperLogLog both;
    for (int i = 0; i < 40000; ++i)
        both.add(uniqueHash("u" + std::to_string(i)));
    QVERIFY2(std::abs(redisCount - qint64(both.estimate())) <= 1,
             qPrintable(QStringLiteral("PFCOUNT %1, ours %2").arg(redisCount).arg(both.estimate())));
    QVERIFY(integer(*m_redis.client, { "TTL", sketchKey }) > 0);
    const QList<QByteArray> list = m_redis.client->command({ "LRANGE", RedisKeys::bucket(encoded), "0", "-1" }).strings();
    QCOMPARE(list.size(), 4);
    QCOMPARE(list.count(RedisBucketCodec::sketchMarker()), 2);

    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(1));
    both.add(uniqueHash("x"));
    QCOMPARE(read->front().distinctCount(), qint64(both.estimate()));
    QCOMPARE(read->front().valueCount(), qint64(4)); // what the acknowledgement removes
    QVERIFY(ackOk(*store, 0, *read));
    QVERIFY(keys(*m_redis.client).isEmpty()); // the sketch went with the list
}

void Tst_redisstore::lateBucketLivesAfterItsWrite()
{
    // Ready 200 s ago: expiring at readyAt + 300 would leave it 100 s; a
    // write after the ready second gets 300 s from the write instead.
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const BucketId late = makeId(now - 200, 1, "late");
    QVERIFY(store->put({ Bucket(late, { 1 }) }).ok());
    const qint64 ttl = integer(*m_redis.client, { "TTL", RedisKeys::bucket(late.encode()) });
    QVERIFY2(ttl >= 297 && ttl <= 300, qPrintable(QString::number(ttl)));
}

void Tst_redisstore::skipsWhatCannotBeDecoded()
{
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const BucketId kept = makeId(now - 5, 1, "kept");
    const BucketId expired = makeId(now - 5, 1, "expired");
    const BucketId odd = makeId(now - 5, 1, "odd");
    QVERIFY(store->put({ Bucket(kept, { 1 }), Bucket(expired, { 2 }), Bucket(odd, { 3 }) }).ok());
    const QByteArray readyAt = QByteArray::number(kept.readyAt());
    const QByteArray setKey = RedisKeys::readySet(readyAt, 0);
    // The list of one bucket expired before its set; a member that is no id;
    // a value that is no number.
    QCOMPARE(integer(*m_redis.client, { "DEL", RedisKeys::bucket(expired.encode()) }), 1);
    QCOMPARE(integer(*m_redis.client, { "SADD", setKey, "not an id" }), 1);
    QCOMPARE(integer(*m_redis.client, { "RPUSH", RedisKeys::bucket(odd.encode()), "abc", "4" }), 3);

    const quint64 skippedBefore = store->skipped();
    const StoreResult<std::vector<Bucket>> taken = store->takeReady(0, now);
    QVERIFY(taken.ok());
    QCOMPARE(taken.value->size(), size_t(2));
    for (const Bucket &bucket : *taken.value) {
        if (bucket.id() == kept)
            QCOMPARE(bits(bucket.values()), bits({ 1 }));
        else if (bucket.id() == odd)
            QCOMPARE(bits(bucket.values()), bits({ 3, 4 }));
        else
            QFAIL("unexpected bucket");
    }
    QCOMPARE(store->skipped() - skippedBefore, quint64(3));
    QVERIFY(keys(*m_redis.client).isEmpty()); // set, counter and index entry are gone too
}

void Tst_redisstore::bigAndCompactedBuckets()
{
    // A bucket of many values goes out as several RPUSHes in its Put script; a
    // compacted one (counts) as one decimal per value, its last value last.
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    std::vector<double> many;
    for (int i = 0; i < 10000; ++i)
        many.push_back(i * 0.5);
    const Bucket big(makeId(now - 5, 1, "big"), many);
    Bucket counted(makeId(now - 5, 1, "counted"));
    for (int i = 0; i < 100000; ++i)
        counted.append(i % 10 == 3 ? 2.0 : 1.0);
    counted.compact();
    QCOMPARE(counted.counts().size(), size_t(2));
    QVERIFY(store->put({ big, counted }).ok());

    const QByteArray bigKey = RedisKeys::bucket(big.id().encode());
    const QByteArray countedKey = RedisKeys::bucket(counted.id().encode());
    QCOMPARE(integer(*m_redis.client, { "LLEN", bigKey }), 10000);
    QCOMPARE(m_redis.client->command({ "LINDEX", bigKey, "4097" }).string, QByteArray("2048.5"));
    QCOMPARE(integer(*m_redis.client, { "LLEN", countedKey }), 100000);
    QCOMPARE(m_redis.client->command({ "LINDEX", countedKey, "-1" }).string,
             QByteArray("1")); // i = 99999
    QCOMPARE(store->stats().values, 110000);

    const StoreResult<std::vector<Bucket>> taken = store->takeReady(0, now);
    QVERIFY(taken.ok());
    QCOMPARE(taken.value->size(), size_t(2));
    for (const Bucket &bucket : *taken.value) {
        if (bucket.id() == big.id()) {
            QCOMPARE(bits(bucket.values()), bits(many));
        } else {
            QCOMPARE(bucket.valueCount(), 100000);
            QCOMPARE(bucket.statistics().sum, counted.statistics().sum);
            QCOMPARE(bucket.last(), 1.0);
        }
    }
}

void Tst_redisstore::pipelinedPut()
{
    // 5,000 buckets in one put: a few pipelined round trips, not 5,000.
    constexpr int kBuckets = 5000;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const std::vector<Bucket> buckets = readyBuckets(now, kBuckets);

    quint64 trips = store->roundTrips();
    QElapsedTimer timer;
    timer.start();
    size_t written = 0;
    QVERIFY(store->put(buckets, &written).ok());
    const qint64 putMs = timer.elapsed();
    const quint64 putTrips = store->roundTrips() - trips;
    QCOMPARE(written, buckets.size());
    QVERIFY2(putMs < 3000, qPrintable(QString::number(putMs)));
    // TIME, then one exchange per kPutChunk buckets.
    QCOMPARE(putTrips, quint64(1 + (kBuckets + RedisStore::kPutChunk - 1) / RedisStore::kPutChunk));
    QCOMPARE(store->stats().buckets, kBuckets);

    // Four ready seconds of 1,250 buckets each: one ZRANGEBYSCORE, then
    // rounds of one pipelined script call per second (1,000 ids each).
    trips = store->roundTrips();
    timer.restart();
    const StoreResult<std::vector<Bucket>> taken = store->takeReady(0, now);
    const qint64 takeMs = timer.elapsed();
    const quint64 takeTrips = store->roundTrips() - trips;
    QVERIFY(taken.ok());
    QCOMPARE(taken.value->size(), size_t(kBuckets));
    QCOMPARE(takeTrips, quint64(3));
    QVERIFY(keys(*m_redis.client).isEmpty());
    qDebug("at=redis.pipelining buckets=%d put_ms=%lld put_round_trips=%llu take_ms=%lld "
           "take_round_trips=%llu",
           kBuckets, putMs, static_cast<unsigned long long>(putTrips), takeMs,
           static_cast<unsigned long long>(takeTrips));
}

void Tst_redisstore::retriedBatchIsWrittenOnce()
{
    // A put whose answer is lost is retried with the same batch: written
    // once. Another batch with the same buckets is another write.
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(2);
    const qint64 now = storeNow(*store);
    const std::vector<Bucket> buckets = readyBuckets(now, 2500); // three chunks
    QVERIFY(store->put(buckets, nullptr, 5).ok());
    QCOMPARE(store->putsAlreadyApplied(), quint64(0));
    QVERIFY(store->put(buckets, nullptr, 5).ok());
    QCOMPARE(store->putsAlreadyApplied(), quint64(3));
    // A retry of the rest of the batch from a chunk boundary.
    const std::vector<Bucket> rest(buckets.begin() + RedisStore::kPutChunk, buckets.end());
    QVERIFY(store->put(rest, nullptr, 5).ok());
    QCOMPARE(store->putsAlreadyApplied(), quint64(5));
    QHash<QByteArray, std::vector<double>> taken;
    QVERIFY(takeInto(*store, now, taken));
    for (size_t i = 0; i < buckets.size(); ++i)
        QCOMPARE(bits(taken.value(buckets[i].id().encode())), bits({ double(i) }));

    QVERIFY(store->put(buckets, nullptr, 5).ok()); // still remembered: nothing written
    QVERIFY(store->put(buckets, nullptr, 6).ok()); // a new batch
    taken.clear();
    QVERIFY(takeInto(*store, now, taken));
    QCOMPARE(taken.size(), qsizetype(buckets.size()));
    for (size_t i = 0; i < buckets.size(); ++i)
        QCOMPARE(bits(taken.value(buckets[i].id().encode())), bits({ double(i) }));
    // A bucket bigger than a chunk (65,536 values) spans chunks; retried
    // whole, still written once.
    std::vector<double> many(150000);
    std::iota(many.begin(), many.end(), 0.0);
    const std::vector<Bucket> big { Bucket(makeId(now - 5, 1, "big", "web.1"), many), buckets[0] };
    const quint64 before = store->putsAlreadyApplied();
    QVERIFY(store->put(big, nullptr, 9).ok());
    QVERIFY(store->put(big, nullptr, 9).ok());
    QCOMPARE(store->putsAlreadyApplied() - before, quint64(3));
    taken.clear();
    QVERIFY(takeInto(*store, now, taken));
    const std::vector<double> bigValues = taken.value(big[0].id().encode());
    QCOMPARE(bigValues.size(), many.size());
    QCOMPARE(std::accumulate(bigValues.begin(), bigValues.end(), 0.0), 149999.0 * 150000.0 / 2);
    QCOMPARE(bits(taken.value(buckets[0].id().encode())), bits({ 0.0 }));

    // Without a batch, every put is its own.
    QVERIFY(store->put(buckets).ok());
    QVERIFY(store->put(buckets).ok());
    taken.clear();
    QVERIFY(takeInto(*store, now, taken));
    QCOMPARE(bits(taken.value(buckets[0].id().encode())), bits({ 0.0, 0.0 }));
}

void Tst_redisstore::benchmark()
{
    // Not a pass/fail benchmark: the numbers go to the log (machine-readable).
    constexpr int kBuckets = 10000;
    constexpr int kPartitions = 4;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(kPartitions);
    const qint64 now = storeNow(*store);
    const std::vector<Bucket> buckets = readyBuckets(now, kBuckets, "bench.");
    QElapsedTimer timer;
    timer.start();
    QVERIFY(store->put(buckets).ok());
    const qint64 putUs = timer.nsecsElapsed() / 1000;
    timer.restart();
    size_t taken = 0;
    for (int p = 0; p < kPartitions; ++p) {
        const StoreResult<std::vector<Bucket>> result = store->takeReady(p, now);
        QVERIFY(result.ok());
        taken += result.value->size();
    }
    const qint64 takeUs = timer.nsecsElapsed() / 1000;
    QCOMPARE(taken, size_t(kBuckets));
    qDebug("at=redis.bench buckets=%d partitions=%d put_us=%lld take_us=%lld put_per_s=%lld "
           "take_per_s=%lld",
           kBuckets, kPartitions, putUs, takeUs, kBuckets * 1000000LL / std::max<qint64>(1, putUs),
           kBuckets * 1000000LL / std::max<qint64>(1, takeUs));
}

void Tst_redisstore::racingStores_data()
{
    QTest::addColumn<bool>("useLock");
    QTest::newRow("with the partition lock") << true;
    QTest::newRow("without it (the take script is atomic)") << false;
}

void Tst_redisstore::racingStores()
{
    // Two stores, as two processes would have, each with its reader thread,
    // take the same partitions while a third writes: every bucket is taken
    // exactly once, whole.
    QFETCH(bool, useLock);
    constexpr int kPartitions = 4;
    constexpr int kBatches = 40;
    constexpr int kPerBatch = 100;
    const std::unique_ptr<RedisStore> writerStore = m_redis.makeStore(kPartitions);
    const qint64 now = storeNow(*writerStore);

    std::atomic<bool> writerDone { false };
    std::atomic<int> failures { 0 };
    std::thread writer([&] {
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<Bucket> buckets;
            for (int i = 0; i < kPerBatch; ++i) {
                const int n = batch * kPerBatch + i;
                buckets.emplace_back(makeId(now - 5 - n % 7, 1, "race." + QByteArray::number(n)),
                                     std::vector<double> { double(n), double(-n) });
            }
            if (!writerStore->put(buckets).ok())
                ++failures;
        }
        writerDone = true;
    });

    std::mutex takenMutex;
    QHash<QByteArray, int> takenBy; // encoded id -> reader
    QList<int> duplicates;
    qint64 busy = 0;
    const auto reader = [&](int self) {
        const std::unique_ptr<RedisStore> store = m_redis.makeStore(kPartitions);
        const QByteArray owner = "reader-" + QByteArray::number(self);
        for (;;) {
            const bool last = writerDone.load();
            for (int p = 0; p < kPartitions; ++p) {
                if (useLock) {
                    const StoreResult<bool> locked = store->lockPartition(p, owner, 5000);
                    if (!locked.ok()) {
                        ++failures;
                        continue;
                    }
                    if (!*locked.value) {
                        const std::lock_guard<std::mutex> guard(takenMutex);
                        ++busy;
                        continue;
                    }
                }
                const StoreResult<std::vector<Bucket>> result = store->takeReady(p, now);
                if (useLock) {
                    const StoreResult<bool> unlocked = store->unlockPartition(p, owner);
                    if (!unlocked.ok() || !*unlocked.value)
                        ++failures;
                }
                if (!result.ok()) {
                    ++failures;
                    continue;
                }
                const std::lock_guard<std::mutex> guard(takenMutex);
                for (const Bucket &bucket : *result.value) {
                    const qint64 n = qint64(bucket.values().front());
                    if (bits(bucket.values()) != bits({ double(n), double(-n) }))
                        ++failures;
                    const QByteArray key = bucket.id().encode();
                    if (takenBy.contains(key))
                        duplicates.append(int(n));
                    takenBy.insert(key, self);
                }
            }
            if (last)
                return;
        }
    };
    std::thread a(reader, 0);
    std::thread b(reader, 1);
    writer.join();
    a.join();
    b.join();
    QCOMPARE(failures.load(), 0);
    QVERIFY2(duplicates.isEmpty(), qPrintable(QString::number(duplicates.size())));

    // Whatever the last passes left behind (a locked-out pass) is still there.
    QHash<QByteArray, std::vector<double>> rest;
    QVERIFY(takeInto(*writerStore, now, rest));
    for (auto it = rest.cbegin(); it != rest.cend(); ++it) {
        QVERIFY(!takenBy.contains(it.key()));
        takenBy.insert(it.key(), 2);
    }
    QCOMPARE(takenBy.size(), kBatches * kPerBatch);
    const QList<int> by = takenBy.values();
    qDebug("at=redis.race lock=%d reader0=%lld reader1=%lld after=%lld busy=%lld", useLock,
           qint64(by.count(0)), qint64(by.count(1)), qint64(by.count(2)), busy);
    QVERIFY(keys(*m_redis.client).isEmpty());
}

void Tst_redisstore::readAndAcknowledgeKeyLayout()
{
    // A read changes nothing; an acknowledgement LTRIMs what was read and
    // keeps what was RPUSHed since, with the counter following; the last one
    // removes every key of the second. The lock is checked, never changed.
    constexpr int kPartitions = 2;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(kPartitions);
    const qint64 now = storeNow(*store);
    const BucketId id = makeId(now - 5, 1, "layout", "src");
    const BucketId sibling = makeId(now - 5, 1, "layout.sibling", "src");
    const int p = id.partition(kPartitions);
    QVERIFY(store->put({ Bucket(id, { 1.5, -0.0 }) }).ok());
    const QByteArray readyAt = QByteArray::number(id.readyAt());
    const QByteArray listKey = RedisKeys::bucket(id.encode());
    const QByteArray setKey = RedisKeys::readySet(readyAt, p);
    const QByteArray countKey = RedisKeys::valuesCounter(readyAt, p);
    const QByteArray indexKey = RedisKeys::readyIndex(p);
    const QByteArray lockKey = RedisKeys::lock(p);
    const QSet<QByteArray> bucketKeys { listKey, setKey, countKey, indexKey };
    QCOMPARE(keys(*m_redis.client), bucketKeys);
    const QByteArray dump = m_redis.client->command({ "DUMP", listKey }).string;

    QVERIFY(*store->lockPartition(p, "reader-a", 60000).value);
    const StoreResult<std::vector<Bucket>> read = store->readReady(p, now, 100);
    QVERIFY(read.ok());
    QCOMPARE(read.value->size(), size_t(1));
    QCOMPARE(bits(read.value->front().values()), bits({ 1.5, -0.0 }));
    QCOMPARE(keys(*m_redis.client), bucketKeys + QSet<QByteArray> { lockKey });
    QCOMPARE(m_redis.client->command({ "DUMP", listKey }).string, dump);
    QCOMPARE(m_redis.client->command({ "GET", countKey }).string, QByteArray("2"));

    // Values for the same bucket, and a bucket of the same second and
    // partition, arrive while the delivery is on its way.
    QVERIFY(store->put({ Bucket(id, { 7, 8 }) }).ok());
    if (sibling.partition(kPartitions) == p)
        QVERIFY(store->put({ Bucket(sibling, { 9 }) }).ok());
    const qint64 ttlBefore = integer(*m_redis.client, { "TTL", listKey });

    // Someone else's lock: nothing removed.
    const StoreResult<bool> fenced = store->acknowledge(p, *read.value, "reader-b");
    QVERIFY(fenced.ok());
    QVERIFY(!*fenced.value);
    QCOMPARE(integer(*m_redis.client, { "LLEN", listKey }), 4);

    QVERIFY(*store->acknowledge(p, *read.value, "reader-a").value);
    QCOMPARE(m_redis.client->command({ "LRANGE", listKey, "0", "-1" }).strings(),
             (QList<QByteArray> { "7", "8" }));
    QCOMPARE(m_redis.client->command({ "SMEMBERS", setKey }).strings().contains(id.encode()), true);
    const bool siblingHere = sibling.partition(kPartitions) == p;
    QCOMPARE(m_redis.client->command({ "GET", countKey }).string,
             QByteArray(siblingHere ? "3" : "2"));
    QVERIFY(qAbs(integer(*m_redis.client, { "TTL", listKey }) - ttlBefore) <= 1); // expiry kept
    QCOMPARE(m_redis.client->command({ "GET", lockKey }).string, QByteArray("reader-a"));

    const StoreResult<std::vector<Bucket>> next = store->readReady(p, now, 100);
    QVERIFY(next.ok());
    QCOMPARE(next.value->size(), size_t(siblingHere ? 2 : 1));
    QVERIFY(*store->acknowledge(p, *next.value, "reader-a").value);
    QCOMPARE(keys(*m_redis.client), QSet<QByteArray> { lockKey });
    QVERIFY(*store->unlockPartition(p, "reader-a").value);
    QVERIFY(keys(*m_redis.client).isEmpty());
}

void Tst_redisstore::readRemovesWhatCannotBeDelivered()
{
    // What a read cannot turn into buckets would come back on every pass:
    // members that are no id or whose list expired, and elements that are
    // no number. The read removes them (counted as skipped) and returns the
    // rest, which an acknowledgement then removes exactly.
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const BucketId kept = makeId(now - 5, 1, "kept");
    const BucketId expired = makeId(now - 5, 1, "expired");
    const BucketId odd = makeId(now - 5, 1, "odd");
    const BucketId junkOnly = makeId(now - 5, 1, "junk.only");
    QVERIFY(store
                ->put({ Bucket(kept, { 1 }), Bucket(expired, { 2 }), Bucket(odd, { 3 }),
                        Bucket(junkOnly, { 5 }) })
                .ok());
    const QByteArray readyAt = QByteArray::number(kept.readyAt());
    const QByteArray setKey = RedisKeys::readySet(readyAt, 0);
    const QByteArray countKey = RedisKeys::valuesCounter(readyAt, 0);
    const QByteArray oddKey = RedisKeys::bucket(odd.encode());
    const QByteArray junkKey = RedisKeys::bucket(junkOnly.encode());
    QCOMPARE(integer(*m_redis.client, { "DEL", RedisKeys::bucket(expired.encode()) }), 1);
    QCOMPARE(integer(*m_redis.client, { "SADD", setKey, "not an id" }), 1);
    QCOMPARE(integer(*m_redis.client, { "RPUSH", oddKey, "abc", "4", "abc" }), 4);
    QCOMPARE(m_redis.client->command({ "LSET", junkKey, "0", "x" }).string, QByteArray("OK"));
    QCOMPARE(integer(*m_redis.client, { "INCRBY", countKey, "3" }), 7);
    // A ready second whose set expired stays in the index until a read.
    QCOMPARE(integer(*m_redis.client,
                     { "ZADD", RedisKeys::readyIndex(0), QByteArray::number(now - 100),
                       QByteArray::number(now - 100) }),
             1);

    const quint64 skippedBefore = store->skipped();
    const StoreResult<std::vector<Bucket>> read = store->readReady(0, now, 100);
    QVERIFY(read.ok());
    QCOMPARE(read.value->size(), size_t(2));
    for (const Bucket &bucket : *read.value) {
        if (bucket.id() == kept)
            QCOMPARE(bits(bucket.values()), bits({ 1 }));
        else if (bucket.id() == odd)
            QCOMPARE(bits(bucket.values()), bits({ 3, 4 }));
        else
            QFAIL("unexpected bucket");
    }
    // not an id, no list, "abc" twice, "x" (and its bucket)
    QCOMPARE(store->skipped() - skippedBefore, quint64(6));
    QCOMPARE(m_redis.client->command({ "LRANGE", oddKey, "0", "-1" }).strings(),
             (QList<QByteArray> { "3", "4" }));
    QCOMPARE(m_redis.client->command({ "SMEMBERS", setKey }).strings().size(), 2);
    QCOMPARE(integer(*m_redis.client, { "EXISTS", junkKey }), 0);
    // 7 - "abc" x 2 - "x"; the list deleted behind the store's back still
    // counts (nobody knows how many values it had) until the set is gone.
    QCOMPARE(m_redis.client->command({ "GET", countKey }).string, QByteArray("4"));
    QCOMPARE(m_redis.client->command({ "ZRANGE", RedisKeys::readyIndex(0), "0", "-1" }).strings(),
             QList<QByteArray> { readyAt });

    QVERIFY(*store->acknowledge(0, *read.value).value);
    QVERIFY(keys(*m_redis.client).isEmpty());
}

void Tst_redisstore::readAndAcknowledgeRoundTrips()
{
    // One script call reads a partition (up to the limit); one pipelined
    // exchange acknowledges thousands of buckets.
    constexpr int kBuckets = 5000;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    QVERIFY(store->put(readyBuckets(now, kBuckets)).ok());
    QVERIFY(*store->lockPartition(0, "reader", 60000).value);

    quint64 trips = store->roundTrips();
    QElapsedTimer timer;
    timer.start();
    const StoreResult<std::vector<Bucket>> part = store->readReady(0, now, 1200);
    QVERIFY(part.ok());
    QCOMPARE(part.value->size(), size_t(1200));
    const StoreResult<std::vector<Bucket>> read = store->readReady(0, now, kBuckets);
    const qint64 readMs = timer.elapsed();
    QVERIFY(read.ok());
    QCOMPARE(read.value->size(), size_t(kBuckets));
    QCOMPARE(store->roundTrips() - trips, quint64(2));

    trips = store->roundTrips();
    timer.restart();
    QVERIFY(*store->acknowledge(0, *read.value, "reader").value);
    const qint64 ackMs = timer.elapsed();
    QCOMPARE(store->roundTrips() - trips, quint64(1));
    QCOMPARE(keys(*m_redis.client), QSet<QByteArray> { RedisKeys::lock(0) });
    qDebug("at=redis.read_ack buckets=%d read_ms=%lld ack_ms=%lld", kBuckets, readMs, ackMs);
}

void Tst_redisstore::scriptsReloadedAfterFlush()
{
    // A restarted Redis (or SCRIPT FLUSH) forgets the scripts: EVALSHA
    // answers NOSCRIPT, nothing ran, and the store sends them again.
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    const qint64 now = storeNow(*store);
    const BucketId id = makeId(now - 5, 1, "flushed");
    QVERIFY(store->put({ Bucket(id, { 1, 2 }) }).ok());
    QVERIFY(*store->lockPartition(0, "reader", 60000).value);
    for (int round = 0; round < 2; ++round) {
        QCOMPARE(m_redis.client->command({ "SCRIPT", "FLUSH" }).string, QByteArray("OK"));
        QVERIFY(*store->refreshLock(0, "reader", 60000).value);
        QCOMPARE(m_redis.client->command({ "SCRIPT", "FLUSH" }).string, QByteArray("OK"));
        const StoreResult<std::vector<Bucket>> read = store->readReady(0, now, 10);
        QVERIFY2(read.ok(), qPrintable(read.error.message));
        QCOMPARE(read.value->size(), size_t(round == 0 ? 1 : 0));
        QCOMPARE(m_redis.client->command({ "SCRIPT", "FLUSH" }).string, QByteArray("OK"));
        const StoreResult<bool> acked = store->acknowledge(0, *read.value, "reader");
        QVERIFY2(acked.ok(), qPrintable(acked.error.message));
        QVERIFY(*acked.value);
    }
    QCOMPARE(keys(*m_redis.client), QSet<QByteArray> { RedisKeys::lock(0) });
}

// The GUI's live table: peek shows ready and future buckets, takes nothing,
// and asks Redis at most once per kPeekIntervalMs.
void Tst_redisstore::peekIsReadOnlyAndRateLimited()
{
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(4);
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets = readyBuckets(now, 30);
    BucketId future = buckets.front().id();
    future.name = "future";
    future.time = now + 600;
    buckets.emplace_back(future, std::vector<double> { 1, 2, 3 });
    QVERIFY(store->put(buckets).ok());

    const std::vector<Bucket> peeked = store->peek(1000);
    QCOMPARE(peeked.size(), buckets.size());
    QVERIFY(std::any_of(peeked.begin(), peeked.end(), [](const Bucket &b) {
        return b.id().name == "future" && b.valueCount() == 3;
    }));
    QCOMPARE(store->stats().buckets, qint64(buckets.size())); // nothing taken
    const quint64 trips = store->roundTrips();
    QCOMPARE(store->peek(1000).size(), peeked.size()); // the kept copy
    QCOMPARE(store->roundTrips(), trips);
    QCOMPARE(store->peek(5).size(), size_t(5)); // the copy, cut to the limit
}

QTEST_GUILESS_MAIN(Tst_redisstore)
#include "tst_redisstore.moc"
