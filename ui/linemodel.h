// LineModel: the Lines tab's table, the most recent lines newest first, each
// with its source, its outcome in words ("3 metrics", "malformed", "late by
// 190 s") and what it became (its measurements, or why it produced none).
// Fed with the delta of each snapshot (EngineSnapshot::lines) and bounded by
// EngineSnapshot::lineCapacity: new lines are inserted at the top, the
// oldest removed at the bottom, the rows in between (and a selection on
// them) stay put. While paused, new lines are held back (at most a
// capacity's worth) and inserted on resume.
//
// LineFilterProxy: the tab's text and outcome filters over it.
//
// GUI thread only.
#pragma once

#include "metrics/linerecord.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <deque>

namespace l2met {

struct EngineSnapshot;
struct BucketSummary;

class LineModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Source, Outcome, Became, Line, ColumnCount };
    // What a line's outcome amounts to, for the outcome filter.
    enum Flag : quint8 { WithMetrics = 1, WithoutMetrics = 2, Problem = 4 };

    explicit LineModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Source names, capacity, then the snapshot's new lines.
    void setSnapshot(const EngineSnapshot &snapshot);
    void setCapacity(int capacity);
    int capacity() const { return m_capacity; }
    // Names of source ids (kept for lines whose source has gone).
    void setSources(const QList<SourceStatus> &sources);
    // New lines, oldest first.
    // The newest lines, oldest first (a snapshot's lines): those not taken
    // yet (by LineRecord::seq) are added.
    void appendLines(const QList<LineRecord> &newest);
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    int heldBack() const { return int(m_held.size()); }
    void clear();

    const LineRecord &record(int row) const { return m_rows[size_t(row)].record; }
    quint8 flags(int row) const { return m_rows[size_t(row)].flags; }
    // The text the filter matches: source, outcome, what it became, the line.
    QString searchText(int row) const;

    // The bucket of a line's i-th measurement (its metric and window).
    static BucketSummary bucketOf(const LineRecord &record, int measurement = 0);
    static QString outcomeText(const LineRecord &record);
    static quint8 flagsOf(const LineRecord &record);
    // "measure db.latency = 4 ms, count db.queries = 2 · source=web.1 · window 10:15:00",
    // then the reason when something was skipped; or the reason alone (less
    // what the outcome says already).
    static QString becameText(const LineRecord &record);
    static QString measurementText(const LineMeasurementRecord &m);

private:
    struct Row
    {
        LineRecord record;
        QString source;
        QString outcome;
        QString became;
        quint8 flags = 0;
    };
    void insert(const QList<LineRecord> &oldestFirst);
    void trim();

    std::deque<Row> m_rows; // newest first
    QList<LineRecord> m_held; // while paused, oldest first
    QHash<int, QString> m_sourceNames;
    int m_capacity = 10000;
    bool m_paused = false;
    quint64 m_lastSeq = 0; // newest LineRecord::seq taken
};

class LineFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    enum OutcomeFilter { All, WithMetrics, WithoutMetrics, Problems };

    explicit LineFilterProxy(QObject *parent = nullptr);

    // Words that must all appear (case-insensitive) in the line, what it
    // became, its outcome or its source.
    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }
    void setOutcomeFilter(OutcomeFilter filter);
    OutcomeFilter outcomeFilter() const { return m_outcome; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QStringList m_words;
    OutcomeFilter m_outcome = All;
};

} // namespace l2met
