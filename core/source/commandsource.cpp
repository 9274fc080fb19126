#include "source/commandsource.h"

#include <QFileInfo>

#include <cerrno>
#include <csignal>
#include <ctime>

#include <pthread.h>
#include <unistd.h>

namespace l2met {

namespace {

constexpr int kKillWaitMs = 1000;

// write() all of it to fd. SIGPIPE (a closed stdout: `l2met -- app | head`)
// is blocked for this thread meanwhile and taken back, so a closed pipe is an
// error (EPIPE) rather than the end of l2met.
bool writeAll(int fd, const char *data, qsizetype size)
{
    sigset_t pipeSet;
    sigset_t old;
    sigemptyset(&pipeSet);
    sigaddset(&pipeSet, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeSet, &old);
    bool ok = true;
    int error = 0;
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ok = false;
            error = errno;
            break;
        }
        data += n;
        size -= n;
    }
    if (!ok && error == EPIPE) {
        const timespec zero { 0, 0 };
        sigtimedwait(&pipeSet, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ok;
}

QString commandName(const CommandSource::Options &options)
{
    QStringList words { options.program };
    words += options.arguments;
    return words.join(QLatin1Char(' '));
}

} // namespace

CommandSource::CommandSource(const Context &context, const Options &options, QObject *parent)
    : CommandSource(SourceKind::Command, commandName(options), context, options, parent)
{
}

CommandSource::CommandSource(SourceKind kind, const QString &name, const Context &context, const Options &options,
                             QObject *parent)
    : Source(kind, name, context, parent)
    , m_options(options)
{
}

CommandSource::~CommandSource()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(kKillWaitMs);
    }
}

void CommandSource::start()
{
    launch(m_options.program, m_options.arguments);
}

void CommandSource::launch(const QString &program, const QStringList &arguments)
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_passThrough[0] = m_passThrough[1] = m_options.passThrough;
    m_programName = QFileInfo(program).fileName();
    resetStream(0);
    resetStream(1);

    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setInputChannelMode(m_options.forwardInput ? QProcess::ForwardedInputChannel
                                                          : QProcess::ManagedInputChannel);
    if (!m_options.workingDirectory.isEmpty())
        m_process->setWorkingDirectory(m_options.workingDirectory);
    connect(m_process, &QProcess::readyReadStandardOutput, this,
            [this] { readChannel(QProcess::StandardOutput); });
    connect(m_process, &QProcess::readyReadStandardError, this,
            [this] { readChannel(QProcess::StandardError); });
    connect(m_process, &QProcess::finished, this, &CommandSource::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &CommandSource::onError);
    connect(m_process, &QProcess::started, this, [this] {
        setExitStatus(-1);
        setState(SourceState::Running, {},
                 QLatin1String("program=") + logfmtValue(m_programName) + QLatin1String(" pid=")
                     + QString::number(m_process->processId()));
    });
    setState(SourceState::Starting);
    m_process->start(program, arguments);
    if (!m_options.forwardInput)
        m_process->closeWriteChannel();
}

qint64 CommandSource::processId() const
{
    return m_process && m_process->state() == QProcess::Running ? m_process->processId() : 0;
}

void CommandSource::forwardSignal(int sig)
{
    const qint64 pid = processId();
    if (pid <= 0)
        return;
    qCInfo(lcSource).noquote() << logPrefix() + QLatin1String(" forward_signal=") + QString::number(sig)
            + QLatin1String(" pid=") + QString::number(pid);
    ::kill(pid_t(pid), sig);
}

void CommandSource::readChannel(QProcess::ProcessChannel channel)
{
    if (!m_process)
        return;
    const int stream = channel == QProcess::StandardOutput ? 0 : 1;
    const QByteArray data = channel == QProcess::StandardOutput ? m_process->readAllStandardOutput()
                                                                : m_process->readAllStandardError();
    if (data.isEmpty())
        return;
    if (m_passThrough[stream] && !writeAll(stream == 0 ? STDOUT_FILENO : STDERR_FILENO, data.constData(), data.size())) {
        m_passThrough[stream] = false;
        qCInfo(lcSource).noquote() << logPrefix()
                + QLatin1String(stream == 0 ? " pass_through=off channel=stdout" : " pass_through=off channel=stderr");
    }
    addData(data, stream);
}

void CommandSource::onFinished(int exitCode, QProcess::ExitStatus exitStatus)
{
    readChannel(QProcess::StandardOutput);
    readChannel(QProcess::StandardError);
    endAllData();
    int status = exitCode;
    QString detail;
    if (exitStatus == QProcess::CrashExit) {
        status = 128 + exitCode;
        detail = QLatin1String("killed by signal ") + QString::number(exitCode);
    } else {
        detail = QLatin1String("exited with status ") + QString::number(exitCode);
    }
    setExitStatus(status);
    if (m_stopped)
        return;
    processEnded(status, detail);
}

void CommandSource::onError(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || m_stopped)
        return;
    processFailedToStart(m_process->errorString());
}

void CommandSource::processEnded(int exitStatus, const QString &detail)
{
    setState(SourceState::Ended, detail);
    Q_EMIT finished(exitStatus);
}

void CommandSource::processFailedToStart(const QString &error)
{
    setExitStatus(127);
    setState(SourceState::Failed, error);
    Q_EMIT finished(127);
}

void CommandSource::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(kStopGraceMs)) {
            m_process->kill();
            m_process->waitForFinished(kKillWaitMs);
        }
    }
    endAllData();
    markStopped();
}

} // namespace l2met
