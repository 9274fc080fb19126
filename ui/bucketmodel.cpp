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
    return parent.isValid() ? 0 : readyInColumn() + 1;
}

BucketModel::Kind BucketModel::kind(int column, int *percentile) const
{
    if (column >= 0 && column < FirstPercentile)
        return Kind::Fixed;
    if (column >= FirstPercentile && column < lastColumn()) {
        if (percentile)
            *percentile = column - FirstPercentile;
        return Kind::Percentile;
    }
    if (column == lastColumn())
        return Kind::Last;
    return column == readyInColumn() ? Kind::ReadyIn : Kind::None;
}

QByteArray BucketModel::key(const BucketSummary &b)
{
    QByteArray key;
    key.reserve(b.user.size() + b.name.size() + b.source.size() + b.units.size() + 48);
    appendField(key, b.user);
    appendField(key, b.name);
    appendField(key, b.source);
    appendField(key, b.units);
    key += char('0' + int(b.type));
    key += QByteArray::number(b.resolution);
    key += '@';
    key += QByteArray::number(b.time);
    return key;
}

int BucketModel::rowOf(const BucketSummary &id) const
{
    return m_index.value(BucketRef { &id, BucketRef::hashOf(id) }, -1);
}

int BucketModel::rowOfKey(const QByteArray &k) const
{
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (key(m_rows[i].bucket) == k)
            return int(i);
    }
    return -1;
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
    int percentile = 0;
    switch (kind(column, &percentile)) {
    case Kind::Percentile:
        return b.stats.percentiles[size_t(percentile)];
    case Kind::Last:
        return b.stats.last;
    case Kind::ReadyIn:
        return b.time + b.resolution - m_nowSecs;
    case Kind::None:
        return {};
    case Kind::Fixed:
        break;
    }
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
    default:
        return {};
    }
}

QString BucketModel::display(const Row &row, int column) const
{
    const BucketSummary &b = row.bucket;
    switch (kind(column)) {
    case Kind::ReadyIn: {
        const qint64 s = b.time + b.resolution - m_nowSecs;
        return s > 0 ? UiFormat::seconds(s) : tr("due");
    }
    case Kind::Percentile:
    case Kind::Last:
        return UiFormat::number(raw(row, column).toDouble());
    case Kind::None:
        return {};
    case Kind::Fixed:
        break;
    }
    switch (column) {
    case Window:
        return UiFormat::localTime(b.time);
    case Resolution:
        return UiFormat::seconds(b.resolution);
    case Count:
        return UiFormat::count(b.stats.count);
    case Sum:
    case Min:
    case Max:
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
        return key(row.bucket);
    case Qt::TextAlignmentRole:
        if (column >= Window)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == readyInColumn()) {
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
    int percentile = 0;
    const Kind k = kind(section, &percentile);
    if (role == Qt::DisplayRole) {
        static const char *const kTitles[FirstPercentile] = {
            QT_TR_NOOP("User"),   QT_TR_NOOP("Name"),   QT_TR_NOOP("Source"),     QT_TR_NOOP("Type"),
            QT_TR_NOOP("Units"),  QT_TR_NOOP("Window"), QT_TR_NOOP("Resolution"), QT_TR_NOOP("Count"),
            QT_TR_NOOP("Sum"),    QT_TR_NOOP("Min"),    QT_TR_NOOP("Max"),
        };
        switch (k) {
        case Kind::Fixed:
            return tr(kTitles[section]);
        case Kind::Percentile: // the gauge's suffix, as Librato shows it
            return QString(m_percentiles.suffix(percentile)).mid(1);
        case Kind::Last:
            return tr("Last");
        case Kind::ReadyIn:
            return tr("Ready in");
        case Kind::None:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && section == Window)
        return tr("Start of the bucket's time window, local time");
    if (role == Qt::ToolTipRole && k == Kind::Percentile)
        return tr("Percentile %1 (--percentiles)").arg(m_percentiles.label(percentile));
    return {};
}

void BucketModel::reindex()
{
    m_index.clear();
    m_index.reserve(qsizetype(m_rows.size()));
    for (size_t i = 0; i < m_rows.size(); ++i)
        m_index.insert(BucketRef { &m_rows[i].bucket, m_rows[i].hash }, int(i));
}

void BucketModel::setSnapshot(const EngineSnapshot &snapshot)
{
    m_nowSecs = snapshot.taken.toSecsSinceEpoch();
    if (!(snapshot.percentiles == m_percentiles)) {
        // Other columns: start over (rare: a restart with new settings).
        beginResetModel();
        m_percentiles = snapshot.percentiles;
        m_rows.clear();
        m_index.clear();
        ++m_resets;
        endResetModel();
    }
    // The snapshot's buckets by identity (its list outlives this call).
    const QList<BucketSummary> &buckets = snapshot.buckets;
    QHash<BucketRef, int> incoming;
    incoming.reserve(buckets.size());
    for (int i = 0; i < buckets.size(); ++i)
        incoming.insert(BucketRef { &buckets[i], BucketRef::hashOf(buckets[i]) }, i); // a duplicate: the last wins

    // Each row's bucket in the snapshot (-1: gone), and the ranges to remove.
    std::vector<int> match(m_rows.size(), -1);
    std::vector<std::pair<int, int>> removals; // first, last; from the end
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        match[size_t(i)] = incoming.value(BucketRef { &m_rows[size_t(i)].bucket, m_rows[size_t(i)].hash }, -1);
        if (match[size_t(i)] >= 0)
            continue;
        if (!removals.empty() && removals.back().first == i + 1)
            removals.back().first = i;
        else
            removals.push_back({ i, i });
    }
    if (int(removals.size()) > kMaxRemovalRanges) {
        beginResetModel();
        m_rows.clear();
        m_rows.reserve(size_t(incoming.size()));
        for (auto it = incoming.cbegin(); it != incoming.cend(); ++it)
            m_rows.push_back({ *it.key().bucket, it.key().hash });
        std::sort(m_rows.begin(), m_rows.end(), [&incoming](const Row &a, const Row &b) {
            return incoming.value(BucketRef { &a.bucket, a.hash }) < incoming.value(BucketRef { &b.bucket, b.hash });
        });
        reindex();
        ++m_resets;
        endResetModel();
        return;
    }
    for (const auto &[first, last] : removals) {
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        match.erase(match.begin() + first, match.begin() + last + 1);
        endRemoveRows();
    }

    // Rows that stay get their new statistics. Their identity columns never
    // change, so only the statistics columns are announced: a proxy sorted or
    // filtered by name, user or source has nothing to redo.
    std::vector<bool> placed(size_t(buckets.size()), false);
    for (size_t i = 0; i < m_rows.size(); ++i) {
        m_rows[i].bucket.stats = buckets[match[i]].stats;
        m_rows[i].bucket.inStore = buckets[match[i]].inStore;
        placed[size_t(match[i])] = true;
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, Count), index(int(m_rows.size()) - 1, readyInColumn()));

    // New buckets at the end, in snapshot order (the first of duplicates only).
    std::vector<int> added;
    for (int i = 0; i < buckets.size(); ++i) {
        if (placed[size_t(i)])
            continue;
        const int winner = incoming.value(BucketRef { &buckets[i], BucketRef::hashOf(buckets[i]) });
        if (winner == i)
            added.push_back(i);
    }
    if (!added.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (const int i : added)
            m_rows.push_back({ buckets[i], BucketRef::hashOf(buckets[i]) });
        endInsertRows();
    }
    reindex();
}

} // namespace l2met
