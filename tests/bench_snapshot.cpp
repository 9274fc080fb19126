// bench_snapshot: how the window copes with a million buckets. Fills a
// MemoryStore (and a small Register) with N single-value buckets (ids in
// the names: user.<id>.latency from ten sources), then measures
//   1. the snapshot's bucket pass (summariseBuckets: filter, sort, top
//      kMaxBuckets rows, Metrics summary) for a few queries, as the engine's
//      snapshot thread runs it;
//   2. the GUI thread: a real MainWindow (offscreen) applying those
//      snapshots (MainWindow::applySnapshot: every tab's model update), and
//      the FrameMonitor's frame intervals while a worker thread builds
//      snapshots paced as Engine::publishSnapshots paces them (and groups
//      for Metrics as Engine::summarise decides) and another puts values
//      into the store, for a few seconds.
// Prints the numbers; asserts nothing (timings depend on the machine).
//
//   QT_QPA_PLATFORM=offscreen build/tests/bench_snapshot [buckets] [seconds]
#include "bucket/bucket.h"
#include "engine/bucketsummariser.h"
#include "engine/enginesnapshot.h"
#include "mainwindow.h"
#include "receiver/register.h"
#include "store/memorystore.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>

using namespace l2met;

namespace {

constexpr qint64 kWindow = 1'800'000'000;

BucketId makeId(qint64 i)
{
    BucketId id;
    id.time = kWindow;
    id.resolution = 60;
    id.auth = "token-of-alice";
    id.name = "user." + QByteArray::number(i / 10) + ".latency";
    id.source = "web." + QByteArray::number(i % 10);
    id.units = "ms";
    return id;
}

BucketPass passOver(const Register &reg, MemoryStore &store, const BucketQuery &query)
{
    BucketPass pass;
    pass.reg = &reg;
    pass.store = &store;
    pass.userOf = [](const QByteArray &) { return QByteArray("alice@example.com"); };
    pass.query = query;
    pass.limit = EngineSnapshot::kMaxBuckets;
    return pass;
}

std::shared_ptr<EngineSnapshot> build(const Register &reg, MemoryStore &store, const BucketQuery &query,
                                      bool withMetrics = true)
{
    auto s = std::make_shared<EngineSnapshot>();
    s->taken = QDateTime::fromSecsSinceEpoch(kWindow + 30);
    s->storeKind = QStringLiteral("memory");
    BucketPass pass = passOver(reg, store, query);
    pass.withMetrics = withMetrics;
    pass.expectedBuckets = reg.bucketCount() + store.stats().buckets;
    summariseBuckets(pass, *s);
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("l2met-bench"));
    const qint64 n = argc > 1 ? QByteArray(argv[1]).toLongLong() : 1'000'000;
    const int seconds = argc > 2 ? QByteArray(argv[2]).toInt() : 5;

    MemoryStore store(1, [] { return kWindow + 30; });
    Register reg;
    QElapsedTimer fill;
    fill.start();
    for (qint64 first = 0; first < n; first += 10000) {
        std::vector<Bucket> batch;
        for (qint64 i = first; i < std::min(n, first + 10000); ++i)
            batch.push_back(Bucket(makeId(i), { double(i % 997) }));
        store.put(batch);
    }
    std::vector<Bucket> fresh;
    for (qint64 i = 0; i < 1000; ++i) // this flush interval's values: some ids also stored
        fresh.push_back(Bucket(makeId(i * 7), { 1.0 }));
    reg.merge(fresh);
    std::printf("filled %lld buckets in the store, %lld in the register, in %.0f ms\n", qlonglong(n),
                qlonglong(reg.bucketCount()), double(fill.nsecsElapsed()) / 1e6);

    struct Case
    {
        const char *what;
        BucketQuery query;
        bool withMetrics = true;
    };
    BucketQuery byName;
    BucketQuery filtered;
    filtered.filter = QStringLiteral("user.4242");
    BucketQuery byMax;
    byMax.sortKey = BucketSortKey::Max;
    byMax.order = Qt::DescendingOrder;
    const Case cases[] = { { "no filter, by name", byName },
                           { "filter \"user.4242\", by name", filtered },
                           { "no filter, by max descending", byMax },
                           { "no filter, by name, no grouping", byName, false } };
    std::vector<std::shared_ptr<EngineSnapshot>> snapshots;
    for (const Case &c : cases) {
        std::vector<double> ms;
        std::shared_ptr<EngineSnapshot> s;
        for (int run = 0; run < 3; ++run) {
            s = build(reg, store, c.query, c.withMetrics);
            ms.push_back(s->bucketsBuildMs);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("snapshot pass, %-32s: median %.0f ms (min %.0f, max %.0f); %lld rows of %lld matching, "
                    "%lld buckets; %lld patterns\n",
                    c.what, ms[1], ms[0], ms[2], qlonglong(s->buckets.size()), qlonglong(s->bucketsMatched),
                    qlonglong(s->bucketsTotal), qlonglong(s->metricSummary.totalPatterns));
        snapshots.push_back(s);
    }

    // Built before the window exists: its FrameMonitor must not count
    // passes run in this (the GUI) thread.
    std::vector<std::shared_ptr<EngineSnapshot>> same;
    for (int i = 0; i < 5; ++i)
        same.push_back(build(reg, store, byName));

    // 2. The GUI thread applying them.
    QTemporaryDir dir;
    Config config;
    MainWindow window(config, dir.filePath(QStringLiteral("l2met.conf")));
    window.show();
    QApplication::processEvents();
    const auto apply = [&window](const std::shared_ptr<EngineSnapshot> &s) {
        QElapsedTimer t;
        t.start();
        window.applySnapshot(s);
        return double(t.nsecsElapsed()) / 1e6;
    };
    std::printf("GUI apply (every tab), first snapshot (5,000 new rows): %.1f ms\n", apply(snapshots[0]));
    std::vector<double> again;
    for (const std::shared_ptr<EngineSnapshot> &s : same)
        again.push_back(apply(s));
    std::sort(again.begin(), again.end());
    std::printf("GUI apply, same query again (rows updated in place): median %.1f ms, max %.1f ms\n",
                again[again.size() / 2], again.back());
    std::printf("GUI apply, the filter's snapshot (rows replaced): %.1f ms\n", apply(snapshots[1]));
    std::printf("GUI apply, back to all by name (5,000 rows again): %.1f ms\n", apply(snapshots[0]));

    // 3. Frames while snapshots arrive every 250 ms and values keep coming.
    std::atomic<bool> stop { false };
    std::atomic<int> built { 0 };
    std::atomic<qint64> buildNs { 0 };
    QElapsedTimer sinceGrouping;
    qint64 groupingMs = 0;
    QThread *snapshotter = QThread::create([&] {
        while (!stop) {
            QElapsedTimer t;
            t.start();
            // As the engine does: the grouping when its cost is at most a
            // fifth of the time since the last one.
            const bool group = !sinceGrouping.isValid() || sinceGrouping.elapsed() >= 4 * groupingMs;
            std::shared_ptr<const EngineSnapshot> s = build(reg, store, byName, group);
            if (group) {
                groupingMs = qint64(s->bucketsBuildMs);
                sinceGrouping.start();
            }
            buildNs += t.nsecsElapsed();
            ++built;
            QMetaObject::invokeMethod(&window, [&window, s] { window.applySnapshot(s); }, Qt::QueuedConnection);
            // The engine's pacing: 250 ms, or twice what the build took.
            QThread::msleep(std::max<qint64>(250, 2 * t.elapsed()));
        }
    });
    QThread *writer = QThread::create([&] {
        qint64 i = 0;
        while (!stop) {
            std::vector<Bucket> batch;
            for (int k = 0; k < 1000; ++k, i += 997)
                batch.push_back(Bucket(makeId(i % n), { 3.0 }));
            store.put(batch);
            QThread::msleep(10);
        }
    });
    snapshotter->start();
    writer->start();
    QEventLoop loop;
    QTimer::singleShot(seconds * 1000, &loop, &QEventLoop::quit);
    loop.exec();
    const FrameMonitor::Stats f = window.frameStats(); // before this thread waits for the others
    stop = true;
    snapshotter->wait();
    writer->wait();
    QApplication::processEvents();
    delete snapshotter;
    delete writer;
    std::printf("over %d s: %d snapshots built (mean %.0f ms each, in their thread); GUI frames %d, frame interval "
                "max %.1f ms, p99 %.1f ms (16 ms timer); snapshot apply max %.1f ms, p99 %.1f ms\n",
                seconds, built.load(), built ? double(buildNs) / 1e6 / built : 0.0, f.frames, f.frameMaxMs,
                f.frameP99Ms, f.workMaxMs, f.workP99Ms);
    return 0;
}
