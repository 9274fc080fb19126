// libFuzzer target: the input is one logplex body. BodyParser::parse into a
// BucketAccumulator must not crash and its books must balance (SPEC section
// 2): a body with a non-blank byte has at least one line outcome, every
// measurement counted went into a bucket, and BodyBytes is the body's size.
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace l2met;

namespace {

// A fixed "now" inside the seeds' timestamps (2025-11-25T18:02:00Z), so that
// both in-window and late/early lines are reachable.
constexpr qint64 kNow = 1764093720;

bool isBlank(char c)
{
    // LogplexReader's whitespace between frames.
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view body(reinterpret_cast<const char *>(data), size);

    // The first byte picks the options (resolution and prefixes), so the
    // prefixing paths are fuzzed too without a separate target.
    IngestOptions options;
    options.token = "fuzz-token";
    const unsigned char selector = size > 0 ? data[0] : 0;
    options.resolution = (selector & 1) ? 1 : 60;
    if (selector & 2)
        options.prefix = "pre";
    if (selector & 4)
        options.sourcePrefix = "src";

    BodyParser parser;
    quint64 problems = 0;
    parser.setProblemHook([&problems](ParseCounter, std::string_view) { ++problems; });
    BucketAccumulator accumulator;
    accumulator.reset(options.token, options.resolution);

    const ParseCounters counters = parser.parse(body, options, kNow, accumulator);

    quint64 valuesInBuckets = 0;
    for (const Bucket &bucket : accumulator.takeBuckets())
        valuesInBuckets += quint64(bucket.valueCount());

    bool nonBlank = false;
    for (const char c : body) {
        if (!isBlank(c)) {
            nonBlank = true;
            break;
        }
    }
    if (nonBlank && counters.lines() < 1)
        __builtin_trap();
    if (counters[ParseCounter::Measurements] != valuesInBuckets)
        __builtin_trap();
    if (counters[ParseCounter::BodyBytes] != quint64(size))
        __builtin_trap();
    // A line needs at least "N <" (or one skipped byte).
    if (counters.lines() > quint64(size))
        __builtin_trap();
    return 0;
}
