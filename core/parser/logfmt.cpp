#include "parser/logfmt.h"

#include <array>

namespace l2met {

namespace {

// Character classes, looked up once per byte on the hot path.
enum : unsigned char { kBlank = 1, kEquals = 2, kQuote = 4, kBackslash = 8 };

constexpr std::array<unsigned char, 256> makeClasses()
{
    std::array<unsigned char, 256> table {};
    table[static_cast<unsigned char>(' ')] = kBlank;
    table[static_cast<unsigned char>('\t')] = kBlank;
    table[static_cast<unsigned char>('=')] = kEquals;
    table[static_cast<unsigned char>('"')] = kQuote;
    table[static_cast<unsigned char>('\\')] = kBackslash;
    return table;
}
constexpr std::array<unsigned char, 256> kClasses = makeClasses();

inline unsigned char classOf(char c)
{
    return kClasses[static_cast<unsigned char>(c)];
}

bool isBlank(char c)
{
    return classOf(c) & kBlank;
}

} // namespace

LogfmtScanner::Status LogfmtScanner::next(LogfmtPair *pair)
{
    const size_t size = m_line.size();
    const char *s = m_line.data();
    size_t p = m_pos;
    while (p < size && isBlank(s[p]))
        ++p;
    if (p == size) {
        m_pos = p;
        return Status::End;
    }
    const size_t keyStart = p;
    while (p < size && !(classOf(s[p]) & (kBlank | kEquals)))
        ++p;
    *pair = LogfmtPair();
    pair->key = m_line.substr(keyStart, p - keyStart);
    if (p == size || s[p] != '=') {
        m_pos = p;
        return Status::Pair;
    }
    ++p; // '='
    pair->hasValue = true;
    if (p < size && s[p] == '"') {
        pair->quoted = true;
        const size_t valueStart = ++p;
        while (p < size && !(classOf(s[p]) & kQuote)) {
            if (classOf(s[p]) & kBackslash) {
                pair->escaped = true;
                ++p;
            }
            ++p;
        }
        if (p >= size) {
            m_pos = size;
            pair->value = m_line.substr(valueStart);
            return Status::UnterminatedQuote;
        }
        pair->value = m_line.substr(valueStart, p - valueStart);
        m_pos = p + 1;
        return Status::Pair;
    }
    const size_t valueStart = p;
    while (p < size && !isBlank(s[p]))
        ++p;
    pair->value = m_line.substr(valueStart, p - valueStart);
    m_pos = p;
    return Status::Pair;
}

void LogfmtScanner::unescape(std::string_view raw, std::string *out)
{
    out->clear();
    out->reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\\' && i + 1 < raw.size()) {
            c = raw[++i];
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
        }
        out->push_back(c);
    }
}

} // namespace l2met
