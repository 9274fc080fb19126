// ProblemLog: the most recent problems worth an operator's eye (malformed or
// late lines with the reason, logplex drop notices, rejected requests with
// their status code), for the GUI's Problems view. A ring of fixed size:
// old entries fall off.
//
// Thread-safe.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMutex>

#include <deque>

namespace l2met {

struct Problem
{
    QDateTime at;
    QByteArray kind;   // e.g. "bad_value_not_number", "http_401"
    QByteArray user;   // Librato user of the drain, when known (never a token)
    int status = 0;    // HTTP status for rejected requests
    QByteArray detail; // the offending line (cut) or the request's error text
};

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
