// RFC 5424 header of a logplex frame's message, without structured data:
// `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID MESSAGE`, and RFC 3339
// timestamps with fractional seconds and any offset.
// Works on views into the request body, allocates nothing; thread-safe
// (Rfc3339Cache is per parser, not shared).
#pragma once

#include <QtGlobal>

#include <optional>
#include <string_view>

namespace l2met {

struct SyslogHeader
{
    int priority = 0;
    int version = 0;
    std::string_view timestamp; // "-" when nil
    std::string_view hostname;
    std::string_view appName;
    std::string_view procId;
    std::string_view msgId;
    std::string_view message; // without a trailing newline
};

// false when the line is not an RFC 5424 header followed by a message
// (missing or out-of-range PRI, no version, missing fields).
bool parseSyslogHeader(std::string_view line, SyslogHeader *out);

// Unix seconds (fraction dropped, rounding towards minus infinity) of an
// RFC 3339 date-time; nullopt when it is not one.
std::optional<qint64> parseRfc3339(std::string_view text);

// Logplex stamps runs of lines with the same second: remembering the last
// "YYYY-MM-DDTHH:MM:SS" prefix and offset skips the calendar arithmetic.
class Rfc3339Cache
{
public:
    std::optional<qint64> parse(std::string_view text);

private:
    char m_key[32] = {};
    size_t m_keySize = 0;
    qint64 m_seconds = 0;
};

} // namespace l2met
