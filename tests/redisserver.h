// RedisServer: a private redis-server for one test process, on a free
// 127.0.0.1 port, without persistence (--save "" --appendonly no), in a
// temporary directory. It can be stopped and restarted on the same port,
// and paused (SIGSTOP) and resumed (SIGCONT) to play a hung server.
//
// RedisClient: a raw blocking hiredis connection for tests to look at (and
// prepare) the keys exactly as they are in Redis, independent of RedisStore.
//
// Both belong to the thread that creates them; not thread-safe.
#pragma once

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
    // extraArgs go to redis-server as they are, e.g. {"--requirepass", "pw"}.
    explicit RedisServer(QStringList extraArgs = {});
    ~RedisServer();

    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    // $L2MET_REDIS_SERVER when set, else /usr/bin/redis-server, else
    // redis-server on PATH; empty when missing.
    static QString binary();
    // True when $L2MET_REQUIRE_REDIS is set: a missing or failing
    // redis-server then fails the Redis suites instead of skipping them.
    static bool required();

    // Starts on a free port and waits until it answers PING. False with
    // errorString() when it cannot (no binary, no port, no answer in 10 s).
    bool start();
    // SIGTERM and wait (resumes a paused server first).
    void stop();
    // stop() then start on the same port (the data is gone: no persistence).
    bool restart();
    void pause();
    void resume();

    bool isRunning() const;
    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT
    QString errorString() const { return m_error; }

private:
    bool launch(quint16 port);

    QStringList m_extraArgs;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
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
