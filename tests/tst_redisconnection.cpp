// RedisStore beyond the Store contract, part two: its connections.
// REDIS_URL parsing, one connection per thread, a healthy() that costs no
// round trip, AUTH and SELECT, and a server that is down and restarted,
// closes idle clients, or hangs (SIGSTOP) in the middle of a put. Tests that
// break a server start their own; the others use the suite's private
// redis-server, FLUSHALLed before each test. Skipped only when
// redis-server is not installed. The key layout is tst_redisstore.
#include "store/rediskeys.h"
#include "storetestkit.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTest>

#include <atomic>
#include <thread>

using namespace l2met;
using namespace l2met::test;

class Tst_redisconnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void urls();
    void oneConnectionPerThread();
    void healthyIsCheap();
    void authAndSelect();
    void serverDown();
    void idleConnectionClosedByServer();
    void serverHung();

private:
    RedisFixture m_redis;
};

void Tst_redisconnection::initTestCase()
{
    if (RedisServer::binary().isEmpty()) {
        if (RedisServer::required())
            QFAIL("redis-server is not installed and L2MET_REQUIRE_REDIS is set");
        QSKIP("redis-server is not installed (apt-get install redis-server): Redis tests skipped");
    }
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorString()));
}

void Tst_redisconnection::init()
{
    QVERIFY(m_redis.flush());
}

void Tst_redisconnection::cleanupTestCase()
{
    m_redis.stop();
}

void Tst_redisconnection::urls()
{
    const std::optional<RedisUrl> full
        = RedisUrl::parse(QStringLiteral("redis://h:p%40ss%3Aw%2Frd@example.com:6380/7"));
    QVERIFY(full);
    QCOMPARE(full->host, QStringLiteral("example.com"));
    QCOMPARE(full->port, 6380);
    QCOMPARE(full->user, QByteArray("h"));
    QCOMPARE(full->password, QByteArray("p@ss:w/rd"));
    QCOMPARE(full->db, 7);
    QVERIFY(!full->tls);
    QCOMPARE(full->redacted(), QStringLiteral("redis://h@example.com:6380/7"));

    const std::optional<RedisUrl> acl
        = RedisUrl::parse(QStringLiteral("rediss://l2met%20fleet:s3cret@redis.example.com:25061"));
    QVERIFY(acl);
    QVERIFY(acl->tls);
    QCOMPARE(acl->user, QByteArray("l2met fleet"));
    QCOMPARE(acl->password, QByteArray("s3cret"));
    QCOMPARE(acl->port, 25061);
    QCOMPARE(acl->redacted(), QStringLiteral("rediss://l2met%20fleet@redis.example.com:25061/0"));
    QCOMPARE(RedisUrl::parse(QStringLiteral("rediss://:pw@host"))->user, QByteArray());

    const std::optional<RedisUrl> bare = RedisUrl::parse(QStringLiteral("redis://localhost"));
    QVERIFY(bare);
    QCOMPARE(bare->port, 6379);
    QVERIFY(bare->password.isEmpty());
    QCOMPARE(bare->db, 0);
    QCOMPARE(RedisUrl::parse(QStringLiteral("redis://:secret@[::1]:7000/"))->host,
             QStringLiteral("::1"));

    for (const char *bad : { "http://localhost:6379", "redis://", "rediss://", "redisss://host", "redis://:secret@host:0",
                             "redis://:secret@host/db1", "redis://:secret@host/1?x=1",
                             "redis://:secret@host/99999999999", "not a url" }) {
        QString error;
        QVERIFY2(!RedisUrl::parse(QLatin1String(bad), &error), bad);
        QVERIFY(!error.isEmpty());
        QVERIFY(!error.contains(QStringLiteral("secret")));
        QVERIFY(!RedisStore::create(QLatin1String(bad), 1, &error));
    }
    QString error;
    QVERIFY(!RedisStore::create(QStringLiteral("redis://localhost"), 0, &error));
    QVERIFY(!error.isEmpty());
}

void Tst_redisconnection::oneConnectionPerThread()
{
    constexpr int kThreads = 4;
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    std::atomic<int> failures { 0 };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&store, &failures] {
            for (int i = 0; i < 100; ++i) {
                if (!store->now().ok() || !store->lockPartition(0, "x", 1000).ok())
                    ++failures;
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(store->connectAttempts(), quint64(kThreads)); // each thread connected once
}

void Tst_redisconnection::healthyIsCheap()
{
    const std::unique_ptr<RedisStore> store = m_redis.makeStore(1);
    QVERIFY(store->healthy()); // the first call pings
    const quint64 trips = store->roundTrips();
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 100000; ++i) {
        if (!store->healthy())
            QFAIL("unhealthy");
    }
    const qint64 ms = timer.elapsed();
    QVERIFY2(ms < 500, qPrintable(QString::number(ms)));
    // At most the background PING of each second that passed.
    QVERIFY(store->roundTrips() - trips <= quint64(ms / 1000 + 1));
}

void Tst_redisconnection::authAndSelect()
{
    const QByteArray password = "p@ss:w/rd";
    RedisServer server({ QStringLiteral("--requirepass"), QString::fromLatin1(password) });
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QString authority = QStringLiteral("127.0.0.1:%1").arg(server.port());

    // Heroku's legacy form carries the placeholder user "h": refused as an
    // ACL user, it falls back to AUTH password.
    const QList<QString> good {
        QStringLiteral("redis://:p%40ss%3Aw%2Frd@") + authority + QStringLiteral("/3"),
        QStringLiteral("redis://h:p%40ss%3Aw%2Frd@") + authority + QStringLiteral("/3")
    };
    for (const QString &url : good) {
        QString error;
        const std::unique_ptr<RedisStore> store = RedisStore::create(url, 1, &error);
        QVERIFY2(store, qPrintable(error));
        QVERIFY2(store->describe().endsWith(authority + QStringLiteral("/3")),
                 qPrintable(store->describe()));
        const qint64 now = storeNow(*store);
        const BucketId id = makeId(now - 5, 1, "auth");
        QVERIFY(store->put({ Bucket(id, { 1 }) }).ok());
        QVERIFY(store->healthy());

        RedisClient db3(server.port(), password, 3);
        QVERIFY2(db3.isConnected(), qPrintable(db3.errorString()));
        QVERIFY(keys(db3).contains(RedisKeys::bucket(id.encode())));
        RedisClient db0(server.port(), password, 0);
        QVERIFY(keys(db0).isEmpty());

        const StoreResult<std::vector<Bucket>> taken = store->takeReady(0, now);
        QVERIFY(taken.ok());
        QCOMPARE(taken.value->size(), size_t(1));
        QVERIFY(keys(db3).isEmpty());
    }

    // A wrong password, none, or a database that does not exist: every call
    // fails with a message that never shows the password.
    const QList<QString> wrong { QStringLiteral("redis://:nottheone@") + authority,
                                 QStringLiteral("redis://") + authority,
                                 QStringLiteral("redis://:p%40ss%3Aw%2Frd@") + authority
                                     + QStringLiteral("/999") };
    for (const QString &url : wrong) {
        const std::unique_ptr<RedisStore> store = RedisStore::create(url, 1);
        QVERIFY(store);
        const StoreResult<qint64> now = store->now();
        QVERIFY(!now.ok());
        QVERIFY(!now.error.message.isEmpty());
        QVERIFY2(!now.error.message.contains(QStringLiteral("nottheone"))
                     && !now.error.message.contains(QStringLiteral("p@ss")),
                 qPrintable(now.error.message));
        QVERIFY(!store->put({ Bucket(makeId(0, 1, "x"), { 1 }) }).ok());
        QVERIFY(!store->healthy());
        qDebug("at=redis.auth url=%s error=\"%s\"", qPrintable(store->describe()),
               qPrintable(now.error.message));
    }
}

void Tst_redisconnection::serverDown()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    RedisStore::Options options;
    options.connectTimeoutMs = 500;
    options.commandTimeoutMs = 1000;
    const std::unique_ptr<RedisStore> store = RedisStore::create(server.url(), 2, nullptr, options);
    QVERIFY(store);
    const qint64 now = storeNow(*store);
    QVERIFY(store->put({ Bucket(makeId(now - 5, 1, "before"), { 1 }) }).ok());
    QVERIFY(store->healthy());

    server.stop();
    // Nobody else talks to Redis: the background PING notices.
    QTRY_VERIFY_WITH_TIMEOUT(!store->healthy(), 5000);

    QElapsedTimer timer;
    timer.start();
    size_t written = 99;
    const StoreResult<bool> put
        = store->put({ Bucket(makeId(now - 5, 1, "during"), { 2 }) }, &written);
    QVERIFY(!put.ok());
    QCOMPARE(written, size_t(0));
    QVERIFY(!store->now().ok());
    QVERIFY(!store->lockPartition(0, "a", 1000).ok());
    QVERIFY(!store->unlockPartition(0, "a").ok());
    QVERIFY(!store->takeReady(0, now).ok());
    QVERIFY(!store->readReady(0, now, 10).ok());
    QVERIFY(!store->acknowledge(0, { Bucket(makeId(now - 5, 1, "before"), { 1 }) }, "a").ok());
    QVERIFY(!store->refreshLock(0, "a", 1000).ok());
    const StoreStats stats = store->stats();
    QVERIFY(!stats.healthy);
    QCOMPARE(stats.partitions.size(), 2);
    QVERIFY(!store->healthy());
    const qint64 failMs = timer.elapsed();
    QVERIFY2(failMs < options.commandTimeoutMs, qPrintable(QString::number(failMs)));
    qDebug("at=redis.down put_error=\"%s\" ten_failed_calls_ms=%lld", qPrintable(put.error.message),
           failMs);

    // Backoff: a caller retrying in a tight loop does not reconnect each time.
    const quint64 attempts = store->connectAttempts();
    for (int i = 0; i < 200; ++i)
        QVERIFY(!store->now().ok());
    QVERIFY(store->connectAttempts() - attempts <= 1);

    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(store->now().ok(), 15000);
    QVERIFY(store->healthy());
    // The restarted server is empty (no persistence); the store works again.
    const qint64 later = storeNow(*store);
    const BucketId after = makeId(later - 5, 1, "after");
    QVERIFY(store->put({ Bucket(after, { 3 }) }).ok());
    QHash<QByteArray, std::vector<double>> taken;
    QVERIFY(takeInto(*store, later, taken));
    QCOMPARE(taken.keys(), QList<QByteArray> { after.encode() });
    QVERIFY(store->stats().healthy);
}

void Tst_redisconnection::idleConnectionClosedByServer()
{
    // Servers close idle clients (`timeout`; 300 s on Heroku Redis): a
    // connection that sat idle is probed and replaced, and the call that
    // finds it closed still works, without the store ever looking down.
    RedisServer server({ QStringLiteral("--timeout"), QStringLiteral("1") });
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    RedisStore::Options options;
    options.idleCheckMs = 200;
    const std::unique_ptr<RedisStore> store = RedisStore::create(server.url(), 1, nullptr, options);
    QVERIFY(store);
    const qint64 now = storeNow(*store);
    RedisClient client(server.port());
    const qint64 clients = connectedClients(client);
    QVERIFY(clients >= 2);
    // Wait (idle) until the server has dropped the store's connection.
    QTRY_VERIFY_WITH_TIMEOUT(client.command({ "PING" }).type == RedisValue::Type::Status
                                 && connectedClients(client) < clients,
                             10000);

    const BucketId id = makeId(now - 5, 1, "after.idle");
    QVERIFY(store->put({ Bucket(id, { 1 }) }).ok());
    QVERIFY(store->healthy());
    QCOMPARE(store->connectAttempts(), quint64(2));
    const StoreResult<std::vector<Bucket>> taken = store->takeReady(0, now);
    QVERIFY(taken.ok());
    QCOMPARE(taken.value->size(), size_t(1));
}

void Tst_redisconnection::serverHung()
{
    // SIGSTOP for 2 s in the middle of a pipelined put: the put fails after
    // the command timeout (or, were the stall shorter, succeeds late); after
    // SIGCONT nothing is corrupted: every bucket is readable exactly once,
    // also those whose chunk Redis ran after the client gave up on it (the
    // retry, with the same batch, finds the chunk's write token).
    constexpr quint64 kBatch = 77;
    constexpr int kBuckets = 20000;
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    RedisStore::Options options;
    options.connectTimeoutMs = 500;
    options.commandTimeoutMs = 1000;
    const std::unique_ptr<RedisStore> store = RedisStore::create(server.url(), 2, nullptr, options);
    QVERIFY(store);
    RedisClient client(server.port());
    const qint64 now = storeNow(*store); // the main thread's connection, kept open
    const qint64 clientsBefore = connectedClients(client);
    const std::vector<Bucket> buckets = readyBuckets(now, kBuckets);

    size_t written = 0;
    bool ok = false;
    qint64 putMs = 0;
    QString error;
    const quint64 tripsBefore = store->roundTrips();
    std::atomic<bool> putDone { false };
    std::thread writer([&] {
        QElapsedTimer timer;
        timer.start();
        const StoreResult<bool> result = store->put(buckets, &written, kBatch);
        putMs = timer.elapsed();
        ok = result.ok();
        error = result.error.message;
        putDone = true;
    });
    // Stop the server once the put is past TIME and into its chunks.
    const QDeadlineTimer started(5000);
    while (store->roundTrips() < tripsBefore + 3 && !putDone.load() && !started.hasExpired())
        std::this_thread::yield();
    server.pause();
    QElapsedTimer paused;
    paused.start();
    // Meanwhile other calls fail within the command timeout, not hang.
    QElapsedTimer call;
    call.start();
    QVERIFY(!store->now().ok());
    const qint64 nowMs = call.elapsed();
    QVERIFY2(nowMs < options.commandTimeoutMs + 500, qPrintable(QString::number(nowMs)));
    call.restart();
    QVERIFY(!store->lockPartition(0, "a", 1000).ok()); // in backoff: at once
    QVERIFY(call.elapsed() < 100);
    QVERIFY(!store->stats().healthy);
    writer.join();
    QTest::qWait(int(qMax<qint64>(0, 2000 - paused.elapsed())));
    server.resume();
    qDebug("at=redis.hung put_ok=%d written=%zu put_ms=%lld now_ms=%lld error=\"%s\"", ok, written,
           putMs, nowMs, qPrintable(error));
    if (!ok) {
        QVERIFY(paused.elapsed() >= 2000);
        QVERIFY(putMs < 2 * options.commandTimeoutMs + 1000);
        QVERIFY(!store->healthy());
    }

    // Redis runs what was left in the dead connection's socket once it is
    // resumed; wait until it has read it all and closed that connection.
    QTRY_VERIFY_WITH_TIMEOUT(connectedClients(client) <= clientsBefore, 10000);

    // The caller retries what was not confirmed.
    // (Not with QTRY_*: it evaluates its expression more than once.)
    if (!ok) {
        std::vector<Bucket> rest(buckets.begin() + qsizetype(written), buckets.end());
        const QDeadlineTimer deadline(10000);
        bool stored = false;
        while (!stored && !deadline.hasExpired()) {
            size_t done = 0;
            stored = store->put(rest, &done, kBatch).ok();
            rest.erase(rest.begin(), rest.begin() + qsizetype(done));
            if (!stored)
                QTest::qWait(50);
        }
        QVERIFY(stored);
    }
    QVERIFY(store->healthy());

    QHash<QByteArray, std::vector<double>> taken;
    QVERIFY(takeInto(*store, now, taken));
    QCOMPARE(taken.size(), kBuckets);
    for (int i = 0; i < kBuckets; ++i) {
        const std::vector<double> values = taken.value(buckets[size_t(i)].id().encode());
        QCOMPARE(bits(values), bits({ double(i) }));
    }
    QVERIFY(keys(client).isEmpty());
    qDebug("at=redis.hung retried=%zu chunks_found_written=%llu",
           ok ? size_t(0) : kBuckets - written,
           static_cast<unsigned long long>(store->putsAlreadyApplied()));
}

QTEST_GUILESS_MAIN(Tst_redisconnection)
#include "tst_redisconnection.moc"
