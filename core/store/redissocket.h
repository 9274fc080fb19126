// The byte transport under RedisConnection: a TCP connection to a Redis
// server, optionally TLS (rediss://), with blocking calls bounded by
// timeouts. hiredis 0.14, Debian's, has no TLS, so l2met opens its own
// sockets and TLS sessions (OpenSSL 3) and uses hiredis only for the
// protocol: redisFormatCommandArgv to write commands, redisReader to parse
// replies (see RedisConnection and docs/platform.md).
//
// RedisTlsContext: one OpenSSL client context for every connection of a
// store: TLS 1.2 or later, the system's CA store or --redis-ca FILE, and
// certificate verification on unless --redis-tls-verify=off. Built once
// (loading the CA file can fail: that is a start-up error); immutable after,
// so threads share it.
//
// RedisSocket: one connection. connect() resolves the host (getaddrinfo, on
// every connect, so a failover that moves a DNS name is followed), tries its
// addresses within the connect timeout, sets TCP_NODELAY and TCP keepalive,
// and with TLS does the handshake: SNI and the certificate's host name (or
// IP address) checked against the URL's host. The socket is non-blocking;
// send and receive wait with poll() for at most the given timeout per wait.
// Writes never raise SIGPIPE (MSG_NOSIGNAL, TLS included: the TLS session
// writes through a BIO of ours). Errors are sentences without credentials.
// Not thread-safe: one thread at a time.
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>

struct ssl_ctx_st;
struct ssl_st;

namespace l2met {

class RedisTlsContext
{
public:
    // nullptr with *error when the CA file cannot be read or holds no
    // certificate. An empty caFile: the system's default CA store.
    static std::shared_ptr<const RedisTlsContext> create(const QString &caFile, bool verify,
                                                         QString *error);
    ~RedisTlsContext();
    RedisTlsContext(const RedisTlsContext &) = delete;
    RedisTlsContext &operator=(const RedisTlsContext &) = delete;

    ssl_ctx_st *context() const { return m_context; }
    bool verify() const { return m_verify; }
    QString caFile() const { return m_caFile; }

private:
    RedisTlsContext() = default;
    ssl_ctx_st *m_context = nullptr;
    bool m_verify = true;
    QString m_caFile;
};

class RedisSocket
{
public:
    RedisSocket() = default;
    ~RedisSocket();
    RedisSocket(const RedisSocket &) = delete;
    RedisSocket &operator=(const RedisSocket &) = delete;

    // tls == nullptr: plain TCP. `shownAs` names the server in errors (the
    // redacted URL). False with *error, and closed, when any step fails.
    bool connect(const QString &host, int port, const RedisTlsContext *tls, int timeoutMs,
                 const QString &shownAs, QString *error);
    void close();
    bool isOpen() const { return m_fd >= 0; }
    // The last connect() failed because the server's certificate did not
    // verify (a setting to fix, not an outage).
    bool certificateRejected() const { return m_certificateRejected; }

    // Sends all of it, waiting at most timeoutMs each time the socket cannot
    // take more.
    bool sendAll(const char *data, size_t size, int timeoutMs, QString *error);
    // Reads what is there, waiting at most timeoutMs for the first byte:
    // > 0 bytes read; 0 and *error on end of stream, a reset or a timeout.
    size_t receive(char *buffer, size_t capacity, int timeoutMs, QString *error);

private:
    bool handshake(const QString &host, const RedisTlsContext &tls, int timeoutMs,
                   const QString &shownAs, QString *error);
    // Waits for the socket to be readable (or writable); false on timeout.
    bool waitFor(bool write, int timeoutMs);

    int m_fd = -1;
    ssl_st *m_ssl = nullptr;
    bool m_certificateRejected = false;
};

} // namespace l2met
