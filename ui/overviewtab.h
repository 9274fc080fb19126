// OverviewTab: the first tab, what an operator glances at: ingest rates
// (lines/s, requests/s from successive snapshots), buckets in the register
// and the store, gauges delivered / retried / failed, error counts, the
// health of receiver, outlet and store, the drain URL(s) to give
// `heroku drains:add`, the preview-mode banner, the GUI's own frame times,
// and live charts of the last five minutes (refreshed on a timer while the
// tab is visible).
//
// GUI thread only.
#pragma once

#include <QHash>
#include <QTimer>
#include <QWidget>

class QFormLayout;
class QGroupBox;
class QLabel;
class QVBoxLayout;

namespace l2met {

struct EngineSnapshot;
struct MetricInfo;
class FrameMonitor;
class RateTracker;
class TimeChart;

class OverviewTab : public QWidget
{
    Q_OBJECT

public:
    OverviewTab(const RateTracker *rates, const FrameMonitor *frames, QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    // Where the engine listens (bind address of the config, actual port).
    void setEndpoint(const QString &bind, quint16 port);
    QStringList drainUrls() const { return m_urls; }
    // The text of a value label, by its key (e.g. "lines_per_second"; a
    // counter shown as it is: its metric's name), for tests.
    QString valueText(const QString &key) const;
    // The engine's metrics the tab reads (RateTracker's besides).
    static QList<const MetricInfo *> metricsRead();
    void refreshCharts();

Q_SIGNALS:
    void drainHelperRequested();

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QLabel *addValue(QFormLayout *form, const QString &key, const QString &label, const QString &tip = {});
    QLabel *valueLabel(const QString &key) const; // null (and an assertion) for a key addValue never made
    void setValue(const QString &key, const QString &text);
    void setHealth(const QString &key, const QString &text, int state); // 1 good, 0 neutral, -1 bad
    void refreshFrameTimes();
    void recolour();

    const RateTracker *m_rates;
    const FrameMonitor *m_frames;
    QLabel *m_banner;
    QHash<QString, QLabel *> m_values;
    QHash<QString, int> m_healthState;
    QVBoxLayout *m_urlRows;
    QStringList m_urls;
    TimeChart *m_linesChart;
    TimeChart *m_gaugesChart;
    int m_linesSeries = 0;
    int m_requestsSeries = 0;
    int m_gaugesSeries = 0;
    QTimer m_chartTimer;
    bool m_preview = false;
};

} // namespace l2met
