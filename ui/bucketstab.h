// BucketsTab: the live table of buckets (BucketModel behind a
// BucketFilterProxy: sortable, filtered by a user/name/source substring)
// and, for the selected row, a chart of that metric over its recent windows
// (BucketHistory): mean, p95 and p99 (or the sum of a counter, the last value
// of a sample) and the count. The selection follows the metric: when the
// selected window is delivered and leaves the table, the metric's newest
// window is selected.
//
// The engine filters and sorts: the tab's filter text and sort column make
// a BucketQuery (queryChanged; the window hands it to
// Engine::setBucketQuery), and each snapshot holds the first
// EngineSnapshot::kMaxBuckets matches of every bucket held. The count says
// "N of M matching (T buckets)".
//
// GUI thread only.
#pragma once

#include "bucket/bucketid.h"
#include "buckethistory.h"
#include "engine/enginesnapshot.h"

#include <array>

#include <QWidget>

class QLabel;
class QLineEdit;
class QModelIndex;

namespace l2met {

struct EngineSnapshot;
class BucketModel;
class BucketFilterProxy;
class CopyableTableView;
class TimeChart;

class BucketsTab : public QWidget
{
    Q_OBJECT

public:
    explicit BucketsTab(QWidget *parent = nullptr);
    ~BucketsTab() override;

    void setSnapshot(const EngineSnapshot &snapshot);

    BucketModel *model() const { return m_model; }
    BucketFilterProxy *proxy() const { return m_proxy; }
    CopyableTableView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    TimeChart *chart() const { return m_chart; }
    const BucketHistory &history() const { return m_history; }
    // Selects the row of a bucket (its identity: metric and window); false
    // if absent.
    bool selectBucket(const BucketSummary &id);
    bool selectKey(const QByteArray &key); // BucketModel::key
    // The charted metric (null when none).
    MetricId selectedMetric() const { return m_hasSelected ? MetricId::of(m_selected) : MetricId(); }
    // Selects the bucket when a later snapshot brings it (the engine is
    // filtering for it), unless the user selects something else first.
    void selectWhenShown(const BucketSummary &id);

    // The filter and sort the engine should apply (from the filter text and
    // the view's sort column).
    BucketQuery query() const;
    QString countText() const;

Q_SIGNALS:
    void queryChanged(const l2met::BucketQuery &query);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void onSelectionChanged();
    void followSelection();
    void refreshChart();
    void updateCount();
    void sizeStatisticsColumns();

    BucketModel *m_model;
    BucketFilterProxy *m_proxy;
    CopyableTableView *m_view;
    QLineEdit *m_filter;
    QLabel *m_count;
    TimeChart *m_chart;
    QLabel *m_chartHint;
    BucketHistory m_history;
    BucketSummary m_selected; // the selected bucket's identity (metric and window)
    bool m_hasSelected = false;
    bool m_restoring = false;
    int m_meanSeries = 0;
    // One per possible percentile; those of the model's Percentiles shown.
    std::array<int, Percentiles::kMax> m_percentileSeries {};
    int m_countSeries = 0;
    // From the last snapshot: what the engine matched, of how many.
    BucketQuery m_snapshotQuery;
    qint64 m_matched = 0;
    qint64 m_total = 0;
    bool m_sampled = false;
    bool m_haveSnapshot = false;
};

} // namespace l2met
