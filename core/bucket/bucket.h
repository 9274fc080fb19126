// Bucket: a BucketId and its values. Buckets with the same id merge by
// appending values.
//
// Memory: at a million lines a second a minute-long bucket would hold tens
// of millions of doubles, yet real metrics repeat their values (latencies in
// whole milliseconds, counters of 1). So once a bucket holds many raw values,
// maybeCompact() folds them into counts of distinct values (ValueCount,
// ascending). Every statistic of docs/behaviour.md section 4 stays exact: they depend on
// the multiset, except "last", which is kept. values() are the raw values
// received since the last compaction, in arrival order; valueCount() counts
// all; expandedValues() lists all (compacted ones first, ascending). toGauges() converts a bucket to the Librato
// gauges of docs/behaviour.md sections 4 and 5, with names and sources made valid for
// Librato (see sanitizeLibratoName).
//
// A unique bucket (BucketType::Unique) holds value hashes (uniqueHash, exact
// in a double) and counts the distinct ones: exactly while there are at most
// kExactDistinct, then in a HyperLogLog sketch (16 KiB, 0.81% standard
// error) that the values fold into. valueCount() still counts every value
// received (what acknowledgements count); distinctCount() is the statistic.
//
// Value type; not synchronised (one owner at a time).
#pragma once

#include "bucket/bucketid.h"
#include "bucket/hyperloglog.h"
#include "bucket/statistics.h"

#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <vector>

namespace l2met {

class Bucket
{
public:
    Bucket() = default;
    explicit Bucket(BucketId id, std::vector<double> values = {});

    const BucketId &id() const { return m_id; }
    // Raw values since the last compaction, in arrival order.
    const std::vector<double> &values() const { return m_values; }
    std::vector<double> &values() { return m_values; }
    // Compacted values: distinct, ascending, with their counts.
    const std::vector<ValueCount> &counts() const { return m_counts; }

    qint64 valueCount() const { return qint64(m_compacted + m_values.size()); }
    bool isEmpty() const { return valueCount() == 0; }
    double last() const { return m_values.empty() ? m_last : m_values.back(); }
    std::vector<double> expandedValues() const;

    void append(double value) { m_values.push_back(value); }
    // Appends other's values (other arrived later); Q_ASSERTs equal ids.
    void merge(const Bucket &other);
    void merge(Bucket &&other);

    // Compacts when the raw values reach a threshold and doing so saves
    // memory; cheap to call after every merge.
    void maybeCompact();
    // Folds every raw value into the counts now.
    void compact();
    // Raw values at which maybeCompact() compacts (the first time).
    static constexpr size_t kCompactAt = 128;
    // Distinct values a unique bucket counts exactly (16 KiB of hashes, the
    // size of its sketch).
    static constexpr size_t kExactDistinct = 2048;

    // Unique buckets: the sketch (null while counting exactly), the number of
    // distinct values (exact, or the sketch's estimate), and a sketch read
    // back from a store merged in, counting as countsAs values.
    const HyperLogLog &sketch() const { return m_sketch; }
    qint64 distinctCount() const;
    // Unique buckets counting exactly: each value (hash) once, ascending.
    std::vector<double> distinctValues() const;
    void mergeSketch(const HyperLogLog &sketch, quint64 countsAs);

    Statistics statistics(const Percentiles &percentiles = Percentiles::defaults()) const;

    // The Librato gauges of this bucket (JSON objects, in a fixed order:
    // measurement: NAME, then NAME + percentiles.suffix(i) for each
    // percentile (by default NAME.median, NAME.perc95, NAME.perc99);
    // counter, sample and unique (the distinct count): NAME). Every gauge
    // has measure_time, attributes (libratoAttributes) and source when the
    // sanitized source is non-empty. NAME is sanitizeLibratoName(name) ("_"
    // if that is empty); for a suffixed gauge the base is cut to 255 -
    // suffix length so the suffix survives and the gauges of a long name
    // stay distinct.
    // An empty bucket gives an empty array.
    QJsonArray toGauges(const Percentiles &percentiles = Percentiles::defaults()) const;

private:
    BucketId m_id;
    std::vector<double> m_values;     // raw, arrival order
    std::vector<ValueCount> m_counts; // compacted, ascending
    quint64 m_compacted = 0;          // values in m_counts
    double m_last = 0;                // last value, when m_values is empty
    size_t m_nextCompact = kCompactAt;
    HyperLogLog m_sketch;             // unique buckets past kExactDistinct

    bool isUnique() const { return m_id.type == BucketType::Unique; }
    // Unique buckets: every value (counts and raw) into the sketch.
    void foldIntoSketch();
};

// How Librato should roll a type's gauges up (docs/behaviour.md section 5):
// summarize_function (one of Librato's average, sum, count, min, max) and
// aggregate. One switch per type, so a new type adds one case.
struct LibratoRollup
{
    const char *summarizeFunction;
    bool aggregate;
};
LibratoRollup libratoRollup(BucketType type);
// The attributes every gauge of a bucket of that type and units carries:
// display_units_long, display_min: 0, summarize_function, aggregate and
// l2met_type (bucketTypeName).
QJsonObject libratoAttributes(BucketType type, const QByteArray &units);

// Librato accepts names and sources of 1..255 characters from
// [A-Za-z0-9.:_-]. Every other character (per UTF-8 code point; each byte of
// an invalid sequence) becomes '_', and the result is cut at 255. Empty input
// gives an empty string (the caller decides: "_" for a name, no source).
inline constexpr qsizetype kLibratoMaxNameLength = 255;
QString sanitizeLibratoName(QByteArrayView raw);

} // namespace l2met
