// bench_cardinality: memory per bucket. Parses N lines (default 1,000,000)
// that each make a new single-value series (`measure#user.N.latency=4ms`,
// the id-in-a-name mistake) through the engine's own path: BodyParser,
// BucketAccumulator, Register, then MemoryStore::put as the store writer
// would flush, with no series limit. Prints the resident memory the buckets
// took (RSS after minus before, after malloc_trim), bytes per bucket, and
// lines/s of parse + merge + put; the last line is bytes_per_bucket=N.
//
// Usage: bench_cardinality [lines=1000000]
#include "enginetestkit.h"
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "receiver/register.h"
#include "store/memorystore.h"

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <malloc.h>

using namespace l2met;

namespace {

// After giving freed memory back, so that RSS is what is held.
qint64 heldBytes()
{
    malloc_trim(0);
    return test::rssBytes();
}

} // namespace

int main(int argc, char **argv)
{
    const int lines = argc > 1 ? std::atoi(argv[1]) : 1000000;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QByteArray stamp = QDateTime::fromSecsSinceEpoch(now, Qt::UTC).toString(Qt::ISODate).toLatin1();
    constexpr int kPerBody = 10000; // about a logplex batch of the largest kind

    IngestOptions options;
    options.token = QByteArray(164, 'T'); // a drain token's length
    options.resolution = 60;
    BodyParser parser;
    BucketAccumulator accumulator;
    Register registry;
    MemoryStore store(1, [now] { return now; });
    ParseCounters total;

    const qint64 before = heldBytes();
    qint64 busyNs = 0;
    QByteArray body;
    for (int first = 0; first < lines; first += kPerBody) {
        body.clear();
        for (int i = first; i < std::min(lines, first + kPerBody); ++i) {
            const QByteArray message = "<190>1 " + stamp + " host app web.1 - measure#user."
                + QByteArray::number(i) + ".latency=4ms source=web.1";
            body += QByteArray::number(message.size()) + ' ' + message;
        }
        QElapsedTimer timer;
        timer.start();
        accumulator.reset(options.token, options.resolution);
        total += parser.parse(std::string_view(body.constData(), size_t(body.size())), options, now,
                              accumulator);
        std::vector<Bucket> buckets = accumulator.takeBuckets();
        registry.merge(buckets);
        if ((first / kPerBody) % 10 == 9 || first + kPerBody >= lines) { // a flush
            const std::vector<Bucket> flushed = registry.takeAll();
            store.put(flushed);
        }
        busyNs += timer.nsecsElapsed();
    }
    body = QByteArray();
    const qint64 after = heldBytes();
    const qint64 held = store.bucketsInMemory();
    if (total[ParseCounter::LinesAggregated] != quint64(lines) || held != lines) {
        std::fprintf(stderr, "error: %lld buckets held for %d lines\n", static_cast<long long>(held), lines);
        return 1;
    }
    std::printf("lines=%d\n", lines);
    std::printf("buckets=%lld\n", static_cast<long long>(held));
    std::printf("lines_per_second=%.0f\n", double(lines) / (double(busyNs) / 1e9));
    std::printf("rss_grown_mib=%.1f\n", double(after - before) / (1 << 20));
    std::printf("bytes_per_bucket=%.0f\n", double(after - before) / double(held));
    return 0;
}
