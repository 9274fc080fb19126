// DeliveryTab: delivery to Librato per user (DeliveryModel; never a token)
// and a chart of the mean Librato request latency over the last five
// minutes. In preview mode, instead of the chart: the payloads the outlet
// built (PreviewModel, newest first) and the selected one's JSON,
// pretty-printed, read-only, with a Copy button.
//
// GUI thread only.
#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSplitter;

namespace l2met {

struct EngineSnapshot;
struct MetricInfo;
class CopyableTableView;
class DeliveryModel;
class PreviewModel;
class RateTracker;
class TimeChart;

class DeliveryTab : public QWidget
{
    Q_OBJECT

public:
    explicit DeliveryTab(const RateTracker *rates, QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    void refreshChart();

    DeliveryModel *model() const { return m_model; }
    PreviewModel *previewModel() const { return m_previews; }
    CopyableTableView *view() const { return m_view; }
    CopyableTableView *previewView() const { return m_previewView; }
    // The JSON shown for the selected payload (empty when none).
    QString payloadText() const;
    QByteArray selectedPayload() const { return m_shownJson; }
    // The engine's metrics the tab reads.
    static QList<const MetricInfo *> metricsRead();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showSelectedPayload();

    const RateTracker *m_rates;
    DeliveryModel *m_model;
    PreviewModel *m_previews;
    CopyableTableView *m_view;
    CopyableTableView *m_previewView;
    QLabel *m_summary;
    TimeChart *m_latency;
    int m_latencySeries = 0;
    QWidget *m_previewPanel;
    QPlainTextEdit *m_json;
    QPushButton *m_copy;
    QByteArray m_shownJson;
    QTimer m_chartTimer;
    bool m_preview = false;
};

} // namespace l2met
