// BoundedTcpServer: the listening socket under Qt HttpServer (bound with
// QAbstractHttpServer::bind). Every accepted connection gets a read-buffer
// cap and a ConnectionGuard before Qt HttpServer sees it, and the number of
// open connections is capped (excess connections are answered 503 and
// closed).
//
// Lives in the HTTP thread. Not thread-safe.
#pragma once

#include "receiver/connectionguard.h"

#include <QTcpServer>

#include <functional>

namespace l2met {

class BoundedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    BoundedTcpServer(const ConnectionLimits &limits, int maxConnections,
                     std::function<void(int status, const QByteArray &reason)> rejected, QObject *parent = nullptr);

    int openConnections() const { return m_open; }

protected:
    void incomingConnection(qintptr handle) override;

private:
    ConnectionLimits m_limits;
    int m_maxConnections;
    std::function<void(int, const QByteArray &)> m_rejected;
    int m_open = 0;
};

} // namespace l2met
