// Cardinality (docs/behaviour.md section 10): --max-series per drain and
// window, and the --max-buckets memory budget, end to end through the real
// receiver, parsers and store over real sockets; and the SeriesLimiter on
// its own.
#include "auth/fernet.h"
#include "engine/engine.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "metrics/problem.h"
#include "parser/serieslimiter.h"
#include "redisserver.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <limits>
#include <memory>

using namespace l2met;
using namespace l2met::test;

namespace {

// The value of a labelled sample of /metrics, e.g.
// series_dropped_by_user{user="a"}; 0 when absent.
double labelled(const QByteArray &metricsText, const QByteArray &nameAndLabels)
{
    const QByteArray key = "l2met_" + nameAndLabels + ' ';
    for (const QByteArray &line : metricsText.split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).toDouble();
    }
    return 0;
}

struct Running
{
    std::unique_ptr<RedisServer> redis;
    std::unique_ptr<FakeLibrato> librato;
    std::unique_ptr<Engine> engine;
    QString base;
    QByteArray secret;

    QByteArray sign(const QByteArray &credentials) const
    {
        const HttpAnswer token = http("POST", QUrl(base + QStringLiteral("/sign")), credentials,
                                      { { "Authorization", basicAuth(secret) } });
        return token.status == 200 ? token.body : QByteArray();
    }
    HttpAnswer post(const QByteArray &token, const QByteArray &body, int resolution) const
    {
        return http("POST", QUrl(base + QStringLiteral("/logs?resolution=%1").arg(resolution)), body,
                    { { "Authorization", basicAuth(token) } });
    }
    // post(), and when the inbox is full (posting outran the parsers, as
    // under sanitizers), again once the inbox is empty.
    HttpAnswer postPatiently(const QByteArray &token, const QByteArray &body, int resolution) const
    {
        HttpAnswer answer = post(token, body, resolution);
        for (int attempt = 0; attempt < 10 && answer.status == 503 && answer.body.contains("inbox full"); ++attempt) {
            QElapsedTimer waited;
            waited.start();
            while (metrics().value("inbox_depth") > 0 && waited.elapsed() < 30000)
                QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            answer = post(token, body, resolution);
        }
        return answer;
    }
    QByteArray metricsText() const { return http("GET", QUrl(base + QStringLiteral("/metrics"))).body; }
    QMap<QByteArray, double> metrics() const { return parsePrometheus(metricsText()); }
};

// Starts an engine (and a redis-server first, for the redis store: never
// fork one while engine threads run).
bool start(Running *r, const QString &store, Config config, QString *error)
{
    if (store == QLatin1String("redis")) {
        r->redis = std::make_unique<RedisServer>();
        if (!r->redis->start()) {
            *error = r->redis->errorString();
            return false;
        }
        config.redisUrl = r->redis->url();
    }
    r->librato = std::make_unique<FakeLibrato>();
    r->secret = Fernet::generateKey();
    config.bind = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.secrets = r->secret;
    config.libratoUrl = r->librato->url().toString();
    config.flushIntervalMs = 50;
    config.outletIntervalMs = 50;
    r->engine = std::make_unique<Engine>(config);
    if (!r->engine->start(error))
        return false;
    r->base = QStringLiteral("http://127.0.0.1:%1").arg(r->engine->port());
    return true;
}

} // namespace

class Tst_cardinality : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void limiterAdmitsKnownSeriesAndRefusesNewOnes();
    void limiterForgetsOldWindows();
    void seriesLimitPerDrain_data();
    void seriesLimitPerDrain();
    void bucketBudgetAnswers503UntilDelivered();
    void bucketBudgetBoundsMillionsOfSeries();
};

void Tst_cardinality::limiterAdmitsKnownSeriesAndRefusesNewOnes()
{
    SeriesLimiter limiter(3);
    const SeriesLimiter::Window a { "token-a", 60, 600, 2 };
    const SeriesLimiter::Window b { "token-b", 60, 600, 2 };
    for (std::uint64_t h = 1; h <= 3; ++h)
        QVERIFY(limiter.admit(a, "alice", h, "user.1.latency"));
    QVERIFY(!limiter.admit(a, "alice", 4, "user.48213.latency"));
    QVERIFY(!limiter.admit(a, "alice", 5, "order.9f1c.created"));
    QVERIFY(!limiter.admit(a, "alice", 6, "user.7.latency"));
    QVERIFY(limiter.admit(a, "alice", 2, "user.1.latency")); // known: still updates
    QVERIFY(limiter.admit(b, "bob", 4, "user.48213.latency")); // another drain has its own room
    // Another window or resolution of the same drain starts again.
    QVERIFY(limiter.admit(SeriesLimiter::Window { "token-a", 60, 660, 2 }, "alice", 4, "x"));
    QVERIFY(limiter.admit(SeriesLimiter::Window { "token-a", 1, 600, 2 }, "alice", 4, "x"));

    std::vector<SeriesLimiter::Overflow> overflows = limiter.takeOverflows(100);
    QCOMPARE(overflows.size(), size_t(1));
    const SeriesLimiter::Overflow &o = overflows.front();
    QCOMPARE(o.user, QByteArray("alice")); // the user, never the token
    QCOMPARE(o.time, 600);
    QCOMPARE(o.refused, 3u);
    QCOMPARE(o.newlyRefused, 3u);
    QCOMPARE(o.patterns.size(), 2);
    QCOMPARE(o.patterns[0], qMakePair(QByteArray("user.#.latency"), quint64(2)));
    QCOMPARE(o.patterns[1], qMakePair(QByteArray("order.#.created"), quint64(1)));
    // Reported once per interval: nothing new, then nothing within 10 s,
    // then the new refusals.
    QVERIFY(limiter.takeOverflows(101).empty());
    QVERIFY(!limiter.admit(a, "alice", 9, "user.9.latency"));
    QVERIFY(limiter.takeOverflows(105).empty());
    overflows = limiter.takeOverflows(111);
    QCOMPARE(overflows.size(), size_t(1));
    QCOMPARE(overflows.front().refused, 4u);
    QCOMPARE(overflows.front().newlyRefused, 1u);

    SeriesLimiter unlimited(0);
    for (std::uint64_t h = 1; h <= 1000; ++h)
        QVERIFY(unlimited.admit(a, "alice", h, "n"));
    QCOMPARE(unlimited.windows(), 0);
}

void Tst_cardinality::limiterForgetsOldWindows()
{
    SeriesLimiter limiter(10);
    // Windows a minute apart: each new one forgets those that can no longer
    // take lines (older than (2 x recv-deadline + 2) resolutions).
    for (qint64 w = 0; w < 100; ++w)
        QVERIFY(limiter.admit(SeriesLimiter::Window { "t", 60, w * 60, 2 }, "u", 1, "n"));
    QVERIFY2(limiter.windows() <= 7, qPrintable(QString::number(limiter.windows())));
    QVERIFY(limiter.windows() >= 6); // the last six still take late lines
}

void Tst_cardinality::seriesLimitPerDrain_data()
{
    QTest::addColumn<QString>("store");
    QTest::addColumn<int>("lines");
    QTest::addColumn<int>("maxSeries");
    // The default limit against 2M distinct series from one drain.
    QTest::newRow("memory, 2M series") << QStringLiteral("memory") << 2000000 << 10000;
    QTest::newRow("redis") << QStringLiteral("redis") << 40000 << 1000;
}

void Tst_cardinality::seriesLimitPerDrain()
{
    QFETCH(QString, store);
    QFETCH(int, lines);
    QFETCH(int, maxSeries);
    Running r;
    Config config;
    config.maxSeries = maxSeries;
    QString error;
    if (!start(&r, store, config, &error)) {
        if (store == QLatin1String("redis") && !RedisServer::required())
            QSKIP(qPrintable(error));
        QFAIL(qPrintable(error));
    }
    const QByteArray careless = r.sign("careless@example.com:careless-token");
    const QByteArray careful = r.sign("careful@example.com:careful-token");
    QVERIFY(!careless.isEmpty() && !careful.isEmpty());

    const qint64 rssBefore = rssBytes();
    // The careless drain: a user id in every name, all in one 60 s window.
    // The careful drain posts between its bodies, at resolution 1 so that
    // its buckets are delivered while the test runs.
    const qint64 stamp = QDateTime::currentSecsSinceEpoch();
    constexpr int kPerBody = 20000;
    int carefulLines = 0;
    for (int first = 0; first < lines; first += kPerBody) {
        QByteArray body;
        body.reserve(kPerBody * 90);
        for (int i = first; i < std::min(lines, first + kPerBody); ++i)
            body += frame(stamp, "web.1", "count#user." + QByteArray::number(i) + ".signup=1");
        QCOMPARE(r.postPatiently(careless, body, 60).status, 200);
        QByteArray calm;
        for (int i = 0; i < 5; ++i)
            calm += frame(QDateTime::currentSecsSinceEpoch() - 1, "web.1",
                          "count#orders.created=1 measure#db.latency=" + QByteArray::number(i + 1) + "ms");
        QCOMPARE(r.postPatiently(careful, calm, 1).status, 200);
        carefulLines += 5;
    }
    const quint64 refused = quint64(lines - maxSeries);
    QTRY_COMPARE_WITH_TIMEOUT(quint64(r.metrics().value("lines_received")), quint64(lines + carefulLines), 60000);
    const QMap<QByteArray, double> m = r.metrics();
    QCOMPARE(quint64(m.value("series_dropped")), refused);
    QCOMPARE(quint64(m.value("lines_series_dropped")), refused);
    QCOMPARE(quint64(m.value("lines_aggregated")), quint64(maxSeries + carefulLines));
    const QByteArray text = r.metricsText();
    QCOMPARE(quint64(labelled(text, "series_dropped_by_user{user=\"careless@example.com\"}")), refused);
    QCOMPARE(labelled(text, "series_dropped_by_user{user=\"careful@example.com\"}"), 0.0);

    // The careful drain lost nothing: every count reaches Librato.
    const auto delivered = [&r] {
        double orders = 0;
        for (const FakeLibrato::Gauge &g : r.librato->acceptedGauges()) {
            if (g.json.value(QLatin1String("name")).toString() == QLatin1String("orders.created"))
                orders += g.json.value(QLatin1String("value")).toDouble();
        }
        return int(orders);
    };
    QTRY_COMPARE_WITH_TIMEOUT(delivered(), carefulLines, 20000);

    // The Problems view names the drain (its user, not its token) and the
    // pattern that overflowed.
    const std::shared_ptr<const EngineSnapshot> snapshot = r.engine->snapshot();
    bool named = false;
    for (const Problem &p : snapshot->problems) {
        QVERIFY(!p.detail.contains(careless));
        if (p.kind == "series_limit" && p.user == "careless@example.com" && p.detail.contains("user.#.signup"))
            named = true;
    }
    QVERIFY(named);

    // Memory: the careless drain costs at most --max-series buckets, not
    // one per line (2M single-value buckets took ~3 GiB before the limit).
    const qint64 grown = rssBytes() - rssBefore;
    qInfo("RSS grew by %lld KiB over %d lines", grown / 1024, lines);
    if (store == QLatin1String("memory") && !kSanitized)
        QVERIFY2(grown < 192LL << 20, qPrintable(QString::number(grown)));
    QCOMPARE(r.engine->bucketsHeld() <= qint64(maxSeries) + 2 * carefulLines, true);
}

void Tst_cardinality::bucketBudgetAnswers503UntilDelivered()
{
    Running r;
    Config config;
    config.maxSeries = 0; // no series limit: the budget alone
    config.maxBuckets = 1000;
    config.outletRetry = 20; // Librato answers 429 for a while: keep trying
    QString error;
    QVERIFY2(start(&r, QStringLiteral("memory"), config, &error), qPrintable(error));
    const QByteArray token = r.sign("alice@example.com:alice-token");

    // 3,000 buckets at resolution 1: accepted (the budget is checked before
    // a body, not inside it), then held until the outlet delivers them.
    const qint64 t = QDateTime::currentSecsSinceEpoch() - 1;
    QByteArray body;
    for (int i = 0; i < 3000; ++i)
        body += frame(t, "web.1", "count#job." + QByteArray::number(i) + ".done=1");
    // Librato answers 429 (retry after a second): the buckets stay, read but
    // not acknowledged, and the budget stays reached.
    r.librato->setPolicy([](const FakeLibrato::Request &) {
        return std::optional<FakeLibrato::Fault>(FakeLibrato::Fault { false, 429, "1" });
    });
    QCOMPARE(r.post(token, body, 1).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(r.engine->bucketsHeld() >= 1000, 10000);

    const HttpAnswer refused = r.post(token, frame(t, "web.1", "count#other=1"), 1);
    QCOMPARE(refused.status, 503);
    QVERIFY2(refused.body.contains("--max-buckets"), refused.body.constData());
    const HttpAnswer health = http("GET", QUrl(r.base + QStringLiteral("/health")));
    QCOMPARE(health.status, 503);
    QVERIFY2(health.body.contains("--max-buckets budget of 1000"), health.body.constData());

    // Librato back: the buckets leave, the budget frees, /logs takes again.
    r.librato->setPolicy({});
    QTRY_COMPARE_WITH_TIMEOUT(http("GET", QUrl(r.base + QStringLiteral("/health"))).status, 200, 30000);
    QCOMPARE(r.post(token, frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#other=1"), 1).status, 200);
}

// No series limit, a budget of 100,000 buckets and 2M distinct series
// posted: /logs turns to 503 at the budget, and what was already accepted
// (at most the inbox's bytes) is all the process grows by past it.
void Tst_cardinality::bucketBudgetBoundsMillionsOfSeries()
{
    Running r;
    Config config;
    config.maxSeries = 0;
    config.maxBuckets = 100000;
    config.inboxBytes = 4 << 20;
    QString error;
    QVERIFY2(start(&r, QStringLiteral("memory"), config, &error), qPrintable(error));
    const QByteArray token = r.sign("careless@example.com:careless-token");
    const qint64 rssBefore = rssBytes();
    // The next minute's window (early by less than -recv-deadline): not
    // ready, so not delivered, while the test runs.
    const qint64 stamp = QDateTime::currentSecsSinceEpoch() + 60;
    constexpr int kPerBody = 20000;
    constexpr int kLines = 2000000;
    int accepted = 0;
    int refused = 0;
    qint64 shortestLine = std::numeric_limits<qint64>::max();
    for (int first = 0; first < kLines; first += kPerBody) {
        QByteArray body;
        for (int i = first; i < first + kPerBody; ++i) {
            const QByteArray f = frame(stamp, "web.1", "measure#user." + QByteArray::number(i) + ".latency=4ms");
            shortestLine = std::min(shortestLine, qint64(f.size()));
            body += f;
        }
        const HttpAnswer answer = r.postPatiently(token, body, 60);
        if (answer.status == 200) {
            // Nothing is delivered yet, so once over it stays over.
            accepted += kPerBody;
        } else {
            QCOMPARE(answer.status, 503);
            QVERIFY2(answer.body.contains("--max-buckets"), answer.body.constData());
            ++refused;
        }
    }
    QVERIFY(refused > 0);
    QTRY_COMPARE_WITH_TIMEOUT(quint64(r.metrics().value("lines_received")), quint64(accepted), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(r.engine->bucketsHeld(), qint64(accepted), 10000);
    // Past the budget only what the inbox held when it was reached, the
    // bodies the parser threads held (parsed, not yet in the register), and
    // the body being answered. A flush moving buckets from the register to
    // the store writer's outbox is no gap: Register::takeAll counts them as
    // pending first.
    const qint64 overshoot = config.inboxBytes / shortestLine + qint64(config.effectiveConcurrency() + 1) * kPerBody;
    QVERIFY2(accepted <= config.maxBuckets + overshoot, qPrintable(QString::number(accepted)));
    const qint64 grown = rssBytes() - rssBefore;
    qInfo("accepted %d lines, refused %d bodies; RSS grew by %lld KiB", accepted, refused, grown / 1024);
    // README's bound for the memory store: 64 MiB plus 1 KiB per bucket held.
    if (!kSanitized)
        QVERIFY2(grown < (64LL << 20) + qint64(accepted) * 1024, qPrintable(QString::number(grown)));
}

QTEST_GUILESS_MAIN(Tst_cardinality)
#include "tst_cardinality.moc"
