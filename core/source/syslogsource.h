// SyslogSource: a syslog receiver on HOST:PORT (--syslog), TCP and UDP on
// the same port. Each message becomes one line: a trailing "\n" is
// stripped and embedded ones become spaces. TCP: per connection, each
// message is either octet-counted ("LEN SP MSG", RFC 6587: a frame that
// starts with a run of digits and a space) or ends at '\n'; decided per
// message, so a client may mix them. UDP: one datagram, one message.
//
// Memory is bounded: at most maxConnections TCP connections (a new one past
// that is closed at once), messages cut at maxMessageBytes (the rest of an
// over-long message is skipped), and a connection's bytes are taken from its
// socket only as messages are needed (the socket's read buffer is bounded).
//
// Back-pressure: pushing never blocks this thread (PushMode::NoWait). While
// the inbox is full, TCP connections are not read (their senders wait in
// the kernel's windows) and resume once the pending batch went in; UDP
// datagrams that find the batch full are dropped and counted (linesDropped):
// the only place where l2met loses lines.
//
// Lives in its own thread (see Source). Not finite. A port that cannot be
// bound: state Failed "cannot listen on ...".
#pragma once

#include "source/source.h"

#include <QHostAddress>

#include <atomic>
#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;
class QUdpSocket;

namespace l2met {

class SyslogSource : public Source
{
    Q_OBJECT

public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1"); // an address, or a name resolved at start()
        quint16 port = 5514; // 0: any free port (TCP's), see boundPort()
        int maxConnections = 64;
        qsizetype maxMessageBytes = 64 << 10;
    };

    SyslogSource(const Context &context, const Options &options, QObject *parent = nullptr);
    // "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (host 127.0.0.1); one that
    // does not parse makes start() fail with the reason.
    SyslogSource(const Context &context, const QString &hostPort, QObject *parent = nullptr);

    // false and *error (one line) when text is no HOST:PORT; options->host
    // and options->port set otherwise.
    static bool parseHostPort(const QString &text, Options *options, QString *error);
    ~SyslogSource() override;

    void start() override;
    void stop() override;

    // Thread-safe: the port listened on (0 before start() or when failed),
    // and the open TCP connections.
    quint16 boundPort() const { return m_boundPort.load(); }
    int connectionCount() const { return m_connectionCount.load(); }

protected:
    void batchDrained() override;

private:
    struct Connection
    {
        QTcpSocket *socket = nullptr;
        QByteArray buffer; // bytes taken from the socket, from pos on unused
        qsizetype pos = 0;
        qint64 skip = 0;       // the rest of an over-long octet-counted message
        bool skipLine = false; // the rest of an over-long '\n' message
        bool closed = false;   // the peer went away; drain and forget
    };

    void onNewConnection();
    void onUdpReadyRead();
    void resumeConnections();
    // Reads and takes the connection's messages while the batch has room.
    // false when the connection is finished and was removed.
    bool processConnection(Connection *connection);
    // The next message in the connection's buffer; false when more bytes
    // are needed. *message empty when only skipped bytes were consumed.
    bool nextMessage(Connection *connection, QByteArray *message, bool atEnd);
    void addMessage(QByteArrayView message);
    void removeConnection(Connection *connection);
    Connection *find(QTcpSocket *socket);

    Options m_options;
    QString m_parseError; // the hostPort constructor's, reported by start()
    QTcpServer *m_server = nullptr;
    QUdpSocket *m_udp = nullptr;
    std::vector<std::unique_ptr<Connection>> m_connections;
    QByteArray m_datagram;
    std::atomic<quint16> m_boundPort { 0 };
    std::atomic<int> m_connectionCount { 0 };
    quint64 m_refused = 0;
    bool m_stopped = false;
};

} // namespace l2met
