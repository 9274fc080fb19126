#include "store/redisstore.h"

#include "store/redisconnection.h"
#include "store/redisscripts.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

Q_LOGGING_CATEGORY(lcRedis, "l2met.store.redis")

namespace l2met {

namespace {

constexpr int kMaxTakeRounds = 10000; // 10M buckets of one partition in one take
constexpr qint64 kHealthPingMs = 1000;

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Key names (the layout is in the header).
const QByteArray kBucketPrefix = QByteArrayLiteral("l2met:b:");
const QByteArray kReadyPrefix = QByteArrayLiteral("l2met:ready:");
const QByteArray kValuesPrefix = QByteArrayLiteral("l2met:values:");
const QByteArray kPutTokenPrefix = QByteArrayLiteral("l2met:put:");

QByteArray partitionSuffix(int partition)
{
    return ':' + QByteArray::number(partition);
}

QByteArray readyKey(QByteArrayView readyAt, int partition)
{
    return kReadyPrefix + readyAt + partitionSuffix(partition);
}

QByteArray valuesKey(QByteArrayView readyAt, int partition)
{
    return kValuesPrefix + readyAt + partitionSuffix(partition);
}

QByteArray readyIndexKey(int partition)
{
    return QByteArrayLiteral("l2met:readyz:") + QByteArray::number(partition);
}

QByteArray lockKey(int partition)
{
    return QByteArrayLiteral("l2met:lock:") + QByteArray::number(partition);
}

// The values of a bucket in the order its list keeps them: compacted values
// expanded (Bucket::maybeCompact folds repeats into counts; the list holds
// one decimal per value, SPEC section 6), then the raw values in arrival
// order. When the bucket ends with compacted values, one occurrence of its
// last value moves to the end, so that the list's last element is still the
// value received last (what a sample bucket reports).
std::vector<double> listValues(const Bucket &bucket)
{
    std::vector<double> values = bucket.expandedValues();
    if (bucket.values().empty() && !bucket.counts().empty()) {
        const quint64 last = std::bit_cast<quint64>(bucket.last());
        const auto it = std::find_if(values.begin(), values.end(), [last](double v) {
            return std::bit_cast<quint64>(v) == last;
        });
        if (it != values.end())
            std::rotate(it, it + 1, values.end());
    }
    return values;
}

bool isNoScript(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR && replyBytes(reply).startsWith("NOSCRIPT");
}

QString replyError(const QString &what, const redisReply *reply)
{
    return QStringLiteral("redis: %1 failed: %2")
        .arg(what,
             reply->type == REDIS_REPLY_ERROR ? replyText(reply)
                                              : QStringLiteral("unexpected reply"));
}

} // namespace

RedisStore::RedisStore(RedisUrl url, int partitions, Options options)
    : m_url(std::move(url))
    , m_partitionCount(partitions >= 1 ? partitions : 1)
    , m_options(options)
{
    Q_ASSERT(partitions >= 1);
    redisScript(RedisScript::Take); // hashed once, here rather than in a caller's hot path
    m_putNonce = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
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
    return std::make_unique<RedisStore>(*parsed, partitions, options);
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
    if (!m_url.password.isEmpty() || m_url.db != 0)
        ++m_roundTrips;
    if (!c.open(m_url, m_options.connectTimeoutMs, m_options.commandTimeoutMs, error)) {
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

StoreResult<qint64> RedisStore::runScript(RedisConnection &c, RedisScript script,
                                          const QByteArray &key, const QByteArray &arg1,
                                          const QByteArray &arg2)
{
    const RedisScriptText &s = redisScript(script);
    for (const bool bySha : { true, false }) {
        const QByteArrayView verb = bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL");
        const QByteArray &code = bySha ? s.sha : s.body;
        ++m_roundTrips;
        const RedisReply reply = arg2.isNull() ? c.command({ verb, code, "1", key, arg1 })
                                               : c.command({ verb, code, "1", key, arg1, arg2 });
        if (!reply) {
            const QString error = c.error();
            fail(c, error);
            return StoreResult<qint64>::failure(error);
        }
        if (bySha && isNoScript(reply.get()))
            continue;
        if (reply->type != REDIS_REPLY_INTEGER) {
            const QString error = replyError(QStringLiteral("script"), reply.get());
            markOutcome(false, error);
            return StoreResult<qint64>::failure(error);
        }
        succeeded(c);
        return StoreResult<qint64>::success(reply->integer);
    }
    Q_UNREACHABLE();
    return StoreResult<qint64>::failure(QString());
}

StoreResult<bool> RedisStore::put(const std::vector<Bucket> &buckets, size_t *written, quint64 batch)
{
    size_t done = 0; // leading buckets stored (an empty one counts: nothing to file)
    const auto skipEmpty = [&buckets](size_t from, size_t to) {
        while (from < to && buckets[from].isEmpty())
            ++from;
        return from;
    };
    const auto finish = [&done, written](StoreResult<bool> result) {
        if (written)
            *written = done;
        return result;
    };
    done = skipEmpty(0, buckets.size());
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

    // Shortest round-trip decimals; to_chars(double) needs at most 24
    // characters ("-2.2250738585072014e-308").
    constexpr size_t kWidth = 32;
    char number[kWidth];
    const RedisScriptText &script = redisScript(RedisScript::Put);
    const QByteArray tokenTtl = QByteArray::number(kPutTokenSeconds);
    // One Put script per chunk (kPutChunk buckets or kPutChunkValues values
    // at most; a bigger bucket spans chunks), under a token that names the
    // chunk (this process, the batch, where it starts): a chunk whose answer
    // was lost and that Redis ran after all (it was paused, or slow past the
    // command timeout) is not written twice by the retry. The chunks are a
    // function of where the put starts, and `done` only moves to a chunk
    // boundary that is also a bucket boundary, so a retry from `done` makes
    // the same chunks under the same tokens.
    std::vector<double> values; // of buckets[valuesOf]
    size_t valuesOf = buckets.size();
    size_t at = done; // the next chunk starts at value `part` of buckets[at]
    size_t part = 0;
    while (at < buckets.size()) {
        const QByteArray token = kPutTokenPrefix + m_putNonce + ':' + QByteArray::number(batch, 16) + ':'
            + QByteArray::number(fnv1a64(buckets[at].id().encode()), 16) + ':' + QByteArray::number(part);
        // The script's arguments, in one buffer (the connection keeps views
        // until the command is formatted). Not runScripts(): its QByteArray
        // per argument would be an allocation per value.
        QByteArray arena;
        std::vector<std::pair<qsizetype, qsizetype>> spans;
        const auto add = [&arena, &spans](QByteArrayView v) {
            spans.emplace_back(arena.size(), v.size());
            arena.append(v);
        };
        add(token);
        add(tokenTtl);
        int inChunk = 0;
        size_t valuesInChunk = 0;
        while (at < buckets.size() && inChunk < kPutChunk && valuesInChunk < kPutChunkValues) {
            const Bucket &bucket = buckets[at];
            if (bucket.isEmpty()) {
                ++at;
                continue;
            }
            if (valuesOf != at) {
                values = listValues(bucket);
                valuesOf = at;
            }
            const size_t take = std::min(values.size() - part, kPutChunkValues - valuesInChunk);
            ++inChunk;
            valuesInChunk += take;
            const BucketId &id = bucket.id();
            Q_ASSERT(id.resolution > 0);
            const int partition = id.partition(m_partitionCount);
            const QByteArray encoded = id.encode();
            const QByteArray readyAt = QByteArray::number(id.readyAt());
            add(QByteArray(kBucketPrefix + encoded));
            add(readyKey(readyAt, partition));
            add(valuesKey(readyAt, partition));
            add(readyIndexKey(partition));
            add(encoded);
            add(readyAt);
            add(QByteArray::number(std::max(id.readyAt(), *serverNow.value) + kExpirySeconds));
            add(QByteArray::number(qint64(take)));
            for (size_t i = part; i < part + take; ++i) {
                const std::to_chars_result r = std::to_chars(number, number + kWidth, values[i]);
                Q_ASSERT(r.ec == std::errc());
                add(QByteArrayView(number, r.ptr - number));
            }
            part += take;
            if (part == values.size()) {
                ++at;
                part = 0;
            }
        }
        const auto send = [&](bool bySha) {
            c.begin();
            c.arg(bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL"));
            c.arg(bySha ? script.sha : script.body);
            c.arg("1");
            for (const auto &[offset, size] : spans)
                c.arg(QByteArrayView(arena.constData() + offset, size));
            c.end();
            ++m_roundTrips;
            return c.next();
        };
        RedisReply reply = send(true);
        if (reply && isNoScript(reply.get()))
            reply = send(false);
        if (!reply) {
            error = c.error();
            fail(c, error);
            return finish(StoreResult<bool>::failure(error));
        }
        if (reply->type != REDIS_REPLY_INTEGER) {
            const QString failure = QStringLiteral("redis: bucket write failed: ") + replyText(reply.get());
            markOutcome(false, failure);
            return finish(StoreResult<bool>::failure(failure));
        }
        if (reply->integer == 0)
            ++m_putsAlreadyApplied;
        if (part == 0)
            done = skipEmpty(at, buckets.size());
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

StoreResult<bool> RedisStore::lockPartition(int partition, const QByteArray &owner, int ttlMs)
{
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    const StoreResult<qint64> result
        = runScript(c, RedisScript::Lock, lockKey(partition), owner, QByteArray::number(ttlMs));
    if (!result.ok())
        return StoreResult<bool>::failure(result.error.message);
    return StoreResult<bool>::success(*result.value == 1);
}

StoreResult<bool> RedisStore::unlockPartition(int partition, const QByteArray &owner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));
    if (owner.isEmpty())
        return StoreResult<bool>::success(false); // nobody holds a lock as ""

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    const StoreResult<qint64> result = runScript(c, RedisScript::Unlock, lockKey(partition), owner);
    if (!result.ok())
        return StoreResult<bool>::failure(result.error.message);
    return StoreResult<bool>::success(*result.value == 1);
}

StoreResult<bool> RedisStore::refreshLock(int partition, const QByteArray &owner, int ttlMs)
{
    if (const QString error = lockArgumentsError(partition, owner, ttlMs); !error.isEmpty())
        return StoreResult<bool>::failure(error);

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    const StoreResult<qint64> result
        = runScript(c, RedisScript::Refresh, lockKey(partition), owner, QByteArray::number(ttlMs));
    if (!result.ok())
        return StoreResult<bool>::failure(result.error.message);
    return StoreResult<bool>::success(*result.value == 1);
}

std::vector<RedisReply> RedisStore::runScripts(RedisConnection &c, RedisScript script, int keys,
                                               const std::vector<std::vector<QByteArray>> &calls,
                                               QString *error)
{
    const RedisScriptText &text = redisScript(script);
    const QByteArray keyCount = QByteArray::number(keys);
    std::vector<RedisReply> replies(calls.size());
    std::vector<size_t> pending(calls.size());
    for (size_t i = 0; i < calls.size(); ++i)
        pending[i] = i;
    for (const bool bySha : { true, false }) {
        for (const size_t i : pending) {
            c.begin();
            c.arg(bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL"));
            c.arg(bySha ? text.sha : text.body);
            c.arg(keyCount);
            for (const QByteArray &arg : calls[i])
                c.arg(arg);
            c.end();
        }
        ++m_roundTrips;
        std::vector<size_t> unknown; // NOSCRIPT: nothing ran; sent again by EVAL
        for (const size_t i : pending) {
            RedisReply reply = c.next();
            if (!reply) {
                *error = c.error();
                while (c.pending() > 0)
                    c.next(); // a broken connection answers nullptr at once
                fail(c, *error);
                return {};
            }
            if (bySha && isNoScript(reply.get()))
                unknown.push_back(i);
            else
                replies[i] = std::move(reply);
        }
        pending.swap(unknown);
        if (pending.empty())
            break;
    }
    return replies;
}

bool RedisStore::collectTaken(const redisReply *reply, std::vector<Bucket> &taken, qint64 *left)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 1)
        return false;
    *left = replyInt(reply->element[0]).value_or(0);
    for (size_t i = 1; i + 1 < reply->elements; i += 2) {
        const redisReply *idReply = reply->element[i];
        const redisReply *valuesReply = reply->element[i + 1];
        std::optional<BucketId> id;
        if (idReply->type == REDIS_REPLY_STRING)
            id = BucketId::decode(replyBytes(idReply));
        if (!id || valuesReply->type != REDIS_REPLY_ARRAY) {
            ++m_skipped;
            continue;
        }
        std::vector<double> values;
        values.reserve(valuesReply->elements);
        for (size_t v = 0; v < valuesReply->elements; ++v) {
            const redisReply *value = valuesReply->element[v];
            double parsed = 0;
            const char *end = value->str + value->len;
            if (value->type != REDIS_REPLY_STRING
                || std::from_chars(value->str, end, parsed).ptr != end) {
                ++m_skipped;
                continue;
            }
            values.push_back(parsed);
        }
        if (values.empty()) {
            ++m_skipped; // its list expired (or held nothing usable)
            continue;
        }
        taken.emplace_back(std::move(*id), std::move(values));
    }
    return true;
}

StoreResult<std::vector<Bucket>> RedisStore::takeReady(int partition, qint64 upTo)
{
    using Result = StoreResult<std::vector<Bucket>>;
    if (!validPartition(partition))
        return Result::failure(QStringLiteral("partition %1 out of range").arg(partition));

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return Result::failure(error);

    // Every ready second of the partition up to upTo, missed ones included.
    const QByteArray index = readyIndexKey(partition);
    std::vector<QByteArray> pending;
    {
        ++m_roundTrips;
        const RedisReply reply
            = c.command({ "ZRANGEBYSCORE", index, "-inf", QByteArray::number(upTo) });
        if (!reply) {
            error = c.error();
            fail(c, error);
            return Result::failure(error);
        }
        if (reply->type != REDIS_REPLY_ARRAY) {
            error = replyError(QStringLiteral("ZRANGEBYSCORE"), reply.get());
            markOutcome(false, error);
            return Result::failure(error);
        }
        for (size_t i = 0; i < reply->elements; ++i)
            pending.emplace_back(replyBytes(reply->element[i]).toByteArray());
    }

    // Rounds of one pipelined script call per second still holding ids.
    const RedisScriptText &take = redisScript(RedisScript::Take);
    const QByteArray chunk = QByteArray::number(kTakeChunk);
    std::vector<Bucket> taken;
    bool bySha = true;
    bool broken = false;
    std::vector<QByteArray> again;
    for (int round = 0; !pending.empty() && error.isEmpty() && round < kMaxTakeRounds; ++round) {
        for (const QByteArray &readyAt : pending) {
            c.append({ bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL"),
                       bySha ? take.sha : take.body, "3", readyKey(readyAt, partition), index,
                       valuesKey(readyAt, partition), readyAt, chunk, kBucketPrefix });
        }
        ++m_roundTrips;
        again.clear();
        for (const QByteArray &readyAt : pending) {
            const RedisReply reply = c.next();
            if (!reply) {
                error = c.error();
                broken = true;
                break;
            }
            qint64 left = 0;
            if (isNoScript(reply.get())) {
                bySha = false; // nothing ran; the next round sends the body
                again.push_back(readyAt);
            } else if (!collectTaken(reply.get(), taken, &left)) {
                if (error.isEmpty())
                    error = replyError(QStringLiteral("take"), reply.get());
            } else if (left > 0) {
                again.push_back(readyAt);
            }
        }
        pending.swap(again);
    }

    if (error.isEmpty()) {
        succeeded(c);
        return Result::success(std::move(taken));
    }
    if (broken)
        fail(c, error);
    else
        markOutcome(false, error);
    if (taken.empty())
        return Result::failure(error);
    // These buckets are gone from Redis: hand them over rather than lose
    // them; what is left is taken by a later call.
    qCWarning(lcRedis).noquote() << QStringLiteral(
                                        "at=redis.take partition=%1 taken=%2 error=\"%3\"")
                                        .arg(partition)
                                        .arg(taken.size())
                                        .arg(error);
    return Result::success(std::move(taken));
}

StoreResult<std::vector<Bucket>> RedisStore::readReady(int partition, qint64 upTo, int limit)
{
    using Result = StoreResult<std::vector<Bucket>>;
    if (!validPartition(partition))
        return Result::failure(QStringLiteral("partition %1 out of range").arg(partition));
    if (limit < 1)
        return Result::failure(QStringLiteral("read limit must be positive"));

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return Result::failure(error);

    const QByteArray suffix = partitionSuffix(partition);
    std::vector<RedisReply> replies
        = runScripts(c, RedisScript::Read, 1,
                     { { readyIndexKey(partition), QByteArray::number(upTo),
                         QByteArray::number(limit), kBucketPrefix, kReadyPrefix, suffix } },
                     &error);
    if (replies.empty())
        return Result::failure(error);
    const redisReply *reply = replies.front().get();
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 3 != 0) {
        error = replyError(QStringLiteral("read"), reply);
        markOutcome(false, error);
        return Result::failure(error);
    }

    // What cannot be delivered is removed here, or it would be read again on
    // every pass: members that are not ids or have no list left (expired),
    // and elements that are not numbers. They count as skipped.
    std::vector<QByteArray> cleanup; // (second, id, n) triples for the Acknowledge script
    std::vector<std::vector<QByteArray>> drops; // DropJunk calls
    std::vector<size_t> dropsOf; // index in read of each drop's bucket
    std::vector<Bucket> read;
    read.reserve(reply->elements / 3);
    for (size_t i = 0; i + 2 < reply->elements; i += 3) {
        const redisReply *atReply = reply->element[i];
        const redisReply *idReply = reply->element[i + 1];
        const redisReply *valuesReply = reply->element[i + 2];
        if (atReply->type != REDIS_REPLY_STRING || idReply->type != REDIS_REPLY_STRING
            || valuesReply->type != REDIS_REPLY_ARRAY) {
            ++m_skipped;
            continue;
        }
        const QByteArray at = replyBytes(atReply).toByteArray();
        const QByteArray encoded = replyBytes(idReply).toByteArray();
        std::optional<BucketId> id = BucketId::decode(encoded);
        if (!id) {
            ++m_skipped;
            cleanup.insert(cleanup.end(),
                           { at, encoded, QByteArray::number(qint64(valuesReply->elements)) });
            continue;
        }
        std::vector<double> values;
        values.reserve(valuesReply->elements);
        std::map<QByteArray, qint64> junk;
        for (size_t v = 0; v < valuesReply->elements; ++v) {
            const redisReply *value = valuesReply->element[v];
            double parsed = 0;
            const char *end = value->str + value->len;
            if (value->type != REDIS_REPLY_STRING
                || std::from_chars(value->str, end, parsed).ptr != end) {
                ++m_skipped;
                ++junk[replyBytes(value).toByteArray()];
                continue;
            }
            values.push_back(parsed);
        }
        if (values.empty()) {
            // Gone (expired), or nothing but junk: remove all of it.
            ++m_skipped;
            cleanup.insert(cleanup.end(),
                           { at, encoded, QByteArray::number(qint64(valuesReply->elements)) });
            continue;
        }
        const QByteArray list = kBucketPrefix + encoded;
        const QByteArray counter = kValuesPrefix + at + suffix;
        for (const auto &[element, count] : junk) {
            drops.push_back({ list, counter, element, QByteArray::number(count) });
            dropsOf.push_back(read.size());
        }
        read.emplace_back(std::move(*id), std::move(values));
    }

    if (!drops.empty() || !cleanup.empty()) {
        std::vector<bool> keep(read.size(), true);
        if (!drops.empty()) {
            const std::vector<RedisReply> dropped
                = runScripts(c, RedisScript::DropJunk, 2, drops, &error);
            for (size_t d = 0; d < drops.size(); ++d) {
                // Not dropped: its values no longer start where the read
                // says; it is read again next time.
                if (dropped.empty() || dropped[d]->type != REDIS_REPLY_INTEGER)
                    keep[dropsOf[d]] = false;
            }
        }
        if (!cleanup.empty() && c.isOpen()) {
            std::vector<QByteArray> call { lockKey(partition), readyIndexKey(partition), {},
                                           kBucketPrefix, kReadyPrefix, kValuesPrefix, suffix };
            call.insert(call.end(), cleanup.begin(), cleanup.end());
            const std::vector<RedisReply> cleaned
                = runScripts(c, RedisScript::Acknowledge, 2, { call }, &error);
            if (!cleaned.empty() && cleaned.front()->type != REDIS_REPLY_INTEGER)
                error = replyError(QStringLiteral("cleanup"), cleaned.front().get());
        }
        if (std::find(keep.begin(), keep.end(), false) != keep.end()) {
            std::vector<Bucket> kept;
            for (size_t b = 0; b < read.size(); ++b) {
                if (keep[b])
                    kept.push_back(std::move(read[b]));
            }
            read.swap(kept);
        }
        if (!error.isEmpty()) {
            qCWarning(lcRedis).noquote()
                << QStringLiteral("at=redis.read partition=%1 cleanup=failed error=\"%2\"")
                       .arg(partition)
                       .arg(error);
        }
    }
    if (c.isOpen())
        succeeded(c);
    return Result::success(std::move(read));
}

StoreResult<bool> RedisStore::acknowledge(int partition, const std::vector<Bucket> &read,
                                          const QByteArray &lockOwner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));
    if (read.empty())
        return StoreResult<bool>::success(true);

    RedisConnection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);

    // One script call per kTakeChunk buckets, pipelined; each checks the lock.
    const std::vector<QByteArray> head { lockKey(partition), readyIndexKey(partition), lockOwner,
                                         kBucketPrefix, kReadyPrefix, kValuesPrefix,
                                         partitionSuffix(partition) };
    std::vector<std::vector<QByteArray>> calls;
    // The ready set is the one of the partition given, where the read found
    // the id (a fleet whose processes disagree on -partitions files ids
    // elsewhere than hash(id) mod partitions says).
    for (const Bucket &bucket : read) {
        const BucketId &id = bucket.id();
        if (calls.empty() || calls.back().size() >= head.size() + 3 * size_t(kTakeChunk))
            calls.push_back(head);
        calls.back().insert(calls.back().end(),
                            { QByteArray::number(id.readyAt()), id.encode(),
                              QByteArray::number(bucket.valueCount()) });
    }
    const std::vector<RedisReply> replies
        = runScripts(c, RedisScript::Acknowledge, 2, calls, &error);
    if (replies.empty())
        return StoreResult<bool>::failure(error);
    bool held = true;
    for (const RedisReply &reply : replies) {
        if (reply->type != REDIS_REPLY_INTEGER) {
            if (error.isEmpty())
                error = replyError(QStringLiteral("acknowledge"), reply.get());
        } else if (reply->integer < 0) {
            held = false;
        }
    }
    if (!error.isEmpty()) {
        markOutcome(false, error);
        return StoreResult<bool>::failure(error);
    }
    succeeded(c);
    return StoreResult<bool>::success(held);
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
        m_healthThread = QThread::create([this] { healthLoop(); });
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
        const QByteArray lock = lockKey(p);
        c.append({ "ZRANGE", readyIndexKey(p), "0", "-1" });
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
            c.append({ "SCARD", readyKey(readyAt, p) });
            c.append({ "GET", valuesKey(readyAt, p) });
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
