#include "rawhttpclient.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTest>

namespace l2met::test {

bool takeResponse(QByteArray *buffer, RawResponse *out)
{
    const qsizetype end = buffer->indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QByteArray head = buffer->left(end);
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    if (statusLine.size() < 2)
        return false;
    qint64 length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    }
    if (buffer->size() < end + 4 + length)
        return false;
    out->status = statusLine[1].toInt();
    out->head = head;
    out->body = buffer->mid(end + 4, length);
    buffer->remove(0, end + 4 + length);
    return true;
}

int statusOf(const QByteArray &bytes)
{
    if (!bytes.startsWith("HTTP/1.1 ") || bytes.size() < 12)
        return 0;
    return bytes.mid(9, 3).toInt();
}

QByteArray rawRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                      const QList<QByteArray> &headers)
{
    QByteArray r = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &h : headers)
        r += h + "\r\n";
    r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return r;
}

RawHttpClient::RawHttpClient(quint16 port, QByteArray *tap, int connectTimeoutMs)
    : m_tap(tap)
{
    QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { receive(); });
    QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] { m_closed = true; });
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    m_connected = m_socket.waitForConnected(connectTimeoutMs);
}

void RawHttpClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    while (m_socket.bytesToWrite() > 0 && m_socket.waitForBytesWritten(2000)) { }
    QCoreApplication::processEvents();
}

void RawHttpClient::receive()
{
    const QByteArray bytes = m_socket.readAll();
    m_buffer += bytes;
    if (m_tap)
        *m_tap += bytes;
}

RawResponse RawHttpClient::next(int timeoutMs)
{
    RawResponse r;
    if (!QTest::qWaitFor([&] { return takeResponse(&m_buffer, &r) || m_closed; }, timeoutMs))
        return r;
    if (r.status == 0) { // closed: the response may have come with the close
        receive();
        takeResponse(&m_buffer, &r);
    }
    return r;
}

bool RawHttpClient::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([&] { return m_closed; }, timeoutMs);
}

} // namespace l2met::test
