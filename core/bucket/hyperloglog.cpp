#include "bucket/hyperloglog.h"

#include "bucket/bucketid.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

namespace l2met {

namespace {

constexpr int kMaxRank = HyperLogLog::kRankBits + 1;

// sigma(x) = x + sum_k x^(2^k) 2^(k-1): Ertl's correction for empty registers.
double sigma(double x)
{
    if (x == 1.0)
        return std::numeric_limits<double>::infinity();
    double y = 1;
    double z = x;
    double previous;
    do {
        x *= x;
        previous = z;
        z += x * y;
        y += y;
    } while (previous != z);
    return z;
}

// tau(x): the correction for registers at the largest rank.
double tau(double x)
{
    if (x == 0.0 || x == 1.0)
        return 0;
    double y = 1;
    double z = 1 - x;
    double previous;
    do {
        x = std::sqrt(x);
        previous = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (previous != z);
    return z / 3;
}

} // namespace

void HyperLogLog::add(std::uint64_t hash)
{
    if (m_registers.empty())
        m_registers.assign(kRegisters, 0);
    const std::uint64_t rest = (hash >> kPrecision) & ((std::uint64_t(1) << kRankBits) - 1);
    const int rank = rest == 0 ? kMaxRank : std::countr_zero(rest) + 1;
    std::uint8_t &slot = m_registers[hash & (kRegisters - 1)];
    slot = std::max<std::uint8_t>(slot, std::uint8_t(rank));
}

void HyperLogLog::merge(const HyperLogLog &other)
{
    if (other.isNull())
        return;
    if (m_registers.empty()) {
        m_registers = other.m_registers;
        return;
    }
    for (int i = 0; i < kRegisters; ++i)
        m_registers[size_t(i)] = std::max(m_registers[size_t(i)], other.m_registers[size_t(i)]);
}

double HyperLogLog::estimate() const
{
    if (m_registers.empty())
        return 0;
    std::array<int, kMaxRank + 1> histogram {};
    for (std::uint8_t r : m_registers)
        ++histogram[r];
    const double m = kRegisters;
    double z = m * tau(1 - histogram[kMaxRank] / m);
    for (int k = kMaxRank - 1; k >= 1; --k) {
        z += histogram[size_t(k)];
        z *= 0.5;
    }
    z += m * sigma(histogram[0] / m);
    constexpr double kAlphaInfinity = 0.5 / std::numbers::ln2;
    return std::llround(kAlphaInfinity * m * m / z);
}

// Register i of Redis's dense encoding: 6 bits from bit 6i, least
// significant first, possibly across two bytes.
namespace {

std::uint8_t denseRegister(const std::uint8_t *registers, int i)
{
    const int bit = i * 6;
    const int byte = bit / 8;
    const int shift = bit % 8;
    unsigned value = registers[byte] >> shift;
    if (shift > 2)
        value |= unsigned(registers[byte + 1]) << (8 - shift);
    return std::uint8_t(value & 63);
}

void setDenseRegister(std::uint8_t *registers, int i, std::uint8_t value)
{
    const int bit = i * 6;
    const int byte = bit / 8;
    const int shift = bit % 8;
    registers[byte] = std::uint8_t((registers[byte] & ~(63u << shift)) | (unsigned(value) << shift));
    if (shift > 2) {
        const int high = 8 - shift;
        registers[byte + 1]
            = std::uint8_t((registers[byte + 1] & ~(63u >> high)) | (unsigned(value) >> high));
    }
}

} // namespace

QByteArray HyperLogLog::serialize() const
{
    QByteArray out(kDenseBytes, '\0');
    std::copy(kMagic.begin(), kMagic.end(), out.data());
    out[15] = char(0x80); // cached cardinality: invalid (PFCOUNT computes it)
    if (!m_registers.empty()) {
        auto *dense = reinterpret_cast<std::uint8_t *>(out.data()) + kHeaderBytes;
        for (int i = 0; i < kRegisters; ++i)
            setDenseRegister(dense, i, m_registers[size_t(i)]);
    }
    return out;
}

bool HyperLogLog::isSerialized(QByteArrayView bytes)
{
    return bytes.startsWith(QByteArrayView(kMagic.data(), qsizetype(kMagic.size())));
}

std::optional<HyperLogLog> HyperLogLog::deserialize(QByteArrayView bytes)
{
    if (!isSerialized(bytes) || bytes.size() != kDenseBytes || bytes[4] != 0)
        return std::nullopt;
    HyperLogLog sketch;
    sketch.m_registers.resize(kRegisters);
    const auto *dense = reinterpret_cast<const std::uint8_t *>(bytes.data()) + kHeaderBytes;
    for (int i = 0; i < kRegisters; ++i) {
        const std::uint8_t r = denseRegister(dense, i);
        if (r > kMaxRank)
            return std::nullopt;
        sketch.m_registers[size_t(i)] = r;
    }
    return sketch;
}

std::uint64_t uniqueHash(std::string_view value) noexcept
{
    std::uint64_t h = fnv1a64(QByteArrayView(value.data(), qsizetype(value.size())));
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h >> 12;
}

} // namespace l2met
