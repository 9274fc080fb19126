// BucketAccumulator: gathers the measurements of one or more bodies of the
// same drain and resolution into buckets, merging those with the same id, so
// that the shared register is touched once per bucket rather than once per
// line. Lookups hash views (no allocation); a new bucket allocates once.
//
// With a SeriesLimiter, each bucket new to the body asks it whether the
// drain may have one more series in that window; a refused measurement is
// not kept (add() answers false) and the limiter is asked again for the
// next one of that series (refusals are the rare, pathological case).
//
// Not thread-safe: one per parser thread.
#pragma once

#include "bucket/bucket.h"
#include "parser/bodyparser.h"
#include "parser/serieslimiter.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace l2met {

class BucketAccumulator final : public MeasurementSink
{
public:
    // Sets the credentials and resolution of the buckets made from now on;
    // user and recvDeadline are what the limiter (when set) is told.
    void reset(const QByteArray &token, qint32 resolution, const QByteArray &user = {},
               int recvDeadline = 2);
    // Null: every series admitted (the default).
    void setLimiter(SeriesLimiter *limiter) { m_limiter = limiter; }

    // False when the limiter refused the measurement's new series.
    bool add(const Measurement &m) override;

    size_t bucketCount() const { return m_buckets.size(); }
    // The buckets gathered since the last take, in order of first arrival.
    std::vector<Bucket> takeBuckets();

private:
    struct Key
    {
        qint64 time;
        std::string_view name;
        std::string_view units;
        std::string_view source;
        BucketType type;
        bool operator==(const Key &) const = default;
    };
    static std::uint64_t hashKey(const Key &k) noexcept;
    void grow();
    // The slow path, out of line so that add() stays small.
    // False when the limiter refused it.
    [[gnu::noinline]] bool insert(const Measurement &m, std::uint64_t hash, size_t slot);

    // A bucket that gets one value usually gets more within a body.
    static constexpr size_t kInitialValues = 8;

    QByteArray m_token;
    qint32 m_resolution = 60;
    QByteArray m_user;
    int m_recvDeadline = 2;
    SeriesLimiter *m_limiter = nullptr;
    // Open addressing (linear probing, power-of-two size, load <= 1/2) over
    // bucket positions: a lookup is one hash and usually one key compare.
    // m_keys view the QByteArrays of the buckets' ids, whose data stay put
    // when the vector grows (QByteArray moves keep their buffer).
    struct Slot
    {
        std::uint64_t hash = 0;
        std::uint32_t position = 0; // bucket index + 1; 0 = empty
    };
    std::vector<Slot> m_slots;
    std::vector<Key> m_keys;               // indexed by position - 1
    std::vector<std::uint32_t> m_keyBuckets; // position - 1 -> index in m_buckets
    std::vector<Bucket> m_buckets;
};

} // namespace l2met
