#include "receiver/connectionguard.h"

#include <QTcpSocket>

#include <sys/socket.h>

namespace l2met {

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits,
                                 std::shared_ptr<RequestBudget> budget,
                                 std::function<void(int, const QByteArray &)> rejected)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_budget(std::move(budget))
    , m_rejected(std::move(rejected))
{
    m_lastActivity.start();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionGuard::onTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    m_timer.start(m_limits.idleTimeoutMs);
}

void ConnectionGuard::answerAndClose(QTcpSocket *socket, const QByteArray &answer)
{
    const auto shutWrite = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    connect(socket, &QTcpSocket::bytesWritten, socket, shutWrite);
    socket->write(answer);
    QTimer::singleShot(kLingerMs, socket, [socket] { socket->abort(); });
}

ConnectionGuard::~ConnectionGuard()
{
    releaseHeld();
}

bool ConnectionGuard::canEvict() const
{
    return m_state != State::Refused && m_socket->bytesToWrite() == 0;
}

void ConnectionGuard::evict()
{
    if (m_inRequest) {
        refuse(503, "server at its connection limit; retry");
        return;
    }
    drop();
}

void ConnectionGuard::drop()
{
    m_state = State::Refused;
    m_timer.stop();
    releaseHeld();
    m_socket->readAll();
    // Later: Qt HttpServer's slot may still be about to run on this socket.
    QTimer::singleShot(0, m_socket, [socket = m_socket] { socket->abort(); });
}

bool ConnectionGuard::hold(qint64 bytes)
{
    if (!m_budget || bytes == 0)
        return true;
    // Counted twice: Qt HttpServer appends a body to a buffer as it comes,
    // which may take up to twice its size while it grows.
    bytes *= kBytesPerRequestByte;
    if (!m_budget->reserve(bytes)) {
        refuse(503, "server busy: request buffers full; retry");
        return false;
    }
    m_held += bytes;
    return true;
}

void ConnectionGuard::releaseHeld()
{
    if (m_budget)
        m_budget->release(m_held);
    m_held = 0;
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
    case 503:
        reason = "Service Unavailable";
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

void ConnectionGuard::endRequest()
{
    m_state = State::Head;
    m_inRequest = false;
    m_ends.push_back(m_seen);
    m_lastEnd = m_seen;
    m_timer.start(m_limits.idleTimeoutMs);
}

void ConnectionGuard::onReadyRead()
{
    m_lastActivity.restart();
    if (m_state == State::Refused) {
        m_socket->readAll(); // Qt HttpServer must not see the rest
        return;
    }
    if (m_socket->bytesToWrite() > kMaxUnsentBytes) {
        drop(); // pipelining without reading the answers: they would pile up here
        return;
    }
    // Bytes Qt HttpServer left unread after the last request it completed
    // were seen here already: only what follows them is new.
    const qint64 available = m_socket->bytesAvailable();
    const qint64 seenUnread = std::min(m_seen - m_read, available);
    if (!consume(seenUnread, available))
        return;
    // Qt HttpServer's slot runs next: it reads up to the end of the first
    // whole request, or all there is.
    if (m_ends.empty()) {
        m_read = m_seen;
    } else {
        m_read = m_ends.front();
        m_ends.pop_front();
    }
    // Whole requests Qt HttpServer has read are in its hands (and then the
    // inbox's, which has its own bound): their reservations end.
    const qint64 released = std::min(m_read, m_lastEnd);
    if (released > m_released && m_budget) {
        const qint64 bytes = (released - m_released) * kBytesPerRequestByte;
        m_budget->release(bytes);
        m_held -= bytes;
    }
    m_released = std::max(m_released, released);
}

namespace {

// Past the first empty line (CRLF or bare LF endings, as Qt HttpServer reads
// them), searching from `from`; -1 when there is none yet.
qsizetype headEnd(const QByteArray &head, qsizetype from)
{
    for (qsizetype i = head.indexOf('\n', from); i >= 0; i = head.indexOf('\n', i + 1)) {
        if (i + 1 < head.size() && head[i + 1] == '\n')
            return i + 2;
        if (i + 2 < head.size() && head[i + 1] == '\r' && head[i + 2] == '\n')
            return i + 3;
    }
    return -1;
}

bool isBlank(char c)
{
    return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\v';
}

// An RFC 7230 token, as Qt's header parser checks a field name.
bool isToken(QByteArrayView name)
{
    static constexpr QByteArrayView kOther("!#$%&'*+-.^_`|~");
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || kOther.contains(c)))
            return false;
    }
    return true;
}

} // namespace

bool ConnectionGuard::consume(qint64 offset, qint64 available)
{
    while (offset < available) {
        if (m_state == State::Body) {
            const qint64 take = std::min(m_bodyLeft, available - offset);
            m_bodyLeft -= take;
            offset += take;
            m_seen += take;
            if (m_bodyLeft == 0)
                endRequest();
            continue;
        }
        // Head: look at the new bytes (at most up to the header limit).
        const qint64 room = m_limits.maxHeaderBytes + 4 - m_head.size();
        const qint64 want = std::min(available - offset, room);
        QByteArray peeked = m_socket->peek(offset + want).mid(offset);
        if (m_head.isEmpty()) {
            // Blank lines before a request line are skipped (by Qt
            // HttpServer too) and start no request.
            qsizetype blanks = 0;
            while (blanks < peeked.size() && isBlank(peeked[blanks]))
                ++blanks;
            if (!hold(blanks))
                return false;
            offset += blanks;
            m_seen += blanks;
            if (!m_inRequest)
                m_lastEnd = m_seen; // Qt HttpServer reads and forgets them too
            if (blanks == peeked.size())
                continue;
            peeked.remove(0, blanks);
        }
        if (!m_inRequest)
            startRequest();
        const qsizetype searchFrom = std::max<qsizetype>(0, m_head.size() - 2);
        m_head += peeked;
        const qsizetype end = headEnd(m_head, searchFrom);
        if (end < 0) {
            if (m_head.size() > m_limits.maxHeaderBytes) {
                refuse(431, "request headers too large");
                return false;
            }
            if (!hold(peeked.size()))
                return false;
            offset += peeked.size();
            m_seen += peeked.size();
            continue;
        }
        const qint64 headBytesInChunk = end - (m_head.size() - peeked.size());
        m_head.truncate(end);
        if (!hold(headBytesInChunk) || !parseHead())
            return false;
        offset += headBytesInChunk;
        m_seen += headBytesInChunk;
        m_head.clear();
        if (m_bodyLeft == 0)
            endRequest();
        else
            m_state = State::Body;
    }
    return true;
}

bool ConnectionGuard::parseHead()
{
    // Qt HttpServer's header parser keeps no header at all when a line is
    // malformed or there are more than 100 fields: the body would then be
    // read as the next request. Such heads are refused here.
    static constexpr int kMaxFields = 100;
    QList<QByteArray> lines = m_head.split('\n');
    while (!lines.isEmpty() && (lines.last().isEmpty() || lines.last() == "\r"))
        lines.removeLast(); // the empty line that ends the head
    bool haveLength = false;
    qint64 length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (i > kMaxFields) {
            refuse(431, "more than " + QByteArray::number(kMaxFields) + " header fields");
            return false;
        }
        const QByteArray &line = lines[i];
        const qsizetype colon = line.indexOf(':');
        if (line.startsWith(' ') || line.startsWith('\t') || colon < 0
            || !isToken(QByteArrayView(line).first(colon))) {
            refuse(400, "malformed header line");
            return false;
        }
        const QByteArray name = line.left(colon).toLower();
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
    if (!hold(length))
        return false;
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
    releaseHeld();
    m_socket->readAll(); // so Qt HttpServer does not parse what we refused (nor what follows)
    m_socket->setReadBufferSize(64 << 10); // what follows is read and dropped in small bites
    answerAndClose(m_socket, response(status, text));
    if (m_rejected)
        m_rejected(status, text);
}

} // namespace l2met
