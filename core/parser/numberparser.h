// Parsing of measurement values: a decimal number (sign, fraction and
// exponent allowed; no NaN, infinity or hex) directly followed by optional
// units, which must not start with a digit, a dot or whitespace (docs/behaviour.md
// section 3). A number too small for a double is 0; "0x..." is not a number.
// Works on views, allocates nothing; thread-safe.
#pragma once

#include <string_view>

namespace l2met {

enum class ValueError {
    None,
    Empty,     // no characters at all
    NotNumber, // does not start with a decimal number (or looks like hex, "0x10")
    NonFinite, // NaN, infinity, or a number that overflows a double
    BadUnits,  // the units start with a digit, a dot or a space ("1.2.3", "4 5")
};

const char *valueErrorText(ValueError error);

struct ParsedValue
{
    double value = 0;
    std::string_view units;
};

ValueError parseValue(std::string_view text, ParsedValue *out);

} // namespace l2met
