#include "bucket/bucket.h"

#include <cmath>
#include <limits>

#include <QJsonObject>

#include <algorithm>
#include <cstdint>
#include <bit>
#include <numeric>
#include <utility>

namespace l2met {

namespace {

bool isLibratoChar(uchar c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
        || c == ':' || c == '_' || c == '-';
}

bool isContinuation(uchar c)
{
    return (c & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF) starting at data[0] whose lead byte is
// >= 0x80, or 0 if there is none.
qsizetype utf8SequenceLength(const uchar *data, qsizetype size)
{
    const uchar lead = data[0];
    qsizetype length = 0;
    uchar secondMin = 0x80;
    uchar secondMax = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            secondMin = 0xA0; // overlong
        else if (lead == 0xED)
            secondMax = 0x9F; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            secondMin = 0x90; // overlong
        else if (lead == 0xF4)
            secondMax = 0x8F; // above U+10FFFF
    } else {
        return 0;
    }
    if (size < length || data[1] < secondMin || data[1] > secondMax)
        return 0;
    for (qsizetype i = 2; i < length; ++i) {
        if (!isContinuation(data[i]))
            return 0;
    }
    return length;
}

// name + suffix with name cut so the whole stays within Librato's limit.
QString gaugeName(const QString &base, QLatin1String suffix)
{
    return base.left(kLibratoMaxNameLength - suffix.size()) + suffix;
}

// A unique bucket's value back to its uniqueHash(); anything else (a value
// read from a store that someone else wrote) to 0 rather than an undefined
// conversion.
std::uint64_t sketchHash(double value)
{
    constexpr double kLimit = 4503599627370496.0; // 2^52
    return value >= 0 && value < kLimit ? std::uint64_t(value) : 0;
}

} // namespace

Bucket::Bucket(BucketId id, std::vector<double> values)
    : m_id(std::move(id))
    , m_values(std::move(values))
{ }

namespace {

// Merges two ascending runs of counts.
std::vector<ValueCount> mergeCounts(const std::vector<ValueCount> &a, const std::vector<ValueCount> &b)
{
    std::vector<ValueCount> out;
    out.reserve(a.size() + b.size());
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].value < b[j].value)) {
            out.push_back(a[i++]);
        } else if (i == a.size() || b[j].value < a[i].value) {
            out.push_back(b[j++]);
        } else if (a[i].value == b[j].value && std::signbit(a[i].value) == std::signbit(b[j].value)) {
            out.push_back({ a[i].value, a[i].count + b[j].count });
            ++i;
            ++j;
        } else {
            // 0.0 and -0.0 compare equal but are kept apart (exact bits);
            // NaN never reaches a bucket (the parser refuses it).
            out.push_back(a[i++]);
        }
    }
    return out;
}

// Every value of a bucket (compacted and raw) into a sketch.
void addToSketch(HyperLogLog &sketch, const std::vector<ValueCount> &counts, const std::vector<double> &values)
{
    for (const ValueCount &vc : counts)
        sketch.add(sketchHash(vc.value));
    for (double v : values)
        sketch.add(sketchHash(v));
}

} // namespace

void Bucket::merge(const Bucket &other)
{
    Q_ASSERT(m_id == other.m_id);
    if (isUnique() && (!m_sketch.isNull() || !other.m_sketch.isNull())) {
        foldIntoSketch();
        m_sketch.merge(other.m_sketch);
        addToSketch(m_sketch, other.m_counts, other.m_values);
        m_compacted += quint64(other.valueCount());
        return;
    }
    if (!other.m_counts.empty()) {
        // other's compacted values arrived after ours: fold ours first so
        // that "last" stays the value received last.
        compact();
        m_counts = mergeCounts(m_counts, other.m_counts);
        m_compacted += other.m_compacted;
        m_last = other.m_last;
    }
    m_values.insert(m_values.end(), other.m_values.begin(), other.m_values.end());
}

void Bucket::merge(Bucket &&other)
{
    if (m_values.empty() && m_counts.empty() && m_sketch.isNull()) {
        Q_ASSERT(m_id == other.m_id);
        m_values = std::move(other.m_values);
        m_counts = std::move(other.m_counts);
        m_compacted = other.m_compacted;
        m_last = other.m_last;
        m_sketch = std::move(other.m_sketch);
        return;
    }
    merge(static_cast<const Bucket &>(other));
}

void Bucket::compact()
{
    if (m_values.empty())
        return;
    if (!m_sketch.isNull()) {
        foldIntoSketch();
        return;
    }
    m_last = m_values.back();
    // Sort by a key that orders doubles as numbers, -0.0 just before 0.0:
    // integer compares, and equal keys are equal bits (exact grouping).
    std::vector<std::uint64_t> keys(m_values.size());
    std::transform(m_values.begin(), m_values.end(), keys.begin(), [](double v) {
        const auto bits = std::bit_cast<std::uint64_t>(v);
        return (bits >> 63) ? ~bits : (bits | (std::uint64_t(1) << 63));
    });
    std::sort(keys.begin(), keys.end());
    std::vector<ValueCount> fresh;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (i > 0 && keys[i] == keys[i - 1]) {
            ++fresh.back().count;
            continue;
        }
        const std::uint64_t k = keys[i];
        fresh.push_back({ std::bit_cast<double>((k >> 63) ? (k & ~(std::uint64_t(1) << 63)) : ~k), 1 });
    }
    m_compacted += m_values.size();
    m_counts = m_counts.empty() ? std::move(fresh) : mergeCounts(m_counts, fresh);
    m_values.clear();
    // Keep the buffer for the next values unless it grew large (values that
    // hardly repeat): then give the memory back.
    if (m_values.capacity() > 4 * kCompactAt)
        m_values.shrink_to_fit();
    if (isUnique() && m_counts.size() > kExactDistinct)
        foldIntoSketch();
}

void Bucket::foldIntoSketch()
{
    Q_ASSERT(isUnique());
    addToSketch(m_sketch, m_counts, m_values);
    m_compacted += m_values.size();
    m_values.clear();
    m_values.shrink_to_fit();
    std::vector<ValueCount>().swap(m_counts);
}

void Bucket::mergeSketch(const HyperLogLog &sketch, quint64 countsAs)
{
    Q_ASSERT(isUnique());
    foldIntoSketch();
    m_sketch.merge(sketch);
    m_compacted += countsAs;
}

qint64 Bucket::distinctCount() const
{
    if (!m_sketch.isNull()) {
        HyperLogLog all = m_sketch;
        addToSketch(all, m_counts, m_values); // counts are empty once there is a sketch
        return qint64(all.estimate());
    }
    return qint64(distinctValues().size());
}

std::vector<double> Bucket::distinctValues() const
{
    std::vector<double> distinct = m_values;
    distinct.reserve(m_values.size() + m_counts.size());
    for (const ValueCount &vc : m_counts)
        distinct.push_back(vc.value);
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    return distinct;
}

void Bucket::maybeCompact()
{
    if (m_values.size() < m_nextCompact)
        return;
    if (isUnique()) {
        compact(); // repeats fold, and past kExactDistinct the sketch takes over
        return;
    }
    const size_t raw = m_values.size();
    const size_t before = m_counts.size();
    compact();
    // A ValueCount costs two doubles: when values hardly repeat, compacting
    // does not pay; try again only after the raw values doubled.
    const size_t added = m_counts.size() - before;
    m_nextCompact = added * 2 > raw ? raw * 2 : kCompactAt;
}

std::vector<double> Bucket::expandedValues() const
{
    std::vector<double> out;
    out.reserve(size_t(valueCount()));
    for (const ValueCount &vc : m_counts)
        out.insert(out.end(), size_t(vc.count), vc.value);
    out.insert(out.end(), m_values.begin(), m_values.end());
    return out;
}

Statistics Bucket::statistics(const Percentiles &percentiles) const
{
    if (isUnique()) {
        Statistics stats; // the distinct count, as the gauge has it
        stats.count = distinctCount();
        stats.sum = stats.last = stats.min = stats.max = double(stats.count);
        return stats;
    }
    if (!m_counts.empty())
        return Statistics::compute(m_counts, m_values, m_last, percentiles);
    return Statistics::compute(m_values, percentiles);
}

LibratoRollup libratoRollup(BucketType type)
{
    // docs/behaviour.md section 5: a counter's windows add up (sum), and
    // Librato's service-side aggregation (aggregate) sums them over the
    // metric's period; a measurement's gauges are per-window statistics, whose
    // honest roll-up is the average; a sample is a level (memory, queue
    // depth) where the peak of the rolled-up windows is the reading to keep;
    // distinct counts are summed over time like counts, but two deliveries
    // of one window are not added (their values may overlap).
    switch (type) {
    case BucketType::Counter:
        return { "sum", true };
    case BucketType::Unique:
        return { "sum", false };
    case BucketType::Measurement:
        return { "average", false };
    case BucketType::Sample:
        return { "max", false };
    }
    return { "average", false };
}

QJsonObject libratoAttributes(BucketType type, const QByteArray &units)
{
    const LibratoRollup rollup = libratoRollup(type);
    return QJsonObject {
        { QStringLiteral("display_units_long"), QString::fromUtf8(units) },
        { QStringLiteral("display_min"), 0 },
        { QStringLiteral("summarize_function"), QLatin1String(rollup.summarizeFunction) },
        { QStringLiteral("aggregate"), rollup.aggregate },
        { QStringLiteral("l2met_type"), QLatin1String(bucketTypeName(type)) },
    };
}

// Finite values can add or square up to infinity (1e200 squared), which
// JSON writes as null and Librato rejects with the whole batch: clamp to the
// largest double instead (docs/behaviour.md section 4: one odd line never costs a batch).
static double finite(double v)
{
    if (std::isfinite(v))
        return v;
    if (std::isnan(v))
        return 0;
    return v > 0 ? std::numeric_limits<double>::max() : std::numeric_limits<double>::lowest();
}

QJsonArray Bucket::toGauges(const Percentiles &percentiles) const
{
    QJsonArray gauges;
    if (isEmpty())
        return gauges; // nothing was measured; Librato refuses count 0 anyway

    QString name = sanitizeLibratoName(m_id.name);
    if (name.isEmpty())
        name = QStringLiteral("_");
    const QString source = sanitizeLibratoName(m_id.source);
    const QJsonObject attributes = libratoAttributes(m_id.type, m_id.units);

    auto gauge = [&](QLatin1String suffix) {
        QJsonObject object {
            { QStringLiteral("name"), gaugeName(name, suffix) },
            { QStringLiteral("measure_time"), m_id.time },
            { QStringLiteral("attributes"), attributes },
        };
        if (!source.isEmpty())
            object.insert(QStringLiteral("source"), source);
        return object;
    };
    auto valueGauge = [&](QLatin1String suffix, double value) {
        QJsonObject object = gauge(suffix);
        object.insert(QStringLiteral("value"), finite(value));
        return object;
    };

    // Only a measurement needs the sort inside Statistics::compute().
    switch (m_id.type) {
    case BucketType::Measurement: {
        const Statistics stats = statistics(percentiles);
        QJsonObject complex = gauge({});
        complex.insert(QStringLiteral("count"), stats.count);
        complex.insert(QStringLiteral("sum"), finite(stats.sum));
        complex.insert(QStringLiteral("min"), stats.min);
        complex.insert(QStringLiteral("max"), stats.max);
        complex.insert(QStringLiteral("sum_squares"), finite(stats.sumSquares));
        gauges.append(complex);
        for (int i = 0; i < percentiles.size(); ++i)
            gauges.append(valueGauge(percentiles.suffix(i), stats.percentiles[size_t(i)]));
        break;
    }
    case BucketType::Counter: {
        double sum = std::accumulate(m_values.begin(), m_values.end(), 0.0);
        for (const ValueCount &vc : m_counts)
            sum += vc.value * double(vc.count);
        gauges.append(valueGauge({}, sum));
        break;
    }
    case BucketType::Sample:
        gauges.append(valueGauge({}, last()));
        break;
    case BucketType::Unique:
        gauges.append(valueGauge({}, double(distinctCount())));
        break;
    }
    return gauges;
}

QString sanitizeLibratoName(QByteArrayView raw)
{
    const auto *data = reinterpret_cast<const uchar *>(raw.data());
    const qsizetype size = raw.size();
    QByteArray out;
    out.reserve(std::min(size, kLibratoMaxNameLength));
    qsizetype i = 0;
    while (i < size && out.size() < kLibratoMaxNameLength) {
        const uchar c = data[i];
        if (c < 0x80) {
            out.append(isLibratoChar(c) ? char(c) : '_');
            ++i;
            continue;
        }
        const qsizetype length = utf8SequenceLength(data + i, size - i);
        out.append('_');
        i += length > 0 ? length : 1; // each byte of a bad sequence is one '_'
    }
    return QString::fromLatin1(out);
}

} // namespace l2met
