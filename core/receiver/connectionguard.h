// ConnectionGuard: bounds what one HTTP connection may cost before Qt
// HttpServer (which has no limits of its own, see PLATFORM-NOTES) sees its
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

class QTcpSocket;

namespace l2met {

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
    // rejected(status) is told of every request the guard refuses.
    ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits,
                    std::function<void(int status, const QByteArray &reason)> rejected);

    // A whole answer that closes the connection (400, 408, 413, 431, 503).
    static QByteArray response(int status, const QByteArray &text);

private:
    void onReadyRead();
    void onTimeout();
    // Accounts for the unread bytes [offset, available) of the socket buffer;
    // false when the connection was refused.
    bool consume(qint64 offset, qint64 available);
    bool parseHead();
    void refuse(int status, const QByteArray &text);
    void startRequest();
    void endRequest();

    enum class State { Head, Body, Refused };

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
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
    QTimer m_timer;
};

} // namespace l2met
