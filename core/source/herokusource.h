// HerokuSource: the lines of `heroku logs --tail --app APP` (--heroku-app),
// read by CommandSource's code (no pass-through to l2met's stdout). The
// program is looked up on PATH (QStandardPaths::findExecutable("heroku")) at
// start(). When heroku logs exits (network drop, session expired) it is run
// again after a back-off of 1 s, 2 s, 4 s... capped at 30 s, reset after a
// run that lasted more than 60 s; meanwhile state Reconnecting "reconnecting
// in N s". Without the CLI: state Failed "heroku CLI not installed (...)",
// one warning, and the rest of l2met keeps running.
//
// Lives in its own thread (see Source). Not finite: never emits finished().
#pragma once

#include "source/commandsource.h"

#include <QElapsedTimer>

class QTimer;

namespace l2met {

class HerokuSource : public CommandSource
{
    Q_OBJECT

public:
    struct Options
    {
        QString app;
        QString program;       // empty: "heroku" found on PATH at start()
        QStringList arguments; // empty: logs --tail --app APP
        int firstBackoffMs = 1000;
        int maxBackoffMs = 30000;
        int resetBackoffAfterMs = 60000; // a run this long starts the back-off again
    };

    static const QString kNotInstalled;

    HerokuSource(const Context &context, const Options &options, QObject *parent = nullptr);
    ~HerokuSource() override;

    void start() override;
    void stop() override;
    bool isFinite() const override { return false; }

protected:
    void processEnded(int exitStatus, const QString &detail) override;
    void processFailedToStart(const QString &error) override;

private:
    void run();
    void scheduleRestart(const QString &why);

    Options m_herokuOptions;
    QString m_program;
    QStringList m_arguments;
    QTimer *m_restartTimer = nullptr;
    QElapsedTimer m_runTime;
    int m_nextBackoffMs = 0;
};

} // namespace l2met
