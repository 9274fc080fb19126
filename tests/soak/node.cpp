#include "node.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QTimer>

#include <csignal>

namespace l2met::soak {

Node::Node(QString name, QString binary, QStringList args, QProcessEnvironment env, QString logPath,
           quint16 port)
    : m_name(std::move(name))
    , m_binary(std::move(binary))
    , m_args(std::move(args))
    , m_env(std::move(env))
    , m_logPath(std::move(logPath))
    , m_port(port)
{ }

Node::~Node()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

bool Node::start(QString *error)
{
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(m_binary);
    m_process->setArguments(m_args);
    m_process->setProcessEnvironment(m_env);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_logPath, QIODevice::Append);
    m_process->start();
    if (!m_process->waitForStarted(10000)) {
        *error = m_name + QStringLiteral(" did not start: ") + m_process->errorString();
        return false;
    }
    return true;
}

bool Node::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 Node::pid() const
{
    return m_process ? m_process->processId() : 0;
}

void Node::signal(int sig)
{
    if (isRunning())
        ::kill(pid_t(m_process->processId()), sig);
}

bool Node::waitExited(int timeoutMs)
{
    if (!isRunning())
        return true;
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(m_process.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(timeoutMs);
    loop.exec();
    return !isRunning();
}

int Node::exitCode() const
{
    return m_process ? m_process->exitCode() : -1;
}

bool Node::crashed() const
{
    return m_process && m_process->exitStatus() == QProcess::CrashExit;
}

QMap<QByteArray, double> Node::finalMetrics() const
{
    QMap<QByteArray, double> out;
    QFile file(m_logPath);
    if (!file.open(QIODevice::ReadOnly))
        return out;
    QByteArray last;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        if (line.contains(" at=metrics "))
            last = line;
    }
    const qsizetype at = last.indexOf(" at=metrics ");
    if (at < 0)
        return out;
    for (const QByteArray &pair : last.mid(at + 12).trimmed().split(' ')) {
        const qsizetype eq = pair.indexOf('=');
        if (eq > 0)
            out.insert(pair.left(eq), pair.mid(eq + 1).toDouble());
    }
    return out;
}

QByteArray Node::shutdownLine() const
{
    QFile file(m_logPath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QByteArray found;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        if (line.contains("at=engine.shutdown"))
            found = line.trimmed();
    }
    return found;
}

// Runs the event loop until condition() holds (looking every intervalMs) or
// timeoutMs passed; returns condition().
bool pollUntil(const std::function<bool()> &condition, int timeoutMs, int intervalMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(intervalMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}


} // namespace l2met::soak
