// ConnectionGuard: bounds what one HTTP connection may cost before Qt
// HttpServer (which has no limits of its own, see docs/platform.md) sees its
// bytes. It follows the request boundaries of the byte stream itself (request
// line and headers, Content-Length) and answers, then closes:
//   413 when Content-Length exceeds the body limit (before the body arrives),
//   431 when the headers exceed the header limit or Qt's 100 fields,
//   400 for a negative, non-numeric or repeated Content-Length, any
//       Transfer-Encoding (request smuggling; logplex sends Content-Length),
//       or a header line Qt HttpServer would read differently (no ':', a
//       name that is not a token, a folded line: Qt drops every header then),
//   408 when a request takes longer than the request timeout (slowloris),
// and closes a keep-alive connection idle for longer than the idle timeout.
//
// Memory: every byte of a request that Qt HttpServer may still hold (blank
// lines, head, and the whole body as soon as its Content-Length is known) is
// reserved (twice: what Qt's growing buffers may take) in a RequestBudget
// shared by all connections, and given back when
// Qt HttpServer has read the whole request (or the connection goes). A
// request the budget cannot hold is answered 503 (retry later) before its
// body is sent. A client that sends while more than kMaxUnsentBytes of
// answers wait for it (pipelining without reading) is dropped.
//
// It must find the same boundaries as Qt HttpServer 6.4, which skips blank
// lines before a request line, ends the head at the first empty line (CRLF
// or bare LF endings) and reads one request per readyRead: what it leaves
// unread after a request (pipelining) is signalled again, so the guard
// remembers which of the unread bytes it has seen and where requests end.
//
// Its readyRead slot must be connected before Qt HttpServer's, so it sees new
// bytes first; it counts them with bytesAvailable() and peeks only while it
// reads headers.
//
// Lives in the socket's thread, child of the socket. Not thread-safe.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

class QTcpSocket;

namespace l2met {

// Bytes of requests all connections of one server may hold. HTTP thread only.
class RequestBudget
{
public:
    explicit RequestBudget(qint64 limit)
        : m_limit(limit)
    {
    }
    bool reserve(qint64 bytes)
    {
        if (bytes > m_limit - m_used)
            return false;
        m_used += bytes;
        return true;
    }
    void release(qint64 bytes) { m_used -= bytes; }
    qint64 used() const { return m_used; }
    qint64 limit() const { return m_limit; }

private:
    qint64 m_limit;
    qint64 m_used = 0;
};

struct ConnectionLimits
{
    qint64 maxBodyBytes = 8LL << 20;
    int maxHeaderBytes = 64 << 10; // under Qt's own 100 KiB a field (it drops all headers past it)
    int requestTimeoutMs = 30000; // first byte to last byte of one request
    int idleTimeoutMs = 60000;    // keep-alive connection with no request
};

class ConnectionGuard : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 kMaxUnsentBytes = 64 << 10;
    // Budget bytes per byte of a request (see hold()).
    static constexpr qint64 kBytesPerRequestByte = 2;

    // rejected(status) is told of every request the guard refuses.
    ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits,
                    std::shared_ptr<RequestBudget> budget,
                    std::function<void(int status, const QByteArray &reason)> rejected);
    ~ConnectionGuard() override;

    // Milliseconds since the client last sent anything (or connected).
    qint64 idleMs() const { return m_lastActivity.elapsed(); }
    // Whether closing the connection now loses no answer already given:
    // not refused, and nothing waits to be sent.
    bool canEvict() const;
    // Closes the connection to make room for another: a request in progress
    // is answered 503 (retry later), an idle connection is closed quietly.
    void evict();

    // A whole answer that closes the connection (400, 408, 413, 431, 503).
    static QByteArray response(int status, const QByteArray &text);
    // Sends the answer, then closes in two steps so that it reaches a client
    // that is still sending: the sending side first (shutdown), reading
    // and discarding until the client closes too or kLingerMs pass. (A plain
    // close with unread bytes resets the connection, and a reset makes the
    // client's kernel drop the answer it has not read yet.)
    static void answerAndClose(QTcpSocket *socket, const QByteArray &answer);
    static constexpr int kLingerMs = 2000;

private:
    void onReadyRead();
    void onTimeout();
    // Accounts for the unread bytes [offset, available) of the socket buffer;
    // false when the connection was refused.
    bool consume(qint64 offset, qint64 available);
    bool parseHead();
    void refuse(int status, const QByteArray &text);
    // Closes without an answer; nothing more is read or parsed.
    void drop();
    // Reserves bytes in the budget; false (and a 503) when it is full.
    bool hold(qint64 bytes);
    void releaseHeld();
    void startRequest();
    void endRequest();

    enum class State { Head, Body, Refused };

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
    std::shared_ptr<RequestBudget> m_budget;
    std::function<void(int, const QByteArray &)> m_rejected;
    State m_state = State::Head;
    QByteArray m_head;       // bytes of the current request's head seen so far
    qint64 m_bodyLeft = 0;
    bool m_inRequest = false; // bytes of a request seen, request not complete
    // Stream offsets: bytes looked at here, bytes Qt HttpServer has read, and
    // the ends of whole requests it has not read up to yet.
    qint64 m_seen = 0;
    qint64 m_read = 0;
    std::deque<qint64> m_ends;
    // Budget: bytes reserved, the end of the last whole request, and the
    // offset up to which reservations were given back.
    qint64 m_held = 0;
    qint64 m_lastEnd = 0;
    qint64 m_released = 0;
    QElapsedTimer m_lastActivity;
    QTimer m_timer;
};

} // namespace l2met
