// Node: one l2met process of the soak (`--no-gui`), its log in a file, its
// final counters read back from the `at=metrics` line it logs when it shuts
// down (the same counters as /metrics, and the only way to have them from
// a process that has exited or serves no HTTP, like an outlet).
//
// Lives in the main thread; not thread-safe.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace l2met::soak {

class Node
{
public:
    Node(QString name, QString binary, QStringList args, QProcessEnvironment env, QString logPath,
         quint16 port);
    ~Node();

    QString name() const { return m_name; }
    quint16 port() const { return m_port; }
    bool start(QString *error);
    bool isRunning() const;
    qint64 pid() const;
    void signal(int signal);
    // Runs the event loop until the process exited (true) or timeoutMs.
    bool waitExited(int timeoutMs);
    int exitCode() const;
    bool crashed() const;

    // The counters of the last `at=metrics` line of the log (empty if none).
    QMap<QByteArray, double> finalMetrics() const;
    // The `at=engine.shutdown` line, empty if none.
    QByteArray shutdownLine() const;
    QString logPath() const { return m_logPath; }

private:
    QString m_name;
    QString m_binary;
    QStringList m_args;
    QProcessEnvironment m_env;
    QString m_logPath;
    quint16 m_port;
    std::unique_ptr<QProcess> m_process;
};

// Counters from a Prometheus text (unlabelled samples only).
// Runs the event loop until condition() holds (looking every intervalMs)
// or timeoutMs passed; returns condition().
bool pollUntil(const std::function<bool()> &condition, int timeoutMs, int intervalMs = 50);

} // namespace l2met::soak
