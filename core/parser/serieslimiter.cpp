#include "parser/serieslimiter.h"

#include "bucket/namepattern.h"

#include <algorithm>

namespace l2met {

size_t qHash(const SeriesLimiter::Key &key, size_t seed) noexcept
{
    return qHashMulti(seed, key.token, key.resolution, key.time);
}

SeriesLimiter::SeriesLimiter(int maxSeries)
    : m_maxSeries(std::max(0, maxSeries))
{
}

bool SeriesLimiter::Series::contains(std::uint64_t h) const
{
    if (slots.empty())
        return false;
    h = h == 0 ? 1 : h; // 0 marks an empty slot
    const size_t mask = slots.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (slots[i] == h)
            return true;
        if (slots[i] == 0)
            return false;
    }
}

void SeriesLimiter::Series::insert(std::uint64_t h)
{
    if (size_t(count + 1) * 2 > slots.size()) {
        std::vector<std::uint64_t> old;
        old.swap(slots);
        slots.assign(old.empty() ? 16 : old.size() * 2, 0);
        const size_t mask = slots.size() - 1;
        for (const std::uint64_t v : old) {
            if (v == 0)
                continue;
            size_t i = v & mask;
            while (slots[i] != 0)
                i = (i + 1) & mask;
            slots[i] = v;
        }
    }
    h = h == 0 ? 1 : h;
    const size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = h;
    ++count;
}

bool SeriesLimiter::admit(const Window &window, const QByteArray &user, std::uint64_t seriesHash,
                          std::string_view name)
{
    if (m_maxSeries == 0)
        return true;
    Shard &shard = m_shards[qHash(window.token) % kShards];
    QMutexLocker lock(&shard.mutex);
    const Key key { window.token, window.resolution, window.time };
    auto it = shard.windows.find(key);
    if (it == shard.windows.end()) {
        // A new window: forget those that no longer take data. A window
        // takes lines up to recvDeadline resolutions late, and "now" is at
        // most recvDeadline resolutions before the newest window seen
        // (early lines), hence twice the deadline.
        if (window.time > shard.newestTime) {
            shard.newestTime = window.time;
            shard.windows.removeIf([&shard](const auto &entry) {
                return entry.value().expiresAt < shard.newestTime;
            });
        }
        Series fresh;
        fresh.user = user;
        fresh.expiresAt =
            window.time + (2 * qint64(std::max(window.recvDeadline, 0)) + 2) * window.resolution;
        it = shard.windows.insert(key, std::move(fresh));
    }
    Series &series = *it;
    if (series.contains(seriesHash))
        return true;
    if (series.count < m_maxSeries) {
        series.insert(seriesHash);
        return true;
    }
    ++series.refused;
    const QByteArray pattern = namePattern(QByteArray(name.data(), qsizetype(name.size())));
    const auto p = series.patterns.find(pattern);
    if (p != series.patterns.end())
        ++*p;
    else if (series.patterns.size() < kPatterns)
        series.patterns.insert(pattern, 1);
    return false;
}

std::vector<SeriesLimiter::Overflow> SeriesLimiter::takeOverflows(qint64 nowSecs, qint64 minIntervalSecs)
{
    std::vector<Overflow> out;
    if (m_maxSeries == 0)
        return out;
    for (Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        for (auto it = shard.windows.begin(); it != shard.windows.end(); ++it) {
            Series &s = *it;
            if (s.refused == s.reported)
                continue;
            if (s.reportedAt >= 0 && nowSecs - s.reportedAt < minIntervalSecs)
                continue;
            Overflow o;
            o.user = s.user;
            o.resolution = it.key().resolution;
            o.time = it.key().time;
            o.refused = s.refused;
            o.newlyRefused = s.refused - s.reported;
            for (auto p = s.patterns.cbegin(); p != s.patterns.cend(); ++p)
                o.patterns.append({ p.key(), p.value() });
            std::sort(o.patterns.begin(), o.patterns.end(), [](const auto &a, const auto &b) {
                return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
            s.reported = s.refused;
            s.reportedAt = nowSecs;
            out.push_back(std::move(o));
        }
    }
    return out;
}

qsizetype SeriesLimiter::windows() const
{
    qsizetype n = 0;
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        n += shard.windows.size();
    }
    return n;
}

} // namespace l2met
