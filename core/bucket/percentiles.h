// Percentiles: the set of percentiles a measurement reports (--percentiles,
// docs/behaviour.md section 4). Each is held in hundredths (99.9 -> 9990) so
// ranks are computed in integers: s[floor(hundredths * n / 10000)], which is
// floor(p * n / 100) exactly. Gauge suffixes: 50 -> ".median", 95 ->
// ".perc95", 99.9 -> ".perc99_9". Fixed capacity, so copying or
// iterating it never allocates.
//
// Value type; thread-safe to copy and read.
#pragma once

#include <QLatin1String>
#include <QString>
#include <QStringView>

#include <array>
#include <cstddef>
#include <optional>

namespace l2met {

class Percentiles
{
public:
    static constexpr int kMax = 10;

    Percentiles() = default; // empty; defaults() is 50,95,99
    static const Percentiles &defaults(); // 50,95,99, as Config's default

    // "75, 90,99.9": each 0 < p < 100, at most 2 decimals, no duplicates,
    // at most kMax; sorted ascending. nullopt and *reason (never null) else;
    // the reason may quote one entry.
    static std::optional<Percentiles> parse(QStringView text, QString *reason);

    int size() const { return m_size; }
    int hundredths(int i) const { return m_entries[size_t(i)].hundredths; }
    // ".median", ".perc95", ".perc99_9"
    QLatin1String suffix(int i) const;
    // The percentile as typed without trailing zeros: "50", "99.9".
    QString label(int i) const;
    // "50,95,99": what parse() reads back.
    QString text() const;
    // Index into the n sorted values (n >= 1) of percentile i.
    std::size_t rank(int i, std::size_t n) const;

    friend bool operator==(const Percentiles &a, const Percentiles &b);

private:
    struct Entry
    {
        int hundredths = 0;
        std::array<char, 12> suffix {}; // ".perc99_99" and a NUL at most
        int suffixLength = 0;
    };
    void append(int hundredths);

    std::array<Entry, kMax> m_entries {};
    int m_size = 0;
};

} // namespace l2met
