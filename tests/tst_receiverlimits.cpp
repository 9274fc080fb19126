// The HTTP edge's limits over raw sockets: body and header sizes, slow and
// incomplete clients, idle, too many and silent connections, the request
// buffer budget, answers nobody reads, and a full inbox or outbox: each
// refusal is answered with its status, counted and logged once.
#include "receiverfixture.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <vector>

using namespace l2met;
using namespace l2met::test;

class TstReceiverLimits : public QObject, private ReceiverFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(); }
    void init() { setUpCase(); }
    void cleanup() { tearDownCase(); }

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
        c.send(rawRequest("POST", "/logs", logBody(), headers));
        QCOMPARE(c.next().status, 200);
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
                c.send(rawRequest("GET", "/health"));
                return c.next().status == 200;
            },
            3000));
        std::vector<std::unique_ptr<Client>> more;
        for (int i = 0; i < 4; ++i) {
            more.push_back(std::make_unique<Client>(m_port));
            more.back()->send(rawRequest("GET", "/health"));
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
        clients.back()->send(rawRequest("GET", "/health")); // then idle
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
        fresh.send(rawRequest("GET", "/health"));
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
        m.send(rawRequest("GET", "/metrics"));
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
            burst += rawRequest("GET", "/metrics");
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
};

QTEST_GUILESS_MAIN(TstReceiverLimits)
#include "tst_receiverlimits.moc"
