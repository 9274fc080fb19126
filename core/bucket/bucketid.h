// BucketId: the identity of a bucket (docs/behaviour.md section 4): time window start,
// resolution, credentials (the drain token as received, never decrypted),
// name, units, source and type. A bucket is ready at time + resolution.
//
// encode()/decode() give a versioned binary form that round-trips every field
// exactly (any bytes in names and sources); it is the key under which stores
// file a bucket. Version 1 layout:
//   u8 version (1) | i64 time, big-endian | i32 resolution, big-endian (> 0)
//   | u8 type | auth | name | units | source
// where each of the four byte fields is an unsigned LEB128 length followed by
// the raw bytes. The encoding is canonical: decode() accepts only what
// encode() produces (minimal varints, no trailing bytes), so one id has
// exactly one key.
//
// partitionHash() is stable across processes, machines and Qt versions
// (unlike qHash, which is seeded per process), so every process of a fleet
// files a bucket under the same partition. The encoding and the hash are part
// of the on-disk/Redis contract (docs/behaviour.md section 6): changing either moves
// buckets that are already stored to other keys and partitions, so a change
// needs a new kEncodingVersion and a migration.
//
// Value type; thread-safe to copy and read from several threads.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>

#include <cstdint>
#include <optional>

namespace l2met {

enum class BucketType : std::uint8_t {
    Measurement = 0,
    Counter = 1,
    Sample = 2,
    Unique = 3, // unique#: values are uniqueHash()es, the statistic their distinct count
};

// "measurement", "counter", "sample", "unique" ("unknown" for a value outside the enum).
const char *bucketTypeName(BucketType type);

struct BucketId
{
    qint64 time = 0; // window start, unix seconds, a multiple of resolution
    qint32 resolution = 60; // seconds
    QByteArray auth; // drain token exactly as received
    QByteArray name;
    QByteArray units;
    QByteArray source;
    BucketType type = BucketType::Measurement;

    qint64 readyAt() const { return time + resolution; }

    // Current encoding version; the first byte of every encoded id.
    static constexpr std::uint8_t kEncodingVersion = 1;

    QByteArray encode() const;
    // std::nullopt for anything that is not a complete id of a known version
    // (truncated, trailing bytes, unknown type or version, resolution <= 0,
    // over-long or non-minimal length varints). The time is not checked
    // against the resolution.
    static std::optional<BucketId> decode(QByteArrayView bytes);

    // 64-bit FNV-1a over encode(): stable everywhere (see above).
    quint64 partitionHash() const;
    // partitionHash() % partitions; partitions must be >= 1.
    int partition(int partitions) const;

    friend bool operator==(const BucketId &, const BucketId &) = default;
};

// For QHash/QSet within one process only (seeded per process; never store it).
size_t qHash(const BucketId &id, size_t seed = 0) noexcept;

// 64-bit FNV-1a (offset basis 14695981039346656037, prime 1099511628211).
quint64 fnv1a64(QByteArrayView bytes) noexcept;

} // namespace l2met

Q_DECLARE_METATYPE(l2met::BucketId)
