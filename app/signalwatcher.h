// SignalWatcher: turns SIGINT and SIGTERM into a Qt signal in the main
// thread (self-pipe: the handler only writes a byte; a QSocketNotifier reads
// it), so shutdown runs as ordinary code, not inside a signal handler.
// One per process; create it in the main thread.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace l2met {

class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signal);

private:
    static void handle(int signal);
    static int s_fds[2];
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace l2met
