// Every convention of docs/behaviour.md section 3 that issue-era additions
// brought (unique#, router statuses and H errors, Heroku platform errors,
// configurable percentiles, Librato attributes), end to end: one drain body
// through the real receiver, parser, store (memory, then Redis on a real
// redis-server) and outlet, to the fake Librato (which refuses attributes
// Librato does not document) and, with --preview, to the payloads that
// would be sent.
#include "auth/fernet.h"
#include "engine/engine.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "outlet/deliverystatus.h"
#include "redisserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QTest>

#include <memory>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kCredentials = "alice@example.com:alice-api-token";

// One window's lines: 3000 distinct users (past the exact bound: a sketch),
// 4 visitors seen again and again, router lines (200, 201, 503 with H12, 404),
// a dyno's R14, an app's own "Error R14" (not counted), and 1..100 ms
// latencies for the percentiles.
QByteArray drainBody(qint64 t)
{
    QByteArray body;
    for (int i = 0; i < 3000; ++i)
        body += frame(t, "web.1",
                      "unique#users=user-" + QByteArray::number(i) + " unique#visitors=\"v "
                          + QByteArray::number(i % 4) + "\" source=web.1");
    for (int ms = 1; ms <= 100; ++ms)
        body += frame(t, "web.1", "measure#db.latency=" + QByteArray::number(ms) + "ms");
    const auto router = [&](const QByteArray &message) { body += frame(t, "router", message, "heroku"); };
    router("at=info method=GET path=\"/\" connect=1ms service=18ms status=200 bytes=13");
    router("at=info method=POST path=\"/o\" connect=0ms service=245ms status=201 bytes=512");
    router("at=error code=H12 desc=\"Request timeout\" method=GET path=\"/slow\" connect= "
           "service=30000ms status=503 bytes=0");
    router("at=info method=GET path=\"/x\" connect=1ms service=3ms status=404 bytes=9");
    body += frame(t, "web.1", "Error R14 (Memory quota exceeded)", "heroku");
    body += frame(t, "web.1", "Error R14 (Memory quota exceeded)"); // the app's own words
    return body;
}

} // namespace

class Tst_drainconventions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void allConventions_data();
    void allConventions();
};

void Tst_drainconventions::allConventions_data()
{
    QTest::addColumn<QString>("store");
    QTest::addColumn<bool>("preview");
    QTest::newRow("memory") << QStringLiteral("memory") << false;
    QTest::newRow("redis") << QStringLiteral("redis") << false;
    QTest::newRow("memory, --preview") << QStringLiteral("memory") << true;
}

void Tst_drainconventions::allConventions()
{
    QFETCH(QString, store);
    QFETCH(bool, preview);
    std::unique_ptr<RedisServer> redis;
    Config config;
    if (store == QLatin1String("redis")) {
        redis = std::make_unique<RedisServer>();
        if (!redis->start()) {
            if (RedisServer::required())
                QFAIL(qPrintable(redis->errorString()));
            QSKIP(qPrintable(redis->errorString()));
        }
        config.redisUrl = redis->url();
    }
    FakeLibrato librato;
    QVERIFY(librato.isListening());
    const QByteArray secrets = Fernet::generateKey() + ':' + Fernet::generateKey();
    config.bind = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.secrets = secrets;
    config.libratoUrl = librato.url().toString();
    config.flushIntervalMs = 50;
    config.outletIntervalMs = 50;
    config.percentiles = QStringLiteral("50,75,99.9");
    config.preview = preview;
    Engine engine(config);
    QMutex previewMutex;
    QList<QJsonObject> previewed;
    engine.setPreviewSink([&](const PreviewPayload &payload) {
        const QJsonArray gauges = QJsonDocument::fromJson(payload.json).object().value(QLatin1String("gauges")).toArray();
        QMutexLocker lock(&previewMutex);
        for (const QJsonValue &g : gauges)
            previewed.append(g.toObject());
    });
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(engine.port());
    const HttpAnswer token = http("POST", QUrl(base + QStringLiteral("/sign")), kCredentials,
                                  { { "Authorization", basicAuth(secrets.split(':').first()) } });
    QCOMPARE(token.status, 200);
    const HttpAnswer posted = http("POST", QUrl(base + QStringLiteral("/logs?resolution=1")),
                                   drainBody(QDateTime::currentSecsSinceEpoch() - 1),
                                   { { "Authorization", basicAuth(token.body) } });
    QCOMPARE(posted.status, 200);

    // 2 unique, 4 latency gauges, 3 router measurements x 4, 4 statuses
    // classes (2xx twice), H12, R14.
    constexpr int kGauges = 2 + 4 + 3 * 4 + 3 + 1 + 1;
    const auto gauges = [&]() -> QList<QJsonObject> {
        if (!preview) {
            QList<QJsonObject> out;
            for (const FakeLibrato::Gauge &g : librato.acceptedGauges())
                out.append(g.json);
            return out;
        }
        QMutexLocker lock(&previewMutex);
        return previewed;
    };
    QTRY_COMPARE_WITH_TIMEOUT(gauges().size(), kGauges, 10000);
    QHash<QString, QJsonObject> byName;
    for (const QJsonObject &g : gauges())
        byName.insert(g.value(QLatin1String("name")).toString(), g);
    const auto value = [&](const char *name) {
        return byName.value(QLatin1String(name)).value(QLatin1String("value")).toDouble();
    };
    const auto attribute = [&](const char *name, const char *key) {
        return byName.value(QLatin1String(name)).value(QLatin1String("attributes")).toObject().value(QLatin1String(key));
    };

    QCOMPARE(value("visitors"), 4.0);
    QVERIFY2(std::abs(value("users") - 3000) <= 0.025 * 3000, qPrintable(QString::number(value("users"))));
    QCOMPARE(attribute("users", "l2met_type").toString(), QStringLiteral("unique"));
    QCOMPARE(attribute("users", "summarize_function").toString(), QStringLiteral("sum"));
    QCOMPARE(attribute("users", "aggregate").toBool(), false);

    QCOMPARE(value("router.status.2xx"), 2.0);
    QCOMPARE(value("router.status.4xx"), 1.0);
    QCOMPARE(value("router.status.5xx"), 1.0);
    QVERIFY(!byName.contains(QStringLiteral("router.status.3xx")));
    QCOMPARE(value("router.error.H12"), 1.0);
    QCOMPARE(value("heroku.error.R14"), 1.0); // once: the app's own line does not count
    QCOMPARE(attribute("router.error.H12", "summarize_function").toString(), QStringLiteral("sum"));
    QCOMPARE(attribute("router.error.H12", "l2met_type").toString(), QStringLiteral("counter"));

    // Nearest rank over 1..100 ms: s[floor(p n / 100)].
    QCOMPARE(value("db.latency.median"), 51.0);
    QCOMPARE(value("db.latency.perc75"), 76.0);
    QCOMPARE(value("db.latency.perc99_9"), 100.0);
    QCOMPARE(byName.value(QStringLiteral("db.latency")).value(QLatin1String("count")).toDouble(), 100.0);
    QCOMPARE(attribute("db.latency", "summarize_function").toString(), QStringLiteral("average"));
    QVERIFY(!byName.contains(QStringLiteral("db.latency.perc95")));

    if (preview)
        QCOMPARE(librato.requests().size(), 0); // --preview sends nothing
}

QTEST_GUILESS_MAIN(Tst_drainconventions)
#include "tst_drainconventions.moc"
