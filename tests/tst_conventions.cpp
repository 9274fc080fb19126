// Tests of Conventions::extract(): the log conventions of docs/behaviour.md section 3 over
// realistic Heroku messages (the shapes of tests/data/heroku-messages.txt):
// metric keys, bare keys, units, source=, router fields, logplex L10
// notices, and every malformed piece counted under its ParseCounter while
// the good pieces of the same line are kept.
#include "parser/conventions.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <charconv>
#include <string_view>

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()));
}

QByteArray bytes(std::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

// Shortest text that reads back as the same double: "2.46", "29038814063".
QByteArray number(double value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return QByteArray(buffer, result.ptr - buffer);
}

// "TYPE:NAME=VALUE" or "TYPE:NAME=VALUE [UNITS]", e.g. "sample:memory_total=21 [MB]".
QByteArray render(const l2met::LineMeasurement &m)
{
    QByteArray text = QByteArray(l2met::bucketTypeName(m.type)) + ':' + bytes(m.name) + '='
        + number(m.value);
    if (!m.units.empty())
        text += " [" + bytes(m.units) + ']';
    return text;
}

// The non-zero counters, "name=N" in enum order, space-separated.
QByteArray render(const l2met::ParseCounters &counters)
{
    QList<QByteArray> parts;
    for (size_t i = 0; i < l2met::ParseCounters::kCount; ++i) {
        const auto c = static_cast<l2met::ParseCounter>(i);
        if (counters[c] != 0)
            parts.append(QByteArray(l2met::ParseCounters::name(c)) + '='
                         + QByteArray::number(counters[c]));
    }
    return parts.join(' ');
}

QByteArray problemName(l2met::ParseCounter c)
{
    return c == l2met::ParseCounter::Count_ ? QByteArray()
                                            : QByteArray(l2met::ParseCounters::name(c));
}

// MESSAGE parts from tests/data/heroku-messages.txt.
const QByteArray kRouterOk = QByteArrayLiteral(
    "at=info method=GET path=\"/\" host=example-app-1234567890ab.herokuapp.com "
    "request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd=\"204.204.204.204\" dyno=web.1 "
    "connect=1ms service=18ms status=200 bytes=13 tls_version=tls1.1 protocol=http");
const QByteArray kRouterH12 = QByteArrayLiteral(
    "at=error code=H12 desc=\"Request timeout\" method=GET path=\"/slow\" "
    "host=example-app-1234567890ab.herokuapp.com request_id=2f1c5d5e-1b1e-4c6e-9a51-1d0c3c2b7a10 "
    "fwd=\"10.1.2.3\" dyno=web.2 connect= service=30000ms status=503 bytes=0 protocol=http");
const QByteArray kRouterPost = QByteArrayLiteral(
    "at=info method=POST path=\"/api/orders\" host=shop.example.com request_id=a1b2c3d4 "
    "fwd=\"198.51.100.7\" dyno=web.1 connect=0ms service=245ms status=201 bytes=512 "
    "protocol=http2.0 tls=true tls_version=tls1.3");
const QByteArray kLoad = QByteArrayLiteral(
    "source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 "
    "sample#load_avg_1m=2.46 sample#load_avg_5m=1.06 sample#load_avg_15m=0.99");
const QByteArray kMemory = QByteArrayLiteral(
    "source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 "
    "sample#memory_total=21.00MB sample#memory_rss=21.22MB sample#memory_cache=0.00MB "
    "sample#memory_swap=0.00MB sample#memory_pgpgin=348836pages sample#memory_pgpgout=343403pages");
const QByteArray kAppMetrics = QByteArrayLiteral(
    "at=info measure#db.latency=4ms count#db.queries=2 sample#queue.depth=7 source=web.1");
const QByteArray kPostgres = QByteArrayLiteral(
    "source=HEROKU_POSTGRESQL_AMBER addon=postgresql-contoured-74178 "
    "sample#current_transaction=32230410 sample#db_size=29038814063bytes sample#tables=287 "
    "sample#active-connections=40 sample#waiting-connections=0 "
    "sample#index-cache-hit-rate=0.99836 sample#table-cache-hit-rate=0.9938 "
    "sample#load-avg-1m=0.01 sample#read-iops=0.4477 sample#write-iops=8.8243 "
    "sample#tmp-disk-used=33849344 sample#tmp-disk-available=72944943104 "
    "sample#memory-total=15657124kB sample#wal-percentage-used=0.0685");
const QByteArray kRedis = QByteArrayLiteral(
    "source=REDIS addon=redis-metric-98068 sample#active-connections=404 "
    "sample#load-avg-1m=0.115 sample#read-iops=0 sample#write-iops=54.758 "
    "sample#memory-total=15405660kB sample#memory-free=12639520kB "
    "sample#memory-cached=1911724kB sample#memory-redis=343477584bytes sample#hit-rate=0.7 "
    "sample#evicted-keys=0");
const QByteArray kL10 = QByteArrayLiteral(
    "Error L10 (output buffer overflow): 500 messages dropped since 2026-11-25T18:02:00+00:00.");

} // namespace

class Tst_conventions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void extract_data();
    void extract();
    void logplexNotices_data();
    void logplexNotices();
    void routerAndPlatformCounters_data();
    void routerAndPlatformCounters();
    void countersAddUpAndLinesStartClean();
    void escapedSourceOutlivesTheMessage();
    void namesAndUnitsPointIntoTheMessage();
};

void Tst_conventions::extract_data()
{
    QTest::addColumn<QByteArray>("procId");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QList<QByteArray>>("measurements");
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("counters");
    QTest::addColumn<QByteArray>("firstProblem");

    const QByteArray web = QByteArrayLiteral("web.1");
    const QByteArray router = QByteArrayLiteral("router");
    const QByteArray none;
    using List = QList<QByteArray>;

    // Key forms.
    QTest::newRow("measure#") << web << QByteArrayLiteral("measure#db.latency=4ms")
                              << List { "measurement:db.latency=4 [ms]" } << none << none << none;
    QTest::newRow("legacy measure.") << web << QByteArrayLiteral("measure.db.latency=4ms")
                                     << List { "measurement:db.latency=4 [ms]" } << none << none
                                     << none;
    QTest::newRow("sample#") << web << QByteArrayLiteral("sample#queue.depth=7")
                             << List { "sample:queue.depth=7" } << none << none << none;
    QTest::newRow("count#") << web << QByteArrayLiteral("count#db.queries=2")
                            << List { "counter:db.queries=2" } << none << none << none;
    QTest::newRow("negative counter") << web << QByteArrayLiteral("count#refunds=-3")
                                      << List { "counter:refunds=-3" } << none << none << none;
    QTest::newRow("bare measure#") << web << QByteArrayLiteral("measure#hit")
                                   << List { "measurement:hit=1" } << none << none << none;
    QTest::newRow("bare count#") << web << QByteArrayLiteral("count#hit")
                                 << List { "counter:hit=1" } << none << none << none;
    QTest::newRow("bare measure.") << web << QByteArrayLiteral("measure.hit")
                                   << List { "measurement:hit=1" } << none << none << none;
    QTest::newRow("bare sample# needs a value")
        << web << QByteArrayLiteral("sample#depth count#ok") << List { "counter:ok=1" } << none
        << QByteArrayLiteral("bad_value_missing=1") << QByteArrayLiteral("bad_value_missing");
    QTest::newRow("quoted value") << web << QByteArrayLiteral("measure#a=\"4ms\"")
                                  << List { "measurement:a=4 [ms]" } << none << none << none;
    QTest::newRow("not metric keys")
        << web
        << QByteArrayLiteral("at=info xmeasure#a=1 Measure#b=2 measures.c=3 measurement=4 "
                             "count=5 sample=6 msg=\"measure#d=7\" =8")
        << List {} << none << none << none;
    QTest::newRow("duplicate names are all kept")
        << web << QByteArrayLiteral("measure#a=1 measure#a=2")
        << List { "measurement:a=1", "measurement:a=2" } << none << none << none;

    // Values and units.
    QTest::newRow("units")
        << web
        << QByteArrayLiteral("measure#a=4ms sample#b=21.00MB measure#c=10% measure#d=3.5ms/req")
        << List { "measurement:a=4 [ms]", "sample:b=21 [MB]", "measurement:c=10 [%]",
                  "measurement:d=3.5 [ms/req]" }
        << none << none << none;
    QTest::newRow("sign, fraction, exponent")
        << web << QByteArrayLiteral("measure#a=-2.5e-1s measure#b=+.5 measure#c=1E3")
        << List { "measurement:a=-0.25 [s]", "measurement:b=0.5", "measurement:c=1000" } << none
        << none << none;

    // source=.
    QTest::newRow("source before the metrics")
        << web << QByteArrayLiteral("source=web.1 measure#a=1") << List { "measurement:a=1" }
        << QByteArrayLiteral("web.1") << none << none;
    QTest::newRow("source after the metrics")
        << web << QByteArrayLiteral("measure#a=1 count#b=2 source=web.2")
        << List { "measurement:a=1", "counter:b=2" } << QByteArrayLiteral("web.2") << none
        << none;
    QTest::newRow("quoted source") << web << QByteArrayLiteral("source=\"web 1\" measure#a=1")
                                   << List { "measurement:a=1" } << QByteArrayLiteral("web 1")
                                   << none << none;
    QTest::newRow("escaped source")
        << web << QByteArrayLiteral("measure#a=1 source=\"web \\\"one\\\"\\\\x\"")
        << List { "measurement:a=1" } << QByteArrayLiteral("web \"one\"\\x") << none << none;
    QTest::newRow("bare source is no source") << web << QByteArrayLiteral("source measure#a=1")
                                              << List { "measurement:a=1" } << none << none
                                              << none;
    QTest::newRow("empty source") << web << QByteArrayLiteral("source= measure#a=1")
                                  << List { "measurement:a=1" } << none << none << none;
    QTest::newRow("last source wins") << web << QByteArrayLiteral("source=a measure#x=1 source=b")
                                      << List { "measurement:x=1" } << QByteArrayLiteral("b")
                                      << none << none;
    QTest::newRow("source without metrics") << web << QByteArrayLiteral("source=web.1 at=info")
                                            << List {} << QByteArrayLiteral("web.1") << none
                                            << none;

    // Realistic lines.
    QTest::newRow("several metrics in one line")
        << web << kAppMetrics
        << List { "measurement:db.latency=4 [ms]", "counter:db.queries=2",
                  "sample:queue.depth=7" }
        << QByteArrayLiteral("web.1") << none << none;
    QTest::newRow("dyno load") << web << kLoad
                               << List { "sample:load_avg_1m=2.46", "sample:load_avg_5m=1.06",
                                         "sample:load_avg_15m=0.99" }
                               << QByteArrayLiteral("web.1") << none << none;
    QTest::newRow("dyno memory")
        << web << kMemory
        << List { "sample:memory_total=21 [MB]", "sample:memory_rss=21.22 [MB]",
                  "sample:memory_cache=0 [MB]", "sample:memory_swap=0 [MB]",
                  "sample:memory_pgpgin=348836 [pages]", "sample:memory_pgpgout=343403 [pages]" }
        << QByteArrayLiteral("web.1") << none << none;
    QTest::newRow("heroku-postgres")
        << QByteArrayLiteral("heroku-postgres") << kPostgres
        << List { "sample:current_transaction=32230410",
                  "sample:db_size=29038814063 [bytes]",
                  "sample:tables=287",
                  "sample:active-connections=40",
                  "sample:waiting-connections=0",
                  "sample:index-cache-hit-rate=0.99836",
                  "sample:table-cache-hit-rate=0.9938",
                  "sample:load-avg-1m=0.01",
                  "sample:read-iops=0.4477",
                  "sample:write-iops=8.8243",
                  "sample:tmp-disk-used=33849344",
                  "sample:tmp-disk-available=72944943104",
                  "sample:memory-total=15657124 [kB]",
                  "sample:wal-percentage-used=0.0685" }
        << QByteArrayLiteral("HEROKU_POSTGRESQL_AMBER") << none << none;
    QTest::newRow("heroku-redis")
        << QByteArrayLiteral("heroku-redis") << kRedis
        << List { "sample:active-connections=404", "sample:load-avg-1m=0.115",
                  "sample:read-iops=0", "sample:write-iops=54.758",
                  "sample:memory-total=15405660 [kB]", "sample:memory-free=12639520 [kB]",
                  "sample:memory-cached=1911724 [kB]", "sample:memory-redis=343477584 [bytes]",
                  "sample:hit-rate=0.7", "sample:evicted-keys=0" }
        << QByteArrayLiteral("REDIS") << none << none;
    QTest::newRow("plain log output") << web << QByteArrayLiteral("at=info msg=\"hello world\"")
                                      << List {} << none << none << none;
    QTest::newRow("empty message") << web << QByteArray() << List {} << none << none << none;

    // Router lines.
    QTest::newRow("router")
        << router << kRouterOk
        << List { "measurement:router.connect=1 [ms]", "measurement:router.service=18 [ms]",
                  "measurement:router.bytes=13", "counter:router.status.2xx=1" }
        << none << none << none;
    QTest::newRow("router H12, empty connect= is not malformed")
        << router << kRouterH12
        << List { "measurement:router.service=30000 [ms]", "measurement:router.bytes=0",
                  "counter:router.status.5xx=1", "counter:router.error.H12=1" }
        << none << none << none;
    QTest::newRow("router POST")
        << router << kRouterPost
        << List { "measurement:router.connect=0 [ms]", "measurement:router.service=245 [ms]",
                  "measurement:router.bytes=512", "counter:router.status.2xx=1" }
        << none << none << none;
    QTest::newRow("router fields outside router lines are ignored")
        << web << kRouterOk << List {} << none << none << none;
    QTest::newRow("H12 outside router lines") << web << kRouterH12 << List {} << none << none
                                              << none;
    QTest::newRow("router bare fields are ignored")
        << router << QByteArrayLiteral("connect service bytes") << List {} << none << none
        << none;
    QTest::newRow("router field that is not a number")
        << router << QByteArrayLiteral("connect=abc service=5ms")
        << List { "measurement:router.service=5 [ms]" } << none
        << QByteArrayLiteral("bad_value_not_number=1") << QByteArrayLiteral("bad_value_not_number");
    QTest::newRow("router line with its own metrics")
        << router << QByteArrayLiteral("connect=2ms measure#custom=3 source=edge")
        << List { "measurement:router.connect=2 [ms]", "measurement:custom=3" }
        << QByteArrayLiteral("edge") << none << none;

    // Malformed pieces, each next to a good one that is kept.
    QTest::newRow("empty name") << web << QByteArrayLiteral("measure#=1 measure#ok=2")
                                << List { "measurement:ok=2" } << none
                                << QByteArrayLiteral("bad_empty_name=1")
                                << QByteArrayLiteral("bad_empty_name");
    QTest::newRow("empty name, bare") << web << QByteArrayLiteral("count# count#ok")
                                      << List { "counter:ok=1" } << none
                                      << QByteArrayLiteral("bad_empty_name=1")
                                      << QByteArrayLiteral("bad_empty_name");
    QTest::newRow("empty name, legacy") << web << QByteArrayLiteral("measure.=5 sample#ok=1")
                                        << List { "sample:ok=1" } << none
                                        << QByteArrayLiteral("bad_empty_name=1")
                                        << QByteArrayLiteral("bad_empty_name");
    QTest::newRow("empty value") << web << QByteArrayLiteral("measure#a= measure#ok=2")
                                 << List { "measurement:ok=2" } << none
                                 << QByteArrayLiteral("bad_value_empty=1")
                                 << QByteArrayLiteral("bad_value_empty");
    QTest::newRow("empty quoted value") << web << QByteArrayLiteral("sample#a=\"\" count#ok=1")
                                        << List { "counter:ok=1" } << none
                                        << QByteArrayLiteral("bad_value_empty=1")
                                        << QByteArrayLiteral("bad_value_empty");
    QTest::newRow("not a number") << web << QByteArrayLiteral("measure#ok=1 measure#a=abc")
                                  << List { "measurement:ok=1" } << none
                                  << QByteArrayLiteral("bad_value_not_number=1")
                                  << QByteArrayLiteral("bad_value_not_number");
    QTest::newRow("units first") << web << QByteArrayLiteral("measure#a=ms4 measure#ok=1")
                                 << List { "measurement:ok=1" } << none
                                 << QByteArrayLiteral("bad_value_not_number=1")
                                 << QByteArrayLiteral("bad_value_not_number");
    QTest::newRow("NaN") << web << QByteArrayLiteral("measure#a=NaN measure#ok=1")
                         << List { "measurement:ok=1" } << none
                         << QByteArrayLiteral("bad_value_non_finite=1")
                         << QByteArrayLiteral("bad_value_non_finite");
    QTest::newRow("inf") << web << QByteArrayLiteral("sample#a=-inf sample#ok=1")
                         << List { "sample:ok=1" } << none
                         << QByteArrayLiteral("bad_value_non_finite=1")
                         << QByteArrayLiteral("bad_value_non_finite");
    QTest::newRow("overflow") << web << QByteArrayLiteral("count#a=1e999 count#ok=1")
                              << List { "counter:ok=1" } << none
                              << QByteArrayLiteral("bad_value_non_finite=1")
                              << QByteArrayLiteral("bad_value_non_finite");
    QTest::newRow("bad units") << web << QByteArrayLiteral("measure#a=1.2.3 measure#ok=4ms")
                               << List { "measurement:ok=4 [ms]" } << none
                               << QByteArrayLiteral("bad_value_units=1")
                               << QByteArrayLiteral("bad_value_units");
    QTest::newRow("unterminated quote")
        << web << QByteArrayLiteral("measure#ok=1 source=web.1 desc=\"oops measure#lost=2")
        << List { "measurement:ok=1" } << QByteArrayLiteral("web.1")
        << QByteArrayLiteral("unterminated_quote=1") << QByteArrayLiteral("unterminated_quote");
    QTest::newRow("unterminated quote in a metric value")
        << web << QByteArrayLiteral("count#ok measure#a=\"4ms")
        << List { "counter:ok=1" } << none << QByteArrayLiteral("unterminated_quote=1")
        << QByteArrayLiteral("unterminated_quote");
    QTest::newRow("every kind in one line")
        << web
        << QByteArrayLiteral("measure#=1 measure#e= measure#n=abc measure#nan=NaN "
                             "sample#inf=-Infinity measure#u=1.2.3 sample#bare count#ok=3 "
                             "measure#good=1ms source=s measure#n2=x desc=\"open")
        << List { "counter:ok=3", "measurement:good=1 [ms]" } << QByteArrayLiteral("s")
        << QByteArrayLiteral("bad_value_empty=1 bad_value_missing=1 bad_value_not_number=2 "
                             "bad_value_non_finite=2 bad_value_units=1 bad_empty_name=1 "
                             "unterminated_quote=1")
        << QByteArrayLiteral("bad_empty_name");
    QTest::newRow("only malformed pieces") << web << QByteArrayLiteral("measure#a=x measure#b=y")
                                           << List {} << none
                                           << QByteArrayLiteral("bad_value_not_number=2")
                                           << QByteArrayLiteral("bad_value_not_number");
}

void Tst_conventions::extract()
{
    QFETCH(QByteArray, procId);
    QFETCH(QByteArray, message);
    QFETCH(QList<QByteArray>, measurements);
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, counters);
    QFETCH(QByteArray, firstProblem);

    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters parseCounters;
    conventions.extract(view(procId), view(message), &out, parseCounters);

    QList<QByteArray> actual;
    for (const l2met::LineMeasurement &m : out.measurements)
        actual.append(render(m));
    QCOMPARE(actual, measurements);
    QCOMPARE(bytes(out.source), source);
    QCOMPARE(render(parseCounters), counters);
    QCOMPARE(problemName(out.firstProblem), firstProblem);
    QCOMPARE(quint64(out.badPieces), parseCounters.badValues());
    QVERIFY(!out.logplexNotice);
    QCOMPARE(out.logplexDropped, quint64(0));
    // Conventions decide about pieces, never about whole lines.
    QCOMPARE(parseCounters.lines(), quint64(0));
}

void Tst_conventions::routerAndPlatformCounters_data()
{
    QTest::addColumn<QByteArray>("procId");
    QTest::addColumn<bool>("heroku"); // APP-NAME heroku
    QTest::addColumn<bool>("routerStatus");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QList<QByteArray>>("measurements");
    using List = QList<QByteArray>;
    const QByteArray router = "router";
    const QByteArray web = "web.1";

    for (const char *status : { "100", "204", "302", "404", "599" }) {
        QTest::addRow("status %s", status)
            << router << true << true << "at=info status=" + QByteArray(status)
            << List { "counter:router.status." + QByteArray(1, status[0]) + "xx=1" };
    }
    for (const char *status : { "600", "099", "20", "2000", "2x0", "" }) {
        QTest::addRow("status '%s' ignored", status)
            << router << true << true << "at=info status=" + QByteArray(status) << List {};
    }
    QTest::newRow("--router-status=off")
        << router << true << false << kRouterH12
        << List { "measurement:router.service=30000 [ms]", "measurement:router.bytes=0",
                  "counter:router.error.H12=1" };
    QTest::newRow("code before at")
        << router << true << true << QByteArray("code=H10 desc=\"App crashed\" at=error")
        << List { "counter:router.error.H10=1" };
    QTest::newRow("code without at=error") << router << true << true
                                           << QByteArray("at=info code=H12") << List {};
    QTest::newRow("odd codes") << router << true << true
                               << QByteArray("at=error code=h12") << List {};
    QTest::newRow("code too long") << router << true << true
                                   << QByteArray("at=error code=H123456") << List {};
    QTest::newRow("R14 from heroku")
        << web << true << true << QByteArray("Error R14 (Memory quota exceeded)")
        << List { "counter:heroku.error.R14=1" };
    QTest::newRow("R10 with an arrow")
        << web << true << true
        << QByteArray("Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 "
                      "seconds of launch")
        << List { "counter:heroku.error.R10=1" };
    QTest::newRow("R99 at the end") << web << true << true << QByteArray("Error R99")
                                    << List { "counter:heroku.error.R99=1" };
    QTest::newRow("an app's own Error R14") << web << false << true
                                            << QByteArray("Error R14 (Memory quota exceeded)")
                                            << List {};
    QTest::newRow("not at the start") << web << true << true
                                      << QByteArray("State changed: Error R14") << List {};
    QTest::newRow("Errors") << web << true << true << QByteArray("Errors R14") << List {};
    QTest::newRow("Error R14x") << web << true << true << QByteArray("Error R14x") << List {};
}

void Tst_conventions::routerAndPlatformCounters()
{
    QFETCH(QByteArray, procId);
    QFETCH(bool, heroku);
    QFETCH(bool, routerStatus);
    QFETCH(QByteArray, message);
    QFETCH(QList<QByteArray>, measurements);

    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters counters;
    l2met::ConventionFlags flags;
    flags.heroku = heroku;
    flags.routerStatus = routerStatus;
    conventions.extract(view(procId), view(message), &out, counters, flags);
    QList<QByteArray> actual;
    for (const l2met::LineMeasurement &m : out.measurements)
        actual.append(render(m));
    QCOMPARE(actual, measurements);
    QCOMPARE(counters.badValues(), quint64(0)); // never a malformed piece
}

void Tst_conventions::logplexNotices_data()
{
    QTest::addColumn<QByteArray>("procId");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("notice");
    QTest::addColumn<quint64>("dropped");
    QTest::addColumn<int>("measurements");

    QTest::newRow("L10") << QByteArrayLiteral("logplex") << kL10 << true << quint64(500) << 0;
    QTest::newRow("L10, one message") << QByteArrayLiteral("logplex")
                                      << QByteArrayLiteral("Error L10 (output buffer overflow): "
                                                           "1 messages dropped since "
                                                           "2026-11-25T18:02:00+00:00.")
                                      << true << quint64(1) << 0;
    QTest::newRow("L10, large count")
        << QByteArrayLiteral("logplex")
        << QByteArrayLiteral("Error L10 (output buffer overflow): 4294967296 messages dropped "
                             "since 2026-11-25T18:02:00+00:00.")
        << true << quint64(4294967296ULL) << 0;
    QTest::newRow("L10 without a count") << QByteArrayLiteral("logplex")
                                         << QByteArrayLiteral("Error L10 (output buffer overflow)")
                                         << true << quint64(0) << 0;
    QTest::newRow("L10 text from an app is an ordinary line")
        << QByteArrayLiteral("web.1") << kL10 << false << quint64(0) << 0;
    QTest::newRow("other logplex message is scanned for metrics")
        << QByteArrayLiteral("logplex") << QByteArrayLiteral("measure#a=1 at=info")
        << false << quint64(0) << 1;
    QTest::newRow("other logplex error") << QByteArrayLiteral("logplex")
                                         << QByteArrayLiteral("Error L11 (something else)")
                                         << false << quint64(0) << 0;
}

void Tst_conventions::logplexNotices()
{
    QFETCH(QByteArray, procId);
    QFETCH(QByteArray, message);
    QFETCH(bool, notice);
    QFETCH(quint64, dropped);
    QFETCH(int, measurements);

    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters counters;
    conventions.extract(view(procId), view(message), &out, counters);
    QCOMPARE(out.logplexNotice, notice);
    QCOMPARE(out.logplexDropped, dropped);
    QCOMPARE(int(out.measurements.size()), measurements);
    QCOMPARE(out.badPieces, 0);
    // Counting dropped messages is the body parser's job, not extract()'s.
    QCOMPARE(render(counters), QByteArray());
}

void Tst_conventions::countersAddUpAndLinesStartClean()
{
    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters counters;
    const QByteArray bad = QByteArrayLiteral("measure#a=x source=one measure#=1 count#ok");
    const QByteArray good = QByteArrayLiteral("measure#b=2");
    const QByteArray procId = QByteArrayLiteral("web.1");

    conventions.extract(view(procId), view(bad), &out, counters);
    QCOMPARE(out.badPieces, 2);
    QCOMPARE(out.measurements.size(), size_t(1));
    conventions.extract(view(procId), view(bad), &out, counters);
    QCOMPARE(out.badPieces, 2);
    QCOMPARE(render(counters), QByteArrayLiteral("bad_value_not_number=2 bad_empty_name=2"));

    // The next line starts from nothing: no measurements, source or
    // problems carried over, and the counters are left alone.
    conventions.extract(view(procId), view(good), &out, counters);
    QCOMPARE(out.measurements.size(), size_t(1));
    QCOMPARE(render(out.measurements.front()), QByteArrayLiteral("measurement:b=2"));
    QVERIFY(out.source.empty());
    QCOMPARE(out.badPieces, 0);
    QCOMPARE(out.firstProblem, l2met::ParseCounter::Count_);
    QCOMPARE(render(counters), QByteArrayLiteral("bad_value_not_number=2 bad_empty_name=2"));

    const QByteArray logplex = QByteArrayLiteral("logplex");
    conventions.extract(view(logplex), view(kL10), &out, counters);
    QVERIFY(out.logplexNotice);
    conventions.extract(view(procId), view(good), &out, counters);
    QVERIFY(!out.logplexNotice);
    QCOMPARE(out.logplexDropped, quint64(0));
}

// An escaped source is unescaped into the Conventions' own buffer: it must
// stay valid as long as documented (until the next call), whatever happens
// to the message.
void Tst_conventions::escapedSourceOutlivesTheMessage()
{
    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters counters;
    const QByteArray procId = QByteArrayLiteral("web.1");
    {
        QByteArray message = QByteArrayLiteral("source=\"a\\\"b\" measure#x=1");
        conventions.extract(view(procId), view(message), &out, counters);
        QVERIFY(out.source.data() < message.constData()
                || out.source.data() >= message.constData() + message.size());
        message.fill('#');
    }
    QCOMPARE(bytes(out.source), QByteArrayLiteral("a\"b"));

    // A plain source is a view into the message itself.
    const QByteArray plain = QByteArrayLiteral("measure#x=1 source=web.9");
    conventions.extract(view(procId), view(plain), &out, counters);
    QCOMPARE(out.source.data(), plain.constData() + 19);
    QCOMPARE(bytes(out.source), QByteArrayLiteral("web.9"));
}

void Tst_conventions::namesAndUnitsPointIntoTheMessage()
{
    l2met::Conventions conventions;
    l2met::LineMetrics out;
    l2met::ParseCounters counters;
    const QByteArray procId = QByteArrayLiteral("web.1");
    const QByteArray message = QByteArrayLiteral("measure#db.latency=4ms");
    conventions.extract(view(procId), view(message), &out, counters);
    QCOMPARE(out.measurements.size(), size_t(1));
    QCOMPARE(out.measurements[0].name.data(), message.constData() + 8);
    QCOMPARE(out.measurements[0].units.data(), message.constData() + 20);
    QCOMPARE(out.measurements[0].type, l2met::BucketType::Measurement);
    QCOMPARE(out.measurements[0].value, 4.0);
}

QTEST_GUILESS_MAIN(Tst_conventions)
#include "tst_conventions.moc"
