// bench_parser: parses a realistic logplex body (100 frames) repeatedly
// into buckets on one thread, merging each body's buckets into the engine's
// Register, which is emptied every 1,000 bodies (as a flush would), and
// prints machine-readable results; the last line is lines_per_second=N.
// Bodies (tests/benchbody.h): app (default: ~170-byte lines, 2 measure#, 1
// count#, 1 sample#, source=), router (Heroku router lines), postgres
// (heroku-postgres samples), distinct (as app, but no value repeats within
// a flush: 1,000 different bodies in turn).
//
// Usage: bench_parser [seconds=3] [body=app]
//        bench_parser --write-body FILE   (the app body, stamped now, for bench_ingest.sh)
#include "benchbody.h"
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "receiver/register.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

using namespace l2met;

int main(int argc, char **argv)
{
    if (argc > 2 && std::string_view(argv[1]) == "--write-body") {
        QFile out(QString::fromLocal8Bit(argv[2]));
        if (!out.open(QIODevice::WriteOnly))
            return 1;
        out.write(bench::makeBody(100, QDateTime::currentSecsSinceEpoch()));
        return 0;
    }
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    const QByteArray bodyName = argc > 2 ? QByteArray(argv[2]) : QByteArrayLiteral("app");
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    std::vector<QByteArray> bodies;
    const int variants = bodyName == "distinct" ? 1000 : 1;
    for (int i = 0; i < variants; ++i)
        bodies.push_back(bench::makeNamedBody(bodyName, 100, now, quint64(i) * 100));
    if (bodies.front().isEmpty()) {
        std::fprintf(stderr, "unknown body %s (app, router, postgres, distinct)\n", bodyName.constData());
        return 2;
    }

    IngestOptions options;
    options.token = QByteArray(164, 'T');
    options.resolution = 60;

    BodyParser parser;
    BucketAccumulator accumulator;
    Register registry;
    ParseCounters total;
    quint64 parsed = 0;

    QElapsedTimer timer;
    timer.start();
    const qint64 budgetNs = static_cast<qint64>(seconds * 1e9);
    while (timer.nsecsElapsed() < budgetNs) {
        for (int i = 0; i < 100; ++i) {
            const QByteArray &body = bodies[parsed % bodies.size()];
            accumulator.reset(options.token, options.resolution);
            total += parser.parse(std::string_view(body.constData(), size_t(body.size())), options, now,
                                  accumulator);
            std::vector<Bucket> buckets = accumulator.takeBuckets();
            registry.merge(buckets);
            if (++parsed % 1000 == 0)
                registry.takeAll(); // as a flush would
        }
    }
    const double elapsed = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    const quint64 lines = total.lines();
    if (total[ParseCounter::LinesAggregated] != lines) {
        std::fprintf(stderr, "error: only %llu of %llu lines aggregated\n",
                     static_cast<unsigned long long>(total[ParseCounter::LinesAggregated]),
                     static_cast<unsigned long long>(lines));
        return 1;
    }
    std::printf("body=%s\n", bodyName.constData());
    std::printf("body_bytes=%lld\n", static_cast<long long>(bodies.front().size()));
    std::printf("frames_per_body=100\n");
    std::printf("bodies=%llu\n", static_cast<unsigned long long>(parsed));
    std::printf("seconds=%.3f\n", elapsed);
    std::printf("measurements_per_second=%.0f\n",
                static_cast<double>(total[ParseCounter::Measurements]) / elapsed);
    std::printf("megabytes_per_second=%.1f\n",
                static_cast<double>(total[ParseCounter::BodyBytes]) / elapsed / 1e6);
    std::printf("lines_per_second=%.0f\n", static_cast<double>(lines) / elapsed);
    return 0;
}
