// ParserPool: -concurrency named worker threads ("l2met-parse-N") that take
// bodies from the inbox, parse them into buckets (BodyParser and
// BucketAccumulator, no lock per line) and merge each body's buckets into
// the register, each new series admitted by the SeriesLimiter (when one is
// given; refusals end in lines_series_dropped / series_dropped, and each
// overflowing drain window becomes a "series_limit" problem naming the
// drain's user and the name patterns, at most every 10 s). Parse outcomes go to l2met's metrics (every line ends in
// exactly one outcome counter) and problems to the problem log.
//
// start() and stop() from the owning (engine) thread; the workers share
// nothing but the inbox, the register and the thread-safe metrics.
#pragma once

#include "parser/parsecounters.h"

#include <QHash>
#include <QList>
#include <QMutex>

#include <array>

class QThread;

namespace l2met {

class Inbox;
class Register;
class Metrics;
class ProblemLog;
class Counter;
class Timer;
struct InboxItem;

class LineTap;
class SeriesLimiter;

class ParserPool
{
public:
    // tap may be null (no Lines view), limiter null (no --max-series).
    ParserPool(Inbox *inbox, Register *reg, Metrics *metrics, ProblemLog *problems,
               LineTap *tap = nullptr, SeriesLimiter *limiter = nullptr);

    ~ParserPool();

    // nice > 0 makes the parser threads yield to the others under
    // saturation (Linux per-thread nice): the desktop window uses it so
    // that its thread keeps painting while parsing runs flat out.
    void start(int threads, int nice = 0);
    // Returns once the inbox is closed and drained and every worker ended.
    void join();

    // Line outcomes per source (InboxItem::sourceId; 0 the drain), in three
    // groups for the Sources view. Thread-safe.
    struct SourceLines
    {
        quint64 lines = 0;
        quint64 withMetrics = 0; // lines_aggregated
        quint64 malformed = 0;   // invalid, bad header, malformed frames
        quint64 other = 0;       // no metrics, late, early, logplex notices
    };
    QHash<int, SourceLines> sourceLines() const;


private:
    void run(int nice);
    void record(const ParseCounters &counters, const InboxItem &item, size_t buckets, qint64 added);

    void reportOverflows();
    Inbox *m_inbox;
    LineTap *m_tap;
    SeriesLimiter *m_limiter;
    mutable QMutex m_sourceMutex;
    QHash<int, SourceLines> m_sourceLines;
    Register *m_register;
    Metrics *m_metrics;
    ProblemLog *m_problems;
    QList<QThread *> m_threads;

    std::array<Counter *, ParseCounters::kCount> m_counters {};
    // source_lines{source_kind, outcome}: [SourceKind][outcome - kFirstOutcome]
    static constexpr size_t kOutcomes = ParseCounters::kLastOutcome - ParseCounters::kFirstOutcome + 1;
    std::array<std::array<Counter *, kOutcomes>, 6> m_sourceCounters {};
    Counter *m_bodies = nullptr;
    Counter *m_linesReceived = nullptr;
    Counter *m_bucketsAdded = nullptr;
    Counter *m_bucketsMerged = nullptr;
    Timer *m_parseTime = nullptr;
};

} // namespace l2met
