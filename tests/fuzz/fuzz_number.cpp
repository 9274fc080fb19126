// libFuzzer target: the input is a measurement value ("12.5ms"). When
// parseValue accepts it, the value is finite and the units (a view into the
// input, at its end) do not start with a digit, a dot or whitespace.
#include "parser/numberparser.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace l2met;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    ParsedValue parsed;
    const ValueError error = parseValue(text, &parsed);
    if (valueErrorText(error) == nullptr)
        __builtin_trap();
    if (error != ValueError::None)
        return 0;
    if (!std::isfinite(parsed.value))
        __builtin_trap();
    if (!parsed.units.empty()) {
        // The units are the input's tail.
        if (parsed.units.data() < text.data()
            || parsed.units.data() + parsed.units.size() != text.data() + text.size())
            __builtin_trap();
        // Whitespace as the parsers define it (space, tab, CR, LF); a form
        // feed or vertical tab is an ordinary unit character.
        const char c = parsed.units.front();
        if ((c >= '0' && c <= '9') || c == '.' || c == ' ' || c == '\t' || c == '\n'
            || c == '\r')
            __builtin_trap();
    }
    return 0;
}
