// RedisStore when Redis fails for real (the README's fault table and
// docs/behaviour.md section 6): a connection reset in the middle of a put,
// a server restarted empty (keys, scripts and locks gone), a server that
// answers LOADING (loading its data after a restart) or READONLY (a replica:
// a failover in progress), and a host name that does not resolve. For each,
// calls fail with a clear error (the caller keeps its data and retries), and
// once the server is back what was acknowledged is stored exactly once.
//
// Every server here is a real redis-server on 127.0.0.1; the resets go
// through FaultProxy, a TCP proxy in front of it. Skipped only when
// redis-server is not installed and L2MET_REQUIRE_REDIS is not set.
#include "faultproxy.h"
#include "store/rediskeys.h"
#include "storetestkit.h"

#include <QElapsedTimer>
#include <QTest>

using namespace l2met;
using namespace l2met::test;

namespace {

// Short timeouts and backoff: the faults below take seconds, not minutes.
RedisStore::Options quickOptions()
{
    RedisStore::Options options;
    options.connectTimeoutMs = 1000;
    options.commandTimeoutMs = 1500;
    options.minBackoffMs = 20;
    options.maxBackoffMs = 200;
    return options;
}

std::unique_ptr<RedisStore> storeAt(const QString &url, int partitions = 1)
{
    QString error;
    std::unique_ptr<RedisStore> store = RedisStore::create(url, partitions, &error, quickOptions());
    if (!store)
        qFatal("RedisStore::create: %s", qPrintable(error));
    return store;
}

// Buckets named prefix + i with values i and i + 0.5, ready in the past.
std::vector<Bucket> twoValueBuckets(qint64 now, int count, const QByteArray &prefix)
{
    std::vector<Bucket> buckets;
    buckets.reserve(size_t(count));
    for (int i = 0; i < count; ++i)
        buckets.emplace_back(makeId(now - 5, 1, prefix + QByteArray::number(i)),
                             std::vector<double> { double(i), i + 0.5 });
    return buckets;
}

// Calls put until it succeeds (the store backs off between attempts), at
// most timeoutMs. (Not QTRY_VERIFY: it evaluates its expression once more
// after success, and a put has effects.)
bool putUntilOk(RedisStore &store, const std::vector<Bucket> &buckets, quint64 batch,
                int timeoutMs, QString *lastError)
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        const StoreResult<bool> result = store.put(buckets, nullptr, batch);
        if (result.ok())
            return true;
        *lastError = result.error.message;
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qWait(10);
    }
}

// Every bucket of `expected` came back with exactly its values, nothing else.
bool exactly(const Taken &taken, const std::vector<Bucket> &expected)
{
    if (taken.size() != qsizetype(expected.size())) {
        qWarning("took %lld buckets, expected %zu", qlonglong(taken.size()), expected.size());
        return false;
    }
    for (const Bucket &bucket : expected) {
        const auto it = taken.find(bucket.id().encode());
        if (it == taken.end() || bits(*it) != bits(bucket.expandedValues())) {
            qWarning("bucket %s: wrong values", bucket.id().encode().constData());
            return false;
        }
    }
    return true;
}

} // namespace

class Tst_redisfaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void retryAfterEmptyBucketFindsItsToken();
    void connectionResetMidPut_data();
    void connectionResetMidPut();
    void restartedEmpty();
    void loading();
    void readonlyReplicaThenFailover();
    void hostDoesNotResolve();
};

void Tst_redisfaults::initTestCase()
{
    if (RedisServer::binary().isEmpty()) {
        if (RedisServer::required())
            QFAIL("redis-server is not installed and L2MET_REQUIRE_REDIS is set");
        QSKIP("redis-server is not installed (apt-get install redis-server): Redis tests skipped");
    }
}

// A put cut into chunks names each chunk's write token after its first
// bucket. A retry starts after the buckets already written and after empty
// ones, so a chunk that begins with an empty bucket must be named after the
// first bucket with values, or the retry would write it a second time.
void Tst_redisfaults::retryAfterEmptyBucketFindsItsToken()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const std::unique_ptr<RedisStore> store = storeAt(server.url());
    const qint64 now = storeNow(*store);
    std::vector<Bucket> buckets = readyBuckets(now, RedisStore::kPutChunk, "full.");
    buckets.emplace_back(makeId(now - 5, 1, "empty"));
    const Bucket tail(makeId(now - 5, 1, "tail"), { 7 });
    buckets.push_back(tail);

    size_t written = 0;
    QVERIFY(store->put(buckets, &written, 42).ok());
    QCOMPARE(written, buckets.size());
    QCOMPARE(store->putsAlreadyApplied(), quint64(0));

    // The retry of the second chunk, had its answer been lost.
    QVERIFY(store->put({ tail }, &written, 42).ok());
    QCOMPARE(store->putsAlreadyApplied(), quint64(1));

    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QCOMPARE(taken.size(), qsizetype(RedisStore::kPutChunk + 1));
    QCOMPARE(bits(taken.value(tail.id().encode())), bits({ 7 }));
}

void Tst_redisfaults::connectionResetMidPut_data()
{
    QTest::addColumn<int>("repliesBeforeReset");
    // A put is TIME, then one Put script per chunk (three here); the reset
    // comes after that many replies reached the client, so the chunk whose
    // reply is cut was run by Redis all the same.
    QTest::newRow("before TIME's reply") << 0;
    QTest::newRow("after TIME") << 1;
    QTest::newRow("after the first chunk") << 2;
    QTest::newRow("after the second chunk") << 3;
}

void Tst_redisfaults::connectionResetMidPut()
{
    QFETCH(int, repliesBeforeReset);
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());
    const std::unique_ptr<RedisStore> store
        = storeAt(QStringLiteral("redis://127.0.0.1:%1").arg(proxy.port()));
    const qint64 now = storeNow(*store);
    // Redis knows the Put script from here on (EVALSHA, no NOSCRIPT round).
    std::vector<Bucket> buckets { Bucket(makeId(now - 5, 1, "warm-up"), { 1 }) };
    QVERIFY(put(*store, buckets));
    const std::vector<Bucket> big = twoValueBuckets(now, 2 * RedisStore::kPutChunk + 10, "reset.");

    proxy.cutAfterReplies(repliesBeforeReset);
    size_t written = 0;
    const StoreResult<bool> first = store->put(big, &written, 7);
    QVERIFY(!first.ok());
    QVERIFY2(first.error.message.startsWith(QStringLiteral("redis: ")),
             qPrintable(first.error.message));
    QCOMPARE(proxy.resets(), 1);
    QCOMPARE(written, size_t(std::max(0, repliesBeforeReset - 1) * RedisStore::kPutChunk));
    QVERIFY(!store->healthy());
    qDebug("at=redis.reset replies=%d error=\"%s\"", repliesBeforeReset,
           qPrintable(first.error.message));

    // What a StoreWriter does: retry the rest under the same batch until it
    // goes through (the backoff is short here).
    const std::vector<Bucket> rest(big.begin() + qsizetype(written), big.end());
    QString error;
    QVERIFY2(putUntilOk(*store, rest, 7, 5000, &error), qPrintable(error));
    QVERIFY(store->healthy());
    // The chunk Redis ran before its reply was cut was found, not written
    // again.
    QCOMPARE(store->putsAlreadyApplied(), quint64(repliesBeforeReset >= 1 ? 1 : 0));

    buckets.insert(buckets.end(), big.begin(), big.end());
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QVERIFY(exactly(taken, buckets));
}

// Redis restarted without its data (no persistence, or a new instance): the
// keys, the cached scripts and the locks are gone. The store reconnects,
// sends its scripts again, a reader learns it lost its lock, and what was
// put after the restart is stored; what Redis held is lost with it.
void Tst_redisfaults::restartedEmpty()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const std::unique_ptr<RedisStore> store = storeAt(server.url());
    const qint64 now = storeNow(*store);
    QVERIFY(lockOk(*store, 0, "reader-a", 60000));
    const std::vector<Bucket> before = twoValueBuckets(now, 5, "before.");
    QVERIFY(put(*store, before));
    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);

    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    // The first call finds the old connection closed; later ones reconnect.
    QTRY_VERIFY_WITH_TIMEOUT(store->now().ok(), 5000);

    // The lock is gone: refreshing it says so, acknowledging under it
    // removes nothing, and another reader may take the partition.
    const StoreResult<bool> refreshed = store->refreshLock(0, "reader-a", 60000);
    QVERIFY(refreshed.ok());
    QVERIFY(!*refreshed.value);
    const StoreResult<bool> acked = store->acknowledge(0, *read, "reader-a");
    QVERIFY(acked.ok());
    QVERIFY(!*acked.value);
    QVERIFY(lockOk(*store, 0, "reader-b", 60000));

    // Scripts are sent again (EVALSHA answered NOSCRIPT, then EVAL).
    const std::vector<Bucket> after = twoValueBuckets(now, 5, "after.");
    QVERIFY(put(*store, after));
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QVERIFY(exactly(taken, after));
}

// A server loading its data after a restart answers -LOADING to every
// command for a while. l2met treats it as down (the put fails, the caller
// keeps its buckets, healthy() is false) and retries with backoff.
void Tst_redisfaults::loading()
{
    RedisServer server({ QStringLiteral("--dbfilename"), QStringLiteral("dump.rdb") });
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    {
        RedisClient client(server.port());
        QVERIFY(!client.command({ "DEBUG", "POPULATE", "20000", "filler" }).isError());
        QVERIFY(!client.command({ "SAVE" }).isError());
    }
    const std::unique_ptr<RedisStore> store = storeAt(server.url());
    const qint64 now = storeNow(*store);
    QVERIFY2(server.restartLoading({ QStringLiteral("--key-load-delay"), QStringLiteral("100"),
                                     QStringLiteral("--loading-process-events-interval-bytes"),
                                     QStringLiteral("1024") }),
             qPrintable(server.errorString()));

    const std::vector<Bucket> buckets = twoValueBuckets(now, 10, "loading.");
    // The first put finds the old connection closed; the next ones, after
    // the backoff, reach the loading server.
    StoreResult<bool> first = StoreResult<bool>::failure(QString());
    QElapsedTimer timer;
    timer.start();
    while (!first.error.message.contains(QStringLiteral("LOADING")) && timer.elapsed() < 3000) {
        first = store->put(buckets, nullptr, 9);
        if (first.ok())
            QSKIP("the server finished loading before the test could see it");
        QTest::qWait(10);
    }
    QVERIFY(!store->healthy());
    QVERIFY2(first.error.message.startsWith(QStringLiteral("redis: server cannot serve now: LOADING")),
             qPrintable(first.error.message));

    QString error;
    QVERIFY2(putUntilOk(*store, buckets, 9, 30000, &error), qPrintable(error));
    QVERIFY(store->healthy());
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QVERIFY(exactly(taken, buckets));
}

// Connected to a replica (after a failover the name may still lead to the
// old primary, now a replica): writes answer READONLY. The store drops the
// connection and reconnects after backoff, so once the server is a primary
// again (or the name moved) the retry goes through.
void Tst_redisfaults::readonlyReplicaThenFailover()
{
    RedisServer primary;
    QVERIFY2(primary.start(), qPrintable(primary.errorString()));
    RedisServer replica({ QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                          QString::number(primary.port()) });
    QVERIFY2(replica.start(), qPrintable(replica.errorString()));
    const std::unique_ptr<RedisStore> store = storeAt(replica.url());
    const qint64 now = storeNow(*store); // reads work on a replica
    const std::vector<Bucket> buckets = twoValueBuckets(now, 10, "failover.");

    const StoreResult<bool> refused = store->put(buckets);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error.message.contains(QStringLiteral("READONLY")),
             qPrintable(refused.error.message));
    QVERIFY(!store->healthy());
    QString error;
    QCOMPARE(store->checkAccess(&error), RedisAccess::Unreachable); // not a start-up error
    const quint64 connects = store->connectAttempts();

    RedisClient client(replica.port());
    QVERIFY(!client.command({ "REPLICAOF", "NO", "ONE" }).isError());
    QVERIFY2(putUntilOk(*store, buckets, 9, 5000, &error), qPrintable(error));
    QVERIFY(store->connectAttempts() > connects); // it reconnected
    Taken taken;
    QVERIFY(takeAll(*store, now, taken));
    QVERIFY(exactly(taken, buckets));
}

// A host name that does not resolve (DNS down, a typo, a deleted add-on):
// a clear error naming the host, quickly, and the store stays usable. The
// name is resolved again on every connect, so a failover that moves the
// name is followed. (A name longer than 255 bytes: the resolver refuses it
// without sending a query, so this test stays on the machine.)
void Tst_redisfaults::hostDoesNotResolve()
{
    const QString label(63, u'x');
    const QString host = QStringList { label, label, label, label, label }.join(u'.')
        + QStringLiteral(".invalid");
    const std::unique_ptr<RedisStore> store
        = storeAt(QStringLiteral("redis://:pw@%1:6379").arg(host));
    QElapsedTimer timer;
    timer.start();
    const StoreResult<qint64> now = store->now();
    QVERIFY(!now.ok());
    QVERIFY2(now.error.message.startsWith(QStringLiteral("redis: cannot resolve ") + host),
             qPrintable(now.error.message));
    QVERIFY(!now.error.message.contains(QStringLiteral("pw")));
    QVERIFY(timer.elapsed() < 1000);
    QVERIFY(!store->healthy());
    QVERIFY(!store->put({ Bucket(makeId(0, 1, "x"), { 1 }) }).ok());
    QString error;
    QCOMPARE(store->checkAccess(&error), RedisAccess::Unreachable); // retried, not fatal
    QVERIFY(error.contains(QStringLiteral("cannot resolve")));
}

QTEST_GUILESS_MAIN(Tst_redisfaults)
#include "tst_redisfaults.moc"
