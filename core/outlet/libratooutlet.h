// LibratoOutlet: delivers batches to the Librato metrics API
// (docs/behaviour.md section 5) with a QNetworkAccessManager in the outlet
// thread: POST {url}/v1/metrics, Basic auth user:api-token, JSON, User-Agent
// l2met/VERSION. 2xx is delivered; 5xx, 429 (Retry-After honoured),
// timeouts (outlet-ttl) and connection errors are retried with exponential
// backoff up to outlet-retry more attempts; other 4xx are permanent (logged
// with Librato's error text, counted, not retried). Redirects are not
// followed (they would carry the credentials elsewhere): a 3xx is permanent
// too. In preview mode the same payloads are built and kept for inspection,
// and nothing is sent.
//
// Lives in the outlet thread: call deliver() through a queued invocation, and
// destroy it there (the QNetworkAccessManager is created on the first
// deliver(), so the object may be moved to its thread after construction).
// Destruction aborts outstanding requests and counts their gauges as failed.
// stats(), previews() and inFlight() are thread-safe.
#pragma once

#include "auth/credentialscache.h"
#include "auth/fernet.h"
#include "bucket/bucket.h"
#include "metrics/metrics.h"
#include "outlet/converter.h"
#include "outlet/deliverystatus.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace l2met {

class PreviewSummary;

class LibratoOutlet : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QUrl url = QUrl(QStringLiteral("https://metrics-api.librato.com"));
        int retries = 2;        // attempts after the first
        int timeoutMs = 2000;   // per request
        int backoffMs = 250;    // first retry delay; doubles each attempt
        int maxBackoffMs = 30000; // also caps Retry-After
        // Requests on the wire at once; the others wait here, in order, with
        // no timeout running (in QNAM's own per-host queue it would run).
        int maxConcurrentRequests = 6;
        bool preview = false;
        int previewKeep = 100;  // payloads kept in preview mode
        Percentiles percentiles = Percentiles::defaults(); // of each measurement (--percentiles)
        // Preview mode: also handed every payload as it is built (outlet
        // thread; headless --preview writes them as JSON lines), and the
        // previewed buckets, summed per metric.
        std::function<void(const PreviewPayload &)> previewSink;
        std::shared_ptr<PreviewSummary> previewSummary;
        // Drain tokens to credentials (the engine's one cache); null: the
        // outlet keeps its own over its Fernet keys.
        std::shared_ptr<const CredentialsCache> credentials;
    };

    // metrics may be null (the outlet then keeps its own instruments).
    LibratoOutlet(Options options, std::shared_ptr<const Fernet> fernet, Metrics *metrics,
                  QObject *parent = nullptr);
    ~LibratoOutlet() override;

    // Converts and sends (or, in preview, keeps). Call in the outlet thread.
    void deliver(std::vector<l2met::Bucket> buckets);
    // The same, and runs done once, in the outlet thread, when every batch
    // made of these buckets has ended: delivered, or failed for good
    // (permanent error, retries exhausted). The Reader acknowledges the
    // buckets in the store then. With nothing to send (no buckets, only
    // undeliverable tokens, preview mode) done runs before deliver returns.
    // A delivery cut short by the outlet's destruction never runs done: no
    // answer confirmed it, so its buckets must stay in the store.
    void deliver(std::vector<l2met::Bucket> buckets, std::function<void()> done);

    QList<DeliveryStats> stats() const;
    QList<PreviewPayload> previews() const;
    // Batches sent, queued to be sent, or waiting for a retry.
    int inFlight() const { return m_inFlight.load(); }

Q_SIGNALS:
    // Emitted whenever inFlight() drops to zero.
    void idle();
    // One request ended: delivered (true) or failed for good (false).
    void batchFinished(const QByteArray &user, bool delivered, int gauges, int httpStatus);

private:
    // One batch on its way: on the wire (reply set), queued, or waiting for a
    // retry.
    struct Request
    {
        Credentials credentials;
        QByteArray body;
        int gauges = 0;
        int attempt = 0; // 0: first attempt
        QNetworkReply *reply = nullptr;
        qint64 sentAtNs = 0; // m_clock time of the current attempt
        quint64 delivery = 0; // key in m_deliveries; 0: nobody waits for it
    };
    // A deliver() call with a done callback, until its last batch ends.
    struct Delivery
    {
        int batches = 0; // not ended yet
        std::function<void()> done;
    };

    void enqueue(quint64 id); // to be sent when a slot is free
    void sendQueued();
    void send(quint64 id);
    void onReplyFinished(quint64 id);
    // retryAfterMs: -1 when the answer had no usable Retry-After.
    void retryOrFail(quint64 id, int status, const QString &error, qint64 retryAfterMs);
    void finish(quint64 id, bool delivered, int status, const QString &error);
    qint64 backoffMs(int attempt) const;
    DeliveryStats &statsFor(const QByteArray &user); // m_mutex held
    void keepPreview(const OutletBatch &batch);

    Options m_options;
    std::shared_ptr<const Fernet> m_fernet;
    std::shared_ptr<const CredentialsCache> m_credentials;
    std::unique_ptr<Metrics> m_ownMetrics; // when none was given
    QNetworkAccessManager *m_network = nullptr; // child; created by the first send
    QUrl m_endpoint;
    QByteArray m_userAgent;

    Counter *m_gaugesDelivered;
    Counter *m_gaugesRetriedDelivered;
    Counter *m_gaugesFailed;
    Counter *m_gaugesUndeliverable;
    Counter *m_gaugesPreviewed;
    Counter *m_requests;
    Counter *m_retries;
    Counter *m_batchesFailed;
    Timer *m_latency;

    QElapsedTimer m_clock;
    quint64 m_nextId = 1;
    std::map<quint64, Request> m_requestsById; // outlet thread only
    std::deque<quint64> m_queue; // ids waiting for a free slot
    quint64 m_nextDelivery = 1;
    std::map<quint64, Delivery> m_deliveries; // outlet thread only
    int m_onTheWire = 0;

    mutable QMutex m_mutex; // guards m_stats and m_previews
    std::map<QByteArray, DeliveryStats> m_stats; // by user
    QList<PreviewPayload> m_previews; // oldest first

    std::atomic<int> m_inFlight { 0 };
};

} // namespace l2met
