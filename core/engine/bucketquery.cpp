#include "engine/bucketquery.h"

#include <QStringList>

namespace l2met {

namespace {

char asciiLower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c;
}

bool isAscii(const QByteArray &bytes)
{
    for (const char c : bytes) {
        if (quint8(c) >= 0x80)
            return false;
    }
    return true;
}

} // namespace

BucketFilter::BucketFilter(const QString &text)
{
    const QStringList words = text.split(u' ', Qt::SkipEmptyParts);
    for (const QString &w : words) {
        Word word;
        word.text = w;
        const QByteArray utf8 = w.toUtf8();
        if (isAscii(utf8)) {
            word.asciiLower = utf8;
            for (char &c : word.asciiLower)
                c = asciiLower(c);
        }
        m_words.append(word);
    }
}

bool BucketFilter::contains(const QByteArray &field, const Word &word)
{
    const QByteArray &needle = word.asciiLower;
    if (!needle.isEmpty()) {
        const qsizetype n = needle.size();
        const char *h = field.constData();
        const qsizetype hn = field.size();
        bool ascii = true;
        for (qsizetype i = 0; i < hn; ++i) {
            if (quint8(h[i]) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            const char first = needle[0];
            for (qsizetype i = 0; i + n <= hn; ++i) {
                if (asciiLower(h[i]) != first)
                    continue;
                qsizetype j = 1;
                while (j < n && asciiLower(h[i + j]) == needle[j])
                    ++j;
                if (j == n)
                    return true;
            }
            return false;
        }
    }
    // Unicode case folding (rare: non-ASCII names or words).
    return QString::fromUtf8(field).contains(word.text, Qt::CaseInsensitive);
}

bool BucketFilter::matches(const QByteArray &user, const QByteArray &name, const QByteArray &source) const
{
    for (const Word &word : m_words) {
        if (!contains(user, word) && !contains(name, word) && !contains(source, word))
            return false;
    }
    return true;
}

} // namespace l2met
