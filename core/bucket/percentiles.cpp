#include "bucket/percentiles.h"

#include <QStringList>

#include <algorithm>
#include <cstdio>

namespace l2met {

namespace {

// "99.9" -> 9990, "50" -> 5000; nullopt unless digits with at most two
// decimals.
std::optional<int> parseHundredths(QStringView text)
{
    const qsizetype dot = text.indexOf(u'.');
    const QStringView whole = dot < 0 ? text : text.left(dot);
    const QStringView fraction = dot < 0 ? QStringView() : text.mid(dot + 1);
    if (whole.isEmpty() || whole.size() > 3 || fraction.size() > 2 || (dot >= 0 && fraction.isEmpty()))
        return std::nullopt;
    int value = 0;
    for (const QChar c : whole) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    int scaled = value * 100;
    int place = 10;
    for (const QChar c : fraction) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        scaled += (c.unicode() - u'0') * place;
        place /= 10;
    }
    return scaled;
}

} // namespace

const Percentiles &Percentiles::defaults()
{
    static const Percentiles kDefaults = [] {
        Percentiles p;
        for (const int h : { 5000, 9500, 9900 })
            p.append(h);
        return p;
    }();
    return kDefaults;
}

std::optional<Percentiles> Percentiles::parse(QStringView text, QString *reason)
{
    Q_ASSERT(reason);
    std::array<int, kMax> values {};
    int count = 0;
    for (const QStringView part : text.split(u',')) {
        const QStringView entry = part.trimmed();
        const std::optional<int> h = parseHundredths(entry);
        if (!h) {
            *reason = QStringLiteral("expected percentiles such as 50,95,99.9 (at most two decimals)");
            return std::nullopt;
        }
        if (*h <= 0 || *h >= 10000) {
            *reason = QStringLiteral("each percentile must be greater than 0 and less than 100");
            return std::nullopt;
        }
        if (std::find(values.begin(), values.begin() + count, *h) != values.begin() + count) {
            *reason = QStringLiteral("percentile %1 is listed twice").arg(entry);
            return std::nullopt;
        }
        if (count == kMax) {
            *reason = QStringLiteral("at most %1 percentiles").arg(kMax);
            return std::nullopt;
        }
        values[size_t(count++)] = *h;
    }
    std::sort(values.begin(), values.begin() + count);
    Percentiles p;
    for (int i = 0; i < count; ++i)
        p.append(values[size_t(i)]);
    return p;
}

void Percentiles::append(int hundredths)
{
    Q_ASSERT(m_size < kMax && hundredths > 0 && hundredths < 10000);
    Entry &e = m_entries[size_t(m_size++)];
    e.hundredths = hundredths;
    const int whole = hundredths / 100;
    const int fraction = hundredths % 100;
    if (hundredths == 5000)
        e.suffixLength = std::snprintf(e.suffix.data(), e.suffix.size(), ".median");
    else if (fraction == 0)
        e.suffixLength = std::snprintf(e.suffix.data(), e.suffix.size(), ".perc%d", whole);
    else if (fraction % 10 == 0)
        e.suffixLength = std::snprintf(e.suffix.data(), e.suffix.size(), ".perc%d_%d", whole, fraction / 10);
    else
        e.suffixLength = std::snprintf(e.suffix.data(), e.suffix.size(), ".perc%d_%02d", whole, fraction);
}

QLatin1String Percentiles::suffix(int i) const
{
    const Entry &e = m_entries[size_t(i)];
    return QLatin1String(e.suffix.data(), e.suffixLength);
}

QString Percentiles::label(int i) const
{
    const int h = hundredths(i);
    QString out = QString::number(h / 100);
    if (h % 100 != 0) {
        out += u'.';
        out += QString::number(h % 100).rightJustified(2, u'0');
        if (out.endsWith(u'0'))
            out.chop(1);
    }
    return out;
}

QString Percentiles::text() const
{
    QStringList parts;
    for (int i = 0; i < m_size; ++i)
        parts.append(label(i));
    return parts.join(u',');
}

std::size_t Percentiles::rank(int i, std::size_t n) const
{
    Q_ASSERT(n > 0);
    return std::min(n * std::size_t(hundredths(i)) / 10000, n - 1);
}

bool operator==(const Percentiles &a, const Percentiles &b)
{
    if (a.m_size != b.m_size)
        return false;
    for (int i = 0; i < a.m_size; ++i) {
        if (a.hundredths(i) != b.hundredths(i))
            return false;
    }
    return true;
}

} // namespace l2met
