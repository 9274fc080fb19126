#include "source/syslogsource.h"

#include <QHostInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUdpSocket>

#include <algorithm>

namespace l2met {

namespace {

constexpr qint64 kReadChunk = 16 << 10;
// What Qt may hold per socket beyond our own buffer.
constexpr qint64 kSocketBufferBytes = 64 << 10;
// A length of more digits than this is no octet count.
constexpr int kMaxCountDigits = 9;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

QString hostPort(const QString &host, quint16 port)
{
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host) + QLatin1Char(':')
        + QString::number(port);
}

} // namespace

SyslogSource::SyslogSource(const Context &context, const Options &options, QObject *parent)
    : Source(SourceKind::Syslog, hostPort(options.host, options.port), context, parent)
    , m_options(options)
{
    setPushMode(PushMode::NoWait);
}

SyslogSource::SyslogSource(const Context &context, const QString &hostPort, QObject *parent)
    : Source(SourceKind::Syslog, hostPort, context, parent)
{
    setPushMode(PushMode::NoWait);
    parseHostPort(hostPort, &m_options, &m_parseError);
}

SyslogSource::~SyslogSource() = default;

bool SyslogSource::parseHostPort(const QString &text, Options *options, QString *error)
{
    QString host = QStringLiteral("127.0.0.1");
    QString port = text.trimmed();
    if (port.startsWith(QLatin1Char('['))) {
        const qsizetype close = port.indexOf(QLatin1String("]:"));
        if (close < 0) {
            *error = QLatin1String("bad syslog address (HOST:PORT): ") + text;
            return false;
        }
        host = port.mid(1, close - 1);
        port = port.mid(close + 2);
    } else if (const qsizetype colon = port.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        if (colon > 0)
            host = port.left(colon);
        port = port.mid(colon + 1);
    }
    bool ok = false;
    const uint number = port.toUInt(&ok);
    if (!ok || number > 65535) {
        *error = QLatin1String("bad syslog address (HOST:PORT): ") + text;
        return false;
    }
    options->host = host;
    options->port = quint16(number);
    return true;
}

void SyslogSource::start()
{
    if (!m_parseError.isEmpty()) {
        setState(SourceState::Failed, m_parseError);
        return;
    }
    QHostAddress address;
    const QString host = m_options.host;
    if (host.isEmpty() || host == QLatin1String("*")) {
        address = QHostAddress::Any;
    } else if (!address.setAddress(host)) {
        const QHostInfo info = QHostInfo::fromName(host);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            setState(SourceState::Failed, QLatin1String("cannot resolve ") + host);
            return;
        }
        address = info.addresses().constFirst();
    }

    m_server = new QTcpServer(this);
    m_server->setMaxPendingConnections(m_options.maxConnections);
    if (!m_server->listen(address, m_options.port)) {
        setState(SourceState::Failed, QLatin1String("cannot listen on tcp ") + hostPort(host, m_options.port)
                                          + QLatin1String(": ") + m_server->errorString());
        delete m_server;
        m_server = nullptr;
        return;
    }
    const quint16 port = m_server->serverPort();
    m_udp = new QUdpSocket(this);
    if (!m_udp->bind(address, port)) {
        setState(SourceState::Failed, QLatin1String("cannot listen on udp ") + hostPort(host, port)
                                          + QLatin1String(": ") + m_udp->errorString());
        delete m_udp;
        m_udp = nullptr;
        m_server->close();
        return;
    }
    m_boundPort.store(port);
    m_datagram.resize(m_options.maxMessageBytes);
    connect(m_server, &QTcpServer::newConnection, this, &SyslogSource::onNewConnection);
    connect(m_udp, &QUdpSocket::readyRead, this, &SyslogSource::onUdpReadyRead);
    setState(SourceState::Running, {}, QLatin1String("listen=") + hostPort(host, port) + QLatin1String(" tcp=true udp=true"));
}

void SyslogSource::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (int(m_connections.size()) >= m_options.maxConnections) {
            if (m_refused++ % 100 == 0)
                qCInfo(lcSource).noquote() << QString(logPrefix() + QLatin1String(" connection=refused open=")
                                                      + QString::number(m_connections.size())
                                                      + QLatin1String(" refused=") + QString::number(m_refused));
            socket->abort();
            socket->deleteLater();
            continue;
        }
        auto connection = std::make_unique<Connection>();
        connection->socket = socket;
        socket->setReadBufferSize(kSocketBufferBytes);
        Connection *c = connection.get();
        m_connections.push_back(std::move(connection));
        m_connectionCount.store(int(m_connections.size()));
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            if (Connection *found = find(socket))
                processConnection(found);
        });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            if (Connection *found = find(socket)) {
                found->closed = true;
                processConnection(found);
            }
        });
        processConnection(c);
    }
}

SyslogSource::Connection *SyslogSource::find(QTcpSocket *socket)
{
    for (const auto &c : m_connections) {
        if (c->socket == socket)
            return c.get();
    }
    return nullptr;
}

void SyslogSource::removeConnection(Connection *connection)
{
    connection->socket->disconnect(this);
    connection->socket->abort();
    connection->socket->deleteLater();
    m_connections.erase(std::find_if(m_connections.begin(), m_connections.end(),
                                     [connection](const auto &c) { return c.get() == connection; }));
    m_connectionCount.store(int(m_connections.size()));
}

bool SyslogSource::processConnection(Connection *c)
{
    if (m_stopped)
        return true;
    for (;;) {
        if (batchFull() && !tryFlushBatch())
            return true; // paused until batchDrained()
        const bool atEnd = c->closed && c->socket->bytesAvailable() == 0;
        QByteArray message;
        if (nextMessage(c, &message, atEnd)) {
            if (!message.isEmpty())
                addMessage(message);
            continue;
        }
        if (c->socket->bytesAvailable() > 0) {
            // Compact, then take one more chunk from the socket.
            if (c->pos > 0) {
                c->buffer.remove(0, c->pos);
                c->pos = 0;
            }
            c->buffer.append(c->socket->read(kReadChunk));
            continue;
        }
        if (c->closed) {
            removeConnection(c);
            return false;
        }
        return true;
    }
}

bool SyslogSource::nextMessage(Connection *c, QByteArray *message, bool atEnd)
{
    const qsizetype maxBytes = m_options.maxMessageBytes;
    QByteArrayView rest = QByteArrayView(c->buffer).sliced(c->pos);
    if (c->skip > 0) {
        const qsizetype n = qsizetype(std::min<qint64>(c->skip, rest.size()));
        c->pos += n;
        c->skip -= n;
        return c->skip == 0 && n > 0;
    }
    if (c->skipLine) {
        const qsizetype newline = rest.indexOf('\n');
        if (newline < 0) {
            c->pos += rest.size();
            if (atEnd)
                c->skipLine = false;
            return false;
        }
        c->pos += newline + 1;
        c->skipLine = false;
        return true;
    }
    if (rest.isEmpty())
        return false;

    // Octet-counted: a run of digits, then a space.
    qsizetype digits = 0;
    while (digits < rest.size() && digits <= kMaxCountDigits && isDigit(rest[digits]))
        ++digits;
    if (digits > 0 && digits <= kMaxCountDigits) {
        if (digits == rest.size() && !atEnd)
            return false; // the count may go on
        if (digits < rest.size() && rest[digits] == ' ') {
            const qint64 length = rest.first(digits).toByteArray().toLongLong();
            const qsizetype take = qsizetype(std::min<qint64>(length, maxBytes));
            if (rest.size() - digits - 1 < take) {
                if (atEnd)
                    c->pos = c->buffer.size(); // a frame cut short by the close: nothing to make of it
                return false;
            }
            *message = rest.sliced(digits + 1, take).toByteArray();
            c->pos += digits + 1 + take;
            c->skip = length - take;
            return true;
        }
    }

    // Newline-terminated.
    const qsizetype newline = rest.first(std::min(rest.size(), maxBytes + 1)).indexOf('\n');
    if (newline >= 0) {
        *message = rest.first(newline).toByteArray();
        c->pos += newline + 1;
        return true;
    }
    if (rest.size() >= maxBytes) {
        *message = rest.first(maxBytes).toByteArray();
        c->pos += maxBytes;
        c->skipLine = true;
        return true;
    }
    if (atEnd) {
        *message = rest.toByteArray(); // the last message, without its '\n'
        c->pos += rest.size();
        return true;
    }
    return false;
}

void SyslogSource::addMessage(QByteArrayView message)
{
    while (message.endsWith('\n') || message.endsWith('\r'))
        message.chop(1);
    if (message.size() > m_options.maxMessageBytes)
        message = message.first(m_options.maxMessageBytes);
    if (!message.contains('\n')) {
        addLine(message);
        return;
    }
    QByteArray line = message.toByteArray();
    line.replace('\n', ' ');
    addLine(line);
}

void SyslogSource::onUdpReadyRead()
{
    while (m_udp && m_udp->hasPendingDatagrams()) {
        const qint64 n = m_udp->readDatagram(m_datagram.data(), m_datagram.size());
        if (n < 0)
            break;
        if (batchFull() && !tryFlushBatch()) {
            countDropped(1);
            continue;
        }
        addMessage(QByteArrayView(m_datagram.constData(), qsizetype(n)));
    }
}

void SyslogSource::batchDrained()
{
    // Queued: this runs inside a push, possibly within processConnection().
    QMetaObject::invokeMethod(this, &SyslogSource::resumeConnections, Qt::QueuedConnection);
}

void SyslogSource::resumeConnections()
{
    // Room again: read the connections that were paused (their bytes wait in
    // their sockets; no readyRead comes for bytes already buffered).
    std::vector<QTcpSocket *> sockets;
    for (const auto &c : m_connections)
        sockets.push_back(c->socket);
    for (QTcpSocket *socket : sockets) {
        if (m_stopped || (batchFull() && !tryFlushBatch()))
            break;
        if (Connection *c = find(socket))
            processConnection(c);
    }
}

void SyslogSource::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    if (m_server)
        m_server->close();
    if (m_udp)
        m_udp->close();
    while (!m_connections.empty())
        removeConnection(m_connections.back().get());
    setPushMode(PushMode::Wait); // what is batched goes in, unless the inbox is closed
    endAllData();
    m_boundPort.store(0);
    markStopped();
}

} // namespace l2met
