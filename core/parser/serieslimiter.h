// SeriesLimiter: at most maxSeries new series (name, source, units, type)
// per drain token, resolution and time window (docs/behaviour.md section
// 10). The parsers ask it once per bucket a body makes (BucketAccumulator's
// slow path, never per value): a series the drain already has in that window
// is always admitted, a new one only while the window has room. What is
// refused is counted per drain with the name patterns (bucket/namepattern.h)
// that overflowed, for the Problems view.
//
// Memory is bounded whatever the input: per drain window one open-addressing
// set of at most maxSeries 64-bit series hashes (8 bytes each, a table of at
// most 2 x maxSeries slots) and at most kPatterns patterns; windows are
// forgotten once (recv-deadline + 2) resolutions old. The drains themselves
// are bounded by the tokens that authenticate (each needs l2met's secret).
//
// Thread-safe: sharded by token, one mutex per shard, held for one lookup.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace l2met {

class SeriesLimiter
{
public:
    // maxSeries 0: no limit (admit() always answers true without locking).
    explicit SeriesLimiter(int maxSeries);

    int maxSeries() const { return m_maxSeries; }

    // The drain window a series belongs to.
    struct Window
    {
        QByteArray token;
        qint32 resolution = 60;
        qint64 time = 0; // window start
        int recvDeadline = 2; // resolutions a window stays open (late data)
    };
    // seriesHash: a process-local hash of (name, source, units, type); name
    // is only read when the series is refused (for its pattern). user is
    // remembered for reports (never the token).
    bool admit(const Window &window, const QByteArray &user, std::uint64_t seriesHash,
               std::string_view name);

    // One drain window that refused series since the last report of it.
    struct Overflow
    {
        QByteArray user;
        qint32 resolution = 60;
        qint64 time = 0;
        quint64 refused = 0;     // new series refused in this window so far
        quint64 newlyRefused = 0; // since the previous report
        QList<QPair<QByteArray, quint64>> patterns; // most refused first, at most kPatterns
    };
    // Windows that refused series since they were last reported; each is
    // reported at most once per minIntervalSecs (nowSecs a steady clock).
    std::vector<Overflow> takeOverflows(qint64 nowSecs, qint64 minIntervalSecs = 10);

    // Drain windows held (tests and stats).
    qsizetype windows() const;

    static constexpr int kPatterns = 8;
    static constexpr int kShards = 16;

private:
    struct Key
    {
        QByteArray token;
        qint32 resolution;
        qint64 time;
        friend bool operator==(const Key &, const Key &) = default;
    };
    friend size_t qHash(const Key &key, size_t seed) noexcept;

    struct Series
    {
        std::vector<std::uint64_t> slots; // 0 = empty (a hash of 0 is stored as 1)
        int count = 0;
        QByteArray user;
        qint64 expiresAt = 0; // window time + (recvDeadline + 2) x resolution
        quint64 refused = 0;
        quint64 reported = 0;   // refused at the last report
        qint64 reportedAt = -1; // steady seconds, -1 = never
        QHash<QByteArray, quint64> patterns; // at most kPatterns; others in refused only
        bool contains(std::uint64_t h) const;
        void insert(std::uint64_t h);
    };
    struct Shard
    {
        mutable QMutex mutex;
        QHash<Key, Series> windows;
        qint64 newestTime = 0; // newest window start seen, for expiry
    };
    const int m_maxSeries;
    std::array<Shard, kShards> m_shards;
};

} // namespace l2met
