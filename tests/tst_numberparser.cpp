// Tests of parseValue(): the decimal numbers and units of docs/behaviour.md section 3, and
// every rejection with the ValueError it is counted under.
#include "parser/numberparser.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QTest>

#include <charconv>
#include <cstring>
#include <string_view>

Q_DECLARE_METATYPE(l2met::ValueError)

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()));
}

QByteArray bytes(std::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace

class Tst_numberparser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepts_data();
    void accepts();
    void rejects_data();
    void rejects();
    void unitsPointIntoTheInput();
    void underflowIsFinite_data();
    void underflowIsFinite();
    void rejectionLeavesOutputAlone();
    void agreesWithFromChars();
    void errorTexts();
};

void Tst_numberparser::accepts_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("units");

    QTest::newRow("integer") << QByteArrayLiteral("42") << 42.0 << QByteArray();
    QTest::newRow("zero") << QByteArrayLiteral("0") << 0.0 << QByteArray();
    QTest::newRow("leading zeros") << QByteArrayLiteral("007") << 7.0 << QByteArray();
    QTest::newRow("float") << QByteArrayLiteral("3.25") << 3.25 << QByteArray();
    QTest::newRow("plus sign") << QByteArrayLiteral("+1") << 1.0 << QByteArray();
    QTest::newRow("negative float") << QByteArrayLiteral("-2.5") << -2.5 << QByteArray();
    QTest::newRow("leading dot") << QByteArrayLiteral(".5") << 0.5 << QByteArray();
    QTest::newRow("minus leading dot") << QByteArrayLiteral("-.5") << -0.5 << QByteArray();
    QTest::newRow("plus leading dot") << QByteArrayLiteral("+.5") << 0.5 << QByteArray();
    QTest::newRow("trailing dot") << QByteArrayLiteral("5.") << 5.0 << QByteArray();
    QTest::newRow("exponent") << QByteArrayLiteral("1e3") << 1000.0 << QByteArray();
    QTest::newRow("exponent plus") << QByteArrayLiteral("1e+3") << 1000.0 << QByteArray();
    QTest::newRow("negative exponent, units") << QByteArrayLiteral("2.5E-2ms") << 0.025
                                              << QByteArrayLiteral("ms");
    QTest::newRow("largest double") << QByteArrayLiteral("1.7976931348623157e308")
                                    << 1.7976931348623157e308 << QByteArray();
    QTest::newRow("smallest subnormal") << QByteArrayLiteral("5e-324") << 5e-324 << QByteArray();
    // An 'e' that starts no exponent belongs to the units.
    QTest::newRow("e without digits") << QByteArrayLiteral("1e") << 1.0 << QByteArrayLiteral("e");
    QTest::newRow("e and sign without digits") << QByteArrayLiteral("1e+") << 1.0
                                               << QByteArrayLiteral("e+");
    QTest::newRow("units starting with e") << QByteArrayLiteral("4em") << 4.0
                                           << QByteArrayLiteral("em");
    QTest::newRow("ms") << QByteArrayLiteral("4ms") << 4.0 << QByteArrayLiteral("ms");
    QTest::newRow("MB") << QByteArrayLiteral("21.00MB") << 21.0 << QByteArrayLiteral("MB");
    QTest::newRow("percent") << QByteArrayLiteral("10%") << 10.0 << QByteArrayLiteral("%");
    QTest::newRow("units with slash") << QByteArrayLiteral("3.5ms/req") << 3.5
                                      << QByteArrayLiteral("ms/req");
    QTest::newRow("pages") << QByteArrayLiteral("348836pages") << 348836.0
                           << QByteArrayLiteral("pages");
    QTest::newRow("bytes beyond 32 bits") << QByteArrayLiteral("29038814063bytes") << 29038814063.0
                                          << QByteArrayLiteral("bytes");
    QTest::newRow("ratio") << QByteArrayLiteral("0.99836") << 0.99836 << QByteArray();
    QTest::newRow("kB") << QByteArrayLiteral("15657124kB") << 15657124.0 << QByteArrayLiteral("kB");
    QTest::newRow("unicode units") << QByteArrayLiteral("5\xc2\xb5s") << 5.0
                                   << QByteArrayLiteral("\xc2\xb5s");
    QTest::newRow("1x (not hex)") << QByteArrayLiteral("1x") << 1.0 << QByteArrayLiteral("x");
}

void Tst_numberparser::accepts()
{
    QFETCH(QByteArray, text);
    QFETCH(double, value);
    QFETCH(QByteArray, units);

    l2met::ParsedValue parsed;
    parsed.value = -12345;
    QCOMPARE(l2met::parseValue(view(text), &parsed), l2met::ValueError::None);
    QCOMPARE(parsed.value, value);
    QCOMPARE(bytes(parsed.units), units);
}

void Tst_numberparser::rejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<l2met::ValueError>("error");
    // Set when the code disagrees with its own contract (see the header).
    QTest::addColumn<QString>("knownBug");

    using l2met::ValueError;
    const QString none;
    QTest::newRow("empty") << QByteArray() << ValueError::Empty << none;
    QTest::newRow("minus alone") << QByteArrayLiteral("-") << ValueError::NotNumber << none;
    QTest::newRow("plus alone") << QByteArrayLiteral("+") << ValueError::NotNumber << none;
    QTest::newRow("two signs") << QByteArrayLiteral("+-1") << ValueError::NotNumber << none;
    QTest::newRow("double minus") << QByteArrayLiteral("--1") << ValueError::NotNumber << none;
    QTest::newRow("letters") << QByteArrayLiteral("abc") << ValueError::NotNumber << none;
    QTest::newRow("units first") << QByteArrayLiteral("ms4") << ValueError::NotNumber << none;
    QTest::newRow("leading space") << QByteArrayLiteral(" 1") << ValueError::NotNumber << none;
    QTest::newRow("dot alone") << QByteArrayLiteral(".") << ValueError::NotNumber << none;
    QTest::newRow("two dots") << QByteArrayLiteral("..5") << ValueError::NotNumber << none;
    QTest::newRow("minus dot") << QByteArrayLiteral("-.") << ValueError::NotNumber << none;
    QTest::newRow("exponent alone") << QByteArrayLiteral("e5") << ValueError::NotNumber << none;
    QTest::newRow("overflow") << QByteArrayLiteral("1e999") << ValueError::NonFinite << none;
    QTest::newRow("negative overflow") << QByteArrayLiteral("-1e999") << ValueError::NonFinite
                                       << none;
    QTest::newRow("just over the largest double") << QByteArrayLiteral("2e308")
                                                  << ValueError::NonFinite << none;
    QTest::newRow("overflow with units") << QByteArrayLiteral("1e400ms") << ValueError::NonFinite
                                         << none;
    QTest::newRow("second fraction") << QByteArrayLiteral("1.2.3") << ValueError::BadUnits << none;
    QTest::newRow("second fraction, units") << QByteArrayLiteral("4.5.6ms") << ValueError::BadUnits
                                            << none;
    QTest::newRow("trailing dot after fraction") << QByteArrayLiteral("1.5.")
                                                 << ValueError::BadUnits << none;

    // NaN and infinity are said to be non-finite (what the operator needs to
    // hear), in any case and with either sign; a word that merely starts
    // like one is not a number.
    QTest::newRow("nan") << QByteArrayLiteral("nan") << ValueError::NonFinite << none;
    QTest::newRow("NaN") << QByteArrayLiteral("NaN") << ValueError::NonFinite << none;
    QTest::newRow("+NaN") << QByteArrayLiteral("+NaN") << ValueError::NonFinite << none;
    QTest::newRow("inf") << QByteArrayLiteral("inf") << ValueError::NonFinite << none;
    QTest::newRow("INF") << QByteArrayLiteral("INF") << ValueError::NonFinite << none;
    QTest::newRow("-Infinity") << QByteArrayLiteral("-Infinity") << ValueError::NonFinite << none;
    QTest::newRow("info") << QByteArrayLiteral("info") << ValueError::NotNumber << none;
    QTest::newRow("nano") << QByteArrayLiteral("nano") << ValueError::NotNumber << none;
    QTest::newRow("units starting with a space") << QByteArrayLiteral("4 5") << ValueError::BadUnits << none;
    QTest::newRow("units starting with a tab") << QByteArrayLiteral("4\tms") << ValueError::BadUnits << none;
    // "0x10" reads as hex: refusing it beats recording a silent 0 with units "x10".
    QTest::newRow("0x10") << QByteArrayLiteral("0x10") << ValueError::NotNumber << none;
    QTest::newRow("-0X1f") << QByteArrayLiteral("-0X1f") << ValueError::NotNumber << none;
}

void Tst_numberparser::rejects()
{
    QFETCH(QByteArray, text);
    QFETCH(l2met::ValueError, error);
    QFETCH(QString, knownBug);

    l2met::ParsedValue parsed;
    const l2met::ValueError actual = l2met::parseValue(view(text), &parsed);
    if (!knownBug.isEmpty())
        QEXPECT_FAIL("", qPrintable(knownBug), Continue);
    QCOMPARE(actual, error);
}

void Tst_numberparser::unitsPointIntoTheInput()
{
    const QByteArray text = QByteArrayLiteral("12.5ms");
    l2met::ParsedValue parsed;
    QCOMPARE(l2met::parseValue(view(text), &parsed), l2met::ValueError::None);
    QCOMPARE(parsed.units.data(), text.constData() + 4);
    QCOMPARE(parsed.units.size(), size_t(2));

    // A view that is a slice of a longer buffer stops at the slice's end.
    const QByteArray line = QByteArrayLiteral("measure#a=3ms measure#b=4");
    const std::string_view slice = view(line).substr(10, 3);
    QCOMPARE(l2met::parseValue(slice, &parsed), l2met::ValueError::None);
    QCOMPARE(parsed.value, 3.0);
    QCOMPARE(bytes(parsed.units), QByteArrayLiteral("ms"));

    const QByteArray digitsOnly = QByteArrayLiteral("123456");
    QCOMPARE(l2met::parseValue(view(digitsOnly).substr(0, 3), &parsed), l2met::ValueError::None);
    QCOMPARE(parsed.value, 123.0);
    QVERIFY(parsed.units.empty());
}

// docs/behaviour.md section 3 allows any decimal number but NaN and infinity; 1e-999 is a
// finite decimal whose nearest double is 0 (from_chars reports
// result_out_of_range for it as for an overflow).
void Tst_numberparser::underflowIsFinite_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("1e-999") << QByteArrayLiteral("1e-999");
    QTest::newRow("2e-324 (below half the smallest subnormal)") << QByteArrayLiteral("2e-324");
    QTest::newRow("-1e-400ms") << QByteArrayLiteral("-1e-400ms");
    QTest::newRow("0.000...1e-300") << QByteArrayLiteral("0.0000000000000000000000001e-300");
}

void Tst_numberparser::underflowIsFinite()
{
    QFETCH(QByteArray, text);
    l2met::ParsedValue parsed;
    parsed.value = 1;
    QCOMPARE(l2met::parseValue(view(text), &parsed), l2met::ValueError::None);
    QCOMPARE(parsed.value, 0.0);
}

void Tst_numberparser::rejectionLeavesOutputAlone()
{
    l2met::ParsedValue parsed;
    parsed.value = 7;
    parsed.units = "kept";
    const char *rejected[] = { "", "-", "abc", "1e999", "1.2.3", "." };
    for (const char *text : rejected) {
        QVERIFY2(l2met::parseValue(text, &parsed) != l2met::ValueError::None, text);
        QCOMPARE(parsed.value, 7.0);
        QCOMPARE(bytes(parsed.units), QByteArrayLiteral("kept"));
    }
}

void Tst_numberparser::errorTexts()
{
    using l2met::ValueError;
    QCOMPARE(QByteArray(l2met::valueErrorText(ValueError::None)), QByteArrayLiteral("ok"));
    const ValueError errors[] = { ValueError::Empty, ValueError::NotNumber, ValueError::NonFinite,
                                  ValueError::BadUnits };
    QList<QByteArray> seen;
    for (ValueError error : errors) {
        const QByteArray text(l2met::valueErrorText(error));
        QVERIFY(!text.isEmpty());
        QVERIFY2(!seen.contains(text), text.constData());
        QVERIFY(text != "ok" && text != "unknown");
        seen.append(text);
    }
    QCOMPARE(QByteArray(l2met::valueErrorText(static_cast<ValueError>(99))),
             QByteArrayLiteral("unknown"));
}

// Whatever shortcuts parseValue takes, every decimal it accepts must come out
// bit for bit as the correctly rounded std::from_chars result: a metric that
// changes in the last bit depending on how it was spelled would make sums and
// percentiles differ between equal inputs.
void Tst_numberparser::agreesWithFromChars()
{
    QRandomGenerator random(20261125);
    int compared = 0;
    for (int i = 0; i < 20000; ++i) {
        // 1 to 19 significant digits, a point anywhere (or none), an
        // optional sign and exponent, sometimes units.
        QByteArray text;
        const int sign = random.bounded(3);
        if (sign == 1)
            text += '-';
        const int digitCount = 1 + random.bounded(19);
        const int point = random.bounded(digitCount + 2) - 1; // -1: no point
        for (int d = 0; d < digitCount; ++d) {
            if (d == point)
                text += '.';
            text += char('0' + random.bounded(10));
        }
        if (point == digitCount)
            text += '.';
        if (random.bounded(4) == 0) {
            text += 'e';
            text += QByteArray::number(random.bounded(-30, 30));
        }
        const bool withUnits = random.bounded(2) == 0;
        const QByteArray number = text; // from_chars takes no '+'
        if (sign == 2)
            text.prepend('+');
        if (withUnits)
            text += QByteArrayLiteral("ms");

        double expected = 0;
        const auto [ptr, ec] = std::from_chars(number.constData(),
                                               number.constData() + number.size(), expected);
        QVERIFY2(ec == std::errc() && ptr == number.constData() + number.size(),
                 number.constData());

        l2met::ParsedValue parsed;
        QCOMPARE(l2met::parseValue(view(text), &parsed), l2met::ValueError::None);
        QVERIFY2(std::memcmp(&parsed.value, &expected, sizeof expected) == 0, text.constData());
        QCOMPARE(bytes(parsed.units), withUnits ? QByteArrayLiteral("ms") : QByteArray());
        ++compared;
    }
    QCOMPARE(compared, 20000);
}

QTEST_GUILESS_MAIN(Tst_numberparser)
#include "tst_numberparser.moc"
