#include "partitionmodel.h"

#include "modelroles.h"
#include "uiformat.h"

#include <map>

namespace l2met {

PartitionModel::PartitionModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int PartitionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PartitionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

PartitionModel::LockState PartitionModel::lockState(int row) const
{
    const QByteArray &owner = m_rows[size_t(row)].state.lockOwner;
    if (owner.isEmpty())
        return LockState::Free;
    return !m_owner.isEmpty() && owner == m_owner ? LockState::ThisProcess : LockState::OtherOwner;
}

QString PartitionModel::lockText(const Row &row) const
{
    const QByteArray &owner = row.state.lockOwner;
    if (owner.isEmpty())
        return tr("free");
    if (!m_owner.isEmpty() && owner == m_owner)
        return tr("held by this process");
    return tr("held by %1").arg(QString::fromUtf8(owner));
}

QVariant PartitionModel::raw(const Row &row, int column) const
{
    switch (column) {
    case Partition:
        return row.state.partition;
    case Lock:
        return lockText(row);
    case LockTtl:
        return row.state.lockOwner.isEmpty() ? qint64(-1) : row.state.lockTtlMs;
    case Ready:
        return row.state.readyBuckets;
    case Waiting:
        return row.state.waitingBuckets;
    case LastScan:
        return row.scan.lastScan;
    case ScanDuration:
        return row.scanned && row.scan.lastScan.isValid() ? row.scan.lastScanMicros : qint64(-1);
    case Taken:
        return row.scanned && row.scan.lastScan.isValid() ? row.scan.lastTaken : qint64(-1);
    default:
        return {};
    }
}

QString PartitionModel::display(const Row &row, int column) const
{
    switch (column) {
    case LockTtl:
        return row.state.lockOwner.isEmpty() ? QString() : UiFormat::millis(double(row.state.lockTtlMs));
    case Ready:
    case Waiting:
        return UiFormat::count(raw(row, column).toLongLong());
    case LastScan:
        if (!row.scanned)
            return tr("no outlet in this process");
        return row.scan.lastScan.isValid() ? UiFormat::localTime(row.scan.lastScan) : tr("not yet");
    case ScanDuration:
        return row.scanned && row.scan.lastScan.isValid()
            ? UiFormat::micros(row.scan.lastScanMicros)
            : QString();
    case Taken:
        if (!row.scanned || !row.scan.lastScan.isValid())
            return {};
        if (!row.scan.lastLocked)
            return tr("lock busy");
        return UiFormat::count(row.scan.lastTaken);
    default:
        return raw(row, column).toString();
    }
}

QVariant PartitionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case SortRole:
        return raw(row, column);
    case CopyRole:
        if (column == LastScan)
            return UiFormat::isoTime(row.scan.lastScan);
        if (column == Lock)
            return row.state.lockOwner.isEmpty() ? QString() : QString::fromUtf8(row.state.lockOwner);
        if (column == Partition || column == Ready || column == Waiting)
            return raw(row, column).toString();
        if (column == LockTtl)
            return row.state.lockOwner.isEmpty() ? QString() : QString::number(row.state.lockTtlMs);
        return display(row, column);
    case KeyRole:
        return QByteArray::number(row.state.partition);
    case Qt::TextAlignmentRole:
        if (column == Lock)
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == Lock && !row.state.lockOwner.isEmpty())
            return tr("Lock owner: %1").arg(QString::fromUtf8(row.state.lockOwner));
        if (column == Taken && row.scanned && !row.scan.lastLocked)
            return tr("At the last scan another process held the lock; it reads this partition");
        return {};
    default:
        return {};
    }
}

QVariant PartitionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Partition:
        return tr("Partition");
    case Lock:
        return tr("Lock");
    case LockTtl:
        return tr("Lock TTL left");
    case Ready:
        return tr("Ready buckets");
    case Waiting:
        return tr("Waiting buckets");
    case LastScan:
        return tr("Last scan");
    case ScanDuration:
        return tr("Scan took");
    case Taken:
        return tr("Taken at last scan");
    default:
        return {};
    }
}

void PartitionModel::setSnapshot(const EngineSnapshot &snapshot)
{
    m_owner = snapshot.readerOwner;
    std::map<int, Row> byPartition;
    for (const PartitionState &state : snapshot.store.partitions)
        byPartition[state.partition].state = state;
    for (const PartitionScan &scan : snapshot.scans) {
        Row &row = byPartition[scan.partition];
        row.state.partition = scan.partition;
        row.scan = scan;
        row.scanned = true;
    }
    const bool outletHere = snapshot.outletRunning || !snapshot.readerOwner.isEmpty();
    std::vector<Row> rows;
    rows.reserve(byPartition.size());
    for (auto &[partition, row] : byPartition) {
        row.scanned = row.scanned || outletHere;
        rows.push_back(row);
    }
    if (rows.size() != m_rows.size()) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

} // namespace l2met
