#include "redisserver.h"

#include "enginetestkit.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QUrl>

#include <csignal>
#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace l2met::test {

namespace {

constexpr int kPortAttempts = 5;
constexpr int kReadyTimeoutMs = 10000;

timeval toTimeval(int ms)
{
    timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}


enum class PingAnswer { None, Loading, Other };

// What the server on port answers to PING: nothing, -LOADING (it is loading
// its data), or anything else (PONG, but an error such as NOAUTH is an
// answer too).
PingAnswer pingAnswer(quint16 port)
{
    redisContext *context = redisConnectWithTimeout("127.0.0.1", port, toTimeval(200));
    if (!context)
        return PingAnswer::None;
    PingAnswer answer = PingAnswer::None;
    if (!context->err) {
        redisSetTimeout(context, toTimeval(500));
        auto *reply = static_cast<redisReply *>(redisCommand(context, "PING"));
        if (reply) {
            const bool loading = reply->type == REDIS_REPLY_ERROR
                && QByteArray(reply->str, qsizetype(reply->len)).startsWith("LOADING");
            answer = loading ? PingAnswer::Loading : PingAnswer::Other;
            freeReplyObject(reply);
        }
    }
    redisFree(context);
    return answer;
}

RedisValue toValue(const redisReply *reply)
{
    RedisValue value;
    switch (reply->type) {
    case REDIS_REPLY_NIL:
        value.type = RedisValue::Type::Nil;
        break;
    case REDIS_REPLY_INTEGER:
        value.type = RedisValue::Type::Integer;
        value.integer = reply->integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        value.type = reply->type == REDIS_REPLY_STRING ? RedisValue::Type::String
            : reply->type == REDIS_REPLY_STATUS        ? RedisValue::Type::Status
                                                       : RedisValue::Type::Error;
        value.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ARRAY:
        value.type = RedisValue::Type::Array;
        for (size_t i = 0; i < reply->elements; ++i)
            value.elements.append(toValue(reply->element[i]));
        break;
    default:
        break;
    }
    return value;
}

} // namespace

RedisServer::RedisServer(QStringList extraArgs, Transport transport)
    : m_extraArgs(std::move(extraArgs))
    , m_transport(transport)
{ }

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::binary()
{
    // L2MET_REDIS_SERVER picks another binary (a path that does not exist
    // plays a machine without Redis).
    const QString chosen = qEnvironmentVariable("L2MET_REDIS_SERVER");
    if (!chosen.isEmpty())
        return QFileInfo(chosen).isExecutable() ? chosen : QString();
    const QString standard = QStringLiteral("/usr/bin/redis-server");
    if (QFileInfo(standard).isExecutable())
        return standard;
    return QStandardPaths::findExecutable(QStringLiteral("redis-server"));
}

bool RedisServer::required()
{
    return qEnvironmentVariableIsSet("L2MET_REQUIRE_REDIS");
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

QString RedisServer::tlsUrl(const QString &user, const QString &password) const
{
    if (m_tlsPort == 0)
        return {};
    QString userInfo;
    if (!user.isEmpty() || !password.isEmpty()) {
        userInfo = QString::fromLatin1(QUrl::toPercentEncoding(user));
        if (!password.isEmpty())
            userInfo += u':' + QString::fromLatin1(QUrl::toPercentEncoding(password));
        userInfo += u'@';
    }
    return QStringLiteral("rediss://") + userInfo + QStringLiteral("localhost:")
        + QString::number(m_tlsPort);
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

bool RedisServer::start()
{
    if (isRunning())
        return true;
    return startOnFreePorts(Ready::Serving);
}

bool RedisServer::startOnFreePorts(Ready ready)
{
    if (binary().isEmpty()) {
        m_error = QStringLiteral("redis-server not found (apt-get install redis-server)");
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    const bool tls = m_transport == Transport::PlainAndTls;
    if (tls && m_certificates.caCert.isEmpty()) {
        QString error;
        if (!makeTestCertificates(m_dir.path(), &m_certificates, &error)) {
            m_certificates = {};
            m_error = QStringLiteral("cannot make TLS certificates: ") + error;
            return false;
        }
    }
    // A free port can be taken between the probe and redis-server's bind:
    // then redis-server exits and other ports are tried.
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        const quint16 port = freePort();
        const quint16 tlsPort = tls ? freePort() : 0;
        if (port == 0 || (tls && (tlsPort == 0 || tlsPort == port))) {
            m_error = QStringLiteral("no free port on 127.0.0.1");
            continue;
        }
        if (launch(port, tlsPort, ready))
            return true;
    }
    return false;
}

QStringList RedisServer::arguments(quint16 port, quint16 tlsPort) const
{
    QStringList args { QStringLiteral("--port"),       QString::number(port),
                       QStringLiteral("--bind"),       QStringLiteral("127.0.0.1"),
                       QStringLiteral("--save"),       QString(),
                       QStringLiteral("--appendonly"), QStringLiteral("no"),
                       QStringLiteral("--dir"),        m_dir.path(),
                       QStringLiteral("--loglevel"),   QStringLiteral("warning"),
                       QStringLiteral("--enable-debug-command"), QStringLiteral("local") };
    if (tlsPort != 0) {
        args += { QStringLiteral("--tls-port"),         QString::number(tlsPort),
                  QStringLiteral("--tls-cert-file"),    m_certificates.serverCert,
                  QStringLiteral("--tls-key-file"),     m_certificates.serverKey,
                  QStringLiteral("--tls-ca-cert-file"), m_certificates.caCert,
                  QStringLiteral("--tls-auth-clients"), QStringLiteral("no") };
    }
    return args + m_extraArgs + m_restartArgs;
}

bool RedisServer::launch(quint16 port, quint16 tlsPort, Ready ready)
{
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    const QString log = m_dir.filePath(QStringLiteral("redis-%1.log").arg(port));
    m_process->setStandardOutputFile(log, QIODevice::Append);
    m_process->start(binary(), arguments(port, tlsPort));
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("redis-server did not start: ") + m_process->errorString();
        m_process.reset();
        return false;
    }
    m_paused = false;
    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (!deadline.hasExpired()) {
        const PingAnswer answer = pingAnswer(port);
        if (answer == PingAnswer::Other
            || (answer == PingAnswer::Loading && ready == Ready::Answering)) {
            // Redis opens all its listeners before it answers on any.
            m_port = port;
            m_tlsPort = tlsPort;
            m_error.clear();
            return true;
        }
        // Waits a little and notices an exit (a port taken meanwhile).
        if (m_process->waitForFinished(20)) {
            QFile file(log);
            m_error = QStringLiteral("redis-server exited: ")
                + (file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll().right(500))
                                                  : QString());
            m_process.reset();
            return false;
        }
    }
    m_error = QStringLiteral("redis-server did not answer PING within %1 ms").arg(kReadyTimeoutMs);
    stop();
    return false;
}

void RedisServer::stop()
{
    if (!m_process)
        return;
    if (m_paused)
        resume(); // a stopped process does not act on SIGTERM
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

bool RedisServer::restart()
{
    return relaunch(Ready::Serving);
}

bool RedisServer::restartWith(const QStringList &extraArgs)
{
    m_restartArgs = extraArgs;
    return relaunch(Ready::Serving);
}

bool RedisServer::restartLoading(const QStringList &extraArgs)
{
    m_restartArgs = extraArgs;
    return relaunch(Ready::Answering);
}

bool RedisServer::relaunch(Ready ready)
{
    const quint16 port = m_port;
    const quint16 tlsPort = m_tlsPort;
    stop();
    if (port == 0)
        return startOnFreePorts(ready);
    return launch(port, tlsPort, ready);
}

void RedisServer::pause()
{
    if (isRunning() && !m_paused) {
        ::kill(pid_t(m_process->processId()), SIGSTOP);
        m_paused = true;
    }
}

void RedisServer::resume()
{
    if (m_process && m_paused) {
        ::kill(pid_t(m_process->processId()), SIGCONT);
        m_paused = false;
    }
}

QList<QByteArray> RedisValue::strings() const
{
    QList<QByteArray> out;
    for (const RedisValue &element : elements)
        out.append(element.string);
    return out;
}

RedisClient::RedisClient(quint16 port, const QByteArray &password, int db, int timeoutMs)
{
    m_context = redisConnectWithTimeout("127.0.0.1", port, toTimeval(timeoutMs));
    if (!m_context || m_context->err) {
        m_error = m_context ? QString::fromLocal8Bit(m_context->errstr)
                            : QStringLiteral("out of memory");
        if (m_context)
            redisFree(m_context);
        m_context = nullptr;
        return;
    }
    redisSetTimeout(m_context, toTimeval(timeoutMs));
    if (!password.isEmpty()) {
        const RedisValue auth = command({ "AUTH", password });
        if (auth.isError())
            m_error = QString::fromUtf8(auth.string);
    }
    if (db != 0 && m_error.isEmpty()) {
        const RedisValue select = command({ "SELECT", QByteArray::number(db) });
        if (select.isError())
            m_error = QString::fromUtf8(select.string);
    }
}

RedisClient::~RedisClient()
{
    if (m_context)
        redisFree(m_context);
}

bool RedisClient::isConnected() const
{
    return m_context && !m_context->err && m_error.isEmpty();
}

RedisValue RedisClient::command(const QList<QByteArray> &args)
{
    RedisValue failed;
    if (!m_context || m_context->err) {
        failed.string = "not connected";
        return failed;
    }
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        lengths.push_back(size_t(arg.size()));
    }
    void *reply = redisCommandArgv(m_context, int(argv.size()), argv.data(), lengths.data());
    if (!reply) {
        failed.string = QByteArray(m_context->errstr);
        return failed;
    }
    const RedisValue value = toValue(static_cast<redisReply *>(reply));
    freeReplyObject(reply);
    return value;
}

} // namespace l2met::test
