// Metrics registry, Prometheus rendering, and the problem log.
#include "fakelibrato.h"
#include "metrics/metchan.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "parser/parsemetrics.h"

#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace l2met;

namespace {

// Declarations as a stage makes them (the real ones: parser/parsemetrics.h...).
constexpr MetricInfo kTestLines { .name = "lines", .help = "help" };
constexpr MetricInfo kTestLinesOtherHelp { .name = "lines", .help = "other help ignored" };
constexpr MetricInfo kTestAggregated { .name = "lines_aggregated", .help = "lines by outcome" };
constexpr MetricInfo kTestDepth { .name = "inbox_depth", .help = "bodies waiting", .kind = MetricKind::Gauge };
constexpr MetricInfo kTestResponses { .name = "http_responses", .help = "by status", .labels = "status" };
constexpr MetricInfo kTestParse {
    .name = "parse_body", .help = "time to parse", .unit = MetricUnit::Seconds, .kind = MetricKind::Timer
};
constexpr MetricInfo kTestN { .name = "n", .help = "n" };
constexpr MetricInfo kTestConcurrent { .name = "registered_concurrently", .help = "x" };
constexpr MetricInfo kTestX { .name = "x", .help = "x" };

} // namespace

class TstMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameInstrumentForSameNameAndLabels()
    {
        Metrics m;
        Counter &a = m.counter(kTestLines);
        Counter &b = m.counter(kTestLinesOtherHelp);
        QCOMPARE(&a, &b);
        Counter &c = m.counter(kTestLines, "user=\"x\"");
        QVERIFY(&a != &c);
        a.add(3);
        c.add();
        QCOMPARE(m.value("lines"), 3.0);
        QCOMPARE(m.value("lines", "user=\"x\""), 1.0);
        QCOMPARE(m.value("absent"), 0.0);
        QCOMPARE(m.value(kTestLines), 3.0);
        QCOMPARE(m.value(kTestX), 0.0);
    }

    void prometheusText()
    {
        Metrics m;
        m.counter(kTestAggregated).add(42);
        m.gauge(kTestDepth).set(-3);
        m.counter(kTestResponses, "status=\"200\"").add(2);
        m.counter(kTestResponses, "status=\"401\"").add(1);
        Timer &t = m.timer(kTestParse);
        t.record(1500);
        t.record(500);
        const QByteArray text = m.prometheusText();
        QVERIFY(text.contains("# HELP l2met_lines_aggregated lines by outcome\n"
                              "# TYPE l2met_lines_aggregated counter\n"
                              "l2met_lines_aggregated 42\n"));
        QVERIFY(text.contains("# TYPE l2met_inbox_depth gauge\nl2met_inbox_depth -3\n"));
        // one HELP/TYPE per family, then every label set
        QCOMPARE(text.count("# TYPE l2met_http_responses counter"), 1);
        QVERIFY(text.contains("l2met_http_responses{status=\"200\"} 2\nl2met_http_responses{status=\"401\"} 1\n"));
        QVERIFY(text.contains("l2met_parse_body_count 2\nl2met_parse_body_sum 0.002000\n"));
        QCOMPARE(t.maxMicros(), 1500);
    }

    void parseCountersAreTheirDeclarations()
    {
        for (size_t i = 0; i < ParseCounters::kCount; ++i) {
            const auto c = static_cast<ParseCounter>(i);
            const MetricInfo &info = parseCounterMetric(c);
            QCOMPARE(QByteArrayView(ParseCounters::name(c)), info.name);
            QCOMPARE(info.kind, MetricKind::Counter);
            QCOMPARE(info.help, ParseCounters::isLineOutcome(c) ? kLineOutcomeHelp : kParserDetailHelp);
        }
        QCOMPARE(QByteArray(ParseCounters::name(ParseCounter::Count_)), QByteArray("unknown"));
    }

    void labelEscaping()
    {
        QCOMPARE(Metrics::labelValue("a\"b\\c\nd"), QByteArray("a\\\"b\\\\c\\nd"));
    }

    void countersAreThreadSafe()
    {
        Metrics m;
        Counter &c = m.counter(kTestN);
        QList<QThread *> threads;
        for (int i = 0; i < 4; ++i) {
            threads << QThread::create([&m, &c] {
                for (int j = 0; j < 100000; ++j) {
                    c.add();
                    m.counter(kTestConcurrent).add();
                }
            });
            threads.last()->start();
        }
        for (QThread *t : threads) {
            QVERIFY(t->wait(20000));
            delete t;
        }
        QCOMPARE(c.value(), 400000u);
        QCOMPARE(m.value("registered_concurrently"), 400000.0);
    }

    void metchanPostsDeltasToLibrato()
    {
        test::FakeLibrato librato;
        Metrics m;
        Counter &lines = m.counter(kTestAggregated);
        m.gauge(kTestDepth).set(7);
        m.timer(kTestParse).record(2000);
        lines.add(10);
        QUrl url = librato.url();
        url.setUserName(QStringLiteral("ops@example.com"));
        url.setPassword(QStringLiteral("metchan-token"));
        Metchan metchan(url, &m, QStringLiteral("host-1"));
        metchan.start(60000); // baselines taken now
        lines.add(5);
        m.timer(kTestParse).record(4000);
        QSignalSpy posted(&metchan, &Metchan::posted);
        const QByteArray body = metchan.post();
        QVERIFY(!body.contains("metchan-token"));
        QVERIFY(posted.wait(5000));
        QCOMPARE(posted.first().first().toInt(), 200);
        QCOMPARE(librato.requests().size(), 1);
        const auto &request = librato.requests().first();
        QCOMPARE(request.user, QByteArray("ops@example.com"));
        QCOMPARE(request.password, QByteArray("metchan-token"));
        QHash<QString, double> values;
        for (const test::FakeLibrato::Gauge &g : librato.acceptedGauges()) {
            QCOMPARE(g.json.value(QLatin1String("source")).toString(), QStringLiteral("host-1"));
            values.insert(g.json.value(QLatin1String("name")).toString(), g.json.value(QLatin1String("value")).toDouble());
        }
        QCOMPARE(values.value(QStringLiteral("l2met.lines_aggregated")), 5.0); // the increase
        QCOMPARE(values.value(QStringLiteral("l2met.inbox_depth")), 7.0);
        QCOMPARE(values.value(QStringLiteral("l2met.parse_body.count")), 1.0);
        QCOMPARE(values.value(QStringLiteral("l2met.parse_body.mean_ms")), 4.0);
    }

    void problemLogKeepsTheNewest()
    {
        ProblemLog log(3);
        for (int i = 0; i < 5; ++i)
            log.add(Problem { {}, "kind", "user", 0, QByteArray::number(i) });
        const QList<Problem> recent = log.recent();
        QCOMPARE(recent.size(), 3);
        QCOMPARE(recent.first().detail, QByteArray("2"));
        QCOMPARE(recent.last().detail, QByteArray("4"));
        QCOMPARE(log.total(), 5u);
        QVERIFY(recent.first().at.isValid());
        log.add(Problem { {}, "long", {}, 0, QByteArray(5000, 'x') });
        QCOMPARE(log.recent().last().detail.size(), qsizetype(ProblemLog::kMaxDetail));
    }
};

QTEST_GUILESS_MAIN(TstMetrics)
#include "tst_metrics.moc"
