// Engine: owns l2met's worker threads and wires the stages of
// docs/behaviour.md section 1 (docs/architecture.md maps the threads):
//
//   "l2met-http"      HttpReceiver (Qt HttpServer over BoundedTcpServer)
//        | Inbox (bounded: bodies and bytes)
//   "l2met-parse-N"   ParserPool: bodies -> buckets -> Register (sharded)
//   "l2met-store"     StoreWriter: every flush interval, Register -> outbox -> Store
//   "l2met-reader"    Reader: every outlet interval, per partition under its lock:
//                     read ready buckets -> deliver -> acknowledge (at least once;
//                     Librato replaces a gauge re-sent for the same time)
//   "l2met-outlet"    LibratoOutlet: statistics, batches per credentials, retries
//
// Data crosses threads as values through the bounded inbox, the register and
// the store; control crosses only through queued invocations. The Engine
// publishes an EngineSnapshot a few times a second (snapshotReady).
//
// shutdown() (docs/behaviour.md section 8) stops the stages in pipeline
// order: stop accepting, parse what the inbox holds, flush the register to
// the store, let the outlet deliver what is ready (with the memory store,
// everything: nothing else would ever deliver it), then stop, within a
// bounded time.
//
// Create, start, snapshot and shut down from one thread (the main thread).
#pragma once

#include "config/config.h"
#include "engine/enginesnapshot.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "source/sourcestatus.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QObject>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

class QThread;
class QTimer;

namespace l2met {

class Fernet;
class CredentialsCache;
class Inbox;
class Register;
class Store;
class HttpReceiver;
class ParserPool;
class SeriesLimiter;
class StoreWriter;
class Reader;
class LibratoOutlet;
class Metchan;
class LineTap;
class PreviewSummary;
class Source;
struct PreviewPayload;

class Engine : public QObject
{
    Q_OBJECT

public:
    explicit Engine(Config config, QObject *parent = nullptr);
    ~Engine() override;

    // Starts the roles of the config; false and *error (one line) when it
    // cannot (bad secret, port taken, store unreachable...).
    bool start(QString *error);
    // Graceful, blocking, bounded by timeoutMs. Idempotent.
    void shutdown(int timeoutMs = 30000);

    bool isRunning() const { return m_running; }
    quint16 port() const { return m_port; }
    const Config &config() const { return m_config; }
    Metrics &metrics() { return *m_metrics; }
    ProblemLog &problems() { return *m_problems; }

    // Call before start(): the parser threads and the HTTP thread run at
    // this nice, so under saturation they yield to the GUI thread (the
    // desktop window keeps painting) and not to each other: an HTTP thread
    // above the parsers would only take bodies the parsers have no time
    // for, to answer them 503. 0 = normal.
    void setWorkerNice(int nice) { m_workerNice = nice; }

    // Parsers stop taking bodies (the inbox fills; /logs answers 503 when
    // it is full) until resumed.
    void setParsingPaused(bool paused);

    // Local sources (core/source/), from the main thread while running.
    // addSource returns the new source's id (SourceStatus::id), or 0 with
    // *error when it cannot be added. stopSource stops reading (the source
    // stays listed, state Stopped); removeSource stops and forgets it.
    int addSource(const SourceSpec &spec, QString *error = nullptr);
    void stopSource(int id);
    void removeSource(int id);
    // Forwards SIGINT/SIGTERM to the children of command sources.
    void forwardSignal(int signal);

    // The Lines view is open: capture what lines become (sampled above
    // ~1,000 lines/s). Off by default: then capturing costs nothing.
    void setLineCapture(bool on);

    // Call before start(): in preview mode, every payload is also handed to
    // sink as it is built (in the outlet thread): headless --preview writes
    // them out as JSON lines.
    void setPreviewSink(std::function<void(const PreviewPayload &)> sink) { m_previewSink = std::move(sink); }
    // Preview mode: per metric, what was previewed so far (a table; empty
    // when nothing was).
    QString previewSummary() const;
    // Local sources have no Librato credentials: their metrics are only
    // previewed (preview mode was turned on at start).
    bool localPreviewOnly() const { return m_localPreviewOnly; }

    // A drain token for "user:api-token" signed with the first secret key.
    QByteArray sign(QByteArrayView credentials) const;

    // What the Buckets tab shows: the filter and order snapshots apply to
    // every bucket held (EngineSnapshot::buckets). Any thread; kept across
    // snapshots.
    void setBucketQuery(const BucketQuery &query);
    BucketQuery bucketQuery() const;

    // Builds a snapshot now (any thread; it reads only thread-safe state).
    std::shared_ptr<const EngineSnapshot> snapshot() const;
    // Buckets held in memory (register, memory store, outbox), and the
    // reason /logs answers 503 when that reaches --max-buckets (else empty).
    // Thread-safe (atomic loads).
    qint64 bucketsHeld() const;
    QByteArray overBudget() const;
    // Publishes a snapshot every intervalMs through snapshotReady, built in
    // the "l2met-snapshot" thread so the GUI thread never pays for it; when
    // building one takes longer than intervalMs/2 (a million buckets), the
    // thread rests twice as long as it took before the next, so it uses at
    // most about half a core. 0 stops. Headless processes need none.
    void publishSnapshots(int intervalMs);

Q_SIGNALS:
    void snapshotReady(std::shared_ptr<const l2met::EngineSnapshot> snapshot);
    // Every finite source (stdin, command) has ended and pushed all it read:
    // a headless l2met then shuts down (delivering) and exits with status,
    // the command's exit status (0 for stdin).
    void finiteSourcesEnded(int status);

private:
    struct LocalSource
    {
        SourceSpec spec;
        Source *source = nullptr; // lives in thread
        QThread *thread = nullptr;
        bool finite = false;
        bool finished = false;
        bool isCommand = false;
        int exitStatus = 0;
    };

    bool startHttp(QString *error);
    bool setUpLocalCredentials(QString *error);
    void sourceFinished(int id, int status);
    void stopLocalSources();
    QList<SourceStatus> sourceStatuses() const;
    QThread *makeThread(const QString &name);
    void summarise(EngineSnapshot &snapshot) const;
    void stopThread(QThread *thread);

    Config m_config;
    Percentiles m_percentiles = Percentiles::defaults(); // parsed from m_config by start()
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<ProblemLog> m_problems;
    std::shared_ptr<const Fernet> m_fernet;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Inbox> m_inbox;
    std::unique_ptr<Register> m_register;
    std::unique_ptr<SeriesLimiter> m_limiter; // --max-series
    std::unique_ptr<ParserPool> m_parsers;

    QThread *m_httpThread = nullptr;
    QThread *m_storeThread = nullptr;
    QThread *m_readerThread = nullptr;
    QThread *m_outletThread = nullptr;
    HttpReceiver *m_receiver = nullptr;
    StoreWriter *m_writer = nullptr;
    Reader *m_reader = nullptr;
    LibratoOutlet *m_outlet = nullptr;
    QThread *m_metchanThread = nullptr;
    Metchan *m_metchan = nullptr;

    QThread *m_snapshotThread = nullptr;
    QTimer *m_snapshotTimer = nullptr; // lives in m_snapshotThread
    std::shared_ptr<CredentialsCache> m_credentials; // drain tokens -> credentials, for every stage
    std::unique_ptr<LineTap> m_lineTap;
    std::shared_ptr<PreviewSummary> m_previewSummary;
    std::function<void(const PreviewPayload &)> m_previewSink;
    mutable QMutex m_queryMutex;
    BucketQuery m_bucketQuery; // under m_queryMutex
    // The last Metrics grouping, reused while a new one is not due (see
    // EngineSnapshot::metricSummary); under m_metricsMutex.
    mutable QMutex m_metricsMutex;
    mutable MetricSummary m_lastMetrics;
    mutable QDateTime m_lastMetricsTaken;
    mutable double m_lastMetricsMs = 0;
    mutable QElapsedTimer m_sinceMetrics;

    // Local sources (main thread only, but for the snapshot's read of the
    // source pointers, under m_sourcesMutex).
    mutable QMutex m_sourcesMutex;
    std::map<int, LocalSource> m_sources;
    int m_nextSourceId = 1;
    QByteArray m_localToken; // drain token of local sources' buckets; never logged
    QByteArray m_localUser;
    bool m_localPreviewOnly = false;
    bool m_finiteEndedEmitted = false;
    bool m_stdinTaken = false;

    quint16 m_port = 0;
    int m_workerNice = 0;
    bool m_running = false;
};

} // namespace l2met
