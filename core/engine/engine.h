// Engine: owns l2met's worker threads and wires the stages of SPEC section 1:
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
// shutdown() (SPEC section 8) stops the stages in pipeline order: stop
// accepting, parse what the inbox holds, flush the register to the store,
// let the outlet deliver what is ready (with the memory store, everything:
// nothing else would ever deliver it), then stop, within a bounded time.
//
// Create, start, snapshot and shut down from one thread (the main thread).
#pragma once

#include "config/config.h"
#include "engine/enginesnapshot.h"

#include <QHash>
#include <QMutex>
#include <QObject>

#include <memory>

class QThread;

namespace l2met {

class Fernet;
class Inbox;
class Register;
class Store;
class HttpReceiver;
class ParserPool;
class StoreWriter;
class Reader;
class LibratoOutlet;
class Metchan;

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

    // Call before start(): parser threads yield to the others under
    // saturation (the desktop window keeps painting). 0 = normal.
    void setParserNice(int nice) { m_parserNice = nice; }

    // Parsers stop taking bodies (the inbox fills; /logs answers 503 when
    // it is full) until resumed.
    void setParsingPaused(bool paused);

    // A drain token for "user:api-token" signed with the first secret key.
    QByteArray sign(QByteArrayView credentials) const;

    // Builds a snapshot now (any thread; it reads only thread-safe state).
    std::shared_ptr<const EngineSnapshot> snapshot() const;
    // Publishes a snapshot every intervalMs through snapshotReady, built in
    // the "l2met-snapshot" thread so the GUI thread never pays for it.
    // 0 stops. Headless processes need none.
    void publishSnapshots(int intervalMs);

Q_SIGNALS:
    void snapshotReady(std::shared_ptr<const l2met::EngineSnapshot> snapshot);

private:
    bool startHttp(QString *error);
    QThread *makeThread(const QString &name);
    void summarise(EngineSnapshot &snapshot) const;
    void stopThread(QThread *thread);

    Config m_config;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<ProblemLog> m_problems;
    std::shared_ptr<const Fernet> m_fernet;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Inbox> m_inbox;
    std::unique_ptr<Register> m_register;
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
    mutable QMutex m_usersMutex;
    mutable QHash<QByteArray, QByteArray> m_users; // drain token -> Librato user (GUI only)
    quint16 m_port = 0;
    int m_parserNice = 0;
    bool m_running = false;
};

} // namespace l2met
