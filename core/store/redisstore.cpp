#include "store/redisstore.h"

#include "store/redisbucketcodec.h"
#include "store/redisconnection.h"
#include "store/rediskeys.h"
#include "store/redisscriptrunner.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QMutexLocker>
#include <QThread>

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iterator>
#include <limits>
#include <utility>

Q_LOGGING_CATEGORY(lcRedis, "l2met.store.redis")

// RedisStore, part one: connections and health, the clock, locks, put,
// stats and peek. Reading, acknowledging and taking are in
// redisstoreread.cpp.

namespace l2met {

namespace {

constexpr qint64 kHealthPingMs = 1000;

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// The arguments of one Put script call (after its key count), in one buffer:
// a QByteArray per argument would be an allocation per value. One per
// writing thread, cleared and reused chunk after chunk: a chunk of 65,536
// values is about 1.5 MB, and making it anew each time cost page faults
// (malloc hands such blocks back to the kernel on free).
class PutChunk
{
public:
    void clear()
    {
        m_arena.resize(0); // keeps the capacity, as clear() would not
        m_spans.clear();
    }
    void add(QByteArrayView value)
    {
        m_spans.emplace_back(m_arena.size(), value.size());
        m_arena.append(value);
    }
    void write(RedisConnection &c) const
    {
        for (const auto &[offset, size] : m_spans)
            c.arg(QByteArrayView(m_arena.constData() + offset, size));
    }

private:
    QByteArray m_arena;
    std::vector<std::pair<qsizetype, qsizetype>> m_spans;
};

// Where a put is: its next chunk starts at value `part` of buckets[at].
struct PutCursor
{
    const std::vector<Bucket> &buckets;
    size_t at = 0;
    size_t part = 0;
    std::vector<double> values; // RedisBucketCodec::listValues(buckets[valuesOf])
    QByteArray sketch; // RedisBucketCodec::listSketch(buckets[valuesOf]): the element after them
    size_t elements = 0; // values, and the sketch when there is one
    size_t valuesOf = std::numeric_limits<size_t>::max();
};

// Adds the buckets at the cursor to the chunk, as the Put script reads them
// (redisscripts.h), until it holds kPutChunk buckets or kPutChunkValues
// values (the rest of a bigger bucket goes in the next chunk), and moves
// the cursor past them. Empty buckets are skipped.
void fillPutChunk(PutChunk &chunk, PutCursor &cursor, int partitions, qint64 serverNow)
{
    int inChunk = 0;
    size_t valuesInChunk = 0;
    char number[RedisBucketCodec::kValueChars];
    while (cursor.at < cursor.buckets.size() && inChunk < RedisStore::kPutChunk
           && valuesInChunk < RedisStore::kPutChunkValues) {
        const Bucket &bucket = cursor.buckets[cursor.at];
        if (bucket.isEmpty()) {
            ++cursor.at;
            continue;
        }
        if (cursor.valuesOf != cursor.at) {
            cursor.values = RedisBucketCodec::listValues(bucket);
            cursor.sketch = RedisBucketCodec::listSketch(bucket);
            cursor.elements = cursor.values.size() + (cursor.sketch.isEmpty() ? 0 : 1);
            cursor.valuesOf = cursor.at;
        }
        const size_t take = std::min(cursor.elements - cursor.part,
                                     RedisStore::kPutChunkValues - valuesInChunk);
        ++inChunk;
        valuesInChunk += take;
        const BucketId &id = bucket.id();
        Q_ASSERT(id.resolution > 0);
        const int partition = id.partition(partitions);
        const QByteArray encoded = id.encode();
        const QByteArray readyAt = QByteArray::number(id.readyAt());
        chunk.add(RedisKeys::bucket(encoded));
        chunk.add(RedisKeys::readySet(readyAt, partition));
        chunk.add(RedisKeys::valuesCounter(readyAt, partition));
        chunk.add(RedisKeys::readyIndex(partition));
        chunk.add(encoded);
        chunk.add(readyAt);
        const qint64 expireAt = std::max(id.readyAt(), serverNow) + RedisStore::kExpirySeconds;
        chunk.add(QByteArray::number(expireAt));
        chunk.add(QByteArray::number(qint64(take)));
        bool sketchHere = false;
        for (size_t i = cursor.part; i < cursor.part + take; ++i) {
            if (i < cursor.values.size()) {
                chunk.add(RedisBucketCodec::format(cursor.values[i], number));
            } else {
                chunk.add(RedisBucketCodec::sketchMarker());
                sketchHere = true;
            }
        }
        chunk.add(RedisKeys::sketch(encoded));
        chunk.add(sketchHere ? QByteArrayView(cursor.sketch) : QByteArrayView());
        cursor.part += take;
        if (cursor.part == cursor.elements) {
            ++cursor.at;
            cursor.part = 0;
        }
    }
}

} // namespace

RedisStore::RedisStore(RedisUrl url, int partitions, Options options)
    : m_url(std::move(url))
    , m_partitionCount(partitions >= 1 ? partitions : 1)
    , m_options(options)
{
    Q_ASSERT(partitions >= 1);
    redisScript(RedisScript::Take); // hashes the scripts here, not in a caller's hot path
    m_putNonce = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    if (m_url.tls) {
        m_tls = RedisTlsContext::create(m_options.tlsCaFile, m_options.tlsVerify, &m_tlsError);
        if (m_tls && !m_options.tlsVerify) {
            qCWarning(lcRedis).noquote()
                << QStringLiteral("at=redis.tls url=%1 verify=off: the server's certificate is "
                                  "not checked (--redis-tls-verify=off); anyone on the path can "
                                  "read and change the traffic")
                       .arg(describe());
        }
    } else if (!m_options.tlsCaFile.isEmpty() || !m_options.tlsVerify) {
        qCWarning(lcRedis).noquote()
            << QStringLiteral("at=redis.tls url=%1 --redis-ca and --redis-tls-verify apply to "
                              "rediss:// URLs only: this one is plain TCP")
                   .arg(describe());
    }
}

RedisStore::RedisStore(RedisUrl url, int partitions)
    : RedisStore(std::move(url), partitions, Options())
{ }

std::unique_ptr<RedisStore> RedisStore::create(const QString &url, int partitions, QString *error,
                                               Options options)
{
    const std::optional<RedisUrl> parsed = RedisUrl::parse(url, error);
    if (!parsed)
        return nullptr;
    if (partitions < 1) {
        if (error)
            *error = QStringLiteral("partitions must be at least 1");
        return nullptr;
    }
    auto store = std::make_unique<RedisStore>(*parsed, partitions, options);
    if (!store->m_tlsError.isEmpty()) {
        if (error)
            *error = store->m_tlsError;
        return nullptr;
    }
    return store;
}

RedisStore::~RedisStore()
{
    if (m_healthThread) {
        {
            QMutexLocker lock(&m_healthMutex);
            m_stopping = true;
            m_healthWake.wakeAll();
        }
        m_healthThread->wait();
        delete m_healthThread;
    }
}

QString RedisStore::kind() const
{
    return QStringLiteral("redis");
}

int RedisStore::partitions() const
{
    return m_partitionCount;
}

QString RedisStore::describe() const
{
    return m_url.redacted();
}

bool RedisStore::validPartition(int partition) const
{
    return partition >= 0 && partition < m_partitionCount;
}

RedisConnection &RedisStore::connection()
{
    const std::thread::id self = std::this_thread::get_id();
    QMutexLocker lock(&m_connectionsMutex);
    std::unique_ptr<RedisConnection> &slot = m_connections[self];
    if (!slot)
        slot = std::make_unique<RedisConnection>();
    return *slot;
}

void RedisStore::markOutcome(bool ok, const QString &error)
{
    m_lastOutcomeMs = std::max<qint64>(1, steadyMs());
    const bool was = m_healthy.exchange(ok);
    if (was && !ok) {
        qCWarning(lcRedis).noquote()
            << QStringLiteral("at=redis.down url=%1 error=\"%2\"").arg(describe(), error);
    } else if (!was && ok) {
        qCInfo(lcRedis).noquote() << QStringLiteral("at=redis.up url=%1").arg(describe());
    }
}

void RedisStore::fail(RedisConnection &c, const QString &error)
{
    c.close();
    c.backoffMs = c.backoffMs == 0 ? m_options.minBackoffMs
                                   : std::min(2 * c.backoffMs, m_options.maxBackoffMs);
    c.retryAtMs = steadyMs() + c.backoffMs;
    c.lastError = error;
    markOutcome(false, error);
}

void RedisStore::succeeded(RedisConnection &c)
{
    c.backoffMs = 0;
    markOutcome(true, {});
}

bool RedisStore::ensureConnected(RedisConnection &c, QString *error)
{
    if (c.isOpen()) {
        if (steadyMs() - c.lastReplyMs() < m_options.idleCheckMs)
            return true;
        // Idle for a while: the server (its `timeout` setting) or a NAT may
        // have dropped the connection. A PING finds out before a command
        // that could half-run does; when it fails, nothing was lost and a
        // fresh connection is tried at once, without backoff.
        ++m_roundTrips;
        if (c.command({ "PING" }))
            return true;
        c.close();
    }
    const qint64 wait = c.retryAtMs - steadyMs();
    if (wait > 0) {
        *error = c.lastError + QStringLiteral(" (next attempt in %1 ms)").arg(wait);
        return false;
    }
    ++m_connects;
    if (m_url.tls && !m_tls) {
        *error = m_tlsError;
        fail(c, *error);
        return false;
    }
    if (!m_url.password.isEmpty() || !m_url.user.isEmpty() || m_url.db != 0)
        ++m_roundTrips;
    RedisConnectOptions connect;
    connect.connectTimeoutMs = m_options.connectTimeoutMs;
    connect.commandTimeoutMs = m_options.commandTimeoutMs;
    connect.tls = m_tls.get();
    if (!c.open(m_url, connect, error)) {
        fail(c, *error);
        return false;
    }
    return true;
}

StoreResult<qint64> RedisStore::redisTime(RedisConnection &c)
{
    ++m_roundTrips;
    const RedisReply reply = c.command({ "TIME" });
    if (!reply) {
        const QString error = c.error();
        fail(c, error);
        return StoreResult<qint64>::failure(error);
    }
    std::optional<qint64> seconds;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2)
        seconds = replyInt(reply->element[0]);
    if (!seconds) {
        const QString error = replyError(QStringLiteral("TIME"), reply.get());
        markOutcome(false, error);
        return StoreResult<qint64>::failure(error);
    }
    return StoreResult<qint64>::success(*seconds);
}

bool RedisStore::runScripts(RedisConnection &c, RedisScript script, int keys, size_t calls,
                            const ScriptArguments &arguments, std::vector<RedisReply> *replies,
                            QString *error)
{
    RedisScriptRunner runner(c, &m_roundTrips);
    *replies = runner.run(script, keys, calls, arguments);
    if (!runner.broken())
        return true;
    *error = runner.error();
    fail(c, *error);
    return false;
}

bool RedisStore::runScripts(RedisConnection &c, RedisScript script, int keys,
                            const std::vector<std::vector<QByteArray>> &calls,
                            std::vector<RedisReply> *replies, QString *error)
{
    return runScripts(
        c, script, keys, calls.size(),
        [&calls](size_t index, RedisConnection &connection) {
            for (const QByteArray &argument : calls[index])
                connection.arg(argument);
        },
        replies, error);
}

StoreResult<bool> RedisStore::put(const std::vector<Bucket> &buckets, size_t *written,
                                  quint64 batch)
{
    const auto skipEmpty = [&buckets](size_t from) {
        while (from < buckets.size() && buckets[from].isEmpty())
            ++from;
        return from;
    };
    size_t done = skipEmpty(0); // leading buckets stored (an empty one counts: nothing to file)
    const auto finish = [&done, written](StoreResult<bool> result) {
        if (written)
            *written = done;
        return result;
    };
    if (done == buckets.size())
        return finish(StoreResult<bool>::success(true));
    if (batch == 0)
        batch = m_anonymousBatch.fetch_add(1) | (quint64(1) << 63);

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return finish(StoreResult<bool>::failure(error));
    // Expiry is on the server's clock, like readiness.
    const StoreResult<qint64> serverNow = redisTime(c);
    if (!serverNow.ok())
        return finish(StoreResult<bool>::failure(serverNow.error.message));

    // One Put script per chunk, one chunk per exchange, under a token that
    // names the chunk (this store, the batch, where it starts): a chunk whose
    // answer was lost and that Redis ran after all (it was paused, or slow
    // past the command timeout) is not written twice by the retry. The
    // chunks are a function of where the put starts, and `done` only moves
    // to a chunk boundary that is also a bucket boundary, so a retry from
    // `done` makes the same chunks under the same tokens.
    const QByteArray tokenTtl = QByteArray::number(kPutTokenSeconds);
    PutCursor cursor { buckets, done, 0, {}, {}, 0, std::numeric_limits<size_t>::max() };
    for (;;) {
        // A chunk's token is named after its first bucket with values, as a
        // retry (which starts at `done`, past empty buckets) names it.
        if (cursor.part == 0)
            cursor.at = skipEmpty(cursor.at);
        if (cursor.at >= buckets.size())
            break;
        thread_local PutChunk reused;
        PutChunk &chunk = reused;
        chunk.clear();
        chunk.add(RedisKeys::putToken(m_putNonce, batch,
                                      fnv1a64(buckets[cursor.at].id().encode()), cursor.part));
        chunk.add(tokenTtl);
        fillPutChunk(chunk, cursor, m_partitionCount, *serverNow.value);
        std::vector<RedisReply> replies;
        if (!runScripts(
                c, RedisScript::Put, 1, 1,
                [&chunk](size_t, RedisConnection &connection) { chunk.write(connection); },
                &replies, &error)) {
            return finish(StoreResult<bool>::failure(error));
        }
        const redisReply *reply = replies.front().get();
        if (reply->type != REDIS_REPLY_INTEGER) {
            const QString failure
                = QStringLiteral("redis: bucket write failed: ") + replyText(reply);
            markOutcome(false, failure);
            return finish(StoreResult<bool>::failure(failure));
        }
        if (reply->integer == 0)
            ++m_putsAlreadyApplied;
        if (cursor.part == 0)
            done = skipEmpty(cursor.at);
    }
    succeeded(c);
    return finish(StoreResult<bool>::success(true));
}

StoreResult<qint64> RedisStore::now()
{
    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<qint64>::failure(error);
    StoreResult<qint64> result = redisTime(c);
    if (result.ok())
        succeeded(c);
    return result;
}

StoreResult<bool> RedisStore::runLockScript(RedisScript script, int partition,
                                            const QByteArray &owner, int ttlMs)
{
    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    std::vector<QByteArray> call { RedisKeys::lock(partition), owner };
    if (ttlMs > 0)
        call.push_back(QByteArray::number(ttlMs));
    std::vector<RedisReply> replies;
    if (!runScripts(c, script, 1, { call }, &replies, &error))
        return StoreResult<bool>::failure(error);
    const redisReply *reply = replies.front().get();
    if (reply->type != REDIS_REPLY_INTEGER) {
        error = replyError(QStringLiteral("script"), reply);
        markOutcome(false, error);
        return StoreResult<bool>::failure(error);
    }
    succeeded(c);
    return StoreResult<bool>::success(reply->integer == 1);
}

StoreResult<bool> RedisStore::lockPartition(int partition, const QByteArray &owner, int ttlMs)
{
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);
    return runLockScript(RedisScript::Lock, partition, owner, ttlMs);
}

StoreResult<bool> RedisStore::unlockPartition(int partition, const QByteArray &owner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));
    if (owner.isEmpty())
        return StoreResult<bool>::success(false); // nobody holds a lock as ""
    return runLockScript(RedisScript::Unlock, partition, owner, 0);
}

StoreResult<bool> RedisStore::refreshLock(int partition, const QByteArray &owner, int ttlMs)
{
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);
    return runLockScript(RedisScript::Refresh, partition, owner, ttlMs);
}

void RedisStore::ping()
{
    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return;
    ++m_roundTrips;
    const RedisReply reply = c.command({ "PING" });
    if (!reply)
        fail(c, c.error());
    else if (reply->type == REDIS_REPLY_ERROR)
        markOutcome(false, replyError(QStringLiteral("PING"), reply.get()));
    else
        succeeded(c);
}

void RedisStore::healthLoop()
{
    QMutexLocker lock(&m_healthMutex);
    while (!m_stopping) {
        m_healthWake.wait(&m_healthMutex, QDeadlineTimer(kHealthPingMs));
        if (m_stopping)
            break;
        if (steadyMs() - m_lastOutcomeMs.load() < kHealthPingMs)
            continue; // another thread talked to Redis within the second
        lock.unlock();
        ping();
        lock.relock();
    }
}

bool RedisStore::healthy()
{
    if (m_lastOutcomeMs.load() == 0)
        ping(); // once: there is nothing to report yet
    std::call_once(m_healthStarted, [this] {
        m_healthThread = QThread::create([this] {
            healthLoop();
            OPENSSL_thread_stop(); // its TLS state, as Engine::makeThread does
        });
        m_healthThread->setObjectName(QStringLiteral("l2met-redis-health"));
        m_healthThread->start();
    });
    return m_healthy.load();
}

StoreStats RedisStore::stats()
{
    StoreStats stats;
    stats.healthy = false;
    for (int p = 0; p < m_partitionCount; ++p) {
        PartitionState state;
        state.partition = p;
        stats.partitions.append(state);
    }
    const StoreStats unknown = stats; // what a failure reports

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return unknown;
    const auto lost = [&] {
        fail(c, c.error());
        return unknown;
    };

    // Round 1: the clock, and each partition's ready seconds and lock.
    c.append({ "TIME" });
    for (int p = 0; p < m_partitionCount; ++p) {
        const QByteArray lock = RedisKeys::lock(p);
        c.append({ "ZRANGE", RedisKeys::readyIndex(p), "0", "-1" });
        c.append({ "GET", lock });
        c.append({ "PTTL", lock });
    }
    ++m_roundTrips;
    const RedisReply time = c.next();
    if (!time)
        return lost();
    std::optional<qint64> nowSecs;
    if (time->type == REDIS_REPLY_ARRAY && time->elements == 2)
        nowSecs = replyInt(time->element[0]);
    bool bad = !nowSecs;
    std::vector<std::vector<QByteArray>> seconds(static_cast<size_t>(m_partitionCount));
    for (int p = 0; p < m_partitionCount; ++p) {
        const RedisReply members = c.next();
        const RedisReply owner = members ? c.next() : nullptr;
        const RedisReply ttl = owner ? c.next() : nullptr;
        if (!ttl)
            return lost();
        if (members->type != REDIS_REPLY_ARRAY) {
            bad = true;
            continue;
        }
        for (size_t i = 0; i < members->elements; ++i)
            seconds[size_t(p)].push_back(replyBytes(members->element[i]).toByteArray());
        PartitionState &state = stats.partitions[p];
        // PTTL 0: the lock expires within this millisecond but is still held
        // (an unlock now would succeed); -2: it expired after the GET.
        if (owner->type == REDIS_REPLY_STRING && ttl->type == REDIS_REPLY_INTEGER
            && ttl->integer != -2) {
            state.lockOwner = replyBytes(owner.get()).toByteArray();
            state.lockTtlMs = std::max<qint64>(0, ttl->integer);
        }
    }

    // Round 2: the size and value count of every ready second's set.
    for (int p = 0; p < m_partitionCount; ++p) {
        for (const QByteArray &readyAt : seconds[size_t(p)]) {
            c.append({ "SCARD", RedisKeys::readySet(readyAt, p) });
            c.append({ "GET", RedisKeys::valuesCounter(readyAt, p) });
        }
    }
    if (c.pending() > 0)
        ++m_roundTrips;
    for (int p = 0; p < m_partitionCount; ++p) {
        PartitionState &state = stats.partitions[p];
        for (const QByteArray &readyAt : seconds[size_t(p)]) {
            const RedisReply members = c.next();
            const RedisReply values = members ? c.next() : nullptr;
            if (!values)
                return lost();
            const qint64 buckets = replyInt(members.get()).value_or(0);
            state.waitingBuckets += buckets;
            qint64 second = 0;
            if (nowSecs
                && std::from_chars(readyAt.cbegin(), readyAt.cend(), second).ec == std::errc()
                && second <= *nowSecs) {
                state.readyBuckets += buckets;
            }
            stats.buckets += buckets;
            stats.values += replyInt(values.get()).value_or(0);
        }
    }
    if (bad)
        markOutcome(false, QStringLiteral("redis: unexpected reply to stats"));
    else
        succeeded(c);
    stats.healthy = m_healthy.load();
    return stats;
}

std::vector<Bucket> RedisStore::peek(int limit)
{
    QMutexLocker lock(&m_peekMutex);
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (m_peekAtMs >= 0 && nowMs - m_peekAtMs < kPeekIntervalMs && nowMs >= m_peekAtMs)
        return std::vector<Bucket>(m_peeked.begin(),
                                   m_peeked.begin() + std::min<ptrdiff_t>(limit, ptrdiff_t(m_peeked.size())));
    std::vector<Bucket> out;
    for (int p = 0; p < m_partitionCount && int(out.size()) < limit; ++p) {
        StoreResult<std::vector<Bucket>> read
            = readReady(p, std::numeric_limits<qint64>::max(), limit - int(out.size()));
        if (!read.ok())
            break;
        std::move(read.value->begin(), read.value->end(), std::back_inserter(out));
    }
    m_peekAtMs = nowMs;
    m_peeked = out;
    return out;
}

} // namespace l2met
