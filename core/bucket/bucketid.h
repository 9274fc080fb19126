// BucketId: the identity of a bucket (SPEC section 4): time window start,
// resolution, credentials (the drain token as received, never decrypted),
// name, units, source and type. A bucket is ready at time + resolution.
//
// encode()/decode() give a versioned binary form that round-trips every field
// exactly (any bytes in names and sources); it is the key under which stores
// file a bucket. partitionHash() is stable across processes, machines and Qt
// versions (unlike qHash, which is seeded per process), so every process of a
// fleet files a bucket under the same partition.
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
};

// "measurement", "counter", "sample".
const char *bucketTypeName(BucketType type);

struct BucketId
{
    qint64 time = 0;      // window start, unix seconds, a multiple of resolution
    qint32 resolution = 60; // seconds
    QByteArray auth;      // drain token exactly as received
    QByteArray name;
    QByteArray units;
    QByteArray source;
    BucketType type = BucketType::Measurement;

    qint64 readyAt() const { return time + resolution; }

    // Current encoding version; the first byte of every encoded id.
    static constexpr std::uint8_t kEncodingVersion = 1;

    QByteArray encode() const;
    // std::nullopt for anything that is not a complete id of a known version
    // (truncated, trailing bytes, unknown type or version, bad resolution).
    static std::optional<BucketId> decode(QByteArrayView bytes);

    // 64-bit FNV-1a over the encoded id: stable everywhere.
    quint64 partitionHash() const;
    int partition(int partitions) const;

    friend bool operator==(const BucketId &, const BucketId &) = default;
};

size_t qHash(const BucketId &id, size_t seed = 0) noexcept;

} // namespace l2met

Q_DECLARE_METATYPE(l2met::BucketId)
