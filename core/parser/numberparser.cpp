#include "parser/numberparser.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace l2met {

const char *valueErrorText(ValueError error)
{
    switch (error) {
    case ValueError::None:
        return "ok";
    case ValueError::Empty:
        return "empty value";
    case ValueError::NotNumber:
        return "value is not a number";
    case ValueError::NonFinite:
        return "value is not finite";
    case ValueError::BadUnits:
        return "units start with a digit or a dot";
    }
    return "unknown";
}

static bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// "NaN", "nan", "Infinity", "INF" (alone or followed by units that do not
// start with a letter) are said to be non-finite rather than merely not a
// number, so the operator sees why the value was refused; "info" is not.
static bool isNonFiniteWord(const char *p, const char *end)
{
    static constexpr std::string_view kWords[] = { "infinity", "inf", "nan" };
    const std::string_view rest(p, static_cast<size_t>(end - p));
    for (const std::string_view word : kWords) {
        if (rest.size() < word.size())
            continue;
        bool same = true;
        for (size_t i = 0; i < word.size() && same; ++i)
            same = static_cast<char>(rest[i] | 0x20) == word[i];
        if (!same)
            continue;
        if (rest.size() == word.size())
            return true;
        const char next = static_cast<char>(rest[word.size()] | 0x20);
        return !(next >= 'a' && next <= 'z');
    }
    return false;
}

ValueError parseValue(std::string_view text, ParsedValue *out)
{
    if (text.empty())
        return ValueError::Empty;
    const char *begin = text.data();
    const char *end = begin + text.size();
    const char *p = begin;
    // from_chars takes no '+' and would accept "inf"/"nan": look at the
    // first characters ourselves so only decimal numbers get through.
    if (*p == '+' || *p == '-')
        ++p;
    if (p == end)
        return ValueError::NotNumber;
    if (isNonFiniteWord(p, end))
        return ValueError::NonFinite;
    if (!isDigit(*p) && !(*p == '.' && p + 1 < end && isDigit(p[1])))
        return ValueError::NotNumber;
    const char *numberStart = (*begin == '+') ? begin + 1 : begin;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(numberStart, end, value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range)
        return ValueError::NonFinite;
    if (ec != std::errc())
        return ValueError::NotNumber;
    if (!std::isfinite(value))
        return ValueError::NonFinite;
    if (ptr != end && (isDigit(*ptr) || *ptr == '.'))
        return ValueError::BadUnits;
    out->value = value;
    out->units = std::string_view(ptr, static_cast<size_t>(end - ptr));
    return ValueError::None;
}

} // namespace l2met
