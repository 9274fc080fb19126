// HttpReceiver: l2met's HTTP interface (docs/behaviour.md section 2) on Qt HttpServer over
// a BoundedTcpServer: POST /logs (authenticate, check options and size, put
// the body on the inbox, answer at once: parsing happens after the answer),
// GET /health, POST /sign, GET /metrics. Every process runs one; without an
// inbox (a process that runs only the outlet) /logs and /sign answer 404 and
// /health and /metrics work as anywhere.
//
// Lives in the HTTP thread (created there by the Engine); start() and stop()
// run in that thread. Drain tokens are resolved through a CredentialsCache
// so a busy drain costs one Fernet verification, not one per request. Accepted
// (token, Logplex-Frame-Id) pairs are remembered (FrameDedup) so a batch
// that logplex retries is answered 200 without being parsed twice.
#pragma once

#include "auth/credentials.h"
#include "auth/credentialscache.h"
#include "auth/fernet.h"
#include "parser/ingestoptions.h"
#include "receiver/boundedtcpserver.h"
#include "receiver/connectionguard.h"
#include "receiver/framededup.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponse;

namespace l2met {

class Inbox;
class Metrics;
class ProblemLog;
class Counter;

class HttpReceiver : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QHostAddress address = QHostAddress::Any;
        quint16 port = 8080;
        ConnectionLimits limits;
        ServerLimits server;
        int recvDeadline = 2;
        bool routerStatus = true;
        QList<QByteArray> secretKeys; // the configured keys, for /sign
        // Retried batches (same token and Logplex-Frame-Id) are dropped
        // within this window and up to this many remembered batches.
        qint64 dedupWindowMs = FrameDedup::kDefaultWindowMs;
        int dedupMaxEntries = FrameDedup::kDefaultMaxEntries;
    };
    struct Hooks
    {
        std::function<bool()> storeHealthy;  // /health 503 when false
        std::function<bool()> outboxFull;    // /logs 503 while the store is down or slow and the outbox is full
        // Non-empty (the reason) while the process holds --max-buckets
        // buckets: /logs and /health answer 503 with it.
        std::function<QByteArray()> overBudget;
        std::function<QByteArray()> metricsText; // /metrics
        // Drain tokens to credentials (the engine's one cache); null: the
        // receiver keeps its own over its Fernet keys.
        std::shared_ptr<const CredentialsCache> credentials;
    };

    // inbox may be null: the process does not run the receiver role.
    HttpReceiver(Options options, std::shared_ptr<const Fernet> fernet, Inbox *inbox,
                 Metrics *metrics, ProblemLog *problems, Hooks hooks, QObject *parent = nullptr);
    ~HttpReceiver() override;

    // Listens; returns the port (0 on failure, with *error set).
    quint16 start(QString *error);
    // Stops accepting and closes every connection.
    void stop();

    quint16 port() const { return m_port; }
    // Open connections and the bytes of requests they hold (0 when stopped).
    int openConnections() const;
    qint64 bufferedBytes() const;

    // Parses /logs query options into *options; an error text when invalid.
    static QString parseQuery(const QUrlQuery &query, IngestOptions *options);

private:
    QHttpServerResponse notHere();
    QHttpServerResponse handleLogs(const QHttpServerRequest &request);
    QHttpServerResponse handleHealth(const QHttpServerRequest &request);
    QHttpServerResponse handleSign(const QHttpServerRequest &request);
    QHttpServerResponse handleMetrics(const QHttpServerRequest &request);
    QHttpServerResponse reject(int status, const QByteArray &kind, const QByteArray &text,
                               const QByteArray &user = {});
    void countStatus(int status);

    Options m_options;
    std::shared_ptr<const Fernet> m_fernet;
    Inbox *m_inbox;
    Metrics *m_metrics;
    ProblemLog *m_problems;
    Hooks m_hooks;
    QHttpServer *m_server = nullptr;
    BoundedTcpServer *m_tcp = nullptr;
    quint16 m_port = 0;
    std::shared_ptr<const CredentialsCache> m_credentials;
    FrameDedup m_dedup; // HTTP thread only
    QElapsedTimer m_clock; // monotonic time for m_dedup

    Counter *m_requests = nullptr;
    Counter *m_bodyBytes = nullptr;
    Counter *m_bodiesAccepted = nullptr;
    Counter *m_bodiesDuplicate = nullptr;
    Counter *m_linesDuplicate = nullptr;
    Counter *m_evicted = nullptr;
    QHash<int, Counter *> m_byStatus;
};

} // namespace l2met
