// RedisServer: a private redis-server for one test process, on a free
// 127.0.0.1 port, in a temporary directory, without automatic persistence
// (--save "" --appendonly no: nothing is written unless a test sends SAVE,
// which writes the RDB file into dir()). It can be stopped and restarted on
// the same port(s), also with other arguments (restartWith(): e.g. to load
// a saved RDB file slowly and answer -LOADING meanwhile), and paused
// (SIGSTOP) and resumed (SIGCONT) to play a hung server. DEBUG is enabled
// for local connections (DEBUG POPULATE, DEBUG SLEEP...).
//
// Transport::PlainAndTls adds a TLS port next to the plain one, with
// certificates from makeTestCertificates() (tlscerts.h) for localhost and
// 127.0.0.1, made once per server in its directory; clients are not asked
// for certificates. The plain port keeps serving RedisClient and the
// readiness check.
//
// RedisClient: a raw blocking hiredis connection for tests to look at (and
// prepare) the keys exactly as they are in Redis, independent of RedisStore.
//
// Both belong to the thread that creates them; not thread-safe.
#pragma once

#include "tlscerts.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

class QProcess;
struct redisContext;

namespace l2met::test {

class RedisServer
{
public:
    enum class Transport { Plain, PlainAndTls };

    // extraArgs go to redis-server as they are, e.g. {"--requirepass", "pw"}.
    explicit RedisServer(QStringList extraArgs = {}, Transport transport = Transport::Plain);
    ~RedisServer();

    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    // $L2MET_REDIS_SERVER when set, else /usr/bin/redis-server, else
    // redis-server on PATH; empty when missing.
    static QString binary();
    // True when $L2MET_REQUIRE_REDIS is set: a missing or failing
    // redis-server then fails the Redis suites instead of skipping them.
    static bool required();

    // Starts on a free port (two with TLS) and waits until PING is served
    // (an answer other than -LOADING; NOAUTH counts, so with --requirepass
    // a server still loading passes). False with errorString() when it
    // cannot (no binary, no port, no certificates, no answer in 10 s).
    bool start();
    // SIGTERM and wait (resumes a paused server first). Quick also while
    // the server is loading; with --save "" nothing is written on the way out.
    void stop();
    // stop() then start on the same port(s) and in the same directory. The
    // data is gone unless a test sent SAVE with a --dbfilename: then the
    // server loads it again and restart() waits until it is loaded.
    bool restart();
    // restart() with the constructor's extraArgs followed by these, which
    // replace those of an earlier restartWith() and stay for later restarts.
    bool restartWith(const QStringList &extraArgs);
    // restartWith() that returns as soon as the server answers PING at all,
    // -LOADING included: for a test that must see the server loading, e.g.
    // after SAVE of DEBUG POPULATE 20000 keys, {"--key-load-delay", "50",
    // "--loading-process-events-interval-bytes", "1024"} answers -LOADING
    // for 2.5 to 3 s, "100" for 3.5 to 4 s (the delay is in microseconds per
    // key, and each key costs ~80 us more; more on a busy machine).
    bool restartLoading(const QStringList &extraArgs);
    void pause();
    void resume();

    bool isRunning() const;
    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT
    // Transport::PlainAndTls only (0 and empty otherwise, or before start()).
    quint16 tlsPort() const { return m_tlsPort; }
    // rediss://[user[:password]@]localhost:TLSPORT, user and password
    // percent-encoded; the host is a name so that a client checks it
    // against the certificate.
    QString tlsUrl(const QString &user = {}, const QString &password = {}) const;
    QString caFile() const { return m_certificates.caCert; }
    QString otherCaFile() const { return m_certificates.otherCaCert; }
    // The server's --dir: its log, its RDB file, the certificates.
    QString dir() const { return m_dir.path(); }
    QString errorString() const { return m_error; }

private:
    // When launch() takes the server as up.
    enum class Ready { Serving, Answering };

    bool startOnFreePorts(Ready ready);
    bool relaunch(Ready ready);
    bool launch(quint16 port, quint16 tlsPort, Ready ready);
    QStringList arguments(quint16 port, quint16 tlsPort) const;

    QStringList m_extraArgs;
    QStringList m_restartArgs;
    Transport m_transport = Transport::Plain;
    QTemporaryDir m_dir;
    TestCertificates m_certificates;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    bool m_paused = false;
    QString m_error;
};

struct RedisValue
{
    enum class Type { Failed, Nil, Integer, String, Status, Error, Array };
    Type type = Type::Failed; // Failed: no reply (connection error)
    qint64 integer = 0;
    QByteArray string; // String, Status, Error; the error text for Failed
    QList<RedisValue> elements;

    bool isError() const { return type == Type::Failed || type == Type::Error; }
    // The strings of an Array reply.
    QList<QByteArray> strings() const;
};

class RedisClient
{
public:
    RedisClient(quint16 port, const QByteArray &password = {}, int db = 0, int timeoutMs = 2000);
    ~RedisClient();

    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    bool isConnected() const;
    QString errorString() const { return m_error; }
    RedisValue command(const QList<QByteArray> &args);

private:
    redisContext *m_context = nullptr;
    QString m_error;
};

} // namespace l2met::test
