#include "storetestkit.h"

#include "redisacl.h"

#include "store/memorystore.h"
#include "store/rediskeys.h"

#include <QTest>

#include <algorithm>
#include <bit>
#include <utility>

namespace l2met::test {

namespace {

std::unique_ptr<RedisServer> g_redis; // started by the first redis test
QString g_redisError;
// The "rediss" row's ACL user, with the least rights l2met documents.
const QByteArray kTlsUser = "l2met-contract";
const QByteArray kTlsPassword = "contract-pa55";

// The shared server (plain and TLS ports), started on first use; nullptr
// when it cannot run here.
RedisServer *sharedRedis()
{
    if (!g_redis && g_redisError.isEmpty()) {
        g_redis = std::make_unique<RedisServer>(QStringList(), RedisServer::Transport::PlainAndTls);
        if (!g_redis->start()
            || !addAclUser(*g_redis, kTlsUser, kTlsPassword, l2metAclRules(), &g_redisError)) {
            if (g_redisError.isEmpty())
                g_redisError = g_redis->errorString();
            g_redis.reset();
            if (RedisServer::required())
                qFatal("L2MET_REQUIRE_REDIS is set: %s", qPrintable(g_redisError));
        }
    }
    return g_redis.get();
}

// A store on the shared server: plain TCP ("redis"), or TLS as the ACL user
// ("rediss").
std::unique_ptr<Store> sharedRedisStore(const QString &backend, int partitions)
{
    QString error;
    std::unique_ptr<Store> store;
    if (backend == QLatin1String("rediss")) {
        RedisStore::Options options;
        options.tlsCaFile = g_redis->caFile();
        store = RedisStore::create(g_redis->tlsUrl(QString::fromLatin1(kTlsUser),
                                                   QString::fromLatin1(kTlsPassword)),
                                   partitions, &error, options);
    } else {
        store = RedisStore::create(g_redis->url(), partitions, &error);
    }
    if (!store)
        qFatal("RedisStore::create failed: %s", qPrintable(error));
    return store;
}

} // namespace

// ---- Buckets and values --------------------------------------------------

BucketId makeId(qint64 time, qint32 resolution, QByteArray name, QByteArray source,
                QByteArray units, BucketType type, QByteArray auth)
{
    BucketId id;
    id.time = time;
    id.resolution = resolution;
    id.auth = std::move(auth);
    id.name = std::move(name);
    id.units = std::move(units);
    id.source = std::move(source);
    id.type = type;
    return id;
}

QList<quint64> bits(const std::vector<double> &values)
{
    QList<quint64> out;
    out.reserve(qsizetype(values.size()));
    for (double v : values)
        out.append(std::bit_cast<quint64>(v));
    return out;
}

qint64 storeNow(Store &store)
{
    const StoreResult<qint64> now = store.now();
    if (!now.ok())
        qFatal("store.now failed: %s", qPrintable(now.error.message));
    return *now.value;
}

StoreResult<std::vector<Bucket>> takeReady(Store &store, int partition, qint64 upTo)
{
    if (auto *memory = dynamic_cast<MemoryStore *>(&store))
        return memory->takeReady(partition, upTo);
    if (auto *redis = dynamic_cast<RedisStore *>(&store))
        return redis->takeReady(partition, upTo);
    qFatal("takeReady: a store of kind %s has none", qPrintable(store.kind()));
    return StoreResult<std::vector<Bucket>>::failure(QString());
}

std::vector<Bucket> readyBuckets(qint64 now, int count, const QByteArray &prefix)
{
    std::vector<Bucket> buckets;
    buckets.reserve(size_t(count));
    for (int i = 0; i < count; ++i) {
        buckets.emplace_back(makeId(now - 5 - i % 4, 1, prefix + QByteArray::number(i), "web.1"),
                             std::vector<double> { double(i) });
    }
    return buckets;
}

// ---- The contract suites' backends ----------------------------------------

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("memory") << QStringLiteral("memory");
    QTest::newRow("redis") << QStringLiteral("redis");
    QTest::newRow("rediss") << QStringLiteral("rediss"); // TLS, ACL user
}

std::unique_ptr<Store> makeStore(const QString &backend, int partitions)
{
    if (backend == QLatin1String("memory"))
        return std::make_unique<MemoryStore>(partitions);
    if (backend == QLatin1String("redis") || backend == QLatin1String("rediss")) {
        if (!sharedRedis())
            return nullptr;
        RedisClient client(g_redis->port());
        if (client.command({ "FLUSHALL" }).isError())
            qFatal("FLUSHALL failed: %s", qPrintable(client.errorString()));
        return sharedRedisStore(backend, partitions);
    }
    return nullptr;
}

std::unique_ptr<Store> secondClient(const QString &backend, int partitions)
{
    if ((backend == QLatin1String("redis") || backend == QLatin1String("rediss")) && g_redis)
        return sharedRedisStore(backend, partitions);
    return nullptr;
}

QString backendUnavailable()
{
    return g_redisError;
}

void stopBackends()
{
    g_redis.reset();
}

// ---- Contract checks ------------------------------------------------------

bool takeAll(Store &store, qint64 upTo, Taken &taken)
{
    for (int p = 0; p < store.partitions(); ++p) {
        StoreResult<std::vector<Bucket>> result = takeReady(store, p, upTo);
        if (!result.ok()) {
            QTest::qFail(
                qPrintable(
                    QStringLiteral("takeReady(%1) failed: %2").arg(p).arg(result.error.message)),
                __FILE__, __LINE__);
            return false;
        }
        for (Bucket &bucket : *result.value) {
            const QByteArray key = bucket.id().encode();
            if (taken.contains(key)) {
                QTest::qFail("one id taken twice", __FILE__, __LINE__);
                return false;
            }
            taken.insert(key, std::move(bucket.values()));
        }
    }
    return true;
}

bool takeInto(Store &store, qint64 upTo, Taken &taken)
{
    for (int p = 0; p < store.partitions(); ++p) {
        const StoreResult<std::vector<Bucket>> result = takeReady(store, p, upTo);
        if (!result.ok())
            return false;
        for (const Bucket &bucket : *result.value) {
            std::vector<double> &all = taken[bucket.id().encode()];
            all.insert(all.end(), bucket.values().begin(), bucket.values().end());
        }
    }
    return true;
}

bool put(Store &store, const std::vector<Bucket> &buckets)
{
    size_t written = 0;
    const StoreResult<bool> result = store.put(buckets, &written);
    if (!result.ok()) {
        QTest::qFail(qPrintable(QStringLiteral("put failed: ") + result.error.message), __FILE__,
                     __LINE__);
        return false;
    }
    if (written != buckets.size()) {
        QTest::qFail("put wrote fewer buckets than given", __FILE__, __LINE__);
        return false;
    }
    return true;
}

bool lockOk(Store &store, int partition, const QByteArray &owner, int ttlMs)
{
    const StoreResult<bool> result = store.lockPartition(partition, owner, ttlMs);
    return result.ok() && *result.value;
}

bool unlockOk(Store &store, int partition, const QByteArray &owner)
{
    const StoreResult<bool> result = store.unlockPartition(partition, owner);
    return result.ok() && *result.value;
}

PartitionState partitionState(Store &store, int partition)
{
    const StoreStats stats = store.stats();
    return stats.partitions.value(partition);
}

std::optional<std::vector<Bucket>> readOk(Store &store, int partition, qint64 upTo, int limit)
{
    StoreResult<std::vector<Bucket>> result = store.readReady(partition, upTo, limit);
    if (!result.ok()) {
        QTest::qFail(qPrintable(QStringLiteral("readReady(%1) failed: %2")
                                    .arg(partition)
                                    .arg(result.error.message)),
                     __FILE__, __LINE__);
        return std::nullopt;
    }
    return std::move(*result.value);
}

bool ackOk(Store &store, int partition, const std::vector<Bucket> &read, const QByteArray &owner)
{
    const StoreResult<bool> result = store.acknowledge(partition, read, owner);
    return result.ok() && *result.value;
}

QHash<QByteArray, QList<quint64>> valuesById(const std::vector<Bucket> &buckets)
{
    QHash<QByteArray, QList<quint64>> out;
    for (const Bucket &bucket : buckets) {
        const QByteArray key = bucket.id().encode();
        if (out.contains(key))
            qFatal("one read returned an id twice");
        out.insert(key, bits(bucket.expandedValues()));
    }
    return out;
}

bool sameValues(const Bucket &got, const Bucket &want)
{
    QList<quint64> gotBits = bits(got.expandedValues());
    QList<quint64> wantBits = bits(want.expandedValues());
    std::sort(gotBits.begin(), gotBits.end());
    std::sort(wantBits.begin(), wantBits.end());
    return got.valueCount() == want.valueCount() && gotBits == wantBits
        && std::bit_cast<quint64>(got.last()) == std::bit_cast<quint64>(want.last());
}

// ---- Redis as it is -------------------------------------------------------

QSet<QByteArray> keys(RedisClient &client)
{
    const QByteArray tokens = RedisKeys::putTokenPrefix();
    QSet<QByteArray> out;
    for (const QByteArray &k : client.command({ "KEYS", "*" }).strings()) {
        if (!k.startsWith(tokens))
            out.insert(k);
    }
    return out;
}

QList<QByteArray> putTokens(RedisClient &client)
{
    return client.command({ "KEYS", RedisKeys::putTokenPrefix() + '*' }).strings();
}

qint64 integer(RedisClient &client, const QList<QByteArray> &args)
{
    return client.command(args).integer;
}

QByteArray type(RedisClient &client, const QByteArray &key)
{
    return client.command({ "TYPE", key }).string;
}

qint64 connectedClients(RedisClient &client)
{
    const QByteArray info = client.command({ "INFO", "clients" }).string;
    for (const QByteArray &line : info.split('\n')) {
        if (line.startsWith("connected_clients:"))
            return line.mid(18).trimmed().toLongLong();
    }
    return -1;
}

bool RedisFixture::start()
{
    server = std::make_unique<RedisServer>();
    if (!server->start()) {
        m_error = server->errorString();
        return false;
    }
    client = std::make_unique<RedisClient>(server->port());
    if (!client->isConnected()) {
        m_error = client->errorString();
        return false;
    }
    return true;
}

bool RedisFixture::flush()
{
    return !client->command({ "FLUSHALL" }).isError();
}

void RedisFixture::stop()
{
    client.reset();
    server.reset();
}

std::unique_ptr<RedisStore> RedisFixture::makeStore(int partitions,
                                                    RedisStore::Options options) const
{
    QString error;
    std::unique_ptr<RedisStore> store
        = RedisStore::create(server->url(), partitions, &error, options);
    if (!store)
        qFatal("RedisStore::create: %s", qPrintable(error));
    return store;
}

} // namespace l2met::test
