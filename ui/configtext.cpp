#include "configtext.h"

#include <cmath>
#include <limits>

namespace l2met {

namespace {

constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * kKiB;
constexpr qint64 kGiB = 1024 * kMiB;
constexpr qint64 kLimit = std::numeric_limits<qint64>::max() / 4;

std::optional<qint64> digits(QStringView text)
{
    if (text.isEmpty() || text.size() > 15)
        return std::nullopt;
    qint64 v = 0;
    for (const QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        v = v * 10 + (c.unicode() - u'0');
    }
    return v;
}

} // namespace

QString ConfigText::formatDuration(qint64 ms)
{
    if (ms != 0 && ms % 3600000 == 0)
        return QString::number(ms / 3600000) + u'h';
    if (ms != 0 && ms % 60000 == 0)
        return QString::number(ms / 60000) + u'm';
    if (ms != 0 && ms % 1000 == 0)
        return QString::number(ms / 1000) + u's';
    return QString::number(ms) + QStringLiteral("ms");
}

std::optional<qint64> ConfigText::parseDuration(QStringView text)
{
    text = text.trimmed();
    if (const std::optional<qint64> bare = digits(text))
        return *bare * 1000;
    if (text.isEmpty())
        return std::nullopt;
    // Sum of NUMBER UNIT parts, in nanoseconds; numbers may have a fraction.
    static constexpr struct
    {
        QStringView name;
        double ns;
    } kUnits[] = { { u"ns", 1 }, { u"us", 1e3 }, { u"µs", 1e3 }, { u"ms", 1e6 },
                   { u"s", 1e9 }, { u"m", 60e9 }, { u"h", 3600e9 } };
    double totalNs = 0;
    while (!text.isEmpty()) {
        qsizetype i = 0;
        while (i < text.size() && (text[i].isDigit() || text[i] == u'.'))
            ++i;
        bool ok = false;
        const double value = text.first(i).toDouble(&ok);
        if (!ok || i == 0)
            return std::nullopt;
        qsizetype end = i;
        while (end < text.size() && !text[end].isDigit() && text[end] != u'.')
            ++end;
        const QStringView unit = text.sliced(i, end - i);
        double ns = -1;
        for (const auto &u : kUnits) {
            if (u.name == unit)
                ns = u.ns;
        }
        if (ns < 0)
            return std::nullopt;
        totalNs += value * ns;
        text = text.sliced(end);
    }
    const double ms = totalNs / 1e6;
    const double whole = std::round(ms);
    if (ms > double(kLimit) || std::abs(ms - whole) > 1e-6) // whole milliseconds only
        return std::nullopt;
    return qint64(whole);
}

QString ConfigText::formatBytes(qint64 bytes)
{
    if (bytes != 0 && bytes % kGiB == 0)
        return QString::number(bytes / kGiB) + u'G';
    if (bytes != 0 && bytes % kMiB == 0)
        return QString::number(bytes / kMiB) + u'M';
    if (bytes != 0 && bytes % kKiB == 0)
        return QString::number(bytes / kKiB) + u'K';
    return QString::number(bytes);
}

std::optional<qint64> ConfigText::parseBytes(QStringView text)
{
    text = text.trimmed();
    qint64 unit = 1;
    if (!text.isEmpty()) {
        switch (text.back().toLower().unicode()) {
        case u'k':
            unit = kKiB;
            break;
        case u'm':
            unit = kMiB;
            break;
        case u'g':
            unit = kGiB;
            break;
        default:
            break;
        }
    }
    if (unit != 1)
        text.chop(1);
    const std::optional<qint64> value = digits(text);
    if (!value || *value > kLimit / unit)
        return std::nullopt;
    return *value * unit;
}

} // namespace l2met
