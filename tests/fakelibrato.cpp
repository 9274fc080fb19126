#include "fakelibrato.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace l2met::test {

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 16 * 1024 * 1024;
constexpr int kMaxNameLength = 255;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 422:
        return QByteArrayLiteral("Unprocessable Entity");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    default:
        return QByteArrayLiteral("Status");
    }
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// {"errors":{"request":["text"]}}
QByteArray requestError(const QString &text)
{
    return compact(
        QJsonObject { { QStringLiteral("errors"),
                        QJsonObject { { QStringLiteral("request"), QJsonArray { text } } } } });
}

// {"errors":{"params":{"field":["text"]}}}
QByteArray paramError(const QString &field, const QString &text)
{
    return compact(
        QJsonObject { { QStringLiteral("errors"),
                        QJsonObject { { QStringLiteral("params"),
                                        QJsonObject { { field, QJsonArray { text } } } } } } });
}

bool isValidName(const QJsonValue &value)
{
    if (!value.isString())
        return false;
    const QString name = value.toString();
    if (name.isEmpty() || name.size() > kMaxNameLength)
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9')
            || c == u'.' || c == u':' || c == u'_' || c == u'-';
    });
}

// Librato's documented metric attributes (legacy API, "Metric
// attributes"), plus l2met_type: the one project-specific key l2met sends
// (docs/behaviour.md section 5). Anything else is refused, so every test that
// delivers through this fake checks the attributes l2met sends.
bool isKnownAttribute(const QString &key)
{
    static const QStringList kKnown {
        QStringLiteral("color"),
        QStringLiteral("display_max"),
        QStringLiteral("display_min"),
        QStringLiteral("display_units_long"),
        QStringLiteral("display_units_short"),
        QStringLiteral("display_stacked"),
        QStringLiteral("display_transform"),
        QStringLiteral("summarize_function"),
        QStringLiteral("aggregate"),
        QStringLiteral("created_by_ua"),
        QStringLiteral("gap_detection"),
        QStringLiteral("l2met_type"),
    };
    return kKnown.contains(key);
}

QByteArray attributesError(const QJsonObject &attributes)
{
    const QString kAttributes = QStringLiteral("attributes");
    for (auto it = attributes.begin(); it != attributes.end(); ++it) {
        if (!isKnownAttribute(it.key()))
            return paramError(kAttributes, QStringLiteral("%1 is not a metric attribute").arg(it.key()));
    }
    const QJsonValue summarize = attributes.value(QStringLiteral("summarize_function"));
    static const QStringList kFunctions { QStringLiteral("average"), QStringLiteral("sum"),
                                          QStringLiteral("count"), QStringLiteral("min"),
                                          QStringLiteral("max") };
    if (!summarize.isUndefined() && !kFunctions.contains(summarize.toString()))
        return paramError(kAttributes, QStringLiteral("summarize_function is invalid"));
    const QJsonValue aggregate = attributes.value(QStringLiteral("aggregate"));
    if (!aggregate.isUndefined() && !aggregate.isBool())
        return paramError(kAttributes, QStringLiteral("aggregate must be true or false"));
    return {};
}

// The error of one gauge, empty when Librato would take it.
QByteArray gaugeError(const QJsonValue &value)
{
    if (!value.isObject())
        return paramError(QStringLiteral("gauges"), QStringLiteral("is invalid"));
    const QJsonObject gauge = value.toObject();
    const QString kName = QStringLiteral("name");
    const QString kMeasureTime = QStringLiteral("measure_time");
    const QString kSource = QStringLiteral("source");
    const QString kValue = QStringLiteral("value");
    const QString kCount = QStringLiteral("count");
    const QString kSum = QStringLiteral("sum");

    if (!gauge.contains(kName))
        return paramError(kName, QStringLiteral("is required"));
    if (!isValidName(gauge.value(kName)))
        return paramError(kName, QStringLiteral("is invalid"));
    if (!gauge.contains(kMeasureTime))
        return paramError(kMeasureTime, QStringLiteral("is required"));
    const QJsonValue time = gauge.value(kMeasureTime);
    if (!time.isDouble() || time.toDouble() <= 0 || time.toDouble() != std::floor(time.toDouble()))
        return paramError(kMeasureTime, QStringLiteral("is invalid"));
    if (gauge.contains(kSource) && !isValidName(gauge.value(kSource)))
        return paramError(kSource, QStringLiteral("is invalid"));

    const bool hasValue = gauge.contains(kValue);
    const bool hasCount = gauge.contains(kCount);
    const bool hasSum = gauge.contains(kSum);
    if (hasValue && (hasCount || hasSum))
        return paramError(kValue, QStringLiteral("cannot be combined with count and sum"));
    if (!hasValue && !hasCount && !hasSum)
        return paramError(kValue, QStringLiteral("is required"));
    if (hasCount != hasSum)
        return paramError(hasCount ? kSum : kCount, QStringLiteral("is required"));
    for (const QString &field : { kValue, kCount, kSum, QStringLiteral("min"),
                                  QStringLiteral("max"), QStringLiteral("sum_squares") }) {
        if (gauge.contains(field) && !gauge.value(field).isDouble())
            return paramError(field, QStringLiteral("is not a number"));
    }
    if (hasCount && gauge.value(kCount).toDouble() < 1)
        return paramError(kCount, QStringLiteral("must be greater than 0"));
    const QString kAttributes = QStringLiteral("attributes");
    if (gauge.contains(kAttributes) && !gauge.value(kAttributes).isObject())
        return paramError(kAttributes, QStringLiteral("is invalid"));
    return attributesError(gauge.value(kAttributes).toObject());
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

} // namespace

QByteArray FakeLibrato::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (equalsIgnoringCase(key, name))
            return value;
    }
    return {};
}

FakeLibrato::FakeLibrato(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
    connect(&m_server, &QTcpServer::newConnection, this, &FakeLibrato::onNewConnection);
    if (!m_server.listen(QHostAddress::LocalHost, 0))
        qWarning("FakeLibrato: cannot listen on 127.0.0.1: %s", qPrintable(m_server.errorString()));
}

FakeLibrato::~FakeLibrato()
{
    m_server.close();
    const QList<QTcpSocket *> sockets = m_connections.keys();
    for (QTcpSocket *socket : sockets) {
        disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        delete socket;
    }
}

QUrl FakeLibrato::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    return url;
}

QList<FakeLibrato::Gauge> FakeLibrato::acceptedGauges() const
{
    QList<Gauge> gauges;
    for (const Request &request : m_requests) {
        if (!request.accepted)
            continue;
        const QJsonArray array = request.json.value(QStringLiteral("gauges")).toArray();
        for (const QJsonValue &gauge : array)
            gauges.append(Gauge { request.user, gauge.toObject() });
    }
    return gauges;
}

QList<FakeLibrato::Gauge> FakeLibrato::gaugesNamed(const QString &name) const
{
    QList<Gauge> gauges = acceptedGauges();
    gauges.removeIf([&](const Gauge &gauge) {
        return gauge.json.value(QStringLiteral("name")).toString() != name;
    });
    return gauges;
}

void FakeLibrato::failNext(int count, int status, QByteArray retryAfter, QByteArray body)
{
    for (int i = 0; i < count; ++i)
        m_scripts.push_back(Script { false, status, retryAfter, body });
}

void FakeLibrato::stallNext(int count)
{
    for (int i = 0; i < count; ++i)
        m_scripts.push_back(Script { true, 0, {}, {} });
}

void FakeLibrato::clear()
{
    m_requests.clear();
    m_scripts.clear();
    m_policy = {};
    m_delayMs = 0;
}

std::pair<int, QByteArray> FakeLibrato::validate(const Request &request)
{
    const qsizetype query = request.target.indexOf('?');
    const QByteArray path = query < 0 ? request.target : request.target.first(query);
    if (path != "/v1/metrics")
        return { 404, requestError(QStringLiteral("Not Found")) };
    if (request.method != "POST")
        return { 405, requestError(QStringLiteral("Method Not Allowed")) };
    if (!request.hasBasicAuth || request.user.isEmpty() || request.password.isEmpty())
        return { 401, requestError(QStringLiteral("Authorization Required")) };
    if (!request.header("content-type").trimmed().toLower().startsWith("application/json"))
        return { 415, requestError(QStringLiteral("Content-Type must be application/json")) };
    if (!request.jsonValid)
        return { 400, requestError(QStringLiteral("Body is not a JSON object")) };

    const QJsonValue gaugesValue = request.json.value(QStringLiteral("gauges"));
    if (!gaugesValue.isArray())
        return { 400, paramError(QStringLiteral("gauges"), QStringLiteral("is required")) };
    const QJsonArray gauges = gaugesValue.toArray();
    if (gauges.isEmpty())
        return { 400, paramError(QStringLiteral("gauges"), QStringLiteral("must not be empty")) };
    if (gauges.size() > kMaxGauges) {
        return { 400,
                 requestError(QStringLiteral("Too many measurements: %1 (max %2)")
                                  .arg(gauges.size())
                                  .arg(kMaxGauges)) };
    }
    for (const QJsonValue &gauge : gauges) {
        const QByteArray error = gaugeError(gauge);
        if (!error.isEmpty())
            return { 400, error };
    }
    return { 200, QByteArrayLiteral("{}") };
}

QUrl FakeLibrato::closedPortUrl()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(server.serverPort());
    server.close();
    return url;
}

void FakeLibrato::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        Connection connection;
        connection.serial = ++m_connectionSerial;
        m_connections.insert(socket, connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this,
                [this, socket] { onDisconnected(socket); });
        if (socket->bytesAvailable() > 0)
            onReadyRead(socket);
    }
}

void FakeLibrato::onDisconnected(QTcpSocket *socket)
{
    // Queued: disconnected() can be emitted from inside flush(), while
    // onReadyRead() still holds a reference to the connection.
    QTimer::singleShot(0, this, [this, socket] {
        if (m_connections.remove(socket))
            socket->deleteLater();
    });
}

void FakeLibrato::onReadyRead(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &connection = *it;
    if (connection.closing) {
        socket->readAll();
        return;
    }
    connection.buffer.append(socket->readAll());

    // Several requests may be in the buffer (pipelining): take each complete one.
    for (;;) {
        QByteArray &buffer = connection.buffer;
        while (buffer.startsWith("\r\n"))
            buffer.remove(0, 2); // empty lines before a request line are allowed
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            if (buffer.size() > kMaxHeaderBytes)
                answerAndClose(socket, connection, 431);
            return;
        }

        Request request;
        const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            answerAndClose(socket, connection, 400);
            return;
        }
        request.method = requestLine[0];
        request.target = requestLine[1];
        request.version = requestLine[2];
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                answerAndClose(socket, connection, 400);
                return;
            }
            request.headers.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
        }
        if (!request.header("transfer-encoding").isEmpty()) {
            answerAndClose(socket, connection, 501); // QNAM sends Content-Length
            return;
        }

        qsizetype length = 0;
        const QByteArray lengthHeader = request.header("content-length");
        if (!lengthHeader.isEmpty()) {
            bool ok = false;
            length = lengthHeader.toLongLong(&ok);
            if (!ok || length < 0
                || !std::all_of(lengthHeader.begin(), lengthHeader.end(),
                                [](char c) { return c >= '0' && c <= '9'; })) {
                answerAndClose(socket, connection, 400);
                return;
            }
            if (length > kMaxBodyBytes) {
                answerAndClose(socket, connection, 413);
                return;
            }
        }
        const qsizetype bodyStart = headerEnd + 4;
        if (buffer.size() < bodyStart + length)
            return; // wait for the rest of the body
        request.body = buffer.mid(bodyStart, length);
        buffer.remove(0, bodyStart + length);
        handle(socket, connection, std::move(request));
        // handle() may have closed the connection; the entry stays in
        // m_connections until the queued clean-up of onDisconnected runs.
        if (connection.closing)
            return;
    }
}

void FakeLibrato::handle(QTcpSocket *socket, Connection &connection, Request request)
{
    request.receivedAtMs = m_clock.elapsed();
    request.connection = connection.serial;

    const QByteArray authorization = request.header("authorization");
    if (authorization.left(6).compare("Basic ", Qt::CaseInsensitive) == 0) {
        auto decoded = QByteArray::fromBase64Encoding(authorization.mid(6).trimmed(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        if (decoded) {
            request.hasBasicAuth = true;
            const qsizetype colon = decoded.decoded.indexOf(':');
            request.user = colon < 0 ? decoded.decoded : decoded.decoded.left(colon);
            request.password = colon < 0 ? QByteArray() : decoded.decoded.mid(colon + 1);
        }
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    request.jsonValid = parseError.error == QJsonParseError::NoError && document.isObject();
    if (request.jsonValid)
        request.json = document.object();

    Answer answer;
    answer.serial = ++m_answerSerial;
    const bool keepAlive = request.version == "HTTP/1.1"
        ? !equalsIgnoringCase(request.header("connection"), "close")
        : equalsIgnoringCase(request.header("connection"), "keep-alive");
    answer.close = !keepAlive;

    bool stalled = false;
    QByteArray retryAfter;
    std::optional<Script> scripted;
    if (!m_scripts.empty()) {
        scripted = m_scripts.front();
        m_scripts.pop_front();
    } else if (m_policy) {
        if (const std::optional<Fault> fault = m_policy(request))
            scripted = Script { fault->stall, fault->status, fault->retryAfter, {} };
    }
    if (scripted) {
        const Script script = *scripted;
        stalled = script.stall;
        request.status = script.status;
        retryAfter = script.retryAfter;
        if (!stalled && !script.body.isEmpty()) {
            request.response = script.body;
        } else if (!stalled) {
            request.response = script.status == 400
                ? paramError(QStringLiteral("name"), QStringLiteral("is invalid"))
                : requestError(QString::fromLatin1(reasonPhrase(script.status)));
        }
    } else {
        std::tie(request.status, request.response) = validate(request);
    }
    request.accepted = request.status >= 200 && request.status < 300;

    if (!stalled) {
        QByteArray &bytes = answer.bytes;
        bytes += "HTTP/1.1 " + QByteArray::number(request.status) + ' '
            + reasonPhrase(request.status) + "\r\n";
        bytes += "Content-Type: application/json\r\n";
        bytes += "Content-Length: " + QByteArray::number(request.response.size()) + "\r\n";
        if (!retryAfter.isEmpty())
            bytes += "Retry-After: " + retryAfter + "\r\n";
        bytes += keepAlive ? QByteArrayLiteral("Connection: keep-alive\r\n")
                           : QByteArrayLiteral("Connection: close\r\n");
        bytes += "\r\n" + request.response;
        answer.ready = m_delayMs <= 0;
    }
    const quint64 serial = answer.serial;
    connection.answers.push_back(std::move(answer));
    if (!stalled && m_delayMs > 0) {
        QTimer::singleShot(m_delayMs, socket, [this, socket, serial] {
            auto it = m_connections.find(socket);
            if (it == m_connections.end())
                return;
            for (Answer &pending : it->answers) {
                if (pending.serial == serial)
                    pending.ready = true;
            }
            flush(socket);
        });
    }

    m_requests.append(std::move(request));
    flush(socket);
    Q_EMIT requestReceived();
}

void FakeLibrato::answerAndClose(QTcpSocket *socket, Connection &connection, int status)
{
    connection.closing = true;
    connection.buffer.clear();
    Answer answer;
    answer.serial = ++m_answerSerial;
    answer.ready = true;
    answer.close = true;
    const QByteArray body = requestError(QString::fromLatin1(reasonPhrase(status)));
    answer.bytes = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body;
    connection.answers.push_back(std::move(answer));
    flush(socket);
}

void FakeLibrato::flush(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    std::deque<Answer> &answers = it->answers;
    while (!answers.empty() && answers.front().ready) {
        const Answer answer = std::move(answers.front());
        answers.pop_front();
        socket->write(answer.bytes);
        if (answer.close) {
            it->closing = true;
            answers.clear();
            socket->disconnectFromHost(); // after the bytes are written
            return;
        }
    }
}

} // namespace l2met::test
