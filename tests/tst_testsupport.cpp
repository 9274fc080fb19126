// The test infrastructure for Redis over TLS and Redis faults, checked on
// its own so that a failure in tst_redisfaults or a TLS suite points at
// l2met, not at its tools: the throw-away certificates (tlscerts.h) verify
// for localhost and 127.0.0.1 against their CA and not against the other
// CA; RedisServer's TLS port serves a verifying OpenSSL client, also after
// restart(); restartLoading() returns while the server still answers
// -LOADING; FaultProxy forwards and resets exactly where it is told.
// Skipped (the server parts) when redis-server is not installed and
// L2MET_REQUIRE_REDIS is not set.
#include "faultproxy.h"
#include "opensslptr.h"
#include "redisserver.h"
#include "tlscerts.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <memory>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace l2met::test;

namespace {

using Cert = std::unique_ptr<X509, OpenSslFree>;

Cert readCertificate(const QString &path)
{
    BIO *bio = BIO_new_file(QFile::encodeName(path).constData(), "r");
    if (!bio)
        return nullptr;
    Cert cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return cert;
}

// X509_verify_cert's result code for cert against the CA in caPath, as a
// TLS server named host (a DNS name, or an IP address when ip).
int verifyServer(X509 *cert, const QString &caPath, const char *host, bool ip)
{
    const Cert ca = readCertificate(caPath);
    const std::unique_ptr<X509_STORE, OpenSslFree> store(X509_STORE_new());
    const std::unique_ptr<X509_STORE_CTX, OpenSslFree> context(X509_STORE_CTX_new());
    if (!ca || !store || !context || X509_STORE_add_cert(store.get(), ca.get()) != 1
        || X509_STORE_CTX_init(context.get(), store.get(), cert, nullptr) != 1)
        return -1;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (ip)
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    else
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    return X509_verify_cert(context.get()) == 1 ? X509_V_OK
                                                : X509_STORE_CTX_get_error(context.get());
}

// A blocking TCP connection to 127.0.0.1:port whose reads give up after 3 s.
int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const timeval timeout { 3, 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

struct Received
{
    QByteArray bytes;
    int error = 0; // errno of the read that ended it; 0: end of stream or enough bytes
};

// Reads until want bytes came, the stream ends or a read fails.
Received readUpTo(int fd, qsizetype want)
{
    Received received;
    while (received.bytes.size() < want) {
        char buffer[256];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            received.error = n < 0 ? errno : 0;
            break;
        }
        received.bytes.append(buffer, qsizetype(n));
    }
    return received;
}

bool sendAll(int fd, const QByteArray &bytes)
{
    return ::send(fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
}

struct TlsPing
{
    bool handshake = false;
    long verifyResult = -1;
    QByteArray reply;
};

// PING over TLS to 127.0.0.1:port, trusting only caPath, with SNI and host
// name verification for host: what a rediss:// client does.
TlsPing tlsPing(quint16 port, const QString &caPath, const char *host)
{
    TlsPing result;
    const int fd = connectTo(port);
    const std::unique_ptr<SSL_CTX, OpenSslFree> context(SSL_CTX_new(TLS_client_method()));
    if (fd < 0 || !context
        || SSL_CTX_load_verify_locations(context.get(), QFile::encodeName(caPath).constData(),
                                         nullptr)
            != 1) {
        if (fd >= 0)
            ::close(fd);
        return result;
    }
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    const std::unique_ptr<SSL, OpenSslFree> ssl(SSL_new(context.get()));
    SSL_set_tlsext_host_name(ssl.get(), host);
    SSL_set1_host(ssl.get(), host);
    SSL_set_fd(ssl.get(), fd);
    result.handshake = SSL_connect(ssl.get()) == 1;
    result.verifyResult = SSL_get_verify_result(ssl.get());
    if (result.handshake && SSL_write(ssl.get(), "PING\r\n", 6) == 6) {
        char buffer[64];
        while (!result.reply.endsWith("\r\n")) {
            const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
            if (n <= 0)
                break;
            result.reply.append(buffer, n);
        }
        SSL_shutdown(ssl.get());
    }
    ERR_clear_error();
    ::close(fd);
    return result;
}

} // namespace

class Tst_testsupport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void certificates();
    void tlsServer();
    void restartLoading();
    void proxyForwards();
    void proxyCutsReplyBytes();
    void proxyCutsAfterReplies();
    void proxyCutsRequestBytes();
    void proxyResetAll();
};

// Skips the test when there is no redis-server, unless L2MET_REQUIRE_REDIS
// is set: then the server's start fails it.
#define REQUIRE_REDIS()                                                                           \
    do {                                                                                          \
        if (RedisServer::binary().isEmpty() && !RedisServer::required())                          \
            QSKIP("redis-server is not installed (apt-get install redis-server)");                \
    } while (false)

void Tst_testsupport::certificates()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TestCertificates certs;
    QString error;
    QVERIFY2(makeTestCertificates(dir.path(), &certs, &error), qPrintable(error));
    for (const QString &path : { certs.caCert, certs.serverCert, certs.serverKey, certs.otherCaCert })
        QVERIFY2(QFile::exists(path), qPrintable(path));

    const Cert server = readCertificate(certs.serverCert);
    QVERIFY(server);
    BIO *bio = BIO_new_file(QFile::encodeName(certs.serverKey).constData(), "r");
    QVERIFY(bio);
    const std::unique_ptr<EVP_PKEY, OpenSslFree> key(
        PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    QVERIFY(key);
    QCOMPARE(X509_check_private_key(server.get(), key.get()), 1);

    QCOMPARE(verifyServer(server.get(), certs.caCert, "localhost", false), X509_V_OK);
    QCOMPARE(verifyServer(server.get(), certs.caCert, "127.0.0.1", true), X509_V_OK);
    QCOMPARE(verifyServer(server.get(), certs.caCert, "example.com", false),
             X509_V_ERR_HOSTNAME_MISMATCH);
    QCOMPARE(verifyServer(server.get(), certs.otherCaCert, "localhost", false),
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

    // Valid now, and for a day either side at most.
    QCOMPARE(X509_cmp_current_time(X509_get0_notBefore(server.get())), -1);
    QCOMPARE(X509_cmp_current_time(X509_get0_notAfter(server.get())), 1);
    time_t inTwoDays = time(nullptr) + 2 * 24 * 3600;
    QCOMPARE(X509_cmp_time(X509_get0_notAfter(server.get()), &inTwoDays), -1);

    // Fresh keys every time.
    QTemporaryDir again;
    TestCertificates second;
    QVERIFY2(makeTestCertificates(again.path(), &second, &error), qPrintable(error));
    const Cert secondServer = readCertificate(second.serverCert);
    QVERIFY(secondServer);
    QCOMPARE(verifyServer(secondServer.get(), certs.caCert, "localhost", false),
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

void Tst_testsupport::tlsServer()
{
    REQUIRE_REDIS();
    RedisServer server({}, RedisServer::Transport::PlainAndTls);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    QVERIFY(server.tlsPort() != 0);
    QVERIFY(server.tlsPort() != server.port());
    QCOMPARE(server.tlsUrl(), QStringLiteral("rediss://localhost:%1").arg(server.tlsPort()));
    QCOMPARE(server.tlsUrl(QStringLiteral("ann"), QStringLiteral("p@ss:w")),
             QStringLiteral("rediss://ann:p%40ss%3Aw@localhost:%1").arg(server.tlsPort()));
    QCOMPARE(server.tlsUrl({}, QStringLiteral("pw")),
             QStringLiteral("rediss://:pw@localhost:%1").arg(server.tlsPort()));

    TlsPing ping = tlsPing(server.tlsPort(), server.caFile(), "localhost");
    QVERIFY(ping.handshake);
    QCOMPARE(ping.verifyResult, long(X509_V_OK));
    QCOMPARE(ping.reply, QByteArray("+PONG\r\n"));

    const TlsPing wrongCa = tlsPing(server.tlsPort(), server.otherCaFile(), "localhost");
    QVERIFY(!wrongCa.handshake);
    // redis-server sends its CA along (OpenSSL builds the chain from
    // --tls-ca-cert-file), so the chain ends in a root the client does not trust.
    QVERIFY2(wrongCa.verifyResult == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
                 || wrongCa.verifyResult == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_verify_cert_error_string(wrongCa.verifyResult));
    const TlsPing wrongHost = tlsPing(server.tlsPort(), server.caFile(), "example.com");
    QVERIFY(!wrongHost.handshake);
    QCOMPARE(wrongHost.verifyResult, long(X509_V_ERR_HOSTNAME_MISMATCH));

    RedisClient plain(server.port());
    QVERIFY2(plain.isConnected(), qPrintable(plain.errorString()));
    QCOMPARE(plain.command({ "PING" }).string, QByteArray("PONG"));

    const quint16 port = server.port();
    const quint16 tlsPort = server.tlsPort();
    const QString ca = server.caFile();
    QVERIFY2(server.restart(), qPrintable(server.errorString()));
    QCOMPARE(server.port(), port);
    QCOMPARE(server.tlsPort(), tlsPort);
    QCOMPARE(server.caFile(), ca);
    ping = tlsPing(server.tlsPort(), server.caFile(), "localhost");
    QCOMPARE(ping.reply, QByteArray("+PONG\r\n"));
}

void Tst_testsupport::restartLoading()
{
    REQUIRE_REDIS();
    RedisServer server({ QStringLiteral("--dbfilename"), QStringLiteral("dump.rdb") });
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    {
        RedisClient client(server.port());
        QVERIFY(!client.command({ "DEBUG", "POPULATE", "5000", "filler" }).isError());
        QCOMPARE(client.command({ "SAVE" }).type, RedisValue::Type::Status);
    }
    QVERIFY(QFile::exists(server.dir() + QStringLiteral("/dump.rdb")));
    const quint16 port = server.port();

    // 5,000 keys at ~0.2 ms each: about a second of -LOADING.
    QVERIFY2(server.restartLoading({ QStringLiteral("--key-load-delay"), QStringLiteral("100"),
                                     QStringLiteral("--loading-process-events-interval-bytes"),
                                     QStringLiteral("1024") }),
             qPrintable(server.errorString()));
    QCOMPARE(server.port(), port);
    {
        RedisClient client(server.port());
        const RedisValue loading = client.command({ "PING" });
        QCOMPARE(loading.type, RedisValue::Type::Error);
        QVERIFY2(loading.string.startsWith("LOADING"), loading.string.constData());
        QTRY_COMPARE_WITH_TIMEOUT(client.command({ "PING" }).string, QByteArray("PONG"), 15000);
        QCOMPARE(client.command({ "DBSIZE" }).integer, qint64(5000));
    }

    // restartWith() waits until the data is loaded.
    QVERIFY2(server.restartWith({}), qPrintable(server.errorString()));
    RedisClient client(server.port());
    QCOMPARE(client.command({ "DBSIZE" }).integer, qint64(5000));
}

void Tst_testsupport::proxyForwards()
{
    REQUIRE_REDIS();
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());
    QVERIFY(proxy.port() != 0);

    const int fd = connectTo(proxy.port());
    QVERIFY(fd >= 0);
    QVERIFY(sendAll(fd, "PING\r\nECHO hello\r\n"));
    const Received received = readUpTo(fd, 18);
    QCOMPARE(received.bytes, QByteArray("+PONG\r\n$5\r\nhello\r\n"));
    ::shutdown(fd, SHUT_WR);
    QCOMPARE(readUpTo(fd, 1).bytes, QByteArray()); // the server's end of stream came through
    ::close(fd);
    QCOMPARE(proxy.connectionsAccepted(), 1);
    QCOMPARE(proxy.requestBytes(), qint64(18));
    QCOMPARE(proxy.replyBytes(), qint64(18));
    QCOMPARE(proxy.resets(), 0);

    // Through hiredis, as RedisStore talks.
    RedisClient client(proxy.port());
    QCOMPARE(client.command({ "SET", "k", "v" }).string, QByteArray("OK"));
    QCOMPARE(client.command({ "GET", "k" }).string, QByteArray("v"));
    QCOMPARE(proxy.connectionsAccepted(), 2);
}

void Tst_testsupport::proxyCutsReplyBytes()
{
    REQUIRE_REDIS();
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());

    const int fd = connectTo(proxy.port());
    QVERIFY(fd >= 0);
    proxy.cutAfterReplyBytes(3);
    QVERIFY(sendAll(fd, "PING\r\n"));
    const Received received = readUpTo(fd, 7);
    ::close(fd);
    QCOMPARE(received.bytes, QByteArray("+PO"));
    QCOMPARE(received.error, ECONNRESET);
    QCOMPARE(proxy.resets(), 1);
    QCOMPARE(proxy.replyBytes(), qint64(3));

    // One-shot: the next connection is left alone.
    RedisClient client(proxy.port());
    QCOMPARE(client.command({ "PING" }).string, QByteArray("PONG"));
    QCOMPARE(proxy.resets(), 1);
}

void Tst_testsupport::proxyCutsAfterReplies()
{
    REQUIRE_REDIS();
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());

    // A reply made of nested arrays counts as one.
    const int fd = connectTo(proxy.port());
    QVERIFY(fd >= 0);
    proxy.cutAfterReplies(2);
    QVERIFY(sendAll(fd, "RPUSH l a bb\r\nLRANGE l 0 -1\r\nINCR n\r\n"));
    const QByteArray twoReplies = ":2\r\n*2\r\n$1\r\na\r\n$2\r\nbb\r\n";
    const Received received = readUpTo(fd, 100);
    ::close(fd);
    QCOMPARE(received.bytes, twoReplies);
    QCOMPARE(received.error, ECONNRESET);
    QCOMPARE(proxy.resets(), 1);

    // The server ran the command whose reply was cut.
    RedisClient client(server.port());
    QCOMPARE(client.command({ "GET", "n" }).string, QByteArray("1"));

    // 0: the very next reply is cut before its first byte.
    const int again = connectTo(proxy.port());
    QVERIFY(again >= 0);
    proxy.cutAfterReplies(0);
    QVERIFY(sendAll(again, "INCR n\r\n"));
    const Received none = readUpTo(again, 100);
    ::close(again);
    QCOMPARE(none.bytes, QByteArray());
    QCOMPARE(none.error, ECONNRESET);
    QCOMPARE(proxy.resets(), 2);
    QCOMPARE(client.command({ "GET", "n" }).string, QByteArray("2"));
}

void Tst_testsupport::proxyCutsRequestBytes()
{
    REQUIRE_REDIS();
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());

    // A round trip first: redis-server has taken the connection (bytes
    // that reach a connection still in its accept queue may die with it).
    const int fd = connectTo(proxy.port());
    QVERIFY(fd >= 0);
    QVERIFY(sendAll(fd, "PING\r\n"));
    QCOMPARE(readUpTo(fd, 7).bytes, QByteArray("+PONG\r\n"));
    proxy.cutAfterRequestBytes(14); // "SET a 1\r\n", then "SET b" of "SET b 2\r\n"
    QVERIFY(sendAll(fd, "SET a 1\r\nSET b 2\r\n"));
    const Received received = readUpTo(fd, 100);
    ::close(fd);
    QCOMPARE(received.error, ECONNRESET);
    QCOMPARE(proxy.resets(), 1);
    QCOMPARE(proxy.requestBytes(), qint64(6 + 14));

    RedisClient client(server.port());
    QCOMPARE(client.command({ "EXISTS", "b" }).integer, qint64(0));
    // "SET a 1" went through whole; its reply may or may not have beaten the reset.
    QTRY_COMPARE(client.command({ "GET", "a" }).string, QByteArray("1"));
}

void Tst_testsupport::proxyResetAll()
{
    REQUIRE_REDIS();
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    FaultProxy proxy(server.port());
    QVERIFY(proxy.start());

    RedisClient first(proxy.port());
    RedisClient second(proxy.port());
    QCOMPARE(first.command({ "PING" }).string, QByteArray("PONG"));
    QCOMPARE(second.command({ "PING" }).string, QByteArray("PONG"));
    proxy.resetAll();
    QCOMPARE(proxy.resets(), 2);
    QCOMPARE(first.command({ "PING" }).type, RedisValue::Type::Failed);
    QCOMPARE(second.command({ "PING" }).type, RedisValue::Type::Failed);

    // The server saw its side reset too: only the observer is left.
    RedisClient observer(server.port());
    QTRY_VERIFY(observer.command({ "INFO", "clients" }).string.contains("connected_clients:1\r\n"));
    RedisClient third(proxy.port());
    QCOMPARE(third.command({ "PING" }).string, QByteArray("PONG"));
}

QTEST_GUILESS_MAIN(Tst_testsupport)
#include "tst_testsupport.moc"
