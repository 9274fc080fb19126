// HyperLogLog: the sketch a `unique#` bucket turns into past
// Bucket::kExactDistinct distinct values (docs/behaviour.md section 4).
// 2^14 registers of one byte (16 KiB), fed with the 52-bit value hashes the
// parser makes (uniqueHash): the low 14 bits pick the register, the other 38
// give the rank (trailing zeros + 1). estimate() is Ertl's improved
// estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017, the one Redis uses), unbiased from 0 up: standard error
// 1.04 / sqrt(16384) = 0.81%.
//
// Sketches merge by taking each register's maximum, so the union of what
// several receivers saw is counted once. serialize() writes Redis's own
// dense HyperLogLog string (the same 2^14 registers, 6 bits each, after a
// 16-byte header "HYLL", encoding 0, the cached cardinality marked
// invalid), so that the Redis store merges receivers' sketches with PFMERGE
// (docs/behaviour.md section 6). Our registers stay within 0..39, so they
// mean the same to Redis's PFCOUNT.
//
// Value type; not synchronised.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace l2met {

class HyperLogLog
{
public:
    static constexpr int kPrecision = 14;
    static constexpr int kRegisters = 1 << kPrecision;
    static constexpr int kRankBits = 52 - kPrecision;
    static constexpr std::string_view kMagic { "HYLL" };
    static constexpr int kHeaderBytes = 16;
    static constexpr int kDenseBytes = kHeaderBytes + kRegisters * 6 / 8;

    // Empty: no registers allocated (isNull()); add() and merge() allocate.
    HyperLogLog() = default;

    bool isNull() const { return m_registers.empty(); }
    // hash: a uniqueHash() value, below 2^52.
    void add(std::uint64_t hash);
    void merge(const HyperLogLog &other);
    double estimate() const;

    QByteArray serialize() const;
    static bool isSerialized(QByteArrayView bytes);
    // nullopt unless bytes is a dense Redis HyperLogLog whose registers are
    // within 0..kRankBits + 1 (what serialize() and PFMERGE of such make).
    static std::optional<HyperLogLog> deserialize(QByteArrayView bytes);

    friend bool operator==(const HyperLogLog &, const HyperLogLog &) = default;

private:
    std::vector<std::uint8_t> m_registers;
};

// The value a `unique#NAME=VALUE` measurement carries: a 52-bit hash of
// VALUE's bytes (FNV-1a 64 then the splitmix64 finaliser, top 52 bits), held
// exactly by a double. Stable across processes and machines: receivers of
// one fleet hash the same VALUE alike, so their buckets merge.
std::uint64_t uniqueHash(std::string_view value) noexcept;

} // namespace l2met
