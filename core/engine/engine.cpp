#include "engine/engine.h"

#include "auth/credentialscache.h"
#include "auth/fernet.h"
#include "engine/bucketsummariser.h"
#include "engine/enginemetrics.h"
#include "engine/enginestore.h"
#include "metrics/linetap.h"
#include "metrics/metchan.h"
#include "outlet/libratooutlet.h"
#include "outlet/previewsummary.h"
#include "outlet/reader.h"
#include "receiver/httpreceiver.h"
#include "receiver/inbox.h"
#include "parser/serieslimiter.h"
#include "receiver/parserpool.h"
#include "receiver/register.h"
#include "receiver/storewriter.h"
#include "source/sourcefactory.h"
#include "source/source.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QThread>
#include <QTimer>

#include <openssl/crypto.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <functional>

Q_LOGGING_CATEGORY(lcEngine, "l2met.engine")

namespace l2met {

namespace {

// Runs fn in obj's thread and waits for it.
template<typename Fn>
void runIn(QObject *obj, Fn &&fn)
{
    if (obj->thread() == QThread::currentThread())
        fn();
    else
        QMetaObject::invokeMethod(obj, std::forward<Fn>(fn), Qt::BlockingQueuedConnection);
}

int remaining(const QDeadlineTimer &deadline)
{
    return int(std::max<qint64>(0, deadline.remainingTime()));
}

// Runs this thread's events until condition() holds, looking every 10 ms.
void waitFor(const std::function<bool()> &condition)
{
    if (condition())
        return;
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (condition())
            loop.quit();
    });
    poll.start(10);
    loop.exec();
}

} // namespace

Engine::Engine(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_metrics(std::make_unique<Metrics>())
    , m_problems(std::make_unique<ProblemLog>())
{
}

Engine::~Engine()
{
    shutdown(5000);
}

QThread *Engine::makeThread(const QString &name)
{
    auto *thread = new QThread;
    thread->setObjectName(name);
    // OpenSSL keeps per-thread state (its error queue) that it frees only at
    // thread exit through a handler that may not run before the process
    // ends; freed here, in the thread, as it finishes.
    connect(thread, &QThread::finished, thread, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    thread->start();
    return thread;
}

void Engine::stopThread(QThread *thread)
{
    if (!thread)
        return;
    thread->quit();
    thread->wait();
    delete thread;
}

bool Engine::start(QString *error)
{
    Q_ASSERT(!m_running);
    QString keyError;
    const std::optional<QList<Fernet::Key>> keys = Fernet::parseKeys(m_config.secrets, &keyError);
    if (!keys) {
        *error = QStringLiteral("invalid secrets: %1").arg(keyError);
        return false;
    }
    m_fernet = std::make_shared<const Fernet>(*keys);
    m_credentials = std::make_shared<CredentialsCache>(m_fernet);
    QString percentilesError;
    const std::optional<Percentiles> percentiles = Percentiles::parse(m_config.percentiles, &percentilesError);
    if (!percentiles) {
        *error = QStringLiteral("invalid percentiles: %1").arg(percentilesError);
        return false;
    }
    m_percentiles = *percentiles;

    m_store = makeEngineStore(m_config, error);
    if (!m_store)
        return false;

    if (!setUpLocalCredentials(error))
        return false;

    if (m_config.runsOutlet()) {
        m_outletThread = makeThread(QStringLiteral("l2met-outlet"));
        LibratoOutlet::Options options;
        options.url = QUrl(m_config.libratoUrl);
        options.retries = m_config.outletRetry;
        options.timeoutMs = m_config.outletTtlMs;
        options.preview = m_config.preview;
        options.percentiles = m_percentiles;
        options.credentials = m_credentials;
        if (m_config.preview) {
            m_previewSummary = std::make_shared<PreviewSummary>();
            options.previewSummary = m_previewSummary;
            options.previewSink = m_previewSink;
        }
        m_outlet = new LibratoOutlet(options, m_fernet, m_metrics.get());
        m_outlet->moveToThread(m_outletThread);

        m_readerThread = makeThread(QStringLiteral("l2met-reader"));
        const QByteArray owner = QHostInfo::localHostName().toUtf8() + ':'
            + QByteArray::number(QCoreApplication::applicationPid()) + ':'
            + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
        LibratoOutlet *outlet = m_outlet;
        Reader::Options readerOptions;
        readerOptions.intervalMs = m_config.outletIntervalMs;
        readerOptions.gaugesPerBucket = 1 + m_percentiles.size();
        // The longest one batch can take: every attempt timing out, and the
        // back-off before each retry at its cap (a Retry-After may ask for
        // that much), plus slack. Past it the reader gives up on the delivery
        // without acknowledging it: the buckets are delivered again.
        readerOptions.deliveryTimeoutMs = (m_config.outletRetry + 1) * m_config.outletTtlMs
            + m_config.outletRetry * options.maxBackoffMs + 5000;
        // The outlet runs done in its thread once the buckets' batches ended;
        // the reader acknowledges them then (acknowledge after delivery).
        m_reader = new Reader(m_store.get(), m_metrics.get(), readerOptions, owner,
                              [outlet](std::vector<Bucket> buckets, Reader::Done done) {
                                  QMetaObject::invokeMethod(
                                      outlet,
                                      [outlet, b = std::move(buckets), d = std::move(done)]() mutable {
                                          outlet->deliver(std::move(b), std::move(d));
                                      },
                                      Qt::QueuedConnection);
                              });
        m_reader->moveToThread(m_readerThread);
        runIn(m_reader, [this] { m_reader->start(); });
    }

    if (m_config.runsReceiver()) {
        m_inbox = std::make_unique<Inbox>(m_config.buffer, m_config.inboxBytes);
        m_register = std::make_unique<Register>();
        m_lineTap = std::make_unique<LineTap>();
        m_limiter = std::make_unique<SeriesLimiter>(m_config.maxSeries);
        m_parsers = std::make_unique<ParserPool>(m_inbox.get(), m_register.get(), m_metrics.get(),
                                                 m_problems.get(), m_lineTap.get(), m_limiter.get());
        m_parsers->start(m_config.effectiveConcurrency(), m_workerNice);

        m_storeThread = makeThread(QStringLiteral("l2met-store"));
        m_writer = new StoreWriter(m_register.get(), m_store.get(), m_metrics.get(),
                                   m_config.flushIntervalMs, m_config.outboxFlushes);
        m_writer->moveToThread(m_storeThread);
        runIn(m_writer, [this] { m_writer->start(); });
    }
    // Every process serves /health and /metrics on its port (an outlet-only
    // process too: it is what its operator watches); /logs and /sign only
    // where the receiver runs.
    if (!startHttp(error))
        return false;

    // Local sources, once the inbox and the parsers run.
    QList<SourceSpec> specs;
    if (m_config.readStdin)
        specs.append({ SourceKind::Stdin, QString(), false });
    if (!m_config.command.isEmpty())
        specs.append({ SourceKind::Command, joinCommandLine(m_config.command), false });
    for (const QString &path : std::as_const(m_config.tailFiles))
        specs.append({ SourceKind::File, path, m_config.fromStart });
    for (const QString &app : std::as_const(m_config.herokuApps))
        specs.append({ SourceKind::Heroku, app, false });
    if (!m_config.syslogAddress.isEmpty())
        specs.append({ SourceKind::Syslog, m_config.syslogAddress, false });
    m_running = true; // addSource needs it
    for (const SourceSpec &spec : std::as_const(specs)) {
        QString sourceError;
        if (addSource(spec, &sourceError) == 0) {
            *error = sourceError;
            shutdown(5000);
            return false;
        }
    }
    if (!m_config.metchanUrl.isEmpty()) {
        m_metchanThread = makeThread(QStringLiteral("l2met-metchan"));
        m_metchan = new Metchan(QUrl(m_config.metchanUrl), m_metrics.get(), QHostInfo::localHostName());
        m_metchan->moveToThread(m_metchanThread);
        runIn(m_metchan, [this] { m_metchan->start(); });
    }
    m_running = true;
    qCInfo(lcEngine).noquote() << QStringLiteral(
                                      "at=engine.start receiver=%1 outlet=%2 store=%3 partitions=%4 "
                                      "concurrency=%5 preview=%6")
                                      .arg(m_config.runsReceiver())
                                      .arg(m_config.runsOutlet())
                                      .arg(m_store->kind())
                                      .arg(m_config.partitions)
                                      .arg(m_config.effectiveConcurrency())
                                      .arg(m_config.preview);
    return true;
}

bool Engine::startHttp(QString *error)
{
    HttpReceiver::Options options;
    options.address = QHostAddress(m_config.bind);
    options.port = quint16(m_config.port);
    options.limits.maxBodyBytes = m_config.maxBodyBytes;
    options.server.maxConnections = m_config.maxConnections;
    options.server.maxBufferedBytes = m_config.maxBufferedBytes;
    options.recvDeadline = m_config.recvDeadline;
    options.routerStatus = m_config.routerStatus;
    options.secretKeys = m_config.secrets.split(':');
    HttpReceiver::Hooks hooks;
    Store *store = m_store.get();
    hooks.storeHealthy = [store] { return store->healthy(); };
    hooks.credentials = m_credentials;
    if (StoreWriter *writer = m_writer)
        hooks.outboxFull = [writer] { return writer->outboxFull(); };
    if (m_register)
        hooks.overBudget = [this] { return overBudget(); };
    hooks.metricsText = [this, store] {
        m_metrics->gauge(kStoreHealthy).set(store->healthy() ? 1 : 0);
        if (m_inbox) {
            m_metrics->gauge(kInboxDepth).set(m_inbox->depth());
            m_metrics->gauge(kInboxBytes).set(m_inbox->bytes());
            m_metrics->gauge(kRegisterBuckets).set(m_register->bucketCount());
            m_metrics->gauge(kRegisterValues).set(m_register->valueCount());
        }
        if (m_inbox) {
            // Lines local sources read but could not keep (UDP syslog while
            // the inbox was full), by kind.
            std::map<SourceKind, quint64> dropped;
            for (const SourceStatus &status : sourceStatuses())
                dropped[status.kind] += status.linesDropped;
            for (const auto &[kind, lines] : dropped) {
                m_metrics->gauge(kSourceLinesDropped, QByteArray("source_kind=\"") + sourceKindName(kind) + '"')
                    .set(double(lines));
            }
        }
        if (m_reader) {
            // A const copy: iterating a non-const one would detach it, reading
            // the reader's shared buffer outside its mutex (TSan saw that).
            const QList<PartitionScan> scans = m_reader->scans();
            int held = 0;
            for (const PartitionScan &scan : scans)
                held += scan.lastLocked ? 1 : 0;
            m_metrics->gauge(kPartitions).set(m_config.partitions);
            m_metrics->gauge(kPartitionsLocked).set(held);
        }
        return m_metrics->prometheusText();
    };
    m_httpThread = makeThread(QStringLiteral("l2met-http"));
    // Without the receiver role there is no inbox: the receiver answers
    // /logs and /sign with 404.
    m_receiver = new HttpReceiver(options, m_fernet, m_inbox.get(), m_metrics.get(), m_problems.get(),
                                  hooks);
    m_receiver->moveToThread(m_httpThread);
    QString listenError;
    runIn(m_receiver, [this, &listenError] {
        if (m_workerNice != 0)
            setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), m_workerNice);
        m_port = m_receiver->start(&listenError);
    });
    if (m_port == 0) {
        *error = listenError;
        m_running = true; // so that shutdown() tears down what started
        shutdown(2000);
        return false;
    }
    return true;
}

void Engine::setLineCapture(bool on)
{
    if (m_lineTap)
        m_lineTap->setEnabled(on);
}

QString Engine::previewSummary() const
{
    return m_previewSummary ? m_previewSummary->table() : QString();
}

void Engine::shutdown(int timeoutMs)
{
    if (!m_running)
        return;
    m_running = false;
    publishSnapshots(0);
    const QDeadlineTimer deadline(timeoutMs);
    qint64 unstored = 0;

    // 1. Stop accepting: local sources push what they batched and stop
    // reading; the HTTP server closes.
    stopLocalSources();
    if (m_receiver) {
        runIn(m_receiver, [this] {
            m_receiver->stop();
            delete m_receiver;
        });
        m_receiver = nullptr;
        stopThread(m_httpThread);
        m_httpThread = nullptr;
    }
    // 2. Parse what the inbox holds.
    if (m_inbox) {
        m_inbox->close();
        m_parsers->join();
    }
    // 3. Flush the register to the store.
    if (m_writer) {
        runIn(m_writer, [this, &deadline, &unstored] {
            unstored = m_writer->drain(remaining(deadline) / 2);
            delete m_writer;
        });
        m_writer = nullptr;
        stopThread(m_storeThread);
        m_storeThread = nullptr;
    }
    // 4. Let the outlet deliver what is ready and acknowledge it in the
    //    store; a memory store dies with us, so everything in it is
    //    delivered now rather than lost. The reader waits for the outlet in
    //    its own thread, and stops waiting at the deadline (what it did not
    //    acknowledge stays in Redis for another process; in memory it is
    //    counted below as left). This thread waits with an event loop, not a
    //    blocking call: it may serve other things meanwhile (the window
    //    repaints; a test's fake Librato answers).
    qint64 undelivered = 0;
    if (m_reader) {
        const bool everything = m_store->kind() == QLatin1String("memory");
        m_reader->finishBy(deadline);
        std::atomic<bool> drained { false };
        QMetaObject::invokeMethod(
            m_reader,
            [this, everything, &drained] {
                m_reader->stopTimer();
                m_reader->drain(everything);
                drained = true;
            },
            Qt::QueuedConnection);
        waitFor([&drained] { return drained.load(); }); // the reader keeps to the deadline
        runIn(m_reader, [this] { delete m_reader; });
        m_reader = nullptr;
        stopThread(m_readerThread);
        m_readerThread = nullptr;
    }
    // 5. Batches still on their way (a delivery the reader gave up on at the
    //    deadline) get what is left of it, then the outlet stops.
    if (m_outlet) {
        runIn(m_outlet, [] {}); // what was queued to the outlet thread has started
        waitFor([this, &deadline] { return m_outlet->inFlight() == 0 || deadline.hasExpired(); });
        undelivered = m_outlet->inFlight();
        runIn(m_outlet, [this] { delete m_outlet; });
        m_outlet = nullptr;
        stopThread(m_outletThread);
        m_outletThread = nullptr;
    }
    if (m_metchan) {
        runIn(m_metchan, [this] { delete m_metchan; });
        m_metchan = nullptr;
        stopThread(m_metchanThread);
        m_metchanThread = nullptr;
    }
    const StoreStats stats = m_store ? m_store->stats() : StoreStats();
    qCInfo(lcEngine).noquote() << QStringLiteral(
                                      "at=engine.shutdown unstored_buckets=%1 undelivered_requests=%2 "
                                      "store_buckets_left=%3 timed_out=%4")
                                      .arg(unstored)
                                      .arg(undelivered)
                                      .arg(stats.buckets)
                                      .arg(deadline.hasExpired());
}

void Engine::setParsingPaused(bool paused)
{
    if (m_inbox)
        m_inbox->setPaused(paused);
}

QByteArray Engine::sign(QByteArrayView credentials) const
{
    return m_fernet ? m_fernet->encrypt(credentials) : QByteArray();
}

void Engine::publishSnapshots(int intervalMs)
{
    if (m_snapshotThread) {
        runIn(m_snapshotTimer, [this] { delete m_snapshotTimer; });
        m_snapshotTimer = nullptr;
        stopThread(m_snapshotThread);
        m_snapshotThread = nullptr;
    }
    if (intervalMs <= 0)
        return;
    m_snapshotThread = makeThread(QStringLiteral("l2met-snapshot"));
    m_snapshotTimer = new QTimer;
    m_snapshotTimer->moveToThread(m_snapshotThread);
    connect(m_snapshotTimer, &QTimer::timeout, m_snapshotTimer, [this, intervalMs] {
        QElapsedTimer took;
        took.start();
        std::shared_ptr<const EngineSnapshot> s = snapshot();
        // Rest at least twice what it took (restarts the timer from now).
        m_snapshotTimer->setInterval(int(std::clamp<qint64>(2 * took.elapsed(), intervalMs, 10000)));
        Q_EMIT snapshotReady(std::move(s));
    });
    runIn(m_snapshotTimer, [this, intervalMs] { m_snapshotTimer->start(intervalMs); });
}

void Engine::setBucketQuery(const BucketQuery &query)
{
    QMutexLocker lock(&m_queryMutex);
    m_bucketQuery = query;
}

BucketQuery Engine::bucketQuery() const
{
    QMutexLocker lock(&m_queryMutex);
    return m_bucketQuery;
}

void Engine::summarise(EngineSnapshot &s) const
{
    BucketPass pass;
    pass.reg = m_register.get();
    pass.store = m_store.get();
    pass.userOf = [this](const QByteArray &token) {
        Credentials credentials; // the user stays empty when the token no longer verifies
        if (m_credentials)
            m_credentials->resolve(token, &credentials);
        return credentials.user;
    };
    pass.percentiles = m_percentiles;
    pass.query = bucketQuery();
    pass.limit = EngineSnapshot::kMaxBuckets;
    pass.expectedBuckets = s.store.buckets + s.registerBuckets;
    {
        // Grouping again once the last grouping's cost is at most a fifth
        // of the time since: always with few buckets, every few seconds
        // with a million.
        QMutexLocker lock(&m_metricsMutex);
        pass.withMetrics = !m_sinceMetrics.isValid() || double(m_sinceMetrics.elapsed()) >= 4 * m_lastMetricsMs;
    }
    summariseBuckets(pass, s);
    QMutexLocker lock(&m_metricsMutex);
    if (pass.withMetrics) {
        m_lastMetrics = s.metricSummary;
        m_lastMetricsTaken = s.metricsTaken;
        m_lastMetricsMs = s.metricsBuildMs;
        m_sinceMetrics.start();
    } else {
        s.metricSummary = m_lastMetrics;
        s.metricsTaken = m_lastMetricsTaken;
        s.metricsBuildMs = m_lastMetricsMs;
    }
}

qint64 Engine::bucketsHeld() const
{
    qint64 held = 0;
    if (m_register)
        held += m_register->bucketCount();
    if (m_store)
        held += m_store->bucketsInMemory();
    if (m_writer)
        held += m_writer->pendingBuckets();
    return held;
}

QByteArray Engine::overBudget() const
{
    const qint64 held = bucketsHeld();
    if (held < m_config.maxBuckets)
        return {};
    return "holding " + QByteArray::number(held) + " buckets in memory, the --max-buckets budget of "
        + QByteArray::number(m_config.maxBuckets)
        + " (register, store and outbox; they leave as the outlet delivers them)";
}

std::shared_ptr<const EngineSnapshot> Engine::snapshot() const
{
    auto s = std::make_shared<EngineSnapshot>();
    s->taken = QDateTime::currentDateTimeUtc();
    s->receiverRunning = m_receiver != nullptr && m_inbox != nullptr;
    s->outletRunning = m_outlet != nullptr;
    s->preview = m_config.preview;
    s->percentiles = m_percentiles;
    s->port = m_port;
    if (m_store) {
        s->storeKind = m_store->kind();
        s->store = m_store->stats();
        s->storeHealthy = s->store.healthy;
    }
    if (m_register) {
        s->registerBuckets = m_register->bucketCount();
        s->registerValues = m_register->valueCount();
    }
    if (m_inbox) {
        s->inboxDepth = m_inbox->depth();
        s->inboxBytes = m_inbox->bytes();
    }
    if (m_writer) {
        s->outboxBuckets = m_writer->pendingBuckets();
        s->outboxFull = m_writer->outboxFull();
    }
    if (m_reader) {
        s->scans = m_reader->scans();
        s->readerOwner = m_reader->owner();
    }
    if (m_outlet) {
        s->delivery = m_outlet->stats();
        s->previews = m_outlet->previews();
    }
    s->metrics = m_metrics->samples();
    s->problems = m_problems->recent();
    s->sources = sourceStatuses();
    if (m_lineTap) {
        s->lineCapacity = m_lineTap->capacity();
        // The newest lines, by seq: the window adds those it has not seen,
        // so a snapshot it skips (it applies only the newest pending one)
        // loses none unless more than kLinesPerSnapshot arrived meanwhile.
        s->lines = m_lineTap->since(0, EngineSnapshot::kLinesPerSnapshot);
        s->linesSampledOut = m_lineTap->sampledOut();
        s->linesSampling = m_lineTap->sampling();
    }
    summarise(*s);
    return s;
}

} // namespace l2met
