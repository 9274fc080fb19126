// The Store contract (core/store/store.h), part three: a writer and
// readers at full speed on the same partitions, run against every backend
// (see tests/storetestkit.h). Takes return every value once, in put order;
// readers that read and acknowledge lose nothing: exactly once with the
// partition lock, at least once without it. The threads hand over with
// atomics, never sleeps.
#include "storetestkit.h"

#include <QHash>
#include <QList>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <latch>
#include <mutex>
#include <thread>

using namespace l2met;
using namespace l2met::test;

class Tst_storeconcurrency : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void cleanupTestCase();

    void concurrentPutAndTake();
    void lockedReadersRacingAWriterExactlyOnce();
    void unlockedReadersRacingAWriterAtLeastOnce();

private:
    // Two readers (each its own client of the store) read and acknowledge
    // while a writer puts; see the two tests above.
    void readersRacingAWriter(bool useLock);
};

void Tst_storeconcurrency::initTestCase_data()
{
    addBackendRows();
}

void Tst_storeconcurrency::cleanupTestCase()
{
    stopBackends();
}

void Tst_storeconcurrency::concurrentPutAndTake()
{
    // A store writer and a reader at full speed on the same partitions: every
    // value put is taken exactly once, and the values of one id come back in
    // the order they were put, however the takes cut them.
    constexpr int kPartitions = 4;
    constexpr int kBatches = 200;
    constexpr int kPerBatch = 25;
    constexpr int kIds = 60;
    MAKE_STORE(store, kPartitions);
    const qint64 now = storeNow(*store);

    QList<BucketId> ids;
    for (int k = 0; k < kIds; ++k)
        ids.append(makeId(now - 10 - k % 3, 1, "c." + QByteArray::number(k), "s"));

    // Every kHandshake batches the writer waits for one full reader pass that
    // started after its put, so takes really interleave with puts (else the
    // writer can finish before the reader's first pass) without any sleep.
    constexpr int kHandshake = 10;
    std::atomic<bool> writerDone { false };
    std::atomic<int> passes { 0 };
    std::atomic<bool> readerStopped { false };
    std::latch start(2);
    std::mutex errorMutex;
    QStringList errors;
    const auto fail = [&](const QString &message) {
        const std::lock_guard<std::mutex> guard(errorMutex);
        errors.append(message);
    };

    std::thread writer([&] {
        start.arrive_and_wait();
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<Bucket> buckets;
            for (int i = 0; i < kPerBatch; ++i) {
                const int k = (batch * 7 + i) % kIds;
                buckets.emplace_back(ids.at(k), std::vector<double> { double(batch * 1000 + i) });
            }
            size_t written = 0;
            const StoreResult<bool> result = store->put(buckets, &written);
            if (!result.ok() || written != buckets.size())
                fail(QStringLiteral("put failed: ") + result.error.message);
            if (batch % kHandshake == 0) {
                const int seen = passes.load();
                while (passes.load() < seen + 2 && !readerStopped.load())
                    std::this_thread::yield();
            }
        }
        writerDone = true;
    });

    QHash<QByteArray, std::vector<double>> taken; // encoded id -> values in take order
    int takes = 0;
    const auto readPasses = [&] {
        start.arrive_and_wait();
        for (;;) {
            const bool last = writerDone.load(); // everything is stored once this is true
            const StoreResult<qint64> upTo = store->now();
            if (!upTo.ok()) {
                fail(QStringLiteral("now failed: ") + upTo.error.message);
                return;
            }
            for (int p = 0; p < kPartitions; ++p) {
                StoreResult<std::vector<Bucket>> result = takeReady(*store, p, *upTo.value);
                if (!result.ok()) {
                    fail(QStringLiteral("takeReady failed: ") + result.error.message);
                    return;
                }
                takes += result.value->empty() ? 0 : 1;
                for (const Bucket &bucket : *result.value) {
                    std::vector<double> &all = taken[bucket.id().encode()];
                    all.insert(all.end(), bucket.values().begin(), bucket.values().end());
                }
            }
            ++passes;
            if (last)
                return;
        }
    };
    std::thread reader([&] {
        readPasses();
        readerStopped = true;
    });
    writer.join();
    reader.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));

    qint64 total = 0;
    QHash<QByteArray, std::vector<double>> expected;
    for (int batch = 0; batch < kBatches; ++batch) {
        for (int i = 0; i < kPerBatch; ++i)
            expected[ids.at((batch * 7 + i) % kIds).encode()].push_back(double(batch * 1000 + i));
    }
    QCOMPARE(taken.size(), expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QVERIFY(taken.contains(it.key()));
        QCOMPARE(bits(taken.value(it.key())), bits(it.value()));
        total += qint64(taken.value(it.key()).size());
    }
    QCOMPARE(total, qint64(kBatches * kPerBatch));
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 0);
    QCOMPARE(stats.values, 0);
    QVERIFY(takes >= kBatches / kHandshake); // each handshake's pass took something
    qDebug("at=store.concurrency backend=%s takes=%d", qPrintable(backend), takes);
}

void Tst_storeconcurrency::readersRacingAWriter(bool useLock)
{
    // A writer puts at full speed while two readers, each with its own client
    // (as two processes), read and acknowledge the same partitions.
    // With the lock, the writer appends to a few ids that the readers keep
    // reading: every value must come back exactly once, and the values of an
    // id in the order they were put, across acknowledgements. Without the
    // lock, readers may read the same values (and both deliver them): every
    // id is put once only, as acknowledging a read twice would otherwise
    // remove values put between (store.h), and every value must come back at
    // least once, whole.
    QFETCH_GLOBAL(QString, backend);
    constexpr int kPartitions = 4;
    constexpr int kBatches = 150;
    constexpr int kPerBatch = 20;
    constexpr int kIds = 50;
    constexpr int kLimit = 7; // small: reads leave some ready buckets for later
    const std::unique_ptr<Store> store = makeStore(backend, kPartitions);
    if (!store)
        QSKIP(qPrintable(QStringLiteral("backend %1 not available here: %2")
                             .arg(backend, backendUnavailable())));
    const std::unique_ptr<Store> other = secondClient(backend, kPartitions);
    const qint64 now = storeNow(*store);
    const auto idOf = [now](int batch, int i) {
        const int k = (batch * 7 + i) % kIds;
        const QByteArray name = "r." + QByteArray::number(k);
        return makeId(now - 10 - k % 3, 1, name, "s");
    };
    const auto uniqueIdOf = [now](int batch, int i) {
        return makeId(now - 10 - i % 3, 1, "u." + QByteArray::number(batch * kPerBatch + i), "s");
    };

    std::atomic<bool> writerDone { false };
    std::atomic<int> passes { 0 };
    std::atomic<int> readersLeft { 2 };
    std::mutex mutex;
    QStringList errors;
    QHash<QByteArray, std::vector<double>> delivered; // encoded id -> values, acknowledgement order
    qint64 duplicates = 0;
    qint64 reads = 0;
    QHash<QByteArray, int> readsOf; // encoded id -> reads that returned it
    const auto fail = [&](const QString &message) {
        const std::lock_guard<std::mutex> guard(mutex);
        errors.append(message);
    };

    std::thread writer([&] {
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<Bucket> buckets;
            for (int i = 0; i < kPerBatch; ++i) {
                buckets.emplace_back(useLock ? idOf(batch, i) : uniqueIdOf(batch, i),
                                     std::vector<double> { double(batch * 1000 + i) });
            }
            size_t written = 0;
            const StoreResult<bool> result = store->put(buckets, &written);
            if (!result.ok() || written != buckets.size())
                fail(QStringLiteral("put failed: ") + result.error.message);
            // Every ten batches, wait for two reader passes that started
            // after this put, so that reads interleave with puts.
            if (batch % 10 == 0) {
                const int seen = passes.load();
                while (passes.load() < seen + 2 && readersLeft.load() > 0)
                    std::this_thread::yield();
            }
        }
        writerDone = true;
    });

    const auto reader = [&](Store *client, const QByteArray &owner) {
        for (;;) {
            const bool last = writerDone.load(); // everything is stored once this is true
            bool readSomething = false;
            for (int p = 0; p < kPartitions; ++p) {
                if (useLock) {
                    const StoreResult<bool> locked = client->lockPartition(p, owner, 60000);
                    if (!locked.ok()) {
                        fail(QStringLiteral("lock failed: ") + locked.error.message);
                        return;
                    }
                    if (!*locked.value)
                        continue;
                }
                const StoreResult<std::vector<Bucket>> read = client->readReady(p, now, kLimit);
                if (!read.ok()) {
                    fail(QStringLiteral("read failed: ") + read.error.message);
                    return;
                }
                readSomething = readSomething || !read.value->empty();
                {
                    // "Delivered" before the acknowledgement, as the Reader does.
                    const std::lock_guard<std::mutex> guard(mutex);
                    ++reads;
                    for (const Bucket &bucket : *read.value) {
                        std::vector<double> &all = delivered[bucket.id().encode()];
                        ++readsOf[bucket.id().encode()];
                        if (useLock || all.empty()) {
                            all.insert(all.end(), bucket.values().begin(), bucket.values().end());
                        } else {
                            ++duplicates; // without the lock: both readers got it
                            if (bits(all) != bits(bucket.values()))
                                errors.append(QStringLiteral("a duplicate differs"));
                        }
                    }
                }
                const StoreResult<bool> acked
                    = client->acknowledge(p, *read.value, useLock ? owner : QByteArray());
                if (!acked.ok() || !*acked.value)
                    fail(QStringLiteral("acknowledge failed: ") + acked.error.message);
                if (useLock && !unlockOk(*client, p, owner))
                    fail(QStringLiteral("unlock failed"));
            }
            ++passes;
            if (last && !readSomething)
                return;
        }
    };
    const auto run = [&](Store *client, const QByteArray &owner) {
        reader(client, owner);
        --readersLeft;
    };
    std::thread a(run, store.get(), QByteArray("reader-a"));
    std::thread b(run, other ? other.get() : store.get(), QByteArray("reader-b"));
    writer.join();
    a.join();
    b.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));

    QHash<QByteArray, std::vector<double>> expected;
    for (int batch = 0; batch < kBatches; ++batch) {
        for (int i = 0; i < kPerBatch; ++i) {
            const BucketId id = useLock ? idOf(batch, i) : uniqueIdOf(batch, i);
            expected[id.encode()].push_back(double(batch * 1000 + i));
        }
    }
    QCOMPARE(delivered.size(), expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QVERIFY(delivered.contains(it.key()));
        QCOMPARE(bits(delivered.value(it.key())), bits(it.value()));
    }
    const StoreStats stats = store->stats();
    QCOMPARE(stats.buckets, 0);
    QCOMPARE(stats.values, 0);
    // With the lock, ids put again after an acknowledgement were read again:
    // the writer really ran between reads.
    const qint64 readAgain
        = std::count_if(readsOf.cbegin(), readsOf.cend(), [](int n) { return n > 1; });
    if (useLock) {
        QCOMPARE(duplicates, 0);
        QVERIFY(readAgain > 0);
    }
    qDebug("at=store.readers backend=%s lock=%d reads=%lld duplicates=%lld ids_read_again=%lld",
           qPrintable(backend), useLock, reads, duplicates, readAgain);
}

void Tst_storeconcurrency::lockedReadersRacingAWriterExactlyOnce()
{
    readersRacingAWriter(true);
}

void Tst_storeconcurrency::unlockedReadersRacingAWriterAtLeastOnce()
{
    readersRacingAWriter(false);
}

QTEST_GUILESS_MAIN(Tst_storeconcurrency)
#include "tst_storeconcurrency.moc"
