// FaultProxy: a TCP proxy on a free 127.0.0.1 port in front of a server on
// 127.0.0.1:upstreamPort (a real redis-server), for injecting connection
// resets where a test wants them: in the middle of a pipeline between
// l2met's RedisStore and Redis, after the server ran a command but before
// its reply reached the client, or halfway through a request.
//
// Each accepted connection gets its own upstream connection; bytes are
// forwarded unchanged in both directions (half-closes too). A fault is
// armed for all connections, those open when it is armed and new ones; it
// counts bytes (or whole RESP replies) from the moment it is armed, over
// all connections together, and fires once: when a connection carries the
// first byte past the limit, what is within the limit is delivered, then
// both sides of that connection are reset (RST, SO_LINGER 0) and the fault
// is disarmed. So a reply is cut only once the server has sent it: it ran
// the command. A reset by either peer, or an upstream that refuses the
// connection, is passed on as a reset; an end of stream as an end of stream.
//
// Linux keeps bytes that arrived before a reset readable, but redis-server
// drops a connection reset before it accept()ed it, with its bytes: cut a
// request on a connection that has done a round trip already (as
// RedisStore's connections have, after AUTH, SELECT or their first command).
//
// The proxy runs its own thread (poll() over non-blocking POSIX sockets),
// so it keeps forwarding while the test's thread is blocked in a
// synchronous hiredis call; it never needs the test's event loop. All
// public methods are thread-safe. The destructor closes every connection.
#pragma once

#include <QtGlobal>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace l2met::test {

class FaultProxy
{
public:
    explicit FaultProxy(quint16 upstreamPort);
    ~FaultProxy();

    FaultProxy(const FaultProxy &) = delete;
    FaultProxy &operator=(const FaultProxy &) = delete;

    // Listens on a free 127.0.0.1 port and starts the thread. False when
    // there is no socket or port (or when already started).
    bool start();
    quint16 port() const { return m_port.load(); }

    // Forward at most n more server-to-client bytes, then reset the
    // connection that carries the next one. One-shot; n >= 0.
    void cutAfterReplyBytes(qint64 n);
    // Forward at most n more client-to-server bytes, then reset. One-shot.
    void cutAfterRequestBytes(qint64 n);
    // Forward n more whole RESP2 replies, then reset the connection that
    // carries the first byte of the next one (0: the next reply is cut
    // before its first byte; a pipeline of k commands after
    // cutAfterReplies(j < k) gets j replies, then a reset). Arm it between
    // commands: a reply already under way is never cut, and counts as one
    // of the n when n > 0. One-shot.
    void cutAfterReplies(int n);
    // Resets every open connection now; returns once they are closed.
    // New connections are accepted as before.
    void resetAll();

    int connectionsAccepted() const { return m_accepted.load(); }
    // Connections reset by a fault or resetAll() (not those reset by a peer).
    int resets() const { return m_resets.load(); }
    qint64 requestBytes() const { return m_requestBytes.load(); } // forwarded client to server
    qint64 replyBytes() const { return m_replyBytes.load(); }     // forwarded server to client

private:
    struct Connection;
    struct Faults
    {
        qint64 replyBytes = -1; // -1: not armed
        qint64 requestBytes = -1;
        qint64 replies = -1;
    };

    void run();
    void serve();
    void wake();
    void acceptAll();
    // Reads from one side and forwards to the other; false when the
    // connection is finished (closed or reset).
    bool forward(Connection &connection, bool fromClient);
    bool flush(Connection &connection, bool toServer);
    void reset(Connection &connection, bool counted);
    void close(Connection &connection);

    const quint16 m_upstreamPort;
    std::atomic<quint16> m_port { 0 };
    int m_listener = -1;
    int m_wakeRead = -1;
    int m_wakeWrite = -1;
    std::thread m_thread;

    std::mutex m_mutex; // guards m_faults, m_stop, m_finished, m_resetRequested, m_resetDone
    std::condition_variable m_resetCompleted;
    Faults m_faults;
    bool m_stop = false;
    bool m_finished = false; // the thread returned (stopped, or poll() failed)
    quint64 m_resetRequested = 0; // resetAll() calls made
    quint64 m_resetDone = 0;      // resetAll() calls served by the thread

    // The thread's alone.
    std::vector<std::unique_ptr<Connection>> m_connections;

    std::atomic<int> m_accepted { 0 };
    std::atomic<int> m_resets { 0 };
    std::atomic<qint64> m_requestBytes { 0 };
    std::atomic<qint64> m_replyBytes { 0 };
};

} // namespace l2met::test
