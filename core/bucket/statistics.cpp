#include "bucket/statistics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace l2met {

namespace {

// Index of s[floor(percent/100 * n)] computed in integers: 0.95 and 0.99 have
// no exact double, so floor(0.95 * n) is only right thanks to rounding of the
// product; n * 95 / 100 is exact by construction.
std::size_t rankIndex(std::size_t n, std::size_t percent)
{
    return std::min(n * percent / 100, n - 1);
}

// A strict weak order even with NaN (sorted last), so a stray NaN can never
// make std::sort misbehave. The parser refuses non-finite values anyway.
bool lessNanLast(double a, double b)
{
    if (std::isnan(a))
        return false;
    return std::isnan(b) || a < b;
}

} // namespace

Statistics Statistics::compute(std::span<const double> values)
{
    Statistics stats;
    const std::size_t n = values.size();
    if (n == 0)
        return stats;

    for (const double v : values) {
        stats.sum += v;
        stats.sumSquares += v * v;
    }
    stats.count = qint64(n);
    stats.last = values[n - 1];

    // One sort is simpler than three nth_element passes and fast enough for
    // the sizes a bucket reaches (100k values sort in a few milliseconds).
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end(), lessNanLast);
    stats.min = sorted.front();
    stats.max = sorted.back();
    stats.median = sorted[rankIndex(n, 50)];
    stats.perc95 = sorted[rankIndex(n, 95)];
    stats.perc99 = sorted[rankIndex(n, 99)];
    return stats;
}

} // namespace l2met
