// Poster: posts the corpus to l2met's /logs the way logplex does, over
// several concurrent keep-alive HTTP/1.1 connections to 127.0.0.1, each
// bound to one receiver port (connection i to port i % ports).
//
// Each connection sends one body at a time and keeps at it until it is
// answered 200: a 503 (nothing was accepted) is retried after a short
// back-off; so is a connection refused or closed before the answer (during
// a restart), with the same Logplex-Frame-Id, as logplex would. A request
// that was written but never answered is counted as "ambiguous": l2met may
// or may not have taken it, and the retry says which (a duplicate to the
// same process is answered 200 and counted in lines_duplicate, not parsed
// twice). Any other status is fatal: the soak stops with it.
//
// Exact records: accepted() is the sum of what the generator expects from
// every body answered 200, and only those; each body is answered 200 once.
//
// Lives in the main thread; not thread-safe.
#pragma once

#include "corpus.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

class QTcpSocket;

namespace l2met::soak {

class Poster : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int connections = 8;
        int resolution = 1;
        double minSeconds = 0; // spread the load over at least this long
        int giveUpMs = 120000; // a body not accepted within this is fatal
    };
    struct Stats
    {
        quint64 requests = 0;
        quint64 answered503 = 0;
        quint64 connectErrors = 0; // refused or reset before the request went out
        quint64 ambiguous = 0; // written, never answered
        quint64 bodies200 = 0;
    };

    Poster(Corpus *corpus, QList<quint16> ports, Options options, QObject *parent = nullptr);
    ~Poster() override;

    void start();
    bool isFinished() const { return m_finished; }
    QString fatal() const { return m_fatal; }
    const Expected &accepted() const { return m_accepted; }
    const Stats &stats() const { return m_stats; }
    // Requests written and not answered yet.
    int awaitingAnswer() const;
    // Stops taking new bodies (the ones in flight go on); resume() again.
    void hold(bool held);

Q_SIGNALS:
    void progress(qint64 acceptedLines);
    void finished();

private:
    struct Connection
    {
        int id = 0;
        quint16 port = 0;
        QTcpSocket *socket = nullptr;
        std::optional<Body> body;
        qint64 firstTriedMs = 0;
        bool written = false; // the current request went out
        bool waiting = false; // in a back-off
        QByteArray response;
    };

    void pump();
    void send(Connection &c);
    void write(Connection &c);
    void onReadyRead(Connection &c);
    void onBroken(Connection &c);
    void retryLater(Connection &c, int delayMs);
    void fail(const QString &why);
    void checkFinished();
    QByteArray request(const Connection &c) const;

    Corpus *m_corpus;
    QList<quint16> m_ports;
    Options m_options;
    std::vector<std::unique_ptr<Connection>> m_connections;
    Expected m_accepted;
    Stats m_stats;
    QElapsedTimer m_clock;
    bool m_started = false;
    bool m_finished = false;
    bool m_held = false;
    bool m_pumpScheduled = false;
    QString m_fatal;
};

} // namespace l2met::soak
