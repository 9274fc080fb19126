#include "deliverymodel.h"

#include "modelroles.h"
#include "uiformat.h"

#include <algorithm>

namespace l2met {

DeliveryModel::DeliveryModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int DeliveryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DeliveryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DeliveryModel::raw(const DeliveryStats &s, int column) const
{
    switch (column) {
    case User:
        return QString::fromUtf8(s.user);
    case BatchesSent:
        return s.batchesSent;
    case BatchesFailed:
        return s.batchesFailed;
    case GaugesDelivered:
        return s.gaugesDelivered;
    case GaugesRetriedDelivered:
        return s.gaugesRetriedDelivered;
    case GaugesFailed:
        return s.gaugesFailed;
    case Retries:
        return s.retries;
    case LastStatus:
        return s.lastStatus;
    case LastError:
        return s.lastError;
    case LastLatency:
        return s.lastLatencyMs;
    case LastAttempt:
        return s.lastAttempt;
    default:
        return {};
    }
}

QString DeliveryModel::display(const DeliveryStats &s, int column) const
{
    switch (column) {
    case BatchesSent:
    case BatchesFailed:
    case GaugesDelivered:
    case GaugesRetriedDelivered:
    case GaugesFailed:
    case Retries:
        return UiFormat::count(raw(s, column).toULongLong());
    case LastStatus:
        return s.lastStatus ? QString::number(s.lastStatus) : (s.lastAttempt.isValid() ? tr("no answer") : QString());
    case LastLatency:
        return s.lastAttempt.isValid() ? UiFormat::millis(double(s.lastLatencyMs)) : QString();
    case LastAttempt:
        return UiFormat::localTime(s.lastAttempt);
    default:
        return raw(s, column).toString();
    }
}

QVariant DeliveryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const DeliveryStats &s = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(s, column);
    case SortRole:
        return raw(s, column);
    case CopyRole:
        if (column == LastAttempt)
            return UiFormat::isoTime(s.lastAttempt);
        return raw(s, column).toString();
    case KeyRole:
        return s.user;
    case Qt::TextAlignmentRole:
        if (column == User || column == LastError)
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == LastError && !s.lastError.isEmpty())
            return s.lastError;
        return {};
    default:
        return {};
    }
}

QVariant DeliveryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case GaugesDelivered:
            return tr("Gauges Librato accepted at the first attempt");
        case GaugesRetriedDelivered:
            return tr("Gauges Librato accepted after one or more retries");
        case GaugesFailed:
            return tr("Gauges dropped after a permanent error or exhausted retries");
        case Retries:
            return tr("Requests that were retries");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case User:
        return tr("Librato user");
    case BatchesSent:
        return tr("Batches sent");
    case BatchesFailed:
        return tr("Batches failed");
    case GaugesDelivered:
        return tr("Gauges delivered");
    case GaugesRetriedDelivered:
        return tr("Delivered after retry");
    case GaugesFailed:
        return tr("Gauges failed");
    case Retries:
        return tr("Retries");
    case LastStatus:
        return tr("Last status");
    case LastError:
        return tr("Last error");
    case LastLatency:
        return tr("Last latency");
    case LastAttempt:
        return tr("Last attempt");
    default:
        return {};
    }
}

void DeliveryModel::setSnapshot(const EngineSnapshot &snapshot)
{
    QList<DeliveryStats> rows = snapshot.delivery;
    std::sort(rows.begin(), rows.end(),
              [](const DeliveryStats &a, const DeliveryStats &b) { return a.user < b.user; });
    const bool sameUsers = rows.size() == m_rows.size()
        && std::equal(rows.cbegin(), rows.cend(), m_rows.cbegin(),
                      [](const DeliveryStats &a, const DeliveryStats &b) { return a.user == b.user; });
    if (!sameUsers) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

} // namespace l2met
