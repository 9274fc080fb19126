// ProblemModel: the Problems tab's table of recent problems (newest first):
// malformed and late lines with the reason, logplex drop notices, rejected
// requests with their status. From EngineSnapshot::problems.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"
#include "ringtablemodel.h"

namespace l2met {

class ProblemModel : public RingTableModel<Problem>
{
    Q_OBJECT

public:
    enum Column { Time, Kind, User, Status, Detail, ColumnCount };

    explicit ProblemModel(QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    // A problem kind in words ("value is not a number" for
    // bad_value_not_number); the kind itself when unknown.
    static QString describeKind(const QByteArray &kind);

protected:
    QByteArray rowKey(const Problem &row) const override;
};

} // namespace l2met
