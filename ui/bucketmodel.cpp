#include "bucketmodel.h"

#include "modelroles.h"
#include "uiformat.h"

#include <algorithm>

namespace l2met {

namespace {

// More separate removals than this in one update and a reset is cheaper
// for the views than that many row-removal signals.
constexpr int kMaxRemovalRanges = 32;

void appendField(QByteArray &key, const QByteArray &field)
{
    key += QByteArray::number(field.size());
    key += ':';
    key += field;
}

} // namespace

BucketModel::BucketModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int BucketModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BucketModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QByteArray BucketModel::metricKey(const BucketSummary &b)
{
    QByteArray key;
    key.reserve(b.user.size() + b.name.size() + b.source.size() + b.units.size() + 32);
    appendField(key, b.user);
    appendField(key, b.name);
    appendField(key, b.source);
    appendField(key, b.units);
    key += char('0' + int(b.type));
    key += QByteArray::number(b.resolution);
    return key;
}

QByteArray BucketModel::key(const BucketSummary &b)
{
    return metricKey(b) + '@' + QByteArray::number(b.time);
}

QString BucketModel::userText(const QByteArray &user)
{
    return user.isEmpty() ? tr("(token no longer verifies)") : QString::fromUtf8(user);
}

qint64 BucketModel::readyIn(int row) const
{
    const BucketSummary &b = m_rows[size_t(row)].bucket;
    return b.time + b.resolution - m_nowSecs;
}

QVariant BucketModel::raw(const Row &row, int column) const
{
    const BucketSummary &b = row.bucket;
    switch (column) {
    case User:
        return userText(b.user);
    case Name:
        return QString::fromUtf8(b.name);
    case Source:
        return QString::fromUtf8(b.source);
    case Type:
        return QString::fromLatin1(bucketTypeName(b.type));
    case Units:
        return QString::fromUtf8(b.units);
    case Window:
        return b.time;
    case Resolution:
        return b.resolution;
    case Count:
        return b.stats.count;
    case Sum:
        return b.stats.sum;
    case Min:
        return b.stats.min;
    case Max:
        return b.stats.max;
    case Median:
        return b.stats.median;
    case P95:
        return b.stats.perc95;
    case P99:
        return b.stats.perc99;
    case Last:
        return b.stats.last;
    case ReadyIn:
        return b.time + b.resolution - m_nowSecs;
    default:
        return {};
    }
}

QString BucketModel::display(const Row &row, int column) const
{
    const BucketSummary &b = row.bucket;
    switch (column) {
    case Window:
        return UiFormat::localTime(b.time);
    case Resolution:
        return UiFormat::seconds(b.resolution);
    case Count:
        return UiFormat::count(b.stats.count);
    case ReadyIn: {
        const qint64 s = b.time + b.resolution - m_nowSecs;
        return s > 0 ? UiFormat::seconds(s) : tr("due");
    }
    case Sum:
    case Min:
    case Max:
    case Median:
    case P95:
    case P99:
    case Last:
        return UiFormat::number(raw(row, column).toDouble());
    default:
        return raw(row, column).toString();
    }
}

QVariant BucketModel::data(const QModelIndex &index, int role) const
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
        if (column == Window)
            return QDateTime::fromSecsSinceEpoch(row.bucket.time).toString(Qt::ISODate);
        if (column >= Resolution)
            return raw(row, column).toString();
        return display(row, column);
    case KeyRole:
        return row.key;
    case Qt::TextAlignmentRole:
        if (column >= Window)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == ReadyIn) {
            return tr("Window ends %1; then the outlet takes it at its next scan")
                .arg(UiFormat::localTime(row.bucket.time + row.bucket.resolution));
        }
        if (column == User && row.bucket.user.isEmpty())
            return tr("The drain token of this bucket no longer verifies with the configured secrets");
        return {};
    default:
        return {};
    }
}

QVariant BucketModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        static const char *const kTitles[ColumnCount] = {
            QT_TR_NOOP("User"),   QT_TR_NOOP("Name"),   QT_TR_NOOP("Source"),     QT_TR_NOOP("Type"),
            QT_TR_NOOP("Units"),  QT_TR_NOOP("Window"), QT_TR_NOOP("Resolution"), QT_TR_NOOP("Count"),
            QT_TR_NOOP("Sum"),    QT_TR_NOOP("Min"),    QT_TR_NOOP("Max"),        QT_TR_NOOP("Median"),
            QT_TR_NOOP("P95"),    QT_TR_NOOP("P99"),    QT_TR_NOOP("Last"),       QT_TR_NOOP("Ready in"),
        };
        return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
    }
    if (role == Qt::ToolTipRole && section == Window)
        return tr("Start of the bucket's time window, local time");
    return {};
}

void BucketModel::reindex()
{
    m_rowOfKey.clear();
    m_rowOfKey.reserve(qsizetype(m_rows.size()));
    for (size_t i = 0; i < m_rows.size(); ++i)
        m_rowOfKey.insert(m_rows[i].key, int(i));
}

void BucketModel::setSnapshot(const EngineSnapshot &snapshot)
{
    m_nowSecs = snapshot.taken.toSecsSinceEpoch();
    // The new set, in snapshot order, without duplicate keys.
    std::vector<Row> incoming;
    incoming.reserve(size_t(snapshot.buckets.size()));
    QHash<QByteArray, int> incomingIndex;
    incomingIndex.reserve(snapshot.buckets.size());
    for (const BucketSummary &b : snapshot.buckets) {
        QByteArray k = key(b);
        if (incomingIndex.contains(k))
            continue;
        incomingIndex.insert(k, int(incoming.size()));
        incoming.push_back({ b, std::move(k) });
    }

    // Ranges of rows to remove, from the end.
    std::vector<std::pair<int, int>> removals; // first, last
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (incomingIndex.contains(m_rows[size_t(i)].key))
            continue;
        if (!removals.empty() && removals.back().first == i + 1)
            removals.back().first = i;
        else
            removals.push_back({ i, i });
    }
    if (int(removals.size()) > kMaxRemovalRanges) {
        beginResetModel();
        m_rows = std::move(incoming);
        reindex();
        ++m_resets;
        endResetModel();
        return;
    }
    for (const auto &[first, last] : removals) {
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
    }
    if (!removals.empty())
        reindex();

    std::vector<bool> placed(incoming.size(), false);
    for (Row &row : m_rows) {
        const int i = incomingIndex.value(row.key);
        row.bucket = std::move(incoming[size_t(i)].bucket);
        placed[size_t(i)] = true;
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));

    const int added = int(std::count(placed.begin(), placed.end(), false));
    if (added > 0) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + added - 1);
        for (size_t i = 0; i < incoming.size(); ++i) {
            if (!placed[i]) {
                m_rowOfKey.insert(incoming[i].key, int(m_rows.size()));
                m_rows.push_back(std::move(incoming[i]));
            }
        }
        endInsertRows();
    }
}

} // namespace l2met
