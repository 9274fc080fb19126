#include "linemodel.h"

#include "engine/enginesnapshot.h"
#include "modelroles.h"
#include "sourcemodel.h"
#include "uiformat.h"

#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>
#include <QRegularExpression>

namespace l2met {

namespace {

QString timeText(qint64 ms)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    if (t.date() == QDate::currentDate())
        return t.toString(QStringLiteral("HH:mm:ss.zzz"));
    return t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

const char *typeWord(BucketType type)
{
    switch (type) {
    case BucketType::Measurement:
        return "measure";
    case BucketType::Counter:
        return "count";
    case BucketType::Sample:
        return "sample";
    case BucketType::Unique:
        return "unique";
    }
    return "measure";
}

// Why a line produced nothing, when the engine gave no reason of its own.
QString defaultReason(ParseCounter outcome)
{
    switch (outcome) {
    case ParseCounter::LinesNoMetrics:
        return LineModel::tr("no measure#, count#, sample#, unique# or router fields");
    case ParseCounter::LinesInvalid:
        return LineModel::tr("every metric in the line is malformed");
    case ParseCounter::LinesLate:
        return LineModel::tr("older than the receive deadline: dropped");
    case ParseCounter::LinesEarly:
        return LineModel::tr("too far in the future: dropped");
    case ParseCounter::LinesBadHeader:
        return LineModel::tr("the RFC 5424 header did not parse");
    case ParseCounter::LinesLogplexNotice:
        return LineModel::tr("logplex says it dropped messages (L10)");
    case ParseCounter::LinesSeriesDropped:
        return LineModel::tr("over the drain's --max-series new series in this window: dropped");
    case ParseCounter::FramesMalformed:
        return LineModel::tr("not a logplex frame (wrong length or garbage)");
    default:
        return {};
    }
}

} // namespace

LineModel::LineModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int LineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

quint8 LineModel::flagsOf(const LineRecord &r)
{
    switch (r.outcome) {
    case ParseCounter::LinesAggregated:
        return WithMetrics | (r.reason.isEmpty() ? 0 : Problem);
    case ParseCounter::LinesNoMetrics:
        return WithoutMetrics;
    default:
        return WithoutMetrics | Problem;
    }
}

QString LineModel::outcomeText(const LineRecord &r)
{
    switch (r.outcome) {
    case ParseCounter::LinesAggregated: {
        const qsizetype n = r.measurements.size();
        const QString metrics = n == 1 ? tr("1 metric") : tr("%1 metrics").arg(n);
        return r.reason.isEmpty() ? metrics : tr("%1, part skipped").arg(metrics);
    }
    case ParseCounter::LinesNoMetrics:
        return tr("no metrics");
    case ParseCounter::LinesInvalid:
        return tr("malformed");
    case ParseCounter::LinesLate:
    case ParseCounter::LinesEarly: {
        // "late by 190 s: ..." → "late by 190 s".
        static const QRegularExpression kBy(QStringLiteral("^((?:late|early) by [^,;:(]+)"),
                                            QRegularExpression::CaseInsensitiveOption);
        const QRegularExpressionMatch m = kBy.match(QString::fromUtf8(r.reason));
        if (m.hasMatch())
            return m.captured(1).trimmed();
        return r.outcome == ParseCounter::LinesLate ? tr("late") : tr("early");
    }
    case ParseCounter::LinesBadHeader:
        return tr("bad header");
    case ParseCounter::LinesLogplexNotice:
        return tr("logplex notice");
    case ParseCounter::LinesSeriesDropped:
        return tr("series limit");
    case ParseCounter::FramesMalformed:
        return tr("malformed frame");
    default:
        return QString::fromLatin1(ParseCounters::name(r.outcome));
    }
}

QString LineModel::measurementText(const LineMeasurementRecord &m)
{
    if (m.type == BucketType::Unique) {
        // The value is a hash of the text (docs/behaviour.md section 3): its
        // first hex digits tell repeats apart without showing the text again.
        return QStringLiteral("unique %1 ∋ #%2")
            .arg(QString::fromUtf8(m.name),
                 QString::number(quint64(m.value), 16).rightJustified(13, QLatin1Char('0')).left(6));
    }
    return QStringLiteral("%1 %2 = %3")
        .arg(QLatin1String(typeWord(m.type)), QString::fromUtf8(m.name),
             UiFormat::number(m.value, QString::fromUtf8(m.units)));
}

QString LineModel::becameText(const LineRecord &r)
{
    QString text;
    if (!r.measurements.isEmpty()) {
        const LineMeasurementRecord &first = r.measurements.constFirst();
        const bool common = std::all_of(r.measurements.cbegin(), r.measurements.cend(), [&first](const auto &m) {
            return m.source == first.source && m.window == first.window;
        });
        const auto where = [](const LineMeasurementRecord &m) -> QString {
            QString w;
            if (!m.source.isEmpty())
                w += QStringLiteral(" · source=") + QString::fromUtf8(m.source);
            return w + QStringLiteral(" · ") + tr("window %1").arg(UiFormat::localTime(m.window));
        };
        QStringList items;
        for (const LineMeasurementRecord &m : r.measurements)
            items.append(common ? measurementText(m) : QString(measurementText(m) + where(m)));
        text = common ? QString(items.join(QStringLiteral(", ")) + where(first)) : items.join(QStringLiteral("; "));
    }
    QString reason = r.reason.isEmpty() ? defaultReason(r.outcome) : UiFormat::printable(r.reason);
    // "late by 190 s: older than 120 s ..." under an outcome of "late by 190 s".
    const QString outcome = outcomeText(r);
    if (reason.startsWith(outcome + QStringLiteral(": "), Qt::CaseInsensitive))
        reason = reason.mid(outcome.size() + 2);
    if (text.isEmpty())
        return reason;
    return reason.isEmpty() ? text : QString(text + QStringLiteral(" — ") + reason);
}

BucketSummary LineModel::bucketOf(const LineRecord &r, int measurement)
{
    BucketSummary b;
    if (measurement < 0 || measurement >= r.measurements.size())
        return b;
    const LineMeasurementRecord &m = r.measurements.at(measurement);
    b.user = r.user;
    b.name = m.name;
    b.source = m.source;
    b.units = m.units;
    b.type = m.type;
    b.time = m.window;
    b.resolution = r.resolution;
    return b;
}

QString LineModel::searchText(int row) const
{
    const Row &r = m_rows[size_t(row)];
    return r.source + u'\n' + r.outcome + u'\n' + r.became + u'\n' + QString::fromUtf8(r.record.line);
}

QVariant LineModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Row &r = m_rows[size_t(index.row())];
    const LineRecord &rec = r.record;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return timeText(rec.atMs);
        case Source:
            return r.source;
        case Outcome:
            return r.outcome;
        case Became:
            return r.became;
        case Line:
            return UiFormat::printable(rec.line);
        default:
            return {};
        }
    case SortRole:
        return index.column() == Time ? QVariant(rec.atMs) : data(index, Qt::DisplayRole);
    case CopyRole:
        return index.column() == Time
            ? QVariant(UiFormat::isoTime(QDateTime::fromMSecsSinceEpoch(rec.atMs)))
            : QVariant();
    case KeyRole:
        return QByteArray(QByteArray::number(rec.atMs) + ':' + QByteArray::number(rec.seq));
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Source:
            return rec.user.isEmpty() ? r.source
                                      : tr("%1 (Librato user %2)").arg(r.source, QString::fromUtf8(rec.user));
        case Outcome:
            return QString::fromLatin1(ParseCounters::name(rec.outcome));
        case Became:
            return r.became;
        case Line:
            return UiFormat::printable(rec.line);
        default:
            return {};
        }
    case Qt::FontRole:
        if (index.column() == Line) {
            static const QFont kFixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
            return kFixed;
        }
        return {};
    case Qt::ForegroundRole:
        // Ordinary log lines recede; outcomes in colour.
        if (index.column() == Became && r.flags == WithoutMetrics)
            return QGuiApplication::palette().color(QPalette::PlaceholderText);
        if (index.column() != Outcome)
            return {};
        if (r.flags & Problem)
            return UiFormat::badColor(QGuiApplication::palette());
        if (r.flags & WithMetrics)
            return UiFormat::goodColor(QGuiApplication::palette());
        return {};
    default:
        return {};
    }
}

QVariant LineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Source:
        return tr("Source");
    case Outcome:
        return tr("Outcome");
    case Became:
        return tr("What it became");
    case Line:
        return tr("Line");
    default:
        return {};
    }
}

void LineModel::setSnapshot(const EngineSnapshot &snapshot)
{
    setSources(snapshot.sources);
    setCapacity(snapshot.lineCapacity);
    appendLines(snapshot.lines);
}

void LineModel::setSources(const QList<SourceStatus> &sources)
{
    for (const SourceStatus &s : sources)
        m_sourceNames.insert(s.id, SourceModel::describe(s.kind, s.name));
}

void LineModel::setCapacity(int capacity)
{
    m_capacity = std::max(1, capacity);
    trim();
    if (m_held.size() > m_capacity)
        m_held.remove(0, m_held.size() - m_capacity);
}

void LineModel::appendLines(const QList<LineRecord> &newest)
{
    if (newest.isEmpty())
        return;
    // Each snapshot carries the newest lines (EngineSnapshot::lines): take
    // those after the last one taken. seq counts from 1 again in a new
    // engine; hand-made records (seq 0) are always new.
    const quint64 last = newest.constLast().seq;
    if (last != 0 && last < m_lastSeq)
        m_lastSeq = 0;
    QList<LineRecord> oldestFirst;
    for (const LineRecord &record : newest) {
        if (record.seq == 0 || record.seq > m_lastSeq)
            oldestFirst.append(record);
    }
    m_lastSeq = std::max(m_lastSeq, last);
    if (oldestFirst.isEmpty())
        return;
    if (m_paused) {
        m_held += oldestFirst;
        if (m_held.size() > m_capacity)
            m_held.remove(0, m_held.size() - m_capacity);
        return;
    }
    insert(oldestFirst);
}

void LineModel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (!paused) {
        const QList<LineRecord> held = std::move(m_held);
        m_held.clear();
        insert(held);
    }
}

void LineModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_held.clear();
    endResetModel();
}

void LineModel::insert(const QList<LineRecord> &oldestFirst)
{
    const qsizetype start = std::max<qsizetype>(0, oldestFirst.size() - m_capacity);
    const int count = int(oldestFirst.size() - start);
    if (count <= 0)
        return;
    beginInsertRows({}, 0, count - 1);
    for (qsizetype i = start; i < oldestFirst.size(); ++i) {
        const LineRecord &rec = oldestFirst.at(i);
        Row row;
        row.record = rec;
        row.source = m_sourceNames.value(rec.sourceId);
        if (row.source.isEmpty())
            row.source = SourceModel::kindText(rec.kind);
        row.outcome = outcomeText(rec);
        row.became = becameText(rec);
        row.flags = flagsOf(rec);
        m_rows.push_front(std::move(row));
    }
    endInsertRows();
    trim();
}

void LineModel::trim()
{
    if (int(m_rows.size()) <= m_capacity)
        return;
    beginRemoveRows({}, m_capacity, int(m_rows.size()) - 1);
    m_rows.resize(size_t(m_capacity));
    endRemoveRows();
}

LineFilterProxy::LineFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SortRole);
}

void LineFilterProxy::setFilterText(const QString &text)
{
    m_text = text;
    m_words = text.split(u' ', Qt::SkipEmptyParts);
    invalidateFilter();
}

void LineFilterProxy::setOutcomeFilter(OutcomeFilter filter)
{
    m_outcome = filter;
    invalidateFilter();
}

bool LineFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *lines = static_cast<const LineModel *>(sourceModel());
    const quint8 flags = lines->flags(sourceRow);
    switch (m_outcome) {
    case All:
        break;
    case WithMetrics:
        if (!(flags & LineModel::WithMetrics))
            return false;
        break;
    case WithoutMetrics:
        if (!(flags & LineModel::WithoutMetrics))
            return false;
        break;
    case Problems:
        if (!(flags & LineModel::Problem))
            return false;
        break;
    }
    if (m_words.isEmpty())
        return true;
    const QString text = lines->searchText(sourceRow);
    return std::all_of(m_words.cbegin(), m_words.cend(),
                       [&text](const QString &w) { return text.contains(w, Qt::CaseInsensitive); });
}

} // namespace l2met
