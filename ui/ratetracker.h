// RateTracker: turns the counters of successive snapshots into rates (lines
// and requests received per second, gauges delivered or previewed per second,
// mean Librato request latency) for the Overview numbers and the live charts.
// It keeps each snapshot's increments for the last few minutes; a counter
// that goes down (the engine restarted) counts from zero again.
//
// GUI thread only (plain value state, no locking).
#pragma once

#include <QList>
#include <QPointF>

#include <array>
#include <deque>

namespace l2met {

struct EngineSnapshot;
struct MetricInfo;

class RateTracker
{
public:
    enum Series { Lines, Requests, Gauges, LatencyMs, SeriesCount };

    static constexpr qint64 kKeepMs = 5 * 60 * 1000 + 5000;

    void add(const EngineSnapshot &snapshot);
    void clear();

    // Per second over the last windowMs (LatencyMs: the mean latency of the
    // requests that ended then, -1 when none did).
    double rate(Series series, qint64 windowMs = 1000) const;
    // One point a second over the last spanMs, x in ms since the epoch
    // (LatencyMs: only seconds in which requests ended).
    QList<QPointF> points(Series series, qint64 spanMs = 5 * 60 * 1000) const;
    qint64 newestMs() const;
    qint64 oldestMs() const;

    // The values of the snapshot's counters this tracker adds up.
    static double linesTotal(const EngineSnapshot &snapshot);
    static double gaugesOutTotal(const EngineSnapshot &snapshot);
    // The engine's metrics the tracker reads.
    static QList<const MetricInfo *> metricsRead();

private:
    enum Counter { CLines, CRequests, CGauges, CLatencyCount, CLatencySum, CounterCount };
    using Values = std::array<double, CounterCount>;
    struct Sample
    {
        qint64 atMs = 0;
        Values delta {};
    };
    // The counters the series add up; a timer feeds its count, and its sum
    // into CLatencySum.
    struct Feed
    {
        const MetricInfo *metric;
        Counter into;
    };
    static constexpr int kFeedCount = 6;
    static const Feed kFeeds[kFeedCount];

    static Values totals(const EngineSnapshot &snapshot);
    static double value(Series series, const Values &sum, double seconds);

    std::deque<Sample> m_samples;
    Values m_last {};
    bool m_haveLast = false;
};

} // namespace l2met
