#include "config/valueparse.h"

#include "bucket/percentiles.h"

#include "store/redisurl.h"

#include <QHostAddress>
#include <QUrl>
#include <QtNumeric>

#include <algorithm>
#include <iterator>
#include <limits>
#include <numeric>

namespace l2met {

namespace {

constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * kKiB;
constexpr qint64 kGiB = 1024 * kMiB;
constexpr qint64 kSecondMs = 1000;
constexpr qint64 kMinuteMs = 60 * kSecondMs;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kNsPerMs = 1000 * 1000;
constexpr qint64 kSaturated = std::numeric_limits<qint64>::max();

const QString kPathSeparator = QStringLiteral(" | ");
const QString kNotWholeMs = QStringLiteral("must be a whole number of milliseconds");

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

qint64 saturatingMul(qint64 a, qint64 b)
{
    qint64 r = 0;
    return qMulOverflow(a, b, &r) ? kSaturated : r;
}

qint64 saturatingAdd(qint64 a, qint64 b)
{
    qint64 r = 0;
    return qAddOverflow(a, b, &r) ? kSaturated : r;
}

bool isHttpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"http" || url.scheme() == u"https")
        && !url.host().isEmpty();
}

// The store's own parser decides (so that a URL the configuration accepts
// is one RedisStore can connect to). Blanks around it are not part of a
// value: the loader trims them, and save() could not write them.
bool isRedisUrl(const QString &text)
{
    return text == text.trimmed() && RedisUrl::parse(text).has_value();
}

QString hostPortReason(const QString &value)
{
    if (value.isEmpty())
        return {};
    const QString expected
        = QStringLiteral("expected HOST:PORT with an IP address, such as 127.0.0.1:5514");
    const qsizetype colon = value.lastIndexOf(u':');
    if (colon <= 0)
        return expected;
    const qint64 port = ValueParse::parseDigits(QStringView(value).sliced(colon + 1)).value_or(0);
    QString host = value.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (port < 1 || port > 65535 || !QHostAddress().setAddress(host))
        return expected;
    return {};
}

} // namespace

std::optional<qint64> ValueParse::parseDigits(QStringView text)
{
    if (text.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const QChar c : text) {
        if (!isDigit(c))
            return std::nullopt;
        if (value != kSaturated
            && (qMulOverflow(value, qint64(10), &value)
                || qAddOverflow(value, qint64(c.unicode() - u'0'), &value))) {
            value = kSaturated;
        }
    }
    return value;
}

std::optional<qint64> ValueParse::parseInteger(QStringView text)
{
    const bool negative = text.startsWith(u'-');
    if (negative || text.startsWith(u'+'))
        text = text.sliced(1);
    const std::optional<qint64> value = parseDigits(text);
    if (!value)
        return std::nullopt;
    return negative ? -*value : *value;
}

std::optional<bool> ValueParse::parseBool(QStringView text)
{
    static constexpr QStringView kTrue[] = { u"true", u"yes", u"on", u"1" };
    static constexpr QStringView kFalse[] = { u"false", u"no", u"off", u"0" };
    const auto is = [text](QStringView word) {
        return text.compare(word, Qt::CaseInsensitive) == 0;
    };
    if (std::any_of(std::begin(kTrue), std::end(kTrue), is))
        return true;
    if (std::any_of(std::begin(kFalse), std::end(kFalse), is))
        return false;
    return std::nullopt;
}

// Go's time.ParseDuration ("250ms", "1.5s", "1m30s"; units ns us µs ms s m h)
// and a bare integer meaning seconds.
std::optional<qint64> ValueParse::parseDurationMs(QStringView text, QString *reason)
{
    *reason = QStringLiteral("expected a duration such as 500ms or 2s");
    if (const std::optional<qint64> seconds = parseDigits(text))
        return saturatingMul(*seconds, kSecondMs);
    if (text.isEmpty())
        return std::nullopt;

    struct Unit
    {
        QStringView name;
        qint64 ns;
    };
    static constexpr Unit kUnits[] = {
        { u"ns", 1 },
        { u"us", 1000 },
        { u"µs", 1000 },
        { u"μs", 1000 },
        { u"ms", kNsPerMs },
        { u"s", 1000 * kNsPerMs },
        { u"m", 60000 * kNsPerMs },
        { u"h", 3600000 * kNsPerMs },
    };
    qint64 totalNs = 0;
    while (!text.isEmpty()) {
        qsizetype i = 0;
        while (i < text.size() && isDigit(text[i]))
            ++i;
        const QStringView whole = text.first(i);
        QStringView fraction;
        if (i < text.size() && text[i] == u'.') {
            const qsizetype start = ++i;
            while (i < text.size() && isDigit(text[i]))
                ++i;
            fraction = text.sliced(start, i - start);
        }
        if (whole.isEmpty() && fraction.isEmpty())
            return std::nullopt;
        qsizetype end = i;
        while (end < text.size() && !isDigit(text[end]) && text[end] != u'.')
            ++end;
        const QStringView unitName = text.sliced(i, end - i);
        const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                       [unitName](const Unit &u) { return u.name == unitName; });
        if (unit == std::end(kUnits))
            return std::nullopt;
        text = text.sliced(end);

        if (!whole.isEmpty())
            totalNs = saturatingAdd(totalNs, saturatingMul(*parseDigits(whole), unit->ns));
        while (fraction.endsWith(u'0'))
            fraction.chop(1);
        if (!fraction.isEmpty()) {
            // Exact: fraction/10^k of the unit must be whole nanoseconds, or
            // it cannot be whole milliseconds either.
            if (fraction.size() > 18) {
                *reason = kNotWholeMs;
                return std::nullopt;
            }
            qint64 scale = 1;
            for (qsizetype k = 0; k < fraction.size(); ++k)
                scale *= 10;
            const qint64 numerator = *parseDigits(fraction);
            const qint64 common = std::gcd(unit->ns, scale);
            if (numerator % (scale / common) != 0) {
                *reason = kNotWholeMs;
                return std::nullopt;
            }
            totalNs = saturatingAdd(totalNs,
                                    saturatingMul(numerator / (scale / common), unit->ns / common));
        }
    }
    if (totalNs == kSaturated)
        return kSaturated;
    if (totalNs % kNsPerMs != 0) {
        *reason = kNotWholeMs;
        return std::nullopt;
    }
    return totalNs / kNsPerMs;
}

QString ValueParse::formatDuration(qint64 ms)
{
    if (ms != 0 && ms % kHourMs == 0)
        return QString::number(ms / kHourMs) + u'h';
    if (ms != 0 && ms % kMinuteMs == 0)
        return QString::number(ms / kMinuteMs) + u'm';
    if (ms != 0 && ms % kSecondMs == 0)
        return QString::number(ms / kSecondMs) + u's';
    return QString::number(ms) + QStringLiteral("ms");
}

// "8388608", "64k", "8M", "1G" (binary units).
std::optional<qint64> ValueParse::parseBytes(QStringView text)
{
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
    const std::optional<qint64> value = parseDigits(text);
    if (!value)
        return std::nullopt;
    return saturatingMul(*value, unit);
}

QString ValueParse::formatBytes(qint64 bytes)
{
    if (bytes != 0 && bytes % kGiB == 0)
        return QString::number(bytes / kGiB) + u'G';
    if (bytes != 0 && bytes % kMiB == 0)
        return QString::number(bytes / kMiB) + u'M';
    if (bytes != 0 && bytes % kKiB == 0)
        return QString::number(bytes / kKiB) + u'K';
    return QString::number(bytes);
}

QString ValueParse::formatNumber(SettingKind kind, qint64 value)
{
    switch (kind) {
    case SettingKind::Duration:
        return formatDuration(value);
    case SettingKind::Bytes:
        return formatBytes(value);
    default:
        return QString::number(value);
    }
}

QString ValueParse::textReason(SettingKind kind, const QString &value)
{
    switch (kind) {
    case SettingKind::Address:
        return QHostAddress().setAddress(value)
            ? QString()
            : QStringLiteral("expected an IP address such as 0.0.0.0 or ::1");
    case SettingKind::OptionalHttpUrl:
        if (value.isEmpty())
            return {};
        [[fallthrough]];
    case SettingKind::HttpUrl:
        return isHttpUrl(value) ? QString()
                                : QStringLiteral("expected an http:// or https:// URL with a host");
    case SettingKind::RedisUrl:
        // RedisUrl::parse's reasons are finer, but this one line is what
        // every message about REDIS_URL has always said.
        return value.isEmpty() || isRedisUrl(value)
            ? QString()
            : QStringLiteral("expected redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)");
    case SettingKind::Text:
        return {};
    case SettingKind::HostPort:
        return hostPortReason(value);
    case SettingKind::Percentiles: {
        QString reason;
        return Percentiles::parse(value, &reason) ? QString() : reason;
    }
    default:
        Q_ASSERT(false);
        return {};
    }
}

QStringList ValueParse::splitList(SettingKind kind, const QString &text)
{
    Q_ASSERT(kind == SettingKind::Paths || kind == SettingKind::Words);
    QStringList list
        = kind == SettingKind::Paths ? text.split(kPathSeparator.trimmed()) : text.split(u' ');
    for (QString &entry : list)
        entry = entry.trimmed();
    list.removeAll(QString());
    return list;
}

QString ValueParse::joinList(SettingKind kind, const QStringList &list)
{
    Q_ASSERT(kind == SettingKind::Paths || kind == SettingKind::Words);
    return kind == SettingKind::Paths ? list.join(kPathSeparator) : list.join(u' ');
}

} // namespace l2met
