#include "problemmodel.h"

#include "modelroles.h"
#include "parser/parsemetrics.h"
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
    // A problem's kind is the name of the parser counter it was counted in.
    static const QHash<QByteArray, const char *> kWords = {
        { kLinesInvalid.name.toByteArray(), QT_TR_NOOP("line with only malformed metrics") },
        { kLinesLate.name.toByteArray(), QT_TR_NOOP("late line (dropped)") },
        { kLinesEarly.name.toByteArray(), QT_TR_NOOP("line from the future (dropped)") },
        { kLinesBadHeader.name.toByteArray(), QT_TR_NOOP("bad RFC 5424 header") },
        { kLinesLogplexNotice.name.toByteArray(), QT_TR_NOOP("logplex L10: messages dropped") },
        { kFramesMalformed.name.toByteArray(), QT_TR_NOOP("malformed frame") },
        { kLinesSeriesDropped.name.toByteArray(), QT_TR_NOOP("new series over --max-series") },
        { QByteArrayLiteral("series_limit"), QT_TR_NOOP("drain over --max-series: new series dropped") },
        { QByteArrayLiteral("bucket_budget"), QT_TR_NOOP("over --max-buckets: /logs answers 503") },
        { kBadValueEmpty.name.toByteArray(), QT_TR_NOOP("empty value") },
        { kBadValueMissing.name.toByteArray(), QT_TR_NOOP("sample without a value") },
        { kBadValueNotNumber.name.toByteArray(), QT_TR_NOOP("value is not a number") },
        { kBadValueNonFinite.name.toByteArray(), QT_TR_NOOP("value is not finite") },
        { kBadValueUnits.name.toByteArray(), QT_TR_NOOP("units start with a digit or a dot") },
        { kBadEmptyName.name.toByteArray(), QT_TR_NOOP("empty metric name") },
        { kUnterminatedQuote.name.toByteArray(), QT_TR_NOOP("unterminated quote") },
        { kLogplexDropped.name.toByteArray(), QT_TR_NOOP("logplex L10: messages dropped") },
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
