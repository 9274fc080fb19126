// Corpus: the soak test's deterministic load. Body i of a run is made from
// a PRNG seeded with (seed, i) only, so the same seed gives the same lines,
// metrics and values on every run; only the timestamps follow the clock
// (lines must be on time to be aggregated).
//
// Lines are Heroku-like RFC 5424 frames in logplex octet-counted bodies:
// app lines with measure#/count#/sample#/unique#, router lines (statuses,
// H12), Heroku platform errors (R14), log output without
// metrics, lines whose every metric is malformed, lines with one bad metric
// among good ones, frames without a syslog header, late and early lines,
// logplex L10 notices, and now and then a truncated frame at the end of a
// body. While it writes a line the generator also writes down, by its own
// reading of the conventions (never l2met's parser), the outcome the line
// must have and what its metrics add to each series: Expected.
//
// Good lines are stamped a few seconds ahead (`aheadSeconds`, within
// -recv-deadline), so that every value of a time window is stored before the
// window is ready even under faults that delay ingest by a few seconds: no
// window is delivered in two parts, which Librato would not add up.
//
// Not thread-safe; one per run, used in the main thread.
#pragma once

#include <QByteArray>
#include <QList>

#include <array>
#include <map>
#include <random>
#include <tuple>
#include <vector>

namespace l2met::soak {

struct Drain
{
    QByteArray user; // Librato user
    QByteArray apiToken; // Librato API token: never printed
    QByteArray token; // Fernet drain token (user:apiToken)
    QByteArray logplexToken; // d.<uuid>, as in Logplex-Drain-Token
    bool failing = false; // its Librato account answers 500 to everything
};

// Unique: unique#visitor=RANDOM, each value new (and given twice in its
// line): the window's distinct count is its line count, so sum is exact
// below the exact bound (Bucket::kExactDistinct) and within the sketch's
// error above it.
enum class SeriesKind { Measure, Counter, Sample, Unique };

// A metric as Librato will show it: per drain, name and source.
struct SeriesKey
{
    int drain = 0;
    QByteArray name;
    QByteArray source;
    bool operator<(const SeriesKey &other) const
    {
        return std::tie(drain, name, source) < std::tie(other.drain, other.name, other.source);
    }
    bool operator==(const SeriesKey &) const = default;
};

struct SeriesTotal
{
    SeriesKind kind = SeriesKind::Measure;
    qint64 count = 0; // values (measure: Librato's count; counter/sample: lines)
    double sum = 0; // exact: every value is a multiple of 0.25 below 2^20
    double sample = 0; // Sample: the one value this series ever has
};

// l2met's counters as the generator predicts them (names as in /metrics).
enum Outcome : int {
    kAggregated,
    kNoMetrics,
    kInvalid,
    kLate,
    kEarly,
    kBadHeader,
    kLogplexNotice,
    kSeriesDroppedLines, // none expected: the corpus stays under --max-series
    kFramesMalformed,
    kMeasurements,
    kMeasurementsDropped,
    kBadValueEmpty,
    kBadValueMissing,
    kBadValueNotNumber,
    kBadEmptyName,
    kLogplexDropped,
    kOutcomeCount
};
const char *outcomeName(int outcome); // "lines_aggregated", ...
// The line outcomes proper: each line received ends in exactly one.
constexpr int kLineOutcomes = kFramesMalformed + 1;

struct Expected
{
    std::array<quint64, kOutcomeCount> counters {};
    quint64 lines = 0; // frames, malformed regions included (Logplex-Msg-Count)
    quint64 bodies = 0;
    std::map<SeriesKey, SeriesTotal> series;

    void add(const Expected &other);
};

struct Body
{
    qint64 index = -1;
    int drain = 0;
    int lines = 0;
    QByteArray frameId; // Logplex-Frame-Id
    QByteArray bytes; // the logplex-1 body
    Expected expected; // what it adds once it is answered 200
};

class Corpus
{
public:
    // `drains` normal drains, plus one failing drain when withFailing.
    Corpus(quint64 seed, qint64 totalLines, int drains, bool withFailing, const QByteArray &secrets,
           int aheadSeconds);

    const QList<Drain> &drains() const { return m_drains; }
    qint64 totalLines() const { return m_totalLines; }
    qint64 linesMade() const { return m_linesMade; }
    bool done() const { return m_linesMade >= m_totalLines; }
    // The next body (index = bodies made so far), stamped against nowUnix.
    Body next(qint64 nowUnix);

private:
    void line(std::mt19937_64 &rng, int drain, qint64 nowUnix, Body &body);

    quint64 m_seed;
    qint64 m_totalLines;
    qint64 m_linesMade = 0;
    qint64 m_bodies = 0;
    int m_ahead;
    QList<Drain> m_drains;
};

} // namespace l2met::soak
