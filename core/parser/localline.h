// Recogniser of one line from a local source (stdin, a child command, a
// tailed file, `heroku logs --tail`, syslog): BodyFormat::Lines bodies mix
// whatever those print, so the format is decided per line, in this order:
//
//   Syslog5424  `<PRI>1 TIMESTAMP HOST APP PROCID MSGID MSG`, optionally
//               behind a logplex octet count (`83 <40>1 ...`)
//   Syslog3164  `<PRI>Mmm dd hh:mm:ss [HOST] TAG[PID]: MSG` (BSD syslog,
//               `logger`): local time, this year; procId and source = TAG
//   HerokuCli   `2026-12-04T10:15:02.118364+00:00 app[web.1]: MSG`,
//               `... heroku[router]: MSG`: procId = what is in the
//               brackets, source = the dyno (none for the router)
//   Foreman     `10:15:02 web.1 | MSG`, `10:15:02 AM web.1 | MSG` (heroku
//               local, foreman, honcho): today's local date; source = the
//               process
//   Bare        anything else: the whole line is the message (logfmt),
//               timed on arrival
//
// ANSI escapes (ESC[...m, the colours of heroku local and the CLI) are
// removed first, wherever they are.
//
// Views in the result point into the raw line or into *scratch (used only
// when the line holds an escape). Allocates nothing once scratch has grown
// to the longest coloured line. Thread-safe: no shared state (the local
// time conversions use the reentrant localtime_r and mktime).
#pragma once

#include <QtGlobal>

#include <optional>
#include <string>
#include <string_view>

namespace l2met {

enum class LocalFormat : quint8 { Syslog5424, Syslog3164, HerokuCli, Foreman, Bare };

struct LocalLine
{
    LocalFormat format = LocalFormat::Bare;
    std::string_view text;              // the line without escapes and trailing '\r'
    std::optional<qint64> timestamp;    // unix seconds; nullopt: the line has none (use arrival)
    std::string_view appName;           // "heroku" for Heroku's own lines; empty when the format has none
    std::string_view procId;            // empty when the format has none
    std::string_view defaultSource;     // the source of metrics when the message sets no source=
    std::string_view message;           // what the conventions read
};

// false only when the line claims RFC 5424 (`<PRI>` then a version digit)
// but its header does not parse: a bad header (out->text and out->format
// are set). Every other line is recognised as one of the formats, at worst
// Bare.
bool parseLocalLine(std::string_view raw, qint64 nowUnix, LocalLine *out, std::string *scratch);

// raw without CSI escape sequences (ESC '[' ... final byte) and stray ESC
// bytes; raw itself when it holds no ESC, otherwise a view of *scratch.
std::string_view stripAnsi(std::string_view raw, std::string *scratch);

} // namespace l2met
