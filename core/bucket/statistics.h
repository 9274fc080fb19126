// Statistics of a bucket's values (docs/behaviour.md section 4): computed from the values
// in arrival order; percentiles (the configured set, Percentiles) use the
// nearest-rank rule of l2met (s[floor(p*n/100)] over the sorted values,
// in integers). Pure function, thread-safe.
#pragma once

#include "bucket/percentiles.h"

#include <QtGlobal>

#include <array>

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
    // percentiles[i] is percentile i of the Percentiles given to compute();
    // a fixed array, so a Statistics never allocates.
    std::array<double, Percentiles::kMax> percentiles {};
    double last = 0; // value received last

    // values in arrival order; an empty span gives all zeros.
    static Statistics compute(std::span<const double> values,
                              const Percentiles &percentiles = Percentiles::defaults());
    // The same over the multiset counts (distinct values, ascending) plus
    // raw (values received after those, in arrival order); last is the value
    // received last when raw is empty. Exact: the same multiset gives the same
    // count, min, max and percentiles as compute(values).
    static Statistics compute(std::span<const ValueCount> counts, std::span<const double> raw,
                              double lastOfCounts,
                              const Percentiles &percentiles = Percentiles::defaults());
};

} // namespace l2met
