// MetricsTab: the engine's buckets grouped by metric name pattern
// (MetricsModel, sorted by streams, descending), each pattern expandable to
// its names, and per Librato user (MetricUserModel). A banner names the
// patterns flagged for ids in metric names (MetricSummary::kIdPatternNames
// or more names that differ only by a number) and says what they cost;
// selecting a pattern expands it and explains it below the tree.
//
// GUI thread only.
#pragma once

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTreeView;

namespace l2met {

struct EngineSnapshot;
class MetricsModel;
class MetricUserModel;
class CopyableTableView;

class MetricsTab : public QWidget
{
    Q_OBJECT

public:
    explicit MetricsTab(QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);

    MetricsModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    MetricUserModel *userModel() const { return m_users; }
    QTreeView *view() const { return m_view; }
    CopyableTableView *userView() const { return m_userView; }
    QString bannerText() const;
    bool bannerVisible() const;
    QString summaryText() const;
    QString detailText() const;

private:
    void onCurrentChanged();

    MetricsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    MetricUserModel *m_users;
    QTreeView *m_view;
    CopyableTableView *m_userView;
    QLabel *m_banner;
    QLabel *m_summary;
    QLabel *m_detail;
};

} // namespace l2met
