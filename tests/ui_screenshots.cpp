// ui_screenshots: grabs every tab of a real MainWindow (a real engine on a
// loopback port, preview mode, bodies built from
// tests/data/heroku-messages.txt posted for about 45 seconds by two drains
// plus a few bad requests) to OUTDIR/<tab>.png at 1200x800, and with --dark
// also OUTDIR/<tab>-dark.png under a dark palette. The Sources and Lines tabs
// are grabbed last, from hand-made snapshots (a developer's local sources;
// lines of `heroku logs --tail` and of a Rails server), with the engine's own
// snapshots disconnected. Not a test: run it by hand
// (QT_QPA_PLATFORM=offscreen is set when no platform is chosen):
//
//     build/tests/ui_screenshots [--dark] [--seconds N] [OUTDIR]
//
// OUTDIR defaults to resources/screenshots of the source tree.
#include "bucketmodel.h"
#include "bucketstab.h"
#include "config/configloader.h"
#include "configtab.h"
#include "drainhelper.h"
#include "copyabletableview.h"
#include "auth/fernet.h"
#include "engine/engine.h"
#include "engine/enginesnapshot.h"
#include "enginetestkit.h"
#include "linemodel.h"
#include "linestab.h"
#include "mainwindow.h"
#include "sourcestab.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QSettings>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstdio>

using namespace l2met;
using namespace l2met::test;

namespace {

struct Message
{
    QByteArray procId;
    QByteArray text;
};

QList<Message> exampleMessages(const QString &path)
{
    QFile file(path);
    QList<Message> out;
    if (!file.open(QIODevice::ReadOnly))
        return out;
    QByteArray procId;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.startsWith("## ")) {
            procId = line.mid(3).split(' ').value(0);
        } else if (!line.isEmpty() && !line.startsWith('#') && !procId.isEmpty()) {
            out.append({ procId, line });
        }
    }
    return out;
}

// The example lines with their numbers jittered, so statistics vary.
QByteArray body(const QList<Message> &messages, qint64 now, bool withDropNotice)
{
    QByteArray out;
    for (const Message &m : messages) {
        if (m.procId == "logplex" && !withDropNotice)
            continue;
        QByteArray text = m.text;
        const auto jitter = [&text](const char *from, const char *key, int low, int spread, const char *units) {
            text.replace(from, QByteArray(QByteArray(key) + QByteArray::number(low + int(QRandomGenerator::global()->bounded(spread))) + units));
        };
        if (m.procId == "router") {
            jitter("service=18ms", "service=", 5, 60, "ms");
            jitter("service=245ms", "service=", 120, 400, "ms");
            jitter("connect=1ms", "connect=", 0, 4, "ms");
        }
        jitter("measure#db.latency=4ms", "measure#db.latency=", 2, 9, "ms");
        jitter("sample#queue.depth=7", "sample#queue.depth=", 0, 20, "");
        out += frame(now, m.procId, text);
    }
    return out;
}

void settle(int ms)
{
    QTest::qWait(ms);
}

// Posts one round of traffic: alice at 1 s and 10 s resolutions (rising and
// falling with phase), bob at 60 s, now and then bad requests.
struct Traffic
{
    QList<Message> messages;
    QByteArray alice;
    QByteArray bob;
    QUrl logs;
    int round = 0;

    void post(double phase)
    {
        QUrl res1 = logs;
        res1.setQuery(QStringLiteral("resolution=1"));
        QUrl res10 = logs;
        res10.setQuery(QStringLiteral("resolution=10"));
        const int posts = 1 + int(3 * (1 + std::sin(phase)));
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < posts; ++i)
            http("POST", round % 2 ? res1 : res10, body(messages, now, round % 40 == 0), { { "Authorization", basicAuth(alice) } });
        http("POST", logs, body(messages, now, false), { { "Authorization", basicAuth(bob) } });
        if (round % 25 == 3) {
            http("POST", logs, frame(now, "web.2", "measure#api.latency=abc count#jobs= sample#=3"),
                 { { "Authorization", basicAuth(bob) } });
            http("POST", logs, frame(now, "web.1", "count#x=1"), { { "Authorization", basicAuth("not-a-token") } });
        }
        if (round % 60 == 10)
            http("POST", logs, QByteArray("garbage without a frame"), { { "Authorization", basicAuth(alice) } });
        ++round;
    }
};

bool grab(MainWindow &window, int tab, const QString &path, Traffic &traffic, double phase)
{
    window.tabs()->setCurrentIndex(tab);
    // Traffic goes on: a chart timer tick and a few snapshots.
    QElapsedTimer wait;
    wait.start();
    while (wait.elapsed() < 1300) {
        traffic.post(phase);
        settle(150);
    }
    const bool ok = window.grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

// The Sources tab of a developer running an app locally.
QList<SourceStatus> handMadeSources(const EngineSnapshot &real, const QDateTime &now)
{
    QList<SourceStatus> out;
    for (const SourceStatus &s : real.sources) {
        if (s.id == 0)
            out.append(s); // the drain, as the engine reports it
    }
    const auto add = [&out, &now](int id, SourceKind kind, const QString &name, SourceState state,
                                  const QString &detail, quint64 read, quint64 metrics, quint64 malformed,
                                  const QByteArray &last, int agoSeconds) {
        SourceStatus s;
        s.id = id;
        s.kind = kind;
        s.spec = SourceSpec { kind, name, false };
        s.name = name;
        s.state = state;
        s.detail = detail;
        s.linesRead = read;
        s.linesWithMetrics = metrics;
        s.linesMalformed = malformed;
        s.linesOther = read - metrics - malformed;
        s.lastLine = last;
        if (read > 0)
            s.lastLineAt = now.addSecs(-agoSeconds);
        out.append(s);
    };
    add(1, SourceKind::Command, QStringLiteral("bin/rails server"), SourceState::Running, {}, 1832, 412, 3,
        "Completed 200 OK in 31ms (Views: 18.2ms | ActiveRecord: 6.1ms)", 1);
    add(2, SourceKind::File, QStringLiteral("log/sidekiq.log"), SourceState::Waiting,
        QStringLiteral("waiting for the file"), 0, 0, 0, {}, 0);
    add(3, SourceKind::Heroku, QStringLiteral("example-app"), SourceState::Running, {}, 5210, 3977, 12,
        "heroku[router]: at=info method=GET path=\"/\" connect=1ms service=18ms status=200 bytes=13", 0);
    add(4, SourceKind::Heroku, QStringLiteral("example-app-staging"), SourceState::Reconnecting,
        QStringLiteral("reconnecting in 4 s"), 310, 122, 0, "heroku[web.1]: State changed from up to down", 47);
    add(5, SourceKind::Syslog, QStringLiteral("127.0.0.1:5514"), SourceState::Running, {}, 96, 96, 0,
        "<134>1 - - worker - - - count#jobs.done=1 source=worker.2", 3);
    add(6, SourceKind::Command, QStringLiteral("npm run worker"), SourceState::Ended,
        QStringLiteral("exited with status 1"), 57, 0, 0, "Error: Cannot find module 'bull'", 125);
    return out;
}

LineMeasurementRecord metric(BucketType type, const char *name, double value, const char *units = "",
                             const char *source = "")
{
    LineMeasurementRecord m;
    m.type = type;
    m.name = name;
    m.value = value;
    m.units = units;
    m.source = source;
    return m;
}

// Lines of `heroku logs --tail` (tests/data/heroku-cli-tail.log) and of
// a Rails server over the last minute, oldest first, with what they became.
QList<LineRecord> handMadeLines(const QDateTime &now)
{
    constexpr auto M = BucketType::Measurement;
    constexpr auto C = BucketType::Counter;
    constexpr auto S = BucketType::Sample;
    struct Example
    {
        int source; // 1: bin/rails server, 3: heroku example-app
        const char *text;
        ParseCounter outcome;
        QList<LineMeasurementRecord> metrics;
        const char *reason;
    };
    const QList<Example> examples = {
        { 3, "app[web.1]: at=info measure#db.latency=4ms count#db.queries=2 sample#queue.depth=7 source=web.1",
          ParseCounter::LinesAggregated,
          { metric(M, "db.latency", 4, "ms", "web.1"), metric(C, "db.queries", 2, "", "web.1"),
            metric(S, "queue.depth", 7, "", "web.1") }, "" },
        { 3, "heroku[router]: at=info method=GET path=\"/\" host=example-app-1234567890ab.herokuapp.com "
             "request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd=\"204.204.204.204\" dyno=web.1 connect=1ms "
             "service=18ms status=200 bytes=13 protocol=https",
          ParseCounter::LinesAggregated,
          { metric(M, "router.connect", 1, "ms"), metric(M, "router.service", 18, "ms"),
            metric(M, "router.bytes", 13) }, "" },
        { 1, "Started GET \"/products\" for 127.0.0.1 at 2026-12-04 10:15:03 +0000", ParseCounter::LinesNoMetrics,
          {}, "" },
        { 3, "app[worker.1]: measure#job.duration=1.25s count#job.done source=worker.1",
          ParseCounter::LinesAggregated,
          { metric(M, "job.duration", 1.25, "s", "worker.1"), metric(C, "job.done", 1, "", "worker.1") }, "" },
        { 1, "at=info measure#render.time=23ms count#products.listed=24 source=local",
          ParseCounter::LinesAggregated,
          { metric(M, "render.time", 23, "ms", "local"), metric(C, "products.listed", 24, "", "local") }, "" },
        { 3, "heroku[router]: at=error code=H12 desc=\"Request timeout\" method=GET path=\"/slow\" "
             "host=example-app-1234567890ab.herokuapp.com dyno=web.2 connect= service=30000ms status=503 bytes=0",
          ParseCounter::LinesAggregated,
          { metric(M, "router.service", 30000, "ms"), metric(M, "router.bytes", 0) }, "" },
        { 3, "heroku[web.1]: source=web.1 dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 "
             "sample#memory_total=21.00MB sample#memory_rss=21.22MB sample#memory_cache=0.00MB "
             "sample#memory_swap=0.00MB",
          ParseCounter::LinesAggregated,
          { metric(S, "memory_total", 21, "MB", "web.1"), metric(S, "memory_rss", 21.22, "MB", "web.1"),
            metric(S, "memory_cache", 0, "MB", "web.1"), metric(S, "memory_swap", 0, "MB", "web.1") }, "" },
        { 3, "heroku[web.1]: Error R14 (Memory quota exceeded)", ParseCounter::LinesNoMetrics, {}, "" },
        { 1, "Completed 200 OK in 31ms (Views: 18.2ms | ActiveRecord: 6.1ms)", ParseCounter::LinesNoMetrics, {},
          "" },
        { 3, "app[heroku-postgres]: source=HEROKU_POSTGRESQL_AMBER addon=postgresql-contoured-74178 "
             "sample#active-connections=40 sample#db_size=29038814063bytes sample#load-avg-1m=0.01",
          ParseCounter::LinesAggregated,
          { metric(S, "active-connections", 40, "", "HEROKU_POSTGRESQL_AMBER"),
            metric(S, "db_size", 29038814063.0, "bytes", "HEROKU_POSTGRESQL_AMBER"),
            metric(S, "load-avg-1m", 0.01, "", "HEROKU_POSTGRESQL_AMBER") }, "" },
        { 3, "app[web.1]: measure#render.time=12.5ms measure#render.time=bad source=web.1",
          ParseCounter::LinesAggregated, { metric(M, "render.time", 12.5, "ms", "web.1") },
          "skipped not a number: measure#render.time=bad" },
    };
    QList<LineRecord> out;
    const qint64 nowMs = now.toMSecsSinceEpoch();
    const qint64 startMs = nowMs - 60'000;
    const qsizetype total = examples.size() * 3 + 1;
    quint64 seq = 0;
    for (qsizetype i = 0; i < total; ++i) {
        const qint64 atMs = startMs + i * 60'000 / total + qint64(QRandomGenerator::global()->bounded(900));
        LineRecord r;
        r.seq = ++seq;
        r.atMs = atMs;
        r.user = "alice@example.com";
        r.resolution = 10;
        if (i == total / 2) {
            // A line stamped more than three minutes ago (a restarted tail).
            const qint64 stamp = atMs / 1000 - 190;
            r.kind = SourceKind::Heroku;
            r.sourceId = 3;
            r.line = QDateTime::fromSecsSinceEpoch(stamp, Qt::UTC)
                         .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'000+00:00'"))
                         .toUtf8()
                + " app[web.2]: measure#db.latency=9ms count#db.queries=3 source=web.2";
            r.outcome = ParseCounter::LinesLate;
            r.reason = "late by 190 s: older than 20 s (-recv-deadline 2 x 10 s windows)";
            out.append(r);
            continue;
        }
        const Example &e = examples.at(i % examples.size());
        r.kind = e.source == 1 ? SourceKind::Command : SourceKind::Heroku;
        r.sourceId = e.source;
        const qint64 stampMs = atMs - 150;
        const qint64 window = stampMs / 1000 / 10 * 10;
        r.line = e.source == 3 ? QDateTime::fromMSecsSinceEpoch(stampMs, Qt::UTC)
                                         .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'000+00:00'"))
                                         .toUtf8()
                    + ' ' + e.text
                               : QByteArray(e.text);
        r.outcome = e.outcome;
        r.reason = e.reason;
        r.measurements = e.metrics;
        for (LineMeasurementRecord &m : r.measurements)
            m.window = window;
        out.append(r);
    }
    return out;
}

// Shows the hand-made Sources and Lines content in the window.
void applyHandMade(MainWindow &window)
{
    const std::shared_ptr<const EngineSnapshot> real = window.lastSnapshot();
    auto made = std::make_shared<EngineSnapshot>(real ? *real : EngineSnapshot());
    made->taken = QDateTime::currentDateTime();
    made->sources = handMadeSources(*made, made->taken);
    made->lines = handMadeLines(made->taken);
    made->linesSampling = false;
    window.linesTab()->model()->clear();
    window.applySnapshot(made);
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1f, 0x20, 0x23);
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2d));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3f, 0x4b));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xde));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xff));
    const QColor disabled(0x80, 0x80, 0x80);
    for (const QPalette::ColorRole role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QCoreApplication::setApplicationName(QStringLiteral("l2met-screenshots"));
    QCoreApplication::setApplicationVersion(QStringLiteral(L2MET_VERSION));

    QStringList args = app.arguments().mid(1);
    const bool dark = args.removeAll(QStringLiteral("--dark")) > 0;
    int seconds = 45;
    const qsizetype secondsAt = args.indexOf(QStringLiteral("--seconds"));
    if (secondsAt >= 0 && secondsAt + 1 < args.size()) {
        seconds = args.at(secondsAt + 1).toInt();
        args.remove(secondsAt, 2);
    }
    const QString outDir = args.value(0, QStringLiteral(L2MET_SOURCE_DIR "/resources/screenshots"));
    QDir().mkpath(outDir);

    QTemporaryDir temp;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, temp.path());
    Config config;
    config.bind = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.preview = true;
    config.partitions = 4;
    config.concurrency = 2;
    config.secrets = Fernet::generateKey();
    config.configFile = temp.filePath(QStringLiteral("l2met.conf"));
    QString error;
    if (!ConfigLoader::save(config, config.configFile, &error)) {
        std::fprintf(stderr, "cannot save config: %s\n", qPrintable(error));
        return 1;
    }
    MainWindow window(config, config.configFile);
    if (!window.startEngine(&error)) {
        std::fprintf(stderr, "engine did not start: %s\n", qPrintable(error));
        return 1;
    }
    window.resize(1200, 800);
    window.show();

    Traffic traffic;
    traffic.messages = exampleMessages(QStringLiteral(L2MET_SOURCE_DIR "/tests/data/heroku-messages.txt"));
    traffic.alice = window.engine()->sign("alice@example.com:alice-api-token");
    traffic.bob = window.engine()->sign("bob@example.com:bob-api-token");
    traffic.logs = QUrl(QStringLiteral("http://127.0.0.1:%1/logs").arg(window.engine()->port()));

    // Traffic that rises and falls, so the charts have a shape.
    QElapsedTimer clock;
    clock.start();
    const auto phase = [&clock] { return double(clock.elapsed()) / 1000.0 / 12.0; };
    while (clock.elapsed() < seconds * 1000) {
        traffic.post(phase());
        settle(150);
    }

    // Buckets: chart alice's db.latency at one-second windows.
    BucketsTab *buckets = window.bucketsTab();
    buckets->filterEdit()->setText(QStringLiteral("latency"));
    BucketModel *model = buckets->model();
    QByteArray pick;
    qint64 newest = 0;
    for (int row = 0; row < model->rowCount(); ++row) {
        const BucketSummary &b = model->bucket(row);
        if (b.name == "db.latency" && b.resolution == 1 && b.user == "alice@example.com" && b.time > newest) {
            newest = b.time;
            pick = BucketModel::key(b);
        }
    }
    buckets->filterEdit()->clear();
    buckets->selectKey(pick);
    buckets->view()->scrollTo(buckets->view()->currentIndex(), QAbstractItemView::PositionAtCenter);
    window.configTab()->drainHelper()->setHost(QStringLiteral("l2met.example.com"));
    window.configTab()->drainHelper()->setCredentials(QStringLiteral("alice@example.com"),
                                                      QStringLiteral("alice-api-token"));

    const char *const names[] = { "overview",   "sources",  "lines",    "buckets",      "metrics",
                                  "partitions", "delivery", "problems", "configuration" };
    static_assert(std::size(names) == MainWindow::TabCount);
    const auto path = [&outDir, &names](int tab, bool darkened) -> QString {
        return outDir + u'/' + QLatin1String(names[tab]) + (darkened ? QStringLiteral("-dark.png") : QStringLiteral(".png"));
    };
    const auto handMadeTab = [](int tab) { return tab == MainWindow::SourcesPage || tab == MainWindow::LinesPage; };
    const QPalette light = QApplication::palette();
    bool ok = true;
    for (const bool darkened : { false, true }) {
        if (darkened && !dark)
            break;
        QApplication::setPalette(darkened ? darkPalette() : light);
        for (int tab = 0; tab < MainWindow::TabCount; ++tab) {
            if (!handMadeTab(tab))
                ok = grab(window, tab, path(tab, darkened), traffic, phase()) && ok;
        }
    }
    // Sources and Lines: hand-made content, no more engine snapshots.
    QObject::disconnect(window.engine(), &Engine::snapshotReady, &window, nullptr);
    settle(300);
    for (const bool darkened : { false, true }) {
        if (darkened && !dark)
            break;
        QApplication::setPalette(darkened ? darkPalette() : light);
        for (const int tab : { int(MainWindow::SourcesPage), int(MainWindow::LinesPage) }) {
            window.tabs()->setCurrentIndex(tab);
            applyHandMade(window);
            if (tab == MainWindow::SourcesPage) {
                window.sourcesTab()->selectId(3);
            } else {
                // The line with a bad piece: what it became, and why not all of it.
                LinesTab *lines = window.linesTab();
                for (int row = 0; row < lines->proxy()->rowCount(); ++row) {
                    if (lines->model()->record(lines->proxy()->mapToSource(lines->proxy()->index(row, 0)).row()).reason.startsWith("skipped")) {
                        lines->view()->selectionModel()->setCurrentIndex(
                            lines->proxy()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                        break;
                    }
                }
            }
            settle(200);
            const bool saved = window.grab().save(path(tab, darkened));
            std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(path(tab, darkened)));
            ok = saved && ok;
        }
    }
    const FrameMonitor::Stats f = window.frameStats();
    std::printf("frame_max_ms=%.1f frame_p99_ms=%.1f snapshot_max_ms=%.1f snapshot_p99_ms=%.1f\n", f.frameMaxMs,
                f.frameP99Ms, f.workMaxMs, f.workP99Ms);
    window.close();
    return ok ? 0 : 1;
}
