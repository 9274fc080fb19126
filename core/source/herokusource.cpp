#include "source/herokusource.h"

#include <QStandardPaths>
#include <QTimer>

#include <algorithm>

namespace l2met {

namespace {

CommandSource::Options commandOptions()
{
    CommandSource::Options options;
    options.passThrough = false;
    options.forwardInput = false; // never wait for a login prompt's answer
    return options;
}

} // namespace

const QString HerokuSource::kNotInstalled =
    QStringLiteral("heroku CLI not installed (https://devcenter.heroku.com/articles/heroku-cli)");

HerokuSource::HerokuSource(const Context &context, const Options &options, QObject *parent)
    : CommandSource(SourceKind::Heroku, options.app, context, commandOptions(), parent)
    , m_herokuOptions(options)
    , m_restartTimer(new QTimer(this))
    , m_nextBackoffMs(options.firstBackoffMs)
{
    m_restartTimer->setSingleShot(true);
    connect(m_restartTimer, &QTimer::timeout, this, &HerokuSource::run);
}

HerokuSource::~HerokuSource() = default;

void HerokuSource::start()
{
    const QString program = m_herokuOptions.program.isEmpty() ? QStringLiteral("heroku") : m_herokuOptions.program;
    m_program = QStandardPaths::findExecutable(program);
    if (m_program.isEmpty() && program.contains(QLatin1Char('/')))
        m_program = program; // a path given for tests: let QProcess say what is wrong with it
    if (m_program.isEmpty()) {
        setState(SourceState::Failed, kNotInstalled);
        return;
    }
    m_arguments = m_herokuOptions.arguments;
    if (m_arguments.isEmpty())
        m_arguments = { QStringLiteral("logs"), QStringLiteral("--tail"), QStringLiteral("--app"), m_herokuOptions.app };
    run();
}

void HerokuSource::run()
{
    if (isStopped())
        return;
    m_runTime.start();
    launch(m_program, m_arguments);
}

void HerokuSource::processEnded(int exitStatus, const QString &detail)
{
    Q_UNUSED(exitStatus);
    scheduleRestart(detail);
}

void HerokuSource::processFailedToStart(const QString &error)
{
    scheduleRestart(error);
}

void HerokuSource::scheduleRestart(const QString &why)
{
    if (isStopped())
        return;
    if (m_runTime.isValid() && m_runTime.elapsed() > m_herokuOptions.resetBackoffAfterMs)
        m_nextBackoffMs = m_herokuOptions.firstBackoffMs;
    const int delayMs = m_nextBackoffMs;
    m_nextBackoffMs = std::min(m_herokuOptions.maxBackoffMs, std::max(1, delayMs) * 2);
    const int seconds = (delayMs + 999) / 1000;
    setState(SourceState::Reconnecting, QStringLiteral("reconnecting in %1 s").arg(seconds),
             QStringLiteral("in=%1s reason=%2").arg(seconds).arg(logfmtValue(why)));
    m_restartTimer->start(delayMs);
}

void HerokuSource::stop()
{
    m_restartTimer->stop();
    CommandSource::stop();
}

} // namespace l2met
