#include "metricsmodel.h"

#include "bucketmodel.h"
#include "modelroles.h"
#include "uiformat.h"

#include <QApplication>
#include <QIcon>
#include <QPalette>
#include <QStyle>

#include <algorithm>

namespace l2met {

namespace {

// More separate removals than this in one update and a reset is cheaper.
constexpr int kMaxRemovalRanges = 32;

// internalId of a top-level index; a child's is its parent's row + 1.
constexpr quintptr kTopLevel = 0;

bool sameNames(const QList<MetricName> &a, const QList<MetricName> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const MetricName &x, const MetricName &y) { return x.name == y.name; });
}

} // namespace

MetricsModel::MetricsModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

QModelIndex MetricsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < int(m_rows.size()) ? createIndex(row, column, kTopLevel) : QModelIndex();
    if (parent.internalId() != kTopLevel || parent.row() >= int(m_rows.size()))
        return {};
    const MetricPattern &p = m_rows[size_t(parent.row())];
    return row < p.topNames.size() ? createIndex(row, column, quintptr(parent.row() + 1)) : QModelIndex();
}

QModelIndex MetricsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kTopLevel)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kTopLevel);
}

int MetricsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_rows.size());
    if (parent.internalId() != kTopLevel || parent.column() != 0 || parent.row() >= int(m_rows.size()))
        return 0;
    return int(m_rows[size_t(parent.row())].topNames.size());
}

int MetricsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QString MetricsModel::explanation(const MetricPattern &p)
{
    return tr("%1: %2 names differ only by a number; each is a separate Librato stream (billed per "
              "stream), %3 streams in all. Put the id in source= or drop it.")
        .arg(QString::fromUtf8(p.pattern), UiFormat::count(p.names), UiFormat::count(p.streams));
}

QVariant MetricsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const int column = index.column();
    if (index.internalId() != kTopLevel) {
        const size_t parentRow = size_t(index.internalId() - 1);
        if (parentRow >= m_rows.size() || index.row() >= m_rows[parentRow].topNames.size())
            return {};
        const MetricName &n = m_rows[parentRow].topNames[index.row()];
        const auto value = [&]() -> QVariant {
            switch (column) {
            case Pattern:
                return QString::fromUtf8(n.name);
            case Names:
                return 1;
            case Streams:
                return n.streams;
            case Buckets:
                return n.buckets;
            default:
                return {};
            }
        };
        switch (role) {
        case Qt::DisplayRole:
        case SortRole:
        case CopyRole:
        case Qt::TextAlignmentRole:
            return UiFormat::countTableCell(role, value(), column == Pattern);
        case KeyRole:
            return n.name;
        default:
            return {};
        }
    }
    if (index.row() >= int(m_rows.size()))
        return {};
    const MetricPattern &p = m_rows[size_t(index.row())];
    const auto value = [&]() -> QVariant {
        switch (column) {
        case Pattern:
            return QString::fromUtf8(p.pattern);
        case Names:
            return p.names;
        case Streams:
            return p.streams;
        case Sources:
            return p.sources;
        case Windows:
            return p.windows;
        case Users:
            return p.users;
        case Buckets:
            return p.buckets;
        default:
            return {};
        }
    };
    switch (role) {
    case Qt::DisplayRole:
    case SortRole:
    case CopyRole:
    case Qt::TextAlignmentRole:
        return UiFormat::countTableCell(role, value(), column == Pattern);
    case KeyRole:
        return p.pattern;
    case Qt::ToolTipRole:
        if (p.idsInNames)
            return explanation(p);
        if (column == Streams)
            return tr("Distinct user, name, source, units and type: the series l2met sends to Librato");
        return {};
    case Qt::ForegroundRole:
        if (p.idsInNames && (column == Pattern || column == Names))
            return UiFormat::warnColor(QApplication::palette());
        return {};
    case Qt::DecorationRole:
        if (p.idsInNames && column == Pattern)
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        return {};
    case IdsInNamesRole:
        return p.idsInNames;
    default:
        return {};
    }
}

QVariant MetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        static const char *const kTitles[ColumnCount] = {
            QT_TR_NOOP("Pattern / name"), QT_TR_NOOP("Names"), QT_TR_NOOP("Streams"), QT_TR_NOOP("Sources"),
            QT_TR_NOOP("Windows"),        QT_TR_NOOP("Users"), QT_TR_NOOP("Buckets"),
        };
        return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Pattern:
            return tr("Metric names with their numbers collapsed to #; expand a pattern for its names");
        case Streams:
            return tr("Distinct user, name, source, units and type: each is a Librato stream");
        case Windows:
            return tr("Distinct window start times held");
        case Buckets:
            return tr("Buckets held: one per stream and window");
        default:
            return {};
        }
    }
    return {};
}

void MetricsModel::reindex()
{
    m_index.clear();
    m_index.reserve(qsizetype(m_rows.size()));
    for (size_t i = 0; i < m_rows.size(); ++i)
        m_index.insert(m_rows[i].pattern, int(i));
}

void MetricsModel::setSummary(const MetricSummary &summary)
{
    QHash<QByteArray, int> incoming;
    incoming.reserve(summary.patterns.size());
    for (int i = 0; i < summary.patterns.size(); ++i)
        incoming.insert(summary.patterns[i].pattern, i);

    std::vector<std::pair<int, int>> removals; // first, last; from the end
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (incoming.contains(m_rows[size_t(i)].pattern))
            continue;
        if (!removals.empty() && removals.back().first == i + 1)
            removals.back().first = i;
        else
            removals.push_back({ i, i });
    }
    if (int(removals.size()) > kMaxRemovalRanges) {
        beginResetModel();
        m_rows.assign(summary.patterns.begin(), summary.patterns.end());
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
    reindex();

    // Rows that stay: new numbers; their names replaced when they changed.
    for (size_t i = 0; i < m_rows.size(); ++i) {
        MetricPattern &row = m_rows[i];
        const MetricPattern &next = summary.patterns[incoming.value(row.pattern)];
        const QModelIndex parent = createIndex(int(i), 0, kTopLevel);
        if (!sameNames(row.topNames, next.topNames)) {
            if (!row.topNames.isEmpty()) {
                beginRemoveRows(parent, 0, int(row.topNames.size()) - 1);
                row.topNames.clear();
                endRemoveRows();
            }
            if (!next.topNames.isEmpty()) {
                beginInsertRows(parent, 0, int(next.topNames.size()) - 1);
                row.topNames = next.topNames;
                endInsertRows();
            }
        } else if (!row.topNames.isEmpty()) {
            row.topNames = next.topNames;
            Q_EMIT dataChanged(index(0, 0, parent), index(int(row.topNames.size()) - 1, ColumnCount - 1, parent));
        }
        const QList<MetricName> names = row.topNames;
        row = next;
        row.topNames = names;
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, Names), index(int(m_rows.size()) - 1, ColumnCount - 1));

    // New patterns at the end, in the summary's order.
    std::vector<int> added;
    for (int i = 0; i < summary.patterns.size(); ++i) {
        if (!m_index.contains(summary.patterns[i].pattern))
            added.push_back(i);
    }
    if (!added.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (const int i : added)
            m_rows.push_back(summary.patterns[i]);
        reindex();
        endInsertRows();
    }
}

MetricUserModel::MetricUserModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int MetricUserModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MetricUserModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricUserModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const MetricUser &u = m_rows[index.row()];
    const int column = index.column();
    const auto value = [&]() -> QVariant {
        switch (column) {
        case User:
            return BucketModel::userText(u.user);
        case Names:
            return u.names;
        case Patterns:
            return u.patterns;
        case Streams:
            return u.streams;
        case Buckets:
            return u.buckets;
        case Flagged:
            return u.flaggedPatterns;
        default:
            return {};
        }
    };
    switch (role) {
    case Qt::DisplayRole:
    case SortRole:
    case CopyRole:
    case Qt::TextAlignmentRole:
        return UiFormat::countTableCell(role, value(), column == User);
    case KeyRole:
        return u.user;
    case Qt::ForegroundRole:
        if (u.flaggedPatterns > 0 && column == Flagged)
            return UiFormat::warnColor(QApplication::palette());
        return {};
    case Qt::ToolTipRole:
        if (u.flaggedPatterns > 0)
            return tr("%1 of this user's %2 streams are in patterns with ids in metric names")
                .arg(UiFormat::count(u.flaggedStreams), UiFormat::count(u.streams));
        return {};
    default:
        return {};
    }
}

QVariant MetricUserModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const kTitles[ColumnCount] = {
        QT_TR_NOOP("Librato user"), QT_TR_NOOP("Names"),   QT_TR_NOOP("Patterns"),
        QT_TR_NOOP("Streams"),      QT_TR_NOOP("Buckets"), QT_TR_NOOP("Patterns with ids"),
    };
    return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
}

void MetricUserModel::setSummary(const MetricSummary &summary)
{
    const bool sameUsers = std::equal(m_rows.begin(), m_rows.end(), summary.users.begin(), summary.users.end(),
                                      [](const MetricUser &a, const MetricUser &b) { return a.user == b.user; });
    if (sameUsers) {
        m_rows = summary.users;
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, Names), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = summary.users;
    endResetModel();
}

} // namespace l2met
