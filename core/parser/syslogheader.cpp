#include "parser/syslogheader.h"

#include <cstring>

namespace l2met {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Next space-delimited field of an RFC 5424 header; fields are never empty.
bool takeField(std::string_view &rest, std::string_view *field)
{
    // Header fields are short: a loop beats a call to memchr.
    size_t space = 0;
    while (space < rest.size() && rest[space] != ' ')
        ++space;
    if (space == 0 || space == rest.size())
        return false;
    *field = rest.substr(0, space);
    rest.remove_prefix(space + 1);
    return true;
}

bool digits(std::string_view s, size_t pos, size_t count, int *out)
{
    if (pos + count > s.size())
        return false;
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (!isDigit(s[i]))
            return false;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<qint64>(doe) - 719468;
}

bool isLeap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m)
{
    static constexpr int kDays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Splits "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)" into the part before the
// fraction and the offset; false when the shape is wrong.
bool splitTimestamp(std::string_view text, std::string_view *dateTime, std::string_view *offset)
{
    if (text.size() < 20)
        return false;
    *dateTime = text.substr(0, 19);
    size_t pos = 19;
    if (text[pos] == '.') {
        ++pos;
        const size_t fracStart = pos;
        while (pos < text.size() && isDigit(text[pos]))
            ++pos;
        if (pos == fracStart)
            return false;
    }
    *offset = text.substr(pos);
    return !offset->empty();
}

std::optional<qint64> parseParts(std::string_view dt, std::string_view offset)
{
    int year, month, day, hour, minute, second;
    if (!digits(dt, 0, 4, &year) || dt[4] != '-' || !digits(dt, 5, 2, &month) || dt[7] != '-'
        || !digits(dt, 8, 2, &day) || (dt[10] != 'T' && dt[10] != 't')
        || !digits(dt, 11, 2, &hour) || dt[13] != ':' || !digits(dt, 14, 2, &minute)
        || dt[16] != ':' || !digits(dt, 17, 2, &second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23
        || minute > 59 || second > 60)
        return std::nullopt;
    qint64 offsetSeconds = 0;
    if (offset.size() == 1 && (offset[0] == 'Z' || offset[0] == 'z')) {
        offsetSeconds = 0;
    } else if (offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') && offset[3] == ':') {
        int oh, om;
        if (!digits(offset, 1, 2, &oh) || !digits(offset, 4, 2, &om) || oh > 23 || om > 59)
            return std::nullopt;
        offsetSeconds = (oh * 3600 + om * 60) * (offset[0] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    const qint64 days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    // A leap second (:60) counts as the first second of the next minute.
    return days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
}

} // namespace

bool parseSyslogHeader(std::string_view line, SyslogHeader *out)
{
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    // <PRI>: 1 to 3 digits, at most 191 (facility 23, severity 7).
    if (line.size() < 3 || line[0] != '<')
        return false;
    size_t pos = 1;
    int pri = 0;
    while (pos < line.size() && isDigit(line[pos]) && pos <= 3) {
        pri = pri * 10 + (line[pos] - '0');
        ++pos;
    }
    if (pos == 1 || pos >= line.size() || line[pos] != '>' || pri > 191)
        return false;
    ++pos;
    // VERSION: 1 to 3 digits, not starting with 0.
    const size_t versionStart = pos;
    int version = 0;
    while (pos < line.size() && isDigit(line[pos]) && pos - versionStart < 3) {
        version = version * 10 + (line[pos] - '0');
        ++pos;
    }
    if (pos == versionStart || line[versionStart] == '0' || pos >= line.size() || line[pos] != ' ')
        return false;
    std::string_view rest = line.substr(pos + 1);
    SyslogHeader h;
    h.priority = pri;
    h.version = version;
    if (!takeField(rest, &h.timestamp) || !takeField(rest, &h.hostname)
        || !takeField(rest, &h.appName) || !takeField(rest, &h.procId))
        return false;
    // MSGID is the last header field; a message may be empty, so the space
    // after MSGID is optional at the very end of the line.
    const size_t space = rest.find(' ');
    if (space == 0)
        return false;
    if (space == std::string_view::npos) {
        h.msgId = rest;
        rest = {};
    } else {
        h.msgId = rest.substr(0, space);
        rest.remove_prefix(space + 1);
    }
    if (h.msgId.empty())
        return false;
    h.message = rest;
    *out = h;
    return true;
}

std::optional<qint64> parseRfc3339(std::string_view text)
{
    std::string_view dateTime, offset;
    if (!splitTimestamp(text, &dateTime, &offset))
        return std::nullopt;
    return parseParts(dateTime, offset);
}

std::optional<qint64> Rfc3339Cache::parse(std::string_view text)
{
    std::string_view dateTime, offset;
    if (!splitTimestamp(text, &dateTime, &offset) || offset.size() > 6)
        return std::nullopt;
    const size_t keySize = dateTime.size() + offset.size();
    if (keySize == m_keySize && std::memcmp(m_key, dateTime.data(), dateTime.size()) == 0
        && std::memcmp(m_key + dateTime.size(), offset.data(), offset.size()) == 0)
        return m_seconds;
    const std::optional<qint64> seconds = parseParts(dateTime, offset);
    if (seconds) {
        std::memcpy(m_key, dateTime.data(), dateTime.size());
        std::memcpy(m_key + dateTime.size(), offset.data(), offset.size());
        m_keySize = keySize;
        m_seconds = *seconds;
    }
    return seconds;
}

} // namespace l2met
