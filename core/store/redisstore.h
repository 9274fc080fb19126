// RedisStore: the Store shared by every process of a fleet (SPEC section 6),
// on hiredis 0.14 against one logical Redis database.
//
// Key layout (P = partition, R = ready unix second, ID = BucketId::encode()):
//   l2met:b:ID           list    the bucket's values, RPUSHed as the shortest
//                                decimal that reads back to the same double
//                                (std::to_chars; "-0" keeps its sign), one per
//                                value: a compacted bucket (Bucket::counts) is
//                                expanded, with its last value last
//   l2met:ready:R:P      set     the encoded ids (without the prefix) ready at R
//   l2met:values:R:P     string  values filed under l2met:ready:R:P, so that
//                                stats() needs no LLEN of every bucket
//   l2met:readyz:P       zset    member R, score R: the ready seconds of P
//   l2met:lock:P         string  the reader holding P (SET owner NX PX ttl)
//   l2met:put:N:B:H:O    string  a chunk of a put was written (N: the store's
//                                random nonce, B: batch, H: hash of the id of
//                                the chunk's first bucket, O: the value it
//                                starts at); expires after 600 s
// A put writes a chunk of buckets (1,000 buckets or 65,536 values at most) in
// one Lua script (RedisScript::Put: per bucket RPUSH, SADD, ZADD, INCRBY and
// an EXPIREAT on the list, the set and the counter), once per write token, so
// that a retried chunk is never applied twice. The three per-bucket keys expire 300 s
// after the bucket is ready, or 300 s after the write when it is written later than its ready
// second (a late bucket would otherwise expire as it is written, which would lose data the receiver
// accepted). The zset never expires: takeReady and acknowledge remove a second from it when that
// second's set is empty, and readReady when the set is gone (expired).
//
// Why a zset index: a reader must find every ready second up to "now",
// including seconds it missed (late data, a process that was down). SCAN
// walks the whole keyspace on every pass and may return keys twice; the
// per-partition zset gives them with one ZRANGEBYSCORE -inf upTo, in
// O(log n + seconds), and is kept exact because it is written in the
// bucket's MULTI and cleaned in the take, read and acknowledge scripts.
//
// readReady() is one Lua script (Read) per call: it walks the partition's
// ready seconds up to upTo, oldest first, takes up to `limit` ids of their
// sets (SRANDMEMBER) and LRANGEs their lists, removing no value, so what it
// returns is one atomic snapshot. acknowledge() runs the Acknowledge script
// per 1,000 buckets: for each, LTRIM list n -1 (n = the values read; values
// RPUSHed since are behind them and stay); once the list is empty it SREMs
// the id, and once the set is empty it deletes the set, its counter and its
// index entry. With a lock owner it first checks that the owner still holds
// the partition's lock, in the same script, so a reader whose lock ran out
// removes nothing. Members that cannot be delivered (not an id, no list left)
// and list elements that are not numbers are removed by readReady itself and
// counted as skipped; otherwise they would be read again on every pass.
//
// takeReady() runs a Lua script per ready set that SPOPs up to 1,000 ids,
// LRANGEs and DELs their lists, and drops the set, its counter and its index
// entry once the set is empty. Scripts run atomically, so a bucket is taken
// whole by exactly one caller, even without the partition lock, and a put
// racing a take lands either entirely before it (taken now) or entirely after
// it (a new list, taken next time): no value is lost or read twice. The
// scripts touch keys they do not declare (the lists, sets and counters):
// fine on a single Redis or a replicated one, not on Redis Cluster. Needs
// Redis >= 5 (effects replication of SPOP and SRANDMEMBER in a script).
//
// Locks: one script does SET NX PX, or PEXPIRE when the same owner holds it;
// refreshLock is PEXPIRE only when the owner holds it; unlock is
// compare-and-delete in a script. now() is Redis TIME.
//
// Threads: every thread that calls the store gets its own redisContext
// (hiredis contexts are not thread-safe), created on first use and kept until
// the store is destroyed; a mutex guards only the thread -> connection map.
// All methods are thread-safe; the store must outlive the calls in flight.
// healthy() never touches the network on the hot path: it returns the result
// of the last Redis exchange of any thread; when none happened for a second,
// a background thread ("l2met-redis-health", started by the first healthy()
// call) sends a PING. Only the very first healthy() call pings synchronously.
// stats() makes two pipelined round trips (O(partitions + ready seconds)) on
// the calling thread: call it from a worker thread, not the GUI thread.
// peek() reads buckets with readReady (non-destructive) over every
// partition, ready or not, at most once every kPeekIntervalMs (the GUI asks
// a few times a second; a shared Redis must not pay for that): in between it
// answers the copy it kept.
//
// When Redis is down or slow: connects time out after connectTimeoutMs and
// commands after commandTimeoutMs; every failure is a StoreResult failure
// (the caller keeps its data and retries) and marks the store unhealthy. A
// thread whose connection failed drops it and reconnects at most once per
// backoff (250 ms doubling to 5 s, reset by a successful reply); calls
// during the backoff fail at once without touching the network. No command
// is retried inside the store. A connection idle for idleCheckMs is PINGed
// before use and replaced at once if the server dropped it (Redis `timeout`),
// so an idle writer does not fail its next put, nor flip healthy().
//
// Where a failure can duplicate or lose (the cases Store::put allows only
// when the store says so): when a pipelined put loses its connection or times
// out, the buckets after `written` may or may not have been stored (their
// MULTI may have run with its reply lost; Redis also runs commands still in
// its socket buffer after a stall), so the caller's retry can append those
// values twice. Each bucket is all or nothing: a MULTI cut short is
// discarded. A take whose reply is lost after its script ran loses the
// buckets of that script. A take that fails after some scripts answered
// returns what it took (success) rather than dropping it. An acknowledgement
// whose reply is lost may or may not have removed its buckets: the next read
// returns what is left, so a delivery is at worst repeated, never lost. One
// corner is not covered: a list that expires between a read and its
// acknowledgement and is written again before the acknowledgement loses up
// to the count read of its new values. That takes a write more than 300 s
// after the bucket's previous one (a resolution of 150 s or more, late data
// at the edge of recv-deadline) while a delivery of it is on its way.
#pragma once

#include "store/redisurl.h"
#include "store/store.h"

#include <QMutex>
#include <QWaitCondition>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

class QThread;
struct redisReply;

namespace l2met {

class RedisConnection;
struct RedisReplyDeleter;
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>; // as in redisconnection.h
enum class RedisScript;

struct RedisStoreOptions
{
    int connectTimeoutMs = 1000;
    int commandTimeoutMs = 2000; // per blocking read or write, not per call
    int minBackoffMs = 250; // first reconnect delay after a failure, doubling
    int maxBackoffMs = 5000;
    // A connection unused this long is PINGed before its next command and
    // replaced at once when that fails (servers close idle clients after
    // their `timeout`, 300 s on Heroku Redis).
    int idleCheckMs = 10000;
};

class RedisStore final : public Store
{
public:
    using Options = RedisStoreOptions;

    // Buckets a put writes per pipelined round trip, and ids a take or an
    // acknowledge script removes per call (bounds how long one script blocks
    // Redis; a read script reads at most its limit).
    static constexpr int kPutChunk = 1000;
    static constexpr size_t kPutChunkValues = 65536; // values in one chunk (one script call)
    static constexpr int kTakeChunk = 1000;
    // Seconds the bucket keys live after the bucket is ready (SPEC section 6).
    static constexpr qint64 kExpirySeconds = 300;
    // How long a chunk's write token (l2met:put:...) is kept: longer than a
    // write can wait in Redis or in the outbox before it is retried.
    static constexpr qint64 kPutTokenSeconds = 600;

    // Does not connect: the first call of each thread does. partitions >= 1.
    RedisStore(RedisUrl url, int partitions, Options options);
    explicit RedisStore(RedisUrl url, int partitions = 1);
    // From a REDIS_URL; nullptr and *error (without the password) when the
    // URL is invalid. Does not connect either.
    static std::unique_ptr<RedisStore> create(const QString &url, int partitions,
                                              QString *error = nullptr, Options options = {});
    ~RedisStore() override;

    RedisStore(const RedisStore &) = delete;
    RedisStore &operator=(const RedisStore &) = delete;

    QString kind() const override;
    int partitions() const override;

    StoreResult<bool> put(const std::vector<Bucket> &buckets, size_t *written = nullptr,
                          quint64 batch = 0) override;
    // Chunks a put found written already (a retry of a write Redis had run).
    quint64 putsAlreadyApplied() const { return m_putsAlreadyApplied.load(); }
    StoreResult<qint64> now() override;
    StoreResult<bool> lockPartition(int partition, const QByteArray &owner, int ttlMs) override;
    StoreResult<bool> unlockPartition(int partition, const QByteArray &owner) override;
    StoreResult<bool> refreshLock(int partition, const QByteArray &owner, int ttlMs) override;
    StoreResult<std::vector<Bucket>> takeReady(int partition, qint64 upTo) override;
    StoreResult<std::vector<Bucket>> readReady(int partition, qint64 upTo, int limit) override;
    StoreResult<bool> acknowledge(int partition, const std::vector<Bucket> &read,
                                  const QByteArray &lockOwner = {}) override;

    std::vector<Bucket> peek(int limit) override;
    static constexpr int kPeekIntervalMs = 2000;

    bool healthy() override;
    // Two pipelined round trips; on failure healthy = false and zero counts.
    StoreStats stats() override;

    // redis://host:port/db, without the password.
    QString describe() const;
    // Diagnostics (all threads): request/reply exchanges with Redis (a whole
    // pipeline counts once), connection attempts, and what takeReady skipped:
    // ready-set members that are not ids or have no values left (their list
    // expired), and values that are not numbers.
    quint64 roundTrips() const { return m_roundTrips.load(); }
    quint64 connectAttempts() const { return m_connects.load(); }
    quint64 skipped() const { return m_skipped.load(); }

private:
    RedisConnection &connection(); // the calling thread's
    bool ensureConnected(RedisConnection &c, QString *error);
    void fail(RedisConnection &c, const QString &error);
    void succeeded(RedisConnection &c);
    void markOutcome(bool ok, const QString &error);
    bool validPartition(int partition) const;
    StoreResult<qint64> redisTime(RedisConnection &c);
    StoreResult<qint64> runScript(RedisConnection &c, RedisScript script, const QByteArray &key,
                                  const QByteArray &arg1, const QByteArray &arg2 = {});
    // Runs script once per call (its keys, then its arguments), pipelined:
    // EVALSHA, then EVAL for what the server did not know. The replies in
    // order (error replies included); empty, with *error, when the
    // connection broke (then failed and closed).
    std::vector<RedisReply> runScripts(RedisConnection &c, RedisScript script, int keys,
                                       const std::vector<std::vector<QByteArray>> &calls,
                                       QString *error);
    // Appends the buckets of one take script's reply; false when it is not one.
    bool collectTaken(const redisReply *reply, std::vector<Bucket> &taken, qint64 *left);
    void ping();
    void healthLoop();

    const RedisUrl m_url;
    const int m_partitionCount;
    const Options m_options;

    QMutex m_connectionsMutex;
    std::unordered_map<std::thread::id, std::unique_ptr<RedisConnection>> m_connections;

    std::atomic<bool> m_healthy { false };
    std::atomic<qint64> m_lastOutcomeMs { 0 }; // steady clock; 0 = never talked to Redis
    std::atomic<quint64> m_roundTrips { 0 };
    std::atomic<quint64> m_putsAlreadyApplied { 0 };
    std::atomic<quint64> m_anonymousBatch { 1 };
    QByteArray m_putNonce; // random per store: tokens of two processes never meet
    std::atomic<quint64> m_connects { 0 };
    std::atomic<quint64> m_skipped { 0 };

    std::once_flag m_healthStarted;
    QMutex m_healthMutex;
    QWaitCondition m_healthWake;
    bool m_stopping = false; // under m_healthMutex
    QThread *m_healthThread = nullptr;

    QMutex m_peekMutex;
    qint64 m_peekAtMs = -1; // steady clock of the last real peek
    std::vector<Bucket> m_peeked;
};

} // namespace l2met
