// BoundedTcpServer: the listening socket under Qt HttpServer (bound with
// QAbstractHttpServer::bind). Every accepted connection gets a read-buffer
// cap and a ConnectionGuard before Qt HttpServer sees it. Together they bound
// what clients can make l2met hold:
//   - at most maxConnections connections. At the limit, a new connection
//     takes the place of the one that has been silent longest, if it has
//     been silent for evictIdleAfterMs and owes no answer (an idle
//     keep-alive connection is closed, a half-sent request answered 503);
//     otherwise the new connection is answered 503 and closed;
//   - at most maxBufferedBytes of requests across all connections (the
//     RequestBudget); a request past it is answered 503 before its body.
//
// Lives in the HTTP thread. Not thread-safe.
#pragma once

#include "receiver/connectionguard.h"

#include <QSet>
#include <QTcpServer>

#include <functional>
#include <memory>

namespace l2met {

struct ServerLimits
{
    int maxConnections = 4096;
    qint64 maxBufferedBytes = 256LL << 20;
    int evictIdleAfterMs = 1000;
};

class BoundedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    BoundedTcpServer(const ConnectionLimits &limits, const ServerLimits &serverLimits,
                     std::function<void(int status, const QByteArray &reason)> rejected, QObject *parent = nullptr);

    int openConnections() const { return int(m_guards.size()); }
    qint64 bufferedBytes() const { return m_budget->used(); }

Q_SIGNALS:
    // A connection was closed to make room for a new one.
    void evicted();

protected:
    void incomingConnection(qintptr handle) override;

private:
    // Closes the connection silent longest, if one may go; false otherwise.
    bool evictOne();

    ConnectionLimits m_limits;
    ServerLimits m_serverLimits;
    std::function<void(int, const QByteArray &)> m_rejected;
    std::shared_ptr<RequestBudget> m_budget;
    QSet<ConnectionGuard *> m_guards; // open connections, evicted ones excluded
};

} // namespace l2met
