// CommandSource: runs CMD ARGS (l2met -- CMD ARGS...) and reads the lines of
// its standard output and standard error (separate channels, each with its
// own partial line). With passThrough (the default) both are also written,
// unchanged, to l2met's own stdout and stderr, like tee. The child inherits
// l2met's stdin unless forwardInput is false (then it reads an empty stdin).
//
// When the child exits, what remains is read and pushed, then state Ended
// with "exited with status N" (or "killed by signal N", exit status 128+N)
// and finished(status). A program that cannot start: state Failed with
// QProcess's reason and finished(127). Back-pressure: the readyRead handler
// blocks while the inbox is full, so nothing more is read, the pipe fills
// and the child waits in write().
//
// HerokuSource reuses all of this (launch(), processEnded()).
//
// Lives in its own thread (see Source); forwardSignal() too. Finite.
#pragma once

#include "source/source.h"

#include <QProcess>
#include <QStringList>

namespace l2met {

class CommandSource : public Source
{
    Q_OBJECT

public:
    struct Options
    {
        QString program;
        QStringList arguments;
        bool passThrough = true;  // copy the child's stdout/stderr to ours
        bool forwardInput = true; // the child reads our stdin
        QString workingDirectory; // empty: ours
    };

    CommandSource(const Context &context, const Options &options, QObject *parent = nullptr);
    ~CommandSource() override;

    void start() override;
    // Terminates a running child (SIGTERM, SIGKILL after kStopGraceMs); what
    // it printed until then is pushed. No finished() after stop().
    void stop() override;
    bool isFinite() const override { return true; }

    // Sends sig (SIGINT, SIGTERM...) to the running child; nothing when
    // none runs. In the source's thread (queue it from a signal handler's
    // notifier).
    void forwardSignal(int sig);
    // The running child's pid, 0 when none. In the source's thread.
    qint64 processId() const;

    static constexpr int kStopGraceMs = 3000;

protected:
    CommandSource(SourceKind kind, const QString &name, const Context &context, const Options &options,
                  QObject *parent);

    // Starts program with arguments (one child at a time; Running once it
    // started). Output is read and batched as described above.
    void launch(const QString &program, const QStringList &arguments);
    bool isStopped() const { return m_stopped; }
    // The child ended and all of its output was pushed. exitStatus: its
    // status, or 128+N for signal N. Default: Ended, finished(exitStatus).
    virtual void processEnded(int exitStatus, const QString &detail);
    // The program could not start. Default: Failed, finished(127).
    virtual void processFailedToStart(const QString &error);

private:
    void readChannel(QProcess::ProcessChannel channel);
    void onFinished(int exitCode, QProcess::ExitStatus exitStatus);
    void onError(QProcess::ProcessError error);

    Options m_options;
    QProcess *m_process = nullptr;
    QString m_programName; // file name only, for logs (arguments may hold secrets)
    bool m_passThrough[2] = { true, true };
    bool m_stopped = false;
};

} // namespace l2met
