#include "bucket/statistics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace l2met {

namespace {

// A strict weak order even with NaN (sorted last), so a stray NaN can never
// make std::sort misbehave. The parser refuses non-finite values anyway.
bool lessNanLast(double a, double b)
{
    if (std::isnan(a))
        return false;
    return std::isnan(b) || a < b;
}

} // namespace

Statistics Statistics::compute(std::span<const double> values, const Percentiles &percentiles)
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
    // Ranks in integers (Percentiles::rank): 0.95 has no exact double, so
    // floor(0.95 * n) would only be right thanks to rounding.
    for (int i = 0; i < percentiles.size(); ++i)
        stats.percentiles[size_t(i)] = sorted[percentiles.rank(i, n)];
    return stats;
}

Statistics Statistics::compute(std::span<const ValueCount> counts, std::span<const double> raw,
                               double lastOfCounts, const Percentiles &percentiles)
{
    if (counts.empty())
        return compute(raw, percentiles);
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
    // Wanted ranks: min, the percentiles (ascending, as Percentiles keeps
    // them), max.
    constexpr int kMaxRanks = Percentiles::kMax + 2;
    std::array<std::size_t, kMaxRanks> ranks {};
    const int wanted = percentiles.size() + 2;
    for (int p = 0; p < percentiles.size(); ++p)
        ranks[size_t(p + 1)] = percentiles.rank(p, n);
    ranks[size_t(wanted - 1)] = std::size_t(n - 1);
    std::array<double, kMaxRanks> found {};
    std::size_t next = 0;
    std::size_t seen = 0; // values passed so far
    std::size_t i = 0;    // in counts
    std::size_t j = 0;    // in sorted
    while (next < std::size_t(wanted) && (i < counts.size() || j < sorted.size())) {
        const bool takeCount = j == sorted.size() || (i < counts.size() && !lessNanLast(sorted[j], counts[i].value));
        const double value = takeCount ? counts[i].value : sorted[j];
        const std::size_t many = takeCount ? std::size_t(counts[i].count) : 1;
        while (next < std::size_t(wanted) && ranks[next] < seen + many)
            found[next++] = value;
        seen += many;
        if (takeCount)
            ++i;
        else
            ++j;
    }
    stats.min = found[0];
    for (int p = 0; p < percentiles.size(); ++p)
        stats.percentiles[size_t(p)] = found[size_t(p + 1)];
    stats.max = found[size_t(wanted - 1)];
    return stats;
}

} // namespace l2met
