#include "parser/localline.h"

#include "parser/syslogheader.h"

#include <ctime>

namespace l2met {

namespace {

constexpr char kEsc = '\x1b';
constexpr qint64 kDay = 86400;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// count digits at s[pos], as a number; false when one is not a digit.
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

// `<PRI>` at the start of s (1 to 3 digits, at most 191, as parseSyslogHeader
// wants); the position after '>'.
bool takePri(std::string_view s, size_t *after)
{
    if (s.size() < 3 || s[0] != '<')
        return false;
    size_t pos = 1;
    int pri = 0;
    while (pos < s.size() && pos <= 3 && isDigit(s[pos])) {
        pri = pri * 10 + (s[pos] - '0');
        ++pos;
    }
    if (pos == 1 || pos >= s.size() || s[pos] != '>' || pri > 191)
        return false;
    *after = pos + 1;
    return true;
}

// A local date-time to unix seconds (mktime decides the offset, DST
// included); nullopt when mktime cannot represent it.
std::optional<qint64> localToUnix(std::tm tm)
{
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == std::time_t(-1))
        return std::nullopt;
    return qint64(t);
}

bool localNow(qint64 nowUnix, std::tm *out)
{
    const std::time_t now = std::time_t(nowUnix);
    return localtime_r(&now, out) != nullptr;
}

// "TAG: " or "TAG[PID]: " at the start of s: the tag and the message after it.
bool takeTag(std::string_view s, std::string_view *tag, std::string_view *message)
{
    // RFC 3164 limits TAG to 32 characters; programs' names are longer in
    // practice, but a long word without ':' is a message, not a tag.
    constexpr size_t kMaxTag = 64;
    size_t pos = 0;
    while (pos < s.size() && pos < kMaxTag && s[pos] != ' ' && s[pos] != '[' && s[pos] != ':'
           && s[pos] != ']')
        ++pos;
    if (pos == 0 || pos == s.size())
        return false;
    const size_t tagEnd = pos;
    if (s[pos] == '[') {
        ++pos;
        const size_t pidStart = pos;
        while (pos < s.size() && s[pos] != ']' && s[pos] != ' ')
            ++pos;
        if (pos == pidStart || pos == s.size() || s[pos] != ']')
            return false;
        ++pos;
    }
    if (pos == s.size() || s[pos] != ':')
        return false;
    ++pos;
    if (pos < s.size() && s[pos] == ' ')
        ++pos;
    *tag = s.substr(0, tagEnd);
    *message = s.substr(pos);
    return true;
}

// "Mmm dd hh:mm:ss " (day space-padded, zero-padded or one digit); the
// fields and the position after the space (or the end).
bool takeBsdTime(std::string_view s, std::tm *tm, size_t *after)
{
    static constexpr std::string_view kMonths[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    if (s.size() < 14 || s[3] != ' ')
        return false;
    int month = -1;
    for (int i = 0; i < 12; ++i) {
        if (s.substr(0, 3) == kMonths[i]) {
            month = i;
            break;
        }
    }
    if (month < 0)
        return false;
    size_t pos = 4;
    if (s[pos] == ' ')
        ++pos;
    int day = 0;
    if (pos + 1 < s.size() && isDigit(s[pos]) && isDigit(s[pos + 1])) {
        day = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
        pos += 2;
    } else if (isDigit(s[pos])) {
        day = s[pos] - '0';
        ++pos;
    } else {
        return false;
    }
    int hour, minute, second;
    if (pos >= s.size() || s[pos] != ' ' || !digits(s, pos + 1, 2, &hour) || s.size() < pos + 9
        || s[pos + 3] != ':' || !digits(s, pos + 4, 2, &minute) || s[pos + 6] != ':'
        || !digits(s, pos + 7, 2, &second))
        return false;
    pos += 9;
    if (pos < s.size() && s[pos] != ' ')
        return false;
    if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    tm->tm_mon = month;
    tm->tm_mday = day;
    tm->tm_hour = hour;
    tm->tm_min = minute;
    tm->tm_sec = second;
    *after = pos < s.size() ? pos + 1 : pos;
    return true;
}

void parse5424(std::string_view s, LocalLine *out, bool *ok)
{
    out->format = LocalFormat::Syslog5424;
    SyslogHeader header;
    if (!parseSyslogHeader(s, &header)) {
        *ok = false;
        return;
    }
    out->timestamp = parseRfc3339(header.timestamp); // nullopt for "-"
    out->appName = header.appName;
    out->procId = header.procId;
    out->message = header.message;
}

// s starts after `<PRI>`.
void parse3164(std::string_view s, qint64 nowUnix, LocalLine *out)
{
    out->format = LocalFormat::Syslog3164;
    std::tm tm {};
    size_t after = 0;
    std::tm now {};
    const bool stamped = takeBsdTime(s, &tm, &after);
    if (stamped)
        s.remove_prefix(after);
    if (stamped && localNow(nowUnix, &now)) {
        // No year in the stamp: this year, unless that is more than a day
        // ahead (a December line read in January).
        tm.tm_year = now.tm_year;
        std::optional<qint64> t = localToUnix(tm);
        if (t && *t > nowUnix + kDay) {
            tm.tm_year = now.tm_year - 1;
            t = localToUnix(tm);
        }
        out->timestamp = t;
    }
    // TAG right away (what `logger` sends locally), or after HOST.
    std::string_view tag, message;
    if (takeTag(s, &tag, &message)) {
        // no HOST
    } else if (const size_t space = s.find(' ');
               space != std::string_view::npos && takeTag(s.substr(space + 1), &tag, &message)) {
        // HOST TAG
    } else {
        message = s; // no tag: keep everything as the message
    }
    out->procId = tag;
    out->defaultSource = tag;
    out->message = message;
}

// `TIMESTAMP name[inner]: MSG`; false when s is not shaped so.
bool parseHerokuCli(std::string_view s, LocalLine *out)
{
    const size_t space = s.find(' ');
    if (space == std::string_view::npos)
        return false;
    const std::optional<qint64> t = parseRfc3339(s.substr(0, space));
    if (!t)
        return false;
    std::string_view rest = s.substr(space + 1);
    size_t pos = 0;
    while (pos < rest.size() && rest[pos] != '[' && rest[pos] != ' ')
        ++pos;
    if (pos == 0 || pos == rest.size() || rest[pos] != '[')
        return false;
    const size_t innerStart = ++pos;
    while (pos < rest.size() && rest[pos] != ']' && rest[pos] != ' ')
        ++pos;
    if (pos == innerStart || pos + 1 >= rest.size() || rest[pos] != ']' || rest[pos + 1] != ':')
        return false;
    const std::string_view inner = rest.substr(innerStart, pos - innerStart);
    pos += 2;
    if (pos < rest.size() && rest[pos] == ' ')
        ++pos;
    out->format = LocalFormat::HerokuCli;
    out->timestamp = t;
    out->appName = rest.substr(0, innerStart - 1);
    out->procId = inner;
    // Router lines are about a request, not about the dyno that served it
    // (their dyno= field says which): like the drain, they get no source.
    out->defaultSource = inner == "router" ? std::string_view() : inner;
    out->message = rest.substr(pos);
    return true;
}

// `H:MM:SS [AM|PM] name | MSG`; false when s is not shaped so.
bool parseForeman(std::string_view s, qint64 nowUnix, LocalLine *out)
{
    size_t pos = 0;
    int hour = 0;
    if (digits(s, 0, 2, &hour))
        pos = 2;
    else if (digits(s, 0, 1, &hour))
        pos = 1;
    else
        return false;
    int minute, second;
    if (pos >= s.size() || s[pos] != ':' || !digits(s, pos + 1, 2, &minute) || s.size() <= pos + 6
        || s[pos + 3] != ':' || !digits(s, pos + 4, 2, &second) || s[pos + 6] != ' ')
        return false;
    pos += 7;
    if (minute > 59 || second > 60)
        return false;
    // 12-hour clock of heroku local: "10:15:02 AM web.1 |". "AM" is taken
    // for the meridiem only when a process name follows it.
    if (pos + 3 < s.size() && (s[pos] == 'A' || s[pos] == 'a' || s[pos] == 'P' || s[pos] == 'p')
        && (s[pos + 1] == 'M' || s[pos + 1] == 'm') && s[pos + 2] == ' ') {
        size_t next = pos + 3;
        while (next < s.size() && s[next] == ' ')
            ++next;
        if (next < s.size() && s[next] != '|') {
            if (hour < 1 || hour > 12)
                return false;
            const bool pm = s[pos] == 'P' || s[pos] == 'p';
            hour = (hour % 12) + (pm ? 12 : 0);
            pos = next;
        }
    }
    if (hour > 23)
        return false;
    while (pos < s.size() && s[pos] == ' ')
        ++pos;
    const size_t nameStart = pos;
    while (pos < s.size() && s[pos] != ' ' && s[pos] != '|')
        ++pos;
    if (pos == nameStart)
        return false;
    const std::string_view name = s.substr(nameStart, pos - nameStart);
    while (pos < s.size() && s[pos] == ' ')
        ++pos;
    if (pos == s.size() || s[pos] != '|')
        return false;
    ++pos;
    // Padding after the bar ("|  msg") is layout, not message.
    while (pos < s.size() && s[pos] == ' ')
        ++pos;

    std::tm tm {};
    if (!localNow(nowUnix, &tm))
        return false;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::optional<qint64> t = localToUnix(tm);
    // Only a clock: today, unless that is more than 12 h ahead (a line
    // printed just before midnight, read just after).
    if (t && *t > nowUnix + kDay / 2) {
        tm.tm_mday -= 1;
        t = localToUnix(tm);
    }
    out->format = LocalFormat::Foreman;
    out->timestamp = t;
    out->procId = name;
    out->defaultSource = name;
    out->message = s.substr(pos);
    return true;
}

} // namespace

std::string_view stripAnsi(std::string_view raw, std::string *scratch)
{
    size_t i = raw.find(kEsc);
    if (i == std::string_view::npos)
        return raw;
    scratch->assign(raw.data(), i);
    const size_t n = raw.size();
    while (i < n) {
        const char c = raw[i];
        if (c != kEsc) {
            scratch->push_back(c);
            ++i;
            continue;
        }
        ++i;
        if (i < n && raw[i] == '[') {
            // CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F,
            // one final byte 0x40-0x7E.
            ++i;
            while (i < n && raw[i] >= 0x30 && raw[i] <= 0x3F)
                ++i;
            while (i < n && raw[i] >= 0x20 && raw[i] <= 0x2F)
                ++i;
            if (i < n && raw[i] >= 0x40 && raw[i] <= 0x7E)
                ++i;
        }
    }
    return *scratch;
}

bool parseLocalLine(std::string_view raw, qint64 nowUnix, LocalLine *out, std::string *scratch)
{
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n'))
        raw.remove_suffix(1);
    const std::string_view s = stripAnsi(raw, scratch);
    *out = LocalLine();
    out->text = s;
    out->message = s;
    if (s.empty())
        return true;

    if (s[0] == '<' || isDigit(s[0])) {
        // Optional logplex octet count: "83 <40>1 ...". Its value is not
        // checked: the line's end is its newline here.
        size_t start = 0;
        while (start < s.size() && start < 8 && isDigit(s[start]))
            ++start;
        if (start > 0 && start + 1 < s.size() && s[start] == ' ' && s[start + 1] == '<')
            ++start;
        else
            start = 0;
        const std::string_view syslog = s.substr(start);
        size_t afterPri = 0;
        if (takePri(syslog, &afterPri)) {
            // A version digit right after PRI claims RFC 5424; anything
            // else is BSD syslog (RFC 3164 also allows a PRI without a
            // valid time: the rest is then the message).
            if (afterPri < syslog.size() && isDigit(syslog[afterPri])) {
                bool ok = true;
                parse5424(syslog, out, &ok);
                return ok;
            }
            parse3164(syslog.substr(afterPri), nowUnix, out);
            return true;
        }
    }
    if (isDigit(s[0]) && (parseHerokuCli(s, out) || parseForeman(s, nowUnix, out)))
        return true;
    return true; // Bare: text and message set above
}

} // namespace l2met
