// A fleet around one Redis (docs/behaviour.md section 6): l2met processes in the roles
// operators run, a real redis-server and a fake Librato, all on loopback.
// A known corpus is posted across the receivers; the fake Librato must get
// every bucket exactly once with the right statistics, also when an outlet
// is killed with SIGKILL (idle, or holding a lock with its request to
// Librato unanswered), when a dead process left a partition locked, and
// when Redis is paused under load, and over rediss:// (TLS) as an ACL user.
#include "auth/fernet.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "redisacl.h"
#include "redisserver.h"
#include "store/rediskeys.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>

using namespace l2met;
using namespace l2met::test;

namespace {

constexpr int kPartitions = 4;
constexpr int kResolution = 5;


struct Expected
{
    qint64 count = 0;
    double sum = 0;
};

} // namespace

class TstFleet : public QObject
{
    Q_OBJECT

private:
    static constexpr const char *kAclUser = "l2met-fleet";
    static constexpr const char *kAclPassword = "fleet-pa55word";
    std::unique_ptr<RedisServer> m_redis;
    bool m_tls = false;
    std::unique_ptr<FakeLibrato> m_librato;
    QTemporaryDir m_dir;
    QByteArray m_secrets;
    QByteArray m_token;
    std::vector<std::unique_ptr<QProcess>> m_processes;
    QList<quint16> m_receiverPorts;
    QList<quint16> m_outletPorts;
    std::map<QString, Expected> m_expected; // "name|source" -> count, sum
    int m_serial = 0;
    qint64 m_window = 0;

    QProcess *spawn(const QStringList &roleArgs, quint16 port)
    {
        auto p = std::make_unique<QProcess>();
        p->setProgram(QStringLiteral(L2MET_BINARY));
        QStringList args { QStringLiteral("--no-gui"),
                           QStringLiteral("--config"), m_dir.filePath(QStringLiteral("l2met-%1.conf").arg(++m_serial)),
                           QStringLiteral("--secrets"), QString::fromLatin1(m_secrets),
                           QStringLiteral("--redis-url"), redisUrl(),
                           QStringLiteral("-partitions"), QString::number(kPartitions),
                           QStringLiteral("-port"), QString::number(port),
                           QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                           QStringLiteral("--librato-url"), m_librato->url().toString(),
                           QStringLiteral("-flush-interval"), QStringLiteral("100ms"),
                           QStringLiteral("-outlet-interval"), QStringLiteral("100ms") };
        if (m_tls)
            args << QStringLiteral("--redis-ca") << m_redis->caFile();
        p->setArguments(args + roleArgs);
        p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p->start();
        if (!p->waitForStarted(10000))
            qFatal("l2met did not start");
        m_processes.push_back(std::move(p));
        return m_processes.back().get();
    }

    // Plain TCP, or for the TLS test rediss:// as an ACL user with the
    // least rights the README documents, checked against the test CA.
    QString redisUrl() const
    {
        if (!m_tls)
            return m_redis->url();
        return m_redis->tlsUrl(QString::fromLatin1(kAclUser), QString::fromLatin1(kAclPassword));
    }

    // Two receivers and `outlets` outlet processes.
    void startFleet(int outlets = 2)
    {
        for (int i = 0; i < 2; ++i) {
            const quint16 port = freePort();
            spawn({ QStringLiteral("-receiver") }, port);
            m_receiverPorts << port;
        }
        for (int i = 0; i < outlets; ++i) {
            const quint16 port = freePort();
            spawn({ QStringLiteral("-outlet") }, port);
            m_outletPorts << port;
        }
        // Every process serves /health, outlets too.
        for (const quint16 port : m_receiverPorts + m_outletPorts)
            QTRY_COMPARE_WITH_TIMEOUT(http("GET", QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port))).status, 200, 10000);
    }

    // Posts like logplex: a 503 is retried until it is accepted.
    void post(int receiver, const QByteArray &body)
    {
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/logs?resolution=%2").arg(m_receiverPorts[receiver % m_receiverPorts.size()]).arg(kResolution));
        for (int attempt = 0; attempt < 200; ++attempt) {
            const HttpAnswer answer = http("POST", url, body, { { "Authorization", basicAuth(m_token) } });
            const int status = answer.status;
            if (status == 200)
                return;
            if (attempt == 0)
                qInfo() << "retrying a body:" << status << answer.body.trimmed();
            QVERIFY2(status == 503 || status == 0, qPrintable(QString::number(status)));
            QTest::qWait(50); // logplex's retry back-off
        }
        QFAIL("a body was never accepted");
    }

    // A body of 100 lines, all in one window a little ahead (the furthest
    // recv-deadline accepts), so that the whole corpus is stored before the
    // window is ready and each bucket is delivered as one gauge: metrics
    // m<batch>.<k> over four sources, with values the test adds up itself.
    QByteArray body(int batch)
    {
        if (m_window == 0)
            m_window = (QDateTime::currentSecsSinceEpoch() / kResolution) * kResolution + 2 * kResolution;
        const qint64 t = m_window + 1;
        QByteArray out;
        for (int i = 0; i < 100; ++i) {
            const QByteArray name = "fleet.m" + QByteArray::number(batch % 7) + '.' + QByteArray::number(i % 5);
            const QByteArray source = "s" + QByteArray::number(i % 4);
            const double value = batch * 100 + i;
            out += frame(t, "web.1", "measure#" + name + '=' + QByteArray::number(value) + "ms source=" + source);
            Expected &e = m_expected[QString::fromLatin1(name + '|' + source)];
            ++e.count;
            e.sum += value;
        }
        return out;
    }

    // Waits until Redis holds no bucket and Librato got every expected
    // metric, then checks each arrived exactly once with the right numbers.
    void verifyExactlyOnce()
    {
        RedisClient redis(m_redis->port());
        const auto complexGauges = [this] {
            QHash<QString, QList<QJsonObject>> seen;
            for (const FakeLibrato::Gauge &g : m_librato->acceptedGauges()) {
                if (g.json.contains(QLatin1String("count")))
                    seen[g.json.value(QLatin1String("name")).toString() + u'|'
                         + g.json.value(QLatin1String("source")).toString()].append(g.json);
            }
            return seen;
        };
        QTRY_COMPARE_WITH_TIMEOUT(redis.command({ "KEYS", RedisKeys::bucketPrefix() + '*' }).elements.size(), 0, 40000);
        // Every outlet scans every 100 ms; once Redis is empty, what was
        // taken is on its way: wait for the totals to add up.
        const auto totalCount = [&] {
            qint64 n = 0;
            for (const auto &list : complexGauges())
                for (const QJsonObject &g : list)
                    n += qint64(g.value(QLatin1String("count")).toDouble());
            return n;
        };
        qint64 expectedTotal = 0;
        for (const auto &[key, e] : m_expected)
            expectedTotal += e.count;
        QTRY_COMPARE_WITH_TIMEOUT(totalCount(), expectedTotal, 30000);
        const QHash<QString, QList<QJsonObject>> seen = complexGauges();
        for (const auto &[key, e] : m_expected) {
            const QList<QJsonObject> gauges = seen.value(key);
            QVERIFY2(!gauges.isEmpty(), qPrintable(key));
            QSet<double> windows;
            qint64 count = 0;
            double sum = 0;
            for (const QJsonObject &g : gauges) {
                const double window = g.value(QLatin1String("measure_time")).toDouble();
                QVERIFY2(!windows.contains(window), qPrintable(key + QStringLiteral(" delivered twice")));
                windows.insert(window);
                count += qint64(g.value(QLatin1String("count")).toDouble());
                sum += g.value(QLatin1String("sum")).toDouble();
            }
            QCOMPARE(count, e.count);
            QCOMPARE(sum, e.sum);
        }
    }

private Q_SLOTS:
    void init()
    {
        if (RedisServer::binary().isEmpty())
            QSKIP("redis-server is not installed (packaging/install-deps.sh --test installs it)");
        m_tls = QByteArray(QTest::currentTestFunction()).contains("Tls");
        m_redis = std::make_unique<RedisServer>(QStringList(),
                                                m_tls ? RedisServer::Transport::PlainAndTls
                                                      : RedisServer::Transport::Plain);
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        if (m_tls) {
            QString error;
            QVERIFY2(addAclUser(*m_redis, kAclUser, kAclPassword, l2metAclRules(), &error),
                     qPrintable(error));
        }
        m_librato = std::make_unique<FakeLibrato>();
        m_secrets = Fernet::generateKey();
        m_token = Fernet(*Fernet::parseKeys(m_secrets)).encrypt("fleet@example.com:fleet-api-token");
        m_expected.clear();
        m_receiverPorts.clear();
        m_outletPorts.clear();
        m_window = 0;
    }
    void cleanup()
    {
        for (auto &p : m_processes) {
            if (p->state() != QProcess::NotRunning) {
                p->terminate();
                QTRY_COMPARE_WITH_TIMEOUT(p->state(), QProcess::NotRunning, 20000);
            }
        }
        m_processes.clear();
        m_librato.reset();
        m_redis.reset();
    }

    void twoReceiversTwoOutletsExactlyOnce()
    {
        startFleet();
        for (int batch = 0; batch < 40; ++batch)
            post(batch, body(batch));
        verifyExactlyOnce();

        // The outlets are monitored like any process: /metrics of each one,
        // whose delivery counters add up to what Librato accepted; /logs and
        // /sign only where the receiver runs.
        double delivered = 0;
        for (const quint16 port : std::as_const(m_outletPorts)) {
            const QString base = QStringLiteral("http://127.0.0.1:%1").arg(port);
            const HttpAnswer metrics = http("GET", QUrl(base + u"/metrics"_qs));
            QCOMPARE(metrics.status, 200);
            const QMap<QByteArray, double> values = parsePrometheus(metrics.body);
            QCOMPARE(values.value("partitions", -1), double(kPartitions));
            QCOMPARE(values.value("store_healthy", -1), 1.0);
            QVERIFY(values.contains("partitions_locked"));
            QCOMPARE(values.value("gauges_failed", -1), 0.0);
            QVERIFY2(!values.contains("lines_received"), "an outlet has no parsers");
            delivered += values.value("gauges_delivered") + values.value("gauges_retried_delivered");
            const HttpAnswer logs = http("POST", QUrl(base + u"/logs"_qs), body(99),
                                         { { "Authorization", basicAuth(m_token) } });
            QCOMPARE(logs.status, 404);
            QVERIFY2(logs.body.contains("does not run the receiver"), logs.body.constData());
            QCOMPARE(http("POST", QUrl(base + u"/sign"_qs), "u:t").status, 404);
        }
        QCOMPARE(delivered, double(m_librato->acceptedGauges().size()));
    }

    // The same fleet over rediss:// (TLS, certificate and host name checked
    // against the test CA) as a Redis ACL user with the least rights.
    void overTlsAsAclUserExactlyOnce()
    {
        startFleet();
        for (int batch = 0; batch < 40; ++batch)
            post(batch, body(batch));
        verifyExactlyOnce();
        RedisClient client(m_redis->port());
        const RedisValue clients = client.command({ "CLIENT", "LIST" });
        QVERIFY2(clients.string.contains(QByteArray(QByteArray("user=") + kAclUser)), clients.string.constData());
    }

    void killedOutletAndDeadLockLoseNothing()
    {
        startFleet();
        for (int batch = 0; batch < 20; ++batch)
            post(batch, body(batch));
        // One outlet dies mid-work, another process died holding a lock.
        QProcess *victim = m_processes[2].get();
        ::kill(pid_t(victim->processId()), SIGKILL);
        QTRY_COMPARE(victim->state(), QProcess::NotRunning);
        RedisClient redis(m_redis->port());
        QCOMPARE(redis.command({ "SET", RedisKeys::lock(2), "dead-process", "PX", "1500" }).string, QByteArray("OK"));
        for (int batch = 20; batch < 40; ++batch)
            post(batch, body(batch));
        verifyExactlyOnce();
    }

    void redisPausedUnderLoad()
    {
        startFleet();
        for (int batch = 0; batch < 10; ++batch)
            post(batch, body(batch));
        m_redis->pause();
        QElapsedTimer paused;
        paused.start();
        int batch = 10;
        while (paused.elapsed() < 3000)
            post(batch, body(batch)), ++batch;
        m_redis->resume();
        for (int end = batch + 10; batch < end; ++batch)
            post(batch, body(batch));
        verifyExactlyOnce();
    }

    void outletKilledMidDeliveryLosesNothing()
    {
        // The promise of acknowledge after delivery: an outlet killed while
        // it holds a partition's lock, its request sent but not answered,
        // loses nothing. The buckets stay in Redis until Librato answers 2xx;
        // the lock expires and another outlet delivers them, once.
        startFleet(0);
        for (int batch = 0; batch < 20; ++batch)
            post(batch, body(batch));
        m_librato->stallNext(1); // the first request is read and never answered
        QProcess *victim = spawn({ QStringLiteral("-outlet") }, freePort());
        const auto stalled = [this] {
            QJsonArray gauges;
            for (const FakeLibrato::Request &r : m_librato->requests()) {
                if (r.status == 0 && r.user == "fleet@example.com")
                    gauges = r.json.value(QLatin1String("gauges")).toArray();
            }
            return gauges;
        };
        // Up to the window's end and a scan: the victim read the partitions,
        // delivered them, and holds the lock of the one whose request stalls
        // while it waits for Librato. The kill waits until the other
        // partitions are acknowledged and unlocked (a kill between their 2xx
        // and their acknowledgement would deliver them twice: at least
        // once). The stalled request's retry comes after outlet-ttl (2 s):
        // the kill is well before.
        RedisClient redis(m_redis->port());
        const auto locks = [&redis] { return redis.command({ "KEYS", RedisKeys::lockPrefix() + '*' }).strings(); };
        QTRY_VERIFY_WITH_TIMEOUT(!stalled().isEmpty() && locks().size() == 1, 30000);
        ::kill(pid_t(victim->processId()), SIGKILL);
        QElapsedTimer sinceKill;
        sinceKill.start();
        QTRY_COMPARE(victim->state(), QProcess::NotRunning);
        QList<QJsonObject> unanswered;
        for (const QJsonValue &g : stalled())
            unanswered.append(g.toObject());
        QVERIFY(!unanswered.isEmpty());

        // Its lock is still held and its buckets are still there: nothing
        // was acknowledged before an answer.
        const QList<QByteArray> held = locks();
        QCOMPARE(held.size(), 1);
        QVERIFY(redis.command({ "PTTL", held.first() }).integer > 0);
        QVERIFY(!redis.command({ "KEYS", RedisKeys::bucketPrefix() + '*' }).strings().isEmpty());

        // A new outlet takes the partition over once the lock expires.
        spawn({ QStringLiteral("-outlet") }, freePort());
        QTRY_VERIFY_WITH_TIMEOUT(redis.command({ "KEYS", RedisKeys::bucketPrefix() + '*' }).strings().isEmpty(), 30000);
        const qint64 takeoverMs = sinceKill.elapsed();
        verifyExactlyOnce();
        // The gauges of the unanswered request arrived afterwards, once each.
        const QList<FakeLibrato::Gauge> accepted = m_librato->acceptedGauges();
        for (const QJsonObject &gauge : std::as_const(unanswered)) {
            const qsizetype times = std::count_if(accepted.cbegin(), accepted.cend(),
                                                  [&gauge](const FakeLibrato::Gauge &g) { return g.json == gauge; });
            QVERIFY2(times == 1, qPrintable(gauge.value(QLatin1String("name")).toString()));
        }
        qDebug("at=fleet.takeover unanswered_gauges=%lld takeover_ms=%lld", qint64(unanswered.size()),
               takeoverMs);
    }
};

QTEST_GUILESS_MAIN(TstFleet)
#include "tst_fleet.moc"
