// The desktop window's models, fed with hand-made EngineSnapshots: the rows
// and numbers they show, incremental updates that keep selections, filtering
// and sorting, partition lock owners, delivery rows without tokens, the
// newest-first rings, labelled counters, rates, TSV copy, the Metrics
// tree (patterns flagged for ids in names, kept across updates) and the
// config text formats.
#include "bucketfilterproxy.h"
#include "buckethistory.h"
#include "bucketmodel.h"
#include "configtext.h"
#include "copyabletableview.h"
#include "deliverymodel.h"
#include "engine/enginesnapshot.h"
#include "labelcountmodel.h"
#include "metricid.h"
#include "metricsmodel.h"
#include "modelroles.h"
#include "partitionmodel.h"
#include "previewmodel.h"
#include "problemmodel.h"
#include "receiver/receivermetrics.h"
#include "ratetracker.h"
#include "uiformat.h"

#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace l2met;

namespace {

constexpr qint64 kNow = 1'800'000'000; // a multiple of 3600

BucketSummary bucket(const QByteArray &user, const QByteArray &name, const QByteArray &source,
                     BucketType type, std::vector<double> values, qint64 time = kNow - 60,
                     qint32 resolution = 60, const QByteArray &units = {})
{
    BucketSummary b;
    b.user = user;
    b.name = name;
    b.source = source;
    b.units = units;
    b.type = type;
    b.time = time;
    b.resolution = resolution;
    b.stats = Statistics::compute(values);
    return b;
}

EngineSnapshot snapshotAt(qint64 unixSeconds)
{
    EngineSnapshot s;
    s.taken = QDateTime::fromSecsSinceEpoch(unixSeconds);
    s.storeKind = QStringLiteral("memory");
    return s;
}

QString cell(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.index(row, column).data(role).toString();
}

int rowOfName(const BucketModel &m, const QByteArray &name)
{
    for (int r = 0; r < m.rowCount(); ++r) {
        if (m.bucket(r).name == name)
            return r;
    }
    return -1;
}

MetricSample sample(const QByteArray &name, double value, const QByteArray &labels = {})
{
    return MetricSample { name, labels, MetricKind::Counter, value };
}

} // namespace

class TstUiModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void bucketColumnsFollowConfiguredPercentiles()
    {
        QString reason;
        const Percentiles p = *Percentiles::parse(QStringLiteral("75,99.9"), &reason);
        std::vector<double> values(1000);
        for (int i = 0; i < 1000; ++i)
            values[size_t(i)] = 1000 - i; // 1000 down to 1
        EngineSnapshot s = snapshotAt(kNow);
        s.percentiles = p;
        BucketSummary b = bucket("alice", "api.latency", {}, BucketType::Measurement, {}, kNow - 60);
        b.stats = Statistics::compute(values, p);
        s.buckets << b;
        BucketModel m;
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        m.setSnapshot(s);
        QCOMPARE(resets.size(), 1); // new columns
        QCOMPARE(m.columnCount(), int(BucketModel::FirstPercentile) + 2 + 2);
        QCOMPARE(m.headerData(m.percentileColumn(0), Qt::Horizontal).toString(), QStringLiteral("perc75"));
        QCOMPARE(m.headerData(m.percentileColumn(1), Qt::Horizontal).toString(), QStringLiteral("perc99_9"));
        QCOMPARE(m.headerData(m.lastColumn(), Qt::Horizontal).toString(), QStringLiteral("Last"));
        QCOMPARE(m.headerData(m.readyInColumn(), Qt::Horizontal).toString(), QStringLiteral("Ready in"));
        QVERIFY(m.headerData(m.percentileColumn(1), Qt::Horizontal, Qt::ToolTipRole).toString().contains(QStringLiteral("99.9")));
        QCOMPARE(m.rowCount(), 1);
        // s[750] = 751 and s[999] = 1000 of 1..1000; last is the value received last.
        QCOMPARE(cell(m, 0, m.percentileColumn(0)), QStringLiteral("751"));
        QCOMPARE(cell(m, 0, m.percentileColumn(1)), QStringLiteral("1,000"));
        QCOMPARE(m.index(0, m.percentileColumn(1)).data(SortRole).toDouble(), 1000.0);
        QCOMPARE(cell(m, 0, m.lastColumn()), QStringLiteral("1"));
        QCOMPARE(cell(m, 0, m.readyInColumn()), QStringLiteral("due"));
        QVERIFY(!m.index(0, m.readyInColumn() + 1).isValid());

        // The same percentiles again: rows update in place, no reset.
        m.setSnapshot(s);
        QCOMPARE(resets.size(), 1);
        // Back to the defaults: three percentile columns.
        EngineSnapshot d = snapshotAt(kNow);
        d.buckets << bucket("alice", "api.latency", {}, BucketType::Measurement, values, kNow - 60);
        m.setSnapshot(d);
        QCOMPARE(resets.size(), 2);
        QCOMPARE(m.columnCount(), int(BucketModel::FirstPercentile) + 3 + 2);
        QCOMPARE(m.headerData(m.percentileColumn(0), Qt::Horizontal).toString(), QStringLiteral("median"));
        QCOMPARE(cell(m, 0, m.percentileColumn(0)), QStringLiteral("501"));
        QCOMPARE(cell(m, 0, m.percentileColumn(2)), QStringLiteral("991"));
    }

    void bucketRowsAndNumbers()
    {
        EngineSnapshot s = snapshotAt(kNow);
        s.buckets << bucket("alice@example.com", "router.service", "web.1", BucketType::Measurement,
                            { 12, 4, 8, 15000.5 }, kNow - 60, 60, "ms")
                  << bucket("bob@example.com", "jobs", {}, BucketType::Counter, { 1000, 234 }, kNow, 60)
                  << bucket({}, "queue.depth", "worker", BucketType::Sample, { 3, 7 }, kNow, 60);
        BucketModel m;
        m.setSnapshot(s);
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.columnCount(), int(BucketModel::FirstPercentile) + 3 + 2); // 50, 95, 99; Last, Ready in
        const int r = rowOfName(m, "router.service");
        QCOMPARE(cell(m, r, BucketModel::User), QStringLiteral("alice@example.com"));
        QCOMPARE(cell(m, r, BucketModel::Source), QStringLiteral("web.1"));
        QCOMPARE(cell(m, r, BucketModel::Type), QStringLiteral("measurement"));
        QCOMPARE(cell(m, r, BucketModel::Units), QStringLiteral("ms"));
        QCOMPARE(cell(m, r, BucketModel::Count), QStringLiteral("4"));
        QCOMPARE(cell(m, r, BucketModel::Sum), QStringLiteral("15,024.5"));
        QCOMPARE(cell(m, r, BucketModel::Min), QStringLiteral("4"));
        QCOMPARE(cell(m, r, BucketModel::Max), QStringLiteral("15,000.5"));
        QCOMPARE(cell(m, r, m.percentileColumn(0)), QStringLiteral("12"));   // s[n/2] of 4 8 12 15000.5
        QCOMPARE(cell(m, r, m.percentileColumn(1)), QStringLiteral("15,000.5")); // s[floor(3.8)]
        QCOMPARE(cell(m, r, m.lastColumn()), QStringLiteral("15,000.5"));
        QCOMPARE(cell(m, r, BucketModel::Resolution), QStringLiteral("1 min"));
        QCOMPARE(cell(m, r, BucketModel::Window),
                 QDateTime::fromSecsSinceEpoch(kNow - 60).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        // Its window ended at kNow: due; the others end in a minute.
        QCOMPARE(cell(m, r, m.readyInColumn()), QStringLiteral("due"));
        QCOMPARE(cell(m, rowOfName(m, "jobs"), m.readyInColumn()), QStringLiteral("1 min"));
        QCOMPARE(cell(m, rowOfName(m, "jobs"), BucketModel::Sum), QStringLiteral("1,234"));
        QCOMPARE(cell(m, rowOfName(m, "queue.depth"), m.lastColumn()), QStringLiteral("7"));
        QVERIFY(cell(m, rowOfName(m, "queue.depth"), BucketModel::User).contains(QStringLiteral("no longer verifies")));
        // Raw values for sorting and copying.
        QCOMPARE(m.index(r, BucketModel::Sum).data(SortRole).toDouble(), 15024.5);
        QCOMPARE(cell(m, r, BucketModel::Sum, CopyRole), QStringLiteral("15024.5"));
        QCOMPARE(m.index(r, BucketModel::Count).data(Qt::TextAlignmentRole).toInt(),
                 int(Qt::AlignRight | Qt::AlignVCenter));
    }

    void bucketUpdatesKeepRows()
    {
        BucketModel m;
        EngineSnapshot s = snapshotAt(kNow);
        s.buckets << bucket("a", "one", {}, BucketType::Counter, { 1 }) << bucket("a", "two", {}, BucketType::Counter, { 2 })
                  << bucket("a", "three", {}, BucketType::Counter, { 3 });
        m.setSnapshot(s);
        const QPersistentModelIndex two = m.index(rowOfName(m, "two"), BucketModel::Name);
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);

        EngineSnapshot next = snapshotAt(kNow + 1);
        next.buckets << bucket("a", "four", {}, BucketType::Counter, { 4 })
                     << bucket("a", "two", {}, BucketType::Counter, { 2, 5 })
                     << bucket("a", "three", {}, BucketType::Counter, { 3 });
        m.setSnapshot(next);
        QCOMPARE(resets.size(), 0);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(m.rowCount(), 3);
        QVERIFY(two.isValid());
        QCOMPARE(two.data().toString(), QStringLiteral("two"));
        QCOMPARE(m.index(two.row(), BucketModel::Count).data().toString(), QStringLiteral("2"));
        QCOMPARE(rowOfName(m, "one"), -1);
        QVERIFY(m.rowOfKey(BucketModel::key(next.buckets[0])) >= 0);

        // A different window of the same metric is another row.
        EngineSnapshot later = snapshotAt(kNow + 2);
        later.buckets << bucket("a", "two", {}, BucketType::Counter, { 9 }, kNow)
                      << bucket("a", "two", {}, BucketType::Counter, { 2, 5 });
        m.setSnapshot(later);
        QCOMPARE(m.rowCount(), 2);
        QVERIFY(MetricId::of(m.bucket(0)) == MetricId::of(m.bucket(1)));
        QVERIFY(BucketModel::key(m.bucket(0)) != BucketModel::key(m.bucket(1)));
    }

    void bucketLargeTurnoverResets()
    {
        BucketModel m;
        EngineSnapshot s = snapshotAt(kNow);
        for (int i = 0; i < 200; ++i)
            s.buckets << bucket("a", "m" + QByteArray::number(i), {}, BucketType::Counter, { 1 });
        m.setSnapshot(s);
        EngineSnapshot next = snapshotAt(kNow + 1);
        for (int i = 0; i < 200; i += 2) // every other row goes: 100 separate removals
            next.buckets << s.buckets[i];
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        m.setSnapshot(next);
        QCOMPARE(resets.size(), 1);
        QCOMPARE(m.rowCount(), 100);
        QCOMPARE(m.resets(), 1);
        QVERIFY(m.rowOfKey(BucketModel::key(s.buckets[2])) >= 0);
        QCOMPARE(m.rowOfKey(BucketModel::key(s.buckets[3])), -1);
    }

    void filterAndSort()
    {
        BucketModel m;
        EngineSnapshot s = snapshotAt(kNow);
        s.buckets << bucket("alice@example.com", "router.service", "web.1", BucketType::Measurement, std::vector<double>(9, 1.0))
                  << bucket("alice@example.com", "db.latency", "worker.2", BucketType::Measurement, std::vector<double>(100, 1.0))
                  << bucket("bob@example.com", "router.bytes", "web.2", BucketType::Measurement, std::vector<double>(10, 1.0));
        m.setSnapshot(s);
        BucketFilterProxy proxy;
        proxy.setSourceModel(&m);

        proxy.setFilterText(QStringLiteral("ALICE"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterText(QStringLiteral("router"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterText(QStringLiteral("web.2"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, BucketModel::Name).data().toString(), QStringLiteral("router.bytes"));
        proxy.setFilterText(QStringLiteral("alice router")); // every word, each anywhere
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setFilterText(QStringLiteral("nothing-matches"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFilterText({});
        QCOMPARE(proxy.rowCount(), 3);

        // Counts 9, 100, 10 sort as numbers, not as text.
        proxy.sort(BucketModel::Count, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, BucketModel::Count).data().toString(), QStringLiteral("100"));
        QCOMPARE(proxy.index(1, BucketModel::Count).data().toString(), QStringLiteral("10"));
        QCOMPARE(proxy.index(2, BucketModel::Count).data().toString(), QStringLiteral("9"));
        proxy.sort(BucketModel::Name, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, BucketModel::Name).data().toString(), QStringLiteral("db.latency"));

        // The filter and the sort hold as the model updates.
        proxy.setFilterText(QStringLiteral("router"));
        EngineSnapshot next = snapshotAt(kNow + 1);
        next.buckets = s.buckets;
        next.buckets << bucket("carol@example.com", "router.connect", {}, BucketType::Measurement, { 1 });
        m.setSnapshot(next);
        QCOMPARE(proxy.rowCount(), 3);
        QCOMPARE(proxy.index(0, BucketModel::Name).data().toString(), QStringLiteral("router.bytes"));
        QCOMPARE(proxy.index(1, BucketModel::Name).data().toString(), QStringLiteral("router.connect"));
    }

    void history()
    {
        BucketHistory h;
        const BucketSummary first = bucket("a", "x", {}, BucketType::Measurement, { 1, 3 }, kNow - 2, 1);
        EngineSnapshot s = snapshotAt(kNow);
        s.buckets << first;
        h.add(s);
        // The window grows, then leaves the snapshots; the next window comes.
        EngineSnapshot next = snapshotAt(kNow + 1);
        next.buckets << bucket("a", "x", {}, BucketType::Measurement, { 1, 3, 5 }, kNow - 2, 1)
                     << bucket("a", "x", {}, BucketType::Measurement, { 10 }, kNow - 1, 1);
        h.add(next);
        EngineSnapshot later = snapshotAt(kNow + 2);
        later.buckets << bucket("a", "x", {}, BucketType::Measurement, { 10, 20 }, kNow - 1, 1);
        h.add(later);
        const QList<BucketHistory::Window> w = h.windows(MetricId::of(first));
        QCOMPARE(w.size(), 2);
        QCOMPARE(w[0].time, kNow - 2);
        QCOMPARE(w[0].stats.count, 3);
        QCOMPARE(w[1].stats.sum, 30.0);
        // Another resolution or user is another metric.
        QVERIFY(h.windows(MetricId::of(bucket("a", "x", {}, BucketType::Measurement, {}, kNow, 60))).isEmpty());
        QVERIFY(h.windows(MetricId::of(bucket("b", "x", {}, BucketType::Measurement, {}, kNow - 2, 1))).isEmpty());

        // Bounded per metric.
        for (int i = 0; i < BucketHistory::kMaxWindows + 30; ++i) {
            EngineSnapshot t = snapshotAt(kNow + 10 + i);
            t.buckets << bucket("a", "x", {}, BucketType::Measurement, { double(i) }, kNow + i, 1);
            h.add(t);
        }
        const QList<BucketHistory::Window> bounded = h.windows(MetricId::of(first));
        QCOMPARE(bounded.size(), BucketHistory::kMaxWindows);
        QCOMPARE(bounded.last().time, kNow + BucketHistory::kMaxWindows + 29);
    }

    void partitionOwners()
    {
        EngineSnapshot s = snapshotAt(kNow);
        s.readerOwner = "host-a:100:beef";
        s.outletRunning = true;
        PartitionState free;
        free.partition = 0;
        free.readyBuckets = 2;
        free.waitingBuckets = 1234;
        PartitionState mine;
        mine.partition = 1;
        mine.lockOwner = "host-a:100:beef";
        mine.lockTtlMs = 4500;
        PartitionState theirs;
        theirs.partition = 2;
        theirs.lockOwner = "host-b:7:cafe";
        theirs.lockTtlMs = 900;
        s.store.partitions << free << mine << theirs;
        PartitionScan scan;
        scan.partition = 1;
        scan.lastScan = QDateTime::fromSecsSinceEpoch(kNow - 1);
        scan.lastScanMicros = 1500;
        scan.lastTaken = 42;
        scan.lastLocked = true;
        PartitionScan busy;
        busy.partition = 2;
        busy.lastScan = QDateTime::fromSecsSinceEpoch(kNow - 1);
        busy.lastLocked = false;
        s.scans << scan << busy;

        PartitionModel m;
        m.setSnapshot(s);
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.lockState(0), PartitionModel::LockState::Free);
        QCOMPARE(m.lockState(1), PartitionModel::LockState::ThisProcess);
        QCOMPARE(m.lockState(2), PartitionModel::LockState::OtherOwner);
        QCOMPARE(cell(m, 0, PartitionModel::Lock), QStringLiteral("free"));
        QCOMPARE(cell(m, 1, PartitionModel::Lock), QStringLiteral("held by this process"));
        QCOMPARE(cell(m, 2, PartitionModel::Lock), QStringLiteral("held by host-b:7:cafe"));
        QCOMPARE(cell(m, 0, PartitionModel::LockTtl), QString());
        QCOMPARE(cell(m, 1, PartitionModel::LockTtl), QStringLiteral("4.50 s"));
        QCOMPARE(cell(m, 0, PartitionModel::Waiting), QStringLiteral("1,234"));
        QCOMPARE(cell(m, 1, PartitionModel::Taken), QStringLiteral("42"));
        QCOMPARE(cell(m, 1, PartitionModel::ScanDuration), QStringLiteral("1.5 ms"));
        QCOMPARE(cell(m, 2, PartitionModel::Taken), QStringLiteral("lock busy"));
        QCOMPARE(cell(m, 0, PartitionModel::LastScan), QStringLiteral("not yet"));

        // The owner changes hands: same rows, new text.
        s.store.partitions[2].lockOwner = s.readerOwner;
        m.setSnapshot(s);
        QCOMPARE(m.lockState(2), PartitionModel::LockState::ThisProcess);
        // A receiver-only process: no reader.
        EngineSnapshot receiverOnly = snapshotAt(kNow);
        receiverOnly.store.partitions << free;
        m.setSnapshot(receiverOnly);
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(cell(m, 0, PartitionModel::LastScan), QStringLiteral("no outlet in this process"));
    }

    void deliveryRowsWithoutTokens()
    {
        EngineSnapshot s = snapshotAt(kNow);
        DeliveryStats alice;
        alice.user = "alice@example.com";
        alice.batchesSent = 1200;
        alice.gaugesDelivered = 123456;
        alice.gaugesRetriedDelivered = 7;
        alice.gaugesFailed = 3;
        alice.retries = 9;
        alice.lastStatus = 200;
        alice.lastLatencyMs = 85;
        alice.lastAttempt = QDateTime::fromSecsSinceEpoch(kNow);
        DeliveryStats bob;
        bob.user = "bob@example.com";
        bob.batchesFailed = 1;
        bob.gaugesFailed = 300;
        bob.lastStatus = 400;
        bob.lastError = QStringLiteral("{\"errors\":{\"params\":{\"name\":[\"is invalid\"]}}}");
        bob.lastAttempt = QDateTime::fromSecsSinceEpoch(kNow);
        s.delivery << bob << alice;

        DeliveryModel m;
        m.setSnapshot(s);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(cell(m, 0, DeliveryModel::User), QStringLiteral("alice@example.com"));
        QCOMPARE(cell(m, 0, DeliveryModel::GaugesDelivered), QStringLiteral("123,456"));
        QCOMPARE(cell(m, 0, DeliveryModel::BatchesSent), QStringLiteral("1,200"));
        QCOMPARE(cell(m, 0, DeliveryModel::LastLatency), QStringLiteral("85 ms"));
        QCOMPARE(cell(m, 1, DeliveryModel::LastStatus), QStringLiteral("400"));
        QVERIFY(cell(m, 1, DeliveryModel::LastError).contains(QStringLiteral("is invalid")));

        // Nothing a token could hide in: only the user and counts.
        for (int r = 0; r < m.rowCount(); ++r) {
            for (int c = 0; c < m.columnCount(); ++c) {
                for (const int role : { int(Qt::DisplayRole), int(SortRole), int(CopyRole), int(Qt::ToolTipRole) }) {
                    const QString text = m.index(r, c).data(role).toString();
                    QVERIFY(!text.contains(QStringLiteral("token")));
                    QVERIFY(!text.contains(u':') || c == DeliveryModel::LastError || c == DeliveryModel::LastAttempt);
                }
            }
        }
    }

    void problemsNewestFirst()
    {
        ProblemModel m;
        EngineSnapshot s = snapshotAt(kNow);
        for (int i = 0; i < 3; ++i)
            s.problems << Problem { QDateTime::fromSecsSinceEpoch(kNow + i), "bad_value_not_number", "alice", 0,
                                    "measure#a=x" + QByteArray::number(i) };
        m.setSnapshot(s);
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(cell(m, 0, ProblemModel::Detail), QStringLiteral("measure#a=x2"));
        QCOMPARE(cell(m, 0, ProblemModel::Kind), QStringLiteral("value is not a number"));
        const QPersistentModelIndex middle = m.index(1, ProblemModel::Detail);

        // The ring moves on: one falls off, two arrive.
        s.problems.removeFirst();
        s.problems << Problem { QDateTime::fromSecsSinceEpoch(kNow + 5), "http_401", {}, 401, "invalid token" }
                   << Problem { QDateTime::fromSecsSinceEpoch(kNow + 6), "lines_late", "bob", 0, "late\tline" };
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        m.setSnapshot(s);
        QCOMPARE(resets.size(), 0);
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(cell(m, 0, ProblemModel::Detail), QStringLiteral("late line"));
        QCOMPARE(cell(m, 1, ProblemModel::Status), QStringLiteral("401"));
        QCOMPARE(cell(m, 1, ProblemModel::Kind), QStringLiteral("request rejected (401)"));
        QCOMPARE(cell(m, 3, ProblemModel::Detail), QStringLiteral("measure#a=x1"));
        QVERIFY(middle.isValid());
        QCOMPARE(middle.data().toString(), QStringLiteral("measure#a=x1"));
        QCOMPARE(middle.row(), 3);

        // An unrelated ring (restarted engine) resets.
        EngineSnapshot other = snapshotAt(kNow);
        other.problems << Problem { QDateTime::fromSecsSinceEpoch(kNow), "frames_malformed", {}, 0, "x" };
        m.setSnapshot(other);
        QCOMPARE(resets.size(), 1);
        QCOMPARE(m.rowCount(), 1);
    }

    void previews()
    {
        PreviewModel m;
        EngineSnapshot s = snapshotAt(kNow);
        PreviewPayload p;
        p.built = QDateTime::fromSecsSinceEpoch(kNow);
        p.user = "alice@example.com";
        p.gauges = 1;
        p.json = R"({"gauges":[{"name":"a","value":1,"measure_time":1800000000}]})";
        s.previews << p;
        m.setSnapshot(s);
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.json(0), p.json);
        QCOMPARE(cell(m, 0, PreviewModel::User), QStringLiteral("alice@example.com"));
        const QString pretty = PreviewModel::prettyJson(p.json);
        QVERIFY(pretty.contains(u'\n'));
        QCOMPARE(QJsonDocument::fromJson(pretty.toUtf8()), QJsonDocument::fromJson(p.json));
    }

    void labelledCounters()
    {
        EngineSnapshot s = snapshotAt(kNow);
        s.metrics << sample("http_responses", 1500, "status=\"200\"") << sample("http_responses", 4, "status=\"401\"")
                  << sample("http_responses", 0, "status=\"413\"") << sample("http_responses", 2, "status=\"503\"")
                  << sample("logplex_dropped_by_user", 500, "user=\"alice@example.com\"")
                  << sample("logplex_dropped_by_user", 20, "user=\"b\\\"ob\"");
        LabelCountModel rejected(kHttpResponses, "status", QStringLiteral("Status"));
        rejected.setFilter([](const QString &v) { return !v.startsWith(u'2'); });
        rejected.setDescriber([](const QString &v) { return v == u"401" ? QStringLiteral("Unauthorized") : QString(); });
        rejected.setSnapshot(s);
        QCOMPARE(rejected.rowCount(), 2);
        QCOMPARE(rejected.columnCount(), 3);
        QCOMPARE(cell(rejected, 0, LabelCountModel::Label), QStringLiteral("401"));
        QCOMPARE(cell(rejected, 0, LabelCountModel::Description), QStringLiteral("Unauthorized"));
        QCOMPARE(rejected.total(), 6.0);

        LabelCountModel dropped(kLogplexDroppedByUser, "user", QStringLiteral("User"));
        dropped.setSnapshot(s);
        QCOMPARE(dropped.columnCount(), 2);
        QCOMPARE(dropped.count(QStringLiteral("alice@example.com")), 500.0);
        QCOMPARE(dropped.count(QStringLiteral("b\"ob")), 20.0);
        QCOMPARE(LabelCountModel::labelValue("a=\"1\",status=\"404\"", "status"), QStringLiteral("404"));
        QCOMPARE(LabelCountModel::labelValue("xstatus=\"1\"", "status"), QString());
    }

    void rates()
    {
        RateTracker r;
        const auto snap = [](qint64 ms, double lines, double requests) {
            EngineSnapshot s;
            s.taken = QDateTime::fromMSecsSinceEpoch(ms);
            s.metrics << sample("lines_aggregated", lines * 0.75) << sample("lines_no_metrics", lines * 0.25)
                      << sample("lines_received", lines) << sample("http_requests", requests)
                      << sample("lines_invalid", 0, "user=\"x\"");
            return s;
        };
        const qint64 t0 = kNow * 1000;
        r.add(snap(t0, 0, 0));
        QCOMPARE(r.rate(RateTracker::Lines), 0.0);
        for (int i = 1; i <= 8; ++i)
            r.add(snap(t0 + i * 250, 250.0 * i, 10.0 * i));
        QCOMPARE(r.rate(RateTracker::Lines), 1000.0);
        QCOMPARE(r.rate(RateTracker::Requests), 40.0);
        QCOMPARE(r.rate(RateTracker::LatencyMs), -1.0);
        const QList<QPointF> points = r.points(RateTracker::Lines);
        QVERIFY(!points.isEmpty());
        for (const QPointF &p : points)
            QCOMPARE(p.y(), 1000.0);
        // The engine restarted: counters start again from zero, no negative rate.
        r.add(snap(t0 + 2250, 100, 1));
        QVERIFY(r.rate(RateTracker::Lines) >= 0);
        QCOMPARE(RateTracker::linesTotal(snap(0, 400, 0)), 400.0);
    }

    void copyRowsAsTsv()
    {
        BucketModel m;
        EngineSnapshot s = snapshotAt(kNow);
        s.buckets << bucket("alice", "a", "web\t1", BucketType::Counter, { 1234.5 })
                  << bucket("bob", "b", {}, BucketType::Counter, { 2 });
        m.setSnapshot(s);
        CopyableTableView view;
        view.setModel(&m);
        view.setSortingEnabled(false);
        for (int c = BucketModel::Type; c < m.columnCount(); ++c) {
            if (c != BucketModel::Sum)
                view.setColumnHidden(c, true);
        }
        view.selectionModel()->select(m.index(rowOfName(m, "a"), 0),
                                      QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(view.selectedRowsAsTsv(), QStringLiteral("alice\ta\tweb 1\t1234.5\n"));
        view.selectAll();
        const QStringList lines = view.selectedRowsAsTsv(true).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], QStringLiteral("User\tName\tSource\tSum"));
    }

    void configText()
    {
        QCOMPARE(ConfigText::parseDuration(u"1s"), 1000);
        QCOMPARE(ConfigText::parseDuration(u"250ms"), 250);
        QCOMPARE(ConfigText::parseDuration(u"1.5s"), 1500);
        QCOMPARE(ConfigText::parseDuration(u"0.3s"), 300);
        QCOMPARE(ConfigText::parseDuration(u"1m30s"), 90000);
        QCOMPARE(ConfigText::parseDuration(u" 2 "), 2000);
        QCOMPARE(ConfigText::parseDuration(u"abc"), std::nullopt);
        QCOMPARE(ConfigText::parseDuration(u"1.0001ms"), std::nullopt);
        QCOMPARE(ConfigText::parseDuration(u""), std::nullopt);
        for (const qint64 ms : { 10LL, 999LL, 1000LL, 1500LL, 60000LL, 3600000LL, 5400000LL })
            QCOMPARE(ConfigText::parseDuration(ConfigText::formatDuration(ms)), ms);
        QCOMPARE(ConfigText::parseBytes(u"8M"), 8LL << 20);
        QCOMPARE(ConfigText::parseBytes(u"64k"), 64LL << 10);
        QCOMPARE(ConfigText::parseBytes(u"12x"), std::nullopt);
        for (const qint64 b : { 1024LL, 1000LL, 8LL << 20, 1LL << 30, 3LL << 30 })
            QCOMPARE(ConfigText::parseBytes(ConfigText::formatBytes(b)), b);
    }

    void formats()
    {
        QCOMPARE(UiFormat::count(qint64(1234567)), QStringLiteral("1,234,567"));
        QCOMPARE(UiFormat::number(0.99836), QStringLiteral("0.9984"));
        QCOMPARE(UiFormat::number(29038814063.0), QStringLiteral("29,038,814,063"));
        QCOMPARE(UiFormat::number(21.0, QStringLiteral("MB")), QStringLiteral("21\u2009MB"));
        QCOMPARE(UiFormat::rate(1234.0, QStringLiteral("lines")), QStringLiteral("1,234 lines/s"));
        QCOMPARE(UiFormat::millis(12.44), QStringLiteral("12.4 ms"));
        QCOMPARE(UiFormat::seconds(125), QStringLiteral("2 min 5 s"));
    }

    // The Metrics tree: patterns with their names as children; a flagged
    // pattern warns (icon, colour, tooltip with the explanation); updates
    // keep rows, children and persistent indexes (expansion, selection).
    void metricsTreeFlagsAndUpdates()
    {
        const auto pattern = [](const QByteArray &p, qint64 names, qint64 streams, QList<QByteArray> top) {
            MetricPattern m;
            m.pattern = p;
            m.names = names;
            m.streams = streams;
            m.sources = 2;
            m.windows = 1;
            m.users = 1;
            m.buckets = streams;
            m.idsInNames = names >= MetricSummary::kIdPatternNames;
            for (const QByteArray &n : top)
                m.topNames.append(MetricName { n, 1, 1 });
            return m;
        };
        MetricSummary s;
        s.patterns << pattern("user.#.latency", 4812, 4812, { "user.1.latency", "user.2.latency" })
                   << pattern("db.latency", 1, 3, { "db.latency" });
        MetricsModel m;
        m.setSummary(s);
        QCOMPARE(m.rowCount(), 2);
        const int ids = m.rowOf("user.#.latency");
        QVERIFY(ids >= 0);
        const QModelIndex idsIndex = m.index(ids, MetricsModel::Pattern);
        QCOMPARE(m.rowCount(idsIndex), 2);
        QCOMPARE(m.index(0, MetricsModel::Pattern, idsIndex).data().toString(), QStringLiteral("user.1.latency"));
        QCOMPARE(m.index(ids, MetricsModel::Names).data().toString(), QStringLiteral("4,812"));
        QCOMPARE(m.index(ids, MetricsModel::Streams).data(SortRole).toLongLong(), 4812);
        QVERIFY(m.index(ids, MetricsModel::Pattern).data(IdsInNamesRole).toBool());
        QVERIFY(!m.index(ids, MetricsModel::Pattern).data(Qt::DecorationRole).isNull());
        const QString tip = m.index(ids, MetricsModel::Pattern).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("user.#.latency: 4,812 names differ only by a number")), qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("source=")));
        const int db = m.rowOf("db.latency");
        QVERIFY(!m.index(db, MetricsModel::Pattern).data(IdsInNamesRole).toBool());
        QVERIFY(m.index(db, MetricsModel::Pattern).data(Qt::DecorationRole).isNull());
        QCOMPARE(m.parent(m.index(0, 0, idsIndex)), m.index(ids, 0));

        // Sorted by streams through a proxy, the flagged pattern first.
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&m);
        proxy.setSortRole(SortRole);
        proxy.sort(MetricsModel::Streams, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, MetricsModel::Pattern).data().toString(), QStringLiteral("user.#.latency"));

        // An update: db.latency goes, a new pattern comes, user.#.latency
        // grows and gets a third name. Its row and persistent index stay.
        const QPersistentModelIndex kept(m.index(ids, MetricsModel::Pattern));
        MetricSummary next;
        next.patterns << pattern("user.#.latency", 5000, 5000, { "user.1.latency", "user.2.latency", "user.3.latency" })
                      << pattern("jobs.#", 3, 3, { "jobs.1", "jobs.2", "jobs.3" });
        m.setSummary(next);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.rowOf("db.latency"), -1);
        QVERIFY(kept.isValid());
        QCOMPARE(kept.data().toString(), QStringLiteral("user.#.latency"));
        QCOMPARE(m.rowCount(kept), 3);
        QCOMPARE(m.index(kept.row(), MetricsModel::Names).data().toString(), QStringLiteral("5,000"));
        QVERIFY(!m.index(m.rowOf("jobs.#"), MetricsModel::Pattern).data(IdsInNamesRole).toBool());
        QCOMPARE(m.resets(), 0);
        QCOMPARE(proxy.index(0, MetricsModel::Pattern).data().toString(), QStringLiteral("user.#.latency"));
    }

    void metricUsersTable()
    {
        MetricSummary s;
        MetricUser alice;
        alice.user = "alice@example.com";
        alice.names = 4813;
        alice.patterns = 2;
        alice.streams = 4815;
        alice.buckets = 4815;
        alice.flaggedPatterns = 1;
        alice.flaggedStreams = 4812;
        MetricUser unknown; // the token no longer verifies
        unknown.streams = 1;
        s.users << alice << unknown;
        MetricUserModel m;
        m.setSummary(s);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0, MetricUserModel::User).data().toString(), QStringLiteral("alice@example.com"));
        QCOMPARE(m.index(0, MetricUserModel::Streams).data().toString(), QStringLiteral("4,815"));
        QCOMPARE(m.index(0, MetricUserModel::Flagged).data().toString(), QStringLiteral("1"));
        QVERIFY(m.index(0, MetricUserModel::Flagged).data(Qt::ToolTipRole).toString().contains(QStringLiteral("4,812")));
        QVERIFY(m.index(1, MetricUserModel::User).data().toString().contains(QStringLiteral("no longer verifies")));
    }
};

QTEST_MAIN(TstUiModels)
#include "tst_uimodels.moc"
