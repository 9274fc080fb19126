#include "labelcountmodel.h"

#include "modelroles.h"
#include "uiformat.h"

#include <algorithm>

namespace l2met {

LabelCountModel::LabelCountModel(const MetricInfo &metric, QByteArray label, QString labelTitle, QObject *parent)
    : QAbstractTableModel(parent)
    , m_metric(metric.name.toByteArray())
    , m_label(std::move(label))
    , m_labelTitle(std::move(labelTitle))
{
}

void LabelCountModel::setDescriber(std::function<QString(const QString &)> describe)
{
    beginResetModel();
    m_describe = std::move(describe);
    endResetModel();
}

int LabelCountModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LabelCountModel::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return m_describe ? ColumnCount : Description;
}

QString LabelCountModel::labelValue(const QByteArray &labels, const QByteArray &label)
{
    const QByteArray start = label + "=\"";
    qsizetype i = 0;
    // At the start or after a comma: `a="1",user="x"`.
    for (;;) {
        i = labels.indexOf(start, i);
        if (i < 0)
            return {};
        if (i == 0 || labels.at(i - 1) == ',')
            break;
        i += start.size();
    }
    QByteArray value;
    for (qsizetype j = i + start.size(); j < labels.size(); ++j) {
        const char c = labels.at(j);
        if (c == '"')
            break;
        if (c == '\\' && j + 1 < labels.size()) {
            const char next = labels.at(++j);
            value += next == 'n' ? '\n' : next;
            continue;
        }
        value += c;
    }
    return QString::fromUtf8(value);
}

QVariant LabelCountModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Label:
            return row.value;
        case Count:
            return UiFormat::count(row.count);
        case Description:
            return m_describe ? m_describe(row.value) : QString();
        default:
            return {};
        }
    case SortRole:
        if (index.column() == Count)
            return row.count;
        return data(index, Qt::DisplayRole);
    case CopyRole:
        if (index.column() == Count)
            return QString::number(row.count, 'f', 0);
        return {};
    case KeyRole:
        return row.value.toUtf8();
    case Qt::TextAlignmentRole:
        return index.column() == Count ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                       : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant LabelCountModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Label:
        return m_labelTitle;
    case Count:
        return tr("Count");
    case Description:
        return tr("Meaning");
    default:
        return {};
    }
}

void LabelCountModel::setSnapshot(const EngineSnapshot &snapshot)
{
    QList<Row> rows;
    for (const MetricSample &s : snapshot.metrics) {
        if (s.name != m_metric || s.labels.isEmpty() || s.value <= 0)
            continue;
        const QString value = labelValue(s.labels, m_label);
        if (m_keep && !m_keep(value))
            continue;
        rows.append({ value, s.value });
    }
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.value < b.value; });
    const bool sameValues = rows.size() == m_rows.size()
        && std::equal(rows.cbegin(), rows.cend(), m_rows.cbegin(),
                      [](const Row &a, const Row &b) { return a.value == b.value; });
    if (!sameValues) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, columnCount() - 1));
}

double LabelCountModel::total() const
{
    double sum = 0;
    for (const Row &r : m_rows)
        sum += r.count;
    return sum;
}

double LabelCountModel::count(const QString &value) const
{
    for (const Row &r : m_rows) {
        if (r.value == value)
            return r.count;
    }
    return 0;
}

} // namespace l2met
