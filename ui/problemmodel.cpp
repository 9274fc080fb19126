#include "problemmodel.h"

#include "modelroles.h"
#include "uiformat.h"

namespace l2met {

ProblemModel::ProblemModel(QObject *parent)
    : RingTableModel<Problem>(parent)
{
}

int ProblemModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QByteArray ProblemModel::rowKey(const Problem &row) const
{
    return QByteArray::number(row.at.toMSecsSinceEpoch()) + ' ' + row.kind + ' ' + QByteArray::number(row.status)
        + ' ' + row.user + ' ' + row.detail.left(64);
}

QString ProblemModel::describeKind(const QByteArray &kind)
{
    static const QHash<QByteArray, const char *> kWords = {
        { "lines_invalid", QT_TR_NOOP("line with only malformed metrics") },
        { "lines_late", QT_TR_NOOP("late line (dropped)") },
        { "lines_early", QT_TR_NOOP("line from the future (dropped)") },
        { "lines_bad_header", QT_TR_NOOP("bad RFC 5424 header") },
        { "lines_logplex_notice", QT_TR_NOOP("logplex L10: messages dropped") },
        { "frames_malformed", QT_TR_NOOP("malformed frame") },
        { "bad_value_empty", QT_TR_NOOP("empty value") },
        { "bad_value_missing", QT_TR_NOOP("sample without a value") },
        { "bad_value_not_number", QT_TR_NOOP("value is not a number") },
        { "bad_value_non_finite", QT_TR_NOOP("value is not finite") },
        { "bad_value_units", QT_TR_NOOP("units start with a digit or a dot") },
        { "bad_empty_name", QT_TR_NOOP("empty metric name") },
        { "unterminated_quote", QT_TR_NOOP("unterminated quote") },
        { "logplex_dropped", QT_TR_NOOP("logplex L10: messages dropped") },
    };
    const auto it = kWords.constFind(kind);
    if (it != kWords.cend())
        return tr(*it);
    if (kind.startsWith("http_"))
        return tr("request rejected (%1)").arg(QString::fromLatin1(kind.mid(5)));
    return QString::fromUtf8(kind);
}

QVariant ProblemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Problem &p = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return UiFormat::localTime(p.at);
        case Kind:
            return describeKind(p.kind);
        case User:
            return QString::fromUtf8(p.user);
        case Status:
            return p.status ? QString::number(p.status) : QString();
        case Detail:
            return UiFormat::printable(p.detail);
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case Time:
            return p.at;
        case Status:
            return p.status;
        default:
            return data(index, Qt::DisplayRole);
        }
    case CopyRole:
        switch (index.column()) {
        case Time:
            return UiFormat::isoTime(p.at);
        case Kind:
            return QString::fromUtf8(p.kind);
        default:
            return {};
        }
    case KeyRole:
        return m_keys.value(index.row());
    case Qt::ToolTipRole:
        if (index.column() == Detail)
            return UiFormat::printable(p.detail);
        if (index.column() == Kind)
            return QString::fromUtf8(p.kind);
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == Status ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                        : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant ProblemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Kind:
        return tr("Kind");
    case User:
        return tr("Librato user");
    case Status:
        return tr("Status");
    case Detail:
        return tr("Detail");
    default:
        return {};
    }
}

void ProblemModel::setSnapshot(const EngineSnapshot &snapshot)
{
    applyRing(snapshot.problems);
}

} // namespace l2met
