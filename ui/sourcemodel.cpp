#include "sourcemodel.h"

#include "engine/enginesnapshot.h"
#include "modelroles.h"
#include "uiformat.h"

#include <QGuiApplication>
#include <QPalette>
#include <QSet>

namespace l2met {

namespace {

bool isNumeric(int column)
{
    return column == SourceModel::LinesRead || column == SourceModel::WithMetrics
        || column == SourceModel::Malformed || column == SourceModel::Dropped;
}

} // namespace

SourceModel::SourceModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int SourceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SourceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int SourceModel::rowOfId(int id) const
{
    for (int r = 0; r < m_rows.size(); ++r) {
        if (m_rows.at(r).id == id)
            return r;
    }
    return -1;
}

QString SourceModel::kindText(SourceKind kind)
{
    switch (kind) {
    case SourceKind::Drain:
        return tr("drain");
    case SourceKind::Stdin:
        return tr("stdin");
    case SourceKind::Command:
        return tr("command");
    case SourceKind::File:
        return tr("file");
    case SourceKind::Heroku:
        return tr("heroku");
    case SourceKind::Syslog:
        return tr("syslog");
    }
    return QString::fromLatin1(sourceKindName(kind));
}

QString SourceModel::stateText(const SourceStatus &s)
{
    QString state;
    switch (s.state) {
    case SourceState::Starting:
        state = tr("starting");
        break;
    case SourceState::Running:
        state = tr("running");
        break;
    case SourceState::Waiting:
        state = tr("waiting");
        break;
    case SourceState::Reconnecting:
        state = tr("reconnecting");
        break;
    case SourceState::Ended:
        state = tr("ended");
        break;
    case SourceState::Failed:
        state = tr("failed");
        break;
    case SourceState::Stopped:
        state = tr("stopped");
        break;
    }
    const QString detail = s.detail.trimmed();
    if (detail.isEmpty())
        return state;
    // "reconnecting in 4 s" says the state already.
    if (detail.startsWith(state, Qt::CaseInsensitive))
        return detail;
    return tr("%1: %2").arg(state, detail);
}

QString SourceModel::describe(SourceKind kind, const QString &name)
{
    const QString kindWords = kindText(kind);
    if (name.isEmpty() || name == kindWords || name == QLatin1String(sourceKindName(kind)))
        return kindWords;
    return kindWords + u' ' + name;
}

bool SourceModel::canRemove(const SourceStatus &s)
{
    return s.id != 0 && s.kind != SourceKind::Drain && s.kind != SourceKind::Stdin;
}

bool SourceModel::canStop(const SourceStatus &s)
{
    return canRemove(s) && s.state != SourceState::Stopped && s.state != SourceState::Ended
        && s.state != SourceState::Failed;
}

QVariant SourceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const SourceStatus &s = m_rows.at(index.row());
    const int column = index.column();
    const bool dropsCounted = s.kind == SourceKind::Syslog;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Kind:
            return kindText(s.kind);
        case Name:
            return s.name;
        case State:
            return stateText(s);
        case LinesRead:
            return UiFormat::count(s.linesRead);
        case WithMetrics:
            return UiFormat::count(s.linesWithMetrics);
        case Malformed:
            return UiFormat::count(s.linesMalformed);
        case Dropped:
            return dropsCounted ? UiFormat::count(s.linesDropped) : QStringLiteral("–");
        case LastSeen: {
            if (!s.lastLineAt.isValid())
                return s.linesRead == 0 ? tr("never") : QStringLiteral("–");
            const qint64 ago = m_now.isValid() ? std::max<qint64>(0, s.lastLineAt.secsTo(m_now)) : 0;
            const QString when = UiFormat::localTime(s.lastLineAt);
            return ago < 1 ? tr("%1 (just now)").arg(when)
                           : tr("%1 (%2 ago)").arg(when, UiFormat::seconds(ago));
        }
        case LastLine:
            return UiFormat::printable(s.lastLine);
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case LinesRead:
            return s.linesRead;
        case WithMetrics:
            return s.linesWithMetrics;
        case Malformed:
            return s.linesMalformed;
        case Dropped:
            return s.linesDropped;
        case LastSeen:
            return s.lastLineAt;
        case State:
            return int(s.state);
        default:
            return data(index, Qt::DisplayRole);
        }
    case CopyRole:
        switch (column) {
        case LinesRead:
            return QString::number(s.linesRead);
        case WithMetrics:
            return QString::number(s.linesWithMetrics);
        case Malformed:
            return QString::number(s.linesMalformed);
        case Dropped:
            return dropsCounted ? QString::number(s.linesDropped) : QString();
        case LastSeen:
            return UiFormat::isoTime(s.lastLineAt);
        case Kind:
            return QString::fromLatin1(sourceKindName(s.kind));
        default:
            return {};
        }
    case KeyRole:
        return QByteArray::number(s.id);
    case Qt::ToolTipRole:
        switch (column) {
        case Name:
            return s.spec.fromStart ? tr("%1 (read from its start)").arg(s.name) : s.name;
        case State:
            return stateText(s);
        case LastLine:
            return UiFormat::printable(s.lastLine);
        case Dropped:
            return dropsCounted ? tr("Datagrams lost while the inbox was full (UDP only)")
                                : tr("Only UDP syslog can lose lines; the other sources wait instead");
        case Malformed:
            return tr("Lines with metrics that were all malformed, bad headers and malformed frames");
        default:
            return {};
        }
    case Qt::ForegroundRole: {
        if (column != State)
            return {};
        const QPalette palette = QGuiApplication::palette();
        switch (s.state) {
        case SourceState::Failed:
            return UiFormat::badColor(palette);
        case SourceState::Waiting:
        case SourceState::Reconnecting:
            return UiFormat::warnColor(palette);
        case SourceState::Running:
            return UiFormat::goodColor(palette);
        default:
            return {};
        }
    }
    case Qt::TextAlignmentRole:
        return isNumeric(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                 : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant SourceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return isNumeric(section) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Kind:
        return tr("Kind");
    case Name:
        return tr("Name");
    case State:
        return tr("State");
    case LinesRead:
        return tr("Lines read");
    case WithMetrics:
        return tr("With metrics");
    case Malformed:
        return tr("Malformed");
    case Dropped:
        return tr("Dropped");
    case LastSeen:
        return tr("Last line seen");
    case LastLine:
        return tr("Last line");
    default:
        return {};
    }
}

void SourceModel::setSnapshot(const EngineSnapshot &snapshot)
{
    setSources(snapshot.sources, snapshot.taken);
}

void SourceModel::setSources(const QList<SourceStatus> &sources, const QDateTime &now)
{
    m_now = now;
    QSet<int> incoming;
    for (const SourceStatus &s : sources)
        incoming.insert(s.id);
    // Gone: removed one by one, bottom up (a handful of rows at most).
    for (int r = int(m_rows.size()) - 1; r >= 0; --r) {
        if (!incoming.contains(m_rows.at(r).id)) {
            beginRemoveRows({}, r, r);
            m_rows.removeAt(r);
            endRemoveRows();
        }
    }
    QList<SourceStatus> added;
    for (const SourceStatus &s : sources) {
        const int row = rowOfId(s.id);
        if (row < 0)
            added.append(s);
        else
            m_rows[row] = s;
    }
    // Every row changes ("4 s ago" moves on): one signal for them all.
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_rows += added;
        endInsertRows();
    }
}

} // namespace l2met
