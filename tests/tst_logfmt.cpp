// Tests of LogfmtScanner: the logfmt of docs/behaviour.md section 3 (`key=value`,
// `key="quoted value"`, bare `key`), the edge cases real log lines bring, and
// unescape().
#include "parser/logfmt.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <string>
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

// One scanner result as text, so a whole line compares as one list:
//   "bare:KEY"               bare key (no '=')
//   "plain:KEY=VALUE"        unquoted value (possibly empty)
//   "quoted:KEY=VALUE"       quoted value without escapes
//   "escaped:KEY=RAW"        quoted value with backslash escapes, raw
//   "unterminated:KEY=RAW"   quote open to the end of the line
//   "unterminated-escaped:KEY=RAW"
//   "end"
QByteArray render(l2met::LogfmtScanner::Status status, const l2met::LogfmtPair &pair)
{
    using Status = l2met::LogfmtScanner::Status;
    if (status == Status::End)
        return QByteArrayLiteral("end");
    QByteArray kind;
    if (status == Status::UnterminatedQuote)
        kind = pair.escaped ? QByteArrayLiteral("unterminated-escaped")
                            : QByteArrayLiteral("unterminated");
    else if (!pair.hasValue)
        return QByteArrayLiteral("bare:") + bytes(pair.key);
    else if (pair.escaped)
        kind = QByteArrayLiteral("escaped");
    else if (pair.quoted)
        kind = QByteArrayLiteral("quoted");
    else
        kind = QByteArrayLiteral("plain");
    return kind + ':' + bytes(pair.key) + '=' + bytes(pair.value);
}

const QByteArray kH12 = QByteArrayLiteral(
    "at=error code=H12 desc=\"Request timeout\" method=GET path=\"/slow\" "
    "host=example-app-1234567890ab.herokuapp.com request_id=2f1c5d5e-1b1e-4c6e-9a51-1d0c3c2b7a10 "
    "fwd=\"10.1.2.3\" dyno=web.2 connect= service=30000ms status=503 bytes=0 protocol=http");

} // namespace

class Tst_logfmt : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scan_data();
    void scan();
    void pairFlagsAreConsistent();
    void viewsPointIntoTheLine();
    void unterminatedQuoteKeepsEarlierPairs();
    void escapedQuotedValue();
    void unescape_data();
    void unescape();
};

void Tst_logfmt::scan_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QList<QByteArray>>("expected");

    QTest::newRow("empty line") << QByteArray() << QList<QByteArray> { "end" };
    QTest::newRow("blanks only") << QByteArrayLiteral(" \t  \t") << QList<QByteArray> { "end" };
    QTest::newRow("key=value") << QByteArrayLiteral("a=1")
                               << QList<QByteArray> { "plain:a=1", "end" };
    QTest::newRow("several pairs")
        << QByteArrayLiteral("at=info method=GET status=200")
        << QList<QByteArray> { "plain:at=info", "plain:method=GET", "plain:status=200", "end" };
    QTest::newRow("bare keys") << QByteArrayLiteral("fast done")
                               << QList<QByteArray> { "bare:fast", "bare:done", "end" };
    QTest::newRow("bare keys among pairs")
        << QByteArrayLiteral("measure#hit a=1 count#miss")
        << QList<QByteArray> { "bare:measure#hit", "plain:a=1", "bare:count#miss", "end" };
    QTest::newRow("runs of spaces and tabs")
        << QByteArrayLiteral("  a=1 \t\t b=2\t c \t")
        << QList<QByteArray> { "plain:a=1", "plain:b=2", "bare:c", "end" };
    QTest::newRow("quoted value with spaces")
        << QByteArrayLiteral("desc=\"Request timeout\" code=H12")
        << QList<QByteArray> { "quoted:desc=Request timeout", "plain:code=H12", "end" };
    QTest::newRow("quoted value with tabs and equals")
        << QByteArrayLiteral("q=\"a\tb=c d\"")
        << QList<QByteArray> { "quoted:q=a\tb=c d", "end" };
    QTest::newRow("escaped quote")
        << QByteArrayLiteral("key=\"quoted \\\" value\" next=1")
        << QList<QByteArray> { "escaped:key=quoted \\\" value", "plain:next=1", "end" };
    QTest::newRow("escaped backslash before the closing quote")
        << QByteArrayLiteral("a=\"x\\\\\" b=1")
        << QList<QByteArray> { "escaped:a=x\\\\", "plain:b=1", "end" };
    QTest::newRow("backslash in an unquoted value is plain")
        << QByteArrayLiteral("path=C:\\dir\\x b=1")
        << QList<QByteArray> { "plain:path=C:\\dir\\x", "plain:b=1", "end" };
    QTest::newRow("empty value") << QByteArrayLiteral("a= b=1")
                                 << QList<QByteArray> { "plain:a=", "plain:b=1", "end" };
    QTest::newRow("empty value at the end") << QByteArrayLiteral("b=1 a=")
                                            << QList<QByteArray> { "plain:b=1", "plain:a=",
                                                                   "end" };
    QTest::newRow("empty quoted value") << QByteArrayLiteral("a=\"\" b=1")
                                        << QList<QByteArray> { "quoted:a=", "plain:b=1", "end" };
    QTest::newRow("empty key") << QByteArrayLiteral("=value")
                               << QList<QByteArray> { "plain:=value", "end" };
    QTest::newRow("equals alone") << QByteArrayLiteral("=") << QList<QByteArray> { "plain:=",
                                                                                   "end" };
    QTest::newRow("equals in value") << QByteArrayLiteral("a=b=c")
                                     << QList<QByteArray> { "plain:a=b=c", "end" };
    QTest::newRow("double equals") << QByteArrayLiteral("a==b")
                                   << QList<QByteArray> { "plain:a==b", "end" };
    QTest::newRow("quote inside an unquoted value")
        << QByteArrayLiteral("a=x\"y b=2")
        << QList<QByteArray> { "plain:a=x\"y", "plain:b=2", "end" };
    QTest::newRow("quote in a key")
        << QByteArrayLiteral("\"a b\"=1")
        << QList<QByteArray> { "bare:\"a", "plain:b\"=1", "end" };
    QTest::newRow("unterminated quote")
        << QByteArrayLiteral("a=1 b=\"never closed c=3")
        << QList<QByteArray> { "plain:a=1", "unterminated:b=never closed c=3", "end" };
    QTest::newRow("unterminated quote, nothing after it")
        << QByteArrayLiteral("a=\"") << QList<QByteArray> { "unterminated:a=", "end" };
    QTest::newRow("escaped closing quote leaves it open")
        << QByteArrayLiteral("a=\"x\\\"")
        << QList<QByteArray> { "unterminated-escaped:a=x\\\"", "end" };
    QTest::newRow("backslash as the last byte")
        << QByteArrayLiteral("a=\"x\\")
        << QList<QByteArray> { "unterminated-escaped:a=x\\", "end" };
    // After a closing quote the value is over: what is glued to it is
    // scanned as the next key.
    QTest::newRow("value glued after quote")
        << QByteArrayLiteral("a=\"x\"y b=2")
        << QList<QByteArray> { "quoted:a=x", "bare:y", "plain:b=2", "end" };
    QTest::newRow("pair glued after quote")
        << QByteArrayLiteral("a=\"x\"=1")
        << QList<QByteArray> { "quoted:a=x", "plain:=1", "end" };
    QTest::newRow("two quoted values glued")
        << QByteArrayLiteral("a=\"x\"b=\"y\"")
        << QList<QByteArray> { "quoted:a=x", "quoted:b=y", "end" };
    QTest::newRow("unicode bytes")
        << QByteArrayLiteral("na\xc3\xafve=caf\xc3\xa9 \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87=\"\xd0\xb7 "
                             "\xd1\x81\" emoji=\xf0\x9f\x99\x82ms")
        << QList<QByteArray> { "plain:na\xc3\xafve=caf\xc3\xa9",
                               "quoted:\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87=\xd0\xb7 \xd1\x81",
                               "plain:emoji=\xf0\x9f\x99\x82ms", "end" };
    QTest::newRow("bytes that are not UTF-8")
        << QByteArrayLiteral("\xff=\xfe\x80 \xc0")
        << QList<QByteArray> { "plain:\xff=\xfe\x80", "bare:\xc0", "end" };
    QTest::newRow("NUL is an ordinary byte")
        << QByteArray("a=x\0y b", 7)
        << QList<QByteArray> { QByteArray("plain:a=x\0y", 11), "bare:b", "end" };
    // Lines reach the scanner without their trailing newline; one inside a
    // line is not a separator.
    QTest::newRow("newline is not a blank")
        << QByteArrayLiteral("a=1\nb=2") << QList<QByteArray> { "plain:a=1\nb=2", "end" };
    QTest::newRow("heroku router H12")
        << kH12
        << QList<QByteArray> { "plain:at=error",
                               "plain:code=H12",
                               "quoted:desc=Request timeout",
                               "plain:method=GET",
                               "quoted:path=/slow",
                               "plain:host=example-app-1234567890ab.herokuapp.com",
                               "plain:request_id=2f1c5d5e-1b1e-4c6e-9a51-1d0c3c2b7a10",
                               "quoted:fwd=10.1.2.3",
                               "plain:dyno=web.2",
                               "plain:connect=",
                               "plain:service=30000ms",
                               "plain:status=503",
                               "plain:bytes=0",
                               "plain:protocol=http",
                               "end" };
}

void Tst_logfmt::scan()
{
    QFETCH(QByteArray, line);
    QFETCH(QList<QByteArray>, expected);

    l2met::LogfmtScanner scanner(view(line));
    QList<QByteArray> actual;
    l2met::LogfmtPair pair;
    // Each result but End consumes at least one byte.
    for (qsizetype i = 0; i <= line.size() + 1; ++i) {
        const l2met::LogfmtScanner::Status status = scanner.next(&pair);
        actual.append(render(status, pair));
        if (status == l2met::LogfmtScanner::Status::End)
            break;
    }
    QCOMPARE(actual, expected);
    // End stays End.
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::End);
}

void Tst_logfmt::pairFlagsAreConsistent()
{
    const QByteArray line = QByteArrayLiteral("bare k=v q=\"x y\" e=\"a\\\"b\" empty= eq=\"\"");
    l2met::LogfmtScanner scanner(view(line));
    l2met::LogfmtPair pair;
    int pairs = 0;
    while (scanner.next(&pair) == l2met::LogfmtScanner::Status::Pair) {
        ++pairs;
        QVERIFY(!pair.escaped || pair.quoted);
        QVERIFY(!pair.quoted || pair.hasValue);
        QVERIFY(pair.hasValue || pair.value.empty());
    }
    QCOMPARE(pairs, 6);

    // A pair struct reused across calls carries nothing over.
    const QByteArray reused = QByteArrayLiteral("q=\"a\\\"b\" bare");
    l2met::LogfmtScanner second(view(reused));
    QCOMPARE(second.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QVERIFY(pair.escaped && pair.quoted && pair.hasValue);
    QCOMPARE(second.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QCOMPARE(bytes(pair.key), QByteArrayLiteral("bare"));
    QVERIFY(!pair.escaped && !pair.quoted && !pair.hasValue);
    QVERIFY(pair.value.empty());
}

void Tst_logfmt::viewsPointIntoTheLine()
{
    const QByteArray line = QByteArrayLiteral("measure#a=4ms desc=\"x y\"");
    l2met::LogfmtScanner scanner(view(line));
    l2met::LogfmtPair pair;
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QCOMPARE(pair.key.data(), line.constData());
    QCOMPARE(pair.value.data(), line.constData() + 10);
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QCOMPARE(pair.value.data(), line.constData() + 20);
    QCOMPARE(pair.value.size(), size_t(3));

    // A line that is a slice of a longer buffer ends where the slice ends.
    const QByteArray buffer = QByteArrayLiteral("a=1 b=2");
    l2met::LogfmtScanner sliced(view(buffer).substr(0, 4));
    QCOMPARE(sliced.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QCOMPARE(bytes(pair.value), QByteArrayLiteral("1"));
    QCOMPARE(sliced.next(&pair), l2met::LogfmtScanner::Status::End);
}

void Tst_logfmt::unterminatedQuoteKeepsEarlierPairs()
{
    const QByteArray line = QByteArrayLiteral("measure#a=1 count#b=2 desc=\"oops measure#c=3");
    l2met::LogfmtScanner scanner(view(line));
    l2met::LogfmtPair pair;
    QList<QByteArray> keys;
    l2met::LogfmtScanner::Status status;
    while ((status = scanner.next(&pair)) == l2met::LogfmtScanner::Status::Pair)
        keys.append(bytes(pair.key));
    QCOMPARE(status, l2met::LogfmtScanner::Status::UnterminatedQuote);
    QCOMPARE(keys, (QList<QByteArray> { "measure#a", "count#b" }));
    QCOMPARE(bytes(pair.key), QByteArrayLiteral("desc"));
    QVERIFY(pair.hasValue && pair.quoted);
    QCOMPARE(bytes(pair.value), QByteArrayLiteral("oops measure#c=3"));
    // The rest of the line was consumed: measure#c is never seen.
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::End);
}

void Tst_logfmt::escapedQuotedValue()
{
    const QByteArray line = QByteArrayLiteral("key=\"quoted \\\" value\"");
    l2met::LogfmtScanner scanner(view(line));
    l2met::LogfmtPair pair;
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::Pair);
    QCOMPARE(bytes(pair.key), QByteArrayLiteral("key"));
    QVERIFY(pair.quoted);
    QVERIFY(pair.escaped);
    QCOMPARE(bytes(pair.value), QByteArrayLiteral("quoted \\\" value"));
    std::string text;
    l2met::LogfmtScanner::unescape(pair.value, &text);
    QCOMPARE(QByteArray::fromStdString(text), QByteArrayLiteral("quoted \" value"));
    QCOMPARE(scanner.next(&pair), l2met::LogfmtScanner::Status::End);
}

void Tst_logfmt::unescape_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("text");

    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("no escapes") << QByteArrayLiteral("web 1") << QByteArrayLiteral("web 1");
    QTest::newRow("quote") << QByteArrayLiteral("a\\\"b") << QByteArrayLiteral("a\"b");
    QTest::newRow("backslash") << QByteArrayLiteral("a\\\\b") << QByteArrayLiteral("a\\b");
    QTest::newRow("newline") << QByteArrayLiteral("a\\nb") << QByteArrayLiteral("a\nb");
    QTest::newRow("tab") << QByteArrayLiteral("a\\tb") << QByteArrayLiteral("a\tb");
    QTest::newRow("other escapes stand for themselves") << QByteArrayLiteral("\\q\\r\\/")
                                                        << QByteArrayLiteral("qr/");
    QTest::newRow("backslash then quote") << QByteArrayLiteral("\\\\\\\"")
                                          << QByteArrayLiteral("\\\"");
    QTest::newRow("escaped backslash before n") << QByteArrayLiteral("\\\\n")
                                                << QByteArrayLiteral("\\n");
    QTest::newRow("lone trailing backslash") << QByteArrayLiteral("abc\\")
                                             << QByteArrayLiteral("abc\\");
    QTest::newRow("unicode") << QByteArrayLiteral("caf\xc3\xa9 \\\"\xe2\x82\xac\\\"")
                             << QByteArrayLiteral("caf\xc3\xa9 \"\xe2\x82\xac\"");
}

void Tst_logfmt::unescape()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, text);
    // The output is replaced, not appended to.
    std::string out = "left over";
    l2met::LogfmtScanner::unescape(view(raw), &out);
    QCOMPARE(QByteArray::fromStdString(out), text);
}

QTEST_GUILESS_MAIN(Tst_logfmt)
#include "tst_logfmt.moc"
