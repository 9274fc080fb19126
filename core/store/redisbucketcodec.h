// RedisBucketCodec: a bucket's values as RedisStore keeps them in its list
// (docs/behaviour.md section 6), both ways. Writing: one element per value,
// compacted values expanded, the value received last kept last, each the
// shortest decimal that reads back to the same double (std::to_chars; "-0"
// keeps its sign). Reading: the one decoder of the (id, {values}) pairs that
// the Read and Take scripts answer, which also says what cannot be
// delivered (a member that is no id, elements that are no number, sketches
// in a bucket that is not unique#).
//
// Pure functions; thread-safe.
#pragma once

#include "bucket/bucket.h"

#include <QByteArray>
#include <QByteArrayView>

#include <map>
#include <optional>
#include <string_view>
#include <vector>

struct redisReply;

namespace l2met {

// One bucket of a script's reply, decoded.
struct RedisBucketReply
{
    // The id is a string and the values an array; when false nothing else
    // is set.
    bool wellFormed = false;
    QByteArray encodedId; // as stored in the ready set
    std::optional<BucketId> id; // empty when encodedId is not an id (no values decoded)
    std::vector<double> values; // the elements that are numbers, in list order
    HyperLogLog sketch; // unique buckets: the sketch elements merged
    qint64 sketchElements = 0;
    std::map<QByteArray, qint64> junk; // elements that are not numbers -> how many
    qint64 junkCount = 0;
    qint64 elements = 0; // the list's elements in the reply, numbers or not
};

class RedisBucketCodec final
{
public:
    RedisBucketCodec() = delete;

    // Enough for any double: to_chars needs at most 24 characters
    // ("-2.2250738585072014e-308").
    static constexpr size_t kValueChars = 32;

    // The values in the order the list keeps them: compacted values
    // expanded (Bucket::maybeCompact folds repeats into counts), then the
    // raw values in arrival order. When the bucket ends with compacted
    // values, one occurrence of its last value moves to the end, so that the
    // list's last element is still the value received last (what a sample
    // bucket reports).
    // A unique bucket lists each distinct value once (how often it came
    // does not count). Its sketch, when it has one, is PFMERGEd into the
    // bucket's sketch key and stands in the list as one kSketchMarker
    // element; reads answer the first marker with the sketch key's value.
    static std::vector<double> listValues(const Bucket &bucket);
    static QByteArray listSketch(const Bucket &bucket); // serialize(), or empty
    // Not a number (from_chars stops at the NUL).
    static constexpr std::string_view kSketchMarker { "\0sketch", 7 };
    static QByteArray sketchMarker();
    // The bucket a read decoded: its values, and its sketches merged in.
    static Bucket toBucket(RedisBucketReply &&reply);
    // One list element; a view into buffer.
    static QByteArrayView format(double value, char (&buffer)[kValueChars]);
    // An element back to its double; nullopt when it is not a number.
    static std::optional<double> parse(const redisReply *element);

    static RedisBucketReply decode(const redisReply *id, const redisReply *values);
};

} // namespace l2met
