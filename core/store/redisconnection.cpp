#include "store/redisconnection.h"

#include <QList>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <sys/time.h>

namespace l2met {

namespace {

timeval toTimeval(int ms)
{
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

QByteArrayView replyBytes(const redisReply *reply)
{
    return QByteArrayView(reply->str, qsizetype(reply->len));
}

QString replyText(const redisReply *reply)
{
    return QString::fromUtf8(reply->str, qsizetype(reply->len));
}

std::optional<qint64> replyInt(const redisReply *reply)
{
    if (reply->type == REDIS_REPLY_INTEGER)
        return reply->integer;
    if (reply->type != REDIS_REPLY_STRING || reply->len == 0)
        return std::nullopt;
    qint64 value = 0;
    const char *end = reply->str + reply->len;
    const auto [ptr, ec] = std::from_chars(reply->str, end, value);
    if (ec != std::errc() || ptr != end)
        return std::nullopt;
    return value;
}

QString replyError(const QString &what, const redisReply *reply)
{
    return QStringLiteral("redis: %1 failed: %2")
        .arg(what,
             reply->type == REDIS_REPLY_ERROR ? replyText(reply)
                                              : QStringLiteral("unexpected reply"));
}

RedisConnection::~RedisConnection()
{
    close();
}

void RedisConnection::close()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
    m_pending = 0;
    m_appendFailed = false;
    m_lastReplyMs = 0;
}

bool RedisConnection::open(const RedisUrl &url, int connectTimeoutMs, int commandTimeoutMs,
                           QString *error)
{
    close();
    const QByteArray host = url.host.toUtf8();
    redisContext *context
        = redisConnectWithTimeout(host.constData(), url.port, toTimeval(connectTimeoutMs));
    if (!context || context->err) {
        *error = QStringLiteral("redis: cannot connect to %1: %2")
                     .arg(url.redacted(),
                          context ? QString::fromLocal8Bit(context->errstr)
                                  : QStringLiteral("out of memory"));
        if (context)
            redisFree(context);
        return false;
    }
    m_context = context;
    m_commandTimeoutMs = commandTimeoutMs;
    if (redisSetTimeout(context, toTimeval(commandTimeoutMs)) != REDIS_OK
        || redisEnableKeepAlive(context) != REDIS_OK) {
        *error = QStringLiteral("redis: cannot set socket options: ") + this->error();
        close();
        return false;
    }

    QList<QLatin1String> steps;
    if (!url.password.isEmpty()) {
        append({ "AUTH", url.password });
        steps.append(QLatin1String("AUTH"));
    }
    if (url.db != 0) {
        append({ "SELECT", QByteArray::number(url.db) });
        steps.append(QLatin1String("SELECT"));
    }
    error->clear();
    for (const QLatin1String step : steps) {
        const RedisReply reply = next();
        if (!reply) {
            *error = this->error();
            close();
            return false;
        }
        // Redis's messages never echo the password.
        if (reply->type == REDIS_REPLY_ERROR && error->isEmpty())
            *error = QStringLiteral("redis: %1 failed: %2").arg(step, replyText(reply.get()));
    }
    if (!error->isEmpty()) {
        close();
        return false;
    }
    m_lastReplyMs = steadyMs(); // fresh: no need to probe it
    return true;
}

void RedisConnection::append(std::initializer_list<QByteArrayView> args)
{
    begin();
    for (QByteArrayView a : args)
        arg(a);
    end();
}

void RedisConnection::begin()
{
    m_argv.clear();
    m_lengths.clear();
}

void RedisConnection::arg(QByteArrayView value)
{
    m_argv.push_back(value.data() ? value.data() : "");
    m_lengths.push_back(size_t(value.size()));
}

void RedisConnection::end()
{
    Q_ASSERT(m_context);
    if (redisAppendCommandArgv(m_context, int(m_argv.size()), m_argv.data(), m_lengths.data())
        != REDIS_OK) {
        m_appendFailed = true;
    }
    ++m_pending;
}

RedisReply RedisConnection::next()
{
    Q_ASSERT(m_context && m_pending > 0);
    --m_pending;
    if (m_appendFailed)
        return nullptr;
    void *reply = nullptr;
    if (redisGetReply(m_context, &reply) != REDIS_OK || !reply)
        return nullptr;
    m_lastReplyMs = steadyMs();
    return RedisReply(static_cast<redisReply *>(reply));
}

RedisReply RedisConnection::command(std::initializer_list<QByteArrayView> args)
{
    append(args);
    return next();
}

QString RedisConnection::error() const
{
    if (!m_context)
        return QStringLiteral("redis: not connected");
    if (m_appendFailed)
        return QStringLiteral("redis: out of memory building a command");
    if (m_context->err == REDIS_ERR_IO && std::strstr(m_context->errstr, std::strerror(EAGAIN)))
        return QStringLiteral("redis: no reply within %1 ms (timeout)").arg(m_commandTimeoutMs);
    if (m_context->err)
        return QStringLiteral("redis: ") + QString::fromLocal8Bit(m_context->errstr);
    return QStringLiteral("redis: no reply");
}

} // namespace l2met
