// libFuzzer target: the input is one logplex body, or one body of local
// lines (BodyFormat::Lines, parser/localline.h) when the first byte says so.
// BodyParser::parse into a BucketAccumulator must not crash and its books
// must balance (docs/behaviour.md section 2): a body with a non-blank byte has at least
// one line outcome, every measurement counted went into a bucket, and
// BodyBytes is the body's size. A Lines body has exactly one outcome per
// non-empty line. A LineObserver sees every line once, with a line outcome,
// a bad piece inside the line, and measurements only for aggregated lines.
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

// What BodyParser counts as a line of a Lines body: '\n'-separated, without
// a trailing '\r', not empty.
quint64 nonEmptyLines(std::string_view body)
{
    quint64 n = 0;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t end = body.find('\n', pos);
        if (end == std::string_view::npos)
            end = body.size();
        size_t length = end - pos;
        if (length > 0 && body[end - 1] == '\r')
            --length;
        n += length > 0;
        pos = end + 1;
    }
    return n;
}

class Checker : public LineObserver
{
public:
    void observe(const LineReport &r) override
    {
        ++reports;
        if (!ParseCounters::isLineOutcome(r.outcome))
            __builtin_trap();
        if (!r.problemPiece.empty()
            && (r.problemPiece.data() < r.line.data()
                || r.problemPiece.data() + r.problemPiece.size() > r.line.data() + r.line.size()))
            __builtin_trap();
        if ((r.measurements != nullptr) != (r.outcome == ParseCounter::LinesAggregated))
            __builtin_trap();
        if (r.measurements) {
            if (r.measurements->empty())
                __builtin_trap();
            for (const Measurement &m : *r.measurements) {
                // Touch every byte: ASan catches a view left dangling.
                for (const char c : m.name)
                    sum += static_cast<unsigned char>(c);
                for (const char c : m.source)
                    sum += static_cast<unsigned char>(c);
                if (m.name.empty())
                    __builtin_trap();
            }
        }
    }

    quint64 reports = 0;
    quint64 sum = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view body(reinterpret_cast<const char *>(data), size);

    // The first byte picks the options (resolution, prefixes, format), so
    // those paths are fuzzed too without a separate target. Bit 0x40 picks
    // the Lines format: it is set in letters and '[', never in digits or
    // '<', so the logplex seeds stay logplex and the Lines seeds start with
    // a letter.
    IngestOptions options;
    options.token = "fuzz-token";
    const unsigned char selector = size > 0 ? data[0] : 0;
    options.resolution = (selector & 1) ? 1 : 60;
    if (selector & 2)
        options.prefix = "pre";
    if (selector & 4)
        options.sourcePrefix = "src";
    if (selector & 0x40)
        options.format = BodyFormat::Lines;

    BodyParser parser;
    quint64 problems = 0;
    parser.setProblemHook([&problems](ParseCounter, std::string_view) { ++problems; });
    Checker checker;
    parser.setLineObserver(&checker);
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
    if (checker.reports != counters.lines())
        __builtin_trap();
    if (options.format == BodyFormat::Lines && counters.lines() != nonEmptyLines(body))
        __builtin_trap();
    return 0;
}
