// logfmt scanner: `key=value`, `key="quoted \" value"`, bare `key`, runs of
// spaces. Yields views into the line; a quoted value with escapes is given
// raw (escaped = true) and unescape() makes the text when it is needed.
// Not thread-safe; one scanner per line.
#pragma once

#include <string>
#include <string_view>

namespace l2met {

struct LogfmtPair
{
    std::string_view key;
    std::string_view value; // without the quotes; raw escapes when escaped
    bool hasValue = false;  // false for a bare key
    bool quoted = false;
    bool escaped = false;   // value holds a backslash escape
};

class LogfmtScanner
{
public:
    enum class Status {
        Pair,
        End,
        UnterminatedQuote, // *pair has the key; the rest of the line is consumed
    };

    explicit LogfmtScanner(std::string_view line)
        : m_line(line)
    {
    }

    Status next(LogfmtPair *pair);

    // `\"` -> `"`, `\\` -> `\`, `\n` -> newline, `\t` -> tab; any other
    // escaped character stands for itself.
    static void unescape(std::string_view raw, std::string *out);

private:
    std::string_view m_line;
    size_t m_pos = 0;
};

} // namespace l2met
