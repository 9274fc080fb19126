#include "engine/enginestore.h"

#include "store/memorystore.h"
#include "store/redisstore.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcEngine)

namespace l2met {

std::unique_ptr<Store> makeEngineStore(const Config &config, QString *error)
{
    if (config.redisUrl.isEmpty())
        return std::make_unique<MemoryStore>(config.partitions);

    QString redisError;
    RedisStore::Options options;
    options.tlsCaFile = config.redisCa;
    options.tlsVerify = config.redisTlsVerify;
    std::unique_ptr<RedisStore> redis
        = RedisStore::create(config.redisUrl, config.partitions, &redisError, options);
    if (!redis) {
        // (A URL's reason, or the TLS settings' one, which says so.)
        *error = redisError.startsWith(QStringLiteral("redis: "))
            ? redisError
            : QStringLiteral("invalid REDIS_URL: %1").arg(redisError);
        return nullptr;
    }
    // Connects here, not in the HTTP thread's first /health.
    const RedisAccess access = redis->checkAccess(&redisError);
    if (access == RedisAccess::Denied) {
        *error = redisError;
        return nullptr;
    }
    if (access == RedisAccess::Unreachable || !redis->healthy()) {
        qCWarning(lcEngine).noquote()
            << QStringLiteral("at=engine.start store=redis healthy=false error=\"%1\"")
                   .arg(redisError);
    }
    return redis;
}

} // namespace l2met
