// The l2met binary watching a local app (README "Watch your app locally"):
// lines piped to --stdin and the output of a child command (-- CMD), in the
// formats developers' tools print, through the real engine to the headless
// preview (JSON lines on stdout, a table on stderr) or to a fake Librato with
// LIBRATO_USER/LIBRATO_TOKEN; the child's exit status and signals; every line
// in exactly one outcome counter, per source kind.
#include "auth/fernet.h"
#include "engine/engine.h"
#include "enginetestkit.h"
#include "fakelibrato.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace l2met;
using namespace l2met::test;

namespace {

// Heroku CLI, foreman and bare logfmt lines stamped now (the windows are
// current, so nothing is late).
QByteArray mixedLines()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray stamp = now.toString(Qt::ISODateWithMs).toLatin1().replace('Z', "+00:00");
    const QByteArray clock = now.toLocalTime().toString(QStringLiteral("HH:mm:ss")).toLatin1();
    QByteArray out;
    out += stamp + " app[web.1]: at=info measure#db.latency=4ms count#db.queries=2\n";
    out += stamp
        + " heroku[router]: at=info method=GET path=\"/\" connect=1ms service=18ms status=200 "
          "bytes=13\n";
    out += stamp + " heroku[web.1]: Error R14 (Memory quota exceeded)\n";
    out += clock + " worker.1 | measure#job.duration=1.25s count#job.done\n";
    out += "\x1b[36m" + clock + " web.1    |\x1b[0m sample#queue.depth=7\n";
    out += "measure#render.time=bad count#renders=3\n"; // one bad piece, one good
    out += "just an ordinary log line\n";
    out += "measure#never=oops\n"; // nothing good
    return out;
}

// gauge name -> its JSON, over every payload line of a preview run.
QMap<QString, QList<QJsonObject>> gaugesOf(const QByteArray &jsonLines)
{
    QMap<QString, QList<QJsonObject>> out;
    for (const QByteArray &line : jsonLines.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (!doc.isObject())
            continue;
        for (const QJsonValue &g : doc.object().value(QLatin1String("gauges")).toArray())
            out[g.toObject().value(QLatin1String("name")).toString()].append(g.toObject());
    }
    return out;
}

} // namespace

class TstLocal : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QStringList baseArgs() const
    {
        return { QStringLiteral("--no-gui"),
                 QStringLiteral("--config"),
                 m_dir.filePath(QStringLiteral("l2met.conf")),
                 QStringLiteral("-port"),
                 QStringLiteral("0"),
                 QStringLiteral("--bind"),
                 QStringLiteral("127.0.0.1"),
                 QStringLiteral("-flush-interval"),
                 QStringLiteral("100ms"),
                 QStringLiteral("-outlet-interval"),
                 QStringLiteral("100ms") };
    }

    void startL2met(QProcess &p, const QStringList &args,
                    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        QProcessEnvironment e = env;
        e.remove(QStringLiteral("LIBRATO_USER"));
        e.remove(QStringLiteral("LIBRATO_TOKEN"));
        if (env.contains(QStringLiteral("LIBRATO_USER"))) {
            e.insert(QStringLiteral("LIBRATO_USER"), env.value(QStringLiteral("LIBRATO_USER")));
            e.insert(QStringLiteral("LIBRATO_TOKEN"), env.value(QStringLiteral("LIBRATO_TOKEN")));
        }
        p.setProcessEnvironment(e);
        p.setProgram(QStringLiteral(L2MET_BINARY));
        p.setArguments(baseArgs() + args);
        p.start();
        QVERIFY(p.waitForStarted(10000));
    }

private Q_SLOTS:
    // `my-app | l2met --no-gui --stdin --preview`: payloads as JSON lines on
    // stdout, the summary on stderr, exit 0 at the end of input, and every
    // line in exactly one outcome counter.
    void stdinPreviewPipe()
    {
        QProcess l2met;
        startL2met(
            l2met,
            { QStringLiteral("--stdin"), QStringLiteral("--preview"), QStringLiteral("-v") });
        l2met.write(mixedLines());
        l2met.closeWriteChannel();
        QVERIFY(l2met.waitForFinished(30000));
        const QByteArray out = l2met.readAllStandardOutput();
        const QByteArray err = l2met.readAllStandardError();
        QCOMPARE(l2met.exitStatus(), QProcess::NormalExit);
        QVERIFY2(l2met.exitCode() == 0, err.constData());
        QVERIFY2(err.contains("no Librato credentials for local sources"), err.constData());

        const auto gauges = gaugesOf(out);
        // web.1's line: source from the dyno; the router line: router.*.
        QVERIFY2(gauges.contains(u"db.latency"_qs), out.constData());
        QCOMPARE(
            gauges.value(u"db.latency"_qs).constFirst().value(QLatin1String("source")).toString(),
            u"web.1"_qs);
        QCOMPARE(gauges.value(u"db.latency"_qs).constFirst().value(QLatin1String("count")).toInt(),
                 1);
        QCOMPARE(
            gauges.value(u"db.queries"_qs).constFirst().value(QLatin1String("value")).toDouble(),
            2.0);
        QVERIFY(gauges.contains(u"router.service"_qs));
        QCOMPARE(
            gauges.value(u"job.duration"_qs).constFirst().value(QLatin1String("source")).toString(),
            u"worker.1"_qs);
        QCOMPARE(
            gauges.value(u"queue.depth"_qs).constFirst().value(QLatin1String("value")).toDouble(),
            7.0);
        QCOMPARE(gauges.value(u"renders"_qs).constFirst().value(QLatin1String("value")).toDouble(),
                 3.0);
        QVERIFY(!gauges.contains(u"render.time"_qs));
        QVERIFY(!gauges.contains(u"never"_qs));
        // Local windows are --local-resolution (10 s) long.
        const qint64 t = gauges.value(u"db.latency"_qs)
                             .constFirst()
                             .value(QLatin1String("measure_time"))
                             .toInteger();
        QCOMPARE(t % 10, 0);

        // The table at exit names every metric.
        QVERIFY2(err.contains("previewed metrics:"), err.constData());
        for (const char *name :
             { "db.latency", "router.service", "job.duration", "queue.depth", "renders",
               "heroku.error.R14" })
            QVERIFY2(err.contains(name), name);
        // Final counters (-v logs them): 8 lines, each in one outcome.
        const auto counter = [&err](const char *name) {
            const QByteArray key = QByteArray(" ") + name + '=';
            const qsizetype at = err.lastIndexOf(key);
            if (at < 0)
                return qint64(-1);
            const qsizetype end = err.indexOf(' ', at + key.size());
            return err.mid(at + key.size(), end - at - key.size()).trimmed().toLongLong();
        };
        QCOMPARE(counter("lines_received"), 8);
        QCOMPARE(counter("lines_aggregated"), 6); // the R14 line too (heroku.error.R14)
        QCOMPARE(counter("lines_no_metrics"), 1); // the ordinary one
        QCOMPARE(counter("lines_invalid"), 1);
        QCOMPARE(counter("bad_value_not_number"), 2);
    }

    // --preview-out FILE: the payloads go to the file, stdout stays clean.
    void previewOutFile()
    {
        const QString out = m_dir.filePath(QStringLiteral("payloads.jsonl"));
        QProcess l2met;
        startL2met(l2met, { QStringLiteral("--stdin"), QStringLiteral("--preview"),
                            QStringLiteral("--preview-out"), out });
        l2met.write("measure#a=1ms\ncount#b=2\n");
        l2met.closeWriteChannel();
        QVERIFY(l2met.waitForFinished(30000));
        QCOMPARE(l2met.exitCode(), 0);
        QCOMPARE(l2met.readAllStandardOutput(), QByteArray());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray lines = file.readAll();
        QVERIFY(lines.endsWith('\n'));
        const auto gauges = gaugesOf(lines);
        QCOMPARE(gauges.value(u"a"_qs).constFirst().value(QLatin1String("sum")).toDouble(), 1.0);
        QCOMPARE(gauges.value(u"b"_qs).constFirst().value(QLatin1String("value")).toDouble(), 2.0);
    }

    // -- CMD: the child's output passes through, its exit status is l2met's,
    // and what it logged is delivered to Librato with LIBRATO_USER/TOKEN.
    void commandDeliversAndExitsWithItsStatus()
    {
        FakeLibrato librato;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LIBRATO_USER"), QStringLiteral("dev@example.com"));
        env.insert(QStringLiteral("LIBRATO_TOKEN"), QStringLiteral("local-api-token"));
        QProcess l2met;
        startL2met(
            l2met,
            { QStringLiteral("--librato-url"), librato.url().toString(), QStringLiteral("--"),
              QStringLiteral("sh"), QStringLiteral("-c"),
              QStringLiteral(
                  "echo 'measure#boot.time=250ms count#boots=1'; echo 'to stderr' >&2; exit 3") },
            env);
        // The fake Librato answers from this thread's event loop.
        QTRY_COMPARE_WITH_TIMEOUT(l2met.state(), QProcess::NotRunning, 30000);
        const QByteArray out = l2met.readAllStandardOutput();
        const QByteArray err = l2met.readAllStandardError();
        QCOMPARE(l2met.exitCode(), 3);
        QVERIFY2(out.contains("measure#boot.time=250ms count#boots=1\n"),
                 out.constData()); // as tee would
        QVERIFY2(err.contains("to stderr\n"), err.constData());
        QVERIFY2(!err.contains("local-api-token"), "the token is never logged");
        bool boot = false;
        bool boots = false;
        for (const FakeLibrato::Gauge &g : librato.acceptedGauges()) {
            QCOMPARE(g.user, QByteArray("dev@example.com"));
            boot = boot || g.json.value(QLatin1String("name")).toString() == u"boot.time"_qs;
            boots = boots || g.json.value(QLatin1String("name")).toString() == u"boots"_qs;
        }
        QVERIFY(boot && boots);
    }

    // SIGTERM goes to the child; l2met ends when it does, with its status.
    void signalIsForwardedToTheCommand()
    {
        QProcess l2met;
        startL2met(l2met,
                   { QStringLiteral("--preview"), QStringLiteral("--"), QStringLiteral("sh"),
                     QStringLiteral("-c"),
                     QStringLiteral("trap 'echo got-term; exit 42' TERM; echo ready; "
                                    "while :; do sleep 0.05; done") });
        QByteArray output;
        QTRY_VERIFY_WITH_TIMEOUT((output += l2met.readAllStandardOutput()).contains("ready"),
                                 10000);
        ::kill(pid_t(l2met.processId()), SIGTERM);
        QVERIFY(l2met.waitForFinished(20000));
        QCOMPARE(l2met.exitCode(), 42);
    }

    // In the engine: a followed file's lines show in the Sources view with
    // their outcomes, and the Lines view says what each became or why not.
    void engineSourcesAndLinesView()
    {
        const QString path = m_dir.filePath(QStringLiteral("app.log"));
        Config c;
        c.bind = QStringLiteral("127.0.0.1");
        c.port = 0;
        c.secrets = Fernet::generateKey();
        c.preview = true;
        c.flushIntervalMs = 50;
        c.outletIntervalMs = 50;
        c.tailFiles = { path };
        Engine engine(c);
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        engine.setLineCapture(true);
        const auto fileSource = [&engine]() {
            const std::shared_ptr<const EngineSnapshot> snapshot = engine.snapshot(); // outlives the loop
            for (const SourceStatus &s : snapshot->sources)
                if (s.kind == SourceKind::File)
                    return s;
            return SourceStatus();
        };
        // Not there yet: waiting.
        QTRY_COMPARE_WITH_TIMEOUT(fileSource().state, SourceState::Waiting, 5000);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Append));
        file.write("measure#page.load=120ms source=browser\nmeasure#oops=abc\nhello there\n");
        file.flush();
        QTRY_COMPARE_WITH_TIMEOUT(fileSource().linesRead, 3u, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(fileSource().linesWithMetrics, 1u, 10000);
        QCOMPARE(fileSource().linesMalformed, 1u);
        QCOMPARE(fileSource().linesOther, 1u);
        QCOMPARE(fileSource().state, SourceState::Running);
        QCOMPARE(fileSource().lastLine, QByteArray("hello there"));

        // The drain is listed too (id 0), and the lines' fate is told.
        QList<LineRecord> lines;
        QTRY_VERIFY_WITH_TIMEOUT((lines = engine.snapshot()->lines).size() >= 3, 10000);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0].outcome, ParseCounter::LinesAggregated);
        QCOMPARE(lines[0].measurements.size(), 1);
        QCOMPARE(lines[0].measurements[0].name, QByteArray("page.load"));
        QCOMPARE(lines[0].measurements[0].units, QByteArray("ms"));
        QCOMPARE(lines[0].measurements[0].source, QByteArray("browser"));
        QCOMPARE(lines[0].measurements[0].window % 10, 0);
        QCOMPARE(lines[0].kind, SourceKind::File);
        QCOMPARE(lines[1].outcome, ParseCounter::LinesInvalid);
        QVERIFY2(lines[1].reason.contains("not a number: measure#oops=abc"), lines[1].reason.constData());
        QCOMPARE(lines[2].outcome, ParseCounter::LinesNoMetrics);
        QVERIFY(lines[2].reason.startsWith("no metrics"));
        // Capture off: new lines are not captured.
        engine.setLineCapture(false);
        file.write("measure#later=1\n");
        file.flush();
        QTRY_COMPARE_WITH_TIMEOUT(fileSource().linesRead, 4u, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(fileSource().linesWithMetrics, 2u, 10000);
        QCOMPARE(engine.snapshot()->lines.size(), 3);
        engine.shutdown(10000);
    }

    // /metrics counts lines per source kind, exactly.
    void metricsPerSourceKind()
    {
        QProcess l2met;
        const quint16 port = freePort();
        QStringList args = { QStringLiteral("--stdin"), QStringLiteral("--preview") };
        startL2met(l2met, args << QStringLiteral("-port") << QString::number(port));
        l2met.write("measure#a=1\nmeasure#b=x\nplain line\n");
        const QUrl metrics(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port));
        const auto value = [&metrics](const QByteArray &series) {
            const QByteArray body = http("GET", metrics).body;
            for (const QByteArray &line : body.split('\n'))
                if (line.startsWith(QByteArray(series + ' ')))
                    return line.mid(series.size() + 1).toDouble();
            return -1.0;
        };
        QTRY_COMPARE_WITH_TIMEOUT(
            value("l2met_source_lines{source_kind=\"stdin\",outcome=\"lines_aggregated\"}"), 1.0,
            10000);
        QCOMPARE(value("l2met_source_lines{source_kind=\"stdin\",outcome=\"lines_invalid\"}"), 1.0);
        QCOMPARE(value("l2met_source_lines{source_kind=\"stdin\",outcome=\"lines_no_metrics\"}"),
                 1.0);
        QCOMPARE(value("l2met_source_lines{source_kind=\"drain\",outcome=\"lines_aggregated\"}"),
                 0.0);
        l2met.closeWriteChannel();
        QVERIFY(l2met.waitForFinished(20000));
        QCOMPARE(l2met.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TstLocal)
#include "tst_local.moc"
