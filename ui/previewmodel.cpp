#include "previewmodel.h"

#include "modelroles.h"
#include "uiformat.h"

#include <QJsonDocument>

namespace l2met {

PreviewModel::PreviewModel(QObject *parent)
    : RingTableModel<PreviewPayload>(parent)
{
}

int PreviewModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QByteArray PreviewModel::rowKey(const PreviewPayload &row) const
{
    return QByteArray::number(row.built.toMSecsSinceEpoch()) + ' ' + QByteArray::number(row.gauges) + ' '
        + QByteArray::number(row.json.size()) + ' ' + row.user;
}

QString PreviewModel::prettyJson(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return QString::fromUtf8(json);
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

QVariant PreviewModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const PreviewPayload &p = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Built:
            return UiFormat::localTime(p.built);
        case User:
            return QString::fromUtf8(p.user);
        case Gauges:
            return UiFormat::count(qint64(p.gauges));
        case Size:
            return UiFormat::bytes(p.json.size());
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case Built:
            return p.built;
        case User:
            return QString::fromUtf8(p.user);
        case Gauges:
            return p.gauges;
        case Size:
            return p.json.size();
        default:
            return {};
        }
    case CopyRole:
        switch (index.column()) {
        case Built:
            return UiFormat::isoTime(p.built);
        case Gauges:
            return QString::number(p.gauges);
        case Size:
            return QString::number(p.json.size());
        default:
            return {};
        }
    case KeyRole:
        return m_keys.value(index.row());
    case Qt::UserRole:
        return p.json;
    case Qt::TextAlignmentRole:
        return index.column() == User ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                      : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant PreviewModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Built:
        return tr("Built");
    case User:
        return tr("Librato user");
    case Gauges:
        return tr("Gauges");
    case Size:
        return tr("Size");
    default:
        return {};
    }
}

void PreviewModel::setSnapshot(const EngineSnapshot &snapshot)
{
    applyRing(snapshot.previews);
}

} // namespace l2met
