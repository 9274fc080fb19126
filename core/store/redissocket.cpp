#include "store/redissocket.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHostAddress>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace l2met {

namespace {

// Keepalive as hiredis sets it (redisEnableKeepAlive): a dead peer is
// noticed after about 15 + 3 * 5 seconds of silence.
constexpr int kKeepIdleSeconds = 15;
constexpr int kKeepIntervalSeconds = 5;
constexpr int kKeepCount = 3;

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// The oldest error of OpenSSL's queue for this thread (the queue is cleared).
QString openSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return {};
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return QString::fromLatin1(text);
}

// The TLS session reads and writes the socket through this BIO, so that a
// write to a reset connection is EPIPE (MSG_NOSIGNAL), never SIGPIPE. Its
// data is the socket's descriptor.
int bioFd(BIO *bio)
{
    return int(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
}

int bioWrite(BIO *bio, const char *data, int size)
{
    BIO_clear_retry_flags(bio);
    for (;;) {
        const ssize_t n = ::send(bioFd(bio), data, size_t(size), MSG_NOSIGNAL);
        if (n >= 0)
            return int(n);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_write(bio);
        return -1;
    }
}

int bioRead(BIO *bio, char *data, int size)
{
    BIO_clear_retry_flags(bio);
    for (;;) {
        const ssize_t n = ::recv(bioFd(bio), data, size_t(size), 0);
        if (n >= 0)
            return int(n);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_read(bio);
        return -1;
    }
}

long bioControl(BIO *, int command, long, void *)
{
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bioCreate(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD *socketBioMethod()
{
    static BIO_METHOD *method = [] {
        BIO_METHOD *m
            = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "l2met redis socket");
        BIO_meth_set_write(m, bioWrite);
        BIO_meth_set_read(m, bioRead);
        BIO_meth_set_ctrl(m, bioControl);
        BIO_meth_set_create(m, bioCreate);
        return m;
    }();
    return method;
}

void setOption(int fd, int level, int name, int value)
{
    // Best effort, as hiredis: a socket without keepalive still works.
    ::setsockopt(fd, level, name, &value, sizeof value);
}

} // namespace

std::shared_ptr<const RedisTlsContext> RedisTlsContext::create(const QString &caFile, bool verify,
                                                               QString *error)
{
    std::shared_ptr<RedisTlsContext> tls(new RedisTlsContext);
    tls->m_verify = verify;
    tls->m_caFile = caFile;
    tls->m_context = SSL_CTX_new(TLS_client_method());
    if (!tls->m_context) {
        *error = QStringLiteral("redis: cannot create a TLS context: ") + openSslError();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(tls->m_context, TLS1_2_VERSION);
    SSL_CTX_set_mode(tls->m_context,
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(tls->m_context, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (caFile.isEmpty()) {
        SSL_CTX_set_default_verify_paths(tls->m_context);
        return tls;
    }
    if (!QFile::exists(caFile)) {
        *error = QStringLiteral("redis: --redis-ca %1: no such file").arg(caFile);
        return nullptr;
    }
    const QByteArray path = QFile::encodeName(caFile);
    if (SSL_CTX_load_verify_locations(tls->m_context, path.constData(), nullptr) != 1) {
        *error = QStringLiteral("redis: --redis-ca %1 holds no PEM certificate (%2)")
                     .arg(caFile, openSslError());
        return nullptr;
    }
    return tls;
}

RedisTlsContext::~RedisTlsContext()
{
    SSL_CTX_free(m_context);
}

RedisSocket::~RedisSocket()
{
    close();
}

void RedisSocket::close()
{
    if (m_ssl) {
        // No close_notify: the connection is dropped (broken or done), and a
        // shutdown could block on a dead peer.
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

bool RedisSocket::connect(const QString &host, int port, const RedisTlsContext *tls,
                          int timeoutMs, const QString &shownAs, QString *error)
{
    close();
    m_certificateRejected = false;
    const QDeadlineTimer deadline(timeoutMs);
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *addresses = nullptr;
    const QByteArray hostName = host.toUtf8();
    const QByteArray service = QByteArray::number(port);
    const int resolved = ::getaddrinfo(hostName.constData(), service.constData(), &hints, &addresses);
    if (resolved != 0) {
        *error = QStringLiteral("redis: cannot resolve %1 (%2): %3")
                     .arg(host, shownAs,
                          resolved == EAI_SYSTEM ? systemError(errno)
                                                 : QString::fromLocal8Bit(gai_strerror(resolved)));
        return false;
    }
    QString lastError = QStringLiteral("no address");
    for (addrinfo *a = addresses; a && m_fd < 0; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                a->ai_protocol);
        if (fd < 0) {
            lastError = systemError(errno);
            continue;
        }
        int result = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (result != 0 && errno == EINPROGRESS) {
            pollfd p { fd, POLLOUT, 0 };
            int ready;
            do {
                ready = ::poll(&p, 1, int(deadline.remainingTime()));
            } while (ready < 0 && errno == EINTR);
            int soError = ETIMEDOUT;
            socklen_t length = sizeof soError;
            if (ready > 0)
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length);
            errno = soError;
            result = soError == 0 ? 0 : -1;
        }
        if (result != 0) {
            lastError = systemError(errno);
            ::close(fd);
            continue;
        }
        m_fd = fd;
    }
    ::freeaddrinfo(addresses);
    if (m_fd < 0) {
        *error = QStringLiteral("redis: cannot connect to %1: %2").arg(shownAs, lastError);
        return false;
    }
    setOption(m_fd, IPPROTO_TCP, TCP_NODELAY, 1);
    setOption(m_fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    setOption(m_fd, IPPROTO_TCP, TCP_KEEPIDLE, kKeepIdleSeconds);
    setOption(m_fd, IPPROTO_TCP, TCP_KEEPINTVL, kKeepIntervalSeconds);
    setOption(m_fd, IPPROTO_TCP, TCP_KEEPCNT, kKeepCount);
    if (tls
        && !handshake(host, *tls, int(std::max<qint64>(1, deadline.remainingTime())), shownAs,
                      error)) {
        close();
        return false;
    }
    return true;
}

bool RedisSocket::handshake(const QString &host, const RedisTlsContext &tls, int timeoutMs,
                            const QString &shownAs, QString *error)
{
    const QDeadlineTimer deadline(timeoutMs);
    ERR_clear_error();
    m_ssl = SSL_new(tls.context());
    BIO *bio = m_ssl ? BIO_new(socketBioMethod()) : nullptr;
    if (!bio) {
        *error = QStringLiteral("redis: cannot create a TLS session: ") + openSslError();
        return false;
    }
    BIO_set_data(bio, reinterpret_cast<void *>(intptr_t(m_fd)));
    SSL_set_bio(m_ssl, bio, bio);

    const QByteArray name = host.toUtf8();
    const bool isAddress = !QHostAddress(host).isNull();
    if (!isAddress)
        SSL_set_tlsext_host_name(m_ssl, name.constData()); // SNI: names only (RFC 6066)
    if (tls.verify()) {
        if (isAddress)
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), name.constData());
        else
            SSL_set1_host(m_ssl, name.constData());
    }

    for (;;) {
        errno = 0;
        const int result = SSL_connect(m_ssl);
        if (result == 1)
            return true;
        const int reason = SSL_get_error(m_ssl, result);
        const int remaining = int(deadline.remainingTime());
        if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
            if (waitFor(reason == SSL_ERROR_WANT_WRITE, remaining))
                continue;
            *error = QStringLiteral("redis: TLS handshake with %1 timed out after %2 ms")
                         .arg(shownAs)
                         .arg(timeoutMs);
            return false;
        }
        const long verified = SSL_get_verify_result(m_ssl);
        if (tls.verify() && verified != X509_V_OK) {
            ERR_clear_error();
            m_certificateRejected = true;
            *error = QStringLiteral("redis: TLS handshake with %1 failed: certificate verify "
                                    "failed (%2); name the CA that signed it with --redis-ca "
                                    "FILE, or use --redis-tls-verify=off for a self-signed "
                                    "certificate")
                         .arg(shownAs, QString::fromLatin1(X509_verify_cert_error_string(verified)));
            return false;
        }
        QString why = openSslError();
        if (why.isEmpty())
            why = errno != 0 ? systemError(errno)
                             : QStringLiteral("the server closed the connection (is it a TLS port?)");
        *error = QStringLiteral("redis: TLS handshake with %1 failed: %2").arg(shownAs, why);
        return false;
    }
}

bool RedisSocket::waitFor(bool write, int timeoutMs)
{
    pollfd p { m_fd, short(write ? POLLOUT : POLLIN), 0 };
    for (;;) {
        const int ready = ::poll(&p, 1, timeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        return ready > 0;
    }
}

bool RedisSocket::sendAll(const char *data, size_t size, int timeoutMs, QString *error)
{
    while (size > 0) {
        bool wantWrite = true;
        if (m_ssl) {
            ERR_clear_error();
            errno = 0;
            const int n = SSL_write(m_ssl, data, int(std::min<size_t>(size, 1 << 30)));
            if (n > 0) {
                data += n;
                size -= size_t(n);
                continue;
            }
            const int reason = SSL_get_error(m_ssl, n);
            if (reason != SSL_ERROR_WANT_WRITE && reason != SSL_ERROR_WANT_READ) {
                const QString why = openSslError();
                *error = QStringLiteral("redis: ")
                    + (!why.isEmpty() ? why
                       : errno != 0   ? systemError(errno)
                                      : QStringLiteral("connection closed by the server"));
                return false;
            }
            wantWrite = reason == SSL_ERROR_WANT_WRITE;
        } else {
            const ssize_t n = ::send(m_fd, data, size, MSG_NOSIGNAL);
            if (n >= 0) {
                data += n;
                size -= size_t(n);
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                *error = QStringLiteral("redis: ") + systemError(errno);
                return false;
            }
        }
        if (!waitFor(wantWrite, timeoutMs)) {
            *error = QStringLiteral("redis: cannot send within %1 ms (timeout)").arg(timeoutMs);
            return false;
        }
    }
    return true;
}

size_t RedisSocket::receive(char *buffer, size_t capacity, int timeoutMs, QString *error)
{
    for (;;) {
        bool wantWrite = false;
        if (m_ssl) {
            ERR_clear_error();
            errno = 0;
            const int n = SSL_read(m_ssl, buffer, int(std::min<size_t>(capacity, 1 << 30)));
            if (n > 0)
                return size_t(n);
            const int reason = SSL_get_error(m_ssl, n);
            if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
                const QString why = openSslError();
                *error = QStringLiteral("redis: ")
                    + (reason == SSL_ERROR_ZERO_RETURN ? QStringLiteral("connection closed by the server")
                       : !why.isEmpty()                ? why
                       : errno != 0                    ? systemError(errno)
                                    : QStringLiteral("connection closed by the server"));
                return 0;
            }
            wantWrite = reason == SSL_ERROR_WANT_WRITE;
        } else {
            const ssize_t n = ::recv(m_fd, buffer, capacity, 0);
            if (n > 0)
                return size_t(n);
            if (n == 0) {
                *error = QStringLiteral("redis: connection closed by the server");
                return 0;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                *error = QStringLiteral("redis: ") + systemError(errno);
                return 0;
            }
        }
        if (!waitFor(wantWrite, timeoutMs)) {
            *error = QStringLiteral("redis: no reply within %1 ms (timeout)").arg(timeoutMs);
            return 0;
        }
    }
}

} // namespace l2met
