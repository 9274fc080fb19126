#include "parser/logplexreader.h"

namespace l2met {

namespace {
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}
} // namespace

LogplexReader::LogplexReader(std::string_view body)
    : m_body(body)
{ }

bool LogplexReader::isBoundary(size_t pos) const
{
    size_t p = pos;
    while (p < m_body.size() && isSpace(m_body[p]))
        ++p;
    if (p == m_body.size())
        return true;
    size_t digitsEnd = p;
    while (digitsEnd < m_body.size() && isDigit(m_body[digitsEnd])
           && digitsEnd - p < kMaxLengthDigits)
        ++digitsEnd;
    return digitsEnd > p && digitsEnd + 1 < m_body.size() && m_body[digitsEnd] == ' '
        && m_body[digitsEnd + 1] == '<';
}

bool LogplexReader::frameAt(size_t pos, std::string_view *message, size_t *end) const
{
    size_t p = pos;
    size_t length = 0;
    while (p < m_body.size() && isDigit(m_body[p])) {
        if (p - pos == kMaxLengthDigits)
            return false;
        length = length * 10 + static_cast<size_t>(m_body[p] - '0');
        ++p;
    }
    if (p == pos || p >= m_body.size() || m_body[p] != ' ' || length == 0)
        return false;
    ++p;
    if (length > m_body.size() - p || m_body[p] != '<')
        return false;
    const size_t frameEnd = p + length;
    // A length that ends exactly after a newline is taken as it stands
    // (README, "Choices where the spec is silent"): what follows may be a broken frame, and
    // it must not take this good one with it.
    if (m_body[frameEnd - 1] != '\n' && !isBoundary(frameEnd))
        return false;
    *message = m_body.substr(p, length);
    *end = frameEnd;
    return true;
}

size_t LogplexReader::resync(size_t from) const
{
    // Candidates are digit runs followed by " <". The run may be glued to
    // the end of the previous message ("bytes=1383 <40>1..."), so every
    // suffix of the run is tried, longest first.
    for (size_t p = m_body.find(" <", from); p != std::string_view::npos;
         p = m_body.find(" <", p + 1)) {
        size_t runStart = p;
        while (runStart > from && isDigit(m_body[runStart - 1]) && p - runStart < kMaxLengthDigits)
            --runStart;
        for (size_t start = runStart; start < p; ++start) {
            std::string_view message;
            size_t end;
            if (frameAt(start, &message, &end))
                return start;
        }
    }
    return m_body.size();
}

LogplexReader::Result LogplexReader::next(std::string_view *message)
{
    // Trailing whitespace after the last frame is not a frame.
    size_t p = m_pos;
    while (p < m_body.size() && isSpace(m_body[p]))
        ++p;
    if (p == m_body.size()) {
        m_pos = p;
        return Result::End;
    }
    m_pos = p;
    size_t end;
    if (frameAt(m_pos, message, &end)) {
        m_pos = end;
        return Result::Frame;
    }
    const size_t next = resync(m_pos + 1);
    *message = m_body.substr(m_pos, next - m_pos);
    m_pos = next;
    return Result::Malformed;
}

} // namespace l2met
