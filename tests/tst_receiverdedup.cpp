// Logplex frame dedup: FrameDedup alone on a clock the test controls, then
// through the receiver (a frame posted twice is taken once, per drain,
// within its window, within its bound, and a 503 does not mark it seen).
#include "receiverfixture.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <vector>

using namespace l2met;
using namespace l2met::test;

class TstReceiverDedup : public QObject, private ReceiverFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(); }
    void init() { setUpCase(); }
    void cleanup() { tearDownCase(); }

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
        c.send(rawRequest("POST", "/logs", body, { authHeader(m_token), "Logplex-Frame-Id: frame-1" }));
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
        const QByteArray bytes = rawRequest("POST", "/logs", body, { authHeader(m_token), "Logplex-Msg-Count: 2" });
        for (int i = 0; i < 3; ++i)
            QCOMPARE(post(bytes), 200);
        QCOMPARE(post(rawRequest("POST", "/logs", body, { authHeader(m_token), "Logplex-Frame-Id:" })), 200);
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
};

QTEST_GUILESS_MAIN(TstReceiverDedup)
#include "tst_receiverdedup.moc"
