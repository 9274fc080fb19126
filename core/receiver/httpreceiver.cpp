#include "receiver/httpreceiver.h"

#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "parser/ingestoptions.h"
#include "receiver/boundedtcpserver.h"
#include "receiver/inbox.h"
#include "receiver/receivermetrics.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QUrlQuery>

#include <openssl/crypto.h>

Q_LOGGING_CATEGORY(lcReceiver, "l2met.receiver")

namespace l2met {

namespace {

using StatusCode = QHttpServerResponse::StatusCode;

QHttpServerResponse textResponse(int status, const QByteArray &text)
{
    return QHttpServerResponse(QByteArrayLiteral("text/plain"), text.isEmpty() ? text : text + '\n',
                               static_cast<StatusCode>(status));
}

bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

} // namespace

HttpReceiver::HttpReceiver(Options options, std::shared_ptr<const Fernet> fernet, Inbox *inbox,
                           Metrics *metrics, ProblemLog *problems, Hooks hooks, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_fernet(std::move(fernet))
    , m_inbox(inbox)
    , m_metrics(metrics)
    , m_problems(problems)
    , m_hooks(std::move(hooks))
    , m_dedup(m_options.dedupWindowMs, m_options.dedupMaxEntries)
{
    m_credentials = m_hooks.credentials ? m_hooks.credentials
                                        : std::make_shared<const CredentialsCache>(m_fernet);
    m_clock.start();
    m_requests = &m_metrics->counter(kHttpRequests);
    m_bodyBytes = &m_metrics->counter(kHttpBodyBytes);
    m_bodiesAccepted = &m_metrics->counter(kBodiesAccepted);
    m_bodiesDuplicate = &m_metrics->counter(kBodiesDuplicate);
    m_linesDuplicate = &m_metrics->counter(kLinesDuplicate);
    m_evicted = &m_metrics->counter(kConnectionsEvicted);
    for (const int status : { 200, 400, 401, 404, 405, 408, 413, 431, 503 })
        m_byStatus.insert(status,
                          &m_metrics->counter(kHttpResponses, "status=\"" + QByteArray::number(status) + '"'));
}

HttpReceiver::~HttpReceiver()
{
    stop();
}

void HttpReceiver::countStatus(int status)
{
    m_requests->add();
    Counter *c = m_byStatus.value(status);
    if (!c) {
        c = &m_metrics->counter(kHttpResponses, "status=\"" + QByteArray::number(status) + '"');
        m_byStatus.insert(status, c);
    }
    c->add();
}

quint16 HttpReceiver::start(QString *error)
{
    m_server = new QHttpServer(this);
    m_tcp = new BoundedTcpServer(m_options.limits, m_options.server,
                                 [this](int status, const QByteArray &reason) {
                                     countStatus(status);
                                     m_problems->add(Problem { {}, "http_" + QByteArray::number(status), {},
                                                               status, reason });
                                 },
                                 this);
    if (!m_tcp->listen(m_options.address, m_options.port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_options.address.toString())
                         .arg(m_options.port)
                         .arg(m_tcp->errorString());
        return 0;
    }
    connect(m_tcp, &BoundedTcpServer::evicted, this, [this] { m_evicted->add(); });
    m_server->bind(m_tcp);
    m_port = m_tcp->serverPort();

    m_server->route(QStringLiteral("/logs"), [this](const QHttpServerRequest &r) { return handleLogs(r); });
    m_server->route(QStringLiteral("/health"), [this](const QHttpServerRequest &r) { return handleHealth(r); });
    m_server->route(QStringLiteral("/sign"), [this](const QHttpServerRequest &r) { return handleSign(r); });
    m_server->route(QStringLiteral("/metrics"), [this](const QHttpServerRequest &r) { return handleMetrics(r); });
    qCInfo(lcReceiver).noquote() << QStringLiteral("at=receiver.listen address=%1 port=%2")
                                        .arg(m_options.address.toString())
                                        .arg(m_port);
    return m_port;
}

int HttpReceiver::openConnections() const
{
    return m_tcp ? m_tcp->openConnections() : 0;
}

qint64 HttpReceiver::bufferedBytes() const
{
    return m_tcp ? m_tcp->bufferedBytes() : 0;
}

void HttpReceiver::stop()
{
    if (m_tcp)
        m_tcp->close(); // deleting the HTTP server below closes every connection
    // An answer waits in its socket's buffer until this thread's event loop
    // writes it. Write the answers given so far now: closing would drop them,
    // and a sender with no answer retries a body that is already on the
    // inbox (to a restarted l2met, which would parse it twice).
    if (m_server) {
        for (QTcpSocket *socket : m_server->findChildren<QTcpSocket *>())
            socket->flush();
    }
    // bind() made the HTTP server the TCP server's parent: one delete does both.
    if (m_tcp && m_tcp->parent() != m_server)
        delete m_tcp;
    delete m_server;
    m_server = nullptr;
    m_tcp = nullptr;
}

QString HttpReceiver::parseQuery(const QUrlQuery &query, IngestOptions *options)
{
    if (query.hasQueryItem(QStringLiteral("resolution"))) {
        const QString value = query.queryItemValue(QStringLiteral("resolution"));
        bool ok = false;
        const int resolution = value.toInt(&ok);
        if (!ok || resolution <= 0 || 3600 % resolution != 0)
            return QStringLiteral("resolution must be a positive number of seconds that divides 3600");
        options->resolution = resolution;
    }
    if (query.hasQueryItem(QStringLiteral("prefix")))
        options->prefix = query.queryItemValue(QStringLiteral("prefix"), QUrl::FullyDecoded).toUtf8();
    if (query.hasQueryItem(QStringLiteral("source-prefix")))
        options->sourcePrefix =
            query.queryItemValue(QStringLiteral("source-prefix"), QUrl::FullyDecoded).toUtf8();
    return {};
}

QHttpServerResponse HttpReceiver::reject(int status, const QByteArray &kind, const QByteArray &text,
                                         const QByteArray &user)
{
    countStatus(status);
    m_problems->add(Problem { {}, kind, user, status, text });
    QHttpServerResponse response = textResponse(status, text);
    if (status == 401)
        response.setHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Basic realm=\"l2met\""));
    return response;
}

QHttpServerResponse HttpReceiver::notHere()
{
    return reject(404, "http_404",
                  "this process does not run the receiver (-outlet alone): /logs and /sign are served "
                  "by the receivers");
}

QHttpServerResponse HttpReceiver::handleLogs(const QHttpServerRequest &request)
{
    if (!m_inbox)
        return notHere();
    if (request.method() != QHttpServerRequest::Method::Post)
        return reject(405, "http_405", "use POST");

    const AuthResult auth = m_credentials->authenticate(request.value(QByteArrayLiteral("authorization")));
    if (!auth.ok()) {
        // A token that verifies but holds no user:token is refused here: it
        // could never be delivered.
        return reject(401, "http_401", authErrorText(auth.error));
    }
    const Credentials &credentials = auth.credentials;

    InboxItem item;
    item.options.recvDeadline = m_options.recvDeadline;
    item.options.routerStatus = m_options.routerStatus;
    const QString queryError = parseQuery(request.query(), &item.options);
    if (!queryError.isEmpty())
        return reject(400, "http_400", queryError.toUtf8(), credentials.user);
    // A retry of a batch already on the inbox is done as far as logplex is
    // concerned, whatever the back-pressure: 200, and not parsed again.
    const QByteArray frameId = request.value(QByteArrayLiteral("logplex-frame-id")).trimmed();
    if (!frameId.isEmpty() && m_dedup.contains(auth.token, frameId, m_clock.elapsed())) {
        bool ok = false;
        const quint64 lines = request.value(QByteArrayLiteral("logplex-msg-count")).trimmed().toULongLong(&ok);
        m_bodiesDuplicate->add();
        m_linesDuplicate->add(ok ? lines : 0);
        countStatus(200);
        return QHttpServerResponse(QByteArray(), StatusCode::Ok);
    }
    // While the store is down the outbox holds what is flushed; only when
    // it is full does the store count as down for ingest (a short outage
    // costs no 503s, a long one makes logplex keep the data).
    if (m_hooks.outboxFull && m_hooks.outboxFull())
        return reject(503, "http_503", "store unreachable or not keeping up; retry later", credentials.user);

    if (m_hooks.overBudget) {
        const QByteArray why = m_hooks.overBudget();
        if (!why.isEmpty())
            return reject(503, "bucket_budget", why + "; retry later", credentials.user);
    }

    item.body = request.body();
    if (item.body.size() > m_options.limits.maxBodyBytes) // the guard answers first; belt and braces
        return reject(413, "http_413", "body too large", credentials.user);
    const qint64 size = item.body.size();
    item.options.token = auth.token;
    item.user = credentials.user;
    item.receivedAt = QDateTime::currentSecsSinceEpoch();
    if (!m_inbox->tryPush(item))
        return reject(503, "http_503", "inbox full; retry later", credentials.user);
    if (!frameId.isEmpty()) // only once it is on the inbox: a 503'd batch must be taken on retry
        m_dedup.add(auth.token, frameId, m_clock.elapsed());
    m_bodyBytes->add(quint64(size));
    m_bodiesAccepted->add();
    countStatus(200);
    return QHttpServerResponse(QByteArray(), StatusCode::Ok);
}

QHttpServerResponse HttpReceiver::handleHealth(const QHttpServerRequest &request)
{
    if (request.method() != QHttpServerRequest::Method::Get
        && request.method() != QHttpServerRequest::Method::Head)
        return reject(405, "http_405", "use GET");
    if (m_hooks.storeHealthy && !m_hooks.storeHealthy()) {
        countStatus(503);
        return textResponse(503, "store unreachable");
    }
    if (m_hooks.overBudget) {
        const QByteArray why = m_hooks.overBudget();
        if (!why.isEmpty()) {
            countStatus(503);
            return textResponse(503, why);
        }
    }
    countStatus(200);
    return textResponse(200, "ok");
}

QHttpServerResponse HttpReceiver::handleSign(const QHttpServerRequest &request)
{
    if (!m_inbox)
        return notHere();
    if (request.method() != QHttpServerRequest::Method::Post)
        return reject(405, "http_405", "use POST");
    const BasicAuth basic = parseBasicAuth(request.value(QByteArrayLiteral("authorization")));
    bool known = false;
    if (basic.error == AuthError::None) {
        for (const QByteArray &key : m_options.secretKeys)
            known = constantTimeEqual(key, basic.user) || known;
    }
    if (!known)
        return reject(401, "http_401", "the Basic user must be one of l2met's secret keys");
    const QByteArray plaintext = request.body().trimmed();
    Credentials credentials;
    if (splitCredentials(plaintext, &credentials) != AuthError::None)
        return reject(400, "http_400", "body must be librato-user:librato-api-token");
    const QByteArray token = m_fernet->encrypt(plaintext);
    countStatus(200);
    return QHttpServerResponse(QByteArrayLiteral("text/plain"), token);
}

QHttpServerResponse HttpReceiver::handleMetrics(const QHttpServerRequest &request)
{
    if (request.method() != QHttpServerRequest::Method::Get)
        return reject(405, "http_405", "use GET");
    countStatus(200);
    m_metrics->gauge(kHttpConnections).set(openConnections());
    m_metrics->gauge(kHttpBufferedBytes).set(double(bufferedBytes()));
    return QHttpServerResponse(QByteArrayLiteral("text/plain; version=0.0.4"),
                               m_hooks.metricsText ? m_hooks.metricsText() : QByteArray());
}

} // namespace l2met
