// RedisStore, part three: the start-up access check (checkAccess).
#include "store/redisconnection.h"
#include "store/rediskeys.h"
#include "store/redisscriptrunner.h"
#include "store/redisstore.h"

#include <QDateTime>

namespace l2met {

namespace {

// Error replies that say "not allowed", as opposed to "not now".
bool isRefusal(QByteArrayView text)
{
    // (A command a script may not run is "ERR The user executing the script
    // can't run this command" in Redis 7.0.)
    return text.contains("NOPERM") || text.startsWith("NOAUTH") || text.startsWith("WRONGPASS")
        || text.startsWith("ERR unknown command") || text.contains("can't run this command");
}

} // namespace

RedisAccess RedisStore::checkAccess(QString *error)
{
    RedisConnection &c = connection();
    c.retryAtMs = 0; // a start-up check waits for no backoff
    if (!ensureConnected(c, error)) {
        // Refused credentials (WRONGPASS, NOPERM) or a certificate that does
        // not verify are not "down": no retry will change them.
        return c.refused() ? RedisAccess::Denied : RedisAccess::Unreachable;
    }
    const QByteArray lock = RedisKeys::lock(0);
    const QByteArray index = RedisKeys::readyIndex(0);
    const QList<QList<QByteArray>> plain {
        { "PING" },
        { "TIME" },
        { "ZRANGE", index, "0", "0" },
        { "ZRANGEBYSCORE", index, "-inf", "-inf", "LIMIT", "0", "1" },
        { "GET", lock },
        { "PTTL", lock },
        { "SCARD", RedisKeys::readySet(0, 0) },
        { "EVAL", "return 1", "0" },
    };
    for (const QList<QByteArray> &command : plain) {
        c.begin();
        for (const QByteArray &word : command)
            c.arg(word);
        c.end();
    }
    ++m_roundTrips;
    QString refused;
    for (const QList<QByteArray> &command : plain) {
        const RedisReply reply = c.next();
        if (!reply) {
            while (c.pending() > 0)
                c.next();
            *error = c.error();
            fail(c, *error);
            return RedisAccess::Unreachable;
        }
        if (refused.isEmpty() && reply->type == REDIS_REPLY_ERROR)
            refused = QStringLiteral("%1: %2").arg(QString::fromLatin1(command.first()),
                                                   replyText(reply.get()));
    }
    if (refused.isEmpty()) {
        std::vector<std::vector<QByteArray>> call(1);
        for (int kind = 0; kind < 5; ++kind)
            call[0].push_back(RedisKeys::probe(m_putNonce, kind));
        call[0].push_back(QByteArray::number(QDateTime::currentSecsSinceEpoch() + 3600));
        std::vector<RedisReply> replies;
        if (!runScripts(c, RedisScript::Probe, 5, call, &replies, error))
            return RedisAccess::Unreachable;
        const redisReply *reply = replies.at(0).get();
        if (reply->type == REDIS_REPLY_ERROR)
            refused = QStringLiteral("EVALSHA/EVAL: ") + replyText(reply);
    }
    if (refused.isEmpty()) {
        succeeded(c);
        return RedisAccess::Granted;
    }
    *error = QStringLiteral("redis: %1 refused a command or key l2met needs (%2). An ACL user "
                            "needs at least: ~l2met:* +@read +@write +@scripting +ping +time "
                            "(and +select for a database other than 0)")
                 .arg(describe(), refused);
    markOutcome(false, *error);
    return isRefusal(refused.toUtf8()) ? RedisAccess::Denied : RedisAccess::Unreachable;
}

} // namespace l2met
