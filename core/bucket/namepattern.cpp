#include "bucket/namepattern.h"

#include <algorithm>

namespace l2met {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Appends one word (no separators) collapsed.
void appendWord(QByteArray &out, const char *word, qsizetype n)
{
    bool hex = true;
    bool digit = false;
    for (qsizetype i = 0; i < n; ++i) {
        hex = hex && isHex(word[i]);
        digit = digit || isDigit(word[i]);
    }
    if (!digit) {
        out.append(word, n);
        return;
    }
    if (hex) {
        out.append('#');
        return;
    }
    for (qsizetype i = 0; i < n;) {
        if (isDigit(word[i])) {
            out.append('#');
            while (i < n && isDigit(word[i]))
                ++i;
        } else {
            out.append(word[i++]);
        }
    }
}

} // namespace

bool hasNumberPart(const QByteArray &name)
{
    return std::any_of(name.cbegin(), name.cend(), isDigit);
}

QByteArray namePattern(const QByteArray &name)
{
    if (!hasNumberPart(name))
        return name;
    QByteArray out;
    out.reserve(name.size());
    const char *p = name.constData();
    const qsizetype n = name.size();
    for (qsizetype i = 0; i < n;) {
        if (!isAlnum(p[i])) {
            // "#-#" and "#_#" fold into one '#': a uuid or a dashed id.
            const char c = p[i];
            if ((c == '-' || c == '_') && out.endsWith('#') && i + 1 < n && isAlnum(p[i + 1])) {
                qsizetype end = i + 1;
                while (end < n && isAlnum(p[end]))
                    ++end;
                QByteArray word;
                appendWord(word, p + i + 1, end - i - 1);
                if (word == "#") {
                    i = end;
                    continue;
                }
            }
            out.append(c);
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < n && isAlnum(p[end]))
            ++end;
        appendWord(out, p + i, end - i);
        i = end;
    }
    return out;
}

} // namespace l2met
