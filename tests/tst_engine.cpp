// End-to-end: a whole engine in this process (memory store), real sockets,
// a fake Librato. Tokens are made with /sign; bodies POSTed to /logs; the
// exact gauges are asserted where Librato would receive them.
//
// Also the engine's Reader on its own (reader* tests): in its thread, over a
// MemoryStore, with a delivery the test completes (or not) by hand, to see
// acknowledge after delivery step by step: nothing removed before done, a
// delivery without done (timeout, lost lock, finishBy) never acknowledged.
#include "auth/fernet.h"
#include "engine/bucketsummariser.h"
#include "engine/engine.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "metrics/metrics.h"
#include "outlet/reader.h"
#include "parser/parsemetrics.h"
#include "receiver/register.h"
#include "redisserver.h"
#include "store/memorystore.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <atomic>
#include <mutex>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kCredentials = "alice@example.com:alice-api-token";
const QByteArray kCredentials2 = "bob@example.com:bob-api-token";

Config baseConfig(const QByteArray &secrets, const QUrl &librato)
{
    Config c;
    c.bind = QStringLiteral("127.0.0.1");
    c.port = 0;
    c.secrets = secrets;
    c.libratoUrl = librato.toString();
    c.flushIntervalMs = 50;
    c.outletIntervalMs = 50;
    c.concurrency = 2;
    c.outletRetry = 2;
    c.outletTtlMs = 1000;
    return c;
}

double number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toDouble();
}

// A Reader in its own thread over a one-partition MemoryStore; deliveries
// are kept for the test to complete by hand.
class ReaderRig
{
public:
    explicit ReaderRig(int deliveryTimeoutMs)
    {
        Reader::Options options;
        options.intervalMs = 100; // lock ttl 5 s, refreshed every 1.67 s
        options.deliveryTimeoutMs = deliveryTimeoutMs;
        reader = new Reader(&store, &metrics, options, "rig",
                            [this](std::vector<Bucket> buckets, Reader::Done done) {
                                const std::lock_guard<std::mutex> lock(mutex);
                                deliveries.emplace_back(std::move(buckets), std::move(done));
                            });
        reader->moveToThread(&thread);
        thread.start();
    }
    ~ReaderRig()
    {
        reader->finishBy(QDeadlineTimer(0)); // a scan still waiting gives up
        QMetaObject::invokeMethod(reader, [r = reader] { delete r; }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
    }
    // One scan in the reader thread; *acknowledged is its result.
    void scan(std::atomic<qint64> *acknowledged)
    {
        acknowledged->store(-1);
        QMetaObject::invokeMethod(reader, [r = reader, acknowledged] { acknowledged->store(r->scan()); });
    }
    size_t delivered()
    {
        const std::lock_guard<std::mutex> lock(mutex);
        return deliveries.size();
    }
    std::vector<Bucket> buckets(size_t i)
    {
        const std::lock_guard<std::mutex> lock(mutex);
        return deliveries.at(i).first;
    }
    void done(size_t i) // from the test's thread: done may run in any
    {
        Reader::Done d;
        {
            const std::lock_guard<std::mutex> lock(mutex);
            d = deliveries.at(i).second;
        }
        d();
    }
    PartitionState partition() { return store.stats().partitions.value(0); }

    MemoryStore store { 1 };
    Metrics metrics;
    QThread thread;
    Reader *reader = nullptr;
    std::mutex mutex;
    std::vector<std::pair<std::vector<Bucket>, Reader::Done>> deliveries;
};

Bucket readyBucket(const QByteArray &name, std::vector<double> values)
{
    BucketId id;
    id.time = QDateTime::currentSecsSinceEpoch() - 5;
    id.resolution = 1;
    id.auth = "token";
    id.name = name;
    return Bucket(id, std::move(values));
}

} // namespace

class TstEngine : public QObject
{
    Q_OBJECT

private:
    QByteArray m_secrets;
    std::unique_ptr<FakeLibrato> m_librato;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<RedisServer> m_redis; // started by the first test that needs it

    QUrl url(const QString &path, const QString &query = {}) const
    {
        QUrl u(QStringLiteral("http://127.0.0.1:%1%2").arg(m_engine->port()).arg(path));
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }
    QByteArray token(const QByteArray &credentials)
    {
        const HttpAnswer a = http("POST", url(QStringLiteral("/sign")), credentials,
                                  { { "Authorization", basicAuth(m_secrets.split(':').first()) } });
        if (a.status != 200)
            qFatal("sign failed: %d", a.status);
        return a.body;
    }
    HttpAnswer postLogs(const QByteArray &tok, const QByteArray &body, const QString &query = {})
    {
        return http("POST", url(QStringLiteral("/logs"), query), body, { { "Authorization", basicAuth(tok) } });
    }
    void startEngine(Config config)
    {
        m_engine = std::make_unique<Engine>(config);
        QString error;
        QVERIFY2(m_engine->start(&error), qPrintable(error));
    }

private Q_SLOTS:
    void init()
    {
        m_secrets = Fernet::generateKey() + ':' + Fernet::generateKey();
        m_librato = std::make_unique<FakeLibrato>();
        QVERIFY(m_librato->isListening());
        startEngine(baseConfig(m_secrets, m_librato->url()));
    }
    void cleanup()
    {
        m_engine.reset();
        m_librato.reset();
    }

    void statusCodes()
    {
        const QByteArray tok = token(kCredentials);
        const QByteArray body = frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#a=1");
        const auto auth = [](const QByteArray &t) { return QList<QPair<QByteArray, QByteArray>> { { "Authorization", basicAuth(t) } }; };

        QCOMPARE(postLogs(tok, body).status, 200);
        QCOMPARE(postLogs(tok, body).body, QByteArray());
        QCOMPARE(http("GET", url(QStringLiteral("/logs")), {}, auth(tok)).status, 405);
        QCOMPARE(http("POST", url(QStringLiteral("/logs")), body).status, 401);
        const HttpAnswer bad = postLogs("not-a-token", body);
        QCOMPARE(bad.status, 401);
        QVERIFY(!bad.body.contains("not-a-token"));
        // A token made with another key
        const QByteArray foreign = Fernet(*Fernet::parseKeys(Fernet::generateKey())).encrypt(kCredentials);
        QCOMPARE(postLogs(foreign, body).status, 401);
        // A token whose plaintext cannot be delivered (no ':')
        const QByteArray noColon = Fernet(*Fernet::parseKeys(m_secrets)).encrypt("justauser");
        QCOMPARE(postLogs(noColon, body).status, 401);
        // Credentials only from the header
        QCOMPARE(http("POST", url(QStringLiteral("/logs"), QStringLiteral("user=%1").arg(QString::fromLatin1(tok))), body).status, 401);
        for (const char *res : { "resolution=7", "resolution=0", "resolution=-60", "resolution=abc", "resolution=7200" })
            QCOMPARE(postLogs(tok, body, QString::fromLatin1(res)).status, 400);
        QCOMPARE(postLogs(tok, body, QStringLiteral("resolution=1")).status, 200);
        QCOMPARE(postLogs(tok, body, QStringLiteral("resolution=3600")).status, 200);
        // 413: over the default 8 MiB, refused from the Content-Length
        // before the body is sent (a raw socket: it reads the early answer).
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, m_engine->port());
        QVERIFY(raw.waitForConnected(5000));
        raw.write("POST /logs HTTP/1.1\r\nHost: x\r\nAuthorization: " + basicAuth(tok)
                  + "\r\nContent-Length: 8388609\r\n\r\n");
        QTRY_VERIFY(raw.bytesAvailable() > 0 || raw.state() != QAbstractSocket::ConnectedState);
        QVERIFY(raw.readAll().startsWith("HTTP/1.1 413"));

        QCOMPARE(http("GET", url(QStringLiteral("/health"))).status, 200);
        QCOMPARE(http("GET", url(QStringLiteral("/health"))).body, QByteArray("ok\n"));
        QCOMPARE(http("GET", url(QStringLiteral("/nothing"))).status, 404);
        QCOMPARE(http("POST", url(QStringLiteral("/sign")), kCredentials).status, 401);
        QCOMPARE(http("POST", url(QStringLiteral("/sign")), kCredentials, auth("wrong-key")).status, 401);
        // Either key signs in (rotation), and /sign needs user:token
        QCOMPARE(http("POST", url(QStringLiteral("/sign")), kCredentials, auth(m_secrets.split(':').last())).status, 200);
        QCOMPARE(http("POST", url(QStringLiteral("/sign")), "nocolon", auth(m_secrets.split(':').first())).status, 400);

        const HttpAnswer metrics = http("GET", url(QStringLiteral("/metrics")));
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.body.contains("# TYPE l2met_lines_aggregated counter"));
        QVERIFY(metrics.body.contains("l2met_http_responses{status=\"401\"}"));
        // No secret anywhere in what l2met says
        for (const QByteArray &secret : { m_secrets.split(':').first(), m_secrets.split(':').last(), QByteArray("alice-api-token") })
            QVERIFY(!metrics.body.contains(secret));
    }

    void inboxFullIs503()
    {
        Config c = baseConfig(m_secrets, m_librato->url());
        c.buffer = 2;
        m_engine.reset();
        startEngine(c);
        const QByteArray tok = token(kCredentials);
        const QByteArray body = frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#queued=1");
        m_engine->setParsingPaused(true);
        QCOMPARE(postLogs(tok, body).status, 200);
        QCOMPARE(postLogs(tok, body).status, 200);
        QCOMPARE(postLogs(tok, body).status, 503);
        m_engine->setParsingPaused(false);
        QTRY_COMPARE(m_engine->metrics().value("lines_aggregated"), 2.0);
        QCOMPARE(postLogs(tok, body).status, 200);
        QTRY_COMPARE(m_engine->metrics().value("lines_aggregated"), 3.0);
    }

    void deliversExactGauges_data()
    {
        QTest::addColumn<int>("resolution");
        QTest::newRow("resolution 1") << 1;
        QTest::newRow("resolution 60") << 60;
    }
    void deliversExactGauges()
    {
        QFETCH(int, resolution);
        const QByteArray tok = token(kCredentials);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        // Stamp the previous window so it is ready at the next scan.
        const qint64 window = (now / resolution) * resolution - resolution;
        const qint64 t = window + (resolution > 1 ? 5 : 0);
        QByteArray body;
        for (int v : { 4, 1, 3, 2, 5 })
            body += frame(t, "web.1", "measure#db.latency=" + QByteArray::number(v) + "ms source=web.1");
        body += frame(t, "web.1", "count#signup=2 count#signup sample#queue=7 sample#queue=9");
        QCOMPARE(postLogs(tok, body, QStringLiteral("resolution=%1").arg(resolution)).status, 200);

        QTRY_COMPARE_WITH_TIMEOUT(m_librato->acceptedGauges().size(), 6, 10000);
        const QList<FakeLibrato::Gauge> gauges = m_librato->acceptedGauges();
        QHash<QString, QJsonObject> byName;
        for (const FakeLibrato::Gauge &g : gauges) {
            QCOMPARE(g.user, QByteArray("alice@example.com"));
            byName.insert(g.json.value(QLatin1String("name")).toString(), g.json);
        }
        const QJsonObject latency = byName.value(QStringLiteral("db.latency"));
        QCOMPARE(number(latency, "count"), 5.0);
        QCOMPARE(number(latency, "sum"), 15.0);
        QCOMPARE(number(latency, "min"), 1.0);
        QCOMPARE(number(latency, "max"), 5.0);
        QCOMPARE(number(latency, "sum_squares"), 55.0);
        QCOMPARE(number(latency, "measure_time"), double(window));
        QCOMPARE(latency.value(QLatin1String("source")).toString(), QStringLiteral("web.1"));
        QCOMPARE(latency.value(QLatin1String("attributes")).toObject().value(QLatin1String("display_units_long")).toString(),
                 QStringLiteral("ms"));
        QCOMPARE(number(byName.value(QStringLiteral("db.latency.median")), "value"), 3.0);
        QCOMPARE(number(byName.value(QStringLiteral("db.latency.perc95")), "value"), 5.0);
        QCOMPARE(number(byName.value(QStringLiteral("db.latency.perc99")), "value"), 5.0);
        QCOMPARE(number(byName.value(QStringLiteral("signup")), "value"), 3.0);
        QCOMPARE(number(byName.value(QStringLiteral("queue")), "value"), 9.0);
        QVERIFY(!byName.value(QStringLiteral("signup")).contains(QLatin1String("source")));
        // Basic auth to Librato is the decrypted user:api-token
        QCOMPARE(m_librato->requests().first().password, QByteArray("alice-api-token"));
    }

    // --percentiles end to end, with both stores: posted lines reach the
    // fake Librato (which checks the attributes) as .perc75, .perc90 and
    // .perc99_9 with the ranks of docs/behaviour.md section 4.
    void deliversConfiguredPercentiles_data()
    {
        QTest::addColumn<bool>("redis");
        QTest::newRow("memory store") << false;
        QTest::newRow("redis store") << true;
    }
    void deliversConfiguredPercentiles()
    {
        QFETCH(bool, redis);
        // Stopped before redis-server is forked: a fork while the engine's
        // threads run is what ThreadSanitizer cannot follow (false races).
        m_engine.reset();
        Config c = baseConfig(m_secrets, m_librato->url());
        c.percentiles = QStringLiteral("99.9, 75,90");
        if (redis) {
            if (RedisServer::binary().isEmpty()) {
                if (RedisServer::required())
                    QFAIL("redis-server is not installed and L2MET_REQUIRE_REDIS is set");
                QSKIP("redis-server is not installed: Redis case skipped");
            }
            if (!m_redis) {
                m_redis = std::make_unique<RedisServer>();
                QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
            }
            c.redisUrl = m_redis->url();
        }
        startEngine(c);
        const QByteArray tok = token(kCredentials);
        const qint64 window = QDateTime::currentSecsSinceEpoch() - 1; // resolution 1: ready at once
        QByteArray body;
        for (int v = 20; v >= 1; --v) // 1..20: s[15] = 16, s[18] = 19, s[floor(19.98)] = 20
            body += frame(window, "web.1", "measure#api.latency=" + QByteArray::number(v) + "ms");
        body += frame(window, "web.1", "count#hits=2 sample#rss=300MB");
        QCOMPARE(postLogs(tok, body, QStringLiteral("resolution=1")).status, 200);

        QTRY_COMPARE_WITH_TIMEOUT(m_librato->acceptedGauges().size(), 6, 10000);
        QHash<QString, QJsonObject> byName;
        for (const FakeLibrato::Gauge &g : m_librato->acceptedGauges())
            byName.insert(g.json.value(QLatin1String("name")).toString(), g.json);
        QCOMPARE(number(byName.value(QStringLiteral("api.latency")), "count"), 20.0);
        QCOMPARE(number(byName.value(QStringLiteral("api.latency.perc75")), "value"), 16.0);
        QCOMPARE(number(byName.value(QStringLiteral("api.latency.perc90")), "value"), 19.0);
        QCOMPARE(number(byName.value(QStringLiteral("api.latency.perc99_9")), "value"), 20.0);
        QVERIFY(!byName.contains(QStringLiteral("api.latency.median")));
        const auto attribute = [&](const char *name, const char *key) {
            return byName.value(QLatin1String(name)).value(QLatin1String("attributes")).toObject().value(QLatin1String(key));
        };
        QCOMPARE(attribute("api.latency.perc99_9", "l2met_type").toString(), QStringLiteral("measurement"));
        QCOMPARE(attribute("api.latency.perc99_9", "summarize_function").toString(), QStringLiteral("average"));
        QCOMPARE(attribute("hits", "summarize_function").toString(), QStringLiteral("sum"));
        QCOMPARE(attribute("hits", "aggregate").toBool(), true);
        QCOMPARE(attribute("rss", "summarize_function").toString(), QStringLiteral("max"));
        QCOMPARE(attribute("rss", "l2met_type").toString(), QStringLiteral("sample"));
        // The window's snapshot carries the same percentiles for the GUI.
        QCOMPARE(m_engine->snapshot()->percentiles.text(), QStringLiteral("75,90,99.9"));
    }

    void refusesBadPercentiles()
    {
        Config c = baseConfig(m_secrets, m_librato->url());
        c.percentiles = QStringLiteral("50,100");
        m_engine.reset();
        Engine engine(c);
        QString error;
        QVERIFY(!engine.start(&error));
        QVERIFY2(error.contains(QStringLiteral("percentiles")), qPrintable(error));
    }

    void prefixesRouterLateAndMalformed()
    {
        const QByteArray tok = token(kCredentials);
        const QByteArray tok2 = token(kCredentials2);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const qint64 t = now - 1;
        QByteArray body;
        body += frame(t, "router", "at=info method=GET path=\"/\" connect=1ms service=18ms status=200 bytes=13");
        body += frame(t, "web.1", "measure#a=1 source=web.1");
        body += frame(t, "web.1", "measure#bad=abc count#ok=1");          // one bad piece
        body += frame(t, "web.1", "measure#x=NaN");                      // invalid line
        body += frame(now - 600, "web.1", "measure#late=1");             // late: dropped
        body += "99 <134>garbage";                                      // wrong length: malformed frame
        body += frame(t, "web.1", "no metrics here");
        QCOMPARE(postLogs(tok, body, QStringLiteral("resolution=1&prefix=app&source-prefix=prod")).status, 200);
        QCOMPARE(postLogs(tok2, frame(t, "web.2", "count#b=4"), QStringLiteral("resolution=1")).status, 200);

        // router: 3 measurements (4 gauges each) and router.status.2xx.
        QTRY_COMPARE_WITH_TIMEOUT(m_librato->acceptedGauges().size(), 4 * 4 + 1 + 1 + 1, 10000);
        QHash<QString, QJsonObject> byName;
        QHash<QString, QByteArray> users;
        for (const FakeLibrato::Gauge &g : m_librato->acceptedGauges()) {
            byName.insert(g.json.value(QLatin1String("name")).toString(), g.json);
            users.insert(g.json.value(QLatin1String("name")).toString(), g.user);
        }
        QCOMPARE(number(byName.value(QStringLiteral("app.router.service")), "sum"), 18.0);
        QCOMPARE(number(byName.value(QStringLiteral("app.router.bytes")), "sum"), 13.0);
        QCOMPARE(number(byName.value(QStringLiteral("app.router.status.2xx")), "value"), 1.0);
        QCOMPARE(byName.value(QStringLiteral("app.router.connect")).value(QLatin1String("source")).toString(), QStringLiteral("prod"));
        QCOMPARE(byName.value(QStringLiteral("app.a")).value(QLatin1String("source")).toString(), QStringLiteral("prod.web.1"));
        QCOMPARE(number(byName.value(QStringLiteral("app.ok")), "value"), 1.0);
        QVERIFY(!byName.contains(QStringLiteral("app.late")));
        QVERIFY(!byName.contains(QStringLiteral("app.bad")));
        QCOMPARE(number(byName.value(QStringLiteral("b")), "value"), 4.0);
        QCOMPARE(users.value(QStringLiteral("b")), QByteArray("bob@example.com"));
        QCOMPARE(users.value(QStringLiteral("app.a")), QByteArray("alice@example.com"));

        const Metrics &m = m_engine->metrics();
        QTRY_COMPARE(m.value("lines_aggregated"), 4.0); // router, a, ok, bob's
        QCOMPARE(m.value("lines_invalid"), 1.0);
        QCOMPARE(m.value("lines_late"), 1.0);
        QCOMPARE(m.value("frames_malformed"), 1.0);
        QCOMPARE(m.value("lines_no_metrics"), 1.0);
        QCOMPARE(m.value("bad_value_not_number"), 1.0);
        QCOMPARE(m.value("bad_value_non_finite"), 1.0);
        QTRY_COMPARE(m.value("gauges_delivered"), 19.0);
    }

    void retriesThenDelivers()
    {
        const QByteArray tok = token(kCredentials);
        m_librato->failNext(1, 500);
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch() - 1, "web.1", "count#r=1"), QStringLiteral("resolution=1")).status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(m_librato->requests().size() >= 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_librato->acceptedGauges().size(), 1, 10000);
        QCOMPARE(m_librato->requests().size(), 2);
        QTRY_COMPARE(m_engine->metrics().value("gauges_retried_delivered"), 1.0);
        const auto snapshot = m_engine->snapshot();
        QCOMPARE(snapshot->delivery.size(), 1);
        QCOMPARE(snapshot->delivery.first().user, QByteArray("alice@example.com"));
        QCOMPARE(snapshot->delivery.first().gaugesRetriedDelivered, 1u);
    }

    void permanentAndExhaustedFailures()
    {
        const QByteArray tok = token(kCredentials);
        m_librato->failNext(1, 400);
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch() - 1, "web.1", "count#p=1"), QStringLiteral("resolution=1")).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->metrics().value("gauges_failed"), 1.0, 10000);
        QCOMPARE(m_librato->requests().size(), 1); // 400 is not retried

        m_librato->failNext(3, 503); // first attempt + 2 retries
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch() - 1, "web.1", "count#q=1"), QStringLiteral("resolution=1")).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->metrics().value("gauges_failed"), 2.0, 15000);
        QCOMPARE(m_librato->requests().size(), 4);
        QCOMPARE(m_librato->acceptedGauges().size(), 0);
    }

    void previewSendsNothing()
    {
        Config c = baseConfig(m_secrets, m_librato->url());
        c.preview = true;
        m_engine.reset();
        startEngine(c);
        const QByteArray tok = token(kCredentials);
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch() - 1, "web.1", "measure#pv=2ms"), QStringLiteral("resolution=1")).status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(!m_engine->snapshot()->previews.isEmpty(), 10000);
        const PreviewPayload p = m_engine->snapshot()->previews.first();
        QCOMPARE(p.user, QByteArray("alice@example.com"));
        QCOMPARE(p.gauges, 4);
        QVERIFY(p.json.contains("\"name\":\"pv\""));
        QVERIFY(!p.json.contains("alice-api-token"));
        QCOMPARE(m_librato->requests().size(), 0);
    }

    void snapshotsArePublished()
    {
        const QByteArray tok = token(kCredentials);
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch(), "web.1", "measure#snap=2ms measure#snap=4ms source=s1")).status, 200);
        // snapshotReady is emitted in l2met-snapshot. A QSignalSpy would
        // record it in that thread (its list races with this thread's
        // reads, ThreadSanitizer says), so take it queued, as the GUI does.
        std::shared_ptr<const EngineSnapshot> last;
        QObject receiver;
        connect(m_engine.get(), &Engine::snapshotReady, &receiver,
                [&last](std::shared_ptr<const EngineSnapshot> s) { last = std::move(s); }, Qt::QueuedConnection);
        m_engine->publishSnapshots(50);
        QTRY_VERIFY_WITH_TIMEOUT(last && !last->buckets.isEmpty(), 5000);
        QCOMPARE(last->port, m_engine->port());
        QCOMPARE(last->storeKind, QStringLiteral("memory"));
        const BucketSummary b = last->buckets.first();
        QCOMPARE(b.user, QByteArray("alice@example.com"));
        QCOMPARE(b.name, QByteArray("snap"));
        QCOMPARE(b.source, QByteArray("s1"));
        QCOMPARE(b.stats.count, 2);
        QCOMPARE(b.stats.max, 4.0);
        QVERIFY(last->metric(kLinesAggregated) >= 1);
        m_engine->publishSnapshots(0);
    }

    // The Buckets tab's query runs over every bucket, not the first
    // kMaxBuckets: a filter finds a bucket past them, a sort by a statistic
    // picks the top ones of all, and an id in the register and the store is
    // one bucket with both parts' values. The Metrics summary groups all.
    void bucketQueryCoversEveryBucket()
    {
        const int held = EngineSnapshot::kMaxBuckets * 2 + 123;
        MemoryStore store(4, [] { return qint64(1000); });
        Register reg;
        const auto makeId = [](const QByteArray &name, const QByteArray &token = "tok-a") {
            BucketId id;
            id.time = 600;
            id.resolution = 60;
            id.auth = token;
            id.name = name;
            id.source = "web.1";
            id.units = "ms";
            return id;
        };
        std::vector<Bucket> stored;
        for (int i = 0; i < held; ++i)
            stored.push_back(Bucket(makeId("aa.metric." + QByteArray::number(100000 + i)), { double(i % 1000) }));
        stored.push_back(Bucket(makeId("zz.needle"), { 1, 2 }));
        stored.push_back(Bucket(makeId("both.places"), { 10 }));
        QVERIFY(store.put(stored).ok());
        std::vector<Bucket> fresh { Bucket(makeId("both.places"), { 20, 30 }),
                                    Bucket(makeId("register.only", "tok-b"), { 5000 }) };
        reg.merge(fresh);

        BucketPass pass;
        pass.reg = &reg;
        pass.store = &store;
        pass.userOf = [](const QByteArray &token) { return token == "tok-a" ? QByteArray("alice") : QByteArray("bob"); };
        pass.limit = EngineSnapshot::kMaxBuckets;

        EngineSnapshot s;
        summariseBuckets(pass, s);
        const qint64 total = held + 3;
        QCOMPARE(s.bucketsTotal, total);
        QCOMPARE(s.bucketsMatched, total);
        QCOMPARE(s.buckets.size(), EngineSnapshot::kMaxBuckets);
        QVERIFY(!s.bucketsSampled);
        QCOMPARE(s.buckets.first().name, QByteArray("aa.metric.100000")); // by name, ascending
        for (int i = 1; i < s.buckets.size(); ++i)
            QVERIFY(s.buckets[i - 1].name < s.buckets[i].name);

        // A filter past the first kMaxBuckets; case-insensitive; every word.
        pass.query.filter = QStringLiteral("NEEDLE alice");
        summariseBuckets(pass, s);
        QCOMPARE(s.bucketsMatched, 1);
        QCOMPARE(s.bucketsTotal, total);
        QCOMPARE(s.buckets.size(), 1);
        QCOMPARE(s.buckets.first().name, QByteArray("zz.needle"));
        QCOMPARE(s.buckets.first().stats.count, 2);
        QCOMPARE(s.bucketQuery, pass.query);

        // By user: bob's only bucket is in the register.
        pass.query.filter = QStringLiteral("bob");
        summariseBuckets(pass, s);
        QCOMPARE(s.buckets.size(), 1);
        QCOMPARE(s.buckets.first().name, QByteArray("register.only"));
        QVERIFY(!s.buckets.first().inStore);

        // Stored and unflushed values of one id: one row, stored values first.
        pass.query.filter = QStringLiteral("both.places");
        summariseBuckets(pass, s);
        QCOMPARE(s.bucketsMatched, 1);
        QCOMPARE(s.buckets.first().stats.count, 3);
        QCOMPARE(s.buckets.first().stats.sum, 60.0);
        QCOMPARE(s.buckets.first().stats.last, 30.0);
        QVERIFY(s.buckets.first().inStore);

        // By a statistic over every bucket: the largest maxima first.
        pass.query = BucketQuery {};
        pass.query.sortKey = BucketSortKey::Max;
        pass.query.order = Qt::DescendingOrder;
        summariseBuckets(pass, s);
        QCOMPARE(s.buckets.size(), EngineSnapshot::kMaxBuckets);
        QCOMPARE(s.buckets[0].name, QByteArray("register.only")); // 5000, in the register
        QCOMPARE(s.buckets[1].stats.max, 999.0);
        QCOMPARE(s.buckets[1].name, QByteArray("aa.metric.100999")); // ties by name
        for (int i = 1; i < s.buckets.size(); ++i)
            QVERIFY(s.buckets[i - 1].stats.max >= s.buckets[i].stats.max);
        // The same buckets give the same rows (ties broken by identity).
        EngineSnapshot again;
        summariseBuckets(pass, again);
        QCOMPARE(again.buckets.size(), s.buckets.size());
        for (int i = 0; i < s.buckets.size(); ++i)
            QCOMPARE(again.buckets[i].name, s.buckets[i].name);

        // The Metrics summary counts every bucket, register included.
        QCOMPARE(s.metricSummary.totalBuckets, total);
        QCOMPARE(s.metricSummary.patterns.first().pattern, QByteArray("aa.metric.#"));
        QCOMPARE(s.metricSummary.patterns.first().names, held);
        QVERIFY(s.metricSummary.patterns.first().idsInNames);
    }

    // The engine applies the query it was given to the snapshots it builds.
    void engineAppliesBucketQuery()
    {
        const QByteArray tok = token(kCredentials);
        const qint64 now = QDateTime::currentSecsSinceEpoch() + 3600;
        QCOMPARE(postLogs(tok, frame(now, "web.1", "measure#keep.me=2ms measure#drop.me=4ms source=s1"),
                          QStringLiteral("resolution=3600"))
                     .status,
                 200);
        QTRY_COMPARE(m_engine->snapshot()->bucketsTotal, 2);
        BucketQuery q;
        q.filter = QStringLiteral("keep");
        m_engine->setBucketQuery(q);
        QCOMPARE(m_engine->bucketQuery(), q);
        const auto s = m_engine->snapshot();
        QCOMPARE(s->bucketsMatched, 1);
        QCOMPARE(s->buckets.size(), 1);
        QCOMPARE(s->buckets.first().name, QByteArray("keep.me"));
        QCOMPARE(s->metricSummary.totalNames, 2);
    }

    void readerAcknowledgesOnlyAfterDelivery()
    {
        ReaderRig rig(60000);
        const Bucket a = readyBucket("a", { 1, 2 });
        QVERIFY(rig.store.put({ a }).ok());
        std::atomic<qint64> acknowledged { -1 };
        rig.scan(&acknowledged);
        QTRY_COMPARE(rig.delivered(), size_t(1));
        QCOMPARE(rig.buckets(0).size(), size_t(1));
        // On its way: still in the store, its partition locked.
        QTest::qWait(50);
        QCOMPARE(acknowledged.load(), -1);
        QCOMPARE(rig.store.stats().values, 2);
        QCOMPARE(rig.partition().lockOwner, QByteArray("rig"));
        QVERIFY(rig.store.put({ Bucket(a.id(), { 3 }) }).ok()); // arrives meanwhile

        rig.done(0);
        QTRY_COMPARE(acknowledged.load(), 1);
        QCOMPARE(rig.store.stats().values, 1); // the value put meanwhile stays
        QVERIFY(rig.partition().lockOwner.isEmpty());
        QCOMPARE(rig.metrics.value("buckets_acknowledged"), 1.0);
        QCOMPARE(rig.reader->scans().value(0).lastTaken, 1);

        rig.scan(&acknowledged); // and is delivered by the next scan
        QTRY_COMPARE(rig.delivered(), size_t(2));
        QCOMPARE(rig.buckets(1).front().values(), std::vector<double> { 3 });
        rig.done(1);
        QTRY_COMPARE(acknowledged.load(), 1);
        QCOMPARE(rig.store.stats().buckets, 0);
    }

    void readerTimeoutDeliversAgain()
    {
        ReaderRig rig(300);
        QVERIFY(rig.store.put({ readyBucket("a", { 1, 2 }) }).ok());
        std::atomic<qint64> acknowledged { -1 };
        QElapsedTimer timer;
        timer.start();
        rig.scan(&acknowledged);
        QTRY_COMPARE(acknowledged.load(), 0); // never done: given up on
        QVERIFY(timer.elapsed() >= 290);
        QCOMPARE(rig.metrics.value("reader_delivery_timeouts"), 1.0);
        QCOMPARE(rig.store.stats().values, 2);
        QVERIFY(rig.partition().lockOwner.isEmpty());

        rig.scan(&acknowledged); // read again, whole
        QTRY_COMPARE(rig.delivered(), size_t(2));
        QCOMPARE(rig.buckets(1).front().values(), (std::vector<double> { 1, 2 }));
        rig.done(1);
        QTRY_COMPARE(acknowledged.load(), 1);
        QCOMPARE(rig.store.stats().buckets, 0);
        rig.done(0); // the first delivery ends late: nothing more happens
        QVERIFY(rig.store.put({ readyBucket("b", { 4 }) }).ok());
        QTest::qWait(50);
        QCOMPARE(rig.store.stats().values, 1);
    }

    void readerKeepsItsLockAliveAndStopsWhenItIsLost()
    {
        ReaderRig rig(60000);
        QVERIFY(rig.store.put({ readyBucket("a", { 1, 2 }) }).ok());
        std::atomic<qint64> acknowledged { -1 };
        rig.scan(&acknowledged);
        QTRY_COMPARE(rig.delivered(), size_t(1));
        // ttl 5 s, refreshed after 1.67 s: at 2 s well over 3 s are left.
        QTest::qWait(2000);
        QCOMPARE(acknowledged.load(), -1);
        QVERIFY2(rig.partition().lockTtlMs > 3400, qPrintable(QString::number(rig.partition().lockTtlMs)));

        // As if the lock had run out and another reader had taken it.
        QVERIFY(*rig.store.unlockPartition(0, "rig").value);
        QVERIFY(*rig.store.lockPartition(0, "thief", 60000).value);
        QTRY_COMPARE_WITH_TIMEOUT(acknowledged.load(), 0, 3000); // the next refresh finds out
        QCOMPARE(rig.metrics.value("reader_lock_lost"), 1.0);
        rig.done(0);
        QTest::qWait(50);
        QCOMPARE(rig.store.stats().values, 2); // nothing acknowledged
        QCOMPARE(rig.partition().lockOwner, QByteArray("thief"));
    }

    void readerFinishByStopsWaiting()
    {
        ReaderRig rig(60000);
        QVERIFY(rig.store.put({ readyBucket("a", { 1 }) }).ok());
        std::atomic<qint64> acknowledged { -1 };
        rig.scan(&acknowledged);
        QTRY_COMPARE(rig.delivered(), size_t(1));
        QElapsedTimer timer;
        timer.start();
        rig.reader->finishBy(QDeadlineTimer(100));
        QTRY_COMPARE(acknowledged.load(), 0);
        QVERIFY(timer.elapsed() < 1000);
        QCOMPARE(rig.store.stats().values, 1);
        QVERIFY(rig.partition().lockOwner.isEmpty());
    }

    void shutdownDeliversWhatWasAccepted()
    {
        const QByteArray tok = token(kCredentials);
        // Resolution 60, stamped now: not ready for up to a minute. A
        // shutdown must still deliver it (the memory store dies with us).
        QCOMPARE(postLogs(tok, frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#bye=5")).status, 200);
        m_engine->shutdown(10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_librato->acceptedGauges().size(), 1, 5000);
        QCOMPARE(number(m_librato->acceptedGauges().first().json, "value"), 5.0);
    }
};

QTEST_GUILESS_MAIN(TstEngine)
#include "tst_engine.moc"
