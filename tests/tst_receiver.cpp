// The HTTP edge, protocol and routes: requests over raw sockets to a real
// HttpReceiver (framing, pipelining, keep-alive, Expect, line endings,
// authentication, queries, /health, /sign, /metrics). The fixture is in
// receiverfixture.h; limits are in tst_receiverlimits, frame dedup in
// tst_receiverdedup.
#include "receiverfixture.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <vector>

using namespace l2met;
using namespace l2met::test;

class TstReceiver : public QObject, private ReceiverFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(); }
    void init() { setUpCase(); }
    void cleanup() { tearDownCase(); }

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
        const QByteArray all = rawRequest("GET", "/nothing") + rawRequest("POST", "/logs", logBody())
            + rawRequest("GET", "/logs", {}, { authHeader(m_token) }) + rawRequest("GET", "/health")
            + postLogs(logBody()) + rawRequest("GET", "/metrics") + last;
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
            rawRequest("POST", "/logs", logBody(3), { authHeader(m_token), "Expect: 100-continue" }));
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

    // Not HTTP at all: Qt HttpServer closes without a word (docs/platform.md).
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
        c.send(rawRequest("POST", "/logs", logBody(), headers));
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
        c.send(rawRequest("GET", "/logs", {}, { authHeader(m_token) }));
        QCOMPARE(c.next().status, 405);
        verifyRejectedOnce(405);
        c.send(rawRequest("PUT", "/health"));
        QCOMPARE(c.next().status, 405);
        c.send(rawRequest("GET", "/sign"));
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

    void health()
    {
        Client c(m_port);
        c.send(rawRequest("GET", "/health"));
        Response r = c.next();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok\n"));
        m_storeHealthy = false;
        c.send(rawRequest("GET", "/health"));
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
        c.send(rawRequest("GET", "/health"));
        QCOMPARE(c.next().status, 200);
    }

    void sign()
    {
        const QByteArray plaintext = "bob@example.com:bob-api-token";
        Client c(m_port);
        c.send(rawRequest("POST", "/sign", plaintext, { authHeader(m_key) }));
        const Response r = c.next();
        QCOMPARE(r.status, 200);
        const Fernet::Result decrypted = m_fernet->decrypt(r.body);
        QVERIFY(decrypted.ok());
        QCOMPARE(decrypted.plaintext, plaintext);
        // A token it made is accepted at ingest.
        c.send(rawRequest("POST", "/logs", logBody(), { authHeader(r.body) }));
        QCOMPARE(c.next().status, 200);
        InboxItem item;
        QVERIFY(m_inbox->pop(&item, 0));
        QCOMPARE(item.user, QByteArray("bob@example.com"));

        c.send(rawRequest("POST", "/sign", plaintext));
        QCOMPARE(c.next().status, 401);
        c.send(rawRequest("POST", "/sign", plaintext, { authHeader(Fernet::generateKey()) }));
        QCOMPARE(c.next().status, 401);
        c.send(rawRequest("POST", "/sign", plaintext, { authHeader(m_token) }));
        QCOMPARE(c.next().status, 401);
        QCOMPARE(responses(401), 3.0);
        QCOMPARE(problems(401), 3);
        c.send(rawRequest("POST", "/sign", "no-colon", { authHeader(m_key) }));
        QCOMPARE(c.next().status, 400);
    }

    void metricsRoute()
    {
        Client c(m_port);
        c.send(postLogs(logBody()));
        QCOMPARE(c.next().status, 200);
        c.send(rawRequest("GET", "/metrics"));
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
