// Local line formats (parser/localline.h) one by one, then bodies of them
// through BodyParser with BodyFormat::Lines (the shared examples as
// fixtures), and what a LineObserver is told about each line of either
// format.
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "parser/localline.h"

#include <QDateTime>
#include <QFile>
#include <QTest>
#include <QTimeZone>

using namespace l2met;

namespace {

// Unix seconds of a wall-clock time in the machine's time zone (what the
// local formats without an offset mean), and of a UTC time.
qint64 local(int y, int mo, int d, int h, int mi, int s)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), Qt::LocalTime).toSecsSinceEpoch();
}

qint64 utc(int y, int mo, int d, int h, int mi, int s)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), QTimeZone::utc()).toSecsSinceEpoch();
}

QByteArray bytes(std::string_view v)
{
    return QByteArray(v.data(), qsizetype(v.size()));
}

std::string_view view(const QByteArray &b)
{
    return std::string_view(b.constData(), size_t(b.size()));
}

QByteArray fixture(const char *name)
{
    QFile file(QFINDTESTDATA(QString::fromLatin1(name)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("fixture %s is missing", name);
    return file.readAll();
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

IngestOptions lines(qint32 resolution = 60, const QByteArray &prefix = {},
                    const QByteArray &sourcePrefix = {})
{
    IngestOptions o;
    o.format = BodyFormat::Lines;
    o.token = QByteArrayLiteral("local-token");
    o.resolution = resolution;
    o.prefix = prefix;
    o.sourcePrefix = sourcePrefix;
    return o;
}

// A copy of one LineReport, outliving the call.
struct Seen
{
    QByteArray line;
    ParseCounter outcome = ParseCounter::Count_;
    ParseCounter problem = ParseCounter::Count_;
    QByteArray piece;
    qint64 offset = 0;
    bool hasMeasurements = false;
    QStringList measurements; // "name|source|units|type|time|value"
};

class Recorder : public LineObserver
{
public:
    void observe(const LineReport &r) override
    {
        Seen s;
        s.line = bytes(r.line);
        s.outcome = r.outcome;
        s.problem = r.problem;
        s.piece = bytes(r.problemPiece);
        s.offset = r.offsetSeconds;
        s.hasMeasurements = r.measurements != nullptr;
        if (r.measurements) {
            for (const Measurement &m : *r.measurements) {
                s.measurements << QString::fromUtf8(bytes(m.name) + '|' + bytes(m.source) + '|'
                                                    + bytes(m.units) + '|' + bucketTypeName(m.type)
                                                    + '|' + QByteArray::number(m.time) + '|'
                                                    + QByteArray::number(m.value, 'g', 17));
            }
        }
        seen.append(s);
    }

    QList<Seen> seen;
};

struct Run
{
    ParseCounters counters;
    std::vector<Bucket> buckets;
    QList<Seen> seen;
};

Run run(const QByteArray &body, const IngestOptions &options, qint64 now, bool observe = false)
{
    BodyParser parser;
    Recorder recorder;
    if (observe)
        parser.setLineObserver(&recorder);
    BucketAccumulator acc;
    acc.reset(options.token, options.resolution);
    Run r;
    r.counters = parser.parse(view(body), options, now, acc);
    r.buckets = acc.takeBuckets();
    r.seen = recorder.seen;
    return r;
}

quint64 nonEmptyLines(const QByteArray &body)
{
    quint64 n = 0;
    for (QByteArray l : body.split('\n')) {
        if (l.endsWith('\r'))
            l.chop(1);
        if (!l.isEmpty())
            ++n;
    }
    return n;
}

} // namespace

Q_DECLARE_METATYPE(LocalFormat)

class TstLocalLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formats_data();
    void formats();
    void badHeader_data();
    void badHeader();
    void stripAnsi_data();
    void stripAnsi();
    void herokuCliFixture();
    void herokuLocalFixture();
    void foremanFixture();
    void mixedBody();
    void defaultSourceAndPrefixes();
    void lateAndEarlyLocalLines();
    void observerLines();
    void observerLogplex();
    void observerPrefixedNames();
    void nullObserverSeesNothing();
};

void TstLocalLine::formats_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<LocalFormat>("format");
    QTest::addColumn<qint64>("timestamp"); // -1: none
    QTest::addColumn<QByteArray>("procId");
    QTest::addColumn<QByteArray>("defaultSource");
    QTest::addColumn<QByteArray>("message");

    const qint64 dec4 = local(2026, 12, 4, 10, 16, 0);
    const qint64 dec4Utc = utc(2026, 12, 4, 10, 16, 0);

    // 1. RFC 5424
    QTest::newRow("5424") << QByteArray("<134>1 2026-12-04T10:15:02+00:00 host app web.1 - measure#a=1")
                          << dec4Utc << LocalFormat::Syslog5424 << utc(2026, 12, 4, 10, 15, 2)
                          << QByteArray("web.1") << QByteArray() << QByteArray("measure#a=1");
    QTest::newRow("5424 octet count")
        << QByteArray("83 <40>1 2026-12-04T10:15:02.5Z host heroku router - connect=1ms")
        << dec4Utc << LocalFormat::Syslog5424 << utc(2026, 12, 4, 10, 15, 2) << QByteArray("router")
        << QByteArray() << QByteArray("connect=1ms");
    QTest::newRow("5424 nil time") << QByteArray("<134>1 - host app web.1 - count#a") << dec4Utc
                                   << LocalFormat::Syslog5424 << qint64(-1) << QByteArray("web.1")
                                   << QByteArray() << QByteArray("count#a");

    // 2. RFC 3164
    QTest::newRow("3164 host, pid")
        << QByteArray("<13>Dec  4 10:15:02 myhost myapp[123]: measure#a=1") << dec4
        << LocalFormat::Syslog3164 << local(2026, 12, 4, 10, 15, 2) << QByteArray("myapp")
        << QByteArray("myapp") << QByteArray("measure#a=1");
    QTest::newRow("3164 no host (logger)")
        << QByteArray("<13>Dec  4 10:15:02 myapp[123]: measure#a=1") << dec4
        << LocalFormat::Syslog3164 << local(2026, 12, 4, 10, 15, 2) << QByteArray("myapp")
        << QByteArray("myapp") << QByteArray("measure#a=1");
    QTest::newRow("3164 no pid, two-digit day")
        << QByteArray("<13>Dec 14 09:00:00 myapp: count#x") << local(2026, 12, 14, 9, 1, 0)
        << LocalFormat::Syslog3164 << local(2026, 12, 14, 9, 0, 0) << QByteArray("myapp")
        << QByteArray("myapp") << QByteArray("count#x");
    QTest::newRow("3164 host, no pid")
        << QByteArray("<13>Dec 04 10:15:02 box worker-2: count#x") << dec4
        << LocalFormat::Syslog3164 << local(2026, 12, 4, 10, 15, 2) << QByteArray("worker-2")
        << QByteArray("worker-2") << QByteArray("count#x");
    QTest::newRow("3164 last year (read in January)")
        << QByteArray("<13>Dec 31 23:59:00 myapp: count#x") << local(2027, 1, 1, 0, 30, 0)
        << LocalFormat::Syslog3164 << local(2026, 12, 31, 23, 59, 0) << QByteArray("myapp")
        << QByteArray("myapp") << QByteArray("count#x");
    QTest::newRow("3164 less than a day ahead: this year")
        << QByteArray("<13>Dec  5 09:00:00 myapp: count#x") << dec4 << LocalFormat::Syslog3164
        << local(2026, 12, 5, 9, 0, 0) << QByteArray("myapp") << QByteArray("myapp")
        << QByteArray("count#x");
    QTest::newRow("3164 more than a day ahead: last year")
        << QByteArray("<13>Dec  6 10:00:00 myapp: count#x") << dec4 << LocalFormat::Syslog3164
        << local(2025, 12, 6, 10, 0, 0) << QByteArray("myapp") << QByteArray("myapp")
        << QByteArray("count#x");
    QTest::newRow("3164 no tag") << QByteArray("<13>Dec  4 10:15:02 just some words") << dec4
                                 << LocalFormat::Syslog3164 << local(2026, 12, 4, 10, 15, 2)
                                 << QByteArray() << QByteArray() << QByteArray("just some words");
    QTest::newRow("3164 no time") << QByteArray("<13>myapp: count#x") << dec4
                                  << LocalFormat::Syslog3164 << qint64(-1) << QByteArray("myapp")
                                  << QByteArray("myapp") << QByteArray("count#x");

    // 3. heroku logs --tail
    QTest::newRow("cli app[web.1]")
        << QByteArray("2026-12-04T10:15:02.118364+00:00 app[web.1]: measure#a=1 source=x") << dec4Utc
        << LocalFormat::HerokuCli << utc(2026, 12, 4, 10, 15, 2) << QByteArray("web.1")
        << QByteArray("web.1") << QByteArray("measure#a=1 source=x");
    QTest::newRow("cli heroku[router]")
        << QByteArray("2026-12-04T10:15:02.419050+00:00 heroku[router]: at=info connect=1ms")
        << dec4Utc << LocalFormat::HerokuCli << utc(2026, 12, 4, 10, 15, 2) << QByteArray("router")
        << QByteArray() << QByteArray("at=info connect=1ms");
    QTest::newRow("cli heroku[web.1]")
        << QByteArray("2026-12-04T10:15:04.120000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)")
        << dec4Utc << LocalFormat::HerokuCli << utc(2026, 12, 4, 10, 15, 4) << QByteArray("web.1")
        << QByteArray("web.1") << QByteArray("Error R14 (Memory quota exceeded)");
    QTest::newRow("cli offset, coloured")
        << QByteArray("\x1b[36m2026-12-04T11:15:02+01:00 app[worker.1]:\x1b[0m count#job.done")
        << dec4Utc << LocalFormat::HerokuCli << utc(2026, 12, 4, 10, 15, 2) << QByteArray("worker.1")
        << QByteArray("worker.1") << QByteArray("count#job.done");

    // 4. heroku local, foreman, honcho
    QTest::newRow("foreman") << QByteArray("10:15:02 web.1    | measure#a=1") << dec4
                             << LocalFormat::Foreman << local(2026, 12, 4, 10, 15, 2)
                             << QByteArray("web.1") << QByteArray("web.1") << QByteArray("measure#a=1");
    QTest::newRow("honcho, no space before the bar")
        << QByteArray("10:15:02 worker.1| count#x") << dec4 << LocalFormat::Foreman
        << local(2026, 12, 4, 10, 15, 2) << QByteArray("worker.1") << QByteArray("worker.1")
        << QByteArray("count#x");
    QTest::newRow("heroku local, AM, colours, padding")
        << QByteArray("\x1b[36m10:15:02 AM web.1 |\x1b[0m  at=info measure#db.latency=4ms") << dec4
        << LocalFormat::Foreman << local(2026, 12, 4, 10, 15, 2) << QByteArray("web.1")
        << QByteArray("web.1") << QByteArray("at=info measure#db.latency=4ms");
    QTest::newRow("12:00:01 PM is noon")
        << QByteArray("12:00:01 PM web.1 | x") << local(2026, 12, 4, 12, 1, 0) << LocalFormat::Foreman
        << local(2026, 12, 4, 12, 0, 1) << QByteArray("web.1") << QByteArray("web.1") << QByteArray("x");
    QTest::newRow("12:00:01 AM is just after midnight")
        << QByteArray("12:00:01 am web.1 | x") << local(2026, 12, 4, 0, 30, 0) << LocalFormat::Foreman
        << local(2026, 12, 4, 0, 0, 1) << QByteArray("web.1") << QByteArray("web.1") << QByteArray("x");
    QTest::newRow("01:05:00 PM")
        << QByteArray("01:05:00 PM worker.1 | x") << local(2026, 12, 4, 13, 6, 0) << LocalFormat::Foreman
        << local(2026, 12, 4, 13, 5, 0) << QByteArray("worker.1") << QByteArray("worker.1")
        << QByteArray("x");
    QTest::newRow("just before midnight, read after it: yesterday")
        << QByteArray("23:59:58 web.1 | x") << local(2026, 12, 4, 0, 0, 30) << LocalFormat::Foreman
        << local(2026, 12, 3, 23, 59, 58) << QByteArray("web.1") << QByteArray("web.1") << QByteArray("x");
    QTest::newRow("a process called AM")
        << QByteArray("10:15:02 AM | x") << dec4 << LocalFormat::Foreman << local(2026, 12, 4, 10, 15, 2)
        << QByteArray("AM") << QByteArray("AM") << QByteArray("x");

    // 5. everything else
    QTest::newRow("banner")
        << QByteArray("\x1b[32m[OKAY]\x1b[0m Loaded ENV .env File as KEY=VALUE Format") << dec4
        << LocalFormat::Bare << qint64(-1) << QByteArray() << QByteArray()
        << QByteArray("[OKAY] Loaded ENV .env File as KEY=VALUE Format");
    QTest::newRow("bare logfmt") << QByteArray("measure#db.latency=4ms count#signup=1") << dec4
                                 << LocalFormat::Bare << qint64(-1) << QByteArray() << QByteArray()
                                 << QByteArray("measure#db.latency=4ms count#signup=1");
    QTest::newRow("starts with digits") << QByteArray("2026 was a good year count#x") << dec4
                                        << LocalFormat::Bare << qint64(-1) << QByteArray()
                                        << QByteArray() << QByteArray("2026 was a good year count#x");
    QTest::newRow("stamp without a dyno")
        << QByteArray("2026-12-04T10:15:02Z count#x") << dec4 << LocalFormat::Bare << qint64(-1)
        << QByteArray() << QByteArray() << QByteArray("2026-12-04T10:15:02Z count#x");
    QTest::newRow("clock without a bar") << QByteArray("10:15:02 web.1 count#x") << dec4
                                         << LocalFormat::Bare << qint64(-1) << QByteArray()
                                         << QByteArray() << QByteArray("10:15:02 web.1 count#x");
    QTest::newRow("html") << QByteArray("<html> count#x") << dec4 << LocalFormat::Bare << qint64(-1)
                          << QByteArray() << QByteArray() << QByteArray("<html> count#x");
    QTest::newRow("PRI too high") << QByteArray("<192>1 - h a p - count#x") << dec4
                                  << LocalFormat::Bare << qint64(-1) << QByteArray() << QByteArray()
                                  << QByteArray("<192>1 - h a p - count#x");
    QTest::newRow("trailing CR") << QByteArray("count#x\r") << dec4 << LocalFormat::Bare << qint64(-1)
                                 << QByteArray() << QByteArray() << QByteArray("count#x");
}

void TstLocalLine::formats()
{
    QFETCH(QByteArray, line);
    QFETCH(qint64, now);
    QFETCH(LocalFormat, format);
    QFETCH(qint64, timestamp);
    QFETCH(QByteArray, procId);
    QFETCH(QByteArray, defaultSource);
    QFETCH(QByteArray, message);

    std::string scratch;
    LocalLine out;
    QVERIFY(parseLocalLine(view(line), now, &out, &scratch));
    QCOMPARE(out.format, format);
    QCOMPARE(out.timestamp.has_value(), timestamp != -1);
    if (timestamp != -1)
        QCOMPARE(*out.timestamp, timestamp);
    QCOMPARE(bytes(out.procId), procId);
    QCOMPARE(bytes(out.defaultSource), defaultSource);
    QCOMPARE(bytes(out.message), message);
    QVERIFY(out.text.find('\x1b') == std::string_view::npos);
    QVERIFY(!out.text.ends_with('\r'));
}

void TstLocalLine::badHeader_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("fields missing") << QByteArray("<134>1 2026-12-04T10:15:02Z host");
    QTest::newRow("octet count, version 0") << QByteArray("83 <40>0 2026-12-04T10:15:02Z h a p - x");
    QTest::newRow("only PRI and version") << QByteArray("<134>1");
}

void TstLocalLine::badHeader()
{
    QFETCH(QByteArray, line);
    std::string scratch;
    LocalLine out;
    QVERIFY(!parseLocalLine(view(line), 0, &out, &scratch));
    QCOMPARE(out.format, LocalFormat::Syslog5424);
    QCOMPARE(bytes(out.text), line);
}

void TstLocalLine::stripAnsi_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("stripped");
    QTest::newRow("none") << QByteArray("plain") << QByteArray("plain");
    QTest::newRow("colour") << QByteArray("\x1b[36mweb.1\x1b[0m |") << QByteArray("web.1 |");
    QTest::newRow("bold and colour") << QByteArray("a\x1b[1;32mb\x1b[m") << QByteArray("ab");
    QTest::newRow("erase line") << QByteArray("\x1b[2Kx") << QByteArray("x");
    QTest::newRow("stray ESC") << QByteArray("a\x1b" "b") << QByteArray("ab");
    QTest::newRow("cut sequence at the end") << QByteArray("a\x1b[3") << QByteArray("a");
    QTest::newRow("only escapes") << QByteArray("\x1b[0m\x1b[K") << QByteArray();
}

void TstLocalLine::stripAnsi()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, stripped);
    std::string scratch;
    QCOMPARE(bytes(l2met::stripAnsi(view(raw), &scratch)), stripped);
}

// heroku logs --tail: router lines make the router measurements and status
// and error counters without a source, dyno lines get theirs (R14 too), a
// bad value costs only itself.
void TstLocalLine::herokuCliFixture()
{
    const QByteArray body = fixture("data/local-heroku-cli.log");
    const qint64 now = utc(2026, 12, 4, 10, 16, 0);
    const Run r = run(body, lines(), now);
    const ParseCounters &c = r.counters;
    QCOMPARE(c.lines(), 9u);
    QCOMPARE(c[ParseCounter::LinesAggregated], 8u);
    QCOMPARE(c[ParseCounter::LinesNoMetrics], 1u); // "Started GET"
    QCOMPARE(c[ParseCounter::BadValueNotNumber], 1u);
    QCOMPARE(c.badValues(), 1u);
    QCOMPARE(c[ParseCounter::Measurements], 22u);
    QCOMPARE(c[ParseCounter::BodyBytes], quint64(body.size()));
    const QString t = QString::number(utc(2026, 12, 4, 10, 15, 0));
    const QStringList all = describe(r.buckets);
    QVERIFY2(all.contains(u"router.connect||ms|measurement|"_qs + t + u"|1"), qPrintable(all.join(u'\n')));
    QVERIFY(all.contains(u"router.service||ms|measurement|"_qs + t + u"|18,30000"));
    QVERIFY(all.contains(u"router.bytes|||measurement|"_qs + t + u"|13,0"));
    QVERIFY(all.contains(u"render.time|web.1|ms|measurement|"_qs + t + u"|12.5"));
    QVERIFY(all.contains(u"memory_rss|web.1|MB|sample|"_qs + t + u"|21.219999999999999"));
    QVERIFY(all.contains(u"job.done|worker.1||counter|"_qs + t + u"|1"));
    QVERIFY(all.contains(u"db_size|HEROKU_POSTGRESQL_AMBER|bytes|sample|"_qs + t + u"|29038814063"));
    QVERIFY(all.contains(u"router.status.2xx|||counter|"_qs + t + u"|1"));
    QVERIFY(all.contains(u"router.status.5xx|||counter|"_qs + t + u"|1"));
    QVERIFY(all.contains(u"router.error.H12|||counter|"_qs + t + u"|1"));
    QVERIFY(all.contains(u"heroku.error.R14|web.1||counter|"_qs + t + u"|1"));
    QCOMPARE(all.size(), 20);
}

// heroku local: colours, a 12-hour clock, a banner; the process is the
// source of lines that name none.
void TstLocalLine::herokuLocalFixture()
{
    const QByteArray body = fixture("data/local-heroku-local.log");
    const qint64 now = local(2026, 12, 4, 10, 16, 0);
    const Run r = run(body, lines(), now);
    const ParseCounters &c = r.counters;
    QCOMPARE(c.lines(), 5u);
    QCOMPARE(c[ParseCounter::LinesAggregated], 3u);
    QCOMPARE(c[ParseCounter::LinesNoMetrics], 2u); // the banner and "Started GET"
    QCOMPARE(c.badValues(), 0u);
    QCOMPARE(c[ParseCounter::Measurements], 5u);
    const QString t = QString::number(local(2026, 12, 4, 10, 15, 0));
    QCOMPARE(describe(r.buckets),
             (QStringList { u"db.latency|web.1|ms|measurement|"_qs + t + u"|4",
                            u"db.queries|web.1||counter|"_qs + t + u"|2",
                            u"job.done|worker.1||counter|"_qs + t + u"|1",
                            u"job.duration|worker.1|s|measurement|"_qs + t + u"|1.25",
                            u"queue.depth|web.1||sample|"_qs + t + u"|7" }));
}

void TstLocalLine::foremanFixture()
{
    const QByteArray body = fixture("data/local-foreman.log");
    const qint64 now = local(2026, 12, 4, 10, 16, 0);
    const Run r = run(body, lines(), now);
    QCOMPARE(r.counters.lines(), 4u);
    QCOMPARE(r.counters[ParseCounter::LinesAggregated], 3u);
    QCOMPARE(r.counters[ParseCounter::LinesNoMetrics], 1u);
    const QString t = QString::number(local(2026, 12, 4, 10, 15, 0));
    QCOMPARE(describe(r.buckets),
             (QStringList { u"db.latency|web.1|ms|measurement|"_qs + t + u"|4",
                            u"db.queries|web.1||counter|"_qs + t + u"|2",
                            u"job.done|worker.1||counter|"_qs + t + u"|1",
                            u"job.duration|worker.1|s|measurement|"_qs + t + u"|1.25",
                            u"queue.depth|web.1||sample|"_qs + t + u"|7" }));
}

// Every format in one body, CRLF and blank lines included: each non-empty
// line ends in exactly one outcome.
void TstLocalLine::mixedBody()
{
    const qint64 now = local(2026, 12, 4, 10, 16, 0);
    QByteArray body;
    body += "<134>1 2026-12-04T10:15:02+00:00 host app web.1 - count#s5424=1\r\n";
    body += "\r\n";
    body += "<13>Dec  4 10:15:30 myapp[9]: count#s3164=1\n";
    body += "\n\n";
    body += "<134>1 broken header\n";
    body += "10:15:40 web.1 | count#foreman=1\r\n";
    body += "count#bare=1\n";
    body += "logplex says hello\n";
    body += "measure#x=NaN\n";
    body += "<172>1 - host heroku logplex - Error L10 (output buffer overflow): 7 messages dropped\n";
    body += "count#last=1"; // no final newline
    // The RFC 5424 line is stamped in UTC; keep it in the window whatever
    // the local zone is.
    IngestOptions o = lines();
    o.recvDeadline = 100000;
    const Run r = run(body, o, now);
    const ParseCounters &c = r.counters;
    QCOMPARE(c.lines(), nonEmptyLines(body));
    QCOMPARE(c.lines(), 9u);
    QCOMPARE(c[ParseCounter::LinesAggregated], 5u);
    QCOMPARE(c[ParseCounter::LinesBadHeader], 1u);
    QCOMPARE(c[ParseCounter::LinesNoMetrics], 1u);
    QCOMPARE(c[ParseCounter::LinesInvalid], 1u);
    QCOMPARE(c[ParseCounter::LinesLogplexNotice], 1u);
    QCOMPARE(c[ParseCounter::LogplexDropped], 7u);
    const QString w = QString::number(local(2026, 12, 4, 10, 15, 0));
    const QString n = QString::number(now);
    QCOMPARE(describe(r.buckets),
             (QStringList { u"bare|||counter|"_qs + n + u"|1",
                            u"foreman|web.1||counter|"_qs + w + u"|1",
                            u"last|||counter|"_qs + n + u"|1",
                            u"s3164|myapp||counter|"_qs + w + u"|1",
                            u"s5424|||counter|"_qs + QString::number(utc(2026, 12, 4, 10, 15, 0)) + u"|1" }));
}

void TstLocalLine::defaultSourceAndPrefixes()
{
    const qint64 now = local(2026, 12, 4, 10, 16, 0);
    const QByteArray body = "10:15:02 web.1 | count#a=1\n"
                            "10:15:02 web.1 | count#b=1 source=other\n"
                            "count#c=1\n";
    const QString w = QString::number(local(2026, 12, 4, 10, 15, 0));
    const QString n = QString::number(now);
    QCOMPARE(describe(run(body, lines(), now).buckets),
             (QStringList { u"a|web.1||counter|"_qs + w + u"|1", u"b|other||counter|"_qs + w + u"|1",
                            u"c|||counter|"_qs + n + u"|1" }));
    QCOMPARE(describe(run(body, lines(60, "app", "dev"), now).buckets),
             (QStringList { u"app.a|dev.web.1||counter|"_qs + w + u"|1",
                            u"app.b|dev.other||counter|"_qs + w + u"|1",
                            u"app.c|dev||counter|"_qs + n + u"|1" }));
}

void TstLocalLine::lateAndEarlyLocalLines()
{
    const qint64 now = local(2026, 12, 4, 10, 30, 0);
    const QByteArray body = "10:15:02 web.1 | count#a=1 count#b=1\n" // 15 minutes old
                            "10:31:02 web.1 | count#a=1\n"           // next minute: fine
                            "<13>Dec  4 10:40:00 myapp: count#a=1\n"; // 10 minutes ahead
    const Run r = run(body, lines(), now, true);
    QCOMPARE(r.counters[ParseCounter::LinesLate], 1u);
    QCOMPARE(r.counters[ParseCounter::LinesEarly], 1u);
    QCOMPARE(r.counters[ParseCounter::LinesAggregated], 1u);
    QCOMPARE(r.counters[ParseCounter::MeasurementsDropped], 3u);
    QCOMPARE(r.seen.size(), 3);
    QCOMPARE(r.seen[0].outcome, ParseCounter::LinesLate);
    QCOMPARE(r.seen[0].offset, qint64(-900));
    QVERIFY(!r.seen[0].hasMeasurements);
    QCOMPARE(r.seen[1].outcome, ParseCounter::LinesAggregated);
    QCOMPARE(r.seen[1].offset, qint64(0));
    QCOMPARE(r.seen[2].outcome, ParseCounter::LinesEarly);
    QCOMPARE(r.seen[2].offset, qint64(600));
}

// The heroku CLI fixture through an observer: one report per line, with the
// bad piece as written and the measurements that went on.
void TstLocalLine::observerLines()
{
    QByteArray body = fixture("data/local-heroku-cli.log");
    body += "\n\x1b[36m10:15:02 web.1 |\x1b[0m measure#q=1 path=\"/unterminated\n";
    body += "<134>1 nope\n";
    body += "measure#x=NaN measure#y=inf\n";
    IngestOptions o = lines();
    o.recvDeadline = 100000; // the foreman line is local time
    const qint64 now = utc(2026, 12, 4, 10, 16, 0);
    const Run r = run(body, o, now, true);
    QCOMPARE(quint64(r.seen.size()), r.counters.lines());
    QCOMPARE(r.seen.size(), 12);
    const QString t = QString::number(utc(2026, 12, 4, 10, 15, 0));

    const Seen &router = r.seen[1];
    QCOMPARE(router.outcome, ParseCounter::LinesAggregated);
    QCOMPARE(router.problem, ParseCounter::Count_);
    QVERIFY(router.piece.isEmpty());
    QCOMPARE(router.measurements,
             (QStringList { u"router.connect||ms|measurement|"_qs + t + u"|1",
                            u"router.service||ms|measurement|"_qs + t + u"|18",
                            u"router.bytes|||measurement|"_qs + t + u"|13",
                            u"router.status.2xx|||counter|"_qs + t + u"|1" }));

    const Seen &r14 = r.seen[5];
    QCOMPARE(r14.outcome, ParseCounter::LinesAggregated);
    QVERIFY(r14.line.contains("Error R14"));
    QCOMPARE(r14.measurements, (QStringList { u"heroku.error.R14|web.1||counter|"_qs + t + u"|1" }));

    const Seen &render = r.seen[8];
    QCOMPARE(render.outcome, ParseCounter::LinesAggregated);
    QCOMPARE(render.problem, ParseCounter::BadValueNotNumber);
    QCOMPARE(render.piece, QByteArray("measure#render.time=bad"));
    QCOMPARE(render.measurements, QStringList { u"render.time|web.1|ms|measurement|"_qs + t + u"|12.5" });

    const Seen &quote = r.seen[9];
    QCOMPARE(quote.outcome, ParseCounter::LinesAggregated);
    QCOMPARE(quote.line, QByteArray("10:15:02 web.1 | measure#q=1 path=\"/unterminated")); // no colours
    QCOMPARE(quote.problem, ParseCounter::UnterminatedQuote);
    QCOMPARE(quote.piece, QByteArray("path=\"/unterminated"));
    QCOMPARE(quote.measurements.size(), 1);
    QVERIFY(quote.measurements.first().startsWith(u"q|web.1||measurement|"));

    QCOMPARE(r.seen[10].outcome, ParseCounter::LinesBadHeader);
    QCOMPARE(r.seen[10].line, QByteArray("<134>1 nope"));
    QCOMPARE(r.seen[10].problem, ParseCounter::Count_);

    const Seen &invalid = r.seen[11];
    QCOMPARE(invalid.outcome, ParseCounter::LinesInvalid);
    QCOMPARE(invalid.problem, ParseCounter::BadValueNonFinite);
    QCOMPARE(invalid.piece, QByteArray("measure#x=NaN"));
}

void TstLocalLine::observerLogplex()
{
    auto frame = [](const QByteArray &message) -> QByteArray { return QByteArray::number(message.size()) + ' ' + message; };
    const QByteArray stamp = "2025-11-25T18:02:00+00:00";
    const qint64 now = utc(2025, 11, 25, 18, 2, 0);
    QByteArray body;
    body += frame("<134>1 " + stamp + " host app web.1 - measure#a=1 sample#b=\"x y\" source=s");
    body += "999 <134>1 this length is wrong ";
    body += frame("<134>x not a syslog version");
    body += frame("<134>1 2025-11-25T17:00:00+00:00 host app web.1 - count#old=1");
    body += frame("<134>1 " + stamp + " host app web.1 - nothing here");
    IngestOptions o;
    o.token = "t";
    const Run r = run(body, o, now, true);
    QCOMPARE(quint64(r.seen.size()), r.counters.lines());
    QCOMPARE(r.seen.size(), 5);
    QCOMPARE(r.seen[0].outcome, ParseCounter::LinesAggregated);
    QCOMPARE(r.seen[0].problem, ParseCounter::BadValueNotNumber);
    QCOMPARE(r.seen[0].piece, QByteArray("sample#b=\"x y\""));
    QCOMPARE(r.seen[0].measurements, QStringList { u"a|s||measurement|"_qs + QString::number(now) + u"|1" });
    QCOMPARE(r.seen[1].outcome, ParseCounter::FramesMalformed);
    QVERIFY(r.seen[1].line.startsWith("999 <134>1 this length is wrong"));
    QCOMPARE(r.seen[1].problem, ParseCounter::Count_);
    QCOMPARE(r.seen[2].outcome, ParseCounter::LinesBadHeader);
    QCOMPARE(r.seen[2].line, QByteArray("<134>x not a syslog version"));
    QCOMPARE(r.seen[3].outcome, ParseCounter::LinesLate);
    QCOMPARE(r.seen[3].offset, qint64(-3720)); // 17:00 against 18:02
    QCOMPARE(r.seen[4].outcome, ParseCounter::LinesNoMetrics);
    QCOMPARE(r.seen[4].problem, ParseCounter::Count_);
}

// With a prefix every name is built in the same buffer: the observer must
// still see each one.
void TstLocalLine::observerPrefixedNames()
{
    const qint64 now = local(2026, 12, 4, 10, 16, 0);
    const QByteArray body = "10:15:02 web.1 | measure#a=1ms count#bb=2 sample#ccc=3 source=very-long-source-name-past-sso\n"
                            "10:15:03 web.1 | count#d=4\n";
    const Run r = run(body, lines(60, "a-prefix-long-enough-to-leave-sso", "src"), now, true);
    const QString w = QString::number(local(2026, 12, 4, 10, 15, 0));
    QCOMPARE(r.seen.size(), 2);
    const QString p = u"a-prefix-long-enough-to-leave-sso."_qs;
    QCOMPARE(r.seen[0].measurements,
             (QStringList { p + u"a|src.very-long-source-name-past-sso|ms|measurement|"_qs + w + u"|1",
                            p + u"bb|src.very-long-source-name-past-sso||counter|"_qs + w + u"|2",
                            p + u"ccc|src.very-long-source-name-past-sso||sample|"_qs + w + u"|3" }));
    QCOMPARE(r.seen[1].measurements, QStringList { p + u"d|src.web.1||counter|"_qs + w + u"|4" });
}

void TstLocalLine::nullObserverSeesNothing()
{
    BodyParser parser;
    Recorder recorder;
    BucketAccumulator acc;
    const QByteArray body = "count#a=1\n";
    parser.setLineObserver(&recorder);
    parser.parse(view(body), lines(), 0, acc);
    parser.setLineObserver(nullptr);
    const ParseCounters c = parser.parse(view(body), lines(), 0, acc);
    QCOMPARE(c[ParseCounter::LinesAggregated], 1u);
    QCOMPARE(recorder.seen.size(), 1);
}

QTEST_GUILESS_MAIN(TstLocalLine)
#include "tst_localline.moc"
