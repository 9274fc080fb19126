#include "receiver/connectionguard.h"

#include <QTcpSocket>

namespace l2met {

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits,
                                 std::function<void(int)> rejected)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_rejected(std::move(rejected))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionGuard::onTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    m_timer.start(m_limits.idleTimeoutMs);
}

QByteArray ConnectionGuard::response(int status, const QByteArray &text)
{
    const char *reason = "Bad Request";
    switch (status) {
    case 408:
        reason = "Request Timeout";
        break;
    case 413:
        reason = "Payload Too Large";
        break;
    case 431:
        reason = "Request Header Fields Too Large";
        break;
    default:
        break;
    }
    const QByteArray body = text + '\n';
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
        + "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

void ConnectionGuard::startRequest()
{
    m_inRequest = true;
    m_timer.start(m_limits.requestTimeoutMs);
}

void ConnectionGuard::onReadyRead()
{
    if (m_state == State::Refused) {
        m_socket->readAll(); // Qt HttpServer must not see the rest
        return;
    }
    consume(m_socket->bytesAvailable());
}

bool ConnectionGuard::consume(qint64 available)
{
    qint64 offset = 0; // of the unread bytes, those already accounted for
    while (offset < available) {
        if (m_state == State::Body) {
            const qint64 take = std::min(m_bodyLeft, available - offset);
            m_bodyLeft -= take;
            offset += take;
            if (m_bodyLeft == 0) {
                m_state = State::Head;
                m_inRequest = false;
                m_timer.start(m_limits.idleTimeoutMs);
            }
            continue;
        }
        // Head: look at the new bytes (at most up to the header limit).
        if (!m_inRequest)
            startRequest();
        const qint64 room = m_limits.maxHeaderBytes + 4 - m_head.size();
        const qint64 want = std::min(available - offset, room);
        const QByteArray peeked = m_socket->peek(offset + want).mid(offset);
        const qsizetype searchFrom = std::max<qsizetype>(0, m_head.size() - 3);
        m_head += peeked;
        const qsizetype end = m_head.indexOf("\r\n\r\n", searchFrom);
        if (end < 0) {
            if (m_head.size() > m_limits.maxHeaderBytes) {
                refuse(431, "request headers too large");
                return false;
            }
            offset += peeked.size();
            continue;
        }
        const qint64 headBytesInChunk = (end + 4) - (m_head.size() - peeked.size());
        m_head.truncate(end + 4);
        if (!parseHead(end))
            return false;
        offset += headBytesInChunk;
        m_head.clear();
        if (m_bodyLeft == 0) {
            m_inRequest = false;
            m_timer.start(m_limits.idleTimeoutMs);
        } else {
            m_state = State::Body;
        }
    }
    return true;
}

bool ConnectionGuard::parseHead(qint64 headEnd)
{
    const QList<QByteArray> lines = m_head.left(headEnd).split('\n');
    bool haveLength = false;
    qint64 length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "transfer-encoding") {
            refuse(400, "Transfer-Encoding is not accepted; send Content-Length");
            return false;
        }
        if (name == "content-length") {
            bool ok = !value.isEmpty();
            for (const char c : value)
                ok = ok && c >= '0' && c <= '9';
            const qint64 n = ok && value.size() <= 18 ? value.toLongLong(&ok) : -1;
            if (!ok || n < 0) {
                refuse(400, "invalid Content-Length");
                return false;
            }
            if (haveLength) {
                refuse(400, "repeated Content-Length");
                return false;
            }
            haveLength = true;
            length = n;
        }
    }
    if (length > m_limits.maxBodyBytes) {
        refuse(413, "body larger than " + QByteArray::number(m_limits.maxBodyBytes) + " bytes");
        return false;
    }
    m_bodyLeft = length;
    return true;
}

void ConnectionGuard::onTimeout()
{
    if (m_state == State::Refused)
        return;
    if (m_inRequest) {
        refuse(408, "request took too long");
    } else {
        m_socket->disconnectFromHost();
    }
}

void ConnectionGuard::refuse(int status, const QByteArray &text)
{
    m_state = State::Refused;
    m_timer.stop();
    m_socket->readAll(); // so Qt HttpServer does not parse what we refused
    m_socket->write(response(status, text));
    m_socket->disconnectFromHost();
    if (m_rejected)
        m_rejected(status);
    // A client that keeps sending must not keep the socket: give the answer
    // a moment to leave, then drop the connection.
    QTimer::singleShot(2000, m_socket, [socket = m_socket] { socket->abort(); });
}

} // namespace l2met
