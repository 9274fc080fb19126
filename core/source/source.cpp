#include "source/source.h"

#include "receiver/inbox.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QTimer>

#include <algorithm>
#include <cstring>

Q_LOGGING_CATEGORY(lcSource, "l2met.source")

namespace l2met {

namespace {

// A waiting push looks at the stop flag this often.
constexpr int kPushWaitMs = 100;
// NoWait mode: a batch the inbox refused is offered again this often.
constexpr int kRetryMs = 20;

const QString kInboxFull = QStringLiteral("inbox full");

} // namespace

Source::Source(SourceKind kind, const QString &name, const Context &context, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
    , m_context(context)
    , m_flushTimer(new QTimer(this))
{
    m_status.id = context.id;
    m_status.kind = kind;
    m_status.name = name;
    m_flushTimer->setSingleShot(true);
    connect(m_flushTimer, &QTimer::timeout, this, &Source::onFlushTimer);
}

Source::~Source() = default;

SourceStatus Source::status() const
{
    QMutexLocker lock(&m_mutex);
    return m_status;
}

void Source::requestStop()
{
    m_stopping.store(true, std::memory_order_release);
}

SourceState Source::state() const
{
    QMutexLocker lock(&m_mutex);
    return m_status.state;
}

void Source::setState(SourceState state, const QString &detail, const QString &logExtra)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_status.state == state && m_status.detail == detail)
            return;
        m_status.state = state;
        m_status.detail = detail;
    }
    QString line = logPrefix() + QLatin1String(" state=") + QLatin1String(sourceStateName(state));
    if (!logExtra.isEmpty())
        line += QLatin1Char(' ') + logExtra;
    else if (!detail.isEmpty())
        line += QLatin1String(" detail=") + logfmtValue(detail);
    if (state == SourceState::Failed)
        qCWarning(lcSource).noquote() << line;
    else if (detail != kInboxFull && !m_waitingForRoom)
        qCInfo(lcSource).noquote() << line; // back-pressure comes and goes with every batch: no line each time
    Q_EMIT stateChanged();
}

void Source::markStopped()
{
    const SourceState now = state();
    if (now != SourceState::Ended && now != SourceState::Failed)
        setState(SourceState::Stopped);
}

void Source::setExitStatus(int exitStatus)
{
    QMutexLocker lock(&m_mutex);
    m_status.exitStatus = exitStatus;
}

void Source::countDropped(quint64 lines)
{
    QMutexLocker lock(&m_mutex);
    m_status.linesDropped += lines;
}

QString Source::logPrefix() const
{
    return QLatin1String("at=source.") + QLatin1String(sourceKindName(m_kind)) + QLatin1String(" id=")
        + QString::number(m_context.id);
}

void Source::addData(const char *data, qsizetype size, int stream)
{
    Q_ASSERT(stream >= 0 && stream < kStreams);
    Stream &s = m_streams[size_t(stream)];
    qsizetype pos = 0;
    while (pos < size) {
        const void *found = std::memchr(data + pos, '\n', size_t(size - pos));
        const qsizetype end = found ? static_cast<const char *>(found) - data : size;
        if (s.skipping) {
            if (!found)
                break;
            s.skipping = false;
            pos = end + 1;
            continue;
        }
        if (!found) {
            // A partial line: keep it (up to the cut) until more data or the end.
            const qsizetype room = kMaxLineBytes - s.partial.size();
            s.partial.append(data + pos, std::min(room, size - pos));
            if (s.partial.size() >= kMaxLineBytes) {
                appendLine(QByteArrayView(s.partial).first(kMaxLineBytes));
                s.partial.clear();
                s.skipping = true;
            }
            break;
        }
        if (s.partial.isEmpty()) {
            appendLine(QByteArrayView(data + pos, end - pos));
        } else {
            s.partial.append(data + pos, std::min(kMaxLineBytes - s.partial.size(), end - pos));
            appendLine(s.partial);
            s.partial.clear();
        }
        pos = end + 1;
    }
    publish();
}

void Source::endOfData(int stream)
{
    Q_ASSERT(stream >= 0 && stream < kStreams);
    Stream &s = m_streams[size_t(stream)];
    if (!s.partial.isEmpty())
        appendLine(s.partial);
    s.partial.clear();
    s.skipping = false;
    publish();
}

void Source::endAllData()
{
    for (int stream = 0; stream < kStreams; ++stream)
        endOfData(stream);
    flushBatch();
}

void Source::resetStream(int stream)
{
    Q_ASSERT(stream >= 0 && stream < kStreams);
    m_streams[size_t(stream)] = Stream();
}

void Source::addLine(QByteArrayView line)
{
    appendLine(line);
    publish();
}

void Source::appendLine(QByteArrayView line)
{
    if (line.size() > kMaxLineBytes)
        line = line.first(kMaxLineBytes);
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty())
        return;
    if (m_pushMode == PushMode::Wait && m_batch.size() + line.size() + 1 > kMaxBatchBytes)
        flushBatch();
    if (m_batchLines == 0 && !m_flushTimer->isActive())
        m_flushTimer->start(kFlushDelayMs);
    m_batch.append(line.data(), line.size());
    m_batch.append('\n');
    ++m_batchLines;
    ++m_unpublishedLines;
    m_unpublishedLast = line.first(std::min(line.size(), kMaxLastLineBytes)).toByteArray();
    if (batchFull()) {
        if (m_pushMode == PushMode::Wait)
            flushBatch();
        else
            tryFlushBatch();
    }
}

bool Source::batchFull() const
{
    return m_batchLines >= kMaxBatchLines || m_batch.size() >= kMaxBatchBytes;
}

void Source::publish()
{
    if (m_unpublishedLines == 0)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QMutexLocker lock(&m_mutex);
    m_status.linesRead += m_unpublishedLines;
    m_status.lastLine = std::move(m_unpublishedLast);
    m_status.lastLineAt = now;
    m_unpublishedLines = 0;
    m_unpublishedLast.clear();
}

bool Source::flushBatch()
{
    return pushBatch(m_pushMode == PushMode::Wait);
}

bool Source::tryFlushBatch()
{
    return pushBatch(false);
}

bool Source::pushBatch(bool wait)
{
    if (m_batchLines == 0)
        return true;
    publish();
    Inbox *inbox = m_context.inbox;
    InboxItem item;
    item.body = std::move(m_batch);
    item.options = m_context.options;
    item.options.format = BodyFormat::Lines;
    item.user = m_context.user;
    item.receivedAt = QDateTime::currentSecsSinceEpoch();
    item.kind = m_kind;
    item.sourceId = m_context.id;

    bool pushed = inbox && inbox->tryPush(item);
    if (!pushed && inbox && !isStopping() && !inbox->isClosed()) {
        if (!m_waitingForRoom) {
            m_waitingForRoom = true;
            const SourceStatus before = status();
            m_stateBeforeWait = before.state;
            m_detailBeforeWait = before.detail;
            setState(SourceState::Waiting, kInboxFull);
        }
        if (wait) {
            while (!pushed && !isStopping() && !inbox->isClosed())
                pushed = inbox->push(item, kPushWaitMs);
        }
    }
    if (pushed) {
        m_batchLines = 0;
        m_batch.clear();
        m_flushTimer->stop();
        if (m_waitingForRoom) {
            // Back to what the source was doing, unless it changed meanwhile.
            const bool unchanged = state() == SourceState::Waiting && status().detail == kInboxFull;
            if (unchanged)
                setState(m_stateBeforeWait, m_detailBeforeWait);
            m_waitingForRoom = false;
            if (!wait)
                batchDrained();
        }
        return true;
    }
    if (!wait && inbox && !isStopping() && !inbox->isClosed()) {
        m_batch = std::move(item.body); // untouched by the failed push: offer it again soon
        m_flushTimer->start(kRetryMs);
        return false;
    }
    qCInfo(lcSource).noquote() << logPrefix() << QStringLiteral("lost=%1 reason=%2").arg(m_batchLines).arg(
        inbox && !inbox->isClosed() ? QStringLiteral("stopping") : QStringLiteral("inbox_closed"));
    m_batchLines = 0;
    m_batch.clear();
    m_flushTimer->stop();
    m_waitingForRoom = false;
    return false;
}

void Source::onFlushTimer()
{
    if (m_pushMode == PushMode::Wait)
        flushBatch();
    else
        tryFlushBatch();
}

} // namespace l2met
