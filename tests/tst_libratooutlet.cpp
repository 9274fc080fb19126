// LibratoOutlet against FakeLibrato on a free loopback port: delivery, the
// exact request, retries (5xx, 429 with Retry-After, timeouts, refused
// connections), permanent errors, preview mode, per-user statistics that
// never show a token, the completion callback the Reader acknowledges on;
// and FakeLibrato's own validation and HTTP handling.
#include "fakelibrato.h"
#include "outlet/libratooutlet.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkProxy>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <initializer_list>
#include <memory>

using namespace l2met;
using l2met::test::FakeLibrato;

namespace {

constexpr qint64 kTime = 1700000040;
const QByteArray kAlice = QByteArrayLiteral("alice@example.com");
const QByteArray kAliceApiToken = QByteArrayLiteral("a1ice0api0token0d3adb33f0123456789");
const QByteArray kBob = QByteArrayLiteral("bob");
const QByteArray kBobApiToken = QByteArrayLiteral("b0b0api0token0c0ffee0987654321");
const QByteArray kUserAgent = QByteArrayLiteral("l2met/" L2MET_VERSION);

Bucket bucket(const QByteArray &token, BucketType type, const QByteArray &name,
              std::initializer_list<double> values, qint64 time = kTime)
{
    BucketId id;
    id.time = time;
    id.resolution = 60;
    id.auth = token;
    id.type = type;
    id.name = name;
    id.units = "ms";
    return Bucket(id, std::vector<double>(values));
}

Bucket counter(const QByteArray &token, const QByteArray &name, double value = 1)
{
    return bucket(token, BucketType::Counter, name, { value });
}

// Messages of the l2met.outlet category, captured while a test runs.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureOutletLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "l2met.outlet") == 0) {
        QMutexLocker lock(&g_logMutex);
        g_log.append(message);
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

} // namespace

class Tst_libratooutlet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void deliversAtTheFirstAttempt();
    void endpointPath_data();
    void endpointPath();
    void retryableStatusIsRetried_data();
    void retryableStatusIsRetried();
    void honoursRetryAfter();
    void retryAfterIsCappedByMaxBackoff();
    void retriesExhausted();
    void invalidGaugeIsPermanent();
    void permanentStatus_data();
    void permanentStatus();
    void timeoutIsRetried();
    void connectionRefusedIsRetriedThenFails();
    void previewSendsNothing();
    void twoUsersUseTheirOwnCredentials();
    void manyBatchesOverKeptAliveConnections();
    void queuedBatchesDoNotTimeOut();
    void concurrencyIsLimited();
    void undeliverableTokensAreCounted();
    void statsAndLogsNeverShowTheToken();
    void destroyedWithARequestInFlight();
    void destroyedWhileWaitingToRetry();
    void worksInItsOwnThread();
    void doneRunsOnceAfterTheLastBatch();
    void doneAfterFailuresForGood();
    void doneAtOnceWithNothingToSend();
    void doneNeverRunsWhenDestroyed();

    void fakeValidatesLikeLibrato_data();
    void fakeValidatesLikeLibrato();
    void fakeServesPipelinedRequests();

private:
    LibratoOutlet::Options options(const QUrl &url) const;
    std::vector<Bucket> aliceBuckets() const; // 5 gauges
    DeliveryStats statsOf(const LibratoOutlet &outlet, const QByteArray &user) const;

    std::shared_ptr<const Fernet> m_fernet;
    QByteArray m_aliceToken;
    QByteArray m_bobToken;
};

void Tst_libratooutlet::initTestCase()
{
    // Loopback only, whatever proxy the environment names.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    const QByteArray key = QByteArray(32, 'k').toBase64(QByteArray::Base64UrlEncoding);
    m_fernet = std::make_shared<const Fernet>(QList<Fernet::Key> { *Fernet::parseKey(key) });
    m_aliceToken = m_fernet->encrypt(QByteArray(kAlice + ':' + kAliceApiToken));
    m_bobToken = m_fernet->encrypt(QByteArray(kBob + ':' + kBobApiToken));
    QVERIFY(!m_aliceToken.isEmpty() && !m_bobToken.isEmpty());
}

LibratoOutlet::Options Tst_libratooutlet::options(const QUrl &url) const
{
    LibratoOutlet::Options options;
    options.url = url;
    options.retries = 2;
    options.timeoutMs = 2000;
    options.backoffMs = 20;
    options.maxBackoffMs = 2000;
    return options;
}

std::vector<Bucket> Tst_libratooutlet::aliceBuckets() const
{
    return { bucket(m_aliceToken, BucketType::Measurement, "web.latency", { 12, 8, 30 }),
             counter(m_aliceToken, "web.requests", 3) };
}

DeliveryStats Tst_libratooutlet::statsOf(const LibratoOutlet &outlet, const QByteArray &user) const
{
    const QList<DeliveryStats> all = outlet.stats();
    for (const DeliveryStats &stats : all) {
        if (stats.user == user)
            return stats;
    }
    return {};
}

void Tst_libratooutlet::deliversAtTheFirstAttempt()
{
    FakeLibrato fake;
    QVERIFY(fake.isListening());
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    const std::vector<Bucket> buckets = aliceBuckets();
    const QByteArray expectedBody = Converter::convert(buckets, CredentialsCache(m_fernet)).batches.at(0).payload();
    outlet.deliver(buckets);
    QCOMPARE(outlet.inFlight(), 1);
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(outlet.inFlight(), 0);

    QCOMPARE(fake.requests().size(), 1);
    const FakeLibrato::Request &request = fake.requests().first();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.target, QByteArray("/v1/metrics"));
    QCOMPARE(request.body, expectedBody);
    QVERIFY(request.hasBasicAuth);
    QCOMPARE(request.user, kAlice);
    QCOMPARE(request.password, kAliceApiToken);
    QCOMPARE(request.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(request.header("User-Agent"), kUserAgent);
    QCOMPARE(request.status, 200);
    QVERIFY(request.accepted);
    QCOMPARE(fake.gaugesNamed(QStringLiteral("web.latency.perc99")).size(), 1);

    QCOMPARE(finished.size(), 1);
    const QList<QVariant> args = finished.first();
    QCOMPARE(args.at(0).toByteArray(), kAlice);
    QCOMPARE(args.at(1).toBool(), true);
    QCOMPARE(args.at(2).toInt(), 5);
    QCOMPARE(args.at(3).toInt(), 200);

    const QList<DeliveryStats> all = outlet.stats();
    QCOMPARE(all.size(), 1);
    const DeliveryStats &stats = all.first();
    QCOMPARE(stats.user, kAlice);
    QCOMPARE(stats.batchesSent, 1u);
    QCOMPARE(stats.batchesFailed, 0u);
    QCOMPARE(stats.gaugesDelivered, 5u);
    QCOMPARE(stats.gaugesRetriedDelivered, 0u);
    QCOMPARE(stats.gaugesFailed, 0u);
    QCOMPARE(stats.retries, 0u);
    QCOMPARE(stats.lastStatus, 200);
    QVERIFY(stats.lastError.isEmpty());
    QVERIFY(stats.lastAttempt.isValid());

    QCOMPARE(metrics.value("gauges_delivered"), 5.0);
    QCOMPARE(metrics.value("gauges_retried_delivered"), 0.0);
    QCOMPARE(metrics.value("gauges_failed"), 0.0);
    QCOMPARE(metrics.value("outlet_requests"), 1.0);
    QCOMPARE(metrics.value("outlet_retries"), 0.0);
    QCOMPARE(metrics.value("outlet_request_latency"), 1.0); // timer: count
}

void Tst_libratooutlet::endpointPath_data()
{
    QTest::addColumn<QString>("basePath");
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("none") << QString() << QByteArray("/v1/metrics");
    QTest::newRow("slash") << QStringLiteral("/") << QByteArray("/v1/metrics");
    QTest::newRow("prefix") << QStringLiteral("/librato") << QByteArray("/librato/v1/metrics");
    QTest::newRow("prefix slash") << QStringLiteral("/librato/")
                                  << QByteArray("/librato/v1/metrics");
}

void Tst_libratooutlet::endpointPath()
{
    QFETCH(QString, basePath);
    QFETCH(QByteArray, target);
    FakeLibrato fake;
    QUrl url = fake.url();
    url.setPath(basePath);
    LibratoOutlet outlet(options(url), m_fernet, nullptr); // its own Metrics
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    outlet.deliver({ counter(m_aliceToken, "x") });
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 1); // a 404 (wrong prefix) is not retried
    QCOMPARE(fake.requests().first().target, target);
}

void Tst_libratooutlet::retryableStatusIsRetried_data()
{
    QTest::addColumn<int>("status");
    for (const int status : { 500, 502, 503, 504, 429 })
        QTest::addRow("%d", status) << status;
}

void Tst_libratooutlet::retryableStatusIsRetried()
{
    QFETCH(int, status);
    FakeLibrato fake;
    fake.failNext(1, status);
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 2);
    QCOMPARE(fake.requests()[0].status, status);
    QCOMPARE(fake.requests()[1].status, 200);
    QCOMPARE(fake.requests()[1].body, fake.requests()[0].body);

    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).toBool(), true);
    QCOMPARE(finished.first().at(3).toInt(), 200);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.gaugesDelivered, 0u);
    QCOMPARE(stats.gaugesRetriedDelivered, 5u);
    QCOMPARE(stats.retries, 1u);
    QCOMPARE(stats.batchesSent, 1u);
    QCOMPARE(stats.lastStatus, 200);
    QCOMPARE(metrics.value("gauges_retried_delivered"), 5.0);
    QCOMPARE(metrics.value("gauges_delivered"), 0.0);
    QCOMPARE(metrics.value("outlet_retries"), 1.0);
    QCOMPARE(metrics.value("outlet_requests"), 2.0);
}

void Tst_libratooutlet::honoursRetryAfter()
{
    FakeLibrato fake;
    fake.failNext(1, 429, "1");
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics); // backoff 20 ms
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);

    QElapsedTimer clock;
    clock.start();
    outlet.deliver(aliceBuckets());
    QTRY_COMPARE_WITH_TIMEOUT(idle.size(), 1, 5000);
    QVERIFY2(clock.elapsed() >= 900, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(fake.requests().size(), 2);
    const qint64 gap = fake.requests()[1].receivedAtMs - fake.requests()[0].receivedAtMs;
    QVERIFY2(gap >= 900, qPrintable(QString::number(gap)));
    QCOMPARE(statsOf(outlet, kAlice).gaugesRetriedDelivered, 5u);
}

void Tst_libratooutlet::retryAfterIsCappedByMaxBackoff()
{
    FakeLibrato fake;
    fake.failNext(1, 429, "3600");
    LibratoOutlet::Options opts = options(fake.url());
    opts.maxBackoffMs = 100;
    LibratoOutlet outlet(opts, m_fernet, nullptr);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    outlet.deliver(aliceBuckets());
    QTRY_COMPARE_WITH_TIMEOUT(idle.size(), 1, 3000);
    QCOMPARE(fake.requests().size(), 2);
    const qint64 gap = fake.requests()[1].receivedAtMs - fake.requests()[0].receivedAtMs;
    QVERIFY2(gap >= 90, qPrintable(QString::number(gap)));
    QCOMPARE(statsOf(outlet, kAlice).gaugesRetriedDelivered, 5u);
}

void Tst_libratooutlet::retriesExhausted()
{
    FakeLibrato fake;
    fake.failNext(3, 503);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.backoffMs = 50; // then 100
    LibratoOutlet outlet(opts, m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 3); // the first attempt and 2 retries
    // Exponential backoff (QTimer may fire up to 5% early).
    QVERIFY(fake.requests()[1].receivedAtMs - fake.requests()[0].receivedAtMs >= 45);
    QVERIFY(fake.requests()[2].receivedAtMs - fake.requests()[1].receivedAtMs >= 90);

    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toByteArray(), kAlice);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(finished.first().at(2).toInt(), 5);
    QCOMPARE(finished.first().at(3).toInt(), 503);

    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.batchesSent, 0u);
    QCOMPARE(stats.batchesFailed, 1u);
    QCOMPARE(stats.gaugesFailed, 5u);
    QCOMPARE(stats.gaugesDelivered + stats.gaugesRetriedDelivered, 0u);
    QCOMPARE(stats.retries, 2u);
    QCOMPARE(stats.lastStatus, 503);
    QCOMPARE(stats.lastError, QStringLiteral(R"({"errors":{"request":["Service Unavailable"]}})"));
    QCOMPARE(metrics.value("gauges_failed"), 5.0);
    QCOMPARE(metrics.value("outlet_batches_failed"), 1.0);
    QCOMPARE(metrics.value("outlet_retries"), 2.0);
    QCOMPARE(metrics.value("outlet_requests"), 3.0);
}

void Tst_libratooutlet::invalidGaugeIsPermanent()
{
    // A measure_time before 1970 passes l2met's sanitizing but not Librato.
    FakeLibrato fake;
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    outlet.deliver({ bucket(m_aliceToken, BucketType::Counter, "old", { 1 }, -60) });
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 1);
    const FakeLibrato::Request &request = fake.requests().first();
    QCOMPARE(request.status, 400);
    QVERIFY(!request.accepted);
    QCOMPARE(request.response,
             QByteArray(R"({"errors":{"params":{"measure_time":["is invalid"]}}})"));

    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(finished.first().at(3).toInt(), 400);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.lastStatus, 400);
    QCOMPARE(stats.lastError, QString::fromUtf8(request.response));
    QCOMPARE(stats.retries, 0u);
    QCOMPARE(stats.gaugesFailed, 1u);
    QCOMPARE(metrics.value("outlet_retries"), 0.0);
    QCOMPARE(metrics.value("gauges_failed"), 1.0);
    QVERIFY(fake.acceptedGauges().isEmpty());
}

void Tst_libratooutlet::permanentStatus_data()
{
    QTest::addColumn<int>("status");
    for (const int status : { 400, 401, 403, 404, 422, 301, 307 })
        QTest::addRow("%d", status) << status;
}

void Tst_libratooutlet::permanentStatus()
{
    QFETCH(int, status);
    FakeLibrato fake;
    fake.failNext(1, status);
    LibratoOutlet outlet(options(fake.url()), m_fernet, nullptr);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 1);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.lastStatus, status);
    QCOMPARE(stats.gaugesFailed, 5u);
    QCOMPARE(stats.lastError, QString::fromUtf8(fake.requests().first().response));
}

void Tst_libratooutlet::timeoutIsRetried()
{
    FakeLibrato fake;
    fake.stallNext(1);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.timeoutMs = 300;
    LibratoOutlet outlet(opts, m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    QElapsedTimer clock;
    clock.start();
    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    QVERIFY2(clock.elapsed() >= 280, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(fake.requests().size(), 2);
    QCOMPARE(fake.requests()[0].status, 0); // never answered
    QCOMPARE(fake.requests()[1].status, 200);
    QCOMPARE(finished.first().at(1).toBool(), true);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.gaugesRetriedDelivered, 5u);
    QCOMPARE(stats.retries, 1u);
    QCOMPARE(metrics.value("outlet_retries"), 1.0);
    // The client gave up on the stalled connection and closed it.
    QTRY_VERIFY(fake.openConnections() <= 1);
}

void Tst_libratooutlet::connectionRefusedIsRetriedThenFails()
{
    const QUrl closed = FakeLibrato::closedPortUrl();
    QVERIFY(closed.isValid());
    Metrics metrics;
    LibratoOutlet outlet(options(closed), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(finished.first().at(3).toInt(), 0);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.lastStatus, 0);
    QVERIFY2(stats.lastError.contains(QLatin1String("refused"), Qt::CaseInsensitive),
             qPrintable(stats.lastError));
    QCOMPARE(stats.retries, 2u);
    QCOMPARE(stats.batchesFailed, 1u);
    QCOMPARE(stats.gaugesFailed, 5u);
    QCOMPARE(metrics.value("outlet_requests"), 3.0);
    QCOMPARE(metrics.value("gauges_failed"), 5.0);
}

void Tst_libratooutlet::previewSendsNothing()
{
    FakeLibrato fake;
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.preview = true;
    opts.previewKeep = 2;
    LibratoOutlet outlet(opts, m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);

    std::vector<Bucket> buckets;
    for (int i = 0; i < 400; ++i)
        buckets.push_back(counter(m_aliceToken, "c" + QByteArray::number(i)));
    buckets.push_back(counter(m_bobToken, "b"));
    const Conversion conversion = Converter::convert(buckets, CredentialsCache(m_fernet));
    QCOMPARE(conversion.batches.size(), 3);

    outlet.deliver(buckets);
    QCOMPARE(outlet.inFlight(), 0);
    const QList<PreviewPayload> previews = outlet.previews();
    QCOMPARE(previews.size(), 2); // the last two kept
    QCOMPARE(previews[0].user, kAlice);
    QCOMPARE(previews[0].gauges, 100);
    QCOMPARE(previews[0].json, conversion.batches[1].payload());
    QCOMPARE(previews[1].user, kBob);
    QCOMPARE(previews[1].gauges, 1);
    QCOMPARE(previews[1].json, conversion.batches[2].payload());
    QVERIFY(previews[1].built.isValid());
    QCOMPARE(metrics.value("gauges_previewed"), 401.0);
    QCOMPARE(metrics.value("gauges_delivered"), 0.0);
    QCOMPARE(metrics.value("outlet_requests"), 0.0);
    QVERIFY(outlet.stats().isEmpty());

    // A sending outlet's request arrives, and it is the only one.
    LibratoOutlet sentinel(options(fake.url()), m_fernet, nullptr);
    sentinel.deliver({ counter(m_bobToken, "sentinel") });
    QTRY_COMPARE(fake.requests().size(), 1);
    QCOMPARE(fake.gaugesNamed(QStringLiteral("sentinel")).size(), 1);
    QCOMPARE(idle.size(), 0);
}

void Tst_libratooutlet::twoUsersUseTheirOwnCredentials()
{
    FakeLibrato fake;
    LibratoOutlet outlet(options(fake.url()), m_fernet, nullptr);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    outlet.deliver({ counter(m_aliceToken, "alice.one"), counter(m_bobToken, "bob.one"),
                     counter(m_aliceToken, "alice.two"), counter(m_bobToken, "bob.two"),
                     counter(m_bobToken, "bob.three") });
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(finished.size(), 2);
    QCOMPARE(fake.requests().size(), 2);
    for (const FakeLibrato::Request &request : fake.requests()) {
        QVERIFY(request.accepted);
        QCOMPARE(request.password, request.user == kAlice ? kAliceApiToken : kBobApiToken);
    }
    const QList<FakeLibrato::Gauge> gauges = fake.acceptedGauges();
    QCOMPARE(gauges.size(), 5);
    for (const FakeLibrato::Gauge &gauge : gauges) {
        const QString name = gauge.json.value(QStringLiteral("name")).toString();
        QCOMPARE(gauge.user, name.startsWith(QLatin1String("alice")) ? kAlice : kBob);
    }

    const QList<DeliveryStats> stats = outlet.stats();
    QCOMPARE(stats.size(), 2);
    QCOMPARE(statsOf(outlet, kAlice).gaugesDelivered, 2u);
    QCOMPARE(statsOf(outlet, kBob).gaugesDelivered, 3u);
}

void Tst_libratooutlet::manyBatchesOverKeptAliveConnections()
{
    FakeLibrato fake;
    LibratoOutlet outlet(options(fake.url()), m_fernet, nullptr);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);

    std::vector<Bucket> buckets;
    for (int i = 0; i < 700; ++i)
        buckets.push_back(counter(m_aliceToken, "c" + QByteArray::number(i)));
    outlet.deliver(buckets);
    QCOMPARE(outlet.inFlight(), 3);
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(finished.size(), 3);
    QCOMPARE(fake.requests().size(), 3);
    QSet<QString> names;
    for (const FakeLibrato::Gauge &gauge : fake.acceptedGauges())
        names.insert(gauge.json.value(QStringLiteral("name")).toString());
    QCOMPARE(names.size(), 700);
    const DeliveryStats stats = statsOf(outlet, kAlice);
    QCOMPARE(stats.batchesSent, 3u);
    QCOMPARE(stats.gaugesDelivered, 700u);

    // The next delivery reuses an idle connection.
    const int connections = fake.connectionsAccepted();
    QVERIFY(connections >= 1 && connections <= 3);
    outlet.deliver({ counter(m_aliceToken, "again") });
    QTRY_COMPARE(idle.size(), 2);
    QCOMPARE(fake.requests().size(), 4);
    QCOMPARE(fake.connectionsAccepted(), connections);
}

void Tst_libratooutlet::queuedBatchesDoNotTimeOut()
{
    // The timeout counts from when a batch goes on the wire, not from
    // deliver(): eighteen slow answers (250 ms each, timeout 350 ms) six at a
    // time take three waves, and all arrive in time.
    FakeLibrato fake;
    fake.setDelayMs(250);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.timeoutMs = 350;
    opts.retries = 0;
    QCOMPARE(opts.maxConcurrentRequests, 6);
    LibratoOutlet outlet(opts, m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    constexpr int kBatches = 18;
    std::vector<Bucket> buckets;
    for (int i = 0; i < kBatches * Converter::kMaxGauges; ++i)
        buckets.push_back(counter(m_aliceToken, "c" + QByteArray::number(i)));
    outlet.deliver(buckets);
    QCOMPARE(outlet.inFlight(), kBatches);
    QTRY_COMPARE_WITH_TIMEOUT(idle.size(), 1, 8000);
    QCOMPARE(metrics.value("gauges_failed"), 0.0);
    QCOMPARE(metrics.value("gauges_delivered"), double(kBatches * Converter::kMaxGauges));
    QCOMPARE(fake.requests().size(), kBatches);
    QVERIFY(fake.connectionsAccepted() <= 6);
}

void Tst_libratooutlet::concurrencyIsLimited()
{
    FakeLibrato fake;
    fake.setDelayMs(30);
    fake.failNext(1, 500);
    LibratoOutlet::Options opts = options(fake.url());
    opts.maxConcurrentRequests = 2;
    LibratoOutlet outlet(opts, m_fernet, nullptr);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    std::vector<Bucket> buckets;
    for (int i = 0; i < 7; ++i) // seven users, one batch each
        buckets.push_back(
            counter(m_fernet->encrypt(QByteArray("user" + QByteArray::number(i) + ":t")), "c"));
    outlet.deliver(buckets);
    QCOMPARE(outlet.inFlight(), 7);
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(fake.requests().size(), 8); // one retry
    QCOMPARE(fake.acceptedGauges().size(), 7);
    QVERIFY(fake.connectionsAccepted() <= 2);
}

void Tst_libratooutlet::undeliverableTokensAreCounted()
{
    FakeLibrato fake;
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    const QByteArray foreign
        = Fernet({ *Fernet::parseKey(QByteArray(32, 'x').toBase64()) }).encrypt("carol:token");
    outlet.deliver({ bucket(foreign, BucketType::Measurement, "m", { 1 }), counter("garbage", "g"),
                     counter(m_aliceToken, "ok") });
    QTRY_COMPARE(idle.size(), 1);
    QCOMPARE(metrics.value("gauges_undeliverable"), 5.0);
    QCOMPARE(metrics.value("gauges_delivered"), 1.0);
    QCOMPARE(fake.requests().size(), 1);
}

void Tst_libratooutlet::statsAndLogsNeverShowTheToken()
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
    QLoggingCategory::setFilterRules(QStringLiteral("l2met.outlet.debug=true"));
    g_previousHandler = qInstallMessageHandler(captureOutletLog);
    const auto restore = qScopeGuard([] {
        qInstallMessageHandler(g_previousHandler);
        g_previousHandler = nullptr;
        QLoggingCategory::setFilterRules(QString());
    });

    FakeLibrato fake;
    // Alice: a 500, then a permanent error whose text (unlike Librato's)
    // repeats her API token. Bob: delivered.
    fake.failNext(1, 500);
    fake.failNext(1, 400, {},
                  QByteArray(R"({"errors":{"request":["bad token )" + kAliceApiToken + R"("]}})"));
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    QSignalSpy idle(&outlet, &LibratoOutlet::idle);
    outlet.deliver(aliceBuckets());
    QTRY_COMPARE(idle.size(), 1);
    outlet.deliver({ counter(m_bobToken, "b") });
    QTRY_COMPARE(idle.size(), 2);
    outlet.deliver({ counter("undeliverable-drain-token", "u") });

    const DeliveryStats alice = statsOf(outlet, kAlice);
    QCOMPARE(alice.lastStatus, 400);
    QVERIFY2(alice.lastError.contains(QLatin1String("[redacted]")), qPrintable(alice.lastError));
    QCOMPARE(statsOf(outlet, kBob).gaugesDelivered, 1u);

    const QList<QByteArray> secrets {
        kAliceApiToken,
        kBobApiToken,
        m_aliceToken,
        m_bobToken,
        "undeliverable-drain-token",
        QByteArray(kAlice + ':' + kAliceApiToken).toBase64(),
        QByteArray(kBob + ':' + kBobApiToken).toBase64(),
    };
    QStringList texts;
    for (const DeliveryStats &stats : outlet.stats()) {
        texts << QString::fromUtf8(stats.user) << stats.lastError
              << stats.lastAttempt.toString(Qt::ISODateWithMs);
    }
    texts << QString::fromUtf8(metrics.prometheusText());
    {
        QMutexLocker lock(&g_logMutex);
        QVERIFY(g_log.size() >= 4); // posts, retry, failure, undeliverable
        texts << g_log;
    }
    for (const QString &text : std::as_const(texts)) {
        for (const QByteArray &secret : secrets)
            QVERIFY2(!text.contains(QString::fromUtf8(secret)), qPrintable(text));
    }
}

void Tst_libratooutlet::destroyedWithARequestInFlight()
{
    FakeLibrato fake;
    fake.stallNext(1);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.timeoutMs = 10000;
    auto outlet = std::make_unique<LibratoOutlet>(opts, m_fernet, &metrics);
    outlet->deliver(aliceBuckets());
    QTRY_COMPARE(fake.requests().size(), 1);
    QCOMPARE(outlet->inFlight(), 1);
    outlet.reset();
    // Every gauge ends counted; the aborted request's connection closes.
    QCOMPARE(metrics.value("gauges_failed"), 5.0);
    QCOMPARE(metrics.value("outlet_batches_failed"), 1.0);
    QTRY_COMPARE(fake.openConnections(), 0);
}

void Tst_libratooutlet::destroyedWhileWaitingToRetry()
{
    FakeLibrato fake;
    fake.failNext(1, 500);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.backoffMs = 60000;
    opts.maxBackoffMs = 60000;
    auto outlet = std::make_unique<LibratoOutlet>(opts, m_fernet, &metrics);
    outlet->deliver(aliceBuckets());
    QTRY_COMPARE(metrics.value("outlet_retries"), 1.0); // the retry is scheduled
    QCOMPARE(outlet->inFlight(), 1);
    outlet.reset(); // cancels the retry timer
    QCOMPARE(metrics.value("gauges_failed"), 5.0);
    QCOMPARE(fake.requests().size(), 1);
}

void Tst_libratooutlet::worksInItsOwnThread()
{
    // As the engine runs it: moved to the outlet thread after construction,
    // deliver() queued to it, destroyed there.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("QObject|thread|QSocketNotifier")));
    FakeLibrato fake;
    fake.failNext(1, 500);
    Metrics metrics;
    QThread thread;
    thread.setObjectName(QStringLiteral("outlet"));
    auto *outlet = new LibratoOutlet(options(fake.url()), m_fernet, &metrics);
    outlet->moveToThread(&thread);
    connect(&thread, &QThread::finished, outlet, &QObject::deleteLater);
    int idle = 0;
    QByteArray finishedIn;
    connect(outlet, &LibratoOutlet::idle, this, [&] { ++idle; }); // queued to this thread
    connect(outlet, &LibratoOutlet::batchFinished, outlet, [&] {
        finishedIn
            = QThread::currentThread()->objectName().toUtf8(); // direct, in the outlet thread
    });
    thread.start();

    const std::vector<Bucket> buckets = aliceBuckets();
    QMetaObject::invokeMethod(outlet, [outlet, buckets] { outlet->deliver(buckets); });
    QTRY_COMPARE(idle, 1);
    QCOMPARE(finishedIn, QByteArray("outlet"));
    QCOMPARE(statsOf(*outlet, kAlice).gaugesRetriedDelivered, 5u); // stats(): any thread
    QCOMPARE(fake.requests().size(), 2);
    QCOMPARE(metrics.value("gauges_retried_delivered"), 5.0);

    thread.quit();
    QVERIFY(thread.wait(5000));
}

void Tst_libratooutlet::doneRunsOnceAfterTheLastBatch()
{
    // Alice and Bob: two batches of one delivery; Carol: a second delivery
    // made at once. One of the three requests is answered 503 and retried,
    // so the batches end in some order: each done runs once, in the outlet
    // thread, right after the last batch of its own delivery.
    FakeLibrato fake;
    fake.failNext(1, 503);
    const QByteArray carolToken = m_fernet->encrypt("carol:carol-api-token");
    Metrics metrics;
    QThread thread;
    thread.setObjectName(QStringLiteral("outlet"));
    auto *outlet = new LibratoOutlet(options(fake.url()), m_fernet, &metrics);
    outlet->moveToThread(&thread);
    connect(&thread, &QThread::finished, outlet, &QObject::deleteLater);
    QMutex mutex;
    QStringList events; // in the outlet thread's order
    const auto note = [&](const QString &event) {
        QMutexLocker lock(&mutex);
        events.append(event);
    };
    connect(outlet, &LibratoOutlet::batchFinished, outlet,
            [&](const QByteArray &user, bool delivered) {
                note(QString::fromUtf8(user) + (delivered ? u'+' : u'-'));
            });
    thread.start();

    std::vector<Bucket> buckets = aliceBuckets();
    buckets.push_back(counter(m_bobToken, "bob.requests"));
    QMetaObject::invokeMethod(outlet, [&, outlet, buckets] {
        outlet->deliver(buckets, [&] {
            note(QStringLiteral("done1 in ") + QThread::currentThread()->objectName());
        });
        outlet->deliver({ counter(carolToken, "carol.requests") },
                        [&] { note(QStringLiteral("done2")); });
    });
    const auto count = [&](const QString &event) {
        QMutexLocker lock(&mutex);
        return events.count(event);
    };
    QTRY_COMPARE(count(QStringLiteral("done1 in outlet")), 1);
    QTRY_COMPARE(count(QStringLiteral("done2")), 1);
    QCOMPARE(fake.requests().size(), 4); // three batches, one retry
    QTest::qWait(100); // nothing more comes
    QMutexLocker lock(&mutex);
    QCOMPARE(events.size(), 5);
    const qsizetype alice = events.indexOf(QString::fromUtf8(kAlice) + u'+');
    const qsizetype bob = events.indexOf(QString::fromUtf8(kBob) + u'+');
    const qsizetype carol = events.indexOf(QStringLiteral("carol+"));
    QVERIFY(alice >= 0 && bob >= 0 && carol >= 0);
    QCOMPARE(events.indexOf(QStringLiteral("done1 in outlet")), std::max(alice, bob) + 1);
    QCOMPARE(events.indexOf(QStringLiteral("done2")), carol + 1);
    lock.unlock();
    thread.quit();
    QVERIFY(thread.wait(5000));
}

void Tst_libratooutlet::doneAfterFailuresForGood()
{
    // A permanent error and exhausted retries end a batch as much as a 2xx.
    FakeLibrato fake;
    fake.failNext(1, 400);
    LibratoOutlet::Options opts = options(fake.url());
    opts.retries = 1;
    LibratoOutlet outlet(opts, m_fernet, nullptr);
    QSignalSpy finished(&outlet, &LibratoOutlet::batchFinished);
    int done = 0;
    outlet.deliver(aliceBuckets(), [&] {
        QCOMPARE(finished.size(), 1); // after the batch ended
        ++done;
    });
    QCOMPARE(done, 0);
    QTRY_COMPARE(done, 1);
    QCOMPARE(fake.requests().size(), 1);

    fake.failNext(2, 503);
    outlet.deliver({ counter(m_aliceToken, "again") }, [&] { ++done; });
    QTRY_COMPARE(done, 2);
    QCOMPARE(fake.requests().size(), 3); // the first attempt and one retry
    QCOMPARE(finished.size(), 2);
    QCOMPARE(finished.last().at(1).toBool(), false);
    QTest::qWait(50);
    QCOMPARE(done, 2);
}

void Tst_libratooutlet::doneAtOnceWithNothingToSend()
{
    // No buckets, only undeliverable tokens, or preview mode: nothing to wait
    // for, so done runs before deliver() returns, once.
    FakeLibrato fake;
    Metrics metrics;
    LibratoOutlet outlet(options(fake.url()), m_fernet, &metrics);
    int done = 0;
    outlet.deliver({}, [&] { ++done; });
    QCOMPARE(done, 1);
    outlet.deliver({ counter("not-a-drain-token", "u") }, [&] { ++done; });
    QCOMPARE(done, 2);
    QCOMPARE(metrics.value("gauges_undeliverable"), 1.0);
    QCOMPARE(outlet.inFlight(), 0);

    LibratoOutlet::Options opts = options(fake.url());
    opts.preview = true;
    LibratoOutlet preview(opts, m_fernet, &metrics);
    preview.deliver(aliceBuckets(), [&] { ++done; });
    QCOMPARE(done, 3);
    QCOMPARE(preview.previews().size(), 1);
    QTest::qWait(50);
    QCOMPARE(done, 3);
    QCOMPARE(fake.requests().size(), 0);
}

void Tst_libratooutlet::doneNeverRunsWhenDestroyed()
{
    // Destroyed with the request unanswered: the gauges count as failed, yet
    // nothing confirmed them, so done (the store's acknowledgement) never runs.
    FakeLibrato fake;
    fake.stallNext(1);
    Metrics metrics;
    LibratoOutlet::Options opts = options(fake.url());
    opts.timeoutMs = 10000;
    auto outlet = std::make_unique<LibratoOutlet>(opts, m_fernet, &metrics);
    int done = 0;
    outlet->deliver(aliceBuckets(), [&] { ++done; });
    QTRY_COMPARE(fake.requests().size(), 1);
    outlet.reset();
    QCOMPARE(metrics.value("gauges_failed"), 5.0);
    QTest::qWait(50);
    QCOMPARE(done, 0);
}

void Tst_libratooutlet::fakeValidatesLikeLibrato_data()
{
    QTest::addColumn<QByteArray>("gauges"); // the JSON of the gauges array
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("error");

    const QByteArray name255(255, 'n');
    QTest::newRow("value") << QByteArray(R"([{"name":"a.b:c_d-e","measure_time":60,"value":1}])")
                           << 200 << QByteArray("{}");
    QTest::newRow("complex") << QByteArray(
        R"([{"name":"a","source":"web.1","measure_time":60,"count":2,"sum":3,"min":1,"max":2,"sum_squares":5}])")
                             << 200 << QByteArray("{}");
    QTest::newRow("name 255") << QByteArray(R"([{"name":")" + name255
                                            + R"(","measure_time":60,"value":1}])")
                              << 200 << QByteArray("{}");
    QTest::newRow("name 256") << QByteArray(R"([{"name":")" + name255
                                            + R"(n","measure_time":60,"value":1}])")
                              << 400
                              << QByteArray(R"({"errors":{"params":{"name":["is invalid"]}}})");
    QTest::newRow("name space") << QByteArray(R"([{"name":"a b","measure_time":60,"value":1}])")
                                << 400
                                << QByteArray(R"({"errors":{"params":{"name":["is invalid"]}}})");
    QTest::newRow("name empty") << QByteArray(R"([{"name":"","measure_time":60,"value":1}])") << 400
                                << QByteArray(R"({"errors":{"params":{"name":["is invalid"]}}})");
    QTest::newRow("no name") << QByteArray(R"([{"measure_time":60,"value":1}])") << 400
                             << QByteArray(R"({"errors":{"params":{"name":["is required"]}}})");
    QTest::newRow("no time") << QByteArray(R"([{"name":"a","value":1}])") << 400
                             << QByteArray(
                                    R"({"errors":{"params":{"measure_time":["is required"]}}})");
    QTest::newRow("bad source") << QByteArray(
        R"([{"name":"a","source":"w/1","measure_time":60,"value":1}])")
                                << 400
                                << QByteArray(R"({"errors":{"params":{"source":["is invalid"]}}})");
    QTest::newRow("value and count")
        << QByteArray(R"([{"name":"a","measure_time":60,"value":1,"count":1,"sum":1}])") << 400
        << QByteArray(
               R"({"errors":{"params":{"value":["cannot be combined with count and sum"]}}})");
    QTest::newRow("count alone") << QByteArray(R"([{"name":"a","measure_time":60,"count":1}])")
                                 << 400
                                 << QByteArray(R"({"errors":{"params":{"sum":["is required"]}}})");
    QTest::newRow("no value") << QByteArray(R"([{"name":"a","measure_time":60}])") << 400
                              << QByteArray(R"({"errors":{"params":{"value":["is required"]}}})");
    QTest::newRow("null value") << QByteArray(R"([{"name":"a","measure_time":60,"value":null}])")
                                << 400
                                << QByteArray(
                                       R"({"errors":{"params":{"value":["is not a number"]}}})");
    QTest::newRow("empty") << QByteArray(
        "[]") << 400 << QByteArray(R"({"errors":{"params":{"gauges":["must not be empty"]}}})");

    // Attributes: Librato's documented keys plus l2met_type (docs/behaviour.md section 5).
    const QByteArray g = R"([{"name":"a","measure_time":60,"value":1,"attributes":)";
    QTest::newRow("l2met attributes")
        << g + R"({"display_units_long":"ms","display_min":0,"summarize_function":"sum","aggregate":true,"l2met_type":"counter"}}])"
        << 200 << QByteArray("{}");
    QTest::newRow("other documented attributes")
        << g + R"({"color":"#ff0000","display_max":9,"display_units_short":"s","display_stacked":false,"display_transform":"x","created_by_ua":"l2met","gap_detection":true}}])"
        << 200 << QByteArray("{}");
    QTest::newRow("unknown attribute")
        << g + R"({"display_units_long":"ms","l2met_kind":"counter"}}])" << 400
        << QByteArray(R"({"errors":{"params":{"attributes":["l2met_kind is not a metric attribute"]}}})");
    QTest::newRow("summarize_function last")
        << g + R"({"summarize_function":"last"}}])" << 400
        << QByteArray(R"({"errors":{"params":{"attributes":["summarize_function is invalid"]}}})");
    QTest::newRow("summarize_function not text")
        << g + R"({"summarize_function":1}}])" << 400
        << QByteArray(R"({"errors":{"params":{"attributes":["summarize_function is invalid"]}}})");
    QTest::newRow("aggregate as text")
        << g + R"({"aggregate":"true"}}])" << 400
        << QByteArray(R"({"errors":{"params":{"attributes":["aggregate must be true or false"]}}})");
    QTest::newRow("attributes not an object")
        << g + R"("ms"}])" << 400 << QByteArray(R"({"errors":{"params":{"attributes":["is invalid"]}}})");

    QByteArray many = "[";
    for (int i = 0; i < 301; ++i)
        many += QByteArray(i ? "," : "") + R"({"name":"a","measure_time":60,"value":1})";
    many += "]";
    QTest::newRow("301 gauges")
        << many << 400
        << QByteArray(R"x({"errors":{"request":["Too many measurements: 301 (max 300)"]}})x");
}

void Tst_libratooutlet::fakeValidatesLikeLibrato()
{
    QFETCH(QByteArray, gauges);
    QFETCH(int, status);
    QFETCH(QByteArray, error);

    FakeLibrato::Request request;
    request.method = "POST";
    request.target = "/v1/metrics";
    request.version = "HTTP/1.1";
    request.headers.append({ QByteArray("Content-Type"), QByteArray("application/json") });
    request.hasBasicAuth = true;
    request.user = kAlice;
    request.password = kAliceApiToken;
    request.body = QByteArray(R"({"gauges":)" + gauges + "}");
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    QVERIFY(document.isObject());
    request.jsonValid = true;
    request.json = document.object();
    QCOMPARE(FakeLibrato::validate(request), std::make_pair(status, error));

    if (status == 200) {
        FakeLibrato::Request anonymous = request;
        anonymous.hasBasicAuth = false;
        QCOMPARE(FakeLibrato::validate(anonymous).first, 401);
        FakeLibrato::Request elsewhere = request;
        elsewhere.target = "/v1/measurements";
        QCOMPARE(FakeLibrato::validate(elsewhere).first, 404);
    }
}

void Tst_libratooutlet::fakeServesPipelinedRequests()
{
    FakeLibrato fake;
    QSignalSpy received(&fake, &FakeLibrato::requestReceived);
    QTcpSocket socket;
    QByteArray answers;
    connect(&socket, &QTcpSocket::readyRead, this, [&] { answers += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, fake.port());
    QVERIFY(socket.waitForConnected(2000));

    auto post = [](const QByteArray &body, const QByteArray &auth) {
        return QByteArray("POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                          + "Content-Type: application/json\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    };
    const QByteArray auth = "Authorization: Basic " + QByteArray("u:p").toBase64() + "\r\n";
    const QByteArray valid = R"({"gauges":[{"name":"a","measure_time":60,"value":1}]})";
    const QByteArray invalid = R"({"gauges":[{"name":"a b","measure_time":60,"value":1}]})";
    // Three requests back to back, the last one split inside its body.
    const QByteArray stream = post(valid, auth) + post(invalid, auth) + post(valid, QByteArray());
    socket.write(stream.left(stream.size() - 10));
    QTRY_COMPARE(received.size(), 2);
    socket.write(stream.right(10));
    QTRY_COMPARE(received.size(), 3);
    QTRY_COMPARE(answers.count("HTTP/1.1 "), 3);

    QCOMPARE(fake.connectionsAccepted(), 1);
    QCOMPARE(fake.requests().size(), 3);
    QCOMPARE(fake.requests()[0].status, 200);
    QCOMPARE(fake.requests()[1].status, 400);
    QCOMPARE(fake.requests()[2].status, 401);
    QCOMPARE(fake.requests()[0].user, QByteArray("u"));
    QCOMPARE(fake.requests()[0].password, QByteArray("p"));
    // Answered in order.
    const qsizetype ok = answers.indexOf("HTTP/1.1 200");
    const qsizetype bad = answers.indexOf("HTTP/1.1 400");
    const qsizetype unauthorized = answers.indexOf("HTTP/1.1 401");
    QVERIFY(ok >= 0 && ok < bad && bad < unauthorized);
    QVERIFY(answers.contains(R"({"errors":{"params":{"name":["is invalid"]}}})"));
    QCOMPARE(fake.acceptedGauges().size(), 1);
}

QTEST_GUILESS_MAIN(Tst_libratooutlet)
#include "tst_libratooutlet.moc"
