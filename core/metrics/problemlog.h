// ProblemLog: the most recent problems worth an operator's eye (malformed or
// late lines with the reason, logplex drop notices, rejected requests with
// their status code), for the GUI's Problems view. A ring of fixed size:
// old entries fall off.
//
// Thread-safe.
#pragma once

#include "metrics/problem.h"

#include <QList>
#include <QMutex>

#include <deque>

namespace l2met {

class ProblemLog
{
public:
    explicit ProblemLog(int capacity = 500);

    void add(Problem problem);
    QList<Problem> recent() const; // oldest first
    quint64 total() const;

    static constexpr int kMaxDetail = 400;

private:
    const int m_capacity;
    mutable QMutex m_mutex;
    std::deque<Problem> m_entries;
    quint64 m_total = 0;
};

} // namespace l2met
