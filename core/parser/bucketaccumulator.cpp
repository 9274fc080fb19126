#include "parser/bucketaccumulator.h"

#include <algorithm>
#include <cstring>

namespace l2met {

namespace {
std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()));
}
QByteArray bytes(std::string_view v)
{
    return QByteArray(v.data(), static_cast<qsizetype>(v.size()));
}
} // namespace

namespace {

inline std::uint64_t load64(const char *p)
{
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline std::uint64_t mix(std::uint64_t a, std::uint64_t b)
{
    std::uint64_t h = (a ^ b) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

// A multiply-xorshift hash, 8 bytes a step; process-local (the stable hash that
// picks partitions is BucketId::partitionHash).
std::uint64_t hashBytes(std::string_view s, std::uint64_t seed)
{
    const char *p = s.data();
    size_t n = s.size();
    std::uint64_t h = seed ^ n;
    while (n >= 8) {
        h = mix(h, load64(p));
        p += 8;
        n -= 8;
    }
    // Tail of 0..7 bytes without a variable-length memcpy call.
    std::uint64_t tail = 0;
    if (n >= 4) {
        std::uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);
        tail = (static_cast<std::uint64_t>(hi) << 32) | lo;
    } else if (n > 0) {
        const auto byte = [p](size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
        tail = (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1);
    }
    return mix(h, tail);
}

// string_view equality without a call to memcmp for the short strings that
// names, units and sources are.
inline bool sameBytes(std::string_view a, std::string_view b)
{
    const size_t n = a.size();
    if (n != b.size())
        return false;
    const char *x = a.data();
    const char *y = b.data();
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            if (load64(x + i) != load64(y + i))
                return false;
        }
        return load64(x + n - 8) == load64(y + n - 8);
    }
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i])
            return false;
    }
    return true;
}

template<typename Key>
inline bool sameKey(const Key &a, const Key &b)
{
    return a.time == b.time && a.type == b.type && sameBytes(a.name, b.name)
        && sameBytes(a.source, b.source) && sameBytes(a.units, b.units);
}

} // namespace

std::uint64_t BucketAccumulator::hashKey(const Key &k) noexcept
{
    std::uint64_t h = mix(static_cast<std::uint64_t>(k.time), static_cast<std::uint64_t>(k.type));
    h = hashBytes(k.name, h);
    h = hashBytes(k.source, h);
    return hashBytes(k.units, h);
}

void BucketAccumulator::reset(const QByteArray &token, qint32 resolution, const QByteArray &user,
                              int recvDeadline)
{
    m_user = user;
    m_recvDeadline = recvDeadline;
    if (token != m_token || resolution != m_resolution) {
        // Buckets gathered so far keep their own ids; only the index, which
        // does not know token or resolution, must start again.
        std::fill(m_slots.begin(), m_slots.end(), Slot());
        m_keys.clear();
        m_keyBuckets.clear();
        m_token = token;
        m_resolution = resolution;
    }
}

void BucketAccumulator::grow()
{
    std::vector<Slot> old;
    old.swap(m_slots);
    m_slots.resize(old.empty() ? 64 : old.size() * 2);
    const size_t mask = m_slots.size() - 1;
    for (const Slot &slot : old) {
        if (slot.position == 0)
            continue;
        size_t i = slot.hash & mask;
        while (m_slots[i].position != 0)
            i = (i + 1) & mask;
        m_slots[i] = slot;
    }
}

bool BucketAccumulator::add(const Measurement &m)
{
    const Key key { m.time, m.name, m.units, m.source, m.type };
    const std::uint64_t hash = hashKey(key);
    if (m_slots.empty())
        grow();
    size_t mask = m_slots.size() - 1;
    size_t i = hash & mask;
    while (m_slots[i].position != 0) {
        const Slot &slot = m_slots[i];
        if (slot.hash == hash && sameKey(m_keys[slot.position - 1], key)) {
            m_buckets[m_keyBuckets[slot.position - 1]].append(m.value);
            return true;
        }
        i = (i + 1) & mask;
    }
    return insert(m, hash, i);
}

bool BucketAccumulator::insert(const Measurement &m, std::uint64_t hash, size_t slot)
{
    if (m_limiter) {
        // The series without its window: the limiter keys windows itself.
        std::uint64_t series = mix(0x5e71e5, static_cast<std::uint64_t>(m.type));
        series = hashBytes(m.name, series);
        series = hashBytes(m.source, series);
        series = hashBytes(m.units, series);
        const SeriesLimiter::Window window { m_token, m_resolution, m.time, m_recvDeadline };
        if (!m_limiter->admit(window, m_user, series, m.name))
            return false;
    }
    BucketId id;
    id.time = m.time;
    id.resolution = m_resolution;
    id.auth = m_token;
    id.name = bytes(m.name);
    id.units = bytes(m.units);
    id.source = bytes(m.source);
    id.type = m.type;
    std::vector<double> values;
    values.reserve(kInitialValues);
    values.push_back(m.value);
    m_buckets.emplace_back(std::move(id), std::move(values));
    const BucketId &stored = m_buckets.back().id();
    m_keys.push_back(Key { m.time, view(stored.name), view(stored.units), view(stored.source), m.type });
    m_keyBuckets.push_back(static_cast<std::uint32_t>(m_buckets.size() - 1));
    m_slots[slot] = Slot { hash, static_cast<std::uint32_t>(m_keys.size()) };
    if (m_keys.size() * 2 > m_slots.size())
        grow();
    return true;
}

std::vector<Bucket> BucketAccumulator::takeBuckets()
{
    std::fill(m_slots.begin(), m_slots.end(), Slot());
    m_keys.clear();
    m_keyBuckets.clear();
    std::vector<Bucket> out;
    out.swap(m_buckets);
    return out;
}

} // namespace l2met
