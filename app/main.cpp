// l2met: the thin shell over l2met_core: options, signals, and the engine
// run headless (--no-gui, or when there is no display) or under the desktop
// window. Headless never creates a QApplication.
#include "config/configloader.h"
#include "engine/engine.h"
#include "signalwatcher.h"

#include "auth/fernet.h"
#include "outlet/deliverystatus.h"

#include <QCoreApplication>
#include <QDebug>
#include <QFile>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QProcessEnvironment>
#include <QTimer>

#ifdef L2MET_HAVE_GUI
#include "mainwindow.h"

#include <QApplication>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace l2met;

namespace {

// Each HTTP connection is a file descriptor: --max-connections (4096 by
// default) plus Redis, Librato and files must fit under the soft limit,
// which is often 1024. Raised to the hard limit; a warning when still short.
void raiseFileLimit(int maxConnections)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    const rlim_t needed = rlim_t(maxConnections) + 256;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        qWarning().noquote() << QStringLiteral(
            "at=startup.file-limit open-files=%1 needed=%2: connections past it are refused by the kernel; "
            "raise LimitNOFILE / ulimit -n or lower --max-connections")
                                    .arg(quint64(limit.rlim_cur))
                                    .arg(quint64(needed));
    }
}

// Qt HttpServer's debug output (qt.httpserver*) prints each request with its
// URL and headers: drain tokens and, for /sign, a secret key. It stays off
// whatever QT_LOGGING_RULES says; every other category keeps its rules.
QLoggingCategory::CategoryFilter defaultCategoryFilter = nullptr;

void categoryFilter(QLoggingCategory *category)
{
    if (defaultCategoryFilter)
        defaultCategoryFilter(category);
    if (QByteArrayView(category->categoryName()).startsWith("qt.httpserver")) {
        category->setEnabled(QtDebugMsg, false);
        category->setEnabled(QtInfoMsg, false);
    }
}

void printLine(FILE *stream, const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

// --sign user:api-token: prints a drain token and the drain URL to give to
// `heroku drains:add`, so a headless operator needs no curl.
int sign(const LoadResult &loaded)
{
    QString error;
    const std::optional<QList<Fernet::Key>> keys = Fernet::parseKeys(loaded.config->secrets, &error);
    if (!keys) {
        printLine(stderr, QStringLiteral("l2met: invalid secrets: %1").arg(error));
        return 2;
    }
    const QByteArray token = Fernet(*keys).encrypt(loaded.signRequest);
    const QString host = QHostInfo::localHostName();
    const QString url = QStringLiteral("https://%1@%2/logs?resolution=60")
                            .arg(QString::fromLatin1(token), host);
    printLine(stdout, QStringLiteral("token=%1").arg(QString::fromLatin1(token)));
    printLine(stdout, QStringLiteral("drain_url=%1").arg(url));
    printLine(stdout, QStringLiteral("# heroku drains:add '%1' --app YOUR-APP").arg(url));
    printLine(stdout, QStringLiteral("# replace %1 with the public address of this l2met").arg(host));
    return 0;
}

void logMetrics(Engine &engine)
{
    QStringList pairs;
    for (const Metrics::Sample &s : engine.metrics().samples()) {
        if (s.labels.isEmpty())
            pairs << QStringLiteral("%1=%2").arg(QString::fromLatin1(s.name)).arg(s.value, 0, 'f', 0);
    }
    qInfo().noquote() << QStringLiteral("at=metrics ") + pairs.join(u' ');
}

// Whether a window can be shown: a platform was chosen, or an X11 or
// Wayland display is there.
bool haveDisplay(const QProcessEnvironment &env)
{
    return !env.value(QStringLiteral("QT_QPA_PLATFORM")).isEmpty()
        || !env.value(QStringLiteral("DISPLAY")).isEmpty()
        || !env.value(QStringLiteral("WAYLAND_DISPLAY")).isEmpty();
}

// Headless preview: every payload l2met would send, one JSON line each, on
// stdout (or --preview-out), so `my-app | l2met --no-gui --stdin --preview`
// shows exactly which gauges an app's logs make. Written from the outlet
// thread; stdio serialises the lines.
class PreviewWriter
{
public:
    bool open(const QString &path, QString *error)
    {
        if (path.isEmpty()) {
            m_stream = stdout;
            return true;
        }
        m_stream = std::fopen(QFile::encodeName(path).constData(), "a");
        m_owned = m_stream != nullptr;
        if (!m_stream)
            *error = QStringLiteral("cannot write --preview-out %1: %2")
                         .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return m_stream != nullptr;
    }
    ~PreviewWriter()
    {
        if (m_owned)
            std::fclose(m_stream);
    }
    void write(const PreviewPayload &payload) const
    {
        QByteArray line = payload.json;
        line.replace('\n', ' ');
        line += '\n';
        std::fwrite(line.constData(), 1, size_t(line.size()), m_stream);
        std::fflush(m_stream);
    }

private:
    FILE *m_stream = nullptr;
    bool m_owned = false;
};

int runHeadless(int argc, char **argv, const LoadResult &loaded)
{
    QCoreApplication app(argc, argv);
    const Config &config = *loaded.config;
    Engine engine(config);
    QString error;
    PreviewWriter preview;
    if (!preview.open(config.previewOut, &error)) {
        printLine(stderr, QStringLiteral("l2met: %1").arg(error));
        return 2;
    }
    engine.setPreviewSink([&preview](const PreviewPayload &payload) { preview.write(payload); });
    if (!engine.start(&error)) {
        printLine(stderr, QStringLiteral("l2met: %1").arg(error));
        return 1;
    }
    if (engine.localPreviewOnly()) {
        printLine(stderr, QStringLiteral("l2met: no Librato credentials for local sources "
                                         "(LIBRATO_USER and LIBRATO_TOKEN, or --drain-token): "
                                         "previewing only, nothing is sent"));
    }
    qInfo().noquote() << QStringLiteral("at=start port=%1 config=\"%2\" gui=false")
                             .arg(engine.port())
                             .arg(loaded.configPath);

    QTimer metricsLog;
    if (config.verbose) {
        QObject::connect(&metricsLog, &QTimer::timeout, &app, [&engine] { logMetrics(engine); });
        metricsLog.start(10000);
    }
    int exitStatus = 0;
    const auto finish = [&](int status) {
        metricsLog.stop();
        engine.shutdown(30000);
        logMetrics(engine); // the final counters: what every line and gauge came to
        const QString summary = engine.previewSummary();
        if (!summary.isEmpty()) // stderr: stdout carries the payloads (and a command's output)
            std::fputs((QStringLiteral("\npreviewed metrics:\n") + summary).toLocal8Bit().constData(), stderr);
        exitStatus = status;
        app.quit();
    };
    // stdin ended, or the command exited: deliver everything, exit with the
    // command's status.
    QObject::connect(&engine, &Engine::finiteSourcesEnded, &app, [&](int status) {
        qInfo().noquote() << QStringLiteral("at=sources.ended status=%1 action=shutdown").arg(status);
        finish(status);
    });
    SignalWatcher watcher;
    bool forwarded = false;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &app, [&](int signal) {
        // A command runs: it gets the signal, and l2met ends when it does
        // (a second signal ends l2met at once).
        if (!config.command.isEmpty() && !forwarded) {
            forwarded = true;
            qInfo().noquote() << QStringLiteral("at=signal signal=%1 action=forward").arg(signal);
            engine.forwardSignal(signal);
            return;
        }
        qInfo().noquote() << QStringLiteral("at=signal signal=%1 action=shutdown").arg(signal);
        finish(0);
    });
    app.exec();
    return exitStatus;
}

#ifdef L2MET_HAVE_GUI
int runDesktop(int argc, char **argv, const LoadResult &loaded)
{
    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("l2met"));
    // The installed desktop entry's id (packaging/): Wayland compositors match
    // the window to its entry, and so to its name and icon, by this app id.
    QApplication::setDesktopFileName(QStringLiteral("io.github.l2met.l2met"));
    MainWindow window(*loaded.config, loaded.configPath);
    QString error;
    if (!window.startEngine(&error)) {
        printLine(stderr, QStringLiteral("l2met: %1").arg(error));
        return 1;
    }
    qInfo().noquote() << QStringLiteral("at=start port=%1 config=\"%2\" gui=true")
                             .arg(window.engine()->port())
                             .arg(loaded.configPath);
    window.show();
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &window, [&](int signal) {
        qInfo().noquote() << QStringLiteral("at=signal signal=%1 action=shutdown").arg(signal);
        window.close(); // shuts the engine down gracefully
    });
    return app.exec();
}
#endif

} // namespace

int main(int argc, char **argv)
{
#if defined(__GLIBC__)
    // Request bodies of a megabyte or more get pages of their own, given back
    // when freed: glibc's default (a threshold that rises as large blocks are
    // freed) kept a burst of 8 MiB bodies resident long after (tst_abuse).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    qSetMessagePattern(QStringLiteral("time=%{time yyyy-MM-ddThh:mm:ss.zzz} level=%{type} %{message}"));
    defaultCategoryFilter = QLoggingCategory::installFilter(categoryFilter);
    QCoreApplication::setApplicationName(QStringLiteral("l2met"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("l2met.github.io"));
    QCoreApplication::setApplicationVersion(QStringLiteral(L2MET_VERSION));

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const LoadResult loaded = ConfigLoader::load(arguments, env);
    if (loaded.exitNow) {
        printLine(stdout, loaded.output);
        return 0;
    }
    if (loaded.config)
        raiseFileLimit(loaded.config->maxConnections);
    if (!loaded.config) {
        printLine(stderr, QStringLiteral("l2met: %1").arg(loaded.error));
        return 2;
    }
    for (const QString &warning : loaded.warnings)
        qWarning().noquote() << QStringLiteral("at=config warning=\"%1\"").arg(warning);
    if (!loaded.signRequest.isEmpty())
        return sign(loaded);
    if (loaded.generatedSecret)
        qInfo().noquote() << QStringLiteral("at=config.secret generated=true file=\"%1\"").arg(loaded.configPath);
    if (!loaded.config->verbose)
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false"));

#ifdef L2MET_HAVE_GUI
    if (!loaded.config->noGui) {
        if (haveDisplay(env))
            return runDesktop(argc, argv, loaded);
        printLine(stderr, QStringLiteral("l2met: no display (DISPLAY and WAYLAND_DISPLAY are unset): "
                                         "running headless, as with --no-gui"));
    }
#else
    Q_UNUSED(haveDisplay);
#endif
    return runHeadless(argc, argv, loaded);
}
