// Bucket: a BucketId and its values in arrival order. Buckets with the same
// id merge by appending values. toGauges() converts a bucket to the Librato
// gauges of SPEC sections 4 and 5, with names and sources made valid for
// Librato (see sanitizeLibratoName).
//
// Value type; not synchronised (one owner at a time).
#pragma once

#include "bucket/bucketid.h"
#include "bucket/statistics.h"

#include <QByteArrayView>
#include <QJsonArray>
#include <QString>

#include <vector>

namespace l2met {

class Bucket
{
public:
    Bucket() = default;
    explicit Bucket(BucketId id, std::vector<double> values = {});

    const BucketId &id() const { return m_id; }
    const std::vector<double> &values() const { return m_values; }
    std::vector<double> &values() { return m_values; }

    void append(double value) { m_values.push_back(value); }
    // Appends other's values; Q_ASSERTs that the ids are equal.
    void merge(const Bucket &other);

    Statistics statistics() const;

    // The Librato gauges of this bucket (JSON objects, in a fixed order:
    // measurement: NAME, NAME.median, NAME.perc95, NAME.perc99;
    // counter and sample: NAME). Every gauge has measure_time, attributes
    // {display_units_long, display_min: 0} and source when the sanitized
    // source is non-empty. NAME is sanitizeLibratoName(name) ("_" if that is
    // empty); for a suffixed gauge the base is cut to 255 - suffix length so
    // the suffix survives and the four gauges of a long name stay distinct.
    // An empty bucket gives an empty array.
    QJsonArray toGauges() const;

private:
    BucketId m_id;
    std::vector<double> m_values;
};

// Librato accepts names and sources of 1..255 characters from
// [A-Za-z0-9.:_-]. Every other character (per UTF-8 code point; each byte of
// an invalid sequence) becomes '_', and the result is cut at 255. Empty input
// gives an empty string (the caller decides: "_" for a name, no source).
inline constexpr qsizetype kLibratoMaxNameLength = 255;
QString sanitizeLibratoName(QByteArrayView raw);

} // namespace l2met
