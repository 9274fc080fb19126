#include "mainwindow.h"

#include "bucketmodel.h"
#include "bucketstab.h"
#include "configform.h"
#include "configtab.h"
#include "deliverytab.h"
#include "drainhelper.h"
#include "engine/engine.h"
#include "linemodel.h"
#include "linestab.h"
#include "metricid.h"
#include "metricstab.h"
#include "overviewtab.h"
#include "partitionstab.h"
#include "problemstab.h"
#include "sourcemodel.h"
#include "sourcestab.h"
#include "uiformat.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
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

// Object names of the pages, in tab order (the saved tab is one of them).
constexpr const char *kPageNames[] = { "overview", "sources",  "lines",    "buckets",      "metrics",
                                       "partitions", "delivery", "problems", "configuration" };
static_assert(std::size(kPageNames) == MainWindow::TabCount);

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
    , m_sources(new SourcesTab(m_configPath))
    , m_lines(new LinesTab)
    , m_buckets(new BucketsTab)
    , m_metrics(new MetricsTab)
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
    m_tabs->addTab(m_sources, tr("&Sources"));
    m_tabs->addTab(m_lines, tr("&Lines"));
    m_tabs->addTab(m_buckets, tr("&Buckets"));
    m_tabs->addTab(m_metrics, tr("&Metrics"));
    m_tabs->addTab(m_partitions, tr("&Partitions"));
    m_tabs->addTab(m_delivery, tr("&Delivery"));
    m_tabs->addTab(m_problems, tr("P&roblems"));
    m_tabs->addTab(m_configTab, tr("&Configuration"));
    for (int i = 0; i < TabCount; ++i) {
        m_tabs->setTabToolTip(i, tr("Ctrl+%1").arg(i + 1));
        m_tabs->widget(i)->setObjectName(QLatin1String(kPageNames[i]));
    }
    setCentralWidget(m_tabs);

    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addPermanentWidget(m_status);
    buildMenus();

    connect(m_configTab, &ConfigTab::applyRequested, this, [this](const Config &c) {
        QString error;
        applyConfig(c, &error);
    });
    connect(m_overview, &OverviewTab::drainHelperRequested, this, &MainWindow::showDrainHelper);
    connect(m_sources, &SourcesTab::addRequested, this, [this](const SourceSpec &spec) {
        QString error;
        addSource(spec, &error);
    });
    connect(m_sources, &SourcesTab::stopRequested, this, &MainWindow::stopSource);
    connect(m_sources, &SourcesTab::removeRequested, this, &MainWindow::removeSource);
    connect(m_lines, &LinesTab::openBucketRequested, this, &MainWindow::openBucket);
    connect(m_buckets, &BucketsTab::queryChanged, this, [this](const BucketQuery &query) {
        if (m_engine)
            m_engine->setBucketQuery(query);
    });
    connect(m_lines, &LinesTab::captureChanged, this, [this](bool on) {
        if (m_engine)
            m_engine->setLineCapture(on);
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateLineCapture);

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
    // With the window open the workers (parsers and the HTTP thread) yield
    // to the GUI thread under saturation: the window stays responsive while
    // ingest runs flat out, and idle cores still go to parsing.
    m_addedSpecs.clear(); // ids are per engine run
    m_engine = std::make_unique<Engine>(m_config);
    m_engine->setWorkerNice(5);
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
    m_engine->setLineCapture(m_lines->captureActive());
    m_engine->setBucketQuery(m_buckets->query());
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
    // A snapshot replaced before it was applied still brings its lines (the
    // model takes only those it has not seen).
    if (m_pending && !m_pending->lines.isEmpty())
        m_lines->model()->setSnapshot(*m_pending);
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
    m_sources->setSnapshot(s);
    m_lines->setSnapshot(s);
    m_buckets->setSnapshot(s);
    m_metrics->setSnapshot(s);
    m_partitions->setSnapshot(s);
    m_delivery->setSnapshot(s);
    m_problems->setSnapshot(s);
    m_status->setText(tr("%1 store%2 · %3 bucket(s) · updated %4")
                          .arg(s.storeKind,
                               s.storeHealthy ? QString() : tr(" (unreachable)"),
                               UiFormat::count(s.bucketsTotal),
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
    // By page name: adding a tab does not move the saved one (window/tab
    // was the index among the six tabs of l2met before Sources and Lines).
    QString page = settings.value(QStringLiteral("window/page")).toString();
    if (page.isEmpty()) {
        constexpr const char *kOldPages[] = { "overview", "buckets", "partitions", "delivery", "problems", "configuration" };
        const int old = settings.value(QStringLiteral("window/tab"), 0).toInt();
        page = QLatin1String(kOldPages[old >= 0 && old < int(std::size(kOldPages)) ? old : 0]);
    }
    // Started on an app's output (--stdin, -- CMD, --tail...): the Lines
    // tab answers the first question, what did my lines become.
    const bool localSources = m_config.readStdin || !m_config.command.isEmpty()
        || !m_config.tailFiles.isEmpty() || !m_config.herokuApps.isEmpty()
        || !m_config.syslogAddress.isEmpty();
    if (localSources)
        page = m_lines->objectName();
    int tab = 0;
    for (int i = 0; i < TabCount; ++i) {
        if (m_tabs->widget(i)->objectName() == page)
            tab = i;
    }
    m_tabs->setCurrentIndex(tab);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/page"), m_tabs->currentWidget()->objectName());
}

void MainWindow::changeEvent(QEvent *event)
{
    // No frames to measure while minimised: no 16 ms wake-ups either.
    if (event->type() == QEvent::WindowStateChange) {
        if (isMinimized())
            m_frames->stop();
        else if (isVisible())
            m_frames->start();
        updateLineCapture();
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    updateLineCapture();
}

void MainWindow::hideEvent(QHideEvent *event)
{
    QMainWindow::hideEvent(event);
    updateLineCapture();
}

void MainWindow::updateLineCapture()
{
    // Capture costs the parsers something: only while someone can see it.
    m_lines->setCaptureActive(m_tabs->currentWidget() == m_lines && isVisible() && !isMinimized());
}

bool MainWindow::lineCaptureOn() const
{
    return m_lines->captureActive();
}

int MainWindow::addSource(const SourceSpec &spec, QString *error)
{
    int id = 0;
    if (!m_engine || !m_engine->isRunning())
        *error = tr("the engine is not running");
    else
        id = m_engine->addSource(spec, error);
    QString saveError;
    if (id != 0) {
        m_addedSpecs.insert(id, spec);
        saveSourceChange(spec, true, &saveError);
    }
    m_sources->reportAdded(spec, id, *error, saveError);
    return id;
}

void MainWindow::stopSource(int id)
{
    if (!m_engine)
        return;
    m_engine->stopSource(id);
    m_sources->reportStopped(id);
}

void MainWindow::removeSource(int id)
{
    if (!m_engine)
        return;
    const int row = m_sources->model()->rowOfId(id);
    const SourceStatus status = row >= 0 ? m_sources->model()->source(row) : SourceStatus();
    m_engine->removeSource(id);
    if (row < 0)
        return;
    // What was asked for (the config file's words), else what the engine says.
    SourceSpec spec = status.spec.target.isEmpty() ? SourceSpec { status.kind, status.name, false } : status.spec;
    if (m_addedSpecs.contains(id))
        spec = m_addedSpecs.take(id);
    QString saveError;
    saveSourceChange(spec, false, &saveError);
    m_sources->reportRemoved(status, saveError);
}

bool MainWindow::saveSourceChange(const SourceSpec &spec, bool added, QString *error)
{
    QString formError;
    const bool formUnedited = m_configTab->form()->candidate(&formError) == m_config && formError.isEmpty();
    const Config before = m_config;
    const bool saved = SourcesTab::saveChange(spec, added, &m_config, m_configPath, error);
    if (m_config == before)
        return saved;
    // An unedited Configuration tab follows (else Apply would drop the source).
    if (formUnedited)
        m_configTab->setRunningConfig(m_config);
    Q_EMIT sourcesSaved(m_config);
    return saved;
}

void MainWindow::openBucket(const BucketSummary &bucket)
{
    m_tabs->setCurrentWidget(m_buckets);
    if (m_buckets->selectBucket(bucket))
        return;
    // Hidden by the filter, or delivered already: show the metric's windows
    // and select the newest one left.
    m_buckets->filterEdit()->setText(QString::fromUtf8(bucket.name));
    if (m_buckets->selectBucket(bucket))
        return;
    const BucketModel *model = m_buckets->model();
    const MetricId metric = MetricId::of(bucket);
    int best = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        const BucketSummary &b = model->bucket(row);
        if (b.name == bucket.name && MetricId::of(b) == metric && (best < 0 || b.time > model->bucket(best).time))
            best = row;
    }
    if (best >= 0 && m_buckets->selectBucket(model->bucket(best))) {
        statusBar()->showMessage(tr("That window of %1 was delivered already; showing its newest one")
                                     .arg(QString::fromUtf8(bucket.name)),
                                 5000);
    } else {
        // The engine filters for it from the next snapshot on: selected
        // then, if it is still held.
        m_buckets->selectWhenShown(bucket);
        statusBar()->showMessage(tr("Looking for %1 among every bucket held…").arg(QString::fromUtf8(bucket.name)),
                                 5000);
    }
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
