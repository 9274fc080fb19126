// End-to-end parsing of logplex bodies into buckets: BodyParser and
// BucketAccumulator together, with l2met's classic cases and bad input mixed
// with good.
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"

#include <QDateTime>
#include <QFile>
#include <QTest>
#include <QTimeZone>

using namespace l2met;

namespace {

constexpr qint64 kNow = 1764093720; // 2025-11-25T18:02:00Z, a multiple of 60
const QByteArray kStamp = QByteArrayLiteral("2025-11-25T18:02:00+00:00");

QByteArray frame(const QByteArray &message)
{
    return QByteArray::number(message.size()) + ' ' + message;
}

QByteArray line(const QByteArray &procId, const QByteArray &message,
                const QByteArray &stamp = kStamp)
{
    return frame("<134>1 " + stamp + " host app " + procId + " - " + message);
}

// "name|source|units|type|time|v1,v2" for each bucket, sorted.
QStringList describe(const std::vector<Bucket> &buckets)
{
    QStringList out;
    for (const Bucket &b : buckets) {
        QStringList values;
        for (double v : b.values())
            values << QString::number(v, 'g', 17);
        out << QString::fromUtf8(b.id().name + '|' + b.id().source + '|' + b.id().units + '|'
                                 + bucketTypeName(b.id().type) + '|'
                                 + QByteArray::number(b.id().time) + '|')
                + values.join(u',');
    }
    out.sort();
    return out;
}

struct Run
{
    ParseCounters counters;
    std::vector<Bucket> buckets;
};

Run run(const QByteArray &body, const IngestOptions &options, qint64 now = kNow)
{
    BodyParser parser;
    BucketAccumulator acc;
    acc.reset(options.token, options.resolution);
    Run r;
    r.counters = parser.parse(std::string_view(body.constData(), size_t(body.size())), options,
                              now, acc);
    r.buckets = acc.takeBuckets();
    for (const Bucket &b : r.buckets) {
        if (b.id().auth != options.token || b.id().resolution != options.resolution)
            qFatal("bucket lost its credentials or resolution");
    }
    return r;
}

IngestOptions options(qint32 resolution = 60, const QByteArray &prefix = {},
                      const QByteArray &sourcePrefix = {})
{
    IngestOptions o;
    o.token = QByteArrayLiteral("drain-token");
    o.resolution = resolution;
    o.prefix = prefix;
    o.sourcePrefix = sourcePrefix;
    return o;
}

} // namespace

class TstBodyParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buckets_data();
    void buckets();
    void badInputKeepsTheRest();
    void brokenLengthCostsOnlyItsFrame_data();
    void brokenLengthCostsOnlyItsFrame();
    void lateAndEarly_data();
    void lateAndEarly();
    void unparsableTimestampUsesNow();
    void logplexDrops();
    void problemHookSeesBadLines();
    void examplesFile();
};

void TstBodyParser::buckets_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("resolution");
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("sourcePrefix");
    QTest::addColumn<QStringList>("expected");

    const QString t = QString::number(kNow);
    QTest::newRow("l2met classic legacy measure.") // from l2met's own parser test
        << QByteArray("88 <174>1 2025-11-25T18:02:00-00:00 somehost name test - measure.hello=1 "
                      "measure.world=1ms\n")
        << 60 << QByteArray() << QByteArray()
        << QStringList { u"hello|||measurement|"_qs + t + u"|1", u"world||ms|measurement|"_qs + t + u"|1" };
    QTest::newRow("bare measure#a") << line("web.1", "measure#a") << 60 << QByteArray() << QByteArray()
                                    << QStringList { u"a|||measurement|"_qs + t + u"|1" };
    QTest::newRow("float value") << line("web.1", "measure#a=3.14159") << 60 << QByteArray()
                                 << QByteArray()
                                 << QStringList { u"a|||measurement|"_qs + t + u"|3.1415899999999999" };
    QTest::newRow("several in one line")
        << line("web.1", "at=info measure#db.latency=4ms count#db.queries=2 sample#queue.depth=7 source=web.1")
        << 60 << QByteArray() << QByteArray()
        << QStringList { u"db.latency|web.1|ms|measurement|"_qs + t + u"|4",
                         u"db.queries|web.1||counter|"_qs + t + u"|2",
                         u"queue.depth|web.1||sample|"_qs + t + u"|7" };
    QTest::newRow("counters merge")
        << line("web.1", "count#signup=1") + line("web.1", "count#signup") + line("web.2", "count#signup=3")
        << 60 << QByteArray() << QByteArray()
        << QStringList { u"signup|||counter|"_qs + t + u"|1,1,3" };
    QTest::newRow("samples keep arrival order")
        << line("web.1", "sample#mem=21.00MB") + line("web.1", "sample#mem=19MB") << 60 << QByteArray()
        << QByteArray() << QStringList { u"mem||MB|sample|"_qs + t + u"|21,19" };
    QTest::newRow("units split buckets")
        << line("web.1", "measure#a=1ms measure#a=1s") << 60 << QByteArray() << QByteArray()
        << QStringList { u"a||ms|measurement|"_qs + t + u"|1", u"a||s|measurement|"_qs + t + u"|1" };
    QTest::newRow("source splits buckets")
        << line("web.1", "measure#a=1 source=x") + line("web.1", "measure#a=2 source=y") << 60 << QByteArray()
        << QByteArray()
        << QStringList { u"a|x||measurement|"_qs + t + u"|1", u"a|y||measurement|"_qs + t + u"|2" };
    QTest::newRow("router line")
        << line("router",
                "at=info method=GET path=\"/\" host=example.herokuapp.com fwd=\"204.204.204.204\" "
                "dyno=web.1 connect=1ms service=18ms status=200 bytes=13 protocol=http")
        << 60 << QByteArray() << QByteArray()
        << QStringList { u"router.bytes|||measurement|"_qs + t + u"|13",
                         u"router.connect||ms|measurement|"_qs + t + u"|1",
                         u"router.service||ms|measurement|"_qs + t + u"|18",
                         u"router.status.2xx|||counter|"_qs + t + u"|1" };
    QTest::newRow("prefix") << line("web.1", "measure#a=1 source=web.1") << 60 << QByteArray("myapp")
                            << QByteArray()
                            << QStringList { u"myapp.a|web.1||measurement|"_qs + t + u"|1" };
    QTest::newRow("source prefix") << line("web.1", "measure#a=1 source=web.1") << 60 << QByteArray()
                                   << QByteArray("prod")
                                   << QStringList { u"a|prod.web.1||measurement|"_qs + t + u"|1" };
    QTest::newRow("source prefix alone") << line("web.1", "measure#a=1") << 60 << QByteArray()
                                         << QByteArray("prod")
                                         << QStringList { u"a|prod||measurement|"_qs + t + u"|1" };
    QTest::newRow("prefix on router line")
        << line("router", "connect=2ms service=3ms bytes=4") << 60 << QByteArray("p") << QByteArray()
        << QStringList { u"p.router.bytes|||measurement|"_qs + t + u"|4",
                         u"p.router.connect||ms|measurement|"_qs + t + u"|2",
                         u"p.router.service||ms|measurement|"_qs + t + u"|3" };
    // 18:02:59.5 with resolution 1 and 60, and an offset
    QTest::newRow("resolution 1")
        << line("web.1", "measure#a=1", "2025-11-25T18:02:01.5+00:00") << 1 << QByteArray() << QByteArray()
        << QStringList { u"a|||measurement|"_qs + QString::number(kNow + 1) + u"|1" };
    QTest::newRow("resolution 60 truncates")
        << line("web.1", "measure#a=1", "2025-11-25T18:02:59.999999+00:00") << 60 << QByteArray()
        << QByteArray() << QStringList { u"a|||measurement|"_qs + t + u"|1" };
    QTest::newRow("offset")
        << line("web.1", "measure#a=1", "2025-11-25T13:02:30-05:00") << 60 << QByteArray() << QByteArray()
        << QStringList { u"a|||measurement|"_qs + t + u"|1" };
}

void TstBodyParser::buckets()
{
    QFETCH(QByteArray, body);
    QFETCH(int, resolution);
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, sourcePrefix);
    QFETCH(QStringList, expected);
    const Run r = run(body, options(resolution, prefix, sourcePrefix));
    QCOMPARE(describe(r.buckets), expected);
    QCOMPARE(r.counters.lines(), r.counters[ParseCounter::LinesAggregated]);
    QCOMPARE(r.counters.badValues(), 0u);
    QCOMPARE(r.counters[ParseCounter::BodyBytes], quint64(body.size()));
}

void TstBodyParser::badInputKeepsTheRest()
{
    const QByteArray good = line("web.1", "measure#ok=1");
    QByteArray body;
    body += good;
    body += "999 <134>1 this length is wrong ";                    // garbage region
    body += good;
    body += line("web.1", "measure#a=abc count#b=2");               // one bad, one good piece
    body += frame("<134>x not a syslog version");                   // bad header
    body += line("web.1", "measure#x=NaN measure#y=inf");           // nothing good
    body += line("web.1", "measure#q=1 path=\"/unterminated");      // quote
    body += line("web.1", "just a log line");                      // no metrics
    body += good;
    const Run r = run(body, options());
    const ParseCounters &c = r.counters;
    QCOMPARE(c[ParseCounter::FramesMalformed], 1u);
    QCOMPARE(c[ParseCounter::LinesBadHeader], 1u);
    QCOMPARE(c[ParseCounter::LinesInvalid], 1u);
    QCOMPARE(c[ParseCounter::LinesNoMetrics], 1u);
    QCOMPARE(c[ParseCounter::LinesAggregated], 5u);
    QCOMPARE(c.lines(), 9u);
    QCOMPARE(c[ParseCounter::BadValueNotNumber], 1u);
    QCOMPARE(c[ParseCounter::BadValueNonFinite], 2u);
    QCOMPARE(c[ParseCounter::UnterminatedQuote], 1u);
    QCOMPARE(c[ParseCounter::Measurements], 5u);
    const QString t = QString::number(kNow);
    QCOMPARE(describe(r.buckets),
             (QStringList { u"b|||counter|"_qs + t + u"|2", u"ok|||measurement|"_qs + t + u"|1,1,1",
                            u"q|||measurement|"_qs + t + u"|1" }));
}

// Logplex ends every message with a newline: a frame whose length lands
// right after one is whole, so a broken frame next to it costs only itself
// (README, "Choices where the spec is silent"), in either order.
void TstBodyParser::brokenLengthCostsOnlyItsFrame_data()
{
    QTest::addColumn<QByteArray>("body");
    const QByteArray good = line("web.1", "measure#good=1\n");
    const QByteArray never = "abc <134>1 " + kStamp + " host app web.1 - measure#never=1\n";
    const QByteArray after = line("web.1", "measure#after=2\n");
    QTest::newRow("good, broken, good") << QByteArray(good + never + after);
    QTest::newRow("broken, good, good") << QByteArray(never + good + after);
}

void TstBodyParser::brokenLengthCostsOnlyItsFrame()
{
    QFETCH(QByteArray, body);
    const Run r = run(body, options());
    QCOMPARE(r.counters[ParseCounter::FramesMalformed], 1u);
    QCOMPARE(r.counters[ParseCounter::LinesAggregated], 2u);
    QCOMPARE(r.counters.lines(), 3u);
    const QString t = QString::number(kNow);
    QCOMPARE(describe(r.buckets), (QStringList { u"after|||measurement|"_qs + t + u"|2",
                                                 u"good|||measurement|"_qs + t + u"|1" }));
}

void TstBodyParser::lateAndEarly_data()
{
    QTest::addColumn<int>("resolution");
    QTest::addColumn<qint64>("offset"); // seconds from now
    QTest::addColumn<QByteArray>("outcome");

    QTest::newRow("now") << 60 << qint64(0) << QByteArray("aggregated");
    QTest::newRow("2 windows old") << 60 << qint64(-120) << QByteArray("aggregated");
    QTest::newRow("3 windows old") << 60 << qint64(-180) << QByteArray("late");
    QTest::newRow("2 windows ahead") << 60 << qint64(120) << QByteArray("aggregated");
    QTest::newRow("3 windows ahead") << 60 << qint64(180) << QByteArray("early");
    QTest::newRow("res 1, 2 s old") << 1 << qint64(-2) << QByteArray("aggregated");
    QTest::newRow("res 1, 3 s old") << 1 << qint64(-3) << QByteArray("late");
    QTest::newRow("a day old") << 60 << qint64(-86400) << QByteArray("late");
}

void TstBodyParser::lateAndEarly()
{
    QFETCH(int, resolution);
    QFETCH(qint64, offset);
    QFETCH(QByteArray, outcome);
    const QByteArray stamp =
        QDateTime::fromSecsSinceEpoch(kNow + offset, QTimeZone::utc()).toString(Qt::ISODate).toLatin1();
    const Run r = run(line("web.1", "measure#a=1 measure#b=2", stamp), options(resolution));
    QCOMPARE(r.counters.lines(), 1u);
    if (outcome == "aggregated") {
        QCOMPARE(r.counters[ParseCounter::LinesAggregated], 1u);
        QCOMPARE(r.buckets.size(), size_t(2));
    } else {
        QCOMPARE(r.counters[outcome == "late" ? ParseCounter::LinesLate : ParseCounter::LinesEarly], 1u);
        QCOMPARE(r.counters[ParseCounter::MeasurementsDropped], 2u);
        QVERIFY(r.buckets.empty());
    }
}

void TstBodyParser::unparsableTimestampUsesNow()
{
    const Run r = run(line("web.1", "measure#a=1", "-") + line("web.1", "measure#a=2", "yesterday"),
                      options(60));
    QCOMPARE(describe(r.buckets), QStringList { u"a|||measurement|"_qs + QString::number(kNow) + u"|1,2" });
}

void TstBodyParser::logplexDrops()
{
    const QByteArray body =
        frame("<172>1 " + kStamp
              + " host heroku logplex - Error L10 (output buffer overflow): 500 messages dropped since "
                "2025-11-25T18:00:00+00:00.")
        + line("web.1", "count#a=1");
    const Run r = run(body, options());
    QCOMPARE(r.counters[ParseCounter::LinesLogplexNotice], 1u);
    QCOMPARE(r.counters[ParseCounter::LogplexDropped], 500u);
    QCOMPARE(r.counters.lines(), 2u);
    QCOMPARE(r.buckets.size(), size_t(1));
}

void TstBodyParser::problemHookSeesBadLines()
{
    BodyParser parser;
    QList<QPair<ParseCounter, QByteArray>> seen;
    parser.setProblemHook([&seen](ParseCounter kind, std::string_view l) {
        seen.append({ kind, QByteArray(l.data(), qsizetype(l.size())) });
    });
    BucketAccumulator acc;
    const QByteArray body = line("web.1", "measure#a=zz") + line("web.1", "measure#ok=1");
    parser.parse(std::string_view(body.constData(), size_t(body.size())), options(), kNow, acc);
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.first().first, ParseCounter::BadValueNotNumber);
    QVERIFY(seen.first().second.contains("measure#a=zz"));
}

// Every realistic message of the shared examples goes through without a
// malformed piece, and the app metrics come out with their units.
void TstBodyParser::examplesFile()
{
    QFile file(QFINDTESTDATA("data/heroku-messages.txt"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray body;
    QByteArray procId;
    int lines = 0;
    while (!file.atEnd()) {
        const QByteArray l = file.readLine().trimmed();
        if (l.isEmpty() || l.startsWith("# "))
            continue;
        if (l.startsWith("## ")) {
            procId = l.mid(3).split(' ').value(0);
            continue;
        }
        body += line(procId, l);
        ++lines;
    }
    QVERIFY(lines >= 8);
    const Run r = run(body, options());
    QCOMPARE(r.counters.lines(), quint64(lines));
    QCOMPARE(r.counters.badValues(), 0u);
    QCOMPARE(r.counters[ParseCounter::LinesLogplexNotice], 1u);
    QCOMPARE(r.counters[ParseCounter::LogplexDropped], 500u);
    QCOMPARE(r.counters[ParseCounter::LinesAggregated], quint64(lines - 1));
    const QStringList all = describe(r.buckets);
    const QString t = QString::number(kNow);
    QVERIFY(all.contains(u"memory_rss|web.1|MB|sample|"_qs + t + u"|21.219999999999999"));
    QVERIFY(all.contains(u"db_size|HEROKU_POSTGRESQL_AMBER|bytes|sample|"_qs + t + u"|29038814063"));
    QVERIFY(all.contains(u"router.service||ms|measurement|"_qs + t + u"|18,30000,245"));
}

QTEST_GUILESS_MAIN(TstBodyParser)
#include "tst_bodyparser.moc"
