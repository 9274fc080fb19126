// Statistics of a bucket's values (docs/behaviour.md section 4): computed from the values
// in arrival order; percentiles use the nearest-rank rule of l2met
// (s[floor(q*n)] over the sorted values). Pure function, thread-safe.
#pragma once

#include <QtGlobal>

#include <span>

namespace l2met {

// A distinct value and how many times it was received (compacted values).
struct ValueCount
{
    double value = 0;
    quint64 count = 0;
    friend bool operator==(const ValueCount &, const ValueCount &) = default;
};

struct Statistics
{
    qint64 count = 0;
    double sum = 0;
    double min = 0;
    double max = 0;
    double sumSquares = 0;
    double median = 0;
    double perc95 = 0;
    double perc99 = 0;
    double last = 0; // value received last

    // values in arrival order; an empty span gives all zeros.
    static Statistics compute(std::span<const double> values);
    // The same over the multiset counts (distinct values, ascending) plus
    // raw (values received after those, in arrival order); last is the value
    // received last when raw is empty. Exact: the same multiset gives the same
    // count, min, max and percentiles as compute(values).
    static Statistics compute(std::span<const ValueCount> counts, std::span<const double> raw,
                              double lastOfCounts);
};

} // namespace l2met
