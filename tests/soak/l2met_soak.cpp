// l2met_soak: the soak test (one scenario, one store per run). Posts a
// deterministic corpus of good, malformed and late lines to the real l2met
// binary through concurrent HTTP connections, injects a fault mid-load, and
// checks that l2met's counters and a fake Librato's totals reconcile
// exactly with what the corpus holds. tests/soak/run.sh runs the matrix.
//
//   l2met_soak --binary build/app/l2met --store memory|redis|rediss --scenario NAME
//              [--lines N] [--seed S] [--connections C] [--min-seconds S] [--pause-ms MS] [--keep]
//
// Prints one logfmt summary line (and what did not hold); exits 0 when
// everything reconciled, 1 on a mismatch, 2 on bad usage.
#include "redisserver.h"
#include "soakrun.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace l2met::soak;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("l2met soak test: one scenario against one store"));
    parser.addHelpOption();
    const QCommandLineOption binary(QStringLiteral("binary"), QStringLiteral("the l2met binary"),
                                    QStringLiteral("path"), QStringLiteral(L2MET_BINARY));
    const QCommandLineOption store(QStringLiteral("store"), QStringLiteral("memory, redis, or rediss (TLS, ACL user)"),
                                   QStringLiteral("store"), QStringLiteral("memory"));
    const QCommandLineOption scenario(
        QStringLiteral("scenario"),
        QStringLiteral("clean, librato-500, librato-429, librato-stall, failing-account, "
                       "redis-pause, outlet-kill, sigterm"),
        QStringLiteral("name"), QStringLiteral("clean"));
    const QCommandLineOption lines(QStringLiteral("lines"), QStringLiteral("lines to post"),
                                   QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("corpus seed"),
                                  QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption connections(QStringLiteral("connections"),
                                         QStringLiteral("concurrent HTTP connections"),
                                         QStringLiteral("n"), QStringLiteral("8"));
    const QCommandLineOption minSeconds(
        QStringLiteral("min-seconds"), QStringLiteral("spread the posting over at least this long"),
        QStringLiteral("s"), QStringLiteral("0"));
    const QCommandLineOption pauseMs(QStringLiteral("pause-ms"),
                                     QStringLiteral("how long redis-pause stops Redis"),
                                     QStringLiteral("ms"), QStringLiteral("2000"));
    const QCommandLineOption keep(QStringLiteral("keep"),
                                  QStringLiteral("keep the processes' logs"));
    parser.addOptions(
        { binary, store, scenario, lines, seed, connections, minSeconds, pauseMs, keep });
    parser.process(app);

    SoakOptions options;
    options.binary = parser.value(binary);
    options.tls = parser.value(store) == QLatin1String("rediss");
    options.redis = options.tls || parser.value(store) == QLatin1String("redis");
    bool ok = options.redis || parser.value(store) == QLatin1String("memory");
    ok = ok && scenarioFromName(parser.value(scenario), &options.scenario);
    options.lines = parser.value(lines).toLongLong();
    options.seed = parser.value(seed).toULongLong();
    options.connections = parser.value(connections).toInt();
    options.minSeconds = parser.value(minSeconds).toDouble();
    options.keep = parser.isSet(keep);
    options.pauseMs = parser.value(pauseMs).toInt();
    if (!ok || options.lines <= 0 || options.connections <= 0) {
        std::fprintf(
            stderr, "l2met_soak: bad --store, --scenario, --lines or --connections (see --help)\n");
        return 2;
    }
    if (!scenarioAppliesTo(options.scenario, options.redis)) {
        std::printf("store=memory scenario=%s result=skipped reason=\"Redis only\"\n",
                    qPrintable(scenarioName(options.scenario)));
        return 0;
    }
    if (options.redis && l2met::test::RedisServer::binary().isEmpty()) {
        std::printf("store=%s scenario=%s result=skipped reason=\"no redis-server\"\n",
                    options.tls ? "rediss" : "redis", qPrintable(scenarioName(options.scenario)));
        return l2met::test::RedisServer::required() ? 1 : 0;
    }

    SoakRun run(options);
    const bool reconciled = run.run();
    std::printf("%s\n", qPrintable(run.summary()));
    for (const QString &line : run.mismatches())
        std::printf("  mismatch: %s\n", qPrintable(line));
    if (options.keep)
        std::printf("  logs: %s\n", qPrintable(run.logDir()));
    std::fflush(stdout);
    return reconciled ? 0 : 1;
}
