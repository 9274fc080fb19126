// Tests of the RFC 5424 header of a logplex frame (parseSyslogHeader) and of
// RFC 3339 timestamps (parseRfc3339 and Rfc3339Cache), docs/behaviour.md sections 2 and 3.
// Expected unix times were computed with `date -u -d TEXT +%s`.
#include "parser/syslogheader.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <limits>
#include <optional>
#include <string_view>

namespace {

// Stands for "not a timestamp" in qint64 columns (no RFC 3339 time maps to it).
constexpr qint64 kInvalid = std::numeric_limits<qint64>::min();

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()));
}

QByteArray bytes(std::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

qint64 orInvalid(std::optional<qint64> seconds)
{
    return seconds ? *seconds : kInvalid;
}

const QByteArray kRouterMessage = QByteArrayLiteral(
    "at=info method=GET path=\"/\" host=example-app-1234567890ab.herokuapp.com "
    "request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd=\"204.204.204.204\" dyno=web.1 "
    "connect=1ms service=18ms status=200 bytes=13 tls_version=tls1.1 protocol=http");

const QByteArray kAppMessage = QByteArrayLiteral(
    "source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 "
    "sample#load_avg_1m=2.46 sample#load_avg_5m=1.06 sample#load_avg_15m=0.99");

} // namespace

class Tst_syslogheader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void header_data();
    void header();
    void headerRejects_data();
    void headerRejects();
    void headerViewsPointIntoTheLine();
    void rfc3339_data();
    void rfc3339();
    void cacheSequence_data();
    void cacheSequence();
    void cacheAgreesOverTheWholeTable();
};

void Tst_syslogheader::header_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("priority");
    QTest::addColumn<int>("version");
    QTest::addColumn<QByteArray>("timestamp");
    QTest::addColumn<QByteArray>("hostname");
    QTest::addColumn<QByteArray>("appName");
    QTest::addColumn<QByteArray>("procId");
    QTest::addColumn<QByteArray>("msgId");
    QTest::addColumn<QByteArray>("message");

    const QByteArray ts = QByteArrayLiteral("2012-10-11T03:47:20+00:00");
    const QByteArray host = QByteArrayLiteral("host");
    const QByteArray dash = QByteArrayLiteral("-");

    QTest::newRow("heroku router")
        << QByteArray(QByteArrayLiteral("<158>1 2012-10-11T03:47:20+00:00 host heroku router - ")
                      + kRouterMessage)
        << 158 << 1 << ts << host << QByteArrayLiteral("heroku") << QByteArrayLiteral("router")
        << dash << kRouterMessage;
    QTest::newRow("app line, fractional timestamp")
        << QByteArray(
               QByteArrayLiteral("<190>1 2024-05-01T12:00:00.123456+00:00 d.1234-drain app web.1 - ")
               + kAppMessage)
        << 190 << 1 << QByteArrayLiteral("2024-05-01T12:00:00.123456+00:00")
        << QByteArrayLiteral("d.1234-drain") << QByteArrayLiteral("app")
        << QByteArrayLiteral("web.1") << dash << kAppMessage;
    QTest::newRow("logplex L10")
        << QByteArrayLiteral("<172>1 2026-11-25T18:02:01+00:00 host heroku logplex - Error L10 "
                             "(output buffer overflow): 500 messages dropped since "
                             "2026-11-25T18:02:00+00:00.")
        << 172 << 1 << QByteArrayLiteral("2026-11-25T18:02:01+00:00") << host
        << QByteArrayLiteral("heroku") << QByteArrayLiteral("logplex") << dash
        << QByteArrayLiteral("Error L10 (output buffer overflow): 500 messages dropped since "
                             "2026-11-25T18:02:00+00:00.");
    QTest::newRow("trailing newline is not part of the message")
        << QByteArrayLiteral("<13>1 2012-10-11T03:47:20+00:00 host app web.1 - measure#a=1\n")
        << 13 << 1 << ts << host << QByteArrayLiteral("app") << QByteArrayLiteral("web.1") << dash
        << QByteArrayLiteral("measure#a=1");
    QTest::newRow("trailing CRLF and newlines")
        << QByteArrayLiteral("<13>1 2012-10-11T03:47:20+00:00 host app web.1 - a=1\r\n\n")
        << 13 << 1 << ts << host << QByteArrayLiteral("app") << QByteArrayLiteral("web.1") << dash
        << QByteArrayLiteral("a=1");
    QTest::newRow("newline inside the message is kept")
        << QByteArrayLiteral("<13>1 2012-10-11T03:47:20+00:00 host app web.1 - a\nb\n")
        << 13 << 1 << ts << host << QByteArrayLiteral("app") << QByteArrayLiteral("web.1") << dash
        << QByteArrayLiteral("a\nb");
    QTest::newRow("empty message, no space after MSGID")
        << QByteArrayLiteral("<1>1 ts h a p -") << 1 << 1 << QByteArrayLiteral("ts")
        << QByteArrayLiteral("h") << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
        << QByteArray();
    QTest::newRow("empty message, space after MSGID")
        << QByteArrayLiteral("<1>1 ts h a p - ") << 1 << 1 << QByteArrayLiteral("ts")
        << QByteArrayLiteral("h") << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
        << QByteArray();
    QTest::newRow("empty message, newline after MSGID")
        << QByteArrayLiteral("<1>1 ts h a p -\n") << 1 << 1 << QByteArrayLiteral("ts")
        << QByteArrayLiteral("h") << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
        << QByteArray();
    QTest::newRow("message keeps its own leading spaces")
        << QByteArrayLiteral("<1>1 ts h a p -   x  y") << 1 << 1 << QByteArrayLiteral("ts")
        << QByteArrayLiteral("h") << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
        << QByteArrayLiteral("  x  y");
    QTest::newRow("PRI 0") << QByteArrayLiteral("<0>1 ts h a p - m") << 0 << 1
                           << QByteArrayLiteral("ts") << QByteArrayLiteral("h")
                           << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
                           << QByteArrayLiteral("m");
    QTest::newRow("PRI 191") << QByteArrayLiteral("<191>1 ts h a p - m") << 191 << 1
                             << QByteArrayLiteral("ts") << QByteArrayLiteral("h")
                             << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
                             << QByteArrayLiteral("m");
    QTest::newRow("version 12") << QByteArrayLiteral("<1>12 ts h a p - m") << 1 << 12
                                << QByteArrayLiteral("ts") << QByteArrayLiteral("h")
                                << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
                                << QByteArrayLiteral("m");
    QTest::newRow("version 999") << QByteArrayLiteral("<1>999 ts h a p - m") << 1 << 999
                                 << QByteArrayLiteral("ts") << QByteArrayLiteral("h")
                                 << QByteArrayLiteral("a") << QByteArrayLiteral("p") << dash
                                 << QByteArrayLiteral("m");
    QTest::newRow("nil timestamp, real MSGID")
        << QByteArrayLiteral("<1>1 - h a p ID47 m") << 1 << 1 << dash << QByteArrayLiteral("h")
        << QByteArrayLiteral("a") << QByteArrayLiteral("p") << QByteArrayLiteral("ID47")
        << QByteArrayLiteral("m");
    QTest::newRow("unicode message")
        << QByteArrayLiteral("<1>1 ts h a p - caf\xc3\xa9=\xe2\x82\xac") << 1 << 1
        << QByteArrayLiteral("ts") << QByteArrayLiteral("h") << QByteArrayLiteral("a")
        << QByteArrayLiteral("p") << dash << QByteArrayLiteral("caf\xc3\xa9=\xe2\x82\xac");
}

void Tst_syslogheader::header()
{
    QFETCH(QByteArray, line);
    QFETCH(int, priority);
    QFETCH(int, version);
    QFETCH(QByteArray, timestamp);
    QFETCH(QByteArray, hostname);
    QFETCH(QByteArray, appName);
    QFETCH(QByteArray, procId);
    QFETCH(QByteArray, msgId);
    QFETCH(QByteArray, message);

    l2met::SyslogHeader h;
    QVERIFY(l2met::parseSyslogHeader(view(line), &h));
    QCOMPARE(h.priority, priority);
    QCOMPARE(h.version, version);
    QCOMPARE(bytes(h.timestamp), timestamp);
    QCOMPARE(bytes(h.hostname), hostname);
    QCOMPARE(bytes(h.appName), appName);
    QCOMPARE(bytes(h.procId), procId);
    QCOMPARE(bytes(h.msgId), msgId);
    QCOMPARE(bytes(h.message), message);
}

void Tst_syslogheader::headerRejects_data()
{
    QTest::addColumn<QByteArray>("line");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("newline only") << QByteArrayLiteral("\n");
    QTest::newRow("no PRI") << QByteArrayLiteral("1 ts h a p - m");
    QTest::newRow("PRI without <") << QByteArrayLiteral("1>1 ts h a p - m");
    QTest::newRow("PRI without >") << QByteArrayLiteral("<1 1 ts h a p - m");
    QTest::newRow("PRI empty") << QByteArrayLiteral("<>1 ts h a p - m");
    QTest::newRow("PRI 192") << QByteArrayLiteral("<192>1 ts h a p - m");
    QTest::newRow("PRI 999") << QByteArrayLiteral("<999>1 ts h a p - m");
    QTest::newRow("PRI four digits") << QByteArrayLiteral("<1234>1 ts h a p - m");
    QTest::newRow("PRI four digits, small") << QByteArrayLiteral("<0001>1 ts h a p - m");
    QTest::newRow("PRI negative") << QByteArrayLiteral("<-1>1 ts h a p - m");
    QTest::newRow("PRI only") << QByteArrayLiteral("<1>");
    QTest::newRow("version 0") << QByteArrayLiteral("<1>0 ts h a p - m");
    QTest::newRow("version with leading 0") << QByteArrayLiteral("<1>01 ts h a p - m");
    QTest::newRow("version missing") << QByteArrayLiteral("<1> ts h a p - m");
    QTest::newRow("version four digits") << QByteArrayLiteral("<1>1234 ts h a p - m");
    QTest::newRow("version glued to timestamp") << QByteArrayLiteral("<1>1ts h a p - m");
    QTest::newRow("version not a number") << QByteArrayLiteral("<1>v ts h a p - m");
    QTest::newRow("nothing after version") << QByteArrayLiteral("<1>1");
    QTest::newRow("only version and space") << QByteArrayLiteral("<1>1 ");
    QTest::newRow("timestamp only") << QByteArrayLiteral("<1>1 ts");
    QTest::newRow("no app, procid, msgid") << QByteArrayLiteral("<1>1 ts h");
    QTest::newRow("no procid, msgid") << QByteArrayLiteral("<1>1 ts h a");
    QTest::newRow("no msgid") << QByteArrayLiteral("<1>1 ts h a p");
    QTest::newRow("no msgid, newline") << QByteArrayLiteral("<1>1 ts h a p\n");
    QTest::newRow("empty msgid") << QByteArrayLiteral("<1>1 ts h a p  m");
    QTest::newRow("empty msgid at end") << QByteArrayLiteral("<1>1 ts h a p ");
    QTest::newRow("empty timestamp") << QByteArrayLiteral("<1>1  h a p - m");
    QTest::newRow("empty hostname") << QByteArrayLiteral("<1>1 ts  a p - m");
    QTest::newRow("empty app") << QByteArrayLiteral("<1>1 ts h  p - m");
    QTest::newRow("empty procid") << QByteArrayLiteral("<1>1 ts h a  - m");
    QTest::newRow("plain text") << QByteArrayLiteral("hello world");
}

void Tst_syslogheader::headerRejects()
{
    QFETCH(QByteArray, line);
    l2met::SyslogHeader h;
    h.priority = 77;
    h.procId = "untouched";
    QVERIFY(!l2met::parseSyslogHeader(view(line), &h));
    // A rejected line leaves the output as it was.
    QCOMPARE(h.priority, 77);
    QCOMPARE(bytes(h.procId), QByteArrayLiteral("untouched"));
}

void Tst_syslogheader::headerViewsPointIntoTheLine()
{
    const QByteArray line = QByteArrayLiteral("<13>1 ts host app web.1 - measure#a=1\n");
    l2met::SyslogHeader h;
    QVERIFY(l2met::parseSyslogHeader(view(line), &h));
    const char *begin = line.constData();
    QCOMPARE(h.timestamp.data(), begin + 6);
    QCOMPARE(h.procId.data(), begin + 18);
    QCOMPARE(h.message.data(), begin + 26);
    QCOMPARE(h.message.data() + h.message.size(), begin + line.size() - 1);

    // A line that is a slice of a longer body ends where the slice ends.
    const QByteArray body = QByteArrayLiteral("<13>1 ts h a p - first<13>1 ts h a p - second");
    QVERIFY(l2met::parseSyslogHeader(view(body).substr(0, 22), &h));
    QCOMPARE(bytes(h.message), QByteArrayLiteral("first"));
}

void Tst_syslogheader::rfc3339_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("seconds"); // kInvalid: rejected

    auto row = [](const char *name, const char *text, qint64 seconds) {
        QTest::newRow(name) << QByteArray(text) << seconds;
    };
    // Offsets.
    row("Z", "2024-05-01T12:00:00Z", 1714564800);
    row("lowercase t and z", "2024-05-01t12:00:00z", 1714564800);
    row("+00:00", "2012-10-11T03:47:20+00:00", 1349927240);
    row("-00:00", "2012-10-11T03:47:20-00:00", 1349927240);
    row("-07:00", "1985-10-26T01:20:00-07:00", 499162800);
    row("+05:30", "2024-05-01T12:00:00+05:30", 1714545000);
    row("-07:00 same wall time", "2024-05-01T12:00:00-07:00", 1714590000);
    row("+14:00", "2024-05-01T12:00:00+14:00", 1714514400);
    row("-12:00", "2024-05-01T12:00:00-12:00", 1714608000);
    row("+23:59", "2024-05-01T12:00:00+23:59", 1714478460);
    row("offset crosses the year", "2024-12-31T23:30:00-01:00", 1735691400);
    row("offset crosses back a year", "2024-01-01T00:15:00+01:00", 1704064500);
    row("logplex L10 'since'", "2026-11-25T18:02:00+00:00", 1795629720);
    // Fractions: 1 to 9 digits and more, never rounding up a second.
    row("fraction 1 digit", "2024-05-01T12:00:00.9Z", 1714564800);
    row("fraction 2 digits", "2024-05-01T12:00:00.99Z", 1714564800);
    row("fraction 3 digits", "2024-05-01T12:00:00.123+00:00", 1714564800);
    row("fraction 4 digits", "2024-05-01T12:00:00.1234Z", 1714564800);
    row("fraction 5 digits", "2024-05-01T12:00:00.12345Z", 1714564800);
    row("fraction 6 digits", "2024-05-01T12:00:00.123456+00:00", 1714564800);
    row("fraction 7 digits", "2024-05-01T12:00:00.1234567Z", 1714564800);
    row("fraction 8 digits", "2024-05-01T12:00:00.12345678Z", 1714564800);
    row("fraction 9 digits", "2024-05-01T12:00:00.999999999Z", 1714564800);
    row("fraction 12 digits", "2024-05-01T12:00:00.999999999999Z", 1714564800);
    row("fraction with offset", "2024-05-01T12:00:00.5+05:30", 1714545000);
    row("fraction before epoch floors", "1969-12-31T23:59:59.999Z", -1);
    // Calendar.
    row("epoch", "1970-01-01T00:00:00Z", 0);
    row("before epoch", "1969-12-31T23:59:59Z", -1);
    row("leap day 2024", "2024-02-29T23:59:59Z", 1709251199);
    row("day after leap day", "2024-03-01T00:00:00Z", 1709251200);
    row("leap day 2000 (divisible by 400)", "2000-02-29T00:00:00Z", 951782400);
    row("1900-03-01", "1900-03-01T00:00:00Z", -2203891200);
    row("2100-03-01", "2100-03-01T00:00:00Z", 4107542400);
    row("past 32 bits", "2038-01-19T03:14:08Z", 2147483648);
    row("year 1", "0001-01-01T00:00:00Z", -62135596800);
    row("year 9999", "9999-12-31T23:59:59Z", 253402300799);
    row("leap second counts as the next minute", "2016-12-31T23:59:60Z", 1483228800);
    row("second before the leap second", "2016-12-31T23:59:59Z", 1483228799);
    // Rejected.
    row("leap day 2023", "2023-02-29T00:00:00Z", kInvalid);
    row("leap day 1900 (divisible by 100)", "1900-02-29T00:00:00Z", kInvalid);
    row("leap day 2100", "2100-02-29T00:00:00Z", kInvalid);
    row("month 13", "2024-13-01T00:00:00Z", kInvalid);
    row("month 0", "2024-00-01T00:00:00Z", kInvalid);
    row("day 0", "2024-05-00T00:00:00Z", kInvalid);
    row("April 31", "2024-04-31T00:00:00Z", kInvalid);
    row("day 32", "2024-01-32T00:00:00Z", kInvalid);
    row("hour 24", "2024-05-01T24:00:00Z", kInvalid);
    row("minute 60", "2024-05-01T12:60:00Z", kInvalid);
    row("second 61", "2024-05-01T12:00:61Z", kInvalid);
    row("missing offset", "2024-05-01T12:00:00", kInvalid);
    row("missing offset after fraction", "2024-05-01T12:00:00.123", kInvalid);
    row("empty fraction", "2024-05-01T12:00:00.Z", kInvalid);
    row("offset without colon", "2024-05-01T12:00:00+0530", kInvalid);
    row("offset hours only", "2024-05-01T12:00:00+05", kInvalid);
    row("offset hour 24", "2024-05-01T12:00:00+24:00", kInvalid);
    row("offset minute 60", "2024-05-01T12:00:00+05:60", kInvalid);
    row("offset with seconds", "2024-05-01T12:00:00+05:30:00", kInvalid);
    row("offset letters", "2024-05-01T12:00:00+ab:cd", kInvalid);
    row("Z then garbage", "2024-05-01T12:00:00Zjunk", kInvalid);
    row("two Zs", "2024-05-01T12:00:00ZZ", kInvalid);
    row("trailing space", "2024-05-01T12:00:00Z ", kInvalid);
    row("leading space", " 2024-05-01T12:00:00Z", kInvalid);
    row("space instead of T", "2024-05-01 12:00:00Z", kInvalid);
    row("slashes", "2024/05/01T12:00:00Z", kInvalid);
    row("one-digit month", "2024-5-01T12:00:00Z", kInvalid);
    row("two-digit year", "24-05-01T12:00:00Z", kInvalid);
    row("letters in the year", "2o24-05-01T12:00:00Z", kInvalid);
    row("nil", "-", kInvalid);
    row("empty", "", kInvalid);
    row("garbage", "this is no timestamp at all", kInvalid);
    row("unix seconds", "1714564800", kInvalid);
}

void Tst_syslogheader::rfc3339()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, seconds);

    QCOMPARE(orInvalid(l2met::parseRfc3339(view(text))), seconds);
    // A fresh cache agrees, and so does a second look (now a cache hit).
    l2met::Rfc3339Cache cache;
    QCOMPARE(orInvalid(cache.parse(view(text))), seconds);
    QCOMPARE(orInvalid(cache.parse(view(text))), seconds);
}

void Tst_syslogheader::cacheSequence_data()
{
    QTest::addColumn<QList<QByteArray>>("texts");
    QTest::addColumn<QList<qint64>>("seconds");

    QTest::newRow("same second, fractions change")
        << QList<QByteArray> { "2024-05-01T12:00:00.1Z", "2024-05-01T12:00:00.2Z",
                               "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.999999Z",
                               "2024-05-01T12:00:00.000001Z" }
        << QList<qint64> { 1714564800, 1714564800, 1714564800, 1714564800, 1714564800 };
    QTest::newRow("same wall time, offsets change")
        << QList<QByteArray> { "2024-05-01T12:00:00Z", "2024-05-01T12:00:00+05:30",
                               "2024-05-01T12:00:00-07:00", "2024-05-01T12:00:00+05:30",
                               "2024-05-01T12:00:00-05:30", "2024-05-01T12:00:00+00:00",
                               "2024-05-01T12:00:00z", "2024-05-01T12:00:00Z" }
        << QList<qint64> { 1714564800, 1714545000, 1714590000, 1714545000,
                           1714564800 + 19800, 1714564800, 1714564800, 1714564800 };
    QTest::newRow("fraction and offset change together")
        << QList<QByteArray> { "2024-05-01T12:00:00.5+05:30", "2024-05-01T12:00:00.7-07:00",
                               "2024-05-01T12:00:00.5-07:00", "2024-05-01T12:00:00.5+05:30" }
        << QList<qint64> { 1714545000, 1714590000, 1714590000, 1714545000 };
    QTest::newRow("seconds tick and go back")
        << QList<QByteArray> { "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z",
                               "2024-05-01T12:00:01Z", "2024-05-01T12:00:01.5Z",
                               "2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z",
                               "2024-05-02T12:00:00Z", "2025-05-01T12:00:00Z" }
        << QList<qint64> { 1714564800, 1714564800, 1714564801, 1714564801, 1714564800,
                           1714564860, 1714651200, 1746100800 };
    QTest::newRow("rejected texts between good ones")
        << QList<QByteArray> { "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Zjunk",
                               "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.Z",
                               "2024-05-01T12:00:00+05:30:00", "2024-05-01T12:00:00",
                               "2024-05-01T12:00:00Z", "-", "2024-05-01T12:00:00Z" }
        << QList<qint64> { 1714564800, kInvalid, 1714564800, kInvalid, kInvalid, kInvalid,
                           1714564800, kInvalid, 1714564800 };
    QTest::newRow("invalid date then the valid one")
        << QList<QByteArray> { "2023-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
                               "2023-02-29T00:00:00Z", "2024-02-29T00:00:00Z" }
        << QList<qint64> { kInvalid, 1709164800, kInvalid, 1709164800 };
    QTest::newRow("leap second then the next minute")
        << QList<QByteArray> { "2016-12-31T23:59:59Z", "2016-12-31T23:59:60Z",
                               "2017-01-01T00:00:00Z", "2016-12-31T23:59:60.5Z" }
        << QList<qint64> { 1483228799, 1483228800, 1483228800, 1483228800 };
}

void Tst_syslogheader::cacheSequence()
{
    QFETCH(QList<QByteArray>, texts);
    QFETCH(QList<qint64>, seconds);
    QCOMPARE(texts.size(), seconds.size());

    l2met::Rfc3339Cache cache;
    for (qsizetype i = 0; i < texts.size(); ++i) {
        // Each text lives in its own buffer, as frames of one body would not.
        const QByteArray text = texts.at(i);
        const qint64 uncached = orInvalid(l2met::parseRfc3339(view(text)));
        const qint64 cached = orInvalid(cache.parse(view(text)));
        QVERIFY2(uncached == seconds.at(i), text.constData());
        QVERIFY2(cached == seconds.at(i), text.constData());
    }
}

// Every row of the rfc3339 table through one cache, in order, reversed and
// interleaved: a cache may only ever save work, never change an answer.
void Tst_syslogheader::cacheAgreesOverTheWholeTable()
{
    QList<QByteArray> texts;
    const QByteArray stem = QByteArrayLiteral("2024-05-01T12:00:");
    const char *offsets[] = { "Z", "z", "+00:00", "-00:00", "+05:30", "-05:30", "+01:00", "-07:00" };
    const char *fractions[] = { "", ".1", ".999999999" };
    for (int second : { 0, 1, 59, 60, 61 })
        for (const char *fraction : fractions)
            for (const char *offset : offsets)
                texts.append(stem + QByteArray::number(second).rightJustified(2, '0') + fraction
                             + offset);
    QList<QByteArray> sequence = texts;
    for (auto it = texts.crbegin(); it != texts.crend(); ++it)
        sequence.append(*it);
    for (qsizetype i = 0; i < texts.size(); ++i) {
        sequence.append(texts.at(i));
        sequence.append(texts.at(texts.size() - 1 - i));
        sequence.append(texts.at(i));
    }

    l2met::Rfc3339Cache cache;
    int valid = 0;
    for (const QByteArray &text : std::as_const(sequence)) {
        const std::optional<qint64> expected = l2met::parseRfc3339(view(text));
        QVERIFY2(cache.parse(view(text)) == expected, text.constData());
        valid += expected.has_value() ? 1 : 0;
    }
    // Seconds 61 are rejected: 4 of 5 seconds are valid.
    QCOMPARE(valid, int(sequence.size() * 4 / 5));
}

QTEST_GUILESS_MAIN(Tst_syslogheader)
#include "tst_syslogheader.moc"
