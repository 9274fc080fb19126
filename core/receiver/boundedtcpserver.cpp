#include "receiver/boundedtcpserver.h"

#include <QTcpSocket>

namespace l2met {

BoundedTcpServer::BoundedTcpServer(const ConnectionLimits &limits, const ServerLimits &serverLimits,
                                   std::function<void(int, const QByteArray &)> rejected, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_serverLimits(serverLimits)
    , m_rejected(std::move(rejected))
    , m_budget(std::make_shared<RequestBudget>(serverLimits.maxBufferedBytes))
{
}

bool BoundedTcpServer::evictOne()
{
    ConnectionGuard *oldest = nullptr;
    for (ConnectionGuard *g : std::as_const(m_guards)) {
        if (g->canEvict() && g->idleMs() >= m_serverLimits.evictIdleAfterMs
            && (!oldest || g->idleMs() > oldest->idleMs()))
            oldest = g;
    }
    if (!oldest)
        return false;
    m_guards.remove(oldest);
    oldest->evict();
    Q_EMIT evicted();
    return true;
}

void BoundedTcpServer::incomingConnection(qintptr handle)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    if (m_guards.size() >= m_serverLimits.maxConnections && !evictOne()) {
        connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        ConnectionGuard::answerAndClose(socket, ConnectionGuard::response(503, "too many connections"));
        if (m_rejected)
            m_rejected(503, "too many connections");
        return;
    }
    // Qt HttpServer keeps a request in the socket buffer until it is whole:
    // the cap must leave room for the largest accepted request.
    socket->setReadBufferSize(m_limits.maxBodyBytes + m_limits.maxHeaderBytes + (64 << 10));
    auto *guard = new ConnectionGuard(socket, m_limits, m_budget, m_rejected);
    m_guards.insert(guard);
    connect(guard, &QObject::destroyed, this, [this, guard] { m_guards.remove(guard); });
    addPendingConnection(socket);
}

} // namespace l2met
