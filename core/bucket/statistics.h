// Statistics of a bucket's values (SPEC section 4): computed from the values
// in arrival order; percentiles use the nearest-rank rule of l2met
// (s[floor(q*n)] over the sorted values). Pure function, thread-safe.
#pragma once

#include <QtGlobal>

#include <span>

namespace l2met {

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
};

} // namespace l2met
