#include "mainwindow.h"

#include "bucketstab.h"
#include "configtab.h"
#include "deliverytab.h"
#include "drainhelper.h"
#include "engine/engine.h"
#include "overviewtab.h"
#include "partitionstab.h"
#include "problemstab.h"
#include "uiformat.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QThread>
#include <QElapsedTimer>
#include <QLabel>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

// Resources of a static library are registered explicitly (at global scope).
static void initL2metResources()
{
    Q_INIT_RESOURCE(l2met);
}

Q_LOGGING_CATEGORY(lcUi, "l2met.ui")

namespace l2met {

namespace {

constexpr int kSnapshotIntervalMs = 250;
constexpr int kShutdownTimeoutMs = 30000;

QIcon applicationIcon()
{
    QIcon icon;
    for (const int size : { 16, 32, 48, 64, 128, 256 })
        icon.addFile(QStringLiteral(":/l2met/icons/l2met-%1.png").arg(size), QSize(size, size));
    return icon;
}

} // namespace

MainWindow::MainWindow(Config config, QString configPath, QWidget *parent)
    : QMainWindow(parent)
    , m_config(std::move(config))
    , m_configPath(std::move(configPath))
    , m_frames(new FrameMonitor(this))
    , m_tabs(new QTabWidget(this))
    , m_overview(new OverviewTab(&m_rates, m_frames))
    , m_buckets(new BucketsTab)
    , m_partitions(new PartitionsTab)
    , m_delivery(new DeliveryTab(&m_rates))
    , m_problems(new ProblemsTab)
    , m_configTab(new ConfigTab(m_configPath))
    , m_status(new QLabel(this))
{
    initL2metResources();
    const QIcon icon = applicationIcon();
    setWindowIcon(icon);
    if (QApplication::windowIcon().isNull())
        QApplication::setWindowIcon(icon);

    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_overview, tr("&Overview"));
    m_tabs->addTab(m_buckets, tr("&Buckets"));
    m_tabs->addTab(m_partitions, tr("&Partitions"));
    m_tabs->addTab(m_delivery, tr("&Delivery"));
    m_tabs->addTab(m_problems, tr("P&roblems"));
    m_tabs->addTab(m_configTab, tr("&Configuration"));
    for (int i = 0; i < TabCount; ++i)
        m_tabs->setTabToolTip(i, tr("Ctrl+%1").arg(i + 1));
    setCentralWidget(m_tabs);

    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addPermanentWidget(m_status);
    buildMenus();

    connect(m_configTab, &ConfigTab::applyRequested, this, [this](const Config &c) {
        QString error;
        applyConfig(c, &error);
    });
    connect(m_overview, &OverviewTab::drainHelperRequested, this, &MainWindow::showDrainHelper);

    m_configTab->setRunningConfig(m_config);
    updateTitle();
    restoreSettings();
    m_frames->start();

    // For measuring the window under load without looking at it (-v).
    auto *frameLog = new QTimer(this);
    connect(frameLog, &QTimer::timeout, this, [this] {
        const FrameMonitor::Stats f = m_frames->stats();
        qCDebug(lcUi).noquote() << QStringLiteral("at=ui.frames window_s=60 frame_max_ms=%1 frame_p99_ms=%2 "
                                                  "snapshot_max_ms=%3 snapshot_p99_ms=%4")
                                       .arg(f.frameMaxMs, 0, 'f', 1)
                                       .arg(f.frameP99Ms, 0, 'f', 1)
                                       .arg(f.workMaxMs, 0, 'f', 1)
                                       .arg(f.workP99Ms, 0, 'f', 1);
    });
    frameLog->start(int(FrameMonitor::kWindowMs));
}

MainWindow::~MainWindow()
{
    stopEngine();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *save = file->addAction(tr("&Save configuration"));
    save->setShortcut(QKeySequence::Save);
    connect(save, &QAction::triggered, this, [this] {
        QString error;
        if (!m_configTab->save(&error)) {
            m_tabs->setCurrentWidget(m_configTab);
            statusBar()->showMessage(tr("Not saved: %1").arg(error), 10000);
        } else {
            statusBar()->showMessage(tr("Configuration saved to %1").arg(m_configPath), 5000);
        }
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < TabCount; ++i) {
        QAction *a = view->addAction(m_tabs->tabText(i).remove(u'&'));
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
        addAction(a);
    }
    view->addSeparator();
    QAction *drain = view->addAction(tr("Drain &helper"));
    connect(drain, &QAction::triggered, this, &MainWindow::showDrainHelper);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About l2met"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About l2met"),
                           tr("<h3>l2met %1</h3><p>A Heroku log drain that turns log lines into Librato "
                              "metrics.</p><p>Log lines with <code>measure#</code>, <code>count#</code> and "
                              "<code>sample#</code> become buckets; each bucket is delivered to Librato when "
                              "its time window ends.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

bool MainWindow::startEngine(QString *error)
{
    // With the window open and parser threads left to "one per core", leave
    // a core to the GUI thread, and let parsers yield under saturation: the
    // window must stay responsive while ingest runs flat out.
    Config engineConfig = m_config;
    if (engineConfig.concurrency == 0)
        engineConfig.concurrency = std::max(1, QThread::idealThreadCount() - 1);
    m_engine = std::make_unique<Engine>(engineConfig);
    m_engine->setParserNice(5);
    m_configTab->setEngine(m_engine.get());
    if (!m_engine->start(error)) {
        updateTitle();
        return false;
    }
    const quint64 generation = ++m_generation;
    connect(m_engine.get(), &Engine::snapshotReady, this,
            [this, generation](const std::shared_ptr<const EngineSnapshot> &snapshot) {
                if (generation == m_generation)
                    onSnapshot(snapshot);
            });
    m_engine->publishSnapshots(kSnapshotIntervalMs);
    m_overview->setEndpoint(m_config.bind, m_engine->port());
    m_configTab->setEngine(m_engine.get());
    updateTitle();
    return true;
}

void MainWindow::stopEngine()
{
    if (!m_engine)
        return;
    ++m_generation; // late snapshots of this engine are ignored
    m_pending.reset();
    m_engine->shutdown(kShutdownTimeoutMs);
}

bool MainWindow::applyConfig(const Config &config, QString *error)
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    statusBar()->showMessage(tr("Restarting the engine: delivering what it holds first…"));
    m_configTab->setEngine(nullptr);
    stopEngine();
    m_engine.reset();

    const Config previous = m_config;
    m_config = config;
    QString startError;
    bool ok = startEngine(&startError);
    if (ok) {
        m_configTab->setRunningConfig(m_config);
        m_configTab->showStatus(tr("Engine restarted with these settings at %1.")
                                    .arg(UiFormat::localTime(QDateTime::currentDateTime())),
                                false);
        statusBar()->showMessage(tr("Engine restarted"), 5000);
    } else {
        m_engine.reset();
        m_config = previous;
        QString again;
        if (startEngine(&again)) {
            *error = tr("The engine did not start with these settings (%1); it runs with the previous ones.")
                         .arg(startError);
        } else {
            *error = tr("The engine did not start with these settings (%1), nor with the previous ones (%2).")
                         .arg(startError, again);
        }
        m_configTab->showStatus(*error, true);
        statusBar()->showMessage(*error, 10000);
    }
    QApplication::restoreOverrideCursor();
    Q_EMIT engineRestarted();
    return ok;
}

void MainWindow::onSnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot)
{
    m_pending = snapshot;
    if (m_applyScheduled)
        return;
    m_applyScheduled = true;
    QMetaObject::invokeMethod(this, &MainWindow::applyPending, Qt::QueuedConnection);
}

void MainWindow::applyPending()
{
    m_applyScheduled = false;
    std::shared_ptr<const EngineSnapshot> snapshot = std::move(m_pending);
    m_pending.reset();
    if (snapshot)
        applySnapshot(snapshot);
}

void MainWindow::applySnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot)
{
    QElapsedTimer timer;
    timer.start();
    m_lastSnapshot = snapshot;
    const EngineSnapshot &s = *snapshot;
    m_rates.add(s);
    m_overview->setSnapshot(s);
    m_buckets->setSnapshot(s);
    m_partitions->setSnapshot(s);
    m_delivery->setSnapshot(s);
    m_problems->setSnapshot(s);
    m_status->setText(tr("%1 store%2 · %3 bucket(s) · updated %4")
                          .arg(s.storeKind,
                               s.storeHealthy ? QString() : tr(" (unreachable)"),
                               UiFormat::count(qint64(s.buckets.size())),
                               UiFormat::localTime(s.taken)));
    m_frames->recordWork(timer.nsecsElapsed());
    Q_EMIT snapshotApplied();
}

void MainWindow::showDrainHelper()
{
    m_tabs->setCurrentWidget(m_configTab);
    m_configTab->drainHelper()->focusUser();
}

void MainWindow::updateTitle()
{
    QString title = QStringLiteral("l2met");
    if (m_engine && m_engine->isRunning() && m_engine->port() != 0)
        title += QStringLiteral(" — ") + tr("port %1").arg(m_engine->port());
    if (m_config.preview)
        title += QStringLiteral(" — ") + tr("preview");
    setWindowTitle(title);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    const QByteArray geometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1200, 800);
    const int tab = settings.value(QStringLiteral("window/tab"), 0).toInt();
    m_tabs->setCurrentIndex(tab >= 0 && tab < TabCount ? tab : 0);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
}

void MainWindow::changeEvent(QEvent *event)
{
    // No frames to measure while minimised: no 16 ms wake-ups either.
    if (event->type() == QEvent::WindowStateChange) {
        if (isMinimized())
            m_frames->stop();
        else if (isVisible())
            m_frames->start();
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    statusBar()->showMessage(tr("Shutting down: delivering what the engine holds…"));
    m_status->repaint();
    stopEngine();
    m_frames->stop();
    event->accept();
}

} // namespace l2met
