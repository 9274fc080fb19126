// FakeLibrato: a real HTTP/1.1 server on a free 127.0.0.1 port that answers
// POST /v1/metrics the way the Librato API does (Basic auth required, a
// "gauges" array of at most 300 valid gauges, 400 with a Librato-style error
// body otherwise) and records every request, for the outlet tests.
//
// Written on QTcpServer rather than QHttpServer because it must be able to
// read a request and never answer it (stallNext), answer late (setDelayMs),
// and serve keep-alive connections carrying several, possibly pipelined,
// requests, answered in order. Scripted answers (failNext, stallNext) are
// consumed in arrival order, one per request, before validation.
//
// Lives in the thread that creates it (its sockets are served by that
// thread's event loop, e.g. during QTRY_* waits); not thread-safe.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QUrl>

#include <deque>
#include <functional>
#include <optional>
#include <utility>

class QTcpSocket;

namespace l2met::test {

class FakeLibrato : public QObject
{
    Q_OBJECT

public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // as sent, query included
        QByteArray version;
        QList<std::pair<QByteArray, QByteArray>> headers; // in order, names as sent
        bool hasBasicAuth = false;
        QByteArray user; // Basic user, decoded
        QByteArray password; // Basic password, decoded
        QByteArray body;
        bool jsonValid = false; // body is a JSON object
        QJsonObject json;
        int status = 0; // the answer's status; 0 while stalled (never answered)
        bool accepted = false; // 2xx: valid and not scripted to fail
        QByteArray response; // the answer's body
        qint64 receivedAtMs = 0; // monotonic, since the server started
        int connection = 0; // 1-based serial of the TCP connection

        // The first header of that name (case-insensitive); empty if none.
        QByteArray header(QByteArrayView name) const;
    };

    struct Gauge
    {
        QByteArray user; // Basic user of the request that carried it
        QJsonObject json;
    };

    static constexpr int kMaxGauges = 300;

    explicit FakeLibrato(QObject *parent = nullptr);
    ~FakeLibrato() override;

    bool isListening() const { return m_server.isListening(); }
    quint16 port() const { return m_server.serverPort(); }
    QUrl url() const; // http://127.0.0.1:PORT

    const QList<Request> &requests() const { return m_requests; }
    // Every gauge of every accepted request, in arrival order.
    QList<Gauge> acceptedGauges() const;
    QList<Gauge> gaugesNamed(const QString &name) const;
    int connectionsAccepted() const { return m_connectionSerial; }
    int openConnections() const { return int(m_connections.size()); }

    // The next count requests are answered with status (and a Retry-After
    // header when retryAfter is not empty), whatever they hold. The body is
    // body, or by default a Librato-style error ({"errors":{"params":{"name":
    // ["is invalid"]}}} for 400, {"errors":{"request":["<reason>"]}} else).
    void failNext(int count, int status, QByteArray retryAfter = {}, QByteArray body = {});
    // The next count requests are read and never answered; the connection
    // stays open (later requests on it wait behind them) until the client
    // closes it.
    void stallNext(int count);
    // Answers are written delayMs after the request is complete.
    void setDelayMs(int delayMs) { m_delayMs = delayMs; }
    // A fault decided per request (by its user, its arrival time...): to
    // fail or stall requests for a while, or one account for good.
    struct Fault
    {
        bool stall = false; // read and never answered, like stallNext
        int status = 0; // else this status, with a Librato-style error body
        QByteArray retryAfter;
    };
    using Policy = std::function<std::optional<Fault>(const Request &request)>;
    // Consulted for each request that no failNext/stallNext script answers;
    // nullopt validates it as usual. An empty policy removes it.
    void setPolicy(Policy policy) { m_policy = std::move(policy); }
    // Forgets the recorded requests, the scripted answers, the policy and
    // the delay.
    void clear();

    // Librato's validation of a request: status and body of the answer. 404
    // unless the path is /v1/metrics, 405 unless POST, 401 without Basic user
    // and password, 415 unless application/json; 400 unless the body is an
    // object with a non-empty "gauges" array of at most 300 objects, each
    // with a name (and an optional source) of 1..255 [A-Za-z0-9.:_-], a
    // positive integral measure_time, and either a numeric value or numeric
    // count (>= 1) and sum (never both forms), and attributes (if any) an
    // object of Librato's documented keys plus l2met_type, summarize_function
    // one of average/sum/count/min/max, aggregate a boolean. 400 bodies name the first bad
    // field: {"errors":{"params":{"name":["is invalid"]}}}. Else 200 "{}".
    static std::pair<int, QByteArray> validate(const Request &request);
    // A URL on 127.0.0.1 where nothing listens (a port just released).
    static QUrl closedPortUrl();

Q_SIGNALS:
    void requestReceived();

private:
    struct Script
    {
        bool stall = false;
        int status = 0;
        QByteArray retryAfter;
        QByteArray body;
    };
    struct Answer
    {
        quint64 serial = 0;
        bool ready = false;
        bool close = false;
        QByteArray bytes;
    };
    struct Connection
    {
        int serial = 0;
        QByteArray buffer;
        std::deque<Answer> answers; // written in request order
        bool closing = false; // a fatal error was answered: ignore the rest
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void onDisconnected(QTcpSocket *socket);
    void handle(QTcpSocket *socket, Connection &connection, Request request);
    void answerAndClose(QTcpSocket *socket, Connection &connection, int status);
    void flush(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, Connection> m_connections;
    QList<Request> m_requests;
    std::deque<Script> m_scripts;
    Policy m_policy;
    int m_delayMs = 0;
    int m_connectionSerial = 0;
    quint64 m_answerSerial = 0;
    QElapsedTimer m_clock;
};

} // namespace l2met::test
