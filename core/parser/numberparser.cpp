#include "parser/numberparser.h"

#include <charconv>
#include <algorithm>
#include <cstdint>

#include <QtGlobal>
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

// Units must not start with a digit or a dot (docs/behaviour.md section 3), nor with
// whitespace (a quoted "4 5" is not 4 with units " 5").
static bool startsBadUnits(char c)
{
    return isDigit(c) || c == '.' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// End of the decimal number (sign, digits, point, exponent) starting at p.
static const char *decimalEnd(const char *p, const char *end)
{
    if (p < end && (*p == '-' || *p == '+'))
        ++p;
    while (p < end && (isDigit(*p) || *p == '.'))
        ++p;
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (q < end && (*q == '-' || *q == '+'))
            ++q;
        if (q < end && isDigit(*q)) {
            while (q < end && isDigit(*q))
                ++q;
            p = q;
        }
    }
    return p;
}

// For a decimal number text (sign excluded) that from_chars found out of
// range: true when its magnitude is below 1 (so it underflowed), from the
// position of its first significant digit and its exponent.
static bool isUnderflow(const char *p, const char *end)
{
    if (p < end && (*p == '-' || *p == '+'))
        ++p;
    qint64 magnitude = 0; // decimal exponent of the first significant digit, roughly
    bool seenSignificant = false;
    bool afterPoint = false;
    for (; p < end && (isDigit(*p) || *p == '.'); ++p) {
        if (*p == '.') {
            afterPoint = true;
        } else if (!seenSignificant && *p == '0') {
            if (afterPoint)
                --magnitude;
        } else if (!seenSignificant) {
            seenSignificant = true;
            if (afterPoint)
                --magnitude;
        } else if (!afterPoint) {
            ++magnitude;
        }
    }
    qint64 exponent = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        bool negative = false;
        if (p < end && (*p == '-' || *p == '+'))
            negative = *p++ == '-';
        for (; p < end && isDigit(*p); ++p)
            exponent = std::min<qint64>(exponent * 10 + (*p - '0'), 1000000);
        if (negative)
            exponent = -exponent;
    }
    return magnitude + exponent < 0;
}

// The common case, "4", "18", "21.00", "0.99836": at most 15 significant
// digits, no exponent. The digits as an integer are exact in a double, and
// so is 10^k for k <= 22, so one division is correctly rounded: the result
// equals from_chars' (Clinger's fast path). Anything else returns false.
static bool fastDecimal(const char *p, const char *end, bool negative, ParsedValue *out)
{
    static constexpr double kPow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                         1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    std::uint64_t mantissa = 0;
    int digitCount = 0;
    int fractionDigits = 0;
    const char *q = p;
    while (q < end && isDigit(*q)) {
        mantissa = mantissa * 10 + static_cast<std::uint64_t>(*q - '0');
        ++digitCount;
        ++q;
    }
    if (q < end && *q == '.') {
        ++q;
        while (q < end && isDigit(*q)) {
            mantissa = mantissa * 10 + static_cast<std::uint64_t>(*q - '0');
            ++digitCount;
            ++fractionDigits;
            ++q;
        }
    }
    if (digitCount == 0 || digitCount > 15)
        return false;
    if (q < end && (*q == 'e' || *q == 'E' || *q == 'x' || *q == 'X' || startsBadUnits(*q)))
        return false; // exponent, hex-looking or bad units: the slow path decides
    double value = static_cast<double>(mantissa);
    if (fractionDigits > 0)
        value /= kPow10[fractionDigits];
    out->value = negative ? -value : value;
    out->units = std::string_view(q, static_cast<size_t>(end - q));
    return true;
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
    if (fastDecimal(p, end, *begin == '-', out))
        return ValueError::None;
    double value = 0;
    auto [ptr, ec] = std::from_chars(numberStart, end, value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
        // from_chars says so for overflow and for underflow alike (and may
        // leave ptr at the start); a number too small for a double is a
        // finite 0, not an error.
        ptr = decimalEnd(numberStart, end);
        if (!isUnderflow(numberStart, ptr))
            return ValueError::NonFinite;
        value = *begin == '-' ? -0.0 : 0.0;
        ec = std::errc();
    }
    if (ec != std::errc())
        return ValueError::NotNumber;
    if (!std::isfinite(value))
        return ValueError::NonFinite;
    if (ptr != end && startsBadUnits(*ptr))
        return ValueError::BadUnits;
    // "0x10" is hex to a reader, and reading it as 0 with units "x10" would
    // record a silent zero.
    if (ptr != end && (*ptr == 'x' || *ptr == 'X') && ptr - numberStart == (*numberStart == '-' ? 2 : 1)
        && ptr[-1] == '0')
        return ValueError::NotNumber;
    out->value = value;
    out->units = std::string_view(ptr, static_cast<size_t>(end - ptr));
    return ValueError::None;
}

} // namespace l2met
