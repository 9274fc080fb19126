// RedisConnection: one blocking hiredis 0.14 connection to the server of a
// RedisUrl, as RedisStore uses it: TCP keepalive, a connect timeout and a
// per-read/per-write command timeout, AUTH with the password alone (the
// URL's user name is ignored, as l2met did) and SELECT on open. Commands are
// binary-safe (redisAppendCommandArgv with explicit lengths) and pipelined:
// append() any number of commands, then next() reads their replies in order
// (the first next() sends them all).
//
// After next() returns nullptr the connection is broken (I/O error, timeout,
// protocol error) and must be closed: replies may be missing or out of step.
// An error reply (REDIS_REPLY_ERROR) is a reply; the connection stays usable.
//
// It also carries the reconnect backoff of the thread that owns it (see
// RedisStore). Not thread-safe: one thread at a time.
#pragma once

#include "store/redisurl.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <hiredis/hiredis.h>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

namespace l2met {

struct RedisReplyDeleter
{
    void operator()(redisReply *reply) const
    {
        if (reply)
            freeReplyObject(reply);
    }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Views of a reply's payload (strings, status and error replies).
QByteArrayView replyBytes(const redisReply *reply);
QString replyText(const redisReply *reply);
// An integer reply, or a string reply holding a decimal integer.
std::optional<qint64> replyInt(const redisReply *reply);
// "redis: <what> failed: <the error reply's text>" (or "unexpected reply"
// for a reply of the wrong type).
QString replyError(const QString &what, const redisReply *reply);

class RedisConnection
{
public:
    RedisConnection() = default;
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    bool isOpen() const { return m_context != nullptr; }
    // Connects and runs AUTH and SELECT (one round trip). False with *error
    // (never the password) and closed when any step fails.
    bool open(const RedisUrl &url, int connectTimeoutMs, int commandTimeoutMs, QString *error);
    void close();

    // Queues one command. The arguments are copied at once.
    void append(std::initializer_list<QByteArrayView> args);
    // The same for a command of many arguments: begin(), arg()..., end().
    void begin();
    void arg(QByteArrayView value);
    void end();
    int pending() const { return m_pending; }

    // The next reply, sending what is queued first; nullptr when the
    // connection broke (error() says why). Requires pending() > 0.
    RedisReply next();
    // append() + next().
    RedisReply command(std::initializer_list<QByteArrayView> args);
    QString error() const;

    // Steady-clock milliseconds of the last reply (0: none yet).
    qint64 lastReplyMs() const { return m_lastReplyMs; }

    // Reconnect backoff of the owning thread (steady-clock milliseconds).
    qint64 retryAtMs = 0;
    int backoffMs = 0; // 0: the last exchange worked
    QString lastError;

private:
    redisContext *m_context = nullptr;
    std::vector<const char *> m_argv;
    std::vector<size_t> m_lengths;
    int m_pending = 0;
    bool m_appendFailed = false;
    int m_commandTimeoutMs = 0;
    qint64 m_lastReplyMs = 0;
};

} // namespace l2met
