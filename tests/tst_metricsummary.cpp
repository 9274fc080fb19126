// MetricSummaryBuilder (core/engine/metricsummary.h): buckets grouped by
// metric name and name pattern. Distinct names, streams (user, name, source,
// units, type), sources, windows and users per pattern; patterns ordered by
// streams; the flag for ids in metric names at kIdPatternNames names and not
// below; top names per pattern; per-user totals; the bounds of a summary.
#include "engine/metricsummary.h"

#include <QTest>

using namespace l2met;

namespace {

BucketId id(const QByteArray &name, const QByteArray &source = {}, qint64 time = 600,
            BucketType type = BucketType::Measurement, const QByteArray &units = "ms")
{
    BucketId i;
    i.time = time;
    i.resolution = 60;
    i.auth = "token";
    i.name = name;
    i.source = source;
    i.units = units;
    i.type = type;
    return i;
}

const MetricPattern *find(const MetricSummary &s, const QByteArray &pattern)
{
    for (const MetricPattern &p : s.patterns) {
        if (p.pattern == pattern)
            return &p;
    }
    return nullptr;
}

} // namespace

class TstMetricSummary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupsByPatternAndCountsDistinct()
    {
        MetricSummaryBuilder b;
        // user.#.latency: 12 ids, two sources for the first; two windows.
        for (int i = 0; i < 12; ++i)
            b.add("alice", id("user." + QByteArray::number(1000 + i) + ".latency", "web.1"));
        b.add("alice", id("user.1000.latency", "web.2"));
        b.add("alice", id("user.1000.latency", "web.2", 660)); // another window of a stream: no new stream
        // db.latency: one name, three streams (sources, units and type make streams).
        b.add("alice", id("db.latency", "web.1"));
        b.add("alice", id("db.latency", "web.1", 600, BucketType::Measurement, "s"));
        b.add("bob", id("db.latency", "web.1"));
        const MetricSummary s = b.finish();

        QCOMPARE(s.totalPatterns, 2);
        QCOMPARE(s.totalNames, 13);
        QCOMPARE(s.totalStreams, 13 + 3);
        QCOMPARE(s.totalBuckets, 14 + 3);
        QCOMPARE(s.patterns.size(), 2);
        QCOMPARE(s.patterns[0].pattern, QByteArray("user.#.latency")); // more streams first
        const MetricPattern &ids = s.patterns[0];
        QCOMPARE(ids.names, 12);
        QCOMPARE(ids.streams, 13);
        QCOMPARE(ids.sources, 2);
        QCOMPARE(ids.windows, 2);
        QCOMPARE(ids.users, 1);
        QCOMPARE(ids.buckets, 14);
        QVERIFY(ids.idsInNames);
        QCOMPARE(ids.topNames.first().name, QByteArray("user.1000.latency")); // two streams
        QCOMPARE(ids.topNames.first().streams, 2);
        QCOMPARE(ids.topNames.first().buckets, 3);

        const MetricPattern *db = find(s, "db.latency");
        QVERIFY(db);
        QCOMPARE(db->names, 1);
        QCOMPARE(db->streams, 3);
        QCOMPARE(db->users, 2);
        QVERIFY(!db->idsInNames);
        QCOMPARE(s.flaggedPatterns, 1);
        QCOMPARE(s.flaggedStreams, 13);

        // Per user: alice has both patterns, one flagged; bob only db.latency.
        QCOMPARE(s.users.size(), 2);
        QCOMPARE(s.users[0].user, QByteArray("alice"));
        QCOMPARE(s.users[0].names, 13);
        QCOMPARE(s.users[0].patterns, 2);
        QCOMPARE(s.users[0].streams, 15);
        QCOMPARE(s.users[0].flaggedPatterns, 1);
        QCOMPARE(s.users[0].flaggedStreams, 13);
        QCOMPARE(s.users[1].user, QByteArray("bob"));
        QCOMPARE(s.users[1].streams, 1);
        QCOMPARE(s.users[1].flaggedPatterns, 0);
    }

    // Flagged from kIdPatternNames names on; numbered names below it are
    // normal (p50, p95, web.1 .. web.8 as names).
    void flagThreshold()
    {
        MetricSummaryBuilder below;
        MetricSummaryBuilder at;
        for (int i = 0; i < MetricSummary::kIdPatternNames - 1; ++i) {
            below.add("a", id("job." + QByteArray::number(i) + ".runs"));
            at.add("a", id("job." + QByteArray::number(i) + ".runs"));
        }
        at.add("a", id("job.999.runs"));
        QVERIFY(!below.finish().patterns.first().idsInNames);
        QCOMPARE(below.finish().flaggedPatterns, 0);
        QVERIFY(at.finish().patterns.first().idsInNames);
        QCOMPARE(at.finish().patterns.first().pattern, QByteArray("job.#.runs"));
        // The user's own names decide its flag too.
        QCOMPARE(at.finish().users.first().flaggedPatterns, 1);
    }

    void boundedButTotalsCountEverything()
    {
        MetricSummaryBuilder b;
        // Patterns without digits: one each, more than kMaxPatterns.
        const int patterns = MetricSummary::kMaxPatterns + 20;
        for (int i = 0; i < patterns; ++i) {
            QByteArray name = "metric.";
            for (int n = i; n > 0 || name.size() == 7; n /= 26)
                name += char('a' + n % 26);
            b.add("a", id(name));
        }
        // One pattern with many names: listed first, kNamesPerPattern names.
        for (int i = 0; i < 100; ++i)
            b.add("a", id("shard." + QByteArray::number(i)));
        const MetricSummary s = b.finish();
        QCOMPARE(s.totalPatterns, patterns + 1);
        QCOMPARE(s.patterns.size(), MetricSummary::kMaxPatterns);
        QCOMPARE(s.totalNames, patterns + 100);
        QCOMPARE(s.patterns.first().pattern, QByteArray("shard.#"));
        QCOMPARE(s.patterns.first().names, 100);
        QCOMPARE(s.patterns.first().topNames.size(), MetricSummary::kNamesPerPattern);
        for (int i = 1; i < s.patterns.size(); ++i)
            QVERIFY(s.patterns[i - 1].streams >= s.patterns[i].streams);
    }

    void emptyBuilder()
    {
        const MetricSummary s = MetricSummaryBuilder().finish();
        QCOMPARE(s.totalPatterns, 0);
        QVERIFY(s.patterns.isEmpty());
        QVERIFY(s.users.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TstMetricSummary)
#include "tst_metricsummary.moc"
