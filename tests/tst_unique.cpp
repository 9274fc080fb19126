// unique#NAME=VALUE (docs/behaviour.md sections 3 and 4): the HyperLogLog
// sketch (estimates, merging, its stored form), unique buckets (exact up to
// Bucket::kExactDistinct distinct values, then the sketch, with bounded
// memory), the parser's unique# pairs, and the Store contract for unique
// buckets on every backend: two writers' values merge into one distinct
// count, exact below the bound, within the stated error above it, and an
// acknowledgement removes exactly what was read.
#include "storetestkit.h"


#include "bucket/bucket.h"
#include "bucket/hyperloglog.h"
#include "parser/conventions.h"
#include "store/redisbucketcodec.h"

#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <string>

using namespace l2met;
using namespace l2met::test;

namespace {

std::uint64_t hashOf(int i)
{
    return uniqueHash("user-" + std::to_string(i));
}

// Values first..last-1 (as the parser makes them), each `repeat` times.
std::vector<double> users(int first, int last, int repeat = 1)
{
    std::vector<double> out;
    for (int r = 0; r < repeat; ++r) {
        for (int i = first; i < last; ++i)
            out.push_back(double(hashOf(i)));
    }
    return out;
}

// Within 2.5 standard errors (0.81% each) of n.
bool close(double estimate, double n)
{
    return std::abs(estimate - n) <= 0.025 * n;
}

Bucket uniqueBucket(qint64 time, std::vector<double> values)
{
    Bucket b(makeId(time, 1, "users", {}, {}, BucketType::Unique), std::move(values));
    b.maybeCompact();
    return b;
}

} // namespace

class Tst_unique : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void cleanupTestCase();

    void hashIsStableAndBelow2To52();
    void sketchEstimates_data();
    void sketchEstimates();
    void sketchMergeIsUnion();
    void sketchSerializes();
    void bucketExactBelowBound();
    void bucketSketchAboveBoundWithBoundedMemory();
    void bucketMergesExactAndSketch();
    void gaugeIsDistinctCount();
    void parserReadsUniquePairs();
    void storeMergesWritersExactly();
    void storeMergesSketches();
};

void Tst_unique::initTestCase_data()
{
    addBackendRows();
}

void Tst_unique::cleanupTestCase()
{
    stopBackends();
}

void Tst_unique::hashIsStableAndBelow2To52()
{
    // Part of the store contract: receivers on other machines must agree.
    QCOMPARE(uniqueHash("alice"), uniqueHash(std::string("alice")));
    QVERIFY(uniqueHash("alice") != uniqueHash("bob"));
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t h = hashOf(i);
        QVERIFY(h < (std::uint64_t(1) << 52));
        QCOMPARE(std::uint64_t(double(h)), h); // a double holds it exactly
    }
}

void Tst_unique::sketchEstimates_data()
{
    QTest::addColumn<int>("n");
    for (int n : { 0, 1, 100, 3000, 20000, 100000, 1000000 })
        QTest::addRow("%d", n) << n;
}

void Tst_unique::sketchEstimates()
{
    QFETCH(int, n);
    HyperLogLog sketch;
    for (int i = 0; i < n; ++i) {
        sketch.add(hashOf(i));
        sketch.add(hashOf(i)); // repeats change nothing
    }
    const double estimate = sketch.estimate();
    if (n <= 1)
        QCOMPARE(estimate, double(n));
    else if (n == 100)
        QVERIFY(std::abs(estimate - n) <= 2); // a register collision or two
    else
        QVERIFY2(close(estimate, n), qPrintable(QStringLiteral("%1 for %2").arg(estimate).arg(n)));
}

void Tst_unique::sketchMergeIsUnion()
{
    HyperLogLog a, b, all;
    for (int i = 0; i < 60000; ++i) {
        a.add(hashOf(i));
        all.add(hashOf(i));
    }
    for (int i = 40000; i < 100000; ++i) {
        b.add(hashOf(i));
        all.add(hashOf(i));
    }
    HyperLogLog merged = a;
    merged.merge(b);
    QCOMPARE(merged, all); // register-wise max: the same sketch as one stream
    QVERIFY(close(merged.estimate(), 100000));
    HyperLogLog empty;
    empty.merge(a);
    QCOMPARE(empty, a);
}

void Tst_unique::sketchSerializes()
{
    HyperLogLog a;
    for (int i = 0; i < 5000; ++i)
        a.add(hashOf(i));
    const QByteArray bytes = a.serialize();
    QCOMPARE(bytes.size(), qsizetype(16 + 16384 * 6 / 8)); // Redis's HLL_DENSE_SIZE
    QVERIFY(bytes.startsWith("HYLL"));
    QVERIFY(HyperLogLog::isSerialized(bytes));
    const std::optional<HyperLogLog> back = HyperLogLog::deserialize(bytes);
    QVERIFY(back);
    QCOMPARE(*back, a);
    QVERIFY(!HyperLogLog::deserialize(bytes.left(bytes.size() - 1)));
    QByteArray bad = bytes;
    bad[16] = char(HyperLogLog::kRankBits + 2); // register 0 past our largest rank
    QVERIFY(!HyperLogLog::deserialize(bad));
    bad = bytes;
    bad[4] = 1; // Redis's sparse encoding: not what PFMERGE of dense sketches makes
    QVERIFY(!HyperLogLog::deserialize(bad));
    QVERIFY(!HyperLogLog::deserialize("12.5"));
}

void Tst_unique::bucketExactBelowBound()
{
    const int n = int(Bucket::kExactDistinct);
    Bucket b(makeId(60, 60, "users", {}, {}, BucketType::Unique));
    for (double v : users(0, n, 3)) {
        b.append(v);
        b.maybeCompact();
    }
    QVERIFY(b.sketch().isNull());
    QCOMPARE(b.distinctCount(), qint64(n));
    QCOMPARE(b.valueCount(), qint64(3 * n)); // every value received still counts
    QCOMPARE(b.statistics().count, qint64(n));
}

void Tst_unique::bucketSketchAboveBoundWithBoundedMemory()
{
    Bucket b(makeId(60, 60, "users", {}, {}, BucketType::Unique));
    const int n = 200000;
    size_t mostRaw = 0;
    for (double v : users(0, n)) {
        b.append(v);
        b.maybeCompact();
        mostRaw = std::max(mostRaw, b.values().size() + b.counts().size());
    }
    QVERIFY(!b.sketch().isNull());
    QVERIFY(b.counts().empty());
    // Never more than the exact bound's hashes plus one batch of raw values.
    QVERIFY2(mostRaw <= Bucket::kExactDistinct + Bucket::kCompactAt + 1, qPrintable(QString::number(mostRaw)));
    QCOMPARE(b.valueCount(), qint64(n));
    QVERIFY(close(double(b.distinctCount()), n));
}

void Tst_unique::bucketMergesExactAndSketch()
{
    Bucket exact = uniqueBucket(60, users(0, 1000));
    Bucket big = uniqueBucket(60, {});
    for (double v : users(500, 50500)) {
        big.append(v);
        big.maybeCompact();
    }
    QVERIFY(exact.sketch().isNull());
    QVERIFY(!big.sketch().isNull());
    Bucket a = exact;
    a.merge(big);
    Bucket b = big;
    b.merge(exact);
    QCOMPARE(a.distinctCount(), b.distinctCount());
    QVERIFY(close(double(a.distinctCount()), 50500));
    QCOMPARE(a.valueCount(), qint64(1000 + 50000));

    // A bucket that is all sketch (no raw values, no counts) keeps it when
    // another is moved into it.
    Bucket folded = big;
    folded.compact();
    QVERIFY(folded.values().empty() && folded.counts().empty());
    folded.merge(uniqueBucket(60, users(0, 1000)));
    QCOMPARE(folded.distinctCount(), a.distinctCount());

    // Two exact buckets stay exact while their union is within the bound.
    Bucket c = uniqueBucket(60, users(0, 1000));
    c.merge(uniqueBucket(60, users(900, 1900)));
    c.compact();
    QVERIFY(c.sketch().isNull());
    QCOMPARE(c.distinctCount(), qint64(1900));
}

void Tst_unique::gaugeIsDistinctCount()
{
    const Bucket b = uniqueBucket(60, users(0, 7, 4));
    const QJsonArray gauges = b.toGauges();
    QCOMPARE(gauges.size(), 1);
    const QJsonObject g = gauges.first().toObject();
    QCOMPARE(g.value(QLatin1String("name")).toString(), QStringLiteral("users"));
    QCOMPARE(g.value(QLatin1String("value")).toDouble(), 7.0);
}

void Tst_unique::parserReadsUniquePairs()
{
    Conventions conventions;
    LineMetrics line;
    ParseCounters counters;
    conventions.extract("web.1",
                        "unique#user=alice unique#user=\"bob smith\" unique#user=\"a\\\"b\" "
                        "unique#user unique#user= unique#=x count#ok",
                        &line, counters);
    QCOMPARE(line.measurements.size(), size_t(4));
    const LineMeasurement &alice = line.measurements[0];
    QCOMPARE(alice.name, std::string_view("user"));
    QCOMPARE(alice.type, BucketType::Unique);
    QVERIFY(alice.units.empty());
    QCOMPARE(alice.value, double(uniqueHash("alice")));
    QCOMPARE(line.measurements[1].value, double(uniqueHash("bob smith")));
    QCOMPARE(line.measurements[2].value, double(uniqueHash("a\"b"))); // unescaped
    QCOMPARE(line.measurements[3].type, BucketType::Counter);
    QCOMPARE(counters[ParseCounter::BadValueMissing], quint64(1)); // bare unique#user
    QCOMPARE(counters[ParseCounter::BadValueEmpty], quint64(1));
    QCOMPARE(counters[ParseCounter::BadEmptyName], quint64(1));
    QCOMPARE(line.badPieces, 3);
}

void Tst_unique::storeMergesWritersExactly()
{
    MAKE_STORE(store, 1);
    const std::unique_ptr<Store> other = secondClient(backend, 1);
    Store &second = other ? *other : *store;
    const qint64 now = storeNow(*store);
    // Two receivers saw overlapping users, some many times, in two flushes each.
    QVERIFY(put(*store, { uniqueBucket(now - 5, users(0, 600, 3)) }));
    QVERIFY(put(second, { uniqueBucket(now - 5, users(400, 1000, 2)) }));
    QVERIFY(put(*store, { uniqueBucket(now - 5, users(990, 1200)) }));

    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(1));
    QCOMPARE(read->front().distinctCount(), qint64(1200));
    QCOMPARE(read->front().toGauges().first().toObject().value(QLatin1String("value")).toDouble(), 1200.0);

    // Put after the read: survives the acknowledgement, and only it.
    QVERIFY(put(second, { uniqueBucket(now - 5, users(5000, 5010)) }));
    QVERIFY(ackOk(*store, 0, *read));
    const std::optional<std::vector<Bucket>> rest = readOk(*store, 0, now);
    QVERIFY(rest);
    QCOMPARE(rest->size(), size_t(1));
    QCOMPARE(rest->front().distinctCount(), qint64(10));
    QVERIFY(ackOk(*store, 0, *rest));
    const std::optional<std::vector<Bucket>> none = readOk(*store, 0, now);
    QVERIFY(none);
    QVERIFY(none->empty());
}

void Tst_unique::storeMergesSketches()
{
    MAKE_STORE(store, 1);
    const std::unique_ptr<Store> other = secondClient(backend, 1);
    Store &second = other ? *other : *store;
    const qint64 now = storeNow(*store);
    Bucket a = uniqueBucket(now - 5, {});
    for (double v : users(0, 30000)) {
        a.append(v);
        a.maybeCompact();
    }
    Bucket b = uniqueBucket(now - 5, {});
    for (double v : users(20000, 50000)) {
        b.append(v);
        b.maybeCompact();
    }
    QVERIFY(!a.sketch().isNull());
    QVERIFY(put(*store, { a }));
    QVERIFY(put(second, { b }));
    QVERIFY(put(second, { uniqueBucket(now - 5, users(49000, 51000)) })); // exact, on top

    const std::optional<std::vector<Bucket>> read = readOk(*store, 0, now);
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(1));
    const qint64 distinct = read->front().distinctCount();
    QVERIFY2(close(double(distinct), 51000), qPrintable(QString::number(distinct)));
    // The same estimate as one sketch that saw everything.
    HyperLogLog all;
    for (int i = 0; i < 51000; ++i)
        all.add(hashOf(i));
    QCOMPARE(distinct, qint64(all.estimate()));
    QVERIFY(ackOk(*store, 0, *read));
    const std::optional<std::vector<Bucket>> none = readOk(*store, 0, now);
    QVERIFY(none);
    QVERIFY(none->empty());
}

QTEST_GUILESS_MAIN(Tst_unique)
#include "tst_unique.moc"
