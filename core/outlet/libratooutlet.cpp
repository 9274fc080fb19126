#include "outlet/libratooutlet.h"

#include "metrics/logfmtvalue.h"
#include "outlet/outletmetrics.h"
#include "outlet/previewsummary.h"

#include <QLoggingCategory>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace l2met {

namespace {

Q_LOGGING_CATEGORY(lcOutlet, "l2met.outlet")

constexpr qsizetype kMaxErrorLength = 300;
const QLatin1String kRedacted("[redacted]");

// Librato's error body as one line of text, without the credentials
// (Librato never echoes them, but a proxy or a look-alike API may quote the
// API token or the whole Authorization header, and the text ends up in logs
// and in the GUI).
QString errorText(const QByteArray &body, const Credentials &credentials)
{
    QString text = QString::fromUtf8(body).simplified();
    if (!credentials.apiToken.isEmpty()) {
        const QByteArray basic
            = QByteArray(credentials.user + ':' + credentials.apiToken).toBase64();
        // Longest first: the unpadded Basic credentials are a prefix of the padded.
        for (const QByteArray &secret :
             { basic, basic.chopped(basic.count('=')), credentials.apiToken })
            text.replace(QString::fromUtf8(secret), kRedacted);
    }
    if (text.size() > kMaxErrorLength)
        text = text.left(kMaxErrorLength - 3) + QLatin1String("...");
    return text;
}

// Retry-After (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date; -1
// when absent or unreadable.
qint64 parseRetryAfterMs(QByteArrayView value)
{
    value = value.trimmed();
    if (value.isEmpty())
        return -1;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        qint64 seconds = 0;
        for (const char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > 86400)
                return 86400 * 1000; // far beyond any cap
        }
        return seconds * 1000;
    }
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(value), Qt::RFC2822Date);
    if (!at.isValid())
        return -1;
    return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(at));
}

bool isTimeout(QNetworkReply::NetworkError error)
{
    // Qt 6.4 reports setTransferTimeout() expiry as OperationCanceledError
    // (later versions as TimeoutError); the outlet aborts replies only in its
    // destructor, after disconnecting from them.
    return error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError;
}

// Network errors that no retry can fix: the URL itself is wrong.
bool isPermanentNetworkError(QNetworkReply::NetworkError error)
{
    return error == QNetworkReply::ProtocolUnknownError
        || error == QNetworkReply::ProtocolInvalidOperationError;
}

QUrl metricsEndpoint(QUrl url)
{
    QString path = url.path(QUrl::FullyEncoded);
    if (!path.endsWith(u'/'))
        path.append(u'/');
    path.append(QLatin1String("v1/metrics"));
    url.setPath(path, QUrl::TolerantMode);
    return url;
}

} // namespace

LibratoOutlet::LibratoOutlet(Options options, std::shared_ptr<const Fernet> fernet,
                             Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_fernet(std::move(fernet))
    , m_endpoint(metricsEndpoint(m_options.url))
    , m_userAgent(QByteArrayLiteral("l2met/" L2MET_VERSION))
{
    if (!m_fernet)
        m_fernet = std::make_shared<const Fernet>(QList<Fernet::Key>()); // nothing verifies
    m_credentials = m_options.credentials ? m_options.credentials
                                          : std::make_shared<const CredentialsCache>(m_fernet);
    if (!metrics) {
        m_ownMetrics = std::make_unique<Metrics>();
        metrics = m_ownMetrics.get();
    }
    m_gaugesDelivered = &metrics->counter(kGaugesDelivered);
    m_gaugesRetriedDelivered = &metrics->counter(kGaugesRetriedDelivered);
    m_gaugesFailed = &metrics->counter(kGaugesFailed);
    m_gaugesUndeliverable = &metrics->counter(kGaugesUndeliverable);
    m_gaugesPreviewed = &metrics->counter(kGaugesPreviewed);
    m_requests = &metrics->counter(kOutletRequests);
    m_retries = &metrics->counter(kOutletRetries);
    m_batchesFailed = &metrics->counter(kOutletBatchesFailed);
    m_latency = &metrics->timer(kOutletRequestLatency);
    m_clock.start();
}

LibratoOutlet::~LibratoOutlet()
{
    // What is still outstanding now will never be delivered: count it as
    // failed, so that every gauge ends counted. No signals from here.
    qint64 batches = 0;
    qint64 gauges = 0;
    for (auto &[id, request] : m_requestsById) {
        if (request.reply) {
            disconnect(request.reply, nullptr, this, nullptr);
            request.reply->abort();
        }
        ++batches;
        gauges += request.gauges;
        m_gaugesFailed->add(static_cast<quint64>(request.gauges));
        m_batchesFailed->add();
        QMutexLocker lock(&m_mutex);
        DeliveryStats &stats = statsFor(request.credentials.user);
        ++stats.batchesFailed;
        stats.gaugesFailed += static_cast<quint64>(request.gauges);
        stats.lastError = QStringLiteral("outlet stopped before delivery");
    }
    if (batches > 0) {
        qCWarning(lcOutlet).noquote()
            << QStringLiteral("at=outlet.stop abandoned_batches=%1 gauges=%2")
                   .arg(batches)
                   .arg(gauges);
    }
    m_requestsById.clear();
    m_queue.clear();
    m_deliveries.clear(); // their done never runs: nothing confirmed them
    m_inFlight.store(0);
}

void LibratoOutlet::deliver(std::vector<Bucket> buckets)
{
    deliver(std::move(buckets), {});
}

void LibratoOutlet::deliver(std::vector<Bucket> buckets, std::function<void()> done)
{
    const Conversion conversion = Converter::convert(buckets, *m_credentials, Converter::kMaxGauges, m_options.percentiles);
    if (conversion.undeliverableGauges > 0) {
        m_gaugesUndeliverable->add(static_cast<quint64>(conversion.undeliverableGauges));
        qCWarning(lcOutlet).noquote()
            << QStringLiteral("at=outlet.undeliverable buckets=%1 gauges=%2 "
                              "reason=\"drain token does not verify or holds no user:token\"")
                   .arg(conversion.undeliverableBuckets)
                   .arg(conversion.undeliverableGauges);
    }

    if (m_options.preview) {
        for (const OutletBatch &batch : conversion.batches)
            keepPreview(batch);
        if (m_options.previewSummary)
            m_options.previewSummary->add(buckets);
    }
    if (m_options.preview || conversion.batches.empty()) {
        if (done)
            done();
        return;
    }

    quint64 delivery = 0;
    if (done) {
        delivery = m_nextDelivery++;
        m_deliveries.emplace(
            delivery, Delivery { static_cast<int>(conversion.batches.size()), std::move(done) });
    }
    // Every batch is counted in flight before any is sent, so that idle()
    // (and done) cannot fire between two batches of this call.
    for (const OutletBatch &batch : conversion.batches) {
        Request request;
        request.credentials = batch.credentials;
        request.body = batch.payload();
        request.gauges = static_cast<int>(batch.gauges.size());
        request.delivery = delivery;
        const quint64 id = m_nextId++;
        m_requestsById.emplace(id, std::move(request));
        m_inFlight.fetch_add(1);
        m_queue.push_back(id);
    }
    sendQueued();
}

QList<DeliveryStats> LibratoOutlet::stats() const
{
    QMutexLocker lock(&m_mutex);
    QList<DeliveryStats> out;
    out.reserve(static_cast<qsizetype>(m_stats.size()));
    for (const auto &[user, stats] : m_stats)
        out.append(stats);
    return out;
}

QList<PreviewPayload> LibratoOutlet::previews() const
{
    QMutexLocker lock(&m_mutex);
    return m_previews;
}

void LibratoOutlet::enqueue(quint64 id)
{
    m_queue.push_back(id);
    sendQueued();
}

void LibratoOutlet::sendQueued()
{
    const int slots = std::max(1, m_options.maxConcurrentRequests);
    while (m_onTheWire < slots && !m_queue.empty()) {
        const quint64 id = m_queue.front();
        m_queue.pop_front();
        send(id);
    }
}

void LibratoOutlet::send(quint64 id)
{
    const auto it = m_requestsById.find(id);
    if (it == m_requestsById.end())
        return;
    Request &request = it->second;

    if (!m_network)
        m_network = new QNetworkAccessManager(this); // in the thread deliver() runs in

    QNetworkRequest httpRequest(m_endpoint);
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    httpRequest.setHeader(QNetworkRequest::UserAgentHeader, m_userAgent);
    httpRequest.setRawHeader(
        QByteArrayLiteral("Authorization"),
        QByteArray(QByteArrayLiteral("Basic ")
                   + QByteArray(request.credentials.user + ':' + request.credentials.apiToken)
                         .toBase64()));
    httpRequest.setTransferTimeout(m_options.timeoutMs);
    // A redirect would carry the Authorization header to wherever it points.
    httpRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::ManualRedirectPolicy);

    request.sentAtNs = m_clock.nsecsElapsed();
    request.reply = m_network->post(httpRequest, request.body);
    ++m_onTheWire;
    m_requests->add();
    {
        QMutexLocker lock(&m_mutex);
        statsFor(request.credentials.user).lastAttempt = QDateTime::currentDateTimeUtc();
    }
    // Context `this`: a reply that outlives the outlet never calls back.
    connect(request.reply, &QNetworkReply::finished, this, [this, id] { onReplyFinished(id); });
}

void LibratoOutlet::onReplyFinished(quint64 id)
{
    const auto it = m_requestsById.find(id);
    if (it == m_requestsById.end())
        return;
    Request &request = it->second;
    QNetworkReply *reply = std::exchange(request.reply, nullptr);
    if (!reply)
        return;
    reply->deleteLater();
    --m_onTheWire;
    sendQueued(); // now: what follows may emit signals whose slots delete the outlet

    const qint64 latencyNs = m_clock.nsecsElapsed() - request.sentAtNs;
    m_latency->record(latencyNs / 1000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError networkError = reply->error();

    QString error;
    if (status == 0) {
        error = isTimeout(networkError)
            ? QStringLiteral("timed out after %1 ms").arg(m_options.timeoutMs)
            : reply->errorString();
    } else if (status < 200 || status >= 300) {
        error = errorText(reply->readAll(), request.credentials);
        const QByteArray location = reply->rawHeader(QByteArrayLiteral("Location"));
        if (status >= 300 && status < 400 && !location.isEmpty()) {
            error = QStringLiteral("redirected to %1 (not followed: set the Librato URL)")
                        .arg(errorText(location, request.credentials));
        } else if (error.isEmpty()) {
            const QString reason
                = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
            error = QStringLiteral("HTTP %1 %2").arg(status).arg(reason).trimmed();
        }
    }
    {
        QMutexLocker lock(&m_mutex);
        DeliveryStats &stats = statsFor(request.credentials.user);
        stats.lastStatus = status;
        stats.lastError = error;
        stats.lastLatencyMs = latencyNs / 1000000;
    }

    const QString where
        = QStringLiteral("at=outlet.post %1 status=%2 attempt=%3 gauges=%4 latency_ms=%5")
              .arg(request.credentials.describe())
              .arg(status)
              .arg(request.attempt)
              .arg(request.gauges)
              .arg(latencyNs / 1000000);
    if (status >= 200 && status < 300) {
        qCDebug(lcOutlet).noquote() << where;
        finish(id, true, status, {});
        return;
    }
    qCInfo(lcOutlet).noquote() << QString(where + QLatin1String(" error=") + logfmtValue(error));

    if (status == 429 || status >= 500) {
        retryOrFail(id, status, error,
                    parseRetryAfterMs(reply->rawHeader(QByteArrayLiteral("Retry-After"))));
    } else if (status != 0 || isPermanentNetworkError(networkError)) {
        finish(id, false, status, error); // 4xx but 429, 1xx, 3xx: a retry changes nothing
    } else {
        retryOrFail(id, status, error, -1); // timeout or connection error
    }
}

void LibratoOutlet::retryOrFail(quint64 id, int status, const QString &error, qint64 retryAfterMs)
{
    Request &request = m_requestsById.at(id);
    if (request.attempt >= m_options.retries) {
        finish(id, false, status, error);
        return;
    }
    qint64 delay = backoffMs(request.attempt);
    if (retryAfterMs >= 0)
        delay = std::max(delay, std::min<qint64>(retryAfterMs, m_options.maxBackoffMs));
    ++request.attempt;
    m_retries->add();
    {
        QMutexLocker lock(&m_mutex);
        ++statsFor(request.credentials.user).retries;
    }
    qCDebug(lcOutlet).noquote() << QStringLiteral("at=outlet.retry %1 attempt=%2 delay_ms=%3")
                                       .arg(request.credentials.describe())
                                       .arg(request.attempt)
                                       .arg(delay);
    QTimer::singleShot(std::chrono::milliseconds(delay), this, [this, id] { enqueue(id); });
}

void LibratoOutlet::finish(quint64 id, bool delivered, int status, const QString &error)
{
    const auto it = m_requestsById.find(id);
    Q_ASSERT(it != m_requestsById.end());
    const Request request = std::move(it->second);
    m_requestsById.erase(it);
    const auto gauges = static_cast<quint64>(request.gauges);

    {
        QMutexLocker lock(&m_mutex);
        DeliveryStats &stats = statsFor(request.credentials.user);
        if (delivered) {
            ++stats.batchesSent;
            (request.attempt == 0 ? stats.gaugesDelivered : stats.gaugesRetriedDelivered) += gauges;
        } else {
            ++stats.batchesFailed;
            stats.gaugesFailed += gauges;
        }
    }
    if (delivered) {
        (request.attempt == 0 ? m_gaugesDelivered : m_gaugesRetriedDelivered)->add(gauges);
    } else {
        m_gaugesFailed->add(gauges);
        m_batchesFailed->add();
        qCWarning(lcOutlet).noquote()
            << QString(QStringLiteral("at=outlet.failed %1 status=%2 attempts=%3 gauges=%4 error=")
                           .arg(request.credentials.describe())
                           .arg(status)
                           .arg(request.attempt + 1)
                           .arg(request.gauges)
                       + logfmtValue(error));
    }

    std::function<void()> completed; // the delivery's done, when this was its last batch
    if (request.delivery != 0) {
        const auto delivery = m_deliveries.find(request.delivery);
        Q_ASSERT(delivery != m_deliveries.end());
        if (delivery != m_deliveries.end() && --delivery->second.batches == 0) {
            completed = std::move(delivery->second.done);
            m_deliveries.erase(delivery);
        }
    }

    m_inFlight.fetch_sub(1);
    // A slot may delete the outlet or deliver more; look before touching it.
    const QPointer<LibratoOutlet> guard(this);
    Q_EMIT batchFinished(request.credentials.user, delivered, request.gauges, status);
    if (completed)
        completed(); // owns nothing of the outlet: fine even if a slot deleted it
    if (guard && m_inFlight.load() == 0)
        Q_EMIT idle();
}

qint64 LibratoOutlet::backoffMs(int attempt) const
{
    const qint64 cap = std::max(0, m_options.maxBackoffMs);
    qint64 delay = std::max(0, m_options.backoffMs);
    for (int i = 0; i < attempt && delay < cap; ++i)
        delay *= 2;
    return std::min(delay, cap);
}

DeliveryStats &LibratoOutlet::statsFor(const QByteArray &user)
{
    auto [it, inserted] = m_stats.try_emplace(user);
    if (inserted)
        it->second.user = user;
    return it->second;
}

void LibratoOutlet::keepPreview(const OutletBatch &batch)
{
    PreviewPayload preview;
    preview.built = QDateTime::currentDateTimeUtc();
    preview.user = batch.credentials.user;
    preview.gauges = static_cast<int>(batch.gauges.size());
    preview.json = batch.payload();
    m_gaugesPreviewed->add(static_cast<quint64>(preview.gauges));
    if (m_options.previewSink)
        m_options.previewSink(preview);
    qCDebug(lcOutlet).noquote() << QStringLiteral("at=outlet.preview %1 gauges=%2 bytes=%3")
                                       .arg(batch.credentials.describe())
                                       .arg(preview.gauges)
                                       .arg(preview.json.size());

    QMutexLocker lock(&m_mutex);
    m_previews.append(std::move(preview));
    const qsizetype keep = std::max(0, m_options.previewKeep);
    if (m_previews.size() > keep)
        m_previews.remove(0, m_previews.size() - keep);
}

} // namespace l2met
