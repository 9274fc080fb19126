// The local sources of core/source/, each in its own QThread as the Engine
// runs them, with a real Inbox that the test pops: the exact lines that come
// out, the item fields, the status counters and states. Real processes (sh,
// seq, a fake heroku on PATH), real files, real sockets on 127.0.0.1 and
// util-linux logger as the syslog client. Every wait is on a condition
// (QTRY_*, Inbox::pop with a deadline), never a sleep.
#include "enginetestkit.h"
#include "receiver/inbox.h"
#include "source/commandsource.h"
#include "source/filetailsource.h"
#include "source/herokusource.h"
#include "source/stdinsource.h"
#include "source/syslogsource.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QUdpSocket>

#include <algorithm>
#include <csignal>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kUser = "alice@example.com";
const QByteArray kToken = "drain-token-for-tests";

Source::Context context(Inbox *inbox, int id)
{
    Source::Context c;
    c.inbox = inbox;
    c.options.token = kToken;
    c.options.resolution = 60;
    c.options.prefix = "dev";
    c.user = kUser;
    c.id = id;
    return c;
}

QList<QByteArray> fileLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    return lines;
}

QList<QByteArray> sorted(QList<QByteArray> lines)
{
    std::sort(lines.begin(), lines.end());
    return lines;
}

void writeFile(const QString &path, const QByteArray &data, QIODevice::OpenMode mode = QIODevice::Append)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | mode), qPrintable(file.errorString()));
    QCOMPARE(file.write(data), data.size());
}

QByteArray octet(const QByteArray &message)
{
    return QByteArray::number(message.size()) + ' ' + message;
}

// One source in its own thread, as the Engine runs it, over its own Inbox.
class Rig
{
public:
    explicit Rig(int maxItems = 1000, qint64 maxBytes = 64 << 20)
        : inbox(maxItems, maxBytes)
    {
    }
    ~Rig() { stop(); }

    template<typename S>
    S *start(S *source)
    {
        m_source = source;
        m_kind = source->kind();
        m_id = source->id();
        thread.setObjectName(QStringLiteral("l2met-src-%1").arg(source->id()));
        source->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, source, &QObject::deleteLater);
        QObject::connect(source, &Source::finished, &m_receiver, [this](int status) { finished << status; });
        thread.start();
        QMetaObject::invokeMethod(source, &Source::start, Qt::QueuedConnection);
        return source;
    }

    void stop()
    {
        if (!m_source)
            return;
        m_source->requestStop();
        QMetaObject::invokeMethod(m_source, &Source::stop, Qt::BlockingQueuedConnection);
        finalStatus = m_source->status();
        thread.quit();
        thread.wait();
        m_source = nullptr;
    }

    SourceStatus status() const { return m_source->status(); }
    SourceState state() const { return status().state; }
    QString detail() const { return status().detail; }
    Source *source() const { return m_source; }

    // Pops until n lines came out, or timeoutMs passed; every item is
    // checked (badItem says what was wrong with the first bad one).
    QList<QByteArray> take(int n, int timeoutMs = 5000)
    {
        QList<QByteArray> lines;
        const QDeadlineTimer deadline(timeoutMs);
        while (lines.size() < n && !deadline.hasExpired()) {
            InboxItem item;
            if (!inbox.pop(&item, 20))
                continue;
            check(item);
            QList<QByteArray> body = item.body.split('\n');
            body.removeLast(); // after the last '\n'
            lines += body;
        }
        return lines;
    }

    Inbox inbox;
    QThread thread;
    QList<int> finished;
    QString badItem;
    SourceStatus finalStatus; // after stop()

private:
    void check(const InboxItem &item)
    {
        if (!badItem.isEmpty())
            return;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        if (item.kind != m_kind || item.sourceId != m_id)
            badItem = QStringLiteral("kind or sourceId");
        else if (item.options.format != BodyFormat::Lines)
            badItem = QStringLiteral("format is not Lines");
        else if (item.options.token != kToken || item.options.prefix != "dev" || item.user != kUser)
            badItem = QStringLiteral("options or user not copied");
        else if (item.receivedAt < now - 60 || item.receivedAt > now + 1)
            badItem = QStringLiteral("receivedAt");
        else if (item.body.isEmpty() || !item.body.endsWith('\n'))
            badItem = QStringLiteral("body does not end with a newline: ") + QString::fromUtf8(item.body.right(40));
        else if (item.body.contains("\n\n") || item.body.startsWith('\n'))
            badItem = QStringLiteral("empty line in body");
    }

    Source *m_source = nullptr;
    SourceKind m_kind = SourceKind::Drain;
    int m_id = 0;
    QObject m_receiver; // lives in this thread: finished() arrives queued
};

CommandSource::Options shell(const QString &script, const QStringList &arguments = {})
{
    CommandSource::Options options;
    options.program = QStringLiteral("/bin/sh");
    options.arguments = QStringList { QStringLiteral("-c"), script, QStringLiteral("sh") } + arguments;
    options.passThrough = false;
    options.forwardInput = false;
    return options;
}

// logger (util-linux) with its messages on stdin, one per line.
void logger(const QStringList &arguments, const QByteArray &messages)
{
    QProcess p;
    p.start(QStringLiteral("logger"), arguments);
    QVERIFY2(p.waitForStarted(5000), qPrintable(p.errorString()));
    p.write(messages);
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(5000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
}

} // namespace

class TestSources : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void stdinPipe();
    void stdinRegularFile();
    void longLineIsCut();

    void commandLines();
    void commandExitStatus();
    void commandKilledBySignal();
    void commandForwardSignal();
    void commandStdoutAndStderr();
    void commandPassThrough();
    void commandCannotStart();
    void commandBackPressure();
    void commandStop();

    void fileCreatedLater();
    void fileFromEndAndFromStart();
    void fileRotation();
    void fileTruncation();

    void herokuRestarts();
    void herokuNotInstalled();

    void syslogLogger();
    void syslogFraming();
    void syslogUdpDropsWhenFull();
    void syslogTcpWaitsWhenFull();
    void syslogConnectionLimit();
    void syslogCannotBind();
    void syslogHostPort();

private:
    QByteArray m_path;
};

void TestSources::initTestCase()
{
    m_path = qgetenv("PATH");
    QVERIFY(!QStandardPaths::findExecutable(QStringLiteral("logger")).isEmpty());
    QVERIFY(!QFINDTESTDATA("data/foreman.log").isEmpty());
}

void TestSources::cleanup()
{
    qputenv("PATH", m_path);
    QLoggingCategory::setFilterRules(QString());
}

// --- stdin -----------------------------------------------------------------

void TestSources::stdinPipe()
{
    int fds[2];
    QCOMPARE(::pipe(fds), 0);
    Rig rig;
    auto *source = rig.start(new StdinSource(context(&rig.inbox, 1), fds[0]));
    QVERIFY(source->isFinite());
    QTRY_COMPARE(rig.state(), SourceState::Running);

    // A trickle shows at once (the batch is flushed after 50 ms).
    const QByteArray first = "measure#a=1\ncount#b\n";
    QCOMPARE(::write(fds[1], first.constData(), size_t(first.size())), ssize_t(first.size()));
    QCOMPARE(rig.take(2), (QList<QByteArray> { "measure#a=1", "count#b" }));
    QVERIFY(rig.finished.isEmpty());

    // Windows line ends lose their \r; empty lines are skipped; a partial
    // last line comes out at the end.
    const QByteArray second = "sample#c=2\r\n\nmeasure#d=3ms\npartial-last";
    QCOMPARE(::write(fds[1], second.constData(), size_t(second.size())), ssize_t(second.size()));
    ::close(fds[1]);
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    QCOMPARE(rig.take(3), (QList<QByteArray> { "sample#c=2", "measure#d=3ms", "partial-last" }));
    QCOMPARE(rig.inbox.depth(), 0);
    const SourceStatus status = rig.status();
    QCOMPARE(status.state, SourceState::Ended);
    QCOMPARE(status.kind, SourceKind::Stdin);
    QCOMPARE(status.name, QStringLiteral("stdin"));
    QCOMPARE(status.linesRead, quint64(5));
    QCOMPARE(status.lastLine, QByteArray("partial-last"));
    QVERIFY(status.lastLineAt.isValid());
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
    rig.stop();
    ::close(fds[0]);
}

void TestSources::stdinRegularFile()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    QList<QByteArray> expected;
    for (int i = 0; i < 250; ++i) {
        expected << "line " + QByteArray::number(i) + " count#x";
        file.write(expected.constLast() + '\n');
    }
    expected << "no newline at the end";
    file.write(expected.constLast());
    file.close();

    const int fd = ::open(QFile::encodeName(file.fileName()).constData(), O_RDONLY);
    QVERIFY(fd >= 0);
    Rig rig;
    rig.start(new StdinSource(context(&rig.inbox, 2), fd));
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    QCOMPARE(rig.take(int(expected.size())), expected);
    QCOMPARE(rig.inbox.depth(), 0);
    QCOMPARE(rig.status().linesRead, quint64(expected.size()));
    QCOMPARE(rig.status().state, SourceState::Ended);
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
    rig.stop();
    ::close(fd);
}

void TestSources::longLineIsCut()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    const QByteArray longX(70000, 'x');
    const QByteArray longY(Source::kMaxLineBytes, 'y');
    file.write(longX + "\nnext\n" + longY + "\nlast\n");
    file.close();
    const int fd = ::open(QFile::encodeName(file.fileName()).constData(), O_RDONLY);
    QVERIFY(fd >= 0);
    Rig rig;
    rig.start(new StdinSource(context(&rig.inbox, 3), fd));
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    const QList<QByteArray> lines = rig.take(4);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[0], longX.first(Source::kMaxLineBytes)); // cut; the rest of it skipped
    QCOMPARE(lines[1], QByteArray("next"));
    QCOMPARE(lines[2], longY); // exactly the limit: whole
    QCOMPARE(lines[3], QByteArray("last"));
    QCOMPARE(rig.status().lastLine, QByteArray("last"));
    QCOMPARE(rig.status().linesRead, quint64(4));
    QCOMPARE(rig.inbox.depth(), 0);
    rig.stop();
    ::close(fd);
}

// --- command ---------------------------------------------------------------

void TestSources::commandLines()
{
    const QString fixture = QFINDTESTDATA("data/heroku-cli-tail.log");
    const QList<QByteArray> expected = fileLines(fixture);
    QCOMPARE(expected.size(), 6);
    Rig rig;
    // Prints a line every 50 ms, as an app does.
    auto *source = rig.start(new CommandSource(
        context(&rig.inbox, 4),
        shell(QStringLiteral("while IFS= read -r line; do printf '%s\\n' \"$line\"; sleep 0.05; done < \"$1\""),
              { fixture })));
    QVERIFY(source->isFinite());
    // Lines show while the child runs (the batch goes after 50 ms), not all
    // at its end.
    QList<QByteArray> lines = rig.take(1);
    QVERIFY2(!lines.isEmpty() && lines.size() < expected.size(), "all the lines came in one batch");
    lines += rig.take(int(expected.size() - lines.size()));
    QCOMPARE(lines, expected);
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    QCOMPARE(rig.state(), SourceState::Ended);
    QCOMPARE(rig.detail(), QStringLiteral("exited with status 0"));
    QCOMPARE(rig.status().exitStatus, 0);
    QCOMPARE(rig.status().linesRead, quint64(6));
    QCOMPARE(rig.status().kind, SourceKind::Command);
    QVERIFY(rig.status().name.startsWith(QStringLiteral("/bin/sh -c ")));
    QCOMPARE(rig.inbox.depth(), 0);
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
}

void TestSources::commandExitStatus()
{
    Rig rig;
    rig.start(new CommandSource(context(&rig.inbox, 5), shell(QStringLiteral("echo measure#a=1; exit 3"))));
    QTRY_COMPARE(rig.finished, QList<int> { 3 });
    QCOMPARE(rig.take(1), QList<QByteArray> { "measure#a=1" });
    QCOMPARE(rig.state(), SourceState::Ended);
    QCOMPARE(rig.detail(), QStringLiteral("exited with status 3"));
    QCOMPARE(rig.status().exitStatus, 3);
    QCOMPARE(rig.inbox.depth(), 0);
}

void TestSources::commandKilledBySignal()
{
    Rig rig;
    rig.start(new CommandSource(context(&rig.inbox, 6), shell(QStringLiteral("echo before; kill -KILL $$"))));
    QTRY_COMPARE(rig.finished, QList<int> { 128 + SIGKILL });
    QCOMPARE(rig.take(1), QList<QByteArray> { "before" });
    QCOMPARE(rig.detail(), QStringLiteral("killed by signal %1").arg(SIGKILL));
    QCOMPARE(rig.status().exitStatus, 128 + SIGKILL);
}

void TestSources::commandForwardSignal()
{
    Rig rig;
    auto *source = rig.start(new CommandSource(
        context(&rig.inbox, 7),
        shell(QStringLiteral("trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done"))));
    QCOMPARE(rig.take(1), QList<QByteArray> { "ready" });
    QVERIFY(rig.finished.isEmpty());
    QMetaObject::invokeMethod(source, [source] { source->forwardSignal(SIGTERM); }, Qt::QueuedConnection);
    QTRY_COMPARE(rig.finished, QList<int> { 42 });
    QCOMPARE(rig.take(1), QList<QByteArray> { "got-term" });
    QCOMPARE(rig.detail(), QStringLiteral("exited with status 42"));
}

void TestSources::commandStdoutAndStderr()
{
    Rig rig;
    // Each channel keeps its own partial line: "out-a " waits for "out-b"
    // while stderr lines go by.
    rig.start(new CommandSource(context(&rig.inbox, 8),
                                shell(QStringLiteral("printf 'out-a '; echo err-1 >&2; printf 'err-2a ' >&2; "
                                                     "printf 'out-b\\n'; printf 'err-2b\\n' >&2; "
                                                     "printf out-partial; printf err-partial >&2"))));
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    QCOMPARE(sorted(rig.take(5)),
             (QList<QByteArray> { "err-1", "err-2a err-2b", "err-partial", "out-a out-b", "out-partial" }));
    QCOMPARE(rig.status().linesRead, quint64(5));
    QCOMPARE(rig.inbox.depth(), 0);
}

void TestSources::commandPassThrough()
{
    // Our own stdout and stderr go to files for the time of the test; the
    // source's logs (and QTest's) are silenced meanwhile.
    QLoggingCategory::setFilterRules(QStringLiteral("l2met.source=false"));
    QTemporaryDir dir;
    const QString outPath = dir.filePath(QStringLiteral("stdout"));
    const QString errPath = dir.filePath(QStringLiteral("stderr"));
    const int outFd = ::open(QFile::encodeName(outPath).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int errFd = ::open(QFile::encodeName(errPath).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    QVERIFY(outFd >= 0 && errFd >= 0);
    fflush(stdout);
    fflush(stderr);
    const int savedOut = ::dup(STDOUT_FILENO);
    const int savedErr = ::dup(STDERR_FILENO);
    ::dup2(outFd, STDOUT_FILENO);
    ::dup2(errFd, STDERR_FILENO);

    QList<QByteArray> lines;
    QList<int> finished;
    {
        Rig rig;
        CommandSource::Options options = shell(QStringLiteral(
            "echo 'measure#out=1'; echo 'to stderr' >&2; printf 'no newline'"));
        options.passThrough = true;
        rig.start(new CommandSource(context(&rig.inbox, 9), options));
        const QDeadlineTimer deadline(5000);
        while (rig.finished.isEmpty() && !deadline.hasExpired())
            QTest::qWait(10);
        finished = rig.finished;
        lines = rig.take(3);
    }

    ::dup2(savedOut, STDOUT_FILENO);
    ::dup2(savedErr, STDERR_FILENO);
    ::close(savedOut);
    ::close(savedErr);
    ::close(outFd);
    ::close(errFd);

    QCOMPARE(finished, QList<int> { 0 });
    QCOMPARE(sorted(lines), (QList<QByteArray> { "measure#out=1", "no newline", "to stderr" }));
    QFile out(outPath);
    QFile err(errPath);
    QVERIFY(out.open(QIODevice::ReadOnly) && err.open(QIODevice::ReadOnly));
    QCOMPARE(out.readAll(), QByteArray("measure#out=1\nno newline")); // unchanged, like tee
    QCOMPARE(err.readAll(), QByteArray("to stderr\n"));
}

void TestSources::commandCannotStart()
{
    Rig rig;
    CommandSource::Options options;
    options.program = QStringLiteral("/nonexistent/l2met-no-such-program");
    options.passThrough = false;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("at=source.command id=10 state=failed")));
    rig.start(new CommandSource(context(&rig.inbox, 10), options));
    QTRY_COMPARE(rig.finished, QList<int> { 127 });
    QCOMPARE(rig.state(), SourceState::Failed);
    QVERIFY2(!rig.detail().isEmpty(), "QProcess's reason");
    QCOMPARE(rig.status().exitStatus, 127);
}

void TestSources::commandBackPressure()
{
    // An inbox of one item: the source waits for room (state Waiting), the
    // child waits on its full pipe, and nothing is lost.
    Rig rig(1);
    rig.start(new CommandSource(
        context(&rig.inbox, 11),
        { QStringLiteral("seq"), { QStringLiteral("1"), QStringLiteral("5000") }, false, false, {} }));
    QTRY_COMPARE(rig.state(), SourceState::Waiting);
    QCOMPARE(rig.detail(), QStringLiteral("inbox full"));
    QVERIFY(rig.finished.isEmpty()); // only once every line went in
    QList<QByteArray> expected;
    for (int i = 1; i <= 5000; ++i)
        expected << QByteArray::number(i);
    QCOMPARE(rig.take(5000, 10000), expected);
    QTRY_COMPARE(rig.finished, QList<int> { 0 });
    QCOMPARE(rig.inbox.depth(), 0);
    QCOMPARE(rig.status().linesRead, quint64(5000));
    QCOMPARE(rig.status().linesDropped, quint64(0));
    QCOMPARE(rig.state(), SourceState::Ended);
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
}

void TestSources::commandStop()
{
    // A running child is terminated; what it printed went in; no finished().
    {
        Rig rig;
        rig.start(new CommandSource(context(&rig.inbox, 26),
                                    shell(QStringLiteral("echo started; while :; do sleep 0.05; done"))));
        QCOMPARE(rig.take(1), QList<QByteArray> { "started" });
        rig.stop();
        QCOMPARE(rig.finalStatus.state, SourceState::Stopped);
        QCOMPARE(rig.finalStatus.exitStatus, 128 + SIGTERM);
        QVERIFY(rig.finished.isEmpty());
    }
    // A source waiting for room in a full inbox: requestStop() ends the wait.
    {
        Rig rig(1);
        rig.start(new CommandSource(
            context(&rig.inbox, 27),
            { QStringLiteral("seq"), { QStringLiteral("1"), QStringLiteral("100000") }, false, false, {} }));
        QTRY_COMPARE(rig.state(), SourceState::Waiting);
        QElapsedTimer stopping;
        stopping.start();
        rig.stop();
        QVERIFY2(stopping.elapsed() < CommandSource::kStopGraceMs, "stop() was not blocked by the full inbox");
        QCOMPARE(rig.finalStatus.state, SourceState::Stopped);
        QVERIFY(rig.finalStatus.linesRead < 100000);
        QVERIFY(rig.finished.isEmpty());
    }
    // An ended source keeps saying so.
    {
        Rig rig;
        rig.start(new CommandSource(context(&rig.inbox, 28), shell(QStringLiteral("exit 5"))));
        QTRY_COMPARE(rig.finished, QList<int> { 5 });
        rig.stop();
        QCOMPARE(rig.finalStatus.state, SourceState::Ended);
        QCOMPARE(rig.finalStatus.detail, QStringLiteral("exited with status 5"));
    }
}

// --- file ------------------------------------------------------------------

void TestSources::fileCreatedLater()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("app.log"));
    Rig rig;
    FileTailSource::Options options;
    options.path = path;
    auto *source = rig.start(new FileTailSource(context(&rig.inbox, 12), options));
    QVERIFY(!source->isFinite());
    QTRY_COMPARE(rig.state(), SourceState::Waiting);
    QCOMPARE(rig.detail(), QStringLiteral("waiting for the file"));
    QCOMPARE(rig.status().name, path);

    // A file that appears is new: read from its start.
    writeFile(path, "measure#a=1\ncount#b\n");
    QCOMPARE(rig.take(2), (QList<QByteArray> { "measure#a=1", "count#b" }));
    QCOMPARE(rig.state(), SourceState::Running);
    writeFile(path, "sample#c=3\n");
    QCOMPARE(rig.take(1), QList<QByteArray> { "sample#c=3" });
    QCOMPARE(rig.status().linesRead, quint64(3));
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
}

void TestSources::fileFromEndAndFromStart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("app.log"));
    writeFile(path, "old-1\nold-2\n");

    Rig fromEnd;
    FileTailSource::Options options;
    options.path = path;
    fromEnd.start(new FileTailSource(context(&fromEnd.inbox, 13), options));
    QTRY_COMPARE(fromEnd.state(), SourceState::Running);

    Rig fromStart;
    options.fromStart = true;
    fromStart.start(new FileTailSource(context(&fromStart.inbox, 14), options));
    QCOMPARE(fromStart.take(2), (QList<QByteArray> { "old-1", "old-2" }));

    // A partial line waits for its end.
    writeFile(path, "new-1\nnew-");
    QCOMPARE(fromEnd.take(1), QList<QByteArray> { "new-1" });
    writeFile(path, "2\n");
    QCOMPARE(fromEnd.take(1), QList<QByteArray> { "new-2" });
    QCOMPARE(fromStart.take(2), (QList<QByteArray> { "new-1", "new-2" }));
    QCOMPARE(fromEnd.status().linesRead, quint64(2));
    QCOMPARE(fromStart.status().linesRead, quint64(4));
}

void TestSources::fileRotation()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("app.log"));
    writeFile(path, "before-start\n");
    Rig rig;
    FileTailSource::Options options;
    options.path = path;
    rig.start(new FileTailSource(context(&rig.inbox, 15), options));
    QTRY_COMPARE(rig.state(), SourceState::Running);
    writeFile(path, "a\n");
    QCOMPARE(rig.take(1), QList<QByteArray> { "a" });

    // Written, renamed away and replaced at once: the old file is read to
    // its end, then the new one from its start.
    writeFile(path, "b-old\n");
    QVERIFY(QFile::rename(path, path + QStringLiteral(".1")));
    writeFile(path, "c-new\n");
    QCOMPARE(rig.take(2), (QList<QByteArray> { "b-old", "c-new" }));
    writeFile(path, "d-new\n");
    writeFile(path + QStringLiteral(".1"), "late-old\n"); // the old file is closed by now
    QCOMPARE(rig.take(1), QList<QByteArray> { "d-new" });

    // Removed, then created again later.
    QVERIFY(QFile::remove(path));
    QTRY_COMPARE(rig.state(), SourceState::Waiting);
    writeFile(path, "e-newest\n");
    QCOMPARE(rig.take(1), QList<QByteArray> { "e-newest" });
    QCOMPARE(rig.state(), SourceState::Running);
    QCOMPARE(rig.status().linesRead, quint64(5));
    QCOMPARE(rig.inbox.depth(), 0);
}

void TestSources::fileTruncation()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("app.log"));
    writeFile(path, "old-line-1\nold-line-2\n");
    Rig rig;
    FileTailSource::Options options;
    options.path = path;
    options.fromStart = true;
    rig.start(new FileTailSource(context(&rig.inbox, 16), options));
    QCOMPARE(rig.take(2), (QList<QByteArray> { "old-line-1", "old-line-2" }));

    writeFile(path, "new\n", QIODevice::Truncate);
    QCOMPARE(rig.take(1), QList<QByteArray> { "new" });
    writeFile(path, "newer\n");
    QCOMPARE(rig.take(1), QList<QByteArray> { "newer" });
    QCOMPARE(rig.status().linesRead, quint64(4));
}

// --- heroku ----------------------------------------------------------------

void TestSources::herokuRestarts()
{
    const QString fakeBin = QFileInfo(QFINDTESTDATA("fakebin/heroku")).absolutePath();
    QVERIFY(QFileInfo(fakeBin + QStringLiteral("/heroku")).isExecutable());
    qputenv("PATH", QFile::encodeName(fakeBin) + ':' + m_path);
    const QString fixture = QFINDTESTDATA("data/heroku-cli-tail.log");
    qputenv("L2MET_FAKE_HEROKU_LINES", QFile::encodeName(fixture));

    QList<QByteArray> expected = fileLines(fixture);
    expected << "fake-heroku logs --tail --app example-app"; // its arguments, on stderr
    expected = sorted(expected);

    Rig rig;
    HerokuSource::Options options;
    options.app = QStringLiteral("example-app");
    auto *source = rig.start(new HerokuSource(context(&rig.inbox, 17), options));
    QVERIFY(!source->isFinite());
    QCOMPARE(sorted(rig.take(7)), expected);
    QTRY_COMPARE(rig.state(), SourceState::Reconnecting);
    QCOMPARE(rig.detail(), QStringLiteral("reconnecting in 1 s"));
    QCOMPARE(rig.status().name, QStringLiteral("example-app"));
    QCOMPARE(rig.status().kind, SourceKind::Heroku);

    // Run again after the back-off; the next one is twice as long.
    QCOMPARE(sorted(rig.take(7, 5000)), expected);
    QTRY_COMPARE(rig.detail(), QStringLiteral("reconnecting in 2 s"));
    QCOMPARE(rig.state(), SourceState::Reconnecting);
    QCOMPARE(rig.status().linesRead, quint64(14));
    QVERIFY(rig.finished.isEmpty());
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
    rig.stop();
    QCOMPARE(rig.inbox.depth(), 0);
}

void TestSources::herokuNotInstalled()
{
    QTemporaryDir empty;
    qputenv("PATH", QFile::encodeName(empty.path()));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^at=source.heroku id=18 state=failed detail=.*heroku CLI not installed")));
    Rig rig;
    HerokuSource::Options options;
    options.app = QStringLiteral("example-app");
    rig.start(new HerokuSource(context(&rig.inbox, 18), options));
    QTRY_COMPARE(rig.state(), SourceState::Failed);
    QCOMPARE(rig.detail(), QStringLiteral("heroku CLI not installed (https://devcenter.heroku.com/articles/heroku-cli)"));
    QCOMPARE(rig.detail(), HerokuSource::kNotInstalled);
    QVERIFY(rig.finished.isEmpty());
    rig.stop();
    QCOMPARE(rig.inbox.depth(), 0);
}

// --- syslog ----------------------------------------------------------------

void TestSources::syslogLogger()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    Rig rig;
    SyslogSource::Options options;
    options.port = port;
    auto *source = rig.start(new SyslogSource(context(&rig.inbox, 19), options));
    QVERIFY(!source->isFinite());
    QTRY_COMPARE(rig.state(), SourceState::Running);
    QCOMPARE(source->boundPort(), port);
    QCOMPARE(rig.status().name, QStringLiteral("127.0.0.1:%1").arg(port));

    const QStringList server { QStringLiteral("--server"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                               QString::number(port), QStringLiteral("-t"), QStringLiteral("tst") };
    logger(QStringList { QStringLiteral("--tcp"), QStringLiteral("--octet-count"), QStringLiteral("--rfc5424") } + server,
           "tcp-octet-1 measure#a=1\ntcp-octet-2 count#b\n");
    logger(QStringList { QStringLiteral("--tcp"), QStringLiteral("--rfc5424") } + server, "tcp-newline-5424\n");
    logger(QStringList { QStringLiteral("--tcp"), QStringLiteral("--rfc3164") } + server,
           "tcp-newline-3164-1\ntcp-newline-3164-2\n");
    logger(QStringList { QStringLiteral("--udp"), QStringLiteral("--rfc5424") } + server, "udp-5424-1\nudp-5424-2\n");
    logger(QStringList { QStringLiteral("--udp"), QStringLiteral("--rfc3164") } + server, "udp-3164\n");

    const QList<QByteArray> lines = rig.take(8);
    QCOMPARE(lines.size(), 8);
    QList<QByteArray> messages;
    for (const QByteArray &line : lines) {
        QVERIFY2(line.startsWith("<13>"), line.constData());
        const bool rfc5424 = line.startsWith("<13>1 ");
        QVERIFY2(line.contains(rfc5424 ? " tst - - " : " tst: "), line.constData());
        messages << line.mid(line.lastIndexOf(rfc5424 ? "] " : ": ") + 2);
        QCOMPARE(rfc5424, !messages.constLast().contains("3164"));
    }
    QCOMPARE(sorted(messages),
             (QList<QByteArray> { "tcp-newline-3164-1", "tcp-newline-3164-2", "tcp-newline-5424",
                                  "tcp-octet-1 measure#a=1", "tcp-octet-2 count#b", "udp-3164", "udp-5424-1",
                                  "udp-5424-2" }));
    QCOMPARE(rig.status().linesRead, quint64(8));
    QCOMPARE(rig.status().linesDropped, quint64(0));
    QCOMPARE(rig.inbox.depth(), 0);
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
}

void TestSources::syslogFraming()
{
    const quint16 port = freePort();
    Rig rig;
    rig.start(new SyslogSource(context(&rig.inbox, 20), QStringLiteral("127.0.0.1:%1").arg(port)));
    QTRY_COMPARE(rig.state(), SourceState::Running);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(5000));
    // Octet-counted and newline-terminated mixed on one connection, a frame
    // split across writes, an embedded newline, an empty frame, over-long
    // messages of both kinds, and a last message ended by the close.
    const QByteArray longX(70000, 'x');
    const QByteArray longY(70000, 'y');
    const QByteArray split = octet("<13>1 - h app - - - split-frame");
    const QList<QByteArray> writes {
        octet("<13>1 - h app - - - octet one") + octet("with embedded\nnewline\n"),
        "plain line\n" + octet("0 not a count"),
        "0 ", // an empty frame
        split.first(1), // the count itself split
        split.sliced(1, 20),
        split.sliced(21) + "second plain\r\n",
        octet(longX) + longY + "\nafter-long\n",
        "last without newline",
    };
    for (const QByteArray &w : writes) {
        client.write(w);
        QVERIFY(client.waitForBytesWritten(5000));
    }
    client.disconnectFromHost();

    const QList<QByteArray> lines = rig.take(10);
    QCOMPARE(lines.size(), 10);
    QCOMPARE(lines[0], QByteArray("<13>1 - h app - - - octet one"));
    QCOMPARE(lines[1], QByteArray("with embedded newline"));
    QCOMPARE(lines[2], QByteArray("plain line"));
    QCOMPARE(lines[3], QByteArray("0 not a count"));
    QCOMPARE(lines[4], QByteArray("<13>1 - h app - - - split-frame"));
    QCOMPARE(lines[5], QByteArray("second plain"));
    QCOMPARE(lines[6], longX.first(Source::kMaxLineBytes));
    QCOMPARE(lines[7], longY.first(Source::kMaxLineBytes));
    QCOMPARE(lines[8], QByteArray("after-long"));
    QCOMPARE(lines[9], QByteArray("last without newline"));
    QCOMPARE(rig.status().linesRead, quint64(10));
    QTRY_COMPARE(static_cast<SyslogSource *>(rig.source())->connectionCount(), 0);
    QCOMPARE(rig.inbox.depth(), 0);
}

void TestSources::syslogUdpDropsWhenFull()
{
    const quint16 port = freePort();
    Rig rig(1);
    InboxItem blocker;
    blocker.body = "blocker\n";
    QVERIFY(rig.inbox.tryPush(blocker));
    SyslogSource::Options options;
    options.port = port;
    rig.start(new SyslogSource(context(&rig.inbox, 21), options));
    QTRY_COMPARE(rig.state(), SourceState::Running);

    QUdpSocket client;
    for (int i = 0; i < 130; ++i)
        QCOMPARE(client.writeDatagram("udp-" + QByteArray::number(i) + '\n', QHostAddress::LocalHost, port), qint64(i < 10 ? 6 : i < 100 ? 7 : 8));
    // One batch (100 lines) waits for room; the datagrams after it are lost
    // and counted.
    QTRY_COMPARE(rig.status().linesRead + rig.status().linesDropped, quint64(130));
    QCOMPARE(rig.status().linesRead, quint64(Source::kMaxBatchLines));
    QCOMPARE(rig.status().linesDropped, quint64(30));
    QCOMPARE(rig.state(), SourceState::Waiting);
    QCOMPARE(rig.detail(), QStringLiteral("inbox full"));

    InboxItem item;
    QVERIFY(rig.inbox.pop(&item, 1000));
    QCOMPARE(item.body, QByteArray("blocker\n"));
    QList<QByteArray> expected;
    for (int i = 0; i < 100; ++i)
        expected << "udp-" + QByteArray::number(i);
    QCOMPARE(rig.take(100), expected);
    QTRY_COMPARE(rig.state(), SourceState::Running);

    client.writeDatagram("after", QHostAddress::LocalHost, port);
    QCOMPARE(rig.take(1), QList<QByteArray> { "after" });
    QCOMPARE(rig.status().linesDropped, quint64(30));
}

void TestSources::syslogTcpWaitsWhenFull()
{
    const quint16 port = freePort();
    Rig rig(1);
    InboxItem blocker;
    blocker.body = "blocker\n";
    QVERIFY(rig.inbox.tryPush(blocker));
    SyslogSource::Options options;
    options.port = port;
    rig.start(new SyslogSource(context(&rig.inbox, 22), options));
    QTRY_COMPARE(rig.state(), SourceState::Running);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(5000));
    QList<QByteArray> expected;
    QByteArray data;
    for (int i = 0; i < 3000; ++i) {
        expected << "tcp-" + QByteArray::number(i) + " count#tcp";
        data += octet(expected.constLast());
    }
    client.write(data);
    QVERIFY(client.waitForBytesWritten(5000));
    // A full batch, and the rest waits in the socket.
    QTRY_COMPARE(rig.status().linesRead, quint64(Source::kMaxBatchLines));
    QCOMPARE(rig.state(), SourceState::Waiting);

    InboxItem item;
    QVERIFY(rig.inbox.pop(&item, 1000));
    QCOMPARE(rig.take(3000, 10000), expected);
    QCOMPARE(rig.status().linesRead, quint64(3000));
    QCOMPARE(rig.status().linesDropped, quint64(0));
    QTRY_COMPARE(rig.state(), SourceState::Running);
    QVERIFY2(rig.badItem.isEmpty(), qPrintable(rig.badItem));
}

void TestSources::syslogConnectionLimit()
{
    const quint16 port = freePort();
    Rig rig;
    SyslogSource::Options options;
    options.port = port;
    options.maxConnections = 3;
    auto *source = rig.start(new SyslogSource(context(&rig.inbox, 23), options));
    QTRY_COMPARE(rig.state(), SourceState::Running);

    std::vector<std::unique_ptr<QTcpSocket>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<QTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(clients.back()->waitForConnected(5000));
    }
    QTRY_COMPARE(source->connectionCount(), 3);
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(extra.waitForConnected(5000));
    QVERIFY(extra.waitForDisconnected(5000)); // closed at once
    QCOMPARE(source->connectionCount(), 3);

    clients.front()->disconnectFromHost();
    QTRY_COMPARE(source->connectionCount(), 2);
    QTcpSocket next;
    next.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(next.waitForConnected(5000));
    next.write("room again\n");
    QVERIFY(next.waitForBytesWritten(5000));
    QCOMPARE(rig.take(1), QList<QByteArray> { "room again" });
    QCOMPARE(source->connectionCount(), 3);
}

void TestSources::syslogCannotBind()
{
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    Rig rig;
    SyslogSource::Options options;
    options.port = taken.serverPort();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("state=failed detail=\"cannot listen on tcp")));
    rig.start(new SyslogSource(context(&rig.inbox, 24), options));
    QTRY_COMPARE(rig.state(), SourceState::Failed);
    QVERIFY2(rig.detail().startsWith(QStringLiteral("cannot listen on tcp 127.0.0.1:%1: ").arg(taken.serverPort())),
             qPrintable(rig.detail()));

    Rig bad;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("state=failed detail=\"bad syslog address")));
    bad.start(new SyslogSource(context(&bad.inbox, 25), QStringLiteral("127.0.0.1:notaport")));
    QTRY_COMPARE(bad.state(), SourceState::Failed);
    QCOMPARE(bad.detail(), QStringLiteral("bad syslog address (HOST:PORT): 127.0.0.1:notaport"));
}

void TestSources::syslogHostPort()
{
    struct Case
    {
        QString text;
        bool ok;
        QString host;
        quint16 port;
    };
    const QList<Case> cases {
        { QStringLiteral("127.0.0.1:5514"), true, QStringLiteral("127.0.0.1"), 5514 },
        { QStringLiteral("0.0.0.0:514"), true, QStringLiteral("0.0.0.0"), 514 },
        { QStringLiteral(":6000"), true, QStringLiteral("127.0.0.1"), 6000 },
        { QStringLiteral("6001"), true, QStringLiteral("127.0.0.1"), 6001 },
        { QStringLiteral("[::1]:6002"), true, QStringLiteral("::1"), 6002 },
        { QStringLiteral("localhost:6003"), true, QStringLiteral("localhost"), 6003 },
        { QStringLiteral("host:70000"), false, {}, 0 },
        { QStringLiteral("host:"), false, {}, 0 },
        { QStringLiteral("[::1"), false, {}, 0 },
    };
    for (const Case &c : cases) {
        SyslogSource::Options options;
        QString error;
        QCOMPARE(SyslogSource::parseHostPort(c.text, &options, &error), c.ok);
        if (c.ok) {
            QCOMPARE(options.host, c.host);
            QCOMPARE(options.port, c.port);
        } else {
            QVERIFY(!error.isEmpty());
        }
    }
}

QTEST_GUILESS_MAIN(TestSources)
#include "tst_sources.moc"
