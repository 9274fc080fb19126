// SourceModel: the Sources tab's table, one row per place lines come from
// (the HTTP drain, stdin, commands, tailed files, Heroku apps, syslog): its
// state in words, what it read, what became of its lines and when it last
// saw one. From EngineSnapshot::sources. Rows are matched by source id and
// updated in place (gone sources removed, new ones appended), so a selection
// survives every snapshot.
//
// GUI thread only.
#pragma once

#include "source/sourcestatus.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

namespace l2met {

struct EngineSnapshot;

class SourceModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Kind, Name, State, LinesRead, WithMetrics, Malformed, Dropped, LastSeen, LastLine, ColumnCount };

    explicit SourceModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    // now: the snapshot's time ("4 s ago" is counted from it).
    void setSources(const QList<SourceStatus> &sources, const QDateTime &now);

    const SourceStatus &source(int row) const { return m_rows.at(row); }
    int rowOfId(int id) const; // -1 when absent

    // "drain", "stdin", "command", "file", "heroku", "syslog" (translated).
    static QString kindText(SourceKind kind);
    // "running", "failed: heroku CLI not installed", "reconnecting in 4 s".
    static QString stateText(const SourceStatus &status);
    // A source in a few words: "heroku example-app", "file /var/log/app.log".
    static QString describe(SourceKind kind, const QString &name);
    // The drain and stdin cannot be stopped nor removed from the window.
    static bool canRemove(const SourceStatus &status);
    static bool canStop(const SourceStatus &status);

private:
    QList<SourceStatus> m_rows;
    QDateTime m_now;
};

} // namespace l2met
