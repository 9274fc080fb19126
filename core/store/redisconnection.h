// RedisConnection: one blocking connection to the server of a RedisUrl, as
// RedisStore uses it. The bytes travel over a RedisSocket (plain TCP or TLS,
// connect and per-read/per-write timeouts, keepalive); hiredis 0.14 provides
// the protocol only: redisFormatCommandArgv writes each command (binary-safe,
// explicit lengths) into an output buffer, and a redisReader parses the
// replies. Commands are pipelined: append() any number of commands, then
// next() reads their replies in order (the first next() sends them all).
//
// open() runs AUTH and SELECT in one round trip. AUTH: with the URL's user
// name, `AUTH user password` (a Redis 6 ACL user); with a password alone,
// `AUTH password`. Two fallbacks to `AUTH password`, each logged once per
// process: a server older than Redis 6 (AUTH takes one argument there), and
// the user name "h" refused by the server (Heroku's legacy URLs carry a
// placeholder user "h" that older l2met ignored; the password is the
// default user's).
//
// After next() returns nullptr the connection is broken (I/O error, timeout,
// protocol error) and must be closed: replies may be missing or out of step.
// An error reply (REDIS_REPLY_ERROR) is a reply and the connection stays
// usable, except the replies of a server that cannot serve at all now:
// LOADING (loading its data after a restart), READONLY (a replica: a
// failover moved the primary), MASTERDOWN. next() turns those into a broken
// connection (error() quotes the server), so the caller keeps its data,
// backs off and reconnects, resolving the host again.
//
// It also carries the reconnect backoff of the thread that owns it (see
// RedisStore). Not thread-safe: one thread at a time.
#pragma once

#include "store/redissocket.h"
#include "store/redisurl.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <hiredis/hiredis.h>
#include <string>
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
// An error reply whose text starts with code ("NOSCRIPT", "LOADING"...).
bool isErrorReply(const redisReply *reply, const char *code);
// An integer reply, or a string reply holding a decimal integer.
std::optional<qint64> replyInt(const redisReply *reply);
// "redis: <what> failed: <the error reply's text>" (or "unexpected reply"
// for a reply of the wrong type).
QString replyError(const QString &what, const redisReply *reply);

struct RedisConnectOptions
{
    int connectTimeoutMs = 1000; // resolving, connecting and the TLS handshake
    int commandTimeoutMs = 2000; // per blocking read or write
    const RedisTlsContext *tls = nullptr; // required for a rediss:// URL
};

class RedisConnection
{
public:
    RedisConnection() = default;
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    bool isOpen() const { return m_socket.isOpen(); }
    // Connects and runs AUTH and SELECT (one round trip). False with *error
    // (never the password) and closed when any step fails.
    bool open(const RedisUrl &url, const RedisConnectOptions &options, QString *error);
    // The last open() failed because the server refused the credentials
    // (AUTH) or its certificate did not verify: no retry will change that.
    bool refused() const { return m_refused; }
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
    // Sends the output buffer, then reads until the reader has a reply.
    bool flush();
    bool authenticate(const RedisUrl &url, QString *error);

    RedisSocket m_socket;
    redisReader *m_reader = nullptr;
    std::string m_out; // formatted commands not sent yet
    std::vector<const char *> m_argv;
    std::vector<size_t> m_lengths;
    int m_pending = 0;
    bool m_appendFailed = false;
    int m_commandTimeoutMs = 0;
    qint64 m_lastReplyMs = 0;
    QString m_error; // why the connection broke; empty while it works
    bool m_refused = false; // see refused()
};

} // namespace l2met
