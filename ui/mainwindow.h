// MainWindow: l2met's desktop window. It owns the Engine (closing the window
// shuts it down gracefully: nothing accepted is lost) and shows the
// snapshots the engine publishes four times a second, in nine tabs
// (Ctrl+1..Ctrl+9): Overview, Sources, Lines, Buckets, Metrics, Partitions,
// Delivery, Problems, Configuration. The Buckets tab's filter and sort go to
// the engine (Engine::setBucketQuery), which applies them to every bucket. Snapshots arrive from the engine's snapshot thread
// through a queued signal; only the newest pending one is applied, so a slow
// frame never builds a backlog. The window never touches worker state.
//
// Applying a configuration restarts the engine: shutdown() (which delivers
// everything the memory store holds), then a new Engine.
//
// Sources: the Sources tab asks, the window calls Engine::addSource /
// stopSource / removeSource; files and Heroku apps added or removed are
// saved to the config file (only those entries change; commands are never
// saved). Lines: line capture (Engine::setLineCapture) is on only while the
// Lines tab is current and the window shown (and not minimised), and is
// re-applied to a restarted engine.
//
// The window's geometry and last tab are kept with QSettings. A FrameMonitor
// measures the GUI thread's responsiveness (frameStats()).
//
// GUI thread only.
#pragma once

#include "config/config.h"
#include "framemonitor.h"
#include "ratetracker.h"
#include "source/sourcestatus.h"

#include <QHash>
#include <QMainWindow>

#include <memory>

class QLabel;
class QTabWidget;

namespace l2met {

class Engine;
struct BucketSummary;
struct EngineSnapshot;
class OverviewTab;
class SourcesTab;
class LinesTab;
class BucketsTab;
class MetricsTab;
class PartitionsTab;
class DeliveryTab;
class ProblemsTab;
class ConfigTab;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum Tab {
        OverviewPage,
        SourcesPage,
        LinesPage,
        BucketsPage,
        MetricsPage,
        PartitionsPage,
        DeliveryPage,
        ProblemsPage,
        ConfigurationPage,
        TabCount
    };

    MainWindow(Config config, QString configPath, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts the engine with the window's config; false and *error (one line)
    // when it cannot.
    bool startEngine(QString *error);
    Engine *engine() const { return m_engine.get(); }
    const Config &config() const { return m_config; }
    QString configPath() const { return m_configPath; }

    // Restarts the engine with config (the running one is shut down first).
    // When the new one cannot start, the previous config is started again
    // and *error says why.
    bool applyConfig(const Config &config, QString *error);

    // GUI thread responsiveness over the last minute.
    FrameMonitor::Stats frameStats() const { return m_frames->stats(); }
    std::shared_ptr<const EngineSnapshot> lastSnapshot() const { return m_lastSnapshot; }

    QTabWidget *tabs() const { return m_tabs; }
    OverviewTab *overviewTab() const { return m_overview; }
    SourcesTab *sourcesTab() const { return m_sources; }
    LinesTab *linesTab() const { return m_lines; }
    BucketsTab *bucketsTab() const { return m_buckets; }
    MetricsTab *metricsTab() const { return m_metrics; }
    PartitionsTab *partitionsTab() const { return m_partitions; }
    DeliveryTab *deliveryTab() const { return m_delivery; }
    ProblemsTab *problemsTab() const { return m_problems; }
    ConfigTab *configTab() const { return m_configTab; }

    // Applies a snapshot to every view now (tests feed hand-made ones).
    void applySnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot);

    // Adds a source to the running engine (its id; 0 and *error when it
    // cannot) and saves a file or Heroku app to the config file.
    int addSource(const SourceSpec &spec, QString *error);
    void stopSource(int id);
    // Removes a source, and its file or Heroku app from the config file.
    void removeSource(int id);
    // Is the engine capturing lines for the Lines tab (as the window asked)?
    bool lineCaptureOn() const;
    // Shows the bucket in the Buckets tab (or its metric's other windows).
    void openBucket(const BucketSummary &bucket);

Q_SIGNALS:
    void snapshotApplied();
    void engineRestarted();
    // A file or Heroku app was added or removed: config() changed, and the
    // config file too unless writing it failed (the Sources tab says so).
    void sourcesSaved(const l2met::Config &config);

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void buildMenus();
    void onSnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot);
    void applyPending();
    void stopEngine();
    void showDrainHelper();
    void updateTitle();
    void restoreSettings();
    void saveSettings() const;
    void updateLineCapture();
    bool saveSourceChange(const SourceSpec &spec, bool added, QString *error);

    Config m_config;
    QString m_configPath;
    std::unique_ptr<Engine> m_engine;
    QHash<int, SourceSpec> m_addedSpecs; // sources added in this run, by id
    quint64 m_generation = 0; // snapshots of a replaced engine are ignored
    std::shared_ptr<const EngineSnapshot> m_pending;
    std::shared_ptr<const EngineSnapshot> m_lastSnapshot;
    bool m_applyScheduled = false;

    RateTracker m_rates;
    FrameMonitor *m_frames;
    QTabWidget *m_tabs;
    OverviewTab *m_overview;
    SourcesTab *m_sources;
    LinesTab *m_lines;
    BucketsTab *m_buckets;
    MetricsTab *m_metrics;
    PartitionsTab *m_partitions;
    DeliveryTab *m_delivery;
    ProblemsTab *m_problems;
    ConfigTab *m_configTab;
    QLabel *m_status;
};

} // namespace l2met
