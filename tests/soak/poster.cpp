#include "poster.h"

#include <QDateTime>
#include <QHostAddress>
#include <QTcpSocket>
#include <QTimer>

namespace l2met::soak {

namespace {

constexpr int k503BackoffMs = 20; // logplex retries a 503 soon
constexpr int kBrokenBackoffMs = 50; // connection refused or reset

// Status and whether the answer is complete; -1 while incomplete.
int parseAnswer(const QByteArray &buffer, bool *close)
{
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return -1;
    const QByteArray head = buffer.left(end);
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> status = lines.first().trimmed().split(' ');
    if (status.size() < 2)
        return 0;
    qsizetype length = 0;
    *close = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length")
            length = value.toLongLong();
        else if (name == "connection" && value.toLower() == "close")
            *close = true;
    }
    if (buffer.size() < end + 4 + length)
        return -1;
    return status[1].toInt();
}

} // namespace

Poster::Poster(Corpus *corpus, QList<quint16> ports, Options options, QObject *parent)
    : QObject(parent)
    , m_corpus(corpus)
    , m_ports(std::move(ports))
    , m_options(options)
{
    for (int i = 0; i < m_options.connections; ++i) {
        auto c = std::make_unique<Connection>();
        c->id = i;
        c->port = m_ports[i % m_ports.size()];
        m_connections.push_back(std::move(c));
    }
}

Poster::~Poster()
{
    for (auto &c : m_connections) {
        if (c->socket) {
            c->socket->disconnect(this);
            c->socket->abort();
            delete c->socket;
        }
    }
}

void Poster::start()
{
    m_started = true;
    m_clock.start();
    pump();
}

int Poster::awaitingAnswer() const
{
    int n = 0;
    for (const auto &c : m_connections)
        n += c->body && c->written ? 1 : 0;
    return n;
}

void Poster::hold(bool held)
{
    m_held = held;
    if (!held)
        pump();
}

void Poster::pump()
{
    if (!m_fatal.isEmpty() || m_finished)
        return;
    for (auto &c : m_connections) {
        if (c->body || c->waiting)
            continue;
        if (m_held || m_corpus->done())
            break;
        if (m_options.minSeconds > 0) {
            // Pacing: the share of the corpus made so far may not run ahead
            // of the share of minSeconds elapsed.
            const double due = m_options.minSeconds * 1000.0 * double(m_corpus->linesMade())
                / double(m_corpus->totalLines());
            const qint64 wait = qint64(due) - m_clock.elapsed();
            if (wait > 0) {
                if (!m_pumpScheduled) {
                    m_pumpScheduled = true;
                    QTimer::singleShot(int(wait), this, [this] {
                        m_pumpScheduled = false;
                        pump();
                    });
                }
                break;
            }
        }
        c->body = m_corpus->next(QDateTime::currentSecsSinceEpoch());
        c->firstTriedMs = m_clock.elapsed();
        send(*c);
    }
    checkFinished();
}

QByteArray Poster::request(const Connection &c) const
{
    const Drain &drain = m_corpus->drains()[c.body->drain];
    QByteArray r;
    r.reserve(512 + c.body->bytes.size());
    r += "POST /logs?resolution=" + QByteArray::number(m_options.resolution) + " HTTP/1.1\r\n";
    r += "Host: 127.0.0.1:" + QByteArray::number(c.port) + "\r\n";
    r += "Authorization: Basic " + QByteArray(drain.token + ':').toBase64() + "\r\n";
    r += "Content-Type: application/logplex-1\r\n";
    r += "User-Agent: Logplex/v123\r\n";
    r += "Logplex-Msg-Count: " + QByteArray::number(c.body->lines) + "\r\n";
    r += "Logplex-Frame-Id: " + c.body->frameId + "\r\n";
    r += "Logplex-Drain-Token: " + drain.logplexToken + "\r\n";
    r += "Content-Length: " + QByteArray::number(c.body->bytes.size()) + "\r\n\r\n";
    r += c.body->bytes;
    return r;
}

void Poster::send(Connection &c)
{
    c.written = false;
    c.response.clear();
    if (c.socket && c.socket->state() == QAbstractSocket::ConnectedState) {
        write(c);
        return;
    }
    if (c.socket) {
        c.socket->disconnect(this);
        c.socket->abort();
        c.socket->deleteLater();
    }
    c.socket = new QTcpSocket(this);
    Connection *conn = &c;
    connect(c.socket, &QTcpSocket::connected, this, [this, conn] { write(*conn); });
    connect(c.socket, &QTcpSocket::readyRead, this, [this, conn] { onReadyRead(*conn); });
    connect(c.socket, &QTcpSocket::errorOccurred, this, [this, conn] { onBroken(*conn); });
    c.socket->connectToHost(QHostAddress::LocalHost, c.port);
}

void Poster::write(Connection &c)
{
    if (!c.body || c.written)
        return;
    c.written = true;
    ++m_stats.requests;
    c.socket->write(request(c));
}

void Poster::onReadyRead(Connection &c)
{
    c.response += c.socket->readAll();
    if (!c.body) {
        c.response.clear(); // nothing asked: ignore
        return;
    }
    bool close = false;
    const int status = parseAnswer(c.response, &close);
    if (status < 0)
        return;
    c.response.clear();
    if (close) {
        c.socket->disconnect(this);
        c.socket->disconnectFromHost();
        c.socket->deleteLater();
        c.socket = nullptr;
    }
    if (status == 200) {
        ++m_stats.bodies200;
        m_accepted.add(c.body->expected);
        c.body.reset();
        c.written = false;
        Q_EMIT progress(qint64(m_accepted.lines));
        pump();
        return;
    }
    if (status == 503) {
        ++m_stats.answered503;
        retryLater(c, k503BackoffMs);
        return;
    }
    fail(QStringLiteral("body %1 answered %2").arg(c.body->index).arg(status));
}

void Poster::onBroken(Connection &c)
{
    QTcpSocket *socket = c.socket;
    if (!socket)
        return;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
    c.socket = nullptr;
    if (!c.body)
        return; // an idle keep-alive connection closed: nothing lost
    if (c.written)
        ++m_stats.ambiguous;
    else
        ++m_stats.connectErrors;
    retryLater(c, kBrokenBackoffMs);
}

void Poster::retryLater(Connection &c, int delayMs)
{
    c.written = false;
    if (m_clock.elapsed() - c.firstTriedMs > m_options.giveUpMs) {
        fail(QStringLiteral("body %1 not accepted within %2 ms")
                 .arg(c.body->index)
                 .arg(m_options.giveUpMs));
        return;
    }
    c.waiting = true;
    Connection *conn = &c;
    QTimer::singleShot(delayMs, this, [this, conn] {
        conn->waiting = false;
        if (m_fatal.isEmpty())
            send(*conn);
    });
}

void Poster::fail(const QString &why)
{
    if (m_fatal.isEmpty())
        m_fatal = why;
    m_finished = true;
    Q_EMIT finished();
}

void Poster::checkFinished()
{
    if (m_finished || !m_corpus->done())
        return;
    for (const auto &c : m_connections) {
        if (c->body)
            return;
    }
    m_finished = true;
    Q_EMIT finished();
}

} // namespace l2met::soak
