// A raw HTTP/1.1 client over one QTcpSocket on 127.0.0.1, for tests that
// must control exactly which bytes go out and when (split writes,
// pipelining, stalls, malformed framing) and read answers byte for byte.
// It waits by spinning the event loop (QTest::qWaitFor), so it works both
// against a server in the test's own thread and against another process.
// For ordinary requests use http() in enginetestkit.h.
#pragma once

#include <QByteArray>
#include <QList>
#include <QTcpSocket>

namespace l2met::test {

struct RawResponse
{
    int status = 0;  // 0: no whole answer
    QByteArray head; // status line and headers
    QByteArray body;
};

// Takes one whole response (head and Content-Length body) off the front of
// *buffer; false, leaving it untouched, while it is incomplete.
bool takeResponse(QByteArray *buffer, RawResponse *out);

// The status code of the status line at the start of bytes; 0 when there is none.
int statusOf(const QByteArray &bytes);

// A request with a Host header, the given header lines and a correct
// Content-Length.
QByteArray rawRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
                      const QList<QByteArray> &headers = {});

class RawHttpClient
{
public:
    // Connects at once (waits up to connectTimeoutMs). When tap is set,
    // every byte received is also appended to *tap.
    explicit RawHttpClient(quint16 port, QByteArray *tap = nullptr, int connectTimeoutMs = 2000);
    RawHttpClient(const RawHttpClient &) = delete;
    RawHttpClient &operator=(const RawHttpClient &) = delete;

    bool isConnected() const { return m_connected; }
    bool isClosed() const { return m_closed; }
    // Connected right now (the socket's state, before any signal is handled).
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    const QByteArray &pending() const { return m_buffer; }

    // Writes and flushes, then lets the event loop run once, so that with a
    // server in this thread each send arrives as its own read.
    void send(const QByteArray &bytes);
    // The next response, waiting up to timeoutMs; status 0 when none came.
    RawResponse next(int timeoutMs = 3000);
    bool waitClosed(int timeoutMs = 3000);

private:
    void receive(); // what the socket holds, into the buffer and the tap

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QByteArray *m_tap = nullptr;
    bool m_connected = false;
    bool m_closed = false;
};

} // namespace l2met::test
