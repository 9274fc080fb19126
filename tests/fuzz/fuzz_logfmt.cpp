// libFuzzer target: the input is the MESSAGE of one log line. The logfmt
// scanner (and unescape of every escaped value) and the conventions, with
// the router's and a dyno's procid, must not crash, must stay inside the
// line and must make a LineMetrics that is consistent.
#include "parser/conventions.h"
#include "parser/logfmt.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace l2met;

namespace {

bool inside(std::string_view part, std::string_view whole)
{
    return part.empty()
        || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view line(reinterpret_cast<const char *>(data), size);

    LogfmtScanner scanner(line);
    LogfmtPair pair;
    std::string unescaped;
    size_t pairs = 0;
    for (;;) {
        const LogfmtScanner::Status status = scanner.next(&pair);
        if (status == LogfmtScanner::Status::End)
            break;
        if (!inside(pair.key, line) || !inside(pair.value, line))
            __builtin_trap();
        if (pair.escaped) {
            LogfmtScanner::unescape(pair.value, &unescaped);
            // An escape takes two bytes and gives one.
            if (unescaped.size() > pair.value.size())
                __builtin_trap();
        }
        // Every pair consumes at least one byte, so the scan ends.
        if (++pairs > size + 1)
            __builtin_trap();
        if (status == LogfmtScanner::Status::UnterminatedQuote)
            break;
    }

    static Conventions conventions; // reused, as on a parser thread
    LineMetrics metrics;
    for (const std::string_view procId : { std::string_view("router"), std::string_view("web.1") }) {
        ParseCounters counters;
        conventions.extract(procId, line, &metrics, counters);
        for (const LineMeasurement &m : metrics.measurements) {
            if (m.name.empty() || !std::isfinite(m.value))
                __builtin_trap();
            // touch the views so ASan checks them
            volatile char sink = 0;
            for (const char c : m.name)
                sink = sink ^ c;
            for (const char c : m.units)
                sink = sink ^ c;
        }
        volatile char sink = 0;
        for (const char c : metrics.source)
            sink = sink ^ c;
    }
    return 0;
}
