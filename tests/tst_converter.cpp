// Converter: grouping by drain token (first appearance order), batches of at
// most 300 gauges that never split a bucket, undeliverable tokens, and the
// exact JSON payload.
#include "outlet/converter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <initializer_list>
#include <numeric>

using namespace l2met;

namespace {

constexpr qint64 kTime = 1700000040;

Fernet fernetWith(char fill)
{
    const QByteArray key = QByteArray(32, fill).toBase64(QByteArray::Base64UrlEncoding);
    return Fernet(QList<Fernet::Key> { *Fernet::parseKey(key) });
}

const Fernet &fernet()
{
    static const Fernet instance = fernetWith('k');
    return instance;
}

const CredentialsCache &cache()
{
    static const CredentialsCache instance(std::make_shared<const Fernet>(fernet()));
    return instance;
}

QByteArray tokenFor(QByteArrayView plaintext)
{
    return fernet().encrypt(plaintext);
}

Bucket bucket(const QByteArray &token, BucketType type, const QByteArray &name,
              std::initializer_list<double> values, const QByteArray &source = {},
              const QByteArray &units = {})
{
    BucketId id;
    id.time = kTime;
    id.resolution = 60;
    id.auth = token;
    id.type = type;
    id.name = name;
    id.source = source;
    id.units = units;
    return Bucket(id, std::vector<double>(values));
}

Bucket counter(const QByteArray &token, const QByteArray &name, double value = 1)
{
    return bucket(token, BucketType::Counter, name, { value });
}

Bucket measurement(const QByteArray &token, const QByteArray &name)
{
    return bucket(token, BucketType::Measurement, name, { 3, 1, 2 });
}

QString nameOf(const QJsonValue &gauge)
{
    return gauge.toObject().value(QStringLiteral("name")).toString();
}

// The name of the bucket a gauge comes from (".median" etc. removed).
QString baseName(const QJsonValue &gauge)
{
    QString name = nameOf(gauge);
    for (const char *suffix : { ".median", ".perc95", ".perc99" }) {
        if (name.endsWith(QLatin1String(suffix)))
            name.chop(qsizetype(qstrlen(suffix)));
    }
    return name;
}

} // namespace

class Tst_converter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyInput();
    void groupsByTokenInFirstAppearanceOrder();
    void twoTokensOfOneUserStaySeparate();
    void splitsAt300WithoutSplittingBuckets();
    void bucketThatDoesNotFitStartsANewBatch();
    void honoursMaxGauges();
    void undeliverableTokens();
    void emptyBucketsAreSkipped();
    void payloadIsExact();
    void deterministic();
    void hugeValuesStayNumbers();
    void configuredPercentiles();
};

void Tst_converter::emptyInput()
{
    const Conversion conversion = Converter::convert({}, cache());
    QVERIFY(conversion.batches.isEmpty());
    QCOMPARE(conversion.undeliverableBuckets, 0);
    QCOMPARE(conversion.undeliverableGauges, 0);
}

void Tst_converter::groupsByTokenInFirstAppearanceOrder()
{
    const QByteArray bob = tokenFor("bob@example.com:bob-api-token");
    const QByteArray alice = tokenFor("alice@example.com:alice:api:token");
    const std::vector<Bucket> buckets {
        counter(bob, "b1"),
        counter(alice, "a1"),
        measurement(bob, "b2"),
        counter(alice, "a2"),
    };
    const Conversion conversion = Converter::convert(buckets, cache());
    QCOMPARE(conversion.batches.size(), 2);
    QCOMPARE(conversion.undeliverableBuckets, 0);

    const OutletBatch &first = conversion.batches[0];
    QCOMPARE(first.credentials.user, QByteArray("bob@example.com"));
    QCOMPARE(first.credentials.apiToken, QByteArray("bob-api-token"));
    QCOMPARE(first.buckets, 2);
    QCOMPARE(first.gauges.size(), 5);
    QCOMPARE(nameOf(first.gauges[0]), QStringLiteral("b1"));
    QCOMPARE(nameOf(first.gauges[1]), QStringLiteral("b2"));

    const OutletBatch &second = conversion.batches[1];
    QCOMPARE(second.credentials.user, QByteArray("alice@example.com"));
    QCOMPARE(second.credentials.apiToken, QByteArray("alice:api:token")); // split at the first ':'
    QCOMPARE(second.buckets, 2);
    QCOMPARE(second.gauges.size(), 2);
    QCOMPARE(nameOf(second.gauges[0]), QStringLiteral("a1"));
    QCOMPARE(nameOf(second.gauges[1]), QStringLiteral("a2"));
}

void Tst_converter::twoTokensOfOneUserStaySeparate()
{
    // Two tokens of one account (as during key rotation) are two groups, as
    // their buckets are (docs/behaviour.md section 4).
    const QByteArray first = tokenFor("alice:secret");
    const QByteArray second = tokenFor("alice:secret");
    QVERIFY(first != second); // random IVs
    const Conversion conversion
        = Converter::convert({ counter(first, "x"), counter(second, "x") }, cache());
    QCOMPARE(conversion.batches.size(), 2);
    QCOMPARE(conversion.batches[0].credentials, conversion.batches[1].credentials);
}

void Tst_converter::splitsAt300WithoutSplittingBuckets()
{
    const QByteArray token = tokenFor("alice:secret");
    std::vector<Bucket> buckets;
    for (int i = 0; i < 76; ++i)
        buckets.push_back(measurement(token, "m" + QByteArray::number(i)));

    const Conversion conversion = Converter::convert(buckets, cache());
    QCOMPARE(conversion.batches.size(), 2);
    QCOMPARE(conversion.batches[0].gauges.size(), 300);
    QCOMPARE(conversion.batches[0].buckets, 75);
    QCOMPARE(conversion.batches[1].gauges.size(), 4);
    QCOMPARE(conversion.batches[1].buckets, 1);

    // Every bucket's four gauges are in one batch, and in bucket order.
    QSet<QString> seen;
    int index = 0;
    for (const OutletBatch &batch : conversion.batches) {
        QSet<QString> inBatch;
        for (const QJsonValue &gauge : batch.gauges)
            inBatch.insert(baseName(gauge));
        for (const QString &name : std::as_const(inBatch))
            QVERIFY2(!seen.contains(name), qPrintable(name));
        seen.unite(inBatch);
        for (qsizetype i = 0; i < batch.gauges.size(); i += 4)
            QCOMPARE(baseName(batch.gauges[i]), QStringLiteral("m%1").arg(index++));
    }
    QCOMPARE(seen.size(), 76);
}

void Tst_converter::bucketThatDoesNotFitStartsANewBatch()
{
    const QByteArray token = tokenFor("alice:secret");
    std::vector<Bucket> buckets;
    for (int i = 0; i < 298; ++i)
        buckets.push_back(counter(token, "c" + QByteArray::number(i)));
    buckets.push_back(measurement(token, "m")); // 298 + 4 > 300
    buckets.push_back(counter(token, "last"));

    const Conversion conversion = Converter::convert(buckets, cache());
    QCOMPARE(conversion.batches.size(), 2);
    QCOMPARE(conversion.batches[0].gauges.size(), 298);
    QCOMPARE(conversion.batches[1].gauges.size(), 5);
    QCOMPARE(nameOf(conversion.batches[1].gauges[0]), QStringLiteral("m"));
    QCOMPARE(nameOf(conversion.batches[1].gauges[4]), QStringLiteral("last"));
}

void Tst_converter::honoursMaxGauges()
{
    const QByteArray token = tokenFor("alice:secret");
    std::vector<Bucket> buckets;
    for (int i = 0; i < 25; ++i)
        buckets.push_back(counter(token, "c" + QByteArray::number(i)));
    const Conversion conversion = Converter::convert(buckets, cache(), 10);
    QCOMPARE(conversion.batches.size(), 3);
    QCOMPARE(conversion.batches[0].gauges.size(), 10);
    QCOMPARE(conversion.batches[1].gauges.size(), 10);
    QCOMPARE(conversion.batches[2].gauges.size(), 5);
    QCOMPARE(conversion.batches[2].buckets, 5);
}

void Tst_converter::undeliverableTokens()
{
    const QByteArray good = tokenFor("alice:secret");
    const QByteArray otherKey = fernetWith('o').encrypt("bob:secret"); // a removed key
    const QByteArray noColon = tokenFor("just-a-user");
    const QByteArray emptyUser = tokenFor(":secret");
    const QByteArray garbage = "not a token";
    const std::vector<Bucket> buckets {
        measurement(otherKey, "m"), // 4 gauges
        counter(noColon, "c"), // 1
        bucket(emptyUser, BucketType::Sample, "s", { 1, 2 }), // 1
        counter(garbage, "g"), // 1
        counter(good, "ok"),
        counter(otherKey, "again"), // 1
    };
    const Conversion conversion = Converter::convert(buckets, cache());
    QCOMPARE(conversion.undeliverableBuckets, 5);
    QCOMPARE(conversion.undeliverableGauges, 8);
    QCOMPARE(conversion.batches.size(), 1);
    QCOMPARE(conversion.batches[0].credentials.user, QByteArray("alice"));
    QCOMPARE(conversion.batches[0].gauges.size(), 1);
}

void Tst_converter::emptyBucketsAreSkipped()
{
    const QByteArray token = tokenFor("alice:secret");
    const std::vector<Bucket> buckets { bucket(token, BucketType::Counter, "empty", {}),
                                        bucket("bad token", BucketType::Counter, "empty", {}) };
    const Conversion conversion = Converter::convert(buckets, cache());
    QVERIFY(conversion.batches.isEmpty());
    QCOMPARE(conversion.undeliverableBuckets, 0);
}

void Tst_converter::payloadIsExact()
{
    const QByteArray token = tokenFor("alice:secret");
    const std::vector<Bucket> buckets {
        bucket(token, BucketType::Measurement, "db", { 3, 1, 2 }, {}, "ms"),
        bucket(token, BucketType::Counter, "requests", { 1, 2, 3 }, "web.1", "req"),
        bucket(token, BucketType::Sample, "load avg", { 0.5, 0.75 }, "web 2"),
    };
    const Conversion conversion = Converter::convert(buckets, cache());
    QCOMPARE(conversion.batches.size(), 1);
    QCOMPARE(conversion.batches[0].buckets, 3);

    // n=3, sorted 1 2 3: median s[1], perc95 s[floor(2.85)], perc99 s[floor(2.97)].
    const QByteArray ms = R"("attributes":{"aggregate":false,"display_min":0,"display_units_long":"ms",)"
                          R"("l2met_type":"measurement","summarize_function":"average"},)";
    const QByteArray expected = QByteArray(
        R"({"gauges":[)"
        R"({)"
        + ms
        + R"("count":3,"max":3,"measure_time":1700000040,"min":1,"name":"db","sum":6,"sum_squares":14},)"
          R"({)"
        + ms
        + R"("measure_time":1700000040,"name":"db.median","value":2},)"
          R"({)"
        + ms
        + R"("measure_time":1700000040,"name":"db.perc95","value":3},)"
          R"({)"
        + ms
        + R"("measure_time":1700000040,"name":"db.perc99","value":3},)"
          R"({"attributes":{"aggregate":true,"display_min":0,"display_units_long":"req","l2met_type":"counter","summarize_function":"sum"},"measure_time":1700000040,"name":"requests","source":"web.1","value":6},)"
          R"({"attributes":{"aggregate":false,"display_min":0,"display_units_long":"","l2met_type":"sample","summarize_function":"max"},"measure_time":1700000040,"name":"load_avg","source":"web_2","value":0.75})"
          R"(]})");
    QCOMPARE(conversion.batches[0].payload(), expected);
}

void Tst_converter::deterministic()
{
    const QByteArray a = tokenFor("a:1");
    const QByteArray b = tokenFor("b:2");
    const QByteArray c = tokenFor("c:3");
    std::vector<Bucket> buckets;
    for (int i = 0; i < 200; ++i) {
        const QByteArray &token = i % 3 == 0 ? a : (i % 3 == 1 ? c : b);
        buckets.push_back(i % 2 ? measurement(token, "m" + QByteArray::number(i))
                                : counter(token, "c" + QByteArray::number(i)));
    }
    const Conversion once = Converter::convert(buckets, cache());
    const Conversion twice = Converter::convert(buckets, cache());
    QCOMPARE(once.batches.size(), twice.batches.size());
    QList<QByteArray> users;
    for (qsizetype i = 0; i < once.batches.size(); ++i) {
        QCOMPARE(once.batches[i].payload(), twice.batches[i].payload());
        QVERIFY(once.batches[i].gauges.size() <= Converter::kMaxGauges);
        if (users.isEmpty() || users.last() != once.batches[i].credentials.user)
            users.append(once.batches[i].credentials.user);
    }
    // Grouped by token, in order of first appearance.
    QCOMPARE(users, (QList<QByteArray> { "a", "c", "b" }));
}

void Tst_converter::hugeValuesStayNumbers()
{
    // 1e200 is a finite number the parser accepts, but its square overflows:
    // QJson would write the infinite sum_squares as null, which Librato
    // rejects with the whole batch (docs/behaviour.md section 4: one odd line must never
    // cost a batch). Bucket::toGauges() clamps to the largest double.
    const QByteArray token = tokenFor("alice:secret");
    const Conversion conversion = Converter::convert(
        { bucket(token, BucketType::Measurement, "huge", { 1e200 }) }, cache());
    QCOMPARE(conversion.batches.size(), 1);
    QVERIFY2(!conversion.batches[0].payload().contains("null"),
             conversion.batches[0].payload().constData());
}

void Tst_converter::configuredPercentiles()
{
    // 1..1000: 75 -> s[750] = 751, 90 -> s[900] = 901, 99.9 -> s[999] = 1000.
    const QByteArray token = tokenFor("alice:secret");
    std::vector<double> values(1000);
    std::iota(values.begin(), values.end(), 1.0);
    QString reason;
    const Percentiles percentiles = *Percentiles::parse(QStringLiteral("75,90,99.9"), &reason);
    Bucket measured = bucket(token, BucketType::Measurement, "db", {});
    measured.values() = values;
    const std::vector<Bucket> buckets { measured, bucket(token, BucketType::Counter, "hits", { 1 }) };
    const Conversion conversion = Converter::convert(buckets, cache(), Converter::kMaxGauges, percentiles);
    QCOMPARE(conversion.batches.size(), 1);
    const QJsonArray gauges = conversion.batches[0].gauges;
    QStringList names;
    for (const QJsonValue &gauge : gauges)
        names.append(nameOf(gauge));
    QCOMPARE(names, (QStringList { QStringLiteral("db"), QStringLiteral("db.perc75"), QStringLiteral("db.perc90"),
                                   QStringLiteral("db.perc99_9"), QStringLiteral("hits") }));
    const auto value = [&](int i) { return gauges.at(i).toObject().value(QStringLiteral("value")).toDouble(); };
    QCOMPARE(value(1), 751.0);
    QCOMPARE(value(2), 901.0);
    QCOMPARE(value(3), 1000.0);

    // The default set is unchanged: median, perc95, perc99.
    const Conversion defaults = Converter::convert(buckets, cache());
    QCOMPARE(nameOf(defaults.batches[0].gauges.at(1)), QStringLiteral("db.median"));
    QCOMPARE(nameOf(defaults.batches[0].gauges.at(2)), QStringLiteral("db.perc95"));
    QCOMPARE(nameOf(defaults.batches[0].gauges.at(3)), QStringLiteral("db.perc99"));
    QCOMPARE(defaults.batches[0].gauges.at(1).toObject().value(QStringLiteral("value")).toDouble(), 501.0);
}

QTEST_GUILESS_MAIN(Tst_converter)
#include "tst_converter.moc"
