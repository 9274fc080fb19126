#include "faultproxy.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace l2met::test {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

// Finds where whole RESP2 replies end in a byte stream fed one byte at a
// time (simple strings, errors, integers, bulk strings, nested arrays).
class ReplyCounter
{
public:
    // True when byte ends a top-level reply.
    bool feed(char byte)
    {
        switch (m_state) {
        case State::Type:
            m_type = byte;
            m_line.clear();
            m_state = State::Line;
            return false;
        case State::Line:
            if (byte != '\n') {
                if (byte != '\r' && (m_type == '$' || m_type == '*') && m_line.size() < 32)
                    m_line.push_back(byte);
                return false;
            }
            m_state = State::Type;
            if (m_type == '$' || m_type == '*') {
                const long long length = std::atoll(m_line.c_str());
                if (length > 0 && m_type == '*') {
                    m_open.push_back(length);
                    return false;
                }
                if (length >= 0 && m_type == '$') {
                    m_bulkLeft = length + 2; // and its CRLF
                    m_state = State::Bulk;
                    return false;
                }
            }
            return valueDone();
        case State::Bulk:
            if (--m_bulkLeft > 0)
                return false;
            m_state = State::Type;
            return valueDone();
        }
        return false;
    }

    // True between replies (the next byte starts one).
    bool atReplyStart() const { return m_state == State::Type && m_open.empty(); }

private:
    enum class State { Type, Line, Bulk };

    bool valueDone()
    {
        while (!m_open.empty()) {
            if (--m_open.back() > 0)
                return false;
            m_open.pop_back();
        }
        return true;
    }

    State m_state = State::Type;
    char m_type = 0;
    std::string m_line;
    long long m_bulkLeft = 0;
    std::vector<long long> m_open; // elements still to come, per open array
};

bool setNonBlocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void setNoDelay(int fd)
{
    // Small requests and replies go out at once, as they would without the proxy.
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// Closes fd so that the peer sees a reset, not an end of stream.
void closeWithReset(int fd)
{
    if (fd < 0)
        return;
    const linger abortive { 1, 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    ::close(fd);
}

sockaddr_in loopback(quint16 port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

} // namespace

struct FaultProxy::Connection
{
    int client = -1;
    int server = -1;
    std::string toServer; // read from the client, not yet written
    std::string toClient;
    bool clientEof = false; // the client shut its side down
    bool serverEof = false;
    bool serverShut = false; // its end of stream passed on to the server
    bool clientShut = false;
    bool cutPending = false; // a fault fired: deliver what is pending, then reset
    bool cutToServer = false;
    ReplyCounter replies; // server to client

    bool open() const { return client >= 0; }
};

FaultProxy::FaultProxy(quint16 upstreamPort)
    : m_upstreamPort(upstreamPort)
{ }

FaultProxy::~FaultProxy()
{
    if (m_thread.joinable()) {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        wake();
        m_thread.join();
    }
    for (const std::unique_ptr<Connection> &connection : m_connections)
        close(*connection);
    for (const int fd : { m_listener, m_wakeRead, m_wakeWrite })
        if (fd >= 0)
            ::close(fd);
}

bool FaultProxy::start()
{
    if (m_thread.joinable() || m_listener >= 0)
        return false;
    int pipeFds[2];
    if (::pipe2(pipeFds, O_NONBLOCK | O_CLOEXEC) != 0)
        return false;
    m_wakeRead = pipeFds[0];
    m_wakeWrite = pipeFds[1];
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_listener < 0)
        return false;
    const sockaddr_in address = loopback(0);
    sockaddr_in bound {};
    socklen_t length = sizeof bound;
    if (::bind(m_listener, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0
        || ::listen(m_listener, SOMAXCONN) != 0
        || ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&bound), &length) != 0)
        return false;
    m_port.store(ntohs(bound.sin_port));
    m_thread = std::thread([this] { run(); });
    return true;
}

void FaultProxy::cutAfterReplyBytes(qint64 n)
{
    const std::lock_guard lock(m_mutex);
    m_faults.replyBytes = std::max<qint64>(n, 0);
}

void FaultProxy::cutAfterRequestBytes(qint64 n)
{
    const std::lock_guard lock(m_mutex);
    m_faults.requestBytes = std::max<qint64>(n, 0);
}

void FaultProxy::cutAfterReplies(int n)
{
    const std::lock_guard lock(m_mutex);
    m_faults.replies = std::max(n, 0);
}

void FaultProxy::resetAll()
{
    if (!m_thread.joinable())
        return;
    std::unique_lock lock(m_mutex);
    const quint64 request = ++m_resetRequested;
    wake();
    m_resetCompleted.wait(lock, [&] { return m_resetDone >= request || m_finished; });
}

void FaultProxy::wake()
{
    const char byte = 0;
    [[maybe_unused]] const ssize_t written = ::write(m_wakeWrite, &byte, 1); // full: already woken
}

void FaultProxy::run()
{
    serve();
    const std::lock_guard lock(m_mutex);
    m_finished = true;
    m_resetCompleted.notify_all(); // a resetAll() waiting has nothing left to wait for
}

void FaultProxy::serve()
{
    std::vector<pollfd> fds;
    for (;;) {
        {
            const std::lock_guard lock(m_mutex);
            if (m_stop)
                return;
            if (m_resetDone != m_resetRequested) {
                for (const std::unique_ptr<Connection> &connection : m_connections)
                    reset(*connection, true);
                m_connections.clear();
                m_resetDone = m_resetRequested;
                m_resetCompleted.notify_all();
            }
        }

        fds.clear();
        fds.push_back({ m_wakeRead, POLLIN, 0 });
        fds.push_back({ m_listener, POLLIN, 0 });
        for (const std::unique_ptr<Connection> &connection : m_connections) {
            const Connection &c = *connection;
            short clientEvents = 0;
            short serverEvents = 0;
            if (!c.toClient.empty())
                clientEvents |= POLLOUT;
            if (!c.toServer.empty())
                serverEvents |= POLLOUT;
            // Reads only into an empty buffer: a slow side slows the other.
            if (!c.cutPending && !c.clientEof && c.toServer.empty())
                clientEvents |= POLLIN;
            if (!c.cutPending && !c.serverEof && c.toClient.empty())
                serverEvents |= POLLIN;
            fds.push_back({ c.client, clientEvents, 0 });
            fds.push_back({ c.server, serverEvents, 0 });
        }
        if (::poll(fds.data(), nfds_t(fds.size()), -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }

        if (fds[0].revents & POLLIN) {
            char drain[64];
            while (::read(m_wakeRead, drain, sizeof drain) > 0) { }
        }
        const size_t polled = m_connections.size();
        for (size_t i = 0; i < polled; ++i) {
            Connection &c = *m_connections[i];
            const short clientRevents = fds[2 + 2 * i].revents;
            const short serverRevents = fds[3 + 2 * i].revents;
            bool open = c.open();
            if (open && ((clientRevents | serverRevents) & POLLERR)) {
                reset(c, false); // a peer reset: pass it on
                open = false;
            }
            if (open && (clientRevents & POLLOUT))
                open = flush(c, false);
            if (open && (serverRevents & POLLOUT))
                open = flush(c, true);
            if (open && !c.cutPending && !c.clientEof && (clientRevents & (POLLIN | POLLHUP)))
                open = forward(c, true);
            if (open && !c.cutPending && !c.serverEof && (serverRevents & (POLLIN | POLLHUP)))
                forward(c, false);
        }
        std::erase_if(m_connections,
                      [](const std::unique_ptr<Connection> &c) { return !c->open(); });
        if (fds[1].revents & POLLIN)
            acceptAll();
    }
}

void FaultProxy::acceptAll()
{
    for (;;) {
        const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0)
            return; // EAGAIN: all taken (or an error on one connection: it is gone)
        ++m_accepted;
        // A blocking connect: to 127.0.0.1 it completes or is refused at once.
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_in address = loopback(m_upstreamPort);
        if (server < 0
            || ::connect(server, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0
            || !setNonBlocking(server)) {
            if (server >= 0)
                ::close(server);
            closeWithReset(client); // as the server's refusal would look
            continue;
        }
        setNoDelay(client);
        setNoDelay(server);
        auto connection = std::make_unique<Connection>();
        connection->client = client;
        connection->server = server;
        m_connections.push_back(std::move(connection));
    }
}

bool FaultProxy::forward(Connection &c, bool fromClient)
{
    char buffer[kReadChunk];
    const ssize_t received = ::recv(fromClient ? c.client : c.server, buffer, sizeof buffer, 0);
    if (received < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return true;
        reset(c, false);
        return false;
    }
    if (received == 0) {
        (fromClient ? c.clientEof : c.serverEof) = true;
        return flush(c, fromClient);
    }

    qint64 allowed = received;
    bool cut = false;
    {
        const std::lock_guard lock(m_mutex);
        Faults &f = m_faults;
        if (fromClient) {
            if (f.requestBytes >= 0 && f.requestBytes < received) {
                allowed = f.requestBytes;
                f.requestBytes = -1;
                cut = true;
            } else if (f.requestBytes >= 0) {
                f.requestBytes -= received;
            }
        } else {
            qint64 limit = received;
            bool byBytes = false;
            if (f.replyBytes >= 0 && f.replyBytes < received) {
                limit = f.replyBytes;
                byBytes = true;
            }
            allowed = limit;
            bool byReplies = false;
            // Every byte goes through the counter, so that each connection
            // knows where its replies start when a fault is armed later.
            for (qint64 i = 0; i < limit; ++i) {
                if (f.replies == 0 && c.replies.atReplyStart()) {
                    allowed = i;
                    byReplies = true;
                    byBytes = false;
                    break;
                }
                if (c.replies.feed(buffer[i]) && f.replies > 0)
                    --f.replies;
            }
            if (f.replyBytes >= 0)
                f.replyBytes = byBytes ? -1 : f.replyBytes - allowed;
            if (byReplies)
                f.replies = -1;
            cut = byBytes || byReplies;
        }
    }

    (fromClient ? c.toServer : c.toClient).append(buffer, size_t(allowed));
    if (cut) {
        c.cutPending = true;
        c.cutToServer = fromClient;
        (fromClient ? c.toClient : c.toServer).clear(); // the other way is reset too
    }
    return flush(c, fromClient);
}

bool FaultProxy::flush(Connection &c, bool toServer)
{
    const int to = toServer ? c.server : c.client;
    std::string &pending = toServer ? c.toServer : c.toClient;
    size_t sent = 0;
    while (sent < pending.size()) {
        const ssize_t n = ::send(to, pending.data() + sent, pending.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            reset(c, false);
            return false;
        }
        sent += size_t(n);
        (toServer ? m_requestBytes : m_replyBytes) += n;
    }
    pending.erase(0, sent);
    if (c.cutPending) {
        if (c.cutToServer != toServer || !pending.empty())
            return true;
        reset(c, true);
        return false;
    }
    // An end of stream goes on once the bytes before it are delivered.
    bool &shut = toServer ? c.serverShut : c.clientShut;
    if (pending.empty() && !shut && (toServer ? c.clientEof : c.serverEof)) {
        ::shutdown(to, SHUT_WR);
        shut = true;
    }
    if (c.clientShut && c.serverShut) {
        close(c);
        return false;
    }
    return true;
}

void FaultProxy::reset(Connection &c, bool counted)
{
    if (!c.open())
        return;
    if (counted)
        ++m_resets; // before the peers can see it
    closeWithReset(c.client);
    closeWithReset(c.server);
    c.client = c.server = -1;
}

void FaultProxy::close(Connection &c)
{
    if (!c.open())
        return;
    ::close(c.client);
    ::close(c.server);
    c.client = c.server = -1;
}

} // namespace l2met::test
