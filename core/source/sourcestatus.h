// SourceKind and SourceStatus: where lines come from (the HTTP drain or one
// of the local sources of core/source/) and what a source reports about
// itself, for /metrics (label source_kind), the window's Sources view and
// the headless summary. Plain value types; includes nothing of the engine.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace l2met {

enum class SourceKind : quint8 {
    Drain, // POST /logs (logplex bodies)
    Stdin, // --stdin
    Command, // -- CMD ARGS... (the child's stdout and stderr)
    File, // --tail FILE
    Heroku, // --heroku-app APP (heroku logs --tail)
    Syslog, // --syslog HOST:PORT (TCP and UDP)
};

// "drain", "stdin", "command", "file", "heroku", "syslog": the source_kind
// label of /metrics and the config file's words.
const char *sourceKindName(SourceKind kind);

enum class SourceState : quint8 {
    Starting,
    Running, // reading
    Waiting, // the file is not there yet, or the inbox is full
    Reconnecting, // heroku logs exited; restarting after a back-off
    Ended, // end of input (stdin) or the command exited
    Failed, // cannot run at all (CLI not installed, port taken...)
    Stopped, // stopped by the user or at shutdown
};

const char *sourceStateName(SourceState state);

// What the user asked for: a source to start (the command line, the window's
// Sources view and the config file all give these).
struct SourceSpec
{
    SourceKind kind = SourceKind::Stdin;
    QString target; // Command: the command line (program and arguments, shell-quoted);
                    // File: the path; Heroku: the app name; Syslog: HOST:PORT; Stdin: empty
    bool fromStart = false; // File: read what the file holds already

    friend bool operator==(const SourceSpec &, const SourceSpec &) = default;
};

struct SourceStatus
{
    int id = 0; // unique per engine run; 0 is the drain
    SourceKind kind = SourceKind::Drain;
    SourceSpec spec;
    QString name; // what the user named: "stdin", "bin/rails s", "/var/log/app.log", "APP",
                  // "127.0.0.1:5514"
    SourceState state = SourceState::Starting;
    QString
        detail; // e.g. "exited with status 1", "heroku CLI not installed", "reconnecting in 4 s"
    int exitStatus = -1; // Command: the child's exit status once it ended (128+N for signal N)
    // Counted by the source as it reads.
    quint64 linesRead = 0;
    quint64 linesDropped = 0; // UDP syslog only: datagrams lost while the inbox was full
    QByteArray lastLine; // cut at 400 bytes
    QDateTime lastLineAt;
    // Counted by the parsers (outcomes of the lines of this source).
    quint64 linesWithMetrics = 0; // lines_aggregated
    quint64 linesMalformed = 0; // invalid, bad header, malformed frames
    quint64 linesOther = 0; // no metrics, late, early, notices
};

} // namespace l2met
