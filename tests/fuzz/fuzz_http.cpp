// libFuzzer target: the input is the byte stream of one HTTP connection to
// the receiver (HttpReceiver over BoundedTcpServer and ConnectionGuard, the
// whole of /logs, /health, /sign and /metrics), sent over a real loopback
// socket in chunks whose sizes the input's first byte picks. Beyond "no
// crash": once the client has gone and the server has closed its side,
// no connection is left open and the request budget is back to zero (every
// reservation was given back), and every body the inbox got was answered.
//
// The text @AUTH@ in an input becomes a valid Authorization header value
// (a drain token made with the spec's test key), so the fuzzer reaches the
// accepted-body paths without having to forge a token.
#include "auth/fernet.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "receiver/httpreceiver.h"
#include "receiver/inbox.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QLoggingCategory>
#include <QTcpSocket>

#include <cstddef>
#include <cstdint>
#include <memory>

using namespace l2met;

namespace {

constexpr char kKey[] = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

struct Harness
{
    std::unique_ptr<QCoreApplication> app;
    std::shared_ptr<const Fernet> fernet;
    QByteArray auth;
    std::unique_ptr<Inbox> inbox;
    std::unique_ptr<Metrics> metrics;
    std::unique_ptr<ProblemLog> problems;
    std::unique_ptr<HttpReceiver> receiver;
    quint16 port = 0;
};

Harness *s_harness = nullptr;

void settle(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
    auto *h = new Harness;
    h->app = std::make_unique<QCoreApplication>(*argc, *argv);
    h->fernet = std::make_shared<const Fernet>(QList<Fernet::Key> { *Fernet::parseKey(kKey) });
    const QByteArray token = h->fernet->encrypt("fuzz-user:fuzz-api-token");
    h->auth = "Basic " + QByteArray("token:" + token).toBase64();
    h->inbox = std::make_unique<Inbox>(64, 1 << 20);
    h->metrics = std::make_unique<Metrics>();
    h->problems = std::make_unique<ProblemLog>();
    HttpReceiver::Options options;
    options.address = QHostAddress::LocalHost;
    options.port = 0;
    options.limits.maxBodyBytes = 64 << 10;
    options.limits.maxHeaderBytes = 8 << 10;
    options.server.maxConnections = 16;
    options.server.maxBufferedBytes = 256 << 10;
    options.secretKeys = { kKey };
    HttpReceiver::Hooks hooks;
    hooks.storeHealthy = [] { return true; };
    hooks.outboxFull = [] { return false; };
    hooks.metricsText = [h] { return h->metrics->prometheusText(); };
    h->receiver = std::make_unique<HttpReceiver>(options, h->fernet, h->inbox.get(), h->metrics.get(),
                                                 h->problems.get(), hooks);
    QString error;
    h->port = h->receiver->start(&error);
    if (h->port == 0)
        __builtin_trap();
    s_harness = h;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Harness &h = *s_harness;
    if (size == 0)
        return 0;
    // First byte: chunk size (1..256 bytes, or all at once when 0).
    const int chunk = data[0] == 0 ? int(size) : int(data[0]);
    QByteArray stream(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    stream.replace("@AUTH@", h.auth);

    const double accepted = h.metrics->value("bodies_accepted");
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, h.port);
    settle([&] { return client.state() == QAbstractSocket::ConnectedState; }, 2000);
    if (client.state() != QAbstractSocket::ConnectedState)
        __builtin_trap();
    for (qsizetype at = 0; at < stream.size() && client.state() == QAbstractSocket::ConnectedState;
         at += chunk) {
        client.write(stream.mid(at, chunk));
        client.flush();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    // Let the server answer what it can, then hang up.
    settle([&] { return client.bytesToWrite() == 0; }, 1000);
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    client.abort();
    settle([&] { return h.receiver->openConnections() == 0; }, 5000);

    if (h.receiver->openConnections() != 0)
        __builtin_trap(); // a connection outlived its client
    if (h.receiver->bufferedBytes() != 0)
        __builtin_trap(); // a reservation was never given back
    // Bodies accepted must be in the inbox; empty it for the next input.
    const double now = h.metrics->value("bodies_accepted");
    if (now < accepted || now - accepted != double(h.inbox->depth()))
        __builtin_trap();
    InboxItem item;
    while (h.inbox->depth() > 0 && h.inbox->pop(&item, 0)) { }
    return 0;
}
