// Tests of Statistics (hand-computed tables), Bucket merge and the Librato
// gauges of each bucket type, and of sanitizeLibratoName.
#include "bucket/bucket.h"
#include "bucket/namepattern.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <numeric>
#include <random>

using namespace l2met;
using namespace Qt::StringLiterals;

namespace {

BucketId makeId(BucketType type, QByteArray name, QByteArray source = {}, QByteArray units = {})
{
    BucketId id;
    id.time = 1700000040;
    id.resolution = 60;
    id.auth = QByteArrayLiteral("drain-token");
    id.type = type;
    id.name = std::move(name);
    id.source = std::move(source);
    id.units = std::move(units);
    return id;
}

QJsonArray parseArray(const char *json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(json), &error);
    if (error.error != QJsonParseError::NoError || !document.isArray())
        qFatal("bad expected JSON in test: %s", qPrintable(error.errorString()));
    return document.array();
}

QJsonObject parseObject(const char *json)
{
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(json));
    if (!document.isObject())
        qFatal("bad expected JSON object in test");
    return document.object();
}

QByteArray compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

} // namespace

class Tst_bucket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statistics_data();
    void statistics();
    void statisticsLarge();
    void merge();
    void gauges_data();
    void gauges();
    void gaugesSerialized();
    void emptyBucketHasNoGauges();
    void sanitize_data();
    void sanitize();
    void longNames_data();
    void longNames();
    void oddNamesAndSources();
    void compactionKeepsStatisticsExact();
    void compactionKeepsLastAndSignedZero();
    void compactionSkipsValuesThatDoNotRepeat();
    void percentilesParse_data();
    void percentilesParse();
    void percentilesRefused_data();
    void percentilesRefused();
    void configuredPercentiles();
    void configuredPercentilesOfLongNames();
    void attributesPerType();
    void namePatterns_data();
    void namePatterns();
};

void Tst_bucket::statistics_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<qint64>("count");
    QTest::addColumn<double>("sum");
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<double>("sumSquares");
    QTest::addColumn<double>("median");
    QTest::addColumn<double>("perc95");
    QTest::addColumn<double>("perc99");
    QTest::addColumn<double>("last");

    QTest::newRow("empty") << QList<double> {} << qint64(0) << 0.0 << 0.0 << 0.0 << 0.0 << 0.0
                           << 0.0 << 0.0 << 0.0;
    QTest::newRow("n=1") << QList<double> { 5 } << qint64(1) << 5.0 << 5.0 << 5.0 << 25.0 << 5.0
                         << 5.0 << 5.0 << 5.0;
    // sorted [1, 3]: median s[1], perc95 s[1] (2*95/100 = 1), perc99 s[1].
    QTest::newRow("n=2") << QList<double> { 3, 1 } << qint64(2) << 4.0 << 1.0 << 3.0 << 10.0 << 3.0
                         << 3.0 << 3.0 << 1.0;
    // sorted [2, 4, 9]: median s[1], perc95 = perc99 = s[2].
    QTest::newRow("n=3") << QList<double> { 2, 9, 4 } << qint64(3) << 15.0 << 2.0 << 9.0 << 101.0
                         << 4.0 << 9.0 << 9.0 << 4.0;
    // sorted [1..7]: median s[3] = 4, perc95 s[6] = 7, perc99 s[6] = 7.
    QTest::newRow("n=7") << QList<double> { 7, 6, 5, 4, 3, 2, 1 } << qint64(7) << 28.0 << 1.0 << 7.0
                         << 140.0 << 4.0 << 7.0 << 7.0 << 1.0;

    // 20 down to 1: median s[10] = 11, perc95 s[19] = 20, perc99 s[19] = 20;
    // last = 1.
    QList<double> twenty;
    for (int i = 20; i >= 1; --i)
        twenty.append(i);
    QTest::newRow("n=20") << twenty << qint64(20) << 210.0 << 1.0 << 20.0 << 2870.0 << 11.0 << 20.0
                          << 20.0 << 1.0;

    // 1..100 shuffled: median s[50] = 51, perc95 s[95] = 96, perc99 s[99] = 100.
    QList<double> hundred(100);
    std::iota(hundred.begin(), hundred.end(), 1.0);
    std::shuffle(hundred.begin(), hundred.end(), std::mt19937(42));
    QTest::newRow("n=100 shuffled") << hundred << qint64(100) << 5050.0 << 1.0 << 100.0 << 338350.0
                                    << 51.0 << 96.0 << 100.0 << hundred.last();

    // sorted [-3, -2, -1, 0.5]: median s[2] = -1, perc95 = perc99 = s[3].
    QTest::newRow("negative") << QList<double> { -3, 0.5, -1, -2 } << qint64(4) << -5.5 << -3.0
                              << 0.5 << 14.25 << -1.0 << 0.5 << 0.5 << -2.0;
    // sorted [1, 7, 7, 7, 7]: median s[2] = 7, perc95 = perc99 = s[4] = 7.
    QTest::newRow("duplicates") << QList<double> { 7, 7, 7, 1, 7 } << qint64(5) << 29.0 << 1.0
                                << 7.0 << 197.0 << 7.0 << 7.0 << 7.0 << 7.0;
    // sorted [1, 1, 2, 2]: median s[2] = 2; last = 1, not the maximum.
    QTest::newRow("duplicate pairs") << QList<double> { 2, 2, 1, 1 } << qint64(4) << 6.0 << 1.0
                                     << 2.0 << 10.0 << 2.0 << 2.0 << 2.0 << 1.0;
    QTest::newRow("last is arrival-last, not max")
        << QList<double> { 1, 100, 50 } << qint64(3) << 151.0 << 1.0 << 100.0 << 12501.0 << 50.0
        << 100.0 << 100.0 << 50.0;
    QTest::newRow("fractions") << QList<double> { 0.25, 0.5 } << qint64(2) << 0.75 << 0.25 << 0.5
                               << 0.3125 << 0.5 << 0.5 << 0.5 << 0.5;
}

void Tst_bucket::statistics()
{
    QFETCH(QList<double>, values);
    const QList<double> before = values;
    const Statistics stats = Statistics::compute(values);
    QCOMPARE(values, before); // computed on a copy
    QTEST(stats.count, "count");
    QTEST(stats.sum, "sum");
    QTEST(stats.min, "min");
    QTEST(stats.max, "max");
    QTEST(stats.sumSquares, "sumSquares");
    QTEST(stats.percentiles[0], "median");
    QTEST(stats.percentiles[1], "perc95");
    QTEST(stats.percentiles[2], "perc99");
    QTEST(stats.last, "last");
}

void Tst_bucket::statisticsLarge()
{
    // 100k values 0..99999 in reverse: exact ranks, and quick.
    std::vector<double> values(100000);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = double(values.size() - 1 - i);
    const Statistics stats = Statistics::compute(values);
    QCOMPARE(stats.count, qint64(100000));
    QCOMPARE(stats.min, 0.0);
    QCOMPARE(stats.max, 99999.0);
    QCOMPARE(stats.sum, 4999950000.0);
    QCOMPARE(stats.percentiles[0], 50000.0);
    QCOMPARE(stats.percentiles[1], 95000.0);
    QCOMPARE(stats.percentiles[2], 99000.0);
    QCOMPARE(stats.last, 0.0);

    // Every n up to 1000: the ranks are floor(q * n) in exact arithmetic.
    for (int n = 1; n <= 1000; ++n) {
        std::vector<double> ramp(static_cast<std::size_t>(n));
        std::iota(ramp.begin(), ramp.end(), 0.0); // s[i] == i
        const Statistics s = Statistics::compute(ramp);
        QCOMPARE(s.percentiles[0], double(n / 2));
        QCOMPARE(s.percentiles[1], double(n * 95 / 100));
        QCOMPARE(s.percentiles[2], double(n * 99 / 100));
    }
}

void Tst_bucket::merge()
{
    const BucketId id = makeId(BucketType::Measurement, "m");
    Bucket a(id, { 1, 2 });
    Bucket b(id, { 3 });
    a.append(4);
    a.merge(b);
    QCOMPARE(a.values(), (std::vector<double> { 1, 2, 4, 3 }));
    QVERIFY(a.id() == id);
    QCOMPARE(b.values(), std::vector<double> { 3 });
    QCOMPARE(a.statistics().last, 3.0);

    Bucket empty(id);
    empty.merge(a);
    QCOMPARE(empty.values(), a.values());
}

void Tst_bucket::gauges_data()
{
    QTest::addColumn<Bucket>("bucket");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("measurement with source and units")
        << Bucket(makeId(BucketType::Measurement, "web.latency", "web.1", "ms"), { 3, 1, 2 })
        << QByteArray(R"([
            {"name": "web.latency", "count": 3, "sum": 6, "min": 1, "max": 3, "sum_squares": 14,
             "measure_time": 1700000040, "source": "web.1",
             "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "web.latency.median", "value": 2, "measure_time": 1700000040,
             "source": "web.1", "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "web.latency.perc95", "value": 3, "measure_time": 1700000040,
             "source": "web.1", "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "web.latency.perc99", "value": 3, "measure_time": 1700000040,
             "source": "web.1", "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}}
        ])");
    std::vector<double> hundred(100);
    std::iota(hundred.begin(), hundred.end(), 1.0);
    std::shuffle(hundred.begin(), hundred.end(), std::mt19937(7));
    QTest::newRow("measurement of 1..100: distinct percentiles")
        << Bucket(makeId(BucketType::Measurement, "router.service", "", "ms"), hundred)
        << QByteArray(R"([
            {"name": "router.service", "count": 100, "sum": 5050, "min": 1, "max": 100,
             "sum_squares": 338350, "measure_time": 1700000040,
             "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "router.service.median", "value": 51, "measure_time": 1700000040,
             "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "router.service.perc95", "value": 96, "measure_time": 1700000040,
             "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "router.service.perc99", "value": 100, "measure_time": 1700000040,
             "attributes": {"display_units_long": "ms", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}}
        ])");
    QTest::newRow("measurement without source or units")
        << Bucket(makeId(BucketType::Measurement, "db.query"), { 0.5 }) << QByteArray(R"([
            {"name": "db.query", "count": 1, "sum": 0.5, "min": 0.5, "max": 0.5,
             "sum_squares": 0.25, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "db.query.median", "value": 0.5, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "db.query.perc95", "value": 0.5, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}},
            {"name": "db.query.perc99", "value": 0.5, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"}}
        ])");
    QTest::newRow("counter with source")
        << Bucket(makeId(BucketType::Counter, "requests", "router", "reqs"), { 1, 1, 3 })
        << QByteArray(R"([
            {"name": "requests", "value": 5, "measure_time": 1700000040, "source": "router",
             "attributes": {"display_units_long": "reqs", "display_min": 0,
             "summarize_function": "sum", "aggregate": true, "l2met_type": "counter"}}
        ])");
    QTest::newRow("counter without source")
        << Bucket(makeId(BucketType::Counter, "errors"), { 2, -1 }) << QByteArray(R"([
            {"name": "errors", "value": 1, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "sum", "aggregate": true, "l2met_type": "counter"}}
        ])");
    QTest::newRow("sample is the last value, not the max")
        << Bucket(makeId(BucketType::Sample, "memory.rss", "web.2", "MB"), { 512, 900, 400 })
        << QByteArray(R"([
            {"name": "memory.rss", "value": 400, "measure_time": 1700000040, "source": "web.2",
             "attributes": {"display_units_long": "MB", "display_min": 0,
             "summarize_function": "max", "aggregate": false, "l2met_type": "sample"}}
        ])");
    QTest::newRow("sample without source")
        << Bucket(makeId(BucketType::Sample, "queue.depth"), { 7 }) << QByteArray(R"([
            {"name": "queue.depth", "value": 7, "measure_time": 1700000040,
             "attributes": {"display_units_long": "", "display_min": 0,
             "summarize_function": "max", "aggregate": false, "l2met_type": "sample"}}
        ])");
    QTest::newRow("UTF-8 units kept as text") << Bucket(makeId(BucketType::Sample, "t", {},
                                                               "\xc2\xb0"
                                                               "C"),
                                                        { 21.5 })
                                              << QByteArray(R"([
            {"name": "t", "value": 21.5, "measure_time": 1700000040,
             "attributes": {"display_units_long": "°C", "display_min": 0,
             "summarize_function": "max", "aggregate": false, "l2met_type": "sample"}}
        ])");
}

void Tst_bucket::gauges()
{
    QFETCH(Bucket, bucket);
    QFETCH(QByteArray, expected);
    const QJsonArray gauges = bucket.toGauges();
    const QJsonArray want = parseArray(expected.constData());
    if (gauges != want) {
        qWarning("got  %s", compact(gauges).constData());
        qWarning("want %s", compact(want).constData());
    }
    QCOMPARE(gauges, want);
}

void Tst_bucket::gaugesSerialized()
{
    // The exact bytes that go into a batch (QJsonObject orders keys).
    const Bucket bucket(makeId(BucketType::Counter, "hits", "web.1", "req"), { 2, 3 });
    QCOMPARE(compact(bucket.toGauges()),
             QByteArrayLiteral(R"([{"attributes":{"aggregate":true,"display_min":0,"display_units_long":"req",)"
                               R"("l2met_type":"counter","summarize_function":"sum"},)"
                               R"("measure_time":1700000040,"name":"hits","source":"web.1",)"
                               R"("value":5}])"));
}

void Tst_bucket::emptyBucketHasNoGauges()
{
    for (const BucketType type :
         { BucketType::Measurement, BucketType::Counter, BucketType::Sample })
        QVERIFY(Bucket(makeId(type, "x")).toGauges().isEmpty());
}

void Tst_bucket::sanitize_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("valid") << QByteArrayLiteral("Az09.:_-x") << QStringLiteral("Az09.:_-x");
    QTest::newRow("spaces") << QByteArrayLiteral(" my metric ") << QStringLiteral("_my_metric_");
    QTest::newRow("punctuation") << QByteArrayLiteral("a/b=c;d\"e'f,g*h")
                                 << QStringLiteral("a_b_c_d_e_f_g_h");
    QTest::newRow("NUL and newline") << QByteArray("a\0b\nc\td", 7) << QStringLiteral("a_b_c_d");
    QTest::newRow("DEL") << QByteArrayLiteral("a\x7f") << QStringLiteral("a_");
    QTest::newRow("2-byte code point")
        << QByteArrayLiteral("caf\xc3\xa9") << QStringLiteral("caf_");
    QTest::newRow("3-byte code points")
        << QByteArrayLiteral("\xe6\x97\xa5\xe6\x9c\xac.x") << QStringLiteral("__.x");
    QTest::newRow("4-byte code point")
        << QByteArrayLiteral("a\xf0\x9f\x98\x80z") << QStringLiteral("a_z");
    QTest::newRow("invalid bytes") << QByteArrayLiteral("\xff\xfe") << QStringLiteral("__");
    QTest::newRow("lone continuation") << QByteArrayLiteral("a\x80z") << QStringLiteral("a_z");
    QTest::newRow("truncated 3-byte") << QByteArrayLiteral("\xe2\x82") << QStringLiteral("__");
    QTest::newRow("truncated then ASCII")
        << QByteArrayLiteral("\xe2\x82x") << QStringLiteral("__x");
    QTest::newRow("overlong slash") << QByteArrayLiteral("\xc0\xaf") << QStringLiteral("__");
    QTest::newRow("overlong 3-byte") << QByteArrayLiteral("\xe0\x80\xaf") << QStringLiteral("___");
    QTest::newRow("surrogate") << QByteArrayLiteral("\xed\xa0\x80") << QStringLiteral("___");
    QTest::newRow("above U+10FFFF")
        << QByteArrayLiteral("\xf4\x90\x80\x80") << QStringLiteral("____");
    QTest::newRow("U+10FFFF") << QByteArrayLiteral("\xf4\x8f\xbf\xbf") << QStringLiteral("_");
    QTest::newRow("300 ASCII") << QByteArray(300, 'a') << QString(255, QLatin1Char('a'));
    QTest::newRow("255 ASCII") << QByteArray(255, 'a') << QString(255, QLatin1Char('a'));
    QByteArray accents;
    for (int i = 0; i < 300; ++i)
        accents += "\xc3\xa9";
    QTest::newRow("300 code points") << accents << QString(255, QLatin1Char('_'));
}

void Tst_bucket::sanitize()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, expected);
    QCOMPARE(sanitizeLibratoName(raw), expected);
}

void Tst_bucket::longNames_data()
{
    QTest::addColumn<int>("length");
    QTest::newRow("247") << 247;
    QTest::newRow("248") << 248;
    QTest::newRow("249") << 249;
    QTest::newRow("255") << 255;
    QTest::newRow("256") << 256;
    QTest::newRow("300") << 300;
    QTest::newRow("10000") << 10000;
}

void Tst_bucket::longNames()
{
    // The base is cut to 255 - suffix length so the suffix survives: the four
    // gauges of a measurement stay distinct and each is a valid name.
    QFETCH(int, length);
    QByteArray name;
    for (int i = 0; i < length; ++i)
        name += char('a' + i % 26);
    const QJsonArray gauges
        = Bucket(makeId(BucketType::Measurement, name, QByteArray(length, 's')), { 1 }).toGauges();
    QCOMPARE(gauges.size(), 4);

    const QString full = QString::fromLatin1(name);
    const QStringList suffixes { QString(), QStringLiteral(".median"), QStringLiteral(".perc95"),
                                 QStringLiteral(".perc99") };
    QSet<QString> names;
    for (int i = 0; i < 4; ++i) {
        const QJsonObject gauge = gauges.at(i).toObject();
        const QString gaugeName = gauge.value(QStringLiteral("name")).toString();
        QVERIFY(gaugeName.size() <= 255);
        QVERIFY(gaugeName.endsWith(suffixes.at(i)));
        QCOMPARE(gaugeName, full.left(255 - suffixes.at(i).size()) + suffixes.at(i));
        QCOMPARE(gauge.value(QStringLiteral("source")).toString(),
                 QString(std::min(length, 255), QLatin1Char('s')));
        names.insert(gaugeName);
    }
    QCOMPARE(names.size(), 4);

    const QJsonArray counter = Bucket(makeId(BucketType::Counter, name), { 1 }).toGauges();
    QCOMPARE(counter.at(0).toObject().value(QStringLiteral("name")).toString(), full.left(255));
}

void Tst_bucket::oddNamesAndSources()
{
    const QJsonArray gauges
        = Bucket(makeId(BucketType::Measurement, "my app/latency \xe2\x9c\x93", "web 1\xff", "ms"),
                 { 1 })
              .toGauges();
    QCOMPARE(gauges.size(), 4);
    QCOMPARE(gauges.at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("my_app_latency__"));
    QCOMPARE(gauges.at(1).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("my_app_latency__.median"));
    for (const QJsonValue &gauge : gauges)
        QCOMPARE(gauge.toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("web_1_"));

    // The parser refuses empty names; should one slip through it is still valid.
    const QJsonArray unnamed = Bucket(makeId(BucketType::Measurement, {}), { 1 }).toGauges();
    QCOMPARE(unnamed.at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("_"));
    QCOMPARE(unnamed.at(3).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("_.perc99"));
    QVERIFY(!unnamed.at(0).toObject().contains(QStringLiteral("source")));
}

// Buckets fold repeated values into counts; every statistic must equal the
// one computed over the plain values, whatever the chunks and merges.
void Tst_bucket::compactionKeepsStatisticsExact()
{
    QRandomGenerator rng(7);
    for (int round = 0; round < 200; ++round) {
        l2met::BucketId id;
        id.name = "m";
        id.type = l2met::BucketType(round % 3);
        l2met::Bucket total(id);
        std::vector<double> all;
        const int chunks = 1 + rng.bounded(6);
        for (int c = 0; c < chunks; ++c) {
            l2met::Bucket part(id);
            const int n = rng.bounded(1200);
            const int distinct = 1 + rng.bounded(round % 2 ? 20 : 5000);
            for (int i = 0; i < n; ++i) {
                const double v = double(rng.bounded(distinct)) * 0.5 - 3;
                part.append(v);
                all.push_back(v);
            }
            if (rng.bounded(2))
                part.compact();
            total.merge(part);
            total.maybeCompact();
        }
        const l2met::Statistics expected = l2met::Statistics::compute(all);
        const l2met::Statistics actual = total.statistics();
        QCOMPARE(total.valueCount(), qint64(all.size()));
        QCOMPARE(actual.count, expected.count);
        QCOMPARE(actual.min, expected.min);
        QCOMPARE(actual.max, expected.max);
        QCOMPARE(actual.percentiles[0], expected.percentiles[0]);
        QCOMPARE(actual.percentiles[1], expected.percentiles[1]);
        QCOMPARE(actual.percentiles[2], expected.percentiles[2]);
        QCOMPARE(actual.last, expected.last);
        QCOMPARE(actual.sum, expected.sum); // halves: exact in any order
        QCOMPARE(actual.sumSquares, expected.sumSquares);
        // The gauges Librato gets are the same as without compaction.
        QCOMPARE(total.toGauges(), l2met::Bucket(id, all).toGauges());
        std::vector<double> expanded = total.expandedValues();
        std::sort(expanded.begin(), expanded.end());
        std::sort(all.begin(), all.end());
        QVERIFY(expanded == all);
    }
}

void Tst_bucket::compactionKeepsLastAndSignedZero()
{
    l2met::BucketId id;
    id.name = "s";
    id.type = l2met::BucketType::Sample;
    l2met::Bucket a(id, { 5, -0.0, 0.0, 2 });
    a.compact();
    QCOMPARE(a.last(), 2.0);
    QCOMPARE(a.counts().size(), size_t(4)); // -0.0 and 0.0 kept apart
    QVERIFY(std::signbit(a.counts()[0].value == -0.0 ? a.counts()[0].value : a.counts()[1].value));
    l2met::Bucket b(id, { 9, 1 });
    b.compact(); // b's last (1) arrived after a's values
    a.merge(b);
    QCOMPARE(a.last(), 1.0);
    QCOMPARE(a.statistics().last, 1.0);
    a.append(7);
    QCOMPARE(a.statistics().last, 7.0);
    QCOMPARE(a.toGauges().first().toObject().value(QLatin1String("value")).toDouble(), 7.0);
}

void Tst_bucket::compactionSkipsValuesThatDoNotRepeat()
{
    l2met::BucketId id;
    l2met::Bucket b(id);
    for (size_t i = 0; i < l2met::Bucket::kCompactAt; ++i)
        b.append(double(i) + 0.25);
    b.maybeCompact(); // all distinct: compacting cost memory, so later tries wait
    const size_t counts = b.counts().size();
    for (size_t i = 0; i < l2met::Bucket::kCompactAt; ++i)
        b.append(1);
    b.maybeCompact();
    QCOMPARE(b.counts().size(), counts); // not yet: the raw values have not doubled
    for (size_t i = 0; i < 2 * l2met::Bucket::kCompactAt; ++i)
        b.append(1);
    b.maybeCompact();
    QVERIFY(b.values().empty());
    QCOMPARE(b.valueCount(), qint64(4 * l2met::Bucket::kCompactAt));
}

void Tst_bucket::percentilesParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normalised");
    QTest::addColumn<QStringList>("suffixes");
    QTest::newRow("default") << u"50,95,99"_s << u"50,95,99"_s
                             << QStringList { u".median"_s, u".perc95"_s, u".perc99"_s };
    QTest::newRow("unsorted, blanks") << u" 99.9, 75 ,90"_s << u"75,90,99.9"_s
                                      << QStringList { u".perc75"_s, u".perc90"_s, u".perc99_9"_s };
    QTest::newRow("two decimals") << u"99.99,0.01,12.5"_s << u"0.01,12.5,99.99"_s
                                  << QStringList { u".perc0_01"_s, u".perc12_5"_s, u".perc99_99"_s };
    QTest::newRow("trailing zero") << u"99.90"_s << u"99.9"_s << QStringList { u".perc99_9"_s };
    QTest::newRow("ten") << u"1,2,3,4,5,6,7,8,9,10"_s << u"1,2,3,4,5,6,7,8,9,10"_s
                         << QStringList { u".perc1"_s, u".perc2"_s, u".perc3"_s, u".perc4"_s,
                                          u".perc5"_s, u".perc6"_s, u".perc7"_s, u".perc8"_s,
                                          u".perc9"_s, u".perc10"_s };
}

void Tst_bucket::percentilesParse()
{
    QFETCH(QString, text);
    QFETCH(QString, normalised);
    QFETCH(QStringList, suffixes);
    QString reason;
    const std::optional<Percentiles> p = Percentiles::parse(text, &reason);
    QVERIFY2(p, qPrintable(reason));
    QCOMPARE(p->text(), normalised);
    QCOMPARE(p->size(), suffixes.size());
    for (int i = 0; i < p->size(); ++i)
        QCOMPARE(QString(p->suffix(i)), suffixes.at(i));
    QVERIFY(*Percentiles::parse(normalised, &reason) == *p);
}

void Tst_bucket::percentilesRefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason"); // a part of it
    QTest::newRow("empty") << QString() << u"expected percentiles"_s;
    QTest::newRow("zero") << u"0,50"_s << u"greater than 0 and less than 100"_s;
    QTest::newRow("hundred") << u"100"_s << u"greater than 0 and less than 100"_s;
    QTest::newRow("three decimals") << u"99.999"_s << u"at most two decimals"_s;
    QTest::newRow("negative") << u"-5"_s << u"expected percentiles"_s;
    QTest::newRow("word") << u"p99"_s << u"expected percentiles"_s;
    QTest::newRow("empty entry") << u"50,,99"_s << u"expected percentiles"_s;
    QTest::newRow("bare dot") << u"99."_s << u"expected percentiles"_s;
    QTest::newRow("duplicate") << u"95,99,95"_s << u"listed twice"_s;
    QTest::newRow("same value spelled twice") << u"99.9,99.90"_s << u"listed twice"_s;
    QTest::newRow("eleven") << u"1,2,3,4,5,6,7,8,9,10,11"_s << u"at most 10"_s;
}

void Tst_bucket::percentilesRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    QString got;
    QVERIFY(!Percentiles::parse(text, &got));
    QVERIFY2(got.contains(reason), qPrintable(got));
}

void Tst_bucket::configuredPercentiles()
{
    // 1..1000 shuffled; sorted s[i] = i + 1. Ranks floor(p * n / 100) in
    // integers: 75 -> s[750], 90 -> s[900], 99.9 -> s[999], 12.34 ->
    // floor(1234 * 1000 / 10000) = s[123].
    QString reason;
    const Percentiles p = *Percentiles::parse(u"75,90,99.9,12.34"_s, &reason);
    std::vector<double> values(1000);
    std::iota(values.begin(), values.end(), 1.0);
    std::shuffle(values.begin(), values.end(), std::mt19937(11));
    Bucket bucket(makeId(BucketType::Measurement, "api.latency", "web.1", "ms"), values);
    const QJsonArray gauges = bucket.toGauges(p);
    QCOMPARE(gauges.size(), 5);
    const QStringList names { u"api.latency"_s, u"api.latency.perc12_34"_s, u"api.latency.perc75"_s,
                              u"api.latency.perc90"_s, u"api.latency.perc99_9"_s };
    const QList<double> want { 0, 124, 751, 901, 1000 };
    for (int i = 0; i < gauges.size(); ++i) {
        const QJsonObject gauge = gauges.at(i).toObject();
        QCOMPARE(gauge.value(u"name"_s).toString(), names.at(i));
        if (i > 0)
            QCOMPARE(gauge.value(u"value"_s).toDouble(), want.at(i));
    }
    // The compacted path finds the same ranks.
    bucket.compact();
    QVERIFY(!bucket.counts().empty());
    QCOMPARE(bucket.toGauges(p), gauges);
    const Statistics stats = bucket.statistics(p);
    QCOMPARE(stats.percentiles[0], 124.0);
    QCOMPARE(stats.percentiles[3], 1000.0);
    QCOMPARE(stats.min, 1.0);
    QCOMPARE(stats.max, 1000.0);
    // The defaults are untouched by it.
    QCOMPARE(bucket.toGauges().at(1).toObject().value(u"name"_s).toString(), u"api.latency.median"_s);
}

void Tst_bucket::configuredPercentilesOfLongNames()
{
    QString reason;
    const Percentiles p = *Percentiles::parse(u"99.99"_s, &reason);
    const QJsonArray gauges = Bucket(makeId(BucketType::Measurement, QByteArray(300, 'n')), { 1 }).toGauges(p);
    QCOMPARE(gauges.size(), 2);
    const QString name = gauges.at(1).toObject().value(u"name"_s).toString();
    QCOMPARE(name, QString(255 - 10, u'n') + u".perc99_99"_s);
}

void Tst_bucket::attributesPerType()
{
    QCOMPARE(libratoAttributes(BucketType::Counter, "reqs"),
             parseObject(R"({"display_units_long": "reqs", "display_min": 0,
                 "summarize_function": "sum", "aggregate": true, "l2met_type": "counter"})"));
    QCOMPARE(libratoAttributes(BucketType::Measurement, "ms"),
             parseObject(R"({"display_units_long": "ms", "display_min": 0,
                 "summarize_function": "average", "aggregate": false, "l2met_type": "measurement"})"));
    QCOMPARE(libratoAttributes(BucketType::Sample, "MB"),
             parseObject(R"({"display_units_long": "MB", "display_min": 0,
                 "summarize_function": "max", "aggregate": false, "l2met_type": "sample"})"));
    // Every gauge of a measurement carries its type's attributes.
    for (const QJsonValue &gauge : Bucket(makeId(BucketType::Measurement, "m"), { 1, 2 }).toGauges())
        QCOMPARE(gauge.toObject().value(u"attributes"_s).toObject().value(u"l2met_type"_s).toString(),
                 u"measurement"_s);
}

void Tst_bucket::namePatterns_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("pattern");
    QTest::newRow("plain") << "db.latency"_ba << "db.latency"_ba;
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("numeric id") << "user.48213.latency"_ba << "user.#.latency"_ba;
    QTest::newRow("hex id") << "order.9f1c.created"_ba << "order.#.created"_ba;
    QTest::newRow("hex without digit stays") << "cafe.beef.hits"_ba << "cafe.beef.hits"_ba;
    QTest::newRow("digits inside a word") << "user48213.latency"_ba << "user#.latency"_ba;
    QTest::newRow("percentile-like") << "latency.p95"_ba << "latency.p#"_ba;
    QTest::newRow("two ids") << "shard.12.user.7"_ba << "shard.#.user.#"_ba;
    QTest::newRow("uuid") << "session.550e8400-e29b-41d4-a716-446655440000.start"_ba
                          << "session.#.start"_ba;
    QTest::newRow("dashed ids") << "job_123_456.run"_ba << "job_#.run"_ba;
    QTest::newRow("word after id keeps its dash") << "user.12-name"_ba << "user.#-name"_ba;
    QTest::newRow("long hex") << "commit.a1b2c3d4e5f6.deploys"_ba << "commit.#.deploys"_ba;
    QTest::newRow("router status") << "router.status.2xx"_ba << "router.status.#xx"_ba;
    QTest::newRow("non-ascii kept") << "caf\xc3\xa9.42"_ba << "caf\xc3\xa9.#"_ba;
    QTest::newRow("trailing separator") << "a.1."_ba << "a.#."_ba;
}

void Tst_bucket::namePatterns()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, pattern);
    QCOMPARE(namePattern(name), pattern);
    QCOMPARE(hasNumberPart(name), name != pattern);
    // A pattern is its own pattern.
    QCOMPARE(namePattern(pattern), pattern);
}

QTEST_GUILESS_MAIN(Tst_bucket)
#include "tst_bucket.moc"
