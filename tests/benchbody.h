// Realistic logplex bodies for benchmarks: by default frames of about 170
// bytes, each with two measure#, one count#, one sample# and a source=;
// also Heroku router lines, heroku-postgres samples and all-distinct values.
#pragma once

#include <QByteArray>

namespace l2met::bench {

// `frames` frames stamped at unixTime (RFC 3339, microseconds, +00:00).
QByteArray makeBody(int frames, qint64 unixTime);
// Heroku router lines (APP-NAME heroku, PROCID router, ~330 bytes): each
// gives connect, service and bytes measurements and a status counter.
QByteArray makeRouterBody(int frames, qint64 unixTime);
// heroku-postgres metrics lines (~560 bytes, 15 sample#, source=).
QByteArray makePostgresBody(int frames, qint64 unixTime);
// As makeBody, but no value repeats (from `first` on): the worst case
// for compaction.
QByteArray makeDistinctBody(int frames, qint64 unixTime, quint64 first);

// The named body ("app", "router", "postgres", "distinct"); empty for an
// unknown name.
QByteArray makeNamedBody(const QByteArray &name, int frames, qint64 unixTime, quint64 salt = 0);

} // namespace l2met::bench
