#include "receiverfixture.h"

#include <QDateTime>
#include <QTest>

namespace l2met::test {

QByteArray &receivedBytes()
{
    static QByteArray received;
    return received;
}

QByteArray authHeader(const QByteArray &token)
{
    return QByteArray("Authorization: " + basicAuth(token));
}

QByteArray logBody(int lines)
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

void ReceiverFixture::setUpSuite()
{
    m_key = Fernet::generateKey();
    const std::optional<Fernet::Key> key = Fernet::parseKey(m_key);
    QVERIFY(key);
    m_fernet = std::make_shared<const Fernet>(QList<Fernet::Key> { *key });
    m_token = m_fernet->encrypt(kCredentials);
    QVERIFY(!m_token.isEmpty());
}

void ReceiverFixture::setUpCase()
{
    m_storeHealthy = true;
    m_outboxFull = false;
    startReceiver();
}

void ReceiverFixture::tearDownCase()
{
    // No answer and no problem entry ever carries a secret.
    for (const QByteArray &secret : { m_token, kApiToken, m_key }) {
        QVERIFY(!receivedBytes().contains(secret));
        for (const Problem &p : m_problems->recent()) {
            QVERIFY(!p.detail.contains(secret));
            QVERIFY(!p.user.contains(secret));
            QVERIFY(!p.kind.contains(secret));
        }
    }
    receivedBytes().clear();
    m_receiver.reset();
}

void ReceiverFixture::startReceiver(Setup setup)
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
    hooks.storeHealthy = [this] { return m_storeHealthy; };
    hooks.outboxFull = [this] { return m_outboxFull; };
    hooks.metricsText = [this] { return m_metrics->prometheusText(); };
    m_receiver = std::make_unique<HttpReceiver>(options, m_fernet, m_inbox.get(), m_metrics.get(), m_problems.get(),
                                                hooks);
    QString error;
    m_port = m_receiver->start(&error);
    QVERIFY2(m_port != 0, qPrintable(error));
}

QByteArray ReceiverFixture::postLogs(const QByteArray &body, const QByteArray &query) const
{
    const QByteArray target = query.isEmpty() ? QByteArray("/logs") : QByteArray("/logs?" + query);
    return rawRequest("POST", target, body, { authHeader(m_token) });
}

QByteArray ReceiverFixture::postFrame(const QByteArray &frameId, const QByteArray &body, const QByteArray &msgCount,
                                      const QByteArray &token) const
{
    return rawRequest("POST", "/logs", body,
                   { authHeader(token.isEmpty() ? m_token : token), "Logplex-Frame-Id: " + frameId,
                     "Logplex-Msg-Count: " + msgCount });
}

int ReceiverFixture::post(const QByteArray &bytes) const
{
    Client c(m_port);
    c.send(bytes);
    return c.next().status;
}

int ReceiverFixture::problems(int status) const
{
    int n = 0;
    for (const Problem &p : m_problems->recent())
        n += p.status == status ? 1 : 0;
    return n;
}

void ReceiverFixture::verifyRejectedOnce(int status)
{
    QCOMPARE(responses(status), 1.0);
    QCOMPARE(problems(status), 1);
}

} // namespace l2met::test
