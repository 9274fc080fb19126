// ui_screenshots: grabs every tab of a real MainWindow (a real engine on a
// loopback port, preview mode, bodies built from
// tests/data/heroku-messages.txt posted for about 45 seconds by two drains
// plus a few bad requests) to OUTDIR/<tab>.png at 1200x800, and with --dark
// also OUTDIR/<tab>-dark.png under a dark palette. Not a test: run it by hand
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
#include "enginetestkit.h"
#include "mainwindow.h"

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

    const char *const names[] = { "overview", "buckets", "partitions", "delivery", "problems", "configuration" };
    bool ok = true;
    for (int tab = 0; tab < MainWindow::TabCount; ++tab)
        ok = grab(window, tab, outDir + u'/' + QLatin1String(names[tab]) + QStringLiteral(".png"), traffic, phase()) && ok;
    if (dark) {
        QApplication::setPalette(darkPalette());
        for (int tab = 0; tab < MainWindow::TabCount; ++tab)
            ok = grab(window, tab, outDir + u'/' + QLatin1String(names[tab]) + QStringLiteral("-dark.png"), traffic, phase()) && ok;
    }
    const FrameMonitor::Stats f = window.frameStats();
    std::printf("frame_max_ms=%.1f frame_p99_ms=%.1f snapshot_max_ms=%.1f snapshot_p99_ms=%.1f\n", f.frameMaxMs,
                f.frameP99Ms, f.workMaxMs, f.workP99Ms);
    window.close();
    return ok ? 0 : 1;
}
