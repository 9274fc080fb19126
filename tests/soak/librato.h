// What the fake Librato ended up with, read the way Librato keeps it: a
// gauge POSTed again for the same (credentials, name, source, measure_time)
// replaces the earlier one (last write wins), so an at-least-once re-send
// of a bucket changes nothing, while a window delivered in two different
// parts keeps only the later part ("overwritten"). Totals are kept both
// ways: `lww` (what Librato shows) and `raw` (every accepted gauge added up).
//
// Plain functions over FakeLibrato's records; main thread only.
#pragma once

#include "corpus.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <map>
#include <set>

namespace l2met::test {
class FakeLibrato;
}

namespace l2met::soak {

struct LibratoView
{
    std::map<SeriesKey, SeriesTotal> lww; // by drain index, name, source
    std::map<SeriesKey, SeriesTotal> raw;
    quint64 requests = 0;
    quint64 acceptedRequests = 0;
    quint64 acceptedGauges = 0; // every gauge of every accepted request
    quint64 resent = 0; // gauges accepted again with the same content
    quint64 overwritten = 0; // gauges replaced by a different one
    std::set<qint64> overwrittenTimes; // their measure_times
    QStringList sampleErrors; // sample gauges whose value is not the series'
    QStringList unknown; // gauges of no expected series or drain
    // The failing drain: what reached Librato's door and was refused.
    quint64 failingRequests = 0;
    quint64 failingGaugeAttempts = 0; // gauges over all its requests
    quint64 failingDistinct = 0; // distinct (name, source, time, suffix)
    quint64 failingAccepted = 0; // must be 0
    std::map<SeriesKey, SeriesTotal> failingAttempted; // last attempt per key
};

LibratoView readLibrato(const test::FakeLibrato &librato, const QList<Drain> &drains,
                        const std::map<SeriesKey, SeriesTotal> &expected);

// Differences between expected and got: measures by count and sum, counters
// by sum, samples by presence (their values are checked in readLibrato).
// `skipDrain` (-1: none) is left out. At most `limit` lines, then a count.
QStringList compareSeries(const std::map<SeriesKey, SeriesTotal> &expected,
                          const std::map<SeriesKey, SeriesTotal> &got, const QList<Drain> &drains,
                          const QString &what, int skipDrain = -1, int limit = 8);

} // namespace l2met::soak
