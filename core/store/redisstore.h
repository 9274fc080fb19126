// RedisStore: the Store shared by every process of a fleet (docs/behaviour.md
// section 6), on hiredis 0.14 against one logical Redis database.
//
// Key layout (P = partition, R = ready unix second, ID = BucketId::encode();
// the names are built in rediskeys.h, the values' format is
// redisbucketcodec.h):
//   l2met:b:ID           list    the bucket's values, RPUSHed as the shortest
//                                decimal that reads back to the same double
//                                (std::to_chars; "-0" keeps its sign), one per
//                                value: a compacted bucket (Bucket::counts) is
//                                expanded, with its last value last
//   l2met:ready:R:P      set     the encoded ids ready at R
//   l2met:values:R:P     string  values filed under l2met:ready:R:P, so that
//                                stats() needs no LLEN of every bucket
//   l2met:readyz:P       zset    member R, score R: the ready seconds of P
//   l2met:lock:P         string  the reader holding P (SET owner NX PX ttl)
//   l2met:put:N:B:H:O    string  a chunk of a put was written (N: the store's
//                                random nonce, B: batch, H: hash of the id of
//                                the chunk's first bucket, O: the value it
//                                starts at); expires after 600 s
// Every write is a Lua script (redisscripts.h), run by RedisScriptRunner
// (EVALSHA, then EVAL when the server does not know the script); plain
// commands only read: TIME, PING, the ZRANGEBYSCORE that starts a take, and
// stats().
//
// put() cuts the buckets into chunks (1,000 buckets or 65,536 values at most;
// a bigger bucket spans chunks) and writes each with one Put script, one
// chunk per exchange: SET NX EX on the chunk's write token, then per bucket
// RPUSH, SADD, ZADD, INCRBY and an EXPIREAT on the list, the set and the
// counter. A chunk whose token exists was written already (a retry of a
// write whose answer was lost) and is not written again. The three
// per-bucket keys expire 300 s after the bucket is ready, or 300 s after the
// write when it is written later than its ready second (a late bucket would
// otherwise expire as it is written, which would lose data the receiver
// accepted). The zset never expires: takeReady and acknowledge remove a
// second from it when that second's set is empty, and readReady when the
// set is gone (expired).
//
// Why a zset index: a reader must find every ready second up to "now",
// including seconds it missed (late data, a process that was down). SCAN
// walks the whole keyspace on every pass and may return keys twice; the
// per-partition zset gives them with one ZRANGEBYSCORE -inf upTo, in
// O(log n + seconds). It never misses a second, because the Put script adds
// the second in the same atomic step as the id to its set; it may hold a
// second whose set expired, until the next Read script drops it.
//
// readReady() is one Read script per call: it walks the partition's ready
// seconds up to upTo, oldest first, takes up to `limit` ids of their sets
// (SRANDMEMBER) and LRANGEs their lists, removing no value, so what it
// returns is one atomic snapshot. Members that cannot be delivered (not an
// id, no list left) and list elements that are not numbers are removed by
// readReady itself (Acknowledge without a lock owner, DropJunk) and counted
// as skipped; otherwise they would be read again on every pass.
// acknowledge() pipelines one Acknowledge script per 1,000 buckets: for each,
// LTRIM list n -1 (n = the values read; values RPUSHed since are behind them
// and stay) and DECRBY of the counter; once the list is empty it SREMs the
// id, and once the set is empty it deletes the set, its counter and its
// index entry. With a lock owner it first checks that the owner still holds
// the partition's lock, in the same script, so a reader whose lock ran out
// removes nothing.
//
// takeReady() (not part of Store: tests and tools; the Reader reads and
// acknowledges) finds the ready seconds with ZRANGEBYSCORE, then runs rounds
// of one Take script per second, pipelined; each SPOPs up to 1,000 ids,
// LRANGEs and DELs their lists, and drops the set, its counter and its index
// entry once the set is empty. Scripts run atomically, so a bucket is taken
// whole by exactly one caller, even without the partition lock, and a put
// chunk racing a take lands either entirely before it (taken now) or
// entirely after it (a new list, taken next time): no value is lost or
// read twice. The scripts touch keys they do not declare (the lists, sets
// and counters): fine on a single Redis or a replicated one, not on Redis
// Cluster. Needs Redis >= 5 (effects replication of SPOP and SRANDMEMBER in
// a script).
//
// Locks: one script does SET NX PX, or PEXPIRE when the same owner holds it;
// refreshLock is PEXPIRE only when the owner holds it; unlock is
// compare-and-delete in a script. now() is Redis TIME.
//
// Threads: every thread that calls the store gets its own RedisConnection
// (hiredis contexts are not thread-safe), created on first use and kept until
// the store is destroyed; a mutex guards only the thread -> connection map.
// All methods are thread-safe; the store must outlive the calls in flight.
// healthy() never touches the network on the hot path: it returns the result
// of the last Redis exchange of any thread; when none happened for a second,
// a background thread ("l2met-redis-health", started by the first healthy()
// call) sends a PING. A healthy() call before any exchange with Redis pings
// synchronously, once: there is nothing to report yet.
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
// is retried inside the store (a script answered NOSCRIPT did not run: its
// EVAL is not a retry). A connection idle for idleCheckMs is PINGed before
// use and replaced at once if the server dropped it (Redis `timeout`), so an
// idle writer does not fail its next put, nor flip healthy().
//
// Where a failure can duplicate or lose (the cases Store::put allows only
// when the store says so): when a put loses its connection or times out,
// the chunk in flight may or may not have been written (Redis also runs
// commands still in its socket buffer after a stall), and `written` counts
// only the buckets of confirmed chunks. A retry with the same batch finds
// the chunk's token and writes nothing twice; a retry more than 600 s later
// (the token expired), or under another batch (batch 0 is a new one on every
// call), can append those values twice. Each chunk is all or nothing (a
// script runs whole); a bucket bigger than a chunk can be stored in part
// until the retry writes the rest. A take whose reply is lost after its
// script ran loses the buckets of that script. A take that fails after some
// scripts answered returns what it took (success) rather than dropping it.
// An acknowledgement whose reply is lost may or may not have removed its
// buckets: the next read returns what is left, so a delivery is at worst
// repeated, never lost. One corner is not covered: a list that expires
// between a read and its acknowledgement and is written again before the
// acknowledgement loses up to the count read of its new values. That takes
// a write more than 300 s after the bucket's previous one (a resolution of
// 150 s or more, late data at the edge of recv-deadline) while a delivery of
// it is on its way.
#pragma once

#include "store/redisurl.h"
#include "store/store.h"

#include <QMutex>
#include <QWaitCondition>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

class QThread;
struct redisReply;

namespace l2met {

class RedisConnection;
class RedisTlsContext;
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
    // rediss:// only (see redissocket.h): the CA certificates that may sign
    // the server's (empty: the system's CA store), and whether the
    // certificate and its host name are checked at all (off: logged once as
    // a warning, for Heroku's self-signed certificates).
    QString tlsCaFile;
    bool tlsVerify = true;
};

// What RedisStore::checkAccess found.
enum class RedisAccess {
    Granted, // every command and key l2met uses works
    Unreachable, // no answer (down, DNS, TLS handshake, LOADING...): retried later
    Denied, // credentials, a command or a key refused, or a certificate that
            // does not verify: a start-up error
};

class RedisStore final : public Store
{
public:
    using Options = RedisStoreOptions;

    // Buckets and values a put writes per Put script call (one chunk, one
    // exchange), and ids a take or an acknowledge script removes per call:
    // bounds how long one script blocks Redis (a read script reads at most
    // its limit).
    static constexpr int kPutChunk = 1000;
    static constexpr size_t kPutChunkValues = 65536;
    static constexpr int kTakeChunk = 1000;
    // Seconds the bucket keys live after the bucket is ready (docs/behaviour.md
    // section 6).
    static constexpr qint64 kExpirySeconds = 300;
    // How long a chunk's write token (l2met:put:...) is kept: longer than a
    // write can wait in Redis or in the outbox before it is retried.
    static constexpr qint64 kPutTokenSeconds = 600;

    // Does not connect: the first call of each thread does. partitions >= 1.
    RedisStore(RedisUrl url, int partitions, Options options);
    explicit RedisStore(RedisUrl url, int partitions = 1);
    // From a REDIS_URL; nullptr and *error (without the password) when the
    // URL is invalid, or its TLS settings are (a CA file that cannot be
    // read). Does not connect either.
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
    StoreResult<std::vector<Bucket>> readReady(int partition, qint64 upTo, int limit) override;
    StoreResult<bool> acknowledge(int partition, const std::vector<Bucket> &read,
                                  const QByteArray &lockOwner = {}) override;

    std::vector<Bucket> peek(int limit) override;
    static constexpr int kPeekIntervalMs = 2000;

    // Removes and returns every bucket of the partition whose ready time is
    // <= upTo (missed seconds included), each with its values in the order
    // they were put: read and acknowledge in one step, for tests and tools.
    // Exactly once even without the lock, but what it took is gone even if
    // it is never delivered; the Reader uses readReady and acknowledge.
    StoreResult<std::vector<Bucket>> takeReady(int partition, qint64 upTo);

    // Start-up check on the calling thread (one connection, two or three
    // exchanges): authenticates, then runs every command l2met sends outside
    // scripts on l2met's keys, and the Probe script (every command of the
    // scripts, on keys of each type under l2met's prefix). Denied with
    // *error when the server refused credentials, a command or a key (a Redis
    // ACL user with too few rights); Unreachable when it could not tell.
    RedisAccess checkAccess(QString *error);

    bool healthy() override;
    // Two pipelined round trips; on failure healthy = false and zero counts.
    StoreStats stats() override;

    // redis[s]://[user@]host:port/db, without the password.
    QString describe() const;
    // Diagnostics (all threads): request/reply exchanges with Redis (a whole
    // pipeline counts once), connection attempts, and what readReady and
    // takeReady skipped: ready-set members that are not ids or have no
    // values left (their list expired), and values that are not numbers.
    quint64 roundTrips() const { return m_roundTrips.load(); }
    quint64 connectAttempts() const { return m_connects.load(); }
    quint64 skipped() const { return m_skipped.load(); }

private:
    struct ReadPass; // redisstoreread.cpp
    // Appends the arguments of one script call (see RedisScriptRunner).
    using ScriptArguments = std::function<void(size_t call, RedisConnection &connection)>;

    RedisConnection &connection(); // the calling thread's
    bool ensureConnected(RedisConnection &c, QString *error);
    void fail(RedisConnection &c, const QString &error);
    void succeeded(RedisConnection &c);
    void markOutcome(bool ok, const QString &error);
    bool validPartition(int partition) const;
    StoreResult<qint64> redisTime(RedisConnection &c);
    // Runs `calls` calls of script, pipelined (RedisScriptRunner): *replies
    // gets one reply per call, error replies included. False, with *error,
    // when the connection broke: then it is failed (closed) and the calls
    // not answered before have no reply.
    bool runScripts(RedisConnection &c, RedisScript script, int keys, size_t calls,
                    const ScriptArguments &arguments, std::vector<RedisReply> *replies,
                    QString *error);
    bool runScripts(RedisConnection &c, RedisScript script, int keys,
                    const std::vector<std::vector<QByteArray>> &calls,
                    std::vector<RedisReply> *replies, QString *error);
    // Lock, Refresh (ttlMs > 0) or Unlock (ttlMs = 0) on the partition's lock.
    StoreResult<bool> runLockScript(RedisScript script, int partition, const QByteArray &owner,
                                    int ttlMs);
    ReadPass decodeRead(const redisReply *reply, int partition);
    void removeUndeliverable(RedisConnection &c, int partition, ReadPass &pass);
    // The partition's ready seconds up to upTo (ZRANGEBYSCORE of its index).
    std::optional<std::vector<QByteArray>> readySeconds(RedisConnection &c, int partition,
                                                        qint64 upTo, QString *error);
    // Appends the buckets of one take script's reply; false when it is not one.
    bool collectTaken(const redisReply *reply, std::vector<Bucket> &taken, qint64 *left);
    void ping();
    void healthLoop();

    const RedisUrl m_url;
    const int m_partitionCount;
    const Options m_options;
    std::shared_ptr<const RedisTlsContext> m_tls; // rediss:// only
    QString m_tlsError; // why m_tls could not be made: every connect fails so

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
