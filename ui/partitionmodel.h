// PartitionModel: the Partitions tab's table, one row per store partition:
// who holds its lock (free, this process, another process), the lock's time
// left, buckets ready and waiting, and this process's last scan of it (when,
// how long, buckets taken). From EngineSnapshot::store.partitions, ::scans
// and ::readerOwner.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"

#include <QAbstractTableModel>

#include <vector>

namespace l2met {

class PartitionModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Partition, Lock, LockTtl, Ready, Waiting, LastScan, ScanDuration, Taken, ColumnCount };
    enum class LockState { Free, ThisProcess, OtherOwner };

    explicit PartitionModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    LockState lockState(int row) const;

private:
    struct Row
    {
        PartitionState state;
        PartitionScan scan;
        bool scanned = false; // this process has scanned it (an outlet runs here)
    };
    QVariant raw(const Row &row, int column) const;
    QString display(const Row &row, int column) const;
    QString lockText(const Row &row) const;

    std::vector<Row> m_rows;
    QByteArray m_owner;
};

} // namespace l2met
