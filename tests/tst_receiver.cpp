// The HTTP edge over real sockets: an HttpReceiver in this thread (no engine)
// with its own Inbox, Metrics and ProblemLog, and raw QTcpSocket clients on
// 127.0.0.1, so each case controls exactly which bytes are sent and when
// (split writes, pipelining, stalls, malformed framing). Small limits and
// timeouts keep the suite short; every wait spins the event loop (the
// server runs in this thread) until a condition holds.
#include "auth/fernet.h"
#include "enginetestkit.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "receiver/framededup.h"
#include "receiver/httpreceiver.h"
#include "receiver/inbox.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kCredentials = "alice@example.com:alice-secret-api-token";
const QByteArray kUser = "alice@example.com";
const QByteArray kApiToken = "alice-secret-api-token";

constexpr qint64 kMaxBodyBytes = 64 << 10;
constexpr int kMaxHeaderBytes = 8 << 10;
constexpr int kRequestTimeoutMs = 500;
constexpr int kIdleTimeoutMs = 800;
constexpr int kMaxConnections = 20;

// Everything any client received during the run, to check that no secret
// ever leaves l2met.
QByteArray s_received;

struct Response
{
    int status = 0;
    QByteArray head; // status line and headers
    QByteArray body;
};

// Takes one whole response off the front of *buffer.
bool takeResponse(QByteArray *buffer, Response *out)
{
    const qsizetype end = buffer->indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QByteArray head = buffer->left(end);
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    if (statusLine.size() < 2)
        return false;
    qint64 length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    }
    if (buffer->size() < end + 4 + length)
        return false;
    out->status = statusLine[1].toInt();
    out->head = head;
    out->body = buffer->mid(end + 4, length);
    buffer->remove(0, end + 4 + length);
    return true;
}

// One raw client connection: sends bytes as told, collects what comes back.
class Client
{
public:
    explicit Client(quint16 port)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] {
            const QByteArray bytes = m_socket.readAll();
            m_buffer += bytes;
            s_received += bytes;
        });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket,
                         [this] { m_closed = true; });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_connected = m_socket.waitForConnected(2000);
    }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    bool isConnected() const { return m_connected; }
    bool isClosed() const { return m_closed; }
    const QByteArray &pending() const { return m_buffer; }

    // Writes and flushes, then lets the server read it (it runs in this
    // thread), so that each send arrives as its own read.
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        while (m_socket.bytesToWrite() > 0 && m_socket.waitForBytesWritten(2000)) { }
        QCoreApplication::processEvents();
    }
    // The next response, waiting up to timeoutMs; status 0 when none came.
    Response next(int timeoutMs = 3000)
    {
        Response r;
        if (!QTest::qWaitFor([&] { return takeResponse(&m_buffer, &r) || m_closed; }, timeoutMs))
            return r;
        if (r.status == 0) // closed: the response may have come with the close
            takeResponse(&m_buffer, &r);
        return r;
    }
    bool waitClosed(int timeoutMs = 3000)
    {
        return QTest::qWaitFor([&] { return m_closed; }, timeoutMs);
    }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
    bool m_connected = false;
    bool m_closed = false;
};

QByteArray authHeader(const QByteArray &token)
{
    return QByteArray("Authorization: " + basicAuth(token));
}

// A request with a correct Content-Length after the given header lines.
QByteArray request(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
                   const QList<QByteArray> &headers = {})
{
    QByteArray r = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &h : headers)
        r += h + "\r\n";
    r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return r;
}

QByteArray logBody(int lines = 1)
{
    QByteArray body;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (int i = 0; i < lines; ++i)
        body += frame(now, "web.1", "measure#db.latency=" + QByteArray::number(i) + "ms");
    return body;
}

QByteArray statusLabel(int status)
{
    return QByteArray("status=\"" + QByteArray::number(status) + '"');
}

// What a test may change about the receiver it starts.
struct Setup
{
    int inboxItems = 100;
    qint64 inboxBytes = 4 << 20;
    int idleTimeoutMs = kIdleTimeoutMs;
    qint64 dedupWindowMs = FrameDedup::kDefaultWindowMs;
    int dedupMaxEntries = FrameDedup::kDefaultMaxEntries;
    int requestTimeoutMs = kRequestTimeoutMs;
    int evictIdleAfterMs = 60000; // no eviction unless a test asks
    qint64 maxBufferedBytes = 64LL << 20;
};

} // namespace

class TstReceiver : public QObject
{
    Q_OBJECT

private:
    QByteArray m_key;
    std::shared_ptr<const Fernet> m_fernet;
    QByteArray m_token;
    std::unique_ptr<Inbox> m_inbox;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<ProblemLog> m_problems;
    std::unique_ptr<HttpReceiver> m_receiver;
    quint16 m_port = 0;
    bool m_storeHealthy = true;
    bool m_outboxFull = false;

    void startReceiver(Setup setup = {})
    {
        m_receiver.reset();
        m_inbox = std::make_unique<Inbox>(setup.inboxItems, setup.inboxBytes);
        m_metrics = std::make_unique<Metrics>();
        m_problems = std::make_unique<ProblemLog>();
        HttpReceiver::Options options;
        options.address = QHostAddress::LocalHost;
        options.port = 0;
        options.limits.maxBodyBytes = kMaxBodyBytes;
        options.limits.maxHeaderBytes = kMaxHeaderBytes;
        options.limits.requestTimeoutMs = setup.requestTimeoutMs;
        options.limits.idleTimeoutMs = setup.idleTimeoutMs;
        options.server.maxConnections = kMaxConnections;
        options.server.evictIdleAfterMs = setup.evictIdleAfterMs;
        options.server.maxBufferedBytes = setup.maxBufferedBytes;
        options.secretKeys = { m_key };
        options.dedupWindowMs = setup.dedupWindowMs;
        options.dedupMaxEntries = setup.dedupMaxEntries;
        HttpReceiver::Hooks hooks;
        hooks.storeHealthy = [this] {
            return m_storeHealthy;
        };
        hooks.outboxFull = [this] {
            return m_outboxFull;
        };
        hooks.metricsText = [this] {
            return m_metrics->prometheusText();
        };
        m_receiver = std::make_unique<HttpReceiver>(options, m_fernet, m_inbox.get(),
                                                    m_metrics.get(), m_problems.get(), hooks);
        QString error;
        m_port = m_receiver->start(&error);
        QVERIFY2(m_port != 0, qPrintable(error));
    }

    QByteArray postLogs(const QByteArray &body, const QByteArray &query = {}) const
    {
        const QByteArray target
            = query.isEmpty() ? QByteArray("/logs") : QByteArray("/logs?" + query);
        return request("POST", target, body, { authHeader(m_token) });
    }

    // A logplex batch: its frame id and message count as logplex sends them.
    QByteArray postFrame(const QByteArray &frameId, const QByteArray &body,
                         const QByteArray &msgCount = "1", const QByteArray &token = {}) const
    {
        return request("POST", "/logs", body,
                       { authHeader(token.isEmpty() ? m_token : token),
                         "Logplex-Frame-Id: " + frameId, "Logplex-Msg-Count: " + msgCount });
    }

    // Posts on a fresh connection; the status answered.
    int post(const QByteArray &bytes) const
    {
        Client c(m_port);
        c.send(bytes);
        return c.next().status;
    }

    double counter(const QByteArray &name) const { return m_metrics->value(name); }

    double responses(int status) const
    {
        return m_metrics->value("http_responses", statusLabel(status));
    }

    int problems(int status) const
    {
        int n = 0;
        for (const Problem &p : m_problems->recent())
            n += p.status == status ? 1 : 0;
        return n;
    }

    // A refused request: counted once, logged once with its status.
    void verifyRejectedOnce(int status)
    {
        QCOMPARE(responses(status), 1.0);
        QCOMPARE(problems(status), 1);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_key = Fernet::generateKey();
        const std::optional<Fernet::Key> key = Fernet::parseKey(m_key);
        QVERIFY(key);
        m_fernet = std::make_shared<const Fernet>(QList<Fernet::Key> { *key });
        m_token = m_fernet->encrypt(kCredentials);
        QVERIFY(!m_token.isEmpty());
    }

    void init()
    {
        m_storeHealthy = true;
        m_outboxFull = false;
        startReceiver();
    }

    void cleanup()
    {
        // No answer and no problem entry ever carries a secret.
        for (const QByteArray &secret : { m_token, kApiToken, m_key }) {
            QVERIFY(!s_received.contains(secret));
            for (const Problem &p : m_problems->recent()) {
                QVERIFY(!p.detail.contains(secret));
                QVERIFY(!p.user.contains(secret));
                QVERIFY(!p.kind.contains(secret));
            }
        }
        s_received.clear();
        m_receiver.reset();
    }

    void goodPost()
    {
        Client c(m_port);
        QVERIFY(c.isConnected());
        const QByteArray body = logBody(3);
        c.send(postLogs(body, "resolution=30&prefix=app.web&source-prefix=eu%2Dwest"));
        const Response r = c.next();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray());
        QVERIFY(!c.isClosed());

        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.body, body);
        QCOMPARE(item.user, kUser);
        QCOMPARE(item.options.token, m_token);
        QCOMPARE(item.options.resolution, 30);
        QCOMPARE(item.options.prefix, QByteArray("app.web"));
        QCOMPARE(item.options.sourcePrefix, QByteArray("eu-west"));
        QVERIFY(item.receivedAt > 0);
        QVERIFY(!m_inbox->pop(&item, 0));
        QCOMPARE(responses(200), 1.0);
        QCOMPARE(m_metrics->value("bodies_accepted"), 1.0);
        QCOMPARE(m_metrics->value("http_body_bytes"), double(body.size()));
        QCOMPARE(m_problems->total(), quint64(0));
    }

    void defaultOptions()
    {
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.options.resolution, 60);
        QCOMPARE(item.options.prefix, QByteArray());
        QCOMPARE(item.options.sourcePrefix, QByteArray());
    }

    void pipelined()
    {
        Client c(m_port);
        const QByteArray a = logBody(1);
        const QByteArray b = logBody(2);
        c.send(postLogs(a) + postLogs(b));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(c.next().status, 200);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.body, a);
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.body, b);
        // The connection is still good for more.
        c.send(postLogs(a));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 1);
    }

    // The second pipelined request's body straddles two reads: the guard
    // must not count again the bytes Qt HttpServer left unread after the
    // first request (it reads one request at a time).
    void pipelinedBodyAcrossWrites()
    {
        Client c(m_port);
        const QByteArray a = logBody(1);
        QByteArray b;
        while (b.size() < 3 * kMaxHeaderBytes)
            b += logBody(20);
        const QByteArray both = postLogs(a) + postLogs(b);
        const qsizetype split = both.size() - b.size() / 2;
        c.send(both.left(split));
        QCOMPARE(c.next().status, 200);
        c.send(both.mid(split));
        QCOMPARE(c.next().status, 200);
        c.send(postLogs(a));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 3);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.body, b);
        // Nothing else was said on the connection, and it closes quietly
        // when idle (no late 408 for a request the guard lost track of).
        QVERIFY(c.waitClosed());
        QCOMPARE(c.pending(), QByteArray());
        QCOMPARE(responses(408) + responses(431), 0.0);
    }

    // Every kind of answer in one pipelined write (the handler's 4xx, Qt
    // HttpServer's own 404), then a request whose body comes later.
    void pipelinedMixed()
    {
        Client c(m_port);
        QByteArray big;
        while (big.size() < 3 * kMaxHeaderBytes)
            big += logBody(20);
        const QByteArray last = postLogs(big);
        const QByteArray all = request("GET", "/nothing") + request("POST", "/logs", logBody())
            + request("GET", "/logs", {}, { authHeader(m_token) }) + request("GET", "/health")
            + postLogs(logBody()) + request("GET", "/metrics") + last;
        const qsizetype split = all.size() - big.size() / 3;
        c.send(all.left(split));
        for (const int status : { 404, 401, 405, 200, 200, 200 })
            QCOMPARE(c.next().status, status);
        c.send(all.mid(split));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 2);
        QVERIFY(c.waitClosed());
        QCOMPARE(c.pending(), QByteArray());
        QCOMPARE(responses(408) + responses(431) + responses(400), 0.0);
    }

    // curl sends Expect: 100-continue for larger bodies. Qt HttpServer 6.4
    // never answers 100 (curl sends the body after a second anyway); the
    // body limit applies before the body is sent.
    void expectContinue()
    {
        Client c(m_port);
        c.send(
            request("POST", "/logs", logBody(3), { authHeader(m_token), "Expect: 100-continue" }));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 1);

        Client d(m_port);
        d.send("POST /logs HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" + authHeader(m_token)
               + "\r\nContent-Length: " + QByteArray::number(kMaxBodyBytes + 1) + "\r\n\r\n");
        QCOMPARE(d.next().status, 413);
        QVERIFY(d.waitClosed());
    }

    void splitWrites()
    {
        Client c(m_port);
        const QByteArray body = logBody(10);
        const QByteArray whole = postLogs(body);
        const qsizetype headEnd = whole.indexOf("\r\n\r\n") + 4;
        for (qsizetype i = 0; i < headEnd; ++i)
            c.send(whole.mid(i, 1));
        for (qsizetype i = headEnd; i < whole.size(); i += 37)
            c.send(whole.mid(i, 37));
        const Response r = c.next();
        QCOMPARE(r.status, 200);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.body, body);
    }

    void keepAlive()
    {
        Client c(m_port);
        for (int i = 0; i < 3; ++i) {
            c.send(postLogs(logBody(i + 1)));
            QCOMPARE(c.next().status, 200);
            QVERIFY(!c.isClosed());
        }
        QCOMPARE(m_inbox->depth(), 3);
        QCOMPARE(responses(200), 3.0);
    }

    // Qt HttpServer ends a head at an empty line with LF or CRLF endings and
    // skips blank lines before a request: the guard must see the same
    // boundaries, or its limits apply to the wrong bytes.
    void lineEndings()
    {
        Client c(m_port);
        QByteArray lf = postLogs(logBody());
        lf.replace("\r\n", "\n");
        c.send(lf);
        QCOMPARE(c.next().status, 200);
        c.send("\r\n" + postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        // A body larger than the header limit after an LF-only head.
        QByteArray big;
        while (big.size() < 2 * kMaxHeaderBytes)
            big += logBody(20);
        QByteArray lfBig = postLogs(big);
        lfBig.replace(lfBig.indexOf("\r\n\r\n"), 4, "\n\n");
        c.send(lfBig);
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 3);
        // An LF-only head is checked like any other.
        Client d(m_port);
        d.send("POST /logs HTTP/1.1\nHost: x\n" + authHeader(m_token)
               + "\nContent-Length: " + QByteArray::number(kMaxBodyBytes + 1) + "\n\n");
        QCOMPARE(d.next().status, 413);
        QVERIFY(d.waitClosed());
        QVERIFY(c.waitClosed());
        QCOMPARE(c.pending(), QByteArray());
        QCOMPARE(responses(408) + responses(431), 0.0);
    }

    void bodyTooLarge()
    {
        Client c(m_port);
        // Headers only: the answer must not wait for the body.
        c.send("POST /logs HTTP/1.1\r\nHost: x\r\n" + authHeader(m_token)
               + "\r\nContent-Length: " + QByteArray::number(kMaxBodyBytes + 1) + "\r\n\r\n");
        const Response r = c.next();
        QCOMPARE(r.status, 413);
        QVERIFY(r.head.startsWith("HTTP/1.1 413 Payload Too Large\r\n"));
        QVERIFY(r.head.contains("Connection: close"));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(413);
        // Exactly at the limit is fine.
        Client d(m_port);
        d.send(postLogs(QByteArray(kMaxBodyBytes, 'x')));
        QCOMPARE(d.next().status, 200);
        QCOMPARE(m_inbox->depth(), 1);
    }

    void headersTooLarge_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::newRow("one 20 KiB header") << QByteArray(
            "POST /logs HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(20 << 10, 'a') + "\r\n");
        QByteArray flood = "POST /logs HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; flood.size() <= 2 * kMaxHeaderBytes; ++i)
            flood += "X-" + QByteArray::number(i) + ": y\r\n";
        QTest::newRow("a flood of small headers") << flood;
        QByteArray many = "POST /logs HTTP/1.1\r\n";
        for (int i = 0; i < 101; ++i)
            many += "X-" + QByteArray::number(i) + ": y\r\n";
        QTest::newRow("101 fields (Qt's limit is 100)") << QByteArray(many + "\r\n");
        QTest::newRow("a 20 KiB request line")
            << QByteArray("GET /health?" + QByteArray(20 << 10, 'q') + " HTTP/1.1\r\n");
    }
    void headersTooLarge()
    {
        QFETCH(QByteArray, head);
        Client c(m_port);
        c.send(head); // never finished: the limit applies to what has come
        const Response r = c.next();
        QCOMPARE(r.status, 431);
        QVERIFY(r.head.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(431);
    }

    void hundredFields()
    {
        QList<QByteArray> headers { authHeader(m_token) };
        while (headers.size() < 98) // with Host and Content-Length: 100
            headers << QByteArray("X-" + QByteArray::number(headers.size()) + ": y");
        Client c(m_port);
        c.send(request("POST", "/logs", logBody(), headers));
        QCOMPARE(c.next().status, 200);
    }

    void badFraming_data()
    {
        QTest::addColumn<QList<QByteArray>>("headers");
        QTest::addColumn<QByteArray>("body");
        const QByteArray body = "hello";
        QTest::newRow("negative length") << QList<QByteArray> { "Content-Length: -5" } << body;
        QTest::newRow("non-numeric length") << QList<QByteArray> { "Content-Length: five" } << body;
        QTest::newRow("length with a sign") << QList<QByteArray> { "Content-Length: +5" } << body;
        QTest::newRow("empty length") << QList<QByteArray> { "Content-Length:" } << body;
        QTest::newRow("huge length")
            << QList<QByteArray> { "Content-Length: 99999999999999999999999" } << body;
        QTest::newRow("two equal lengths")
            << QList<QByteArray> { "Content-Length: 5", "Content-Length: 5" } << body;
        QTest::newRow("two different lengths")
            << QList<QByteArray> { "Content-Length: 5", "Content-Length: 3" } << body;
        QTest::newRow("length and chunked")
            << QList<QByteArray> { "Content-Length: 5", "Transfer-Encoding: chunked" } << body;
        QTest::newRow("chunked alone") << QList<QByteArray> { "Transfer-Encoding: chunked" }
                                       << QByteArray("5\r\nhello\r\n0\r\n\r\n");
        QTest::newRow("identity encoding")
            << QList<QByteArray> { "Transfer-Encoding: identity" } << body;
        // Header lines Qt HttpServer may read differently from the guard
        // (its parser joins a line without ':' to the next one, and folded
        // lines to the previous one): refused rather than guessed at.
        QTest::newRow("line without colon")
            << QList<QByteArray> { "X-Junk", "Content-Length: 5" } << body;
        QTest::newRow("length name split from its value")
            << QList<QByteArray> { "Content-Length", ": 5" } << body;
        QTest::newRow("folded line")
            << QList<QByteArray> { "X-A: b", " Content-Length: 5" } << body;
        QTest::newRow("space before colon") << QList<QByteArray> { "Content-Length : 5" } << body;
    }
    void badFraming()
    {
        QFETCH(QList<QByteArray>, headers);
        QFETCH(QByteArray, body);
        QByteArray r = "POST /logs HTTP/1.1\r\nHost: x\r\n" + authHeader(m_token) + "\r\n";
        for (const QByteArray &h : headers)
            r += h + "\r\n";
        r += "\r\n" + body;
        Client c(m_port);
        c.send(r);
        const Response answer = c.next();
        QCOMPARE(answer.status, 400);
        QVERIFY(answer.head.startsWith("HTTP/1.1 400 Bad Request\r\n"));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(400);
    }

    // Headers a byte at a time, slower than the request timeout allows:
    // each byte must not restart the clock.
    void slowloris()
    {
        Client c(m_port);
        const QByteArray head = postLogs(logBody());
        qsizetype sent = 0;
        QElapsedTimer clock;
        QTimer trickle;
        trickle.setInterval(50);
        QObject::connect(&trickle, &QTimer::timeout, &trickle, [&] {
            if (c.isClosed() || sent >= head.size())
                return;
            if (sent == 0)
                clock.start();
            c.send(head.mid(sent++, 1));
        });
        trickle.start();
        const Response r = c.next(5000);
        const qint64 elapsed = clock.elapsed();
        trickle.stop();
        QCOMPARE(r.status, 408);
        QVERIFY2(elapsed >= kRequestTimeoutMs - 50 && elapsed < kRequestTimeoutMs + 1000,
                 qPrintable(QString::number(elapsed)));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(408);
    }

    void incompleteHead()
    {
        Client c(m_port);
        QElapsedTimer clock;
        clock.start();
        c.send("POST /logs HTTP/1.1\r\nHost: x\r\n");
        const Response r = c.next();
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(r.status, 408);
        QVERIFY(r.head.startsWith("HTTP/1.1 408 Request Timeout\r\n"));
        QVERIFY2(elapsed >= kRequestTimeoutMs - 50 && elapsed < kRequestTimeoutMs + 1000,
                 qPrintable(QString::number(elapsed)));
        QVERIFY(c.waitClosed());
        verifyRejectedOnce(408);
    }

    // Not HTTP at all: Qt HttpServer closes without a word (PLATFORM-NOTES).
    void garbage()
    {
        Client c(m_port);
        c.send("HELLO\r\n\r\n");
        QVERIFY(c.waitClosed());
        QCOMPARE(c.pending(), QByteArray());
        QCOMPARE(m_inbox->depth(), 0);
    }

    void shortBody()
    {
        Client c(m_port);
        QElapsedTimer clock;
        clock.start();
        c.send("POST /logs HTTP/1.1\r\nHost: x\r\n" + authHeader(m_token)
               + "\r\nContent-Length: 1000\r\n\r\n0123456789");
        const Response r = c.next();
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(r.status, 408);
        QVERIFY2(elapsed >= kRequestTimeoutMs - 50 && elapsed < kRequestTimeoutMs + 1000,
                 qPrintable(QString::number(elapsed)));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(408);
    }

    void idleConnections()
    {
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        QElapsedTimer clock;
        clock.start();
        Client silent(m_port); // never says anything
        QVERIFY(c.waitClosed());
        const qint64 elapsed = clock.elapsed();
        QVERIFY2(elapsed >= kIdleTimeoutMs - 100 && elapsed < kIdleTimeoutMs + 1000,
                 qPrintable(QString::number(elapsed)));
        QCOMPARE(c.pending(), QByteArray()); // closed without a word
        QVERIFY(silent.waitClosed());
        QCOMPARE(silent.pending(), QByteArray());
        QCOMPARE(m_problems->total(), quint64(0));
    }

    void maxConnections()
    {
        startReceiver({ .idleTimeoutMs = 10000 }); // the idle ones must stay for the test
        std::vector<std::unique_ptr<Client>> idle;
        for (int i = 0; i < kMaxConnections; ++i) {
            idle.push_back(std::make_unique<Client>(m_port));
            QVERIFY(idle.back()->isConnected());
        }
        Client extra(m_port);
        const Response r = extra.next();
        QCOMPARE(r.status, 503);
        QVERIFY(r.head.startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
        QVERIFY(r.head.contains("Connection: close"));
        QVERIFY(extra.waitClosed());
        verifyRejectedOnce(503);
        for (const auto &c : idle)
            QVERIFY(!c->isClosed());

        idle.resize(kMaxConnections - 5);
        // Once the server has seen the closes, new connections are served.
        QVERIFY(QTest::qWaitFor(
            [&] {
                Client c(m_port);
                c.send(request("GET", "/health"));
                return c.next().status == 200;
            },
            3000));
        std::vector<std::unique_ptr<Client>> more;
        for (int i = 0; i < 4; ++i) {
            more.push_back(std::make_unique<Client>(m_port));
            more.back()->send(request("GET", "/health"));
            QCOMPARE(more.back()->next().status, 200);
        }
    }

    // At the limit, a new connection takes the place of the one silent
    // longest: an idle keep-alive connection closes without a word, a
    // half-sent request is answered 503.
    void evictsSilentConnections()
    {
        startReceiver({ .idleTimeoutMs = 10000, .requestTimeoutMs = 10000, .evictIdleAfterMs = 300 });
        std::vector<std::unique_ptr<Client>> clients;
        clients.push_back(std::make_unique<Client>(m_port));
        clients.back()->send(request("GET", "/health")); // then idle
        QCOMPARE(clients.back()->next().status, 200);    // the server has seen it
        QElapsedTimer sinceOldest;
        sinceOldest.start();
        while (int(clients.size()) < kMaxConnections) {
            clients.push_back(std::make_unique<Client>(m_port));
            clients.back()->send("POST /logs HTTP/1.1\r\nHost: x\r\n"); // half a request
        }
        // All silent for less than 300 ms: no room yet.
        if (sinceOldest.elapsed() < 250) {
            Client early(m_port);
            QCOMPARE(early.next().status, 503);
        }
        QTest::qWait(std::max<qint64>(0, 350 - sinceOldest.elapsed()));
        // The idle connection has been silent longest: closed without a word.
        Client first(m_port);
        first.send(postLogs(logBody()));
        QCOMPARE(first.next().status, 200);
        QVERIFY(clients[0]->waitClosed());
        QCOMPARE(clients[0]->pending(), QByteArray());
        // Then one of the half-sent requests: answered 503.
        Client second(m_port);
        second.send(postLogs(logBody()));
        QCOMPARE(second.next().status, 200);
        const auto evicted = [&clients] {
            int n = 0;
            for (size_t i = 1; i < clients.size(); ++i)
                n += clients[i]->isClosed() ? 1 : 0;
            return n;
        };
        QTRY_COMPARE(evicted(), 1);
        for (size_t i = 1; i < clients.size(); ++i) {
            if (clients[i]->isClosed()) {
                const Response r = clients[i]->next();
                QCOMPARE(r.status, 503);
                QVERIFY(r.body.contains("connection limit"));
            }
        }
        QCOMPARE(counter("connections_evicted"), 2.0);
        QCOMPARE(m_inbox->depth(), 2);
    }

    // A client busy sending is never the one evicted, however old.
    void busyConnectionsStay()
    {
        startReceiver({ .idleTimeoutMs = 10000, .evictIdleAfterMs = 200 });
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < kMaxConnections; ++i)
            clients.push_back(std::make_unique<Client>(m_port));
        // The oldest keeps posting; the others fall silent.
        Client &busy = *clients[0];
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 300) {
            busy.send(postLogs(logBody()));
            QCOMPARE(busy.next().status, 200);
        }
        Client fresh(m_port);
        fresh.send(request("GET", "/health"));
        QCOMPARE(fresh.next().status, 200);
        QVERIFY(!busy.isClosed());
        busy.send(postLogs(logBody()));
        QCOMPARE(busy.next().status, 200);
        QCOMPARE(counter("connections_evicted"), 1.0);
    }

    // Requests of all connections share one byte budget: a body that would
    // pass it is answered 503 before it is sent, and the budget comes back
    // when a request is done.
    void bufferBudget()
    {
        startReceiver({ .maxBufferedBytes = 2 * (kMaxBodyBytes + (kMaxBodyBytes / 2)) }); // bytes count twice
        const QByteArray body = logBody(600).left(kMaxBodyBytes / 2 + 100);
        QCOMPARE(body.size(), kMaxBodyBytes / 2 + 100);
        const QByteArray head = "POST /logs HTTP/1.1\r\nHost: x\r\n" + authHeader(m_token)
            + "\r\nContent-Length: " + QByteArray::number(kMaxBodyBytes) + "\r\n\r\n";
        Client big(m_port);
        big.send(head + QByteArray(1000, 'x')); // holds kMaxBodyBytes from now on
        Client other(m_port);
        other.send("POST /logs HTTP/1.1\r\nHost: x\r\n" + authHeader(m_token)
                   + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n");
        const Response r = other.next();
        QCOMPARE(r.status, 503);
        QVERIFY(r.body.contains("request buffers full"));
        QVERIFY(other.waitClosed());
        QCOMPARE(m_inbox->depth(), 0);
        big.send(QByteArray(kMaxBodyBytes - 1000, 'x'));
        QCOMPARE(big.next().status, 200);
        // Returned: the same request now fits.
        Client again(m_port);
        again.send(postLogs(body));
        QCOMPARE(again.next().status, 200);
        Client m(m_port);
        m.send(request("GET", "/metrics"));
        QCOMPARE(m.next().status, 200);
        QCOMPARE(counter("http_buffered_bytes"), 0.0);
        QCOMPARE(m_inbox->depth(), 2);
    }

    // Many requests pipelined by a client that reads no answer: dropped
    // once the unsent answers pass the bound; others are still served.
    void unreadAnswers()
    {
        QTcpSocket greedy;
        greedy.setReadBufferSize(4096); // reads (almost) nothing of the answers
        greedy.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(greedy.waitForConnected(2000));
        bool closed = false;
        connect(&greedy, &QTcpSocket::disconnected, &greedy, [&closed] { closed = true; });
        QByteArray burst;
        for (int i = 0; i < 100; ++i)
            burst += request("GET", "/metrics");
        QElapsedTimer clock;
        clock.start();
        while (!closed && clock.elapsed() < 10000) {
            if (greedy.bytesToWrite() < burst.size())
                greedy.write(burst);
            QTest::qWait(5);
        }
        QVERIFY2(closed, "a client that reads no answer keeps its connection");
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
    }

    void unauthorized_data()
    {
        QTest::addColumn<QList<QByteArray>>("headers");
        QTest::newRow("no Authorization") << QList<QByteArray> {};
        QTest::newRow("not Basic") << QList<QByteArray> { "Authorization: Bearer " + m_token };
        QTest::newRow("bad base64") << QList<QByteArray> { "Authorization: Basic !!!" };
        QTest::newRow("not a token") << QList<QByteArray> { authHeader("not-a-token") };
        QByteArray tampered = m_token;
        tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
        QTest::newRow("tampered token") << QList<QByteArray> { authHeader(tampered) };
        const QByteArray otherKey = Fernet::generateKey();
        QTest::newRow("token from another key") << QList<QByteArray> { authHeader(
            Fernet({ *Fernet::parseKey(otherKey) }).encrypt(kCredentials)) };
        QTest::newRow("plaintext without colon")
            << QList<QByteArray> { authHeader(m_fernet->encrypt("alice-secret-api-token")) };
    }
    void unauthorized()
    {
        QFETCH(QList<QByteArray>, headers);
        Client c(m_port);
        c.send(request("POST", "/logs", logBody(), headers));
        const Response r = c.next();
        QCOMPARE(r.status, 401);
        QVERIFY(r.head.contains("WWW-Authenticate: Basic"));
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(401);
        // A 4xx from the handler leaves the connection usable.
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
    }

    void wrongMethod()
    {
        Client c(m_port);
        c.send(request("GET", "/logs", {}, { authHeader(m_token) }));
        QCOMPARE(c.next().status, 405);
        verifyRejectedOnce(405);
        c.send(request("PUT", "/health"));
        QCOMPARE(c.next().status, 405);
        c.send(request("GET", "/sign"));
        QCOMPARE(c.next().status, 405);
        QCOMPARE(responses(405), 3.0);
        QCOMPARE(problems(405), 3);
    }

    void badQuery_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::newRow("7 does not divide 3600") << QByteArray("resolution=7");
        QTest::newRow("zero") << QByteArray("resolution=0");
        QTest::newRow("negative") << QByteArray("resolution=-60");
        QTest::newRow("not a number") << QByteArray("resolution=abc");
        QTest::newRow("over an hour") << QByteArray("resolution=7200");
    }
    void badQuery()
    {
        QFETCH(QByteArray, query);
        Client c(m_port);
        c.send(postLogs(logBody(), query));
        const Response r = c.next();
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.contains("resolution"));
        QCOMPARE(m_inbox->depth(), 0);
        verifyRejectedOnce(400);
        const QList<Problem> logged = m_problems->recent();
        QCOMPARE(logged.last().user, kUser); // known by then, and never the token
    }

    void inboxFull()
    {
        startReceiver({ .inboxItems = 1 });
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        c.send(postLogs(logBody()));
        const Response r = c.next();
        QCOMPARE(r.status, 503);
        verifyRejectedOnce(503);
        QCOMPARE(m_inbox->depth(), 1);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
    }

    void inboxBytes()
    {
        const QByteArray body = logBody(5);
        startReceiver({ .inboxBytes = body.size() * 3 / 2 });
        Client c(m_port);
        c.send(postLogs(body));
        QCOMPARE(c.next().status, 200);
        c.send(postLogs(body));
        QCOMPARE(c.next().status, 503);
        verifyRejectedOnce(503);
        QCOMPARE(m_inbox->depth(), 1);
        QCOMPARE(m_inbox->bytes(), qint64(body.size()));
    }

    // FrameDedup alone, on a clock the test controls.
    void frameDedup()
    {
        FrameDedup dedup(1000, 3);
        QVERIFY(!dedup.contains("tok", "f1", 0));
        dedup.add("tok", "f1", 0);
        QVERIFY(dedup.contains("tok", "f1", 0));
        QVERIFY(dedup.contains("tok", "f1", 999));
        QVERIFY(!dedup.contains("tok2", "f1", 999)); // another drain
        QVERIFY(!dedup.contains("tok", "f2", 999));
        QVERIFY(!dedup.contains("to", "kf1", 999)); // no ambiguity in the key
        QVERIFY(!dedup.contains("tok", "f1", 1000)); // the window is over
        QCOMPARE(dedup.size(), 0);

        // The count bound: the oldest goes first.
        dedup.add("tok", "a", 2000);
        dedup.add("tok", "b", 2001);
        dedup.add("tok", "c", 2002);
        QCOMPARE(dedup.size(), 3);
        dedup.add("tok", "d", 2003);
        QCOMPARE(dedup.size(), 3);
        QVERIFY(!dedup.contains("tok", "a", 2003));
        for (const char *id : { "b", "c", "d" })
            QVERIFY(dedup.contains("tok", id, 2003));
        // Expiry goes by age, oldest first.
        QVERIFY(!dedup.contains("tok", "b", 3001));
        QVERIFY(dedup.contains("tok", "c", 3001));
        QCOMPARE(dedup.size(), 2);

        // Adding again renews: the older entry does not take the newer away.
        dedup.add("tok", "c", 3001);
        QVERIFY(dedup.contains("tok", "c", 3500));
        QVERIFY(dedup.contains("tok", "c", 4000));
        QVERIFY(!dedup.contains("tok", "c", 4001));

        FrameDedup off(1000, 0);
        off.add("tok", "a", 0);
        QVERIFY(!off.contains("tok", "a", 0));
    }

    void duplicateFrame()
    {
        const QByteArray body = logBody(3);
        Client c(m_port);
        c.send(postFrame("frame-1", body, "3"));
        QCOMPARE(c.next().status, 200);
        c.send(postFrame("frame-1", body, "3")); // logplex's retry after a timeout
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 1);
        QCOMPARE(counter("bodies_accepted"), 1.0);
        QCOMPARE(counter("bodies_duplicate"), 1.0);
        QCOMPARE(counter("lines_duplicate"), 3.0);
        QCOMPARE(responses(200), 2.0);
        QCOMPARE(m_problems->total(), quint64(0));
        // A count that is not a number counts no lines.
        c.send(postFrame("frame-1", body, "three"));
        QCOMPARE(c.next().status, 200);
        c.send(request("POST", "/logs", body, { authHeader(m_token), "Logplex-Frame-Id: frame-1" }));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(counter("bodies_duplicate"), 3.0);
        QCOMPARE(counter("lines_duplicate"), 3.0);
        QCOMPARE(m_inbox->depth(), 1);
        // Another frame id is another batch.
        c.send(postFrame("frame-2", body, "3"));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 2);
        // A duplicate is not refused by back-pressure: it is already taken.
        m_outboxFull = true;
        c.send(postFrame("frame-2", body, "3"));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(counter("bodies_duplicate"), 4.0);
        c.send(postFrame("frame-3", body, "3"));
        QCOMPARE(c.next().status, 503);
    }

    // A 503 does not mark the batch: its retry is taken.
    void duplicateAfter503()
    {
        startReceiver({ .inboxItems = 1 });
        QCOMPARE(post(postFrame("a", logBody(), "1")), 200);
        QCOMPARE(post(postFrame("b", logBody(2), "2")), 503);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(post(postFrame("b", logBody(2), "2")), 200);
        QCOMPARE(m_inbox->depth(), 1);
        QCOMPARE(counter("bodies_duplicate"), 0.0);
        QCOMPARE(post(postFrame("b", logBody(2), "2")), 200);
        QCOMPARE(m_inbox->depth(), 1);
        QCOMPARE(counter("bodies_duplicate"), 1.0);
        QCOMPARE(counter("lines_duplicate"), 2.0);
    }

    // The same frame id under another drain token is another batch.
    void duplicateOtherToken()
    {
        const QByteArray other = m_fernet->encrypt("bob@example.com:bob-api-token");
        QCOMPARE(post(postFrame("same-id", logBody())), 200);
        QCOMPARE(post(postFrame("same-id", logBody(), "1", other)), 200);
        QCOMPARE(m_inbox->depth(), 2);
        QCOMPARE(counter("bodies_duplicate"), 0.0);
        QCOMPARE(post(postFrame("same-id", logBody(), "1", other)), 200);
        QCOMPARE(m_inbox->depth(), 2);
        QCOMPARE(counter("bodies_duplicate"), 1.0);
    }

    // Without a frame id nothing is deduplicated, even an identical body.
    void noFrameIdNoDedup()
    {
        const QByteArray body = logBody(2);
        const QByteArray bytes = request("POST", "/logs", body, { authHeader(m_token), "Logplex-Msg-Count: 2" });
        for (int i = 0; i < 3; ++i)
            QCOMPARE(post(bytes), 200);
        QCOMPARE(post(request("POST", "/logs", body, { authHeader(m_token), "Logplex-Frame-Id:" })), 200);
        QCOMPARE(m_inbox->depth(), 4);
        QCOMPARE(counter("bodies_duplicate"), 0.0);
        QCOMPARE(counter("lines_duplicate"), 0.0);
    }

    void duplicateWindow()
    {
        constexpr int kWindowMs = 300;
        startReceiver({ .dedupWindowMs = kWindowMs });
        QElapsedTimer clock;
        clock.start(); // before the first acceptance, so no earlier than the server's
        QCOMPARE(post(postFrame("w", logBody())), 200);
        QCOMPARE(post(postFrame("w", logBody())), 200);
        QCOMPARE(m_inbox->depth(), 1);
        // Retried until the window is over, and taken then.
        QTRY_VERIFY_WITH_TIMEOUT(post(postFrame("w", logBody())) == 200 && m_inbox->depth() == 2, 5000);
        QVERIFY2(clock.elapsed() >= kWindowMs, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(counter("bodies_duplicate") >= 1.0);
        const double duplicates = counter("bodies_duplicate");
        QCOMPARE(post(postFrame("w", logBody())), 200); // remembered afresh
        QCOMPARE(m_inbox->depth(), 2);
        QCOMPARE(counter("bodies_duplicate"), duplicates + 1);
    }

    void duplicateBound()
    {
        startReceiver({ .dedupMaxEntries = 2 });
        for (const QByteArray id : { "a", "b", "c" })
            QCOMPARE(post(postFrame(id, logBody())), 200);
        QCOMPARE(m_inbox->depth(), 3);
        QCOMPARE(post(postFrame("c", logBody())), 200);
        QCOMPARE(post(postFrame("b", logBody())), 200);
        QCOMPARE(m_inbox->depth(), 3);
        QCOMPARE(counter("bodies_duplicate"), 2.0);
        QCOMPARE(post(postFrame("a", logBody())), 200); // the oldest was forgotten
        QCOMPARE(m_inbox->depth(), 4);
        QCOMPARE(counter("bodies_duplicate"), 2.0);
        QCOMPARE(post(postFrame("b", logBody())), 200); // and "a" took b's place
        QCOMPARE(m_inbox->depth(), 5);
    }

    void health()
    {
        Client c(m_port);
        c.send(request("GET", "/health"));
        Response r = c.next();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok\n"));
        m_storeHealthy = false;
        c.send(request("GET", "/health"));
        r = c.next();
        QCOMPARE(r.status, 503);
        QCOMPARE(responses(503), 1.0);
        QCOMPARE(problems(503), 0); // a health answer is no problem
        // Bodies are still taken while the outbox holds what the store
        // cannot take yet (outboxFull() below is what refuses them).
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        QCOMPARE(m_inbox->depth(), 1);
        m_storeHealthy = true;
        c.send(request("GET", "/health"));
        QCOMPARE(c.next().status, 200);
    }

    void outboxFull()
    {
        m_outboxFull = true;
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 503);
        verifyRejectedOnce(503);
        QCOMPARE(m_inbox->depth(), 0);
        m_outboxFull = false;
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
    }

    void sign()
    {
        const QByteArray plaintext = "bob@example.com:bob-api-token";
        Client c(m_port);
        c.send(request("POST", "/sign", plaintext, { authHeader(m_key) }));
        const Response r = c.next();
        QCOMPARE(r.status, 200);
        const Fernet::Result decrypted = m_fernet->decrypt(r.body);
        QVERIFY(decrypted.ok());
        QCOMPARE(decrypted.plaintext, plaintext);
        // A token it made is accepted at ingest.
        c.send(request("POST", "/logs", logBody(), { authHeader(r.body) }));
        QCOMPARE(c.next().status, 200);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.user, QByteArray("bob@example.com"));

        c.send(request("POST", "/sign", plaintext));
        QCOMPARE(c.next().status, 401);
        c.send(request("POST", "/sign", plaintext, { authHeader(Fernet::generateKey()) }));
        QCOMPARE(c.next().status, 401);
        c.send(request("POST", "/sign", plaintext, { authHeader(m_token) }));
        QCOMPARE(c.next().status, 401);
        QCOMPARE(responses(401), 3.0);
        QCOMPARE(problems(401), 3);
        c.send(request("POST", "/sign", "no-colon", { authHeader(m_key) }));
        QCOMPARE(c.next().status, 400);
    }

    void metricsRoute()
    {
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        c.send(request("GET", "/metrics"));
        const Response r = c.next();
        QCOMPARE(r.status, 200);
        QVERIFY(r.head.contains("text/plain"));
        QCOMPARE(r.body, m_metrics->prometheusText());
        QVERIFY(r.body.contains("l2met_http_responses{status=\"200\"} 2"));
        QVERIFY(r.body.contains("l2met_bodies_accepted 1"));
    }
};

QTEST_GUILESS_MAIN(TstReceiver)
#include "tst_receiver.moc"
