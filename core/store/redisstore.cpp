#include "store/redisstore.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QThread>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <sys/time.h>
#include <utility>

Q_LOGGING_CATEGORY(lcRedis, "l2met.store.redis")

namespace l2met {

namespace {

constexpr int kRepliesPerBucket = 9; // MULTI, 7 x QUEUED, EXEC
constexpr int kCommandsInMulti = 7;
constexpr int kMaxTakeRounds = 10000; // 10M buckets of one partition in one take
constexpr qint64 kHealthPingMs = 1000;

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

timeval toTimeval(int ms)
{
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

struct ReplyDeleter
{
    void operator()(redisReply *reply) const
    {
        if (reply)
            freeReplyObject(reply);
    }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

QByteArrayView bytes(const redisReply *reply)
{
    return QByteArrayView(reply->str, qsizetype(reply->len));
}

QString text(const redisReply *reply)
{
    return QString::fromUtf8(reply->str, qsizetype(reply->len));
}

std::optional<qint64> toInt(QByteArrayView digits)
{
    qint64 value = 0;
    const char *end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (ec != std::errc() || ptr != end || digits.isEmpty())
        return std::nullopt;
    return value;
}

// An integer reply, or a string reply holding one (TIME, GET of a counter).
std::optional<qint64> toInt(const redisReply *reply)
{
    if (reply->type == REDIS_REPLY_INTEGER)
        return reply->integer;
    if (reply->type == REDIS_REPLY_STRING)
        return toInt(bytes(reply));
    return std::nullopt;
}

// Key names (see the layout in the header).
const QByteArray kBucketPrefix = QByteArrayLiteral("l2met:b:");

QByteArray bucketKey(const QByteArray &encoded)
{
    return kBucketPrefix + encoded;
}

QByteArray readyKey(QByteArrayView readyAt, int partition)
{
    return QByteArrayLiteral("l2met:ready:") + readyAt + ':' + QByteArray::number(partition);
}

QByteArray valuesKey(QByteArrayView readyAt, int partition)
{
    return QByteArrayLiteral("l2met:values:") + readyAt + ':' + QByteArray::number(partition);
}

QByteArray readyIndexKey(int partition)
{
    return QByteArrayLiteral("l2met:readyz:") + QByteArray::number(partition);
}

QByteArray lockKey(int partition)
{
    return QByteArrayLiteral("l2met:lock:") + QByteArray::number(partition);
}

// Lua scripts, run by EVALSHA (EVAL when the server does not know them yet:
// a restarted Redis or SCRIPT FLUSH).
enum ScriptId { LockScript, UnlockScript, TakeScript, ScriptCount };

struct Script
{
    QByteArray body;
    QByteArray sha;
};

const std::array<Script, ScriptCount> &scripts()
{
    static const std::array<Script, ScriptCount> all = [] {
        std::array<QByteArray, ScriptCount> bodies;
        // KEYS[1] lock; ARGV[1] owner, ARGV[2] ttl ms. 1 = held by owner now.
        bodies[LockScript] = QByteArrayLiteral(
            "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end\n"
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
            "  return 1\n"
            "end\n"
            "return 0\n");
        // KEYS[1] lock; ARGV[1] owner. 1 = released.
        bodies[UnlockScript] = QByteArrayLiteral(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
            "return 0\n");
        // KEYS[1] ready set, KEYS[2] ready index, KEYS[3] values counter;
        // ARGV[1] ready second (index member), ARGV[2] most ids to take,
        // ARGV[3] bucket key prefix. Returns {ids left, id, {values}, id,
        // {values}, ...}. A list that is gone or not a list gives no values.
        bodies[TakeScript] = QByteArrayLiteral(
            "local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))\n"
            "local out = {0}\n"
            "local taken = 0\n"
            "for _, id in ipairs(ids) do\n"
            "  local key = ARGV[3] .. id\n"
            "  local values = redis.pcall('LRANGE', key, 0, -1)\n"
            "  if type(values) ~= 'table' or values.err then values = {} end\n"
            "  redis.call('DEL', key)\n"
            "  taken = taken + #values\n"
            "  out[#out + 1] = id\n"
            "  out[#out + 1] = values\n"
            "end\n"
            "local left = redis.call('SCARD', KEYS[1])\n"
            "if left == 0 then\n"
            "  redis.call('DEL', KEYS[3])\n"
            "  redis.call('ZREM', KEYS[2], ARGV[1])\n"
            "elseif taken > 0 then\n"
            "  redis.call('DECRBY', KEYS[3], taken)\n"
            "end\n"
            "out[1] = left\n"
            "return out\n");
        std::array<Script, ScriptCount> result;
        for (int i = 0; i < ScriptCount; ++i) {
            result[size_t(i)].body = bodies[size_t(i)];
            result[size_t(i)].sha =
                QCryptographicHash::hash(bodies[size_t(i)], QCryptographicHash::Sha1).toHex();
        }
        return result;
    }();
    return all;
}

bool isNoScript(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR && bytes(reply).startsWith("NOSCRIPT");
}

// One command, one round trip. nullptr with *error on a connection failure
// (the connection is dropped and the store marked down); an error reply is
// returned as it is for the caller to judge.
Reply oneCommand(redisContext *context, std::initializer_list<QByteArrayView> args,
                        QString *error)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (QByteArrayView arg : args) {
        argv.push_back(arg.data() ? arg.data() : "");
        lengths.push_back(size_t(arg.size()));
    }
    void *reply = redisCommandArgv(context, int(argv.size()), argv.data(), lengths.data());
    if (!reply) {
        *error = QStringLiteral("redis: ")
            + (context->err ? QString::fromLocal8Bit(context->errstr) : QStringLiteral("no reply"));
        return nullptr;
    }
    return Reply(static_cast<redisReply *>(reply));
}

} // namespace

struct RedisStore::Connection
{
    redisContext *context = nullptr;
    qint64 retryAtMs = 0; // steady clock; no connect attempt before
    int backoffMs = 0; // 0 = the last exchange worked
    QString lastError;

    Connection() = default;
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    ~Connection()
    {
        if (context)
            redisFree(context);
    }
};

// Appends commands to the context's output buffer (hiredis copies the
// arguments at once, so they need to live only for the add() call); the
// first next() sends them all, then each next() reads one reply in order.
class RedisStore::Pipeline
{
public:
    explicit Pipeline(redisContext *context)
        : m_context(context)
    {
    }

    void add(std::initializer_list<QByteArrayView> args)
    {
        begin();
        for (QByteArrayView a : args)
            arg(a);
        end();
    }

    void begin()
    {
        m_argv.clear();
        m_lengths.clear();
    }
    void arg(QByteArrayView arg)
    {
        m_argv.push_back(arg.data() ? arg.data() : "");
        m_lengths.push_back(size_t(arg.size()));
    }
    void end()
    {
        if (redisAppendCommandArgv(m_context, int(m_argv.size()), m_argv.data(), m_lengths.data())
            != REDIS_OK) {
            m_appendFailed = true;
        }
        ++m_pending;
    }

    // The next reply; nullptr when the connection failed (see error()).
    Reply next()
    {
        Q_ASSERT(m_pending > 0);
        --m_pending;
        if (m_appendFailed)
            return nullptr;
        void *reply = nullptr;
        if (redisGetReply(m_context, &reply) != REDIS_OK || !reply)
            return nullptr;
        return Reply(static_cast<redisReply *>(reply));
    }

    QString error() const
    {
        if (m_appendFailed)
            return QStringLiteral("redis: out of memory building a command");
        if (m_context->err)
            return QStringLiteral("redis: ") + QString::fromLocal8Bit(m_context->errstr);
        return QStringLiteral("redis: no reply");
    }

private:
    redisContext *m_context;
    std::vector<const char *> m_argv;
    std::vector<size_t> m_lengths;
    int m_pending = 0;
    bool m_appendFailed = false;
};

RedisStore::RedisStore(RedisUrl url, int partitions, Options options)
    : m_url(std::move(url))
    , m_partitionCount(partitions >= 1 ? partitions : 1)
    , m_options(options)
{
    Q_ASSERT(partitions >= 1);
    scripts(); // hash them once, here rather than in the first caller's thread
}

RedisStore::RedisStore(RedisUrl url, int partitions)
    : RedisStore(std::move(url), partitions, Options())
{
}

std::unique_ptr<RedisStore> RedisStore::create(const QString &url, int partitions,
                                               QString *error, Options options)
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

RedisStore::Connection &RedisStore::connection()
{
    const std::thread::id self = std::this_thread::get_id();
    QMutexLocker lock(&m_connectionsMutex);
    std::unique_ptr<Connection> &slot = m_connections[self];
    if (!slot)
        slot = std::make_unique<Connection>();
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

void RedisStore::fail(Connection &c, const QString &error)
{
    if (c.context) {
        redisFree(c.context);
        c.context = nullptr;
    }
    c.backoffMs = c.backoffMs == 0 ? m_options.minBackoffMs
                                   : std::min(2 * c.backoffMs, m_options.maxBackoffMs);
    c.retryAtMs = steadyMs() + c.backoffMs;
    c.lastError = error;
    markOutcome(false, error);
}

void RedisStore::succeeded(Connection &c)
{
    c.backoffMs = 0;
    markOutcome(true, {});
}

bool RedisStore::ensureConnected(Connection &c, QString *error)
{
    if (c.context)
        return true;
    const qint64 wait = c.retryAtMs - steadyMs();
    if (wait > 0) {
        *error = c.lastError + QStringLiteral(" (next attempt in %1 ms)").arg(wait);
        return false;
    }

    ++m_connects;
    const QByteArray host = m_url.host.toUtf8();
    redisContext *context =
        redisConnectWithTimeout(host.constData(), m_url.port, toTimeval(m_options.connectTimeoutMs));
    if (!context || context->err) {
        *error = QStringLiteral("redis: cannot connect to %1: %2")
                     .arg(describe(),
                          context ? QString::fromLocal8Bit(context->errstr)
                                  : QStringLiteral("out of memory"));
        if (context)
            redisFree(context);
        fail(c, *error);
        return false;
    }
    c.context = context;
    if (redisSetTimeout(context, toTimeval(m_options.commandTimeoutMs)) != REDIS_OK
        || redisEnableKeepAlive(context) != REDIS_OK) {
        *error = QStringLiteral("redis: cannot set socket options: ")
            + QString::fromLocal8Bit(context->errstr);
        fail(c, *error);
        return false;
    }

    // AUTH with the password alone (the URL's user name is ignored, as in
    // l2met), then SELECT, in one round trip.
    Pipeline pipe(context);
    QList<QLatin1String> steps;
    if (!m_url.password.isEmpty()) {
        pipe.add({ "AUTH", m_url.password });
        steps.append(QLatin1String("AUTH"));
    }
    if (m_url.db != 0) {
        pipe.add({ "SELECT", QByteArray::number(m_url.db) });
        steps.append(QLatin1String("SELECT"));
    }
    if (!steps.isEmpty())
        ++m_roundTrips;
    for (const QLatin1String step : steps) {
        const Reply reply = pipe.next();
        if (!reply) {
            *error = pipe.error();
            fail(c, *error);
            return false;
        }
        if (reply->type == REDIS_REPLY_ERROR && error->isEmpty())
            *error = QStringLiteral("redis: %1 failed: %2").arg(step, text(reply.get()));
    }
    if (!error->isEmpty()) {
        fail(c, *error);
        return false;
    }
    return true;
}

StoreResult<qint64> RedisStore::redisTime(Connection &c)
{
    QString error;
    ++m_roundTrips;
    const Reply reply = oneCommand(c.context, { "TIME" }, &error);
    if (!reply) {
        fail(c, error);
        return StoreResult<qint64>::failure(error);
    }
    std::optional<qint64> seconds;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2)
        seconds = toInt(reply->element[0]);
    if (!seconds) {
        error = reply->type == REDIS_REPLY_ERROR ? QStringLiteral("redis: TIME failed: ") + text(reply.get())
                                                 : QStringLiteral("redis: unexpected reply to TIME");
        markOutcome(false, error);
        return StoreResult<qint64>::failure(error);
    }
    return StoreResult<qint64>::success(*seconds);
}

StoreResult<qint64> RedisStore::runScript(Connection &c, int script, const QByteArray &key,
                                          const QByteArray &arg1, const QByteArray &arg2)
{
    const Script &s = scripts()[size_t(script)];
    QString error;
    for (const bool bySha : { true, false }) {
        ++m_roundTrips;
        const QByteArray &code = bySha ? s.sha : s.body;
        const QByteArrayView verb = bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL");
        const Reply reply = arg2.isNull()
            ? oneCommand(c.context, { verb, code, "1", key, arg1 }, &error)
            : oneCommand(c.context, { verb, code, "1", key, arg1, arg2 }, &error);
        if (!reply) {
            fail(c, error);
            return StoreResult<qint64>::failure(error);
        }
        if (bySha && isNoScript(reply.get()))
            continue; // EVAL sends the body once; the server caches it
        if (reply->type != REDIS_REPLY_INTEGER) {
            error = reply->type == REDIS_REPLY_ERROR ? QStringLiteral("redis: script failed: ") + text(reply.get())
                                                     : QStringLiteral("redis: unexpected script reply");
            markOutcome(false, error);
            return StoreResult<qint64>::failure(error);
        }
        succeeded(c);
        return StoreResult<qint64>::success(reply->integer);
    }
    Q_UNREACHABLE();
    return StoreResult<qint64>::failure(QString());
}

StoreResult<bool> RedisStore::put(const std::vector<Bucket> &buckets, size_t *written)
{
    size_t done = 0; // leading buckets stored (empty ones count: nothing to file)
    const auto skipEmpty = [&buckets](size_t from, size_t to) {
        while (from < to && buckets[from].values().empty())
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

    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return finish(StoreResult<bool>::failure(error));
    // Expiry is relative to the server's clock, like readiness.
    const StoreResult<qint64> serverNow = redisTime(c);
    if (!serverNow.ok())
        return finish(StoreResult<bool>::failure(serverNow.error.message));

    std::vector<char> numbers;
    std::vector<size_t> sent; // indexes of the buckets in this chunk's pipeline
    size_t next = done;
    while (next < buckets.size()) {
        Pipeline pipe(c.context);
        sent.clear();
        for (; next < buckets.size() && sent.size() < size_t(kPutChunk); ++next) {
            const Bucket &bucket = buckets[next];
            const std::vector<double> &values = bucket.values();
            if (values.empty())
                continue;
            const BucketId &id = bucket.id();
            Q_ASSERT(id.resolution > 0);
            const int partition = id.partition(m_partitionCount);
            const QByteArray encoded = id.encode();
            const QByteArray key = bucketKey(encoded);
            const QByteArray readyAt = QByteArray::number(id.readyAt());
            const QByteArray ready = readyKey(readyAt, partition);
            const QByteArray counter = valuesKey(readyAt, partition);
            const QByteArray expireAt =
                QByteArray::number(std::max(id.readyAt(), *serverNow.value) + kExpirySeconds);

            // Shortest round-trip decimals: to_chars(double) needs at most 24
            // characters ("-2.2250738585072014e-308").
            constexpr size_t kWidth = 32;
            numbers.resize(values.size() * kWidth);
            pipe.add({ "MULTI" });
            pipe.begin();
            pipe.arg("RPUSH");
            pipe.arg(key);
            for (size_t i = 0; i < values.size(); ++i) {
                char *first = numbers.data() + i * kWidth;
                const std::to_chars_result r = std::to_chars(first, first + kWidth, values[i]);
                Q_ASSERT(r.ec == std::errc());
                pipe.arg(QByteArrayView(first, r.ptr - first));
            }
            pipe.end();
            pipe.add({ "SADD", ready, encoded });
            pipe.add({ "EXPIREAT", key, expireAt });
            pipe.add({ "EXPIREAT", ready, expireAt });
            pipe.add({ "ZADD", readyIndexKey(partition), readyAt, readyAt });
            pipe.add({ "INCRBY", counter, QByteArray::number(qint64(values.size())) });
            pipe.add({ "EXPIREAT", counter, expireAt });
            pipe.add({ "EXEC" });
            sent.push_back(next);
        }

        // Read every reply of the chunk (the connection stays in step even
        // when a transaction failed); `done` advances over the leading
        // buckets whose EXEC ran every command.
        ++m_roundTrips;
        QString failure;
        for (const size_t index : sent) {
            bool ok = true;
            QString why;
            for (int k = 0; k < kRepliesPerBucket; ++k) {
                const Reply reply = pipe.next();
                if (!reply) {
                    error = pipe.error();
                    fail(c, error);
                    return finish(StoreResult<bool>::failure(error));
                }
                if (k < kRepliesPerBucket - 1) {
                    if (reply->type == REDIS_REPLY_ERROR && ok) {
                        ok = false;
                        why = text(reply.get());
                    }
                    continue;
                }
                if (reply->type != REDIS_REPLY_ARRAY || reply->elements != size_t(kCommandsInMulti)) {
                    if (ok)
                        why = reply->type == REDIS_REPLY_ERROR ? text(reply.get())
                                                                : QStringLiteral("EXEC discarded");
                    ok = false;
                } else {
                    for (size_t e = 0; e < reply->elements && ok; ++e) {
                        if (reply->element[e]->type == REDIS_REPLY_ERROR) {
                            ok = false;
                            why = text(reply->element[e]);
                        }
                    }
                }
            }
            if (failure.isEmpty()) {
                if (ok)
                    done = skipEmpty(index + 1, next);
                else
                    failure = QStringLiteral("redis: bucket write failed: ") + why;
            }
        }
        if (!failure.isEmpty()) {
            markOutcome(false, failure);
            return finish(StoreResult<bool>::failure(failure));
        }
        done = skipEmpty(done, next);
    }
    succeeded(c);
    return finish(StoreResult<bool>::success(true));
}

StoreResult<qint64> RedisStore::now()
{
    Connection &c = connection();
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
    if (!validPartition(partition))
        return StoreResult<bool>::failure(QStringLiteral("partition %1 out of range").arg(partition));
    if (owner.isEmpty())
        return StoreResult<bool>::failure(QStringLiteral("empty lock owner"));
    if (ttlMs <= 0)
        return StoreResult<bool>::failure(QStringLiteral("lock ttl must be positive"));

    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    const StoreResult<qint64> result =
        runScript(c, LockScript, lockKey(partition), owner, QByteArray::number(ttlMs));
    if (!result.ok())
        return StoreResult<bool>::failure(result.error.message);
    return StoreResult<bool>::success(*result.value == 1);
}

StoreResult<bool> RedisStore::unlockPartition(int partition, const QByteArray &owner)
{
    if (!validPartition(partition))
        return StoreResult<bool>::failure(QStringLiteral("partition %1 out of range").arg(partition));
    if (owner.isEmpty())
        return StoreResult<bool>::success(false); // nobody holds a lock as ""

    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<bool>::failure(error);
    const StoreResult<qint64> result = runScript(c, UnlockScript, lockKey(partition), owner);
    if (!result.ok())
        return StoreResult<bool>::failure(result.error.message);
    return StoreResult<bool>::success(*result.value == 1);
}

StoreResult<std::vector<Bucket>> RedisStore::takeReady(int partition, qint64 upTo)
{
    if (!validPartition(partition))
        return StoreResult<std::vector<Bucket>>::failure(
            QStringLiteral("partition %1 out of range").arg(partition));

    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return StoreResult<std::vector<Bucket>>::failure(error);

    const QByteArray index = readyIndexKey(partition);
    std::vector<QByteArray> pending; // ready seconds (index members) still to take
    {
        ++m_roundTrips;
        const Reply reply = oneCommand(
            c.context, { "ZRANGEBYSCORE", index, "-inf", QByteArray::number(upTo) }, &error);
        if (!reply) {
            fail(c, error);
            return StoreResult<std::vector<Bucket>>::failure(error);
        }
        if (reply->type != REDIS_REPLY_ARRAY) {
            error = QStringLiteral("redis: ZRANGEBYSCORE failed: ")
                + (reply->type == REDIS_REPLY_ERROR ? text(reply.get()) : QStringLiteral("unexpected reply"));
            markOutcome(false, error);
            return StoreResult<std::vector<Bucket>>::failure(error);
        }
        for (size_t i = 0; i < reply->elements; ++i)
            pending.emplace_back(bytes(reply->element[i]).toByteArray());
    }

    const Script &take = scripts()[TakeScript];
    const QByteArray chunk = QByteArray::number(kTakeChunk);
    std::vector<Bucket> taken;
    bool bySha = true;
    bool connectionLost = false;
    std::vector<QByteArray> again;
    for (int round = 0; !pending.empty() && error.isEmpty() && round < kMaxTakeRounds; ++round) {
        // One pipelined script call per ready second of the partition.
        Pipeline pipe(c.context);
        for (const QByteArray &readyAt : pending) {
            pipe.add({ bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL"),
                       bySha ? take.sha : take.body, "3", readyKey(readyAt, partition), index,
                       valuesKey(readyAt, partition), readyAt, chunk, kBucketPrefix });
        }
        ++m_roundTrips;
        again.clear();
        for (const QByteArray &readyAt : pending) {
            const Reply reply = pipe.next();
            if (!reply) {
                error = pipe.error();
                connectionLost = true;
                break;
            }
            if (isNoScript(reply.get())) {
                bySha = false; // nothing ran; the next round sends the body
                again.push_back(readyAt);
                continue;
            }
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 1) {
                if (error.isEmpty())
                    error = QStringLiteral("redis: take failed: ")
                        + (reply->type == REDIS_REPLY_ERROR ? text(reply.get())
                                                            : QStringLiteral("unexpected reply"));
                continue;
            }
            for (size_t i = 1; i + 1 < reply->elements; i += 2) {
                const redisReply *idReply = reply->element[i];
                const redisReply *valuesReply = reply->element[i + 1];
                std::optional<BucketId> id;
                if (idReply->type == REDIS_REPLY_STRING)
                    id = BucketId::decode(bytes(idReply));
                if (!id || valuesReply->type != REDIS_REPLY_ARRAY || valuesReply->elements == 0) {
                    ++m_skipped;
                    continue;
                }
                std::vector<double> values;
                values.reserve(valuesReply->elements);
                for (size_t v = 0; v < valuesReply->elements; ++v) {
                    const redisReply *value = valuesReply->element[v];
                    double parsed = 0;
                    const char *end = value->str + value->len;
                    const std::from_chars_result r = value->type == REDIS_REPLY_STRING
                        ? std::from_chars(value->str, end, parsed)
                        : std::from_chars_result { nullptr, std::errc::invalid_argument };
                    if (r.ec != std::errc() || r.ptr != end) {
                        ++m_skipped;
                        continue;
                    }
                    values.push_back(parsed);
                }
                if (values.empty()) {
                    ++m_skipped;
                    continue;
                }
                taken.emplace_back(std::move(*id), std::move(values));
            }
            const std::optional<qint64> left = toInt(reply->element[0]);
            if (left && *left > 0)
                again.push_back(readyAt);
        }
        pending.swap(again);
    }

    if (!error.isEmpty()) {
        if (connectionLost)
            fail(c, error);
        else
            markOutcome(false, error);
        if (taken.empty())
            return StoreResult<std::vector<Bucket>>::failure(error);
        // These buckets are gone from Redis: hand them over rather than lose
        // them; what is left is taken on a later call.
        qCWarning(lcRedis).noquote()
            << QStringLiteral("at=redis.take partition=%1 taken=%2 error=\"%3\"")
                   .arg(partition)
                   .arg(taken.size())
                   .arg(error);
        return StoreResult<std::vector<Bucket>>::success(std::move(taken));
    }
    succeeded(c);
    return StoreResult<std::vector<Bucket>>::success(std::move(taken));
}

void RedisStore::ping()
{
    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return;
    ++m_roundTrips;
    const Reply reply = oneCommand(c.context, { "PING" }, &error);
    if (!reply)
        fail(c, error);
    else if (reply->type == REDIS_REPLY_ERROR)
        markOutcome(false, QStringLiteral("redis: PING failed: ") + text(reply.get()));
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
            continue; // another thread talked to Redis recently
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

    Connection &c = connection();
    QString error;
    if (!ensureConnected(c, &error))
        return stats;

    // Round 1: the clock, each partition's ready seconds and its lock.
    Pipeline pipe(c.context);
    pipe.add({ "TIME" });
    for (int p = 0; p < m_partitionCount; ++p) {
        const QByteArray lock = lockKey(p);
        pipe.add({ "ZRANGE", readyIndexKey(p), "0", "-1" });
        pipe.add({ "GET", lock });
        pipe.add({ "PTTL", lock });
    }
    ++m_roundTrips;
    const StoreStats unknown = stats; // what a failure reports: partitions, no counts
    const auto lost = [&](const Pipeline &failed) {
        fail(c, failed.error());
        return unknown;
    };
    Reply time = pipe.next();
    if (!time)
        return lost(pipe);
    std::optional<qint64> nowSecs;
    if (time->type == REDIS_REPLY_ARRAY && time->elements == 2)
        nowSecs = toInt(time->element[0]);
    bool bad = !nowSecs;
    std::vector<std::vector<QByteArray>> seconds(static_cast<size_t>(m_partitionCount));
    for (int p = 0; p < m_partitionCount; ++p) {
        const Reply members = pipe.next();
        const Reply owner = members ? pipe.next() : nullptr;
        const Reply ttl = owner ? pipe.next() : nullptr;
        if (!ttl)
            return lost(pipe);
        if (members->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < members->elements; ++i)
                seconds[size_t(p)].push_back(bytes(members->element[i]).toByteArray());
        } else {
            bad = true;
        }
        PartitionState &state = stats.partitions[p];
        if (owner->type == REDIS_REPLY_STRING && ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0) {
            state.lockOwner = bytes(owner.get()).toByteArray();
            state.lockTtlMs = ttl->integer;
        }
    }

    // Round 2: the size and value count of every ready second's set.
    Pipeline counts(c.context);
    for (int p = 0; p < m_partitionCount; ++p) {
        for (const QByteArray &readyAt : seconds[size_t(p)]) {
            counts.add({ "SCARD", readyKey(readyAt, p) });
            counts.add({ "GET", valuesKey(readyAt, p) });
        }
    }
    if (std::any_of(seconds.cbegin(), seconds.cend(), [](const auto &list) { return !list.empty(); }))
        ++m_roundTrips;
    for (int p = 0; p < m_partitionCount; ++p) {
        PartitionState &state = stats.partitions[p];
        for (const QByteArray &readyAt : seconds[size_t(p)]) {
            const Reply members = counts.next();
            const Reply values = members ? counts.next() : nullptr;
            if (!values)
                return lost(counts);
            const qint64 buckets = toInt(members.get()).value_or(0);
            state.waitingBuckets += buckets;
            if (nowSecs && toInt(readyAt).value_or(0) <= *nowSecs)
                state.readyBuckets += buckets;
            stats.buckets += buckets;
            stats.values += toInt(values.get()).value_or(0);
        }
    }
    if (bad)
        markOutcome(false, QStringLiteral("redis: unexpected reply to stats"));
    else
        succeeded(c);
    stats.healthy = m_healthy.load();
    return stats;
}

} // namespace l2met
