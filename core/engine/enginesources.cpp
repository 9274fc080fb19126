// Engine, its local sources (docs/architecture.md, "Local sources"): the
// credentials a local source's lines are filed under, adding, stopping and
// removing sources in their own threads, signals forwarded to child
// commands, and the Sources view's statuses. The rest of Engine is
// engine.cpp.
#include "engine/engine.h"

#include "auth/credentials.h"
#include "auth/credentialscache.h"
#include "auth/fernet.h"
#include "receiver/inbox.h"
#include "receiver/parserpool.h"
#include "source/commandsource.h"
#include "source/source.h"
#include "source/sourcefactory.h"

#include <QLoggingCategory>
#include <QSemaphore>
#include <QThread>

Q_DECLARE_LOGGING_CATEGORY(lcEngine)

namespace l2met {

// Local sources' buckets carry a drain token like any drain's, so stores and
// the outlet treat them alike and no store holds a Librato token in clear.
bool Engine::setUpLocalCredentials(QString *error)
{
    m_localPreviewOnly = false;
    const bool hasLocalSources = m_config.readStdin || !m_config.command.isEmpty()
        || !m_config.tailFiles.isEmpty() || !m_config.herokuApps.isEmpty()
        || !m_config.syslogAddress.isEmpty();
    Credentials credentials;
    if (!m_config.drainToken.isEmpty()) {
        if (m_credentials->resolve(m_config.drainToken, &credentials) != AuthError::None) {
            *error = QStringLiteral("invalid --drain-token: it does not verify with the configured "
                                    "secrets, or holds no user:token");
            return false;
        }
        m_localToken = m_config.drainToken;
        m_localUser = credentials.user;
    } else if (!m_config.libratoUser.isEmpty() || !m_config.libratoToken.isEmpty()) {
        if (m_config.libratoUser.isEmpty() || m_config.libratoToken.isEmpty()) {
            *error = QStringLiteral("--librato-user and --librato-token (LIBRATO_USER, LIBRATO_TOKEN) "
                                    "go together: one is missing");
            return false;
        }
        if (m_config.libratoUser.contains(u':')) {
            *error = QStringLiteral("invalid --librato-user: it may not contain ':'");
            return false;
        }
        m_localUser = m_config.libratoUser.toUtf8();
        m_localToken = m_fernet->encrypt(QByteArray(m_localUser + ':' + m_config.libratoToken));
    } else {
        m_localUser = QByteArrayLiteral("local");
        m_localToken = m_fernet->encrypt(QByteArrayLiteral("local:preview-only"));
        m_localPreviewOnly = hasLocalSources;
    }
    if (hasLocalSources && !m_config.runsReceiver()) {
        *error = QStringLiteral("local sources (--stdin, --tail, --heroku-app, --syslog, -- CMD) need "
                                "the receiver role: drop -outlet");
        return false;
    }
    if (m_localPreviewOnly && !m_config.preview) {
        m_config.preview = true;
        qCWarning(lcEngine).noquote() << QStringLiteral(
            "at=engine.start local_credentials=none preview=true: no Librato credentials for local "
            "sources (LIBRATO_USER and LIBRATO_TOKEN, --librato-user/--librato-token or "
            "--drain-token), so nothing is sent: payloads are previewed only");
    }
    return true;
}

int Engine::addSource(const SourceSpec &spec, QString *error)
{
    if (!m_running || !m_inbox) {
        if (error)
            *error = QStringLiteral("local sources need a running receiver");
        return 0;
    }
    // Started without local sources and without credentials for them: what
    // a source added now would make cannot be delivered, and preview is off.
    if (!m_localPreviewOnly && !m_config.preview && m_config.drainToken.isEmpty()
        && m_config.libratoToken.isEmpty()) {
        if (error)
            *error = QStringLiteral("no Librato credentials for local sources: set LIBRATO_USER and "
                                    "LIBRATO_TOKEN (or --drain-token) and restart, or turn preview on");
        return 0;
    }
    const int id = m_nextSourceId++;
    Source::Context context;
    context.inbox = m_inbox.get();
    context.id = id;
    context.user = m_localUser;
    context.options.format = BodyFormat::Lines;
    context.options.token = m_localToken;
    context.options.resolution = m_config.localResolution;
    context.options.recvDeadline = m_config.recvDeadline;
    context.options.routerStatus = m_config.routerStatus;
    QString reason;
    if (spec.kind == SourceKind::Stdin && m_stdinTaken) {
        if (error)
            *error = QStringLiteral("standard input is read already");
        return 0;
    }
    std::unique_ptr<Source> source = makeSource(spec, context, m_config.readStdin, &reason);
    if (!source) {
        if (error)
            *error = reason;
        return 0;
    }
    m_stdinTaken = m_stdinTaken || spec.kind == SourceKind::Stdin;
    LocalSource local;
    local.spec = spec;
    local.finite = source->isFinite();
    local.isCommand = spec.kind == SourceKind::Command;
    local.thread = makeThread(QStringLiteral("l2met-src-%1").arg(id));
    local.source = source.release();
    local.source->moveToThread(local.thread);
    connect(local.source, &Source::finished, this, [this, id](int status) { sourceFinished(id, status); },
            Qt::QueuedConnection);
    {
        QMutexLocker lock(&m_sourcesMutex);
        m_sources.emplace(id, local);
    }
    Source *started = local.source;
    QMetaObject::invokeMethod(started, [started] { started->start(); }, Qt::QueuedConnection);
    qCInfo(lcEngine).noquote() << QStringLiteral("at=engine.source id=%1 kind=%2 state=started")
                                      .arg(id)
                                      .arg(QLatin1String(sourceKindName(spec.kind)));
    return id;
}

namespace {

// stop() in the source's thread, waited for. A source blocked waiting for
// room in the inbox runs no events; the parsers normally make room within
// moments, but if they cannot (parsing paused), requestStop() makes the wait
// give up.
void stopInItsThread(Source *source, bool andDelete)
{
    QSemaphore done;
    QMetaObject::invokeMethod(
        source,
        [source, andDelete, &done] {
            source->stop();
            if (andDelete)
                delete source;
            done.release();
        },
        Qt::QueuedConnection);
    if (!done.tryAcquire(1, 5000)) {
        source->requestStop();
        done.acquire();
    }
}

} // namespace

void Engine::stopSource(int id)
{
    Source *source = nullptr;
    {
        QMutexLocker lock(&m_sourcesMutex);
        const auto it = m_sources.find(id);
        if (it == m_sources.end())
            return;
        source = it->second.source;
    }
    stopInItsThread(source, false);
}

void Engine::removeSource(int id)
{
    LocalSource local;
    {
        QMutexLocker lock(&m_sourcesMutex);
        const auto it = m_sources.find(id);
        if (it == m_sources.end())
            return;
        local = it->second;
        m_sources.erase(it);
    }
    stopInItsThread(local.source, true);
    stopThread(local.thread);
}

void Engine::stopLocalSources()
{
    std::map<int, LocalSource> sources;
    {
        QMutexLocker lock(&m_sourcesMutex);
        sources.swap(m_sources);
    }
    for (auto &[id, local] : sources) {
        stopInItsThread(local.source, true);
        stopThread(local.thread);
    }
}

void Engine::forwardSignal(int signal)
{
    QMutexLocker lock(&m_sourcesMutex);
    for (auto &[id, local] : m_sources) {
        if (local.isCommand && !local.finished) {
            auto *command = static_cast<CommandSource *>(local.source);
            QMetaObject::invokeMethod(command, [command, signal] { command->forwardSignal(signal); },
                                      Qt::QueuedConnection);
        }
    }
}

void Engine::sourceFinished(int id, int status)
{
    bool allEnded = true;
    bool anyFinite = false;
    int exitStatus = 0;
    {
        QMutexLocker lock(&m_sourcesMutex);
        const auto it = m_sources.find(id);
        if (it == m_sources.end())
            return;
        it->second.finished = true;
        it->second.exitStatus = status;
        for (const auto &[otherId, local] : m_sources) {
            if (!local.finite)
                continue;
            anyFinite = true;
            allEnded = allEnded && local.finished;
            if (local.isCommand)
                exitStatus = local.exitStatus;
            else if (exitStatus == 0)
                exitStatus = local.exitStatus;
        }
    }
    qCInfo(lcEngine).noquote()
        << QStringLiteral("at=engine.source id=%1 state=ended status=%2").arg(id).arg(status);
    if (anyFinite && allEnded && !m_finiteEndedEmitted) {
        m_finiteEndedEmitted = true;
        Q_EMIT finiteSourcesEnded(exitStatus);
    }
}

QList<SourceStatus> Engine::sourceStatuses() const
{
    QList<SourceStatus> out;
    const QHash<int, ParserPool::SourceLines> lines
        = m_parsers ? m_parsers->sourceLines() : QHash<int, ParserPool::SourceLines>();
    const auto fill = [&lines](SourceStatus &status) {
        const ParserPool::SourceLines l = lines.value(status.id);
        status.linesWithMetrics = l.withMetrics;
        status.linesMalformed = l.malformed;
        status.linesOther = l.other;
    };
    if (m_receiver && m_inbox) {
        SourceStatus drain;
        drain.id = 0;
        drain.kind = SourceKind::Drain;
        drain.name = QStringLiteral("POST /logs on port %1").arg(m_port);
        drain.state = SourceState::Running;
        drain.linesRead = lines.value(0).lines;
        fill(drain);
        out.append(drain);
    }
    QMutexLocker lock(&m_sourcesMutex);
    for (const auto &[id, local] : m_sources) {
        SourceStatus status = local.source->status();
        status.spec = local.spec;
        fill(status);
        out.append(status);
    }
    return out;
}

} // namespace l2met
