// The fixture of the HTTP receiver suites (tst_receiver, tst_receiverlimits,
// tst_receiverdedup): an HttpReceiver in the test's own thread (no engine)
// with its own Inbox, Metrics and ProblemLog, raw clients on 127.0.0.1
// (rawhttpclient.h) so each case controls exactly which bytes are sent and
// when, and small limits and timeouts that keep the suites short. Every
// wait spins the event loop, since the server runs in this thread.
//
// A suite derives from QObject and ReceiverFixture and calls setUpSuite()
// from initTestCase(), setUpCase() from init() and tearDownCase() from
// cleanup(); tearDownCase() checks that no answer and no problem entry
// carried a secret.
#pragma once

#include "auth/fernet.h"
#include "enginetestkit.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "rawhttpclient.h"
#include "receiver/framededup.h"
#include "receiver/httpreceiver.h"
#include "receiver/inbox.h"

#include <QByteArray>
#include <QList>

#include <memory>

namespace l2met::test {

inline const QByteArray kCredentials = "alice@example.com:alice-secret-api-token";
inline const QByteArray kUser = "alice@example.com";
inline const QByteArray kApiToken = "alice-secret-api-token";

inline constexpr qint64 kMaxBodyBytes = 64 << 10;
inline constexpr int kMaxHeaderBytes = 8 << 10;
inline constexpr int kRequestTimeoutMs = 500;
inline constexpr int kIdleTimeoutMs = 800;
inline constexpr int kMaxConnections = 20;

using Response = RawResponse;

// Everything any Client received during the current case.
QByteArray &receivedBytes();

// A raw client whose every received byte is also kept in receivedBytes().
class Client : public RawHttpClient
{
public:
    explicit Client(quint16 port)
        : RawHttpClient(port, &receivedBytes())
    {
    }
};

QByteArray authHeader(const QByteArray &token);

// Logplex frames of `lines` measurement lines stamped now.
QByteArray logBody(int lines = 1);

// The Prometheus label set of an HTTP status.
QByteArray statusLabel(int status);

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

class ReceiverFixture
{
protected:
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

    void setUpSuite();
    void setUpCase();
    void tearDownCase();

    void startReceiver(Setup setup = {});

    QByteArray postLogs(const QByteArray &body, const QByteArray &query = {}) const;
    // A logplex batch: its frame id and message count as logplex sends them.
    QByteArray postFrame(const QByteArray &frameId, const QByteArray &body, const QByteArray &msgCount = "1",
                         const QByteArray &token = {}) const;
    // Posts on a fresh connection; the status answered.
    int post(const QByteArray &bytes) const;

    double counter(const QByteArray &name) const { return m_metrics->value(name); }
    double responses(int status) const { return m_metrics->value("http_responses", statusLabel(status)); }
    int problems(int status) const;
    // A refused request: counted once, logged once with its status.
    void verifyRejectedOnce(int status);
};

} // namespace l2met::test
