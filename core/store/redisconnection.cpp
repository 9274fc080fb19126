#include "store/redisconnection.h"

#include <QList>
#include <QLoggingCategory>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace l2met {

namespace {

// What one receive() asks the socket for.
constexpr size_t kReadChunk = 64 * 1024;

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// The error replies of a server that cannot serve now (see the header).
bool isUnavailable(const redisReply *reply)
{
    return isErrorReply(reply, "LOADING") || isErrorReply(reply, "READONLY")
        || isErrorReply(reply, "MASTERDOWN");
}

// Whether `AUTH user password` refused with this text is retried as
// `AUTH password` (see the header), logging why once per process.
bool fallsBackToPassword(const RedisUrl &url, QByteArrayView refusal)
{
    static std::once_flag oldServerLogged;
    static std::once_flag herokuUserLogged;
    if (refusal.contains("wrong number of arguments")) {
        std::call_once(oldServerLogged, [&url] {
            qCWarning(lcRedis).noquote()
                << QStringLiteral("at=redis.auth url=%1 server older than Redis 6: no ACL "
                                  "users, AUTH with the password alone")
                       .arg(url.redacted());
        });
        return true;
    }
    if (url.user == "h" && refusal.startsWith("WRONGPASS")) {
        std::call_once(herokuUserLogged, [&url] {
            qCInfo(lcRedis).noquote()
                << QStringLiteral("at=redis.auth url=%1 user \"h\" is Heroku's placeholder: "
                                  "AUTH with the password alone")
                       .arg(url.redacted());
        });
        return true;
    }
    return false;
}

} // namespace

QByteArrayView replyBytes(const redisReply *reply)
{
    return QByteArrayView(reply->str, qsizetype(reply->len));
}

bool isErrorReply(const redisReply *reply, const char *code)
{
    return reply->type == REDIS_REPLY_ERROR && replyBytes(reply).startsWith(code);
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
    m_socket.close();
    if (m_reader) {
        redisReaderFree(m_reader);
        m_reader = nullptr;
    }
    m_out.clear();
    m_pending = 0;
    m_appendFailed = false;
    m_lastReplyMs = 0;
    m_error.clear();
}

bool RedisConnection::open(const RedisUrl &url, const RedisConnectOptions &options,
                           QString *error)
{
    close();
    Q_ASSERT(!url.tls || options.tls);
    m_commandTimeoutMs = options.commandTimeoutMs;
    m_refused = false;
    if (!m_socket.connect(url.host, url.port, url.tls ? options.tls : nullptr,
                          options.connectTimeoutMs, url.redacted(), error)) {
        m_refused = m_socket.certificateRejected();
        return false;
    }
    m_reader = redisReaderCreate();
    if (!m_reader) {
        *error = QStringLiteral("redis: out of memory");
        close();
        return false;
    }
    if (!authenticate(url, error)) {
        close();
        return false;
    }
    m_lastReplyMs = steadyMs(); // fresh: no need to probe it
    return true;
}

bool RedisConnection::authenticate(const RedisUrl &url, QString *error)
{
    bool withUser = !url.user.isEmpty();
    for (;;) {
        QList<QLatin1String> steps;
        if (withUser || !url.password.isEmpty()) {
            begin();
            arg("AUTH");
            if (withUser)
                arg(url.user);
            arg(url.password);
            end();
            steps.append(QLatin1String("AUTH"));
        }
        if (url.db != 0) {
            append({ "SELECT", QByteArray::number(url.db) });
            steps.append(QLatin1String("SELECT"));
        }
        error->clear();
        bool retryWithoutUser = false;
        for (const QLatin1String step : steps) {
            const RedisReply reply = next();
            if (!reply) {
                *error = this->error();
                return false;
            }
            if (reply->type != REDIS_REPLY_ERROR || !error->isEmpty() || retryWithoutUser)
                continue; // (after a fallback the SELECT failed with NOAUTH)
            const bool auth = step == QLatin1String("AUTH");
            if (auth && withUser && fallsBackToPassword(url, replyBytes(reply.get()))) {
                retryWithoutUser = true;
                continue;
            }
            // Redis's messages never echo the password.
            const QString what = auth && withUser
                ? QStringLiteral("AUTH as user \"%1\"").arg(QString::fromUtf8(url.user))
                : QString(step);
            *error = QStringLiteral("redis: %1 failed: %2").arg(what, replyText(reply.get()));
            m_refused = auth;
        }
        if (!retryWithoutUser || !error->isEmpty())
            return error->isEmpty();
        withUser = false; // both again
    }
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
    Q_ASSERT(isOpen());
    char *command = nullptr;
    const int length
        = redisFormatCommandArgv(&command, int(m_argv.size()), m_argv.data(), m_lengths.data());
    if (length < 0 || !command)
        m_appendFailed = true;
    else
        m_out.append(command, size_t(length));
    free(command);
    ++m_pending;
}

bool RedisConnection::flush()
{
    if (!m_out.empty()) {
        const bool sent
            = m_socket.sendAll(m_out.data(), m_out.size(), m_commandTimeoutMs, &m_error);
        m_out.clear();
        if (!sent)
            return false;
    }
    return true;
}

RedisReply RedisConnection::next()
{
    Q_ASSERT(isOpen() && m_pending > 0);
    --m_pending;
    if (m_appendFailed || !m_error.isEmpty())
        return nullptr;
    if (!flush())
        return nullptr;
    void *reply = nullptr;
    char buffer[kReadChunk];
    for (;;) {
        if (redisReaderGetReply(m_reader, &reply) != REDIS_OK) {
            m_error = QStringLiteral("redis: protocol error: ")
                + QString::fromLocal8Bit(m_reader->errstr);
            return nullptr;
        }
        if (reply)
            break;
        const size_t n = m_socket.receive(buffer, sizeof buffer, m_commandTimeoutMs, &m_error);
        if (n == 0)
            return nullptr;
        if (redisReaderFeed(m_reader, buffer, n) != REDIS_OK) {
            m_error = QStringLiteral("redis: out of memory reading a reply");
            return nullptr;
        }
    }
    m_lastReplyMs = steadyMs();
    RedisReply owned(static_cast<redisReply *>(reply));
    if (isUnavailable(owned.get())) {
        m_error = QStringLiteral("redis: server cannot serve now: ") + replyText(owned.get());
        return nullptr;
    }
    return owned;
}

RedisReply RedisConnection::command(std::initializer_list<QByteArrayView> args)
{
    append(args);
    return next();
}

QString RedisConnection::error() const
{
    if (!isOpen())
        return QStringLiteral("redis: not connected");
    if (m_appendFailed)
        return QStringLiteral("redis: out of memory building a command");
    if (!m_error.isEmpty())
        return m_error;
    return QStringLiteral("redis: no reply");
}

} // namespace l2met
