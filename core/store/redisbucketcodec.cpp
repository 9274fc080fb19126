#include "store/redisbucketcodec.h"

#include "store/redisconnection.h"

#include <algorithm>
#include <bit>
#include <charconv>

namespace l2met {

std::vector<double> RedisBucketCodec::listValues(const Bucket &bucket)
{
    if (bucket.id().type == BucketType::Unique)
        return bucket.distinctValues();
    std::vector<double> values = bucket.expandedValues();
    if (bucket.values().empty() && !bucket.counts().empty()) {
        const quint64 last = std::bit_cast<quint64>(bucket.last());
        const auto it = std::find_if(values.begin(), values.end(), [last](double v) {
            return std::bit_cast<quint64>(v) == last;
        });
        if (it != values.end())
            std::rotate(it, it + 1, values.end());
    }
    return values;
}

QByteArray RedisBucketCodec::sketchMarker()
{
    return QByteArray(kSketchMarker.data(), qsizetype(kSketchMarker.size()));
}

QByteArray RedisBucketCodec::listSketch(const Bucket &bucket)
{
    return bucket.sketch().isNull() ? QByteArray() : bucket.sketch().serialize();
}

Bucket RedisBucketCodec::toBucket(RedisBucketReply &&reply)
{
    Q_ASSERT(reply.id);
    Bucket bucket(std::move(*reply.id), std::move(reply.values));
    if (reply.sketchElements > 0)
        bucket.mergeSketch(reply.sketch, quint64(reply.sketchElements));
    return bucket;
}

QByteArrayView RedisBucketCodec::format(double value, char (&buffer)[kValueChars])
{
    const std::to_chars_result r = std::to_chars(buffer, buffer + kValueChars, value);
    Q_ASSERT(r.ec == std::errc());
    return QByteArrayView(buffer, r.ptr - buffer);
}

std::optional<double> RedisBucketCodec::parse(const redisReply *element)
{
    if (element->type != REDIS_REPLY_STRING)
        return std::nullopt;
    double parsed = 0;
    const char *end = element->str + element->len;
    if (std::from_chars(element->str, end, parsed).ptr != end)
        return std::nullopt;
    return parsed;
}

RedisBucketReply RedisBucketCodec::decode(const redisReply *id, const redisReply *values)
{
    RedisBucketReply out;
    if (id->type != REDIS_REPLY_STRING || values->type != REDIS_REPLY_ARRAY)
        return out;
    out.wellFormed = true;
    out.encodedId = replyBytes(id).toByteArray();
    out.elements = qint64(values->elements);
    out.id = BucketId::decode(out.encodedId);
    if (!out.id)
        return out;
    out.values.reserve(values->elements);
    for (size_t v = 0; v < values->elements; ++v) {
        const redisReply *element = values->element[v];
        if (const std::optional<double> parsed = parse(element)) {
            out.values.push_back(*parsed);
            continue;
        }
        const QByteArrayView bytes = replyBytes(element);
        const bool sketchElement = out.id->type == BucketType::Unique
            && element->type == REDIS_REPLY_STRING
            && (bytes == QByteArrayView(kSketchMarker.data(), qsizetype(kSketchMarker.size()))
                || HyperLogLog::isSerialized(bytes));
        if (sketchElement) {
            // A marker whose sketch was answered for an earlier one, or a
            // sketch key someone else wrote in another form: it still
            // counts as an element (acknowledgements count the list).
            if (const std::optional<HyperLogLog> sketch = HyperLogLog::deserialize(bytes))
                out.sketch.merge(*sketch);
            ++out.sketchElements;
        } else {
            ++out.junk[bytes.toByteArray()];
            ++out.junkCount;
        }
    }
    return out;
}

} // namespace l2met
