// MetricId: one metric across its time windows (Librato user, name, source,
// units, type, resolution), and BucketRef: one bucket of a snapshot (the
// metric and its window), as hash keys that need no allocation (QByteArray
// fields are shared, not copied), so models can match thousands of buckets
// four times a second cheaply.
//
// Value types; thread-safe to copy and read.
#pragma once

#include "engine/enginesnapshot.h"

#include <QHashFunctions>

namespace l2met {

struct MetricId
{
    QByteArray user;
    QByteArray name;
    QByteArray source;
    QByteArray units;
    BucketType type = BucketType::Measurement;
    qint32 resolution = 60;

    static MetricId of(const BucketSummary &b)
    {
        return MetricId { b.user, b.name, b.source, b.units, b.type, b.resolution };
    }
    bool isNull() const { return name.isEmpty() && user.isEmpty() && source.isEmpty(); }
    friend bool operator==(const MetricId &, const MetricId &) = default;
};

inline size_t qHash(const MetricId &m, size_t seed = 0) noexcept
{
    return qHashMulti(seed, m.user, m.name, m.source, m.units, int(m.type), m.resolution);
}

// A bucket of a BucketSummary that outlives the key (e.g. a snapshot's list).
struct BucketRef
{
    const BucketSummary *bucket = nullptr;
    size_t hash = 0;

    static size_t hashOf(const BucketSummary &b)
    {
        return qHashMulti(0, b.user, b.name, b.source, b.units, int(b.type), b.resolution, b.time);
    }
    static bool sameBucket(const BucketSummary &a, const BucketSummary &b)
    {
        return a.time == b.time && a.resolution == b.resolution && a.type == b.type && a.name == b.name
            && a.source == b.source && a.user == b.user && a.units == b.units;
    }
    friend bool operator==(const BucketRef &a, const BucketRef &b)
    {
        return a.hash == b.hash && sameBucket(*a.bucket, *b.bucket);
    }
};

inline size_t qHash(const BucketRef &r, size_t seed = 0) noexcept
{
    return r.hash ^ seed;
}

} // namespace l2met
