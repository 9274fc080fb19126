#include "store/redisstore.h"

#include "store/redisbucketcodec.h"
#include "store/redisconnection.h"
#include "store/rediskeys.h"
#include "store/redisscripts.h"

#include <QLoggingCategory>

#include <algorithm>
#include <utility>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

// RedisStore, part two: reading, acknowledging and taking (the layout and
// the scripts they run are in redisstore.h and redisscripts.h).

namespace l2met {

namespace {

constexpr int kMaxTakeRounds = 10000; // 10M buckets of one partition in one take

// The arguments of an Acknowledge call before its (second, id, n) triples.
std::vector<QByteArray> acknowledgeHead(int partition, const QByteArray &lockOwner)
{
    return { RedisKeys::lock(partition),
             RedisKeys::readyIndex(partition),
             lockOwner,
             RedisKeys::bucketPrefix(),
             RedisKeys::readySetPrefix(),
             RedisKeys::valuesCounterPrefix(),
             RedisKeys::partitionSuffix(partition),
             RedisKeys::sketchPrefix() };
}

} // namespace

// What one Read script answered, decoded, and what it found undeliverable.
struct RedisStore::ReadPass
{
    std::vector<Bucket> buckets;
    std::vector<QByteArray> cleanup; // (second, id, n) triples for the Acknowledge script
    std::vector<std::vector<QByteArray>> drops; // DropJunk calls
    std::vector<size_t> dropsOf; // index in buckets of each drop's bucket
};

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

    std::vector<RedisReply> replies;
    if (!runScripts(c, RedisScript::Read, 1,
                    { { RedisKeys::readyIndex(partition), QByteArray::number(upTo),
                        QByteArray::number(limit), RedisKeys::bucketPrefix(),
                        RedisKeys::readySetPrefix(), RedisKeys::partitionSuffix(partition),
                        RedisKeys::sketchPrefix(), RedisBucketCodec::sketchMarker() } },
                    &replies, &error)) {
        return Result::failure(error);
    }
    const redisReply *reply = replies.front().get();
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 3 != 0) {
        error = replyError(QStringLiteral("read"), reply);
        markOutcome(false, error);
        return Result::failure(error);
    }
    ReadPass pass = decodeRead(reply, partition);
    if (!pass.drops.empty() || !pass.cleanup.empty())
        removeUndeliverable(c, partition, pass);
    if (c.isOpen())
        succeeded(c);
    return Result::success(std::move(pass.buckets));
}

RedisStore::ReadPass RedisStore::decodeRead(const redisReply *reply, int partition)
{
    // What cannot be delivered is removed by removeUndeliverable(), or it
    // would be read again on every pass: members that are not ids or have no
    // list left (expired), and elements that are not numbers. They count as
    // skipped.
    ReadPass pass;
    pass.buckets.reserve(reply->elements / 3);
    for (size_t i = 0; i + 2 < reply->elements; i += 3) {
        const redisReply *atReply = reply->element[i];
        RedisBucketReply bucket
            = RedisBucketCodec::decode(reply->element[i + 1], reply->element[i + 2]);
        if (atReply->type != REDIS_REPLY_STRING || !bucket.wellFormed) {
            ++m_skipped;
            continue;
        }
        const QByteArray at = replyBytes(atReply).toByteArray();
        m_skipped += quint64(bucket.junkCount);
        if (!bucket.id || (bucket.values.empty() && bucket.sketchElements == 0)) {
            // Not an id, gone (expired), or nothing but junk: remove all of it.
            ++m_skipped;
            pass.cleanup.insert(pass.cleanup.end(),
                                { at, bucket.encodedId, QByteArray::number(bucket.elements) });
            continue;
        }
        for (const auto &[element, count] : bucket.junk) {
            pass.drops.push_back({ RedisKeys::bucket(bucket.encodedId),
                                   RedisKeys::valuesCounter(at, partition), element,
                                   QByteArray::number(count) });
            pass.dropsOf.push_back(pass.buckets.size());
        }
        pass.buckets.push_back(RedisBucketCodec::toBucket(std::move(bucket)));
    }
    return pass;
}

void RedisStore::removeUndeliverable(RedisConnection &c, int partition, ReadPass &pass)
{
    QString error;
    std::vector<bool> keep(pass.buckets.size(), true);
    if (!pass.drops.empty()) {
        std::vector<RedisReply> dropped;
        const bool answered = runScripts(c, RedisScript::DropJunk, 2, pass.drops, &dropped, &error);
        for (size_t d = 0; d < pass.drops.size(); ++d) {
            // Not dropped: its values no longer start where the read says;
            // it is read again next time.
            if (!answered || dropped[d]->type != REDIS_REPLY_INTEGER)
                keep[pass.dropsOf[d]] = false;
        }
    }
    if (!pass.cleanup.empty() && c.isOpen()) {
        // An Acknowledge without a lock owner: these are nobody's delivery.
        std::vector<QByteArray> call = acknowledgeHead(partition, {});
        call.insert(call.end(), pass.cleanup.begin(), pass.cleanup.end());
        std::vector<RedisReply> cleaned;
        if (runScripts(c, RedisScript::Acknowledge, 2, { call }, &cleaned, &error)
            && cleaned.front()->type != REDIS_REPLY_INTEGER) {
            error = replyError(QStringLiteral("cleanup"), cleaned.front().get());
        }
    }
    if (std::find(keep.begin(), keep.end(), false) != keep.end()) {
        std::vector<Bucket> kept;
        for (size_t b = 0; b < pass.buckets.size(); ++b) {
            if (keep[b])
                kept.push_back(std::move(pass.buckets[b]));
        }
        pass.buckets.swap(kept);
    }
    if (!error.isEmpty()) {
        qCWarning(lcRedis).noquote()
            << QStringLiteral("at=redis.read partition=%1 cleanup=failed error=\"%2\"")
                   .arg(partition)
                   .arg(error);
    }
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
    // The ready set is the one of the partition given, where the read found
    // the id (a fleet whose processes disagree on -partitions files ids
    // elsewhere than hash(id) mod partitions says).
    const std::vector<QByteArray> head = acknowledgeHead(partition, lockOwner);
    std::vector<std::vector<QByteArray>> calls;
    for (const Bucket &bucket : read) {
        const BucketId &id = bucket.id();
        if (calls.empty() || calls.back().size() >= head.size() + 3 * size_t(kTakeChunk))
            calls.push_back(head);
        calls.back().insert(calls.back().end(),
                            { QByteArray::number(id.readyAt()), id.encode(),
                              QByteArray::number(bucket.valueCount()) });
    }
    std::vector<RedisReply> replies;
    if (!runScripts(c, RedisScript::Acknowledge, 2, calls, &replies, &error))
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

std::optional<std::vector<QByteArray>> RedisStore::readySeconds(RedisConnection &c, int partition,
                                                                qint64 upTo, QString *error)
{
    ++m_roundTrips;
    const RedisReply reply = c.command(
        { "ZRANGEBYSCORE", RedisKeys::readyIndex(partition), "-inf", QByteArray::number(upTo) });
    if (!reply) {
        *error = c.error();
        fail(c, *error);
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        *error = replyError(QStringLiteral("ZRANGEBYSCORE"), reply.get());
        markOutcome(false, *error);
        return std::nullopt;
    }
    std::vector<QByteArray> seconds;
    for (size_t i = 0; i < reply->elements; ++i)
        seconds.emplace_back(replyBytes(reply->element[i]).toByteArray());
    return seconds;
}

bool RedisStore::collectTaken(const redisReply *reply, std::vector<Bucket> &taken, qint64 *left)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 1)
        return false;
    *left = replyInt(reply->element[0]).value_or(0);
    for (size_t i = 1; i + 1 < reply->elements; i += 2) {
        RedisBucketReply bucket
            = RedisBucketCodec::decode(reply->element[i], reply->element[i + 1]);
        if (!bucket.wellFormed || !bucket.id) {
            ++m_skipped;
            continue;
        }
        m_skipped += quint64(bucket.junkCount);
        if (bucket.values.empty() && bucket.sketchElements == 0) {
            ++m_skipped; // its list expired (or held nothing usable)
            continue;
        }
        taken.push_back(RedisBucketCodec::toBucket(std::move(bucket)));
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
    std::optional<std::vector<QByteArray>> pending = readySeconds(c, partition, upTo, &error);
    if (!pending)
        return Result::failure(error);

    // Rounds of one pipelined script call per second still holding ids.
    std::vector<Bucket> taken;
    bool answered = true;
    for (int round = 0; answered && !pending->empty() && error.isEmpty() && round < kMaxTakeRounds;
         ++round) {
        std::vector<std::vector<QByteArray>> calls;
        for (const QByteArray &readyAt : *pending) {
            calls.push_back({ RedisKeys::readySet(readyAt, partition),
                              RedisKeys::readyIndex(partition),
                              RedisKeys::valuesCounter(readyAt, partition), readyAt,
                              QByteArray::number(kTakeChunk), RedisKeys::bucketPrefix(),
                              RedisKeys::sketchPrefix(), RedisBucketCodec::sketchMarker() });
        }
        std::vector<RedisReply> replies;
        answered = runScripts(c, RedisScript::Take, 3, calls, &replies, &error);
        std::vector<QByteArray> again;
        for (size_t i = 0; i < replies.size(); ++i) {
            if (!replies[i])
                continue; // the connection broke before its answer
            qint64 left = 0;
            if (!collectTaken(replies[i].get(), taken, &left)) {
                if (error.isEmpty())
                    error = replyError(QStringLiteral("take"), replies[i].get());
            } else if (left > 0) {
                again.push_back((*pending)[i]);
            }
        }
        pending->swap(again);
    }

    if (error.isEmpty()) {
        succeeded(c);
        return Result::success(std::move(taken));
    }
    if (answered)
        markOutcome(false, error); // else runScripts() failed the connection
    if (taken.empty())
        return Result::failure(error);
    // These buckets are gone from Redis: hand them over rather than lose
    // them; what is left is taken by a later call.
    qCWarning(lcRedis).noquote()
        << QStringLiteral("at=redis.take partition=%1 taken=%2 error=\"%3\"")
               .arg(partition)
               .arg(taken.size())
               .arg(error);
    return Result::success(std::move(taken));
}

} // namespace l2met
