#include "receiver/boundedtcpserver.h"

#include <QTcpSocket>

namespace l2met {

BoundedTcpServer::BoundedTcpServer(const ConnectionLimits &limits, int maxConnections,
                                   std::function<void(int, const QByteArray &)> rejected, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_maxConnections(maxConnections)
    , m_rejected(std::move(rejected))
{
}

void BoundedTcpServer::incomingConnection(qintptr handle)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    if (m_open >= m_maxConnections) {
        socket->write(ConnectionGuard::response(503, "too many connections"));
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (m_rejected)
            m_rejected(503, "too many connections");
        return;
    }
    ++m_open;
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    // Qt HttpServer keeps a request in the socket buffer until it is whole:
    // the cap must leave room for the largest accepted request.
    socket->setReadBufferSize(m_limits.maxBodyBytes + m_limits.maxHeaderBytes + (64 << 10));
    new ConnectionGuard(socket, m_limits, m_rejected);
    addPendingConnection(socket);
}

} // namespace l2met
