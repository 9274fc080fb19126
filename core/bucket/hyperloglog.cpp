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

QByteArray HyperLogLog::serialize() const
{
    QByteArray out(kMagic.data(), qsizetype(kMagic.size()));
    if (m_registers.empty())
        out.append(QByteArray(kRegisters, '\0'));
    else
        out.append(reinterpret_cast<const char *>(m_registers.data()), kRegisters);
    return out;
}

bool HyperLogLog::isSerialized(QByteArrayView bytes)
{
    return bytes.startsWith(QByteArrayView(kMagic.data(), qsizetype(kMagic.size())));
}

std::optional<HyperLogLog> HyperLogLog::deserialize(QByteArrayView bytes)
{
    if (!isSerialized(bytes) || bytes.size() != qsizetype(kMagic.size()) + kRegisters)
        return std::nullopt;
    HyperLogLog sketch;
    const auto *data = reinterpret_cast<const std::uint8_t *>(bytes.data()) + kMagic.size();
    if (std::any_of(data, data + kRegisters, [](std::uint8_t r) { return r > kMaxRank; }))
        return std::nullopt;
    sketch.m_registers.assign(data, data + kRegisters);
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
