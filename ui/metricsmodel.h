// MetricsModel: the Metrics tab's tree, from EngineSnapshot::metricSummary.
// Top-level rows are name patterns (namePattern: `user.#.latency`), each
// with its top names as children (MetricSummary::kNamesPerPattern at most);
// columns: pattern or name, names, streams, sources, windows, users,
// buckets. A pattern flagged idsInNames carries a warning icon and colour
// and, as its tooltip, explanation(). Updates are incremental by pattern:
// rows that stay are changed in place (children replaced when their names
// change), so expansion and selection survive; views sort through a proxy
// (SortRole: numbers). MetricUserModel is the per-Librato-user table.
//
// GUI thread only.
#pragma once

#include "engine/metricsummary.h"

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QHash>

#include <vector>

namespace l2met {

class MetricsModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { Pattern, Names, Streams, Sources, Windows, Users, Buckets, ColumnCount };

    explicit MetricsModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSummary(const MetricSummary &summary);

    const MetricPattern &pattern(int row) const { return m_rows[size_t(row)]; }
    // The top-level row of a pattern; -1.
    int rowOf(const QByteArray &pattern) const { return m_index.value(pattern, -1); }
    // Resets so far (large turnovers), for tests.
    int resets() const { return m_resets; }

    // What a flagged pattern costs and what to do, for the tooltip and the tab.
    static QString explanation(const MetricPattern &pattern);

private:
    void reindex();

    std::vector<MetricPattern> m_rows;
    QHash<QByteArray, int> m_index;
    int m_resets = 0;
};

class MetricUserModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { User, Names, Patterns, Streams, Buckets, Flagged, ColumnCount };

    explicit MetricUserModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSummary(const MetricSummary &summary);
    const MetricUser &user(int row) const { return m_rows[size_t(row)]; }

private:
    QList<MetricUser> m_rows;
};

} // namespace l2met
