// Source: a local source of log lines (stdin, a command, a file, heroku logs
// --tail, syslog) that puts what it reads on the engine's Inbox, as bodies of
// complete lines (BodyFormat::Lines). Parsing happens elsewhere, as for the
// drain.
//
// Threading rule. The Engine creates a source, moves it to a QThread of its
// own (named "l2met-src-<id>"), calls start() in that thread (queued), and
// stop() in that thread at shutdown or when the user removes the source.
// Everything a source does (reading, batching, pushing) happens in that
// thread. status() and the counters are thread-safe (a mutex), and so is
// requestStop(): a source blocked waiting for room in a full inbox runs no
// events, so whoever stops it calls requestStop() (or closes the inbox)
// before queueing stop(). Deleting: connect QThread::finished to
// deleteLater, quit and wait the thread after stop().
//
// Lines. addData() cuts a stream into lines at '\n' (a trailing "\r" is
// dropped, empty lines are skipped); a partial last line waits for more data
// or endOfData(); a line longer than kMaxLineBytes is cut there, and the
// rest of it, up to its '\n', is skipped. Complete lines are batched and a
// batch goes to the inbox at kMaxBatchBytes or kMaxBatchLines, or after
// kFlushDelayMs so a slow trickle of lines shows at once.
//
// Back-pressure. With PushMode::Wait (the default) pushing waits for room
// (state Waiting "inbox full" meanwhile) until pushed, or the source is
// stopping, or the inbox closed: stdin, files and commands simply pause
// reading while the inbox is full and lose nothing. PushMode::NoWait (syslog)
// never blocks: the source asks batchFull()/tryFlushBatch() and decides what
// to do itself (pause TCP reading, drop UDP datagrams and count them with
// countDropped()).
#pragma once

#include "metrics/logfmtvalue.h"
#include "parser/ingestoptions.h"
#include "source/sourcestatus.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLoggingCategory>
#include <QMutex>
#include <QObject>
#include <QString>

#include <array>
#include <atomic>

class QTimer;

Q_DECLARE_LOGGING_CATEGORY(lcSource)

namespace l2met {

class Inbox;

class Source : public QObject
{
    Q_OBJECT

public:
    struct Context
    {
        Inbox *inbox = nullptr;
        IngestOptions options; // copied into every item, with format = Lines
        QByteArray user;       // InboxItem::user
        int id = 0;            // SourceStatus::id, InboxItem::sourceId
    };

    static constexpr qsizetype kMaxLineBytes = 64 << 10;
    static constexpr qsizetype kMaxBatchBytes = 64 << 10;
    static constexpr int kMaxBatchLines = 100;
    static constexpr int kFlushDelayMs = 50;
    static constexpr qsizetype kMaxLastLineBytes = 400;

    Source(SourceKind kind, const QString &name, const Context &context, QObject *parent = nullptr);
    ~Source() override;

    // In the source's thread.
    virtual void start() = 0;
    virtual void stop() = 0;

    // Thread-safe.
    SourceStatus status() const;
    int id() const { return m_context.id; }
    SourceKind kind() const { return m_kind; }
    // Stdin and commands: their end ends a headless l2met.
    virtual bool isFinite() const { return false; }
    // Thread-safe: a push waiting for room gives up (what it held is lost),
    // and no push waits any more. Call before queueing stop().
    void requestStop();
    bool isStopping() const { return m_stopping.load(std::memory_order_acquire); }

Q_SIGNALS:
    // Finite sources, once, after everything read has been pushed to the
    // inbox (or given up on after requestStop()). Not after stop().
    void finished(int exitStatus);
    // state or detail changed (not the counters).
    void stateChanged();

protected:
    enum class PushMode { Wait, NoWait };

    // Logs the change (logfmt; logExtra replaces "detail=..." when given,
    // e.g. "in=4s"); Failed at warning level.
    void setState(SourceState state, const QString &detail = {}, const QString &logExtra = {});
    // For stop(): Stopped, unless the source already Ended or Failed (what
    // the headless summary and the window should keep showing).
    void markStopped();
    void setExitStatus(int exitStatus);
    SourceState state() const;
    void setPushMode(PushMode mode) { m_pushMode = mode; }

    // Appends data of one stream (a command's stdout = 0, stderr = 1; each
    // keeps its own partial line).
    void addData(const char *data, qsizetype size, int stream = 0);
    void addData(const QByteArray &data, int stream = 0) { addData(data.constData(), data.size(), stream); }
    // The stream ended: its partial last line, if any, becomes a line.
    void endOfData(int stream = 0);
    // Every stream ended (endOfData), then flushBatch(): for stop() and ends.
    void endAllData();
    // Forgets a stream's partial line (a file truncated or replaced mid-line
    // is ended with endOfData() instead; this is for streams thrown away).
    void resetStream(int stream = 0);
    // One complete line (no '\n'; cut at kMaxLineBytes). In NoWait mode the
    // caller checks batchFull() first.
    void addLine(QByteArrayView line);
    // Pushes what is batched. Wait mode: waits for room; false when it gave
    // up (stopping or inbox closed: the batch is lost). NoWait: one try;
    // false when the batch is still there.
    bool flushBatch();
    bool tryFlushBatch();
    bool batchFull() const;
    bool batchEmpty() const { return m_batchLines == 0; }
    // UDP syslog: lines lost while the inbox was full.
    void countDropped(quint64 lines);
    // Called after a NoWait push succeeded (the batch is empty again): a
    // source that paused its reading resumes here.
    virtual void batchDrained() { }

    // Log helpers: "at=source.<kind> id=<id>" and a logfmt value.
    QString logPrefix() const;

    const Context &context() const { return m_context; }

private:
    struct Stream
    {
        QByteArray partial;
        bool skipping = false; // the rest of a line cut at kMaxLineBytes
    };
    static constexpr int kStreams = 2;

    void appendLine(QByteArrayView line);
    void publish();
    bool pushBatch(bool wait);
    void onFlushTimer();

    const SourceKind m_kind;
    const Context m_context;
    PushMode m_pushMode = PushMode::Wait;
    std::atomic<bool> m_stopping { false };

    // The source's thread only.
    std::array<Stream, kStreams> m_streams;
    QByteArray m_batch;
    int m_batchLines = 0;
    QTimer *m_flushTimer = nullptr;
    bool m_waitingForRoom = false;
    SourceState m_stateBeforeWait = SourceState::Running;
    QString m_detailBeforeWait;
    quint64 m_unpublishedLines = 0;
    QByteArray m_unpublishedLast;

    mutable QMutex m_mutex; // guards m_status
    SourceStatus m_status;
};

} // namespace l2met
