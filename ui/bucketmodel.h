// BucketModel: the Buckets tab's table, one row per bucket (a metric's time
// window) the engine holds in its register or store, from
// EngineSnapshot::buckets. Updates are incremental: rows of buckets that are
// gone are removed, rows of new buckets appended, the others changed in
// place, so selections and the sort survive; after a large turnover it
// resets (views restore their selection through rowOf()). Matching uses
// allocation-free keys (BucketRef), so 5,000 buckets cost about a millisecond.
// The statistics columns end with one column per configured percentile
// (EngineSnapshot::percentiles, titled by gauge suffix: median, perc95,
// perc99_9), then Last and Ready in; a snapshot with other percentiles
// resets the model.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"
#include "metricid.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>

#include <vector>

namespace l2met {

class BucketModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        User,
        Name,
        Source,
        Type,
        Units,
        Window,
        Resolution,
        Count,
        Sum,
        Min,
        Max,
        FirstPercentile, // then one column per percentile, Last, Ready in
    };
    // What a column shows: a Column up to Max, else one of these.
    enum class Kind { Fixed, Percentile, Last, ReadyIn, None };

    explicit BucketModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);

    const Percentiles &percentiles() const { return m_percentiles; }
    int percentileColumn(int i) const { return FirstPercentile + i; }
    int lastColumn() const { return FirstPercentile + m_percentiles.size(); }
    int readyInColumn() const { return lastColumn() + 1; }
    // The kind of column; *percentile is set for Kind::Percentile.
    Kind kind(int column, int *percentile = nullptr) const;

    const BucketSummary &bucket(int row) const { return m_rows[size_t(row)].bucket; }
    // The row of the bucket with id's identity (metric and window); -1.
    int rowOf(const BucketSummary &id) const;
    // The row whose key() is key; -1. Linear: for tests and rare look-ups.
    int rowOfKey(const QByteArray &key) const;
    // Seconds from the snapshot until the bucket's window ends (<= 0: due).
    qint64 readyIn(int row) const;
    // Model resets so far (large turnovers), for tests and diagnostics.
    int resets() const { return m_resets; }

    // One bucket (the metric and its window) as bytes, for KeyRole.
    static QByteArray key(const BucketSummary &b);
    static QString userText(const QByteArray &user);

private:
    struct Row
    {
        BucketSummary bucket;
        size_t hash = 0; // BucketRef::hashOf(bucket)
    };
    QVariant raw(const Row &row, int column) const;
    QString display(const Row &row, int column) const;
    void reindex();

    std::vector<Row> m_rows;
    QHash<BucketRef, int> m_index; // points into m_rows: rebuilt after every change
    Percentiles m_percentiles = Percentiles::defaults();
    qint64 m_nowSecs = 0;
    int m_resets = 0;
};

} // namespace l2met
