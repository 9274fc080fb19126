// LineTap: what the most recent lines became, for the window's Lines view
// ("why doesn't my metric show up?"): each captured line with the
// measurements it produced or the exact reason it produced none.
//
// A bounded ring (capacity lines, oldest fall off). Capturing is off until
// the view opens (setEnabled): then the parsers ask for a budget per body
// (takeBudget), so at most linesPerSecond lines a second are captured in
// all and the rest are counted as sampled out; when off, the parsers do not
// look at lines at all (one relaxed atomic load per body).
//
// Thread-safe: parsers add, the engine's snapshot thread reads since().
#pragma once

#include "metrics/linerecord.h"

#include <QList>
#include <QMutex>

#include <atomic>
#include <deque>

namespace l2met {

class LineTap
{
public:
    explicit LineTap(int capacity = 10000, int linesPerSecond = 1000);

    void setEnabled(bool enabled);
    bool enabled() const { return m_enabled.load(std::memory_order_relaxed); }

    // How many lines of the next body may be captured (0 when off or over
    // this second's budget); at most maxPerBody.
    int takeBudget(int maxPerBody = 200);
    // Lines of a body the budget did not cover.
    void addSampledOut(quint64 lines);

    void add(LineRecord record); // sets record.seq

    // Records with seq > after, oldest first, at most max (the newest).
    QList<LineRecord> since(quint64 after, int max) const;
    quint64 lastSeq() const;
    quint64 sampledOut() const;
    // True when lines were sampled out in the last few seconds.
    bool sampling() const;
    int capacity() const { return m_capacity; }

private:
    const int m_capacity;
    const int m_linesPerSecond;
    std::atomic<bool> m_enabled { false };
    mutable QMutex m_mutex;
    std::deque<LineRecord> m_records;
    quint64 m_seq = 0;
    qint64 m_second = 0; // budget window, unix seconds
    int m_usedThisSecond = 0;
    quint64 m_sampledOut = 0;
    qint64 m_lastSampledSecond = 0;
};

} // namespace l2met
