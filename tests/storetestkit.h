// Helpers of the store suites. tst_store (filing and taking),
// tst_storedelivery (locks, reads and acknowledgements) and
// tst_storeconcurrency (writers and readers racing) run the Store contract
// (core/store/store.h) against every backend: each test function runs once
// per row of addBackendRows() and works through the Store interface only. A
// new backend is one row there and one branch in makeStore().
// tst_redisstore (the Redis layout, scripts and pipelining) and
// tst_redisconnection (URLs, connections, a server that is down, hung or
// drops idle clients) test RedisStore beyond the contract, with a
// RedisFixture. Key names come from core/store/rediskeys.h, never literals
// (tst_redisstore's keyNames pins those to the layout of docs/behaviour.md
// section 6).
//
// Time never comes from sleeps or the local clock: bucket times are relative
// to storeNow() with wide margins (resolution 1, time = now - 5 is ready,
// time = now + 100 is not), so a second ticking during a test changes
// nothing. Pasts stay within the last 300 s, the Redis layout's expiry
// (docs/behaviour.md section 6).
//
// The contract suites' "redis" row runs against one private redis-server
// per test process (started on first use, FLUSHALLed before every test); it
// is skipped only when no redis-server binary is installed and
// L2MET_REQUIRE_REDIS is not set. The "rediss" row runs against the same
// server over TLS (rediss://, a throw-away CA), logged in as an ACL user
// with the least rights the README documents. Test-thread only, like QTest.
#pragma once

#include "redisserver.h"
#include "store/redisstore.h"
#include "store/store.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace l2met::test {

// ---- Buckets and values --------------------------------------------------

BucketId makeId(qint64 time, qint32 resolution, QByteArray name, QByteArray source = {},
                QByteArray units = {}, BucketType type = BucketType::Measurement,
                QByteArray auth = QByteArrayLiteral("drain-token"));

// Values compared by their bits, so -0.0 differs from 0.0 and a failure
// prints something exact.
QList<quint64> bits(const std::vector<double> &values);

// store.now(); a failure is fatal.
qint64 storeNow(Store &store);

// takeReady() of the store's class (MemoryStore or RedisStore): it is not
// part of the Store interface.
StoreResult<std::vector<Bucket>> takeReady(Store &store, int partition, qint64 upTo);

// `count` single-value buckets (value = index) ready in the past, spread over
// a few ready seconds.
std::vector<Bucket> readyBuckets(qint64 now, int count, const QByteArray &prefix = "m.");

// ---- The contract suites' backends ----------------------------------------

// The rows of initTestCase_data(): column "backend", "memory", "redis" and
// "rediss".
void addBackendRows();
// An empty store of the given backend, or nullptr when the backend cannot run
// here (the test is then skipped; backendUnavailable() says why). Backends
// with shared state (Redis) hand out an empty database each time.
std::unique_ptr<Store> makeStore(const QString &backend, int partitions);
// Another client of the same store, as a second process would have: a new
// RedisStore on the same server, or for a single-process backend nullptr
// (use the first store).
std::unique_ptr<Store> secondClient(const QString &backend, int partitions);
QString backendUnavailable();
// For cleanupTestCase(): stops the redis-server while the application
// object still exists.
void stopBackends();

// Declares `backend` (this row's) and `var`, or skips the test.
#define MAKE_STORE(var, partitions)                                                                \
    QFETCH_GLOBAL(QString, backend);                                                               \
    const std::unique_ptr<Store> var = ::l2met::test::makeStore(backend, partitions);              \
    if (!var)                                                                                      \
        QSKIP(qPrintable(QStringLiteral("backend %1 not available here: %2")                       \
                             .arg(backend, ::l2met::test::backendUnavailable())));

// ---- Contract checks: false after a QTest failure -------------------------

// Encoded id -> values; takeAll fails the test on duplicates.
using Taken = QHash<QByteArray, std::vector<double>>;

// Takes every partition up to upTo. Returns false (after a QTest failure)
// when a take fails or one id comes back twice.
bool takeAll(Store &store, qint64 upTo, Taken &taken);
// Takes every partition up to upTo, appending values per encoded id; false
// when a take fails (no QTest failure).
bool takeInto(Store &store, qint64 upTo, Taken &taken);
// put() succeeded and wrote every bucket.
bool put(Store &store, const std::vector<Bucket> &buckets);
bool lockOk(Store &store, int partition, const QByteArray &owner, int ttlMs);
bool unlockOk(Store &store, int partition, const QByteArray &owner);
PartitionState partitionState(Store &store, int partition);
// readReady, failing the test (and returning nullopt) when it fails.
std::optional<std::vector<Bucket>> readOk(Store &store, int partition, qint64 upTo,
                                          int limit = 100000);
// acknowledge succeeded and answered true.
bool ackOk(Store &store, int partition, const std::vector<Bucket> &read,
           const QByteArray &owner = {});
// Encoded id -> the values of a read (arrival order; compacted ones first,
// as Bucket::expandedValues gives them).
QHash<QByteArray, QList<quint64>> valuesById(const std::vector<Bucket> &buckets);
// Same count, multiset (bit for bit) and last value: what a compacted bucket
// keeps of its values.
bool sameValues(const Bucket &got, const Bucket &want);

// ---- Redis as it is -------------------------------------------------------

// The keys in the database, without the write tokens of puts (which
// outlive the buckets by design; putTokens() has them).
QSet<QByteArray> keys(RedisClient &client);
QList<QByteArray> putTokens(RedisClient &client);
qint64 integer(RedisClient &client, const QList<QByteArray> &args);
QByteArray type(RedisClient &client, const QByteArray &key);
qint64 connectedClients(RedisClient &client);

// The Redis suites' shared server: a private redis-server and a raw client
// to it, started by initTestCase() and FLUSHALLed by init().
struct RedisFixture
{
    std::unique_ptr<RedisServer> server;
    std::unique_ptr<RedisClient> client;

    // False with errorString() when the server or the client cannot start.
    bool start();
    QString errorString() const { return m_error; }
    bool flush();
    void stop();
    // A RedisStore on the server (fatal when the URL is refused).
    std::unique_ptr<RedisStore> makeStore(int partitions, RedisStore::Options options = {}) const;

private:
    QString m_error;
};

} // namespace l2met::test
