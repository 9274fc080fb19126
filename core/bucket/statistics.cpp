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

Statistics Statistics::compute(std::span<const ValueCount> counts, std::span<const double> raw,
                               double lastOfCounts)
{
    if (counts.empty())
        return compute(raw);
    Statistics stats;
    quint64 n = raw.size();
    for (const ValueCount &vc : counts) {
        n += vc.count;
        stats.sum += vc.value * double(vc.count);
        stats.sumSquares += vc.value * vc.value * double(vc.count);
    }
    for (const double v : raw) {
        stats.sum += v;
        stats.sumSquares += v * v;
    }
    stats.count = qint64(n);
    stats.last = raw.empty() ? lastOfCounts : raw.back();

    std::vector<double> sorted(raw.begin(), raw.end());
    std::sort(sorted.begin(), sorted.end(), lessNanLast);
    // Walk both ascending sequences; rank r is the r-th smallest (0-based).
    const std::size_t ranks[] = { 0, rankIndex(n, 50), rankIndex(n, 95), rankIndex(n, 99), std::size_t(n - 1) };
    double found[5] = {};
    std::size_t next = 0;
    std::size_t seen = 0; // values passed so far
    std::size_t i = 0;    // in counts
    std::size_t j = 0;    // in sorted
    while (next < 5 && (i < counts.size() || j < sorted.size())) {
        const bool takeCount = j == sorted.size() || (i < counts.size() && !lessNanLast(sorted[j], counts[i].value));
        const double value = takeCount ? counts[i].value : sorted[j];
        const std::size_t many = takeCount ? std::size_t(counts[i].count) : 1;
        while (next < 5 && ranks[next] < seen + many)
            found[next++] = value;
        seen += many;
        if (takeCount)
            ++i;
        else
            ++j;
    }
    stats.min = found[0];
    stats.median = found[1];
    stats.perc95 = found[2];
    stats.perc99 = found[3];
    stats.max = found[4];
    return stats;
}

} // namespace l2met
