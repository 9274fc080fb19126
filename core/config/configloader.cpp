#include "config/configloader.h"

#include "auth/fernet.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QHostAddress>
#include <QLockFile>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QUrl>
#include <QtNumeric>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <unistd.h>
#include <variant>

#ifndef L2MET_VERSION
#define L2MET_VERSION "unknown"
#endif

namespace l2met {

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * kKiB;
constexpr qint64 kGiB = 1024 * kMiB;
constexpr qint64 kSecondMs = 1000;
constexpr qint64 kMinuteMs = 60 * kSecondMs;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kNsPerMs = 1000 * 1000;
constexpr qint64 kSaturated = std::numeric_limits<qint64>::max();
constexpr int kLockTimeoutMs = 5000;
constexpr int kHelpWidth = 80;
constexpr QFileDevice::Permissions kOthersMayRead = QFileDevice::ReadGroup | QFileDevice::WriteGroup
    | QFileDevice::ReadOther | QFileDevice::WriteOther;

enum class Kind {
    Bool,
    Int,
    Duration,
    Bytes,
    Address,
    HttpUrl,
    OptionalHttpUrl,
    RedisUrl,
    Secrets,
    Text,       // any text (QString)
    SecretText, // any text (QByteArray), never shown nor logged: an API or drain token
    HostPort,   // HOST:PORT, empty = off
    Resolution, // seconds dividing 3600
    Paths,      // a list: repeatable flag; in the file, entries separated by " | "
    Words,      // a list of names: repeatable flag; in the file, separated by blanks
};

using Field = std::variant<bool Config::*, int Config::*, qint64 Config::*, QString Config::*,
                           QByteArray Config::*, QStringList Config::*>;

const QString kPathSeparator = QStringLiteral(" | ");

struct Setting
{
    const char *key; // file key and long flag name
    const char *flag; // in help and messages; l2met's own flags keep their single dash
    const char *env; // nullptr when there is none
    Kind kind;
    Field field;
    qint64 min;
    qint64 max;
    const char *help;
};

// One row per setting, in the order of --help and of the saved file.
const std::array kSettings {
    Setting { "port", "-port", "PORT", Kind::Int, &Config::port, 0, 65535,
              "HTTP port to listen on; 0 picks a free one" },
    Setting { "bind", "--bind", nullptr, Kind::Address, &Config::bind, 0, 0,
              "IP address to listen on" },
    Setting { "receiver", "-receiver", nullptr, Kind::Bool, &Config::receiver, 0, 0,
              "Run the receiver (with neither -receiver nor -outlet, run both)" },
    Setting { "outlet", "-outlet", nullptr, Kind::Bool, &Config::outlet, 0, 0,
              "Run the outlet (with neither -receiver nor -outlet, run both)" },
    Setting { "flush-interval", "-flush-interval", nullptr, Kind::Duration,
              &Config::flushIntervalMs, 10, kHourMs, "How often the register moves to the store" },
    Setting { "outlet-interval", "-outlet-interval", nullptr, Kind::Duration,
              &Config::outletIntervalMs, 10, kHourMs, "How often the outlet reads ready buckets" },
    Setting { "partitions", "-partitions", nullptr, Kind::Int, &Config::partitions, 1, 1024,
              "Store partitions that outlets share out" },
    Setting { "concurrency", "-concurrency", nullptr, Kind::Int, &Config::concurrency, 0, 256,
              "Parser threads; 0 means one per core" },
    Setting { "buffer", "-buffer", nullptr, Kind::Int, &Config::buffer, 1, 1000000,
              "Request bodies the inbox holds" },
    Setting { "inbox-bytes", "--inbox-bytes", nullptr, Kind::Bytes, &Config::inboxBytes, kKiB,
              1024 * kGiB, "Bytes the inbox holds; at least --max-body" },
    Setting { "max-body", "--max-body", nullptr, Kind::Bytes, &Config::maxBodyBytes, kKiB, kGiB,
              "Largest request body; larger ones get 413" },
    Setting { "max-connections", "--max-connections", nullptr, Kind::Int, &Config::maxConnections, 1,
              1000000, "Open HTTP connections at most; past it, the longest-silent one is closed or "
              "the new one gets 503" },
    Setting { "max-buffered", "--max-buffered", nullptr, Kind::Bytes, &Config::maxBufferedBytes,
              kKiB, 1024 * kGiB, "Memory for requests being received, all connections together (each "
              "request byte counts twice); past it, 503; at least 2 x (--max-body + 128K)" },
    Setting { "recv-deadline", "-recv-deadline", nullptr, Kind::Int, &Config::recvDeadline, 1, 1000,
              "Resolutions after which late (or early) data is dropped" },
    Setting { "outbox", "--outbox", nullptr, Kind::Int, &Config::outboxFlushes, 1, 10000,
              "Flushes held while the store is unreachable" },
    Setting { "redis-url", "--redis-url", "REDIS_URL", Kind::RedisUrl, &Config::redisUrl, 0, 0,
              "redis://[:password@]host[:port][/db]; unset keeps buckets in memory" },
    Setting { "outlet-retry", "-outlet-retry", nullptr, Kind::Int, &Config::outletRetry, 0, 20,
              "Delivery attempts after the first" },
    Setting { "outlet-ttl", "-outlet-ttl", nullptr, Kind::Duration, &Config::outletTtlMs, 100,
              10 * kMinuteMs, "Timeout of each Librato request" },
    Setting { "librato-url", "--librato-url", nullptr, Kind::HttpUrl, &Config::libratoUrl, 0, 0,
              "Librato API base URL" },
    Setting { "preview", "--preview", nullptr, Kind::Bool, &Config::preview, 0, 0,
              "Build the Librato payloads but send nothing" },
    Setting { "stdin", "--stdin", nullptr, Kind::Bool, &Config::readStdin, 0, 0,
              "Read log lines from standard input (headless: at its end, deliver and exit)" },
    Setting { "tail", "--tail", nullptr, Kind::Paths, &Config::tailFiles, 0, 0,
              "Follow a log file like tail -F (rotation, truncation, not there yet); repeatable" },
    Setting { "from-start", "--from-start", nullptr, Kind::Bool, &Config::fromStart, 0, 0,
              "Read followed files from their start, not their end" },
    Setting { "heroku-app", "--heroku-app", nullptr, Kind::Words, &Config::herokuApps, 0, 0,
              "Run heroku logs --tail --app APP (restarted when it exits); repeatable" },
    Setting { "syslog", "--syslog", nullptr, Kind::HostPort, &Config::syslogAddress, 0, 0,
              "Listen for syslog on HOST:PORT, TCP and UDP (RFC 5424 and 3164)" },
    Setting { "local-resolution", "--local-resolution", nullptr, Kind::Resolution,
              &Config::localResolution, 1, 3600, "Window of the lines of local sources, in seconds" },
    Setting { "librato-user", "--librato-user", "LIBRATO_USER", Kind::Text, &Config::libratoUser, 0,
              0, "Librato user of local sources' metrics (with --librato-token)" },
    Setting { "librato-token", "--librato-token", "LIBRATO_TOKEN", Kind::SecretText,
              &Config::libratoToken, 0, 0,
              "Librato API token of local sources' metrics; without credentials, local sources "
              "are previewed only" },
    Setting { "drain-token", "--drain-token", nullptr, Kind::SecretText, &Config::drainToken, 0, 0,
              "Credentials of local sources as a drain token (instead of --librato-user/--librato-token)" },
    Setting { "preview-out", "--preview-out", nullptr, Kind::Text, &Config::previewOut, 0, 0,
              "Headless --preview: write each payload as a JSON line to this file (default stdout)" },
    Setting { "secrets", "--secrets", "SECRETS", Kind::Secrets, &Config::secrets, 0, 0,
              "Fernet keys key1:key2:...; the first signs drain tokens, all verify. When none is "
              "set, one is generated and kept in the config file" },
    Setting { "metchan-url", "--metchan-url", "METCHAN_URL", Kind::OptionalHttpUrl,
              &Config::metchanUrl, 0, 0, "Where l2met posts its own metrics (Librato URL)" },
    Setting { "verbose", "-v", nullptr, Kind::Bool, &Config::verbose, 0, 0, "Verbose logging" },
};

// Where a value came from, for messages: `-port`, `PORT`, or `port` + ` in FILE line N`.
struct Origin
{
    QString name;
    QString where;
};

QString latin1(const char *text)
{
    return QString::fromLatin1(text);
}

// The flag's name without its dashes ("v" for -v).
QString flagName(const Setting &s)
{
    return latin1(s.flag).remove(0, s.flag[1] == '-' ? 2 : 1);
}

QStringList optionNames(const Setting &s)
{
    QStringList names { flagName(s) };
    if (names.constFirst() != latin1(s.key))
        names.append(latin1(s.key));
    return names;
}

const Setting *settingForKey(QStringView key)
{
    for (const Setting &s : kSettings) {
        if (key == QLatin1String(s.key))
            return &s;
    }
    return nullptr;
}

const Setting *settingForOption(QStringView name)
{
    for (const Setting &s : kSettings) {
        if (optionNames(s).contains(name))
            return &s;
    }
    return nullptr;
}

const Setting &setting(const char *key)
{
    const Setting *s = settingForKey(latin1(key));
    Q_ASSERT(s);
    return *s;
}

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

// Decimal digits only; saturates at kSaturated (the range check reports it).
std::optional<qint64> parseDigits(QStringView text)
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

std::optional<qint64> parseInteger(QStringView text)
{
    const bool negative = text.startsWith(u'-');
    if (negative || text.startsWith(u'+'))
        text = text.sliced(1);
    const std::optional<qint64> value = parseDigits(text);
    if (!value)
        return std::nullopt;
    return negative ? -*value : *value;
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

const QString kNotWholeMs = QStringLiteral("must be a whole number of milliseconds");

// Go's time.ParseDuration ("250ms", "1.5s", "1m30s"; units ns us µs ms s m h)
// and a bare integer meaning seconds. In milliseconds.
std::optional<qint64> parseDurationMs(QStringView text, QString *reason)
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

// "8388608", "64k", "8M", "1G" (binary units).
std::optional<qint64> parseBytes(QStringView text)
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

std::optional<bool> parseBool(QStringView text)
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

QString formatDuration(qint64 ms)
{
    if (ms != 0 && ms % kHourMs == 0)
        return QString::number(ms / kHourMs) + u'h';
    if (ms != 0 && ms % kMinuteMs == 0)
        return QString::number(ms / kMinuteMs) + u'm';
    if (ms != 0 && ms % kSecondMs == 0)
        return QString::number(ms / kSecondMs) + u's';
    return QString::number(ms) + QStringLiteral("ms");
}

QString formatBytes(qint64 bytes)
{
    if (bytes != 0 && bytes % kGiB == 0)
        return QString::number(bytes / kGiB) + u'G';
    if (bytes != 0 && bytes % kMiB == 0)
        return QString::number(bytes / kMiB) + u'M';
    if (bytes != 0 && bytes % kKiB == 0)
        return QString::number(bytes / kKiB) + u'K';
    return QString::number(bytes);
}

QString formatNumber(Kind kind, qint64 value)
{
    switch (kind) {
    case Kind::Duration:
        return formatDuration(value);
    case Kind::Bytes:
        return formatBytes(value);
    default:
        return QString::number(value);
    }
}

QString rangeReason(const Setting &s, qint64 value)
{
    if (value >= s.min && value <= s.max)
        return {};
    return QStringLiteral("must be between %1 and %2")
        .arg(formatNumber(s.kind, s.min), formatNumber(s.kind, s.max));
}

bool isHttpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"http" || url.scheme() == u"https")
        && !url.host().isEmpty();
}

// redis://[:password@]host[:port][/db]. A user name is accepted too, as in
// Heroku's redis://h:password@host:port.
bool isRedisUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"redis" || url.host().isEmpty() || url.hasQuery()
        || url.hasFragment() || url.port() == 0) {
        return false;
    }
    const QString path = url.path();
    if (path.isEmpty() || path == u"/")
        return true;
    const std::optional<qint64> db = parseDigits(QStringView(path).sliced(1));
    return db && *db <= std::numeric_limits<int>::max();
}

QString textReason(Kind kind, const QString &value)
{
    switch (kind) {
    case Kind::Address:
        return QHostAddress().setAddress(value)
            ? QString()
            : QStringLiteral("expected an IP address such as 0.0.0.0 or ::1");
    case Kind::OptionalHttpUrl:
        if (value.isEmpty())
            return {};
        [[fallthrough]];
    case Kind::HttpUrl:
        return isHttpUrl(value) ? QString()
                                : QStringLiteral("expected an http:// or https:// URL with a host");
    case Kind::RedisUrl:
        return value.isEmpty() || isRedisUrl(value)
            ? QString()
            : QStringLiteral("expected redis://[:password@]host[:port][/db]");
    case Kind::Text:
        return {};
    case Kind::HostPort: {
        if (value.isEmpty())
            return {};
        const QString expected
            = QStringLiteral("expected HOST:PORT with an IP address, such as 127.0.0.1:5514");
        const qsizetype colon = value.lastIndexOf(u':');
        if (colon <= 0)
            return expected;
        const qint64 port = parseDigits(QStringView(value).sliced(colon + 1)).value_or(0);
        QString host = value.left(colon);
        if (host.startsWith(u'[') && host.endsWith(u']'))
            host = host.mid(1, host.size() - 2);
        if (port < 1 || port > 65535 || !QHostAddress().setAddress(host))
            return expected;
        return {};
    }
    default:
        Q_ASSERT(false);
        return {};
    }
}

// URLs may carry credentials (a Redis password, METCHAN_URL's Librato token).
QString redactUserInfo(const QString &text)
{
    const qsizetype scheme = text.indexOf(QStringLiteral("://"));
    const qsizetype start = scheme < 0 ? 0 : scheme + 3;
    const qsizetype at = text.lastIndexOf(u'@');
    if (at < start)
        return text;
    return text.left(start) + QStringLiteral("***") + text.mid(at);
}

// Text l2met did not expect (a positional argument, an unknown flag, key or
// section) is quoted in its error, unless it is long: then it is likely a
// secret put where it does not belong (a Fernet key has 43 characters, a
// Librato API token 64, a drain token over 100), and only its length is shown.
constexpr qsizetype kMaxQuotedLength = 24;

bool mayBeSecret(QStringView text)
{
    return text.size() > kMaxQuotedLength;
}

QString quotedUnlessLong(const QString &text)
{
    if (mayBeSecret(text))
        return QStringLiteral("(%1 characters, not shown: it may be a secret)").arg(text.size());
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString invalid(const Origin &origin, const Setting &s, const QString &value, const QString &reason)
{
    QString shown;
    if (s.kind != Kind::Secrets && s.kind != Kind::SecretText) // never a secret's value, not even a wrong one
        shown = QStringLiteral(" \"") + redactUserInfo(value) + u'"';
    return QStringLiteral("invalid ") + origin.name + shown + origin.where + QStringLiteral(": ")
        + reason;
}

// Parses text as s's value into c; empty, or the reason it is invalid.
QString assign(const Setting &s, const QString &rawText, Config &c)
{
    const QString text = rawText.trimmed();
    QString reason;
    std::optional<qint64> number;
    switch (s.kind) {
    case Kind::Bool: {
        const std::optional<bool> value = parseBool(text);
        if (!value)
            return QStringLiteral("expected true or false");
        c.*std::get<bool Config::*>(s.field) = *value;
        return {};
    }
    case Kind::Secrets: {
        const QByteArray keys = text.toUtf8();
        if (!Fernet::parseKeys(keys, &reason))
            return reason;
        c.*std::get<QByteArray Config::*>(s.field) = keys;
        return {};
    }
    case Kind::SecretText:
        c.*std::get<QByteArray Config::*>(s.field) = text.toUtf8();
        return {};
    case Kind::Paths:
    case Kind::Words: {
        QStringList list = s.kind == Kind::Paths ? text.split(kPathSeparator.trimmed())
                                                 : text.split(u' ');
        for (QString &entry : list)
            entry = entry.trimmed();
        list.removeAll(QString());
        c.*std::get<QStringList Config::*>(s.field) = list;
        return {};
    }
    case Kind::Int:
    case Kind::Resolution:
        number = parseInteger(text);
        reason = QStringLiteral("expected an integer");
        break;
    case Kind::Duration:
        number = parseDurationMs(text, &reason);
        break;
    case Kind::Bytes:
        number = parseBytes(text);
        reason = QStringLiteral("expected a byte count such as 8388608, 64K, 8M or 1G");
        break;
    default:
        reason = textReason(s.kind, text);
        if (reason.isEmpty())
            c.*std::get<QString Config::*>(s.field) = text;
        return reason;
    }
    if (!number)
        return reason;
    reason = rangeReason(s, *number);
    if (reason.isEmpty() && s.kind == Kind::Resolution && 3600 % *number != 0)
        reason = QStringLiteral("must divide 3600");
    if (!reason.isEmpty())
        return reason;
    if (s.kind == Kind::Bytes)
        c.*std::get<qint64 Config::*>(s.field) = *number;
    else
        c.*std::get<int Config::*>(s.field) = int(*number);
    return {};
}

qint64 numberOf(const Setting &s, const Config &c)
{
    if (s.kind == Kind::Bytes)
        return c.*std::get<qint64 Config::*>(s.field);
    return c.*std::get<int Config::*>(s.field);
}

// The value as the config file spells it.
QString valueText(const Setting &s, const Config &c)
{
    switch (s.kind) {
    case Kind::Bool:
        return c.*std::get<bool Config::*>(s.field) ? u"true"_s : u"false"_s;
    case Kind::Int:
    case Kind::Duration:
    case Kind::Bytes:
        return formatNumber(s.kind, numberOf(s, c));
    case Kind::Secrets:
    case Kind::SecretText:
        return QString::fromUtf8(c.*std::get<QByteArray Config::*>(s.field));
    case Kind::Paths:
        return (c.*std::get<QStringList Config::*>(s.field)).join(kPathSeparator);
    case Kind::Words:
        return (c.*std::get<QStringList Config::*>(s.field)).join(u' ');
    case Kind::Resolution:
        return QString::number(numberOf(s, c));
    default:
        return c.*std::get<QString Config::*>(s.field);
    }
}

QString checkValue(const Setting &s, const Config &c)
{
    QString reason;
    switch (s.kind) {
    case Kind::Bool:
    case Kind::SecretText:
    case Kind::Paths:
    case Kind::Words:
        return {};
    case Kind::Resolution:
        reason = rangeReason(s, numberOf(s, c));
        if (reason.isEmpty() && 3600 % numberOf(s, c) != 0)
            reason = QStringLiteral("must divide 3600");
        return reason;
    case Kind::Int:
    case Kind::Duration:
    case Kind::Bytes:
        return rangeReason(s, numberOf(s, c));
    case Kind::Secrets: {
        const QByteArray &keys = c.*std::get<QByteArray Config::*>(s.field);
        if (!keys.isEmpty())
            Fernet::parseKeys(keys, &reason);
        return reason;
    }
    default:
        return textReason(s.kind, c.*std::get<QString Config::*>(s.field));
    }
}

QString checkBetweenSettings(const Config &c, const QHash<QString, Origin> &origins)
{
    const auto originOf = [&origins](const QString &key) {
        return origins.value(key, { u"--"_s + key, QString() });
    };
    if (c.inboxBytes < c.maxBodyBytes) {
        return invalid(
            originOf(u"inbox-bytes"_s), setting("inbox-bytes"), formatBytes(c.inboxBytes),
            QStringLiteral("must be at least --max-body (%1)").arg(formatBytes(c.maxBodyBytes)));
    }
    // One request of the largest size, with a large head, must fit (its
    // bytes count twice, see ConnectionGuard).
    if (c.maxBufferedBytes < 2 * (c.maxBodyBytes + (128 << 10))) {
        return invalid(originOf(u"max-buffered"_s), setting("max-buffered"),
                       formatBytes(c.maxBufferedBytes),
                       QStringLiteral("must be at least 2 x (--max-body (%1) + 128K)")
                           .arg(formatBytes(c.maxBodyBytes)));
    }
    return {};
}

int editDistance(QStringView a, QStringView b)
{
    QList<int> row(b.size() + 1);
    std::iota(row.begin(), row.end(), 0);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]) });
            diagonal = above;
        }
    }
    return row.back();
}

QString unknownKeyHint(QStringView key)
{
    for (const Setting &s : kSettings) {
        if (editDistance(key, latin1(s.key)) <= 2)
            return QStringLiteral(" (did you mean %1?)").arg(latin1(s.key));
    }
    return QStringLiteral(" (keys are named like the long flags; see --help)");
}

struct FileEntry
{
    const Setting *setting;
    QString value;
    int line;
};

struct FileContents
{
    bool exists = false;
    QByteArray raw;
    QList<FileEntry> entries;
    QString error;
};

QString where(const QString &path, int line)
{
    return QStringLiteral(" in %1 line %2").arg(path, QString::number(line));
}

FileContents readEntries(const QString &path)
{
    FileContents out;
    QFile file(path);
    if (!file.exists())
        return out;
    out.exists = true;
    if (!file.open(QIODevice::ReadOnly)) {
        out.error = QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
        return out;
    }
    out.raw = file.readAll();
    QString text = QString::fromUtf8(out.raw);
    if (text.startsWith(QChar(0xfeff)))
        text.remove(0, 1);
    bool inSection = false;
    QHash<QString, int> seen;
    const QStringList lines = text.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int line = int(index + 1);
        const QString trimmed = lines[index].trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#') || trimmed.startsWith(u';'))
            continue;
        if (trimmed.startsWith(u'[')) {
            const QString section
                = trimmed.endsWith(u']') ? trimmed.mid(1, trimmed.size() - 2).trimmed() : trimmed;
            if (section != u"l2met") {
                out.error = QStringLiteral("unknown section %1%2 (expected [l2met])")
                                .arg(mayBeSecret(trimmed) ? quotedUnlessLong(trimmed) : trimmed,
                                     where(path, line));
                return out;
            }
            inSection = true;
            continue;
        }
        const qsizetype equals = trimmed.indexOf(u'=');
        if (equals < 0) {
            out.error = QStringLiteral("expected key = value%1").arg(where(path, line));
            return out;
        }
        const QString key = trimmed.left(equals).trimmed();
        const Setting *s = settingForKey(key);
        if (!s) {
            out.error = QStringLiteral("unknown key %1%2%3")
                            .arg(quotedUnlessLong(key), where(path, line), unknownKeyHint(key));
            return out;
        }
        if (!inSection) {
            out.error = QStringLiteral("key %1 is outside the [l2met] section%2")
                            .arg(quotedUnlessLong(key), where(path, line));
            return out;
        }
        if (const int first = seen.value(key); first != 0) {
            out.error = QStringLiteral("duplicate key \"%1\"%2 (first at line %3)")
                            .arg(key, where(path, line), QString::number(first));
            return out;
        }
        seen.insert(key, line);
        out.entries.append({ s, trimmed.mid(equals + 1).trimmed(), line });
    }
    return out;
}

QString applyFile(const FileContents &file, const QString &path, Config &c,
                  QHash<QString, Origin> *origins)
{
    for (const FileEntry &entry : file.entries) {
        // An empty secrets line means none is configured (one gets generated).
        if (entry.setting->kind == Kind::Secrets && entry.value.isEmpty())
            continue;
        const Origin origin { latin1(entry.setting->key), where(path, entry.line) };
        const QString reason = assign(*entry.setting, entry.value, c);
        if (!reason.isEmpty())
            return invalid(origin, *entry.setting, entry.value, reason);
        if (origins)
            origins->insert(latin1(entry.setting->key), origin);
    }
    return {};
}

QString resolvedPath(const QString &path)
{
    const QFileInfo info(path);
    return info.isSymLink() ? info.symLinkTarget() : info.absoluteFilePath();
}

bool ensureDirectory(const QString &filePath, QString *error)
{
    const QString dir = QFileInfo(filePath).absolutePath();
    if (QFileInfo(dir).isDir())
        return true;
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create directory %1").arg(dir);
        return false;
    }
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return true;
}

QString lockError(const QLockFile &lock, const QString &path)
{
    switch (lock.error()) {
    case QLockFile::LockFailedError:
        return QStringLiteral("config file %1 is being written by another process (%1.lock)")
            .arg(path);
    case QLockFile::PermissionError:
        return QStringLiteral("cannot write in the directory of config file %1: permission denied")
            .arg(path);
    default:
        return QStringLiteral("cannot lock config file %1").arg(path);
    }
}

// Never exists with wider permissions than 0600, not even for a moment:
// QTemporaryFile creates the file 0600 (O_EXCL) in the same directory, and
// rename() replaces the old file atomically. The caller holds the lock.
bool writeAtomically(const QString &path, const QByteArray &data, QString *error)
{
    const QFileInfo info(path);
    QTemporaryFile temporary(info.absolutePath() + QStringLiteral("/.") + info.fileName()
                             + QStringLiteral(".XXXXXX"));
    const auto fail = [&](const QString &reason) {
        *error = QStringLiteral("cannot write config file %1: %2").arg(path, reason);
        return false;
    };
    if (!temporary.open())
        return fail(temporary.errorString());
    if (!temporary.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return fail(temporary.errorString());
    if (temporary.write(data) != data.size() || !temporary.flush())
        return fail(temporary.errorString());
    if (::fsync(temporary.handle()) != 0)
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    if (std::rename(QFile::encodeName(temporary.fileName()).constData(),
                    QFile::encodeName(path).constData())
        != 0) {
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    }
    temporary.setAutoRemove(false);
    return true;
}

// The file's text with `secrets = KEY` in its [l2met] section; the rest of
// the file (comments included) is kept as it is.
QByteArray withSecret(const QByteArray &raw, const QByteArray &key)
{
    const QByteArray line = QByteArrayLiteral("secrets = ") + key;
    const QByteArray comment = QByteArrayLiteral(
        "# Generated on first start: the key that signs drain tokens (see /sign).");
    QList<QByteArray> lines = raw.split('\n');
    if (!raw.isEmpty() && raw.endsWith('\n'))
        lines.removeLast();
    // Every section is [l2met] (the file was parsed): an empty `secrets =`
    // line may be in any of them; a new line goes under the first.
    qsizetype header = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray trimmed = lines[i].trimmed();
        if (trimmed.startsWith('[')) {
            if (header < 0)
                header = i;
            continue;
        }
        const qsizetype equals = trimmed.indexOf('=');
        if (!trimmed.startsWith('#') && !trimmed.startsWith(';') && equals > 0
            && trimmed.left(equals).trimmed() == "secrets") {
            lines[i] = line;
            return lines.join('\n') + '\n';
        }
    }
    if (header < 0) {
        if (lines.isEmpty())
            lines.append(QByteArrayLiteral("# l2met configuration: keep this file mode 0600."));
        lines.append(QByteArrayLiteral("[l2met]"));
        header = lines.size() - 1;
    }
    lines.insert(header + 1, comment);
    lines.insert(header + 2, line);
    return lines.join('\n') + '\n';
}

// No secret anywhere: reuse one another process stored meanwhile, or
// generate one and keep it in the config file.
QString provideSecret(const QString &path, QByteArray *secrets, bool *generated)
{
    const QString target = resolvedPath(path);
    QString error;
    if (!ensureDirectory(target, &error))
        return error + QStringLiteral(" for the generated secret; set SECRETS or --secrets");
    QLockFile lock(target + QStringLiteral(".lock"));
    if (!lock.tryLock(kLockTimeoutMs))
        return lockError(lock, target);
    const FileContents file = readEntries(target);
    if (!file.error.isEmpty())
        return file.error;
    Config stored;
    error = applyFile(file, target, stored, nullptr);
    if (!error.isEmpty())
        return error;
    if (!stored.secrets.isEmpty()) {
        *secrets = stored.secrets;
        return {};
    }
    const QByteArray key = Fernet::generateKey();
    if (key.isEmpty())
        return QStringLiteral("cannot generate a secret key (random generator failure); set "
                              "SECRETS or --secrets");
    if (!writeAtomically(target, withSecret(file.raw, key), &error))
        return error + QStringLiteral("; set SECRETS or --secrets");
    *secrets = key;
    *generated = true;
    return {};
}

QString valueName(const Setting &s)
{
    switch (s.kind) {
    case Kind::Int:
        return std::strcmp(s.key, "port") == 0 ? u"<port>"_s : u"<n>"_s;
    case Kind::Duration:
        return u"<duration>"_s;
    case Kind::Bytes:
        return u"<bytes>"_s;
    case Kind::Address:
        return u"<address>"_s;
    case Kind::Secrets:
        return u"<keys>"_s;
    case Kind::Resolution:
        return u"<seconds>"_s;
    case Kind::Paths:
        return u"<file>"_s;
    case Kind::Words:
        return u"<app>"_s;
    case Kind::HostPort:
        return u"<host:port>"_s;
    case Kind::SecretText:
        return u"<token>"_s;
    case Kind::Text:
        return std::strcmp(s.key, "librato-user") == 0 ? u"<user>"_s : u"<file>"_s;
    default:
        return u"<url>"_s;
    }
}

QString helpText()
{
    // Keeps "env PORT" on one line when the help wraps.
    constexpr QChar kNoBreak(0xa0);
    QList<std::pair<QString, QString>> rows;
    const Config defaults;
    for (const Setting &s : kSettings) {
        QString names = latin1(s.flag);
        if (flagName(s) != latin1(s.key))
            names += QStringLiteral(", --") + latin1(s.key);
        if (s.kind != Kind::Bool)
            names += u' ' + valueName(s);
        QStringList notes;
        const QString value = valueText(s, defaults);
        if (s.kind != Kind::Bool && s.kind != Kind::Secrets && s.kind != Kind::SecretText && !value.isEmpty())
            notes.append(QStringLiteral("default") + kNoBreak + value);
        if (s.env)
            notes.append(QStringLiteral("env") + kNoBreak + latin1(s.env));
        QString text = latin1(s.help);
        if (!notes.isEmpty())
            text += QStringLiteral(" (") + notes.join(QStringLiteral("; ")) + u')';
        rows.append({ names, text });
    }
    rows.append({ u"--no-gui"_s, u"Run headless, without the window"_s });
    rows.append(
        { u"--config <file>"_s,
          QStringLiteral("INI config file (default %1)").arg(ConfigLoader::defaultPath()) });
    rows.append({ u"--sign <user:token>"_s,
                  u"Print a drain token for a Librato user and API token, then exit"_s });
    rows.append({ u"-version"_s, u"Print the version and exit"_s });
    rows.append({ u"-h, --help"_s, u"Print this help and exit"_s });

    QString out = QStringLiteral(
        "Usage: l2met [options] [-- CMD ARGS...]\n"
        "Turns Heroku log drains, and the logs of apps run here, into Librato metrics.\n\n"
        "  l2met -- heroku local web         run a command and watch its metrics\n"
        "  my-app 2>&1 | l2met --no-gui --stdin --preview\n"
        "                                    print the payloads an app's logs make\n\n"
        "Flags take one or two dashes, and their value after a space or '=' (-port 8080,\n"
        "--port=8080, -receiver=false). Precedence: flag > environment > config file >\n"
        "default. In the config file, every setting is a key of the [l2met] section named\n"
        "like the long flag (flush-interval = 2s). Durations: 250ms, 1.5s, 2m, 1h (a bare\n"
        "number is seconds). Byte counts: 8388608, 64K, 8M, 1G. Lists (--tail,\n"
        "--heroku-app) repeat the flag; in the file, files are separated by \" | \" and\n"
        "apps by blanks.\n\nOptions:\n");
    constexpr int kIndent = 2;
    constexpr int kColumn = 30;
    for (const auto &[names, text] : rows) {
        QString line = QString(kIndent, u' ') + names;
        if (line.size() + 2 > kColumn) {
            out += line + u'\n';
            line.clear();
        }
        line = line.leftJustified(kColumn, u' ');
        const QStringList words = text.split(u' ');
        bool lineEmpty = true;
        for (const QString &word : words) {
            if (!lineEmpty && line.size() + 1 + word.size() > kHelpWidth) {
                out += line + u'\n';
                line = QString(kColumn, u' ');
                lineEmpty = true;
            }
            line += (lineEmpty ? QString() : u" "_s) + word;
            lineEmpty = false;
        }
        out += line + u'\n';
    }
    out.chop(1); // the caller prints it as a line
    return out.replace(kNoBreak, u' ');
}

// Go's flag package accepts -flag=false for booleans; QCommandLineParser has
// no optional values, so those are taken out here, in order.
void takeBoolAssignments(const QStringList &arguments, QStringList *rest,
                         QList<std::pair<const Setting *, QString>> *assignments)
{
    static const QStringList kValueOptions { u"config"_s, u"sign"_s };
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        if (i == 0 || !argument.startsWith(u'-') || argument.size() < 2) {
            rest->append(argument);
            continue;
        }
        if (argument == u"--") {
            rest->append(arguments.mid(i));
            break;
        }
        const QString name = argument.mid(argument.startsWith(u"--") ? 2 : 1);
        const qsizetype equals = name.indexOf(u'=');
        const Setting *s = settingForOption(name.left(equals));
        if (s && s->kind == Kind::Bool && equals >= 0) {
            assignments->append({ s, name.mid(equals + 1) });
            continue;
        }
        rest->append(argument);
        const bool takesValue = (s && s->kind != Kind::Bool) || kValueOptions.contains(name);
        if (takesValue && equals < 0 && i + 1 < arguments.size())
            rest->append(arguments[++i]);
    }
}

QString roleWarning(const Config &c)
{
    if (!c.redisUrl.isEmpty() || c.runsReceiver() == c.runsOutlet())
        return {};
    return c.receiver
        ? u"-receiver without --redis-url: buckets stay in this process and no outlet reads them"_s
        : u"-outlet without --redis-url: the memory store is empty, nothing will be delivered"_s;
}

} // namespace

QString ConfigLoader::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/l2met/l2met.conf");
}

LoadResult ConfigLoader::load(const QStringList &arguments, const QProcessEnvironment &env)
{
    LoadResult result;
    const auto fail = [&result](const QString &error) {
        result.config.reset();
        result.error = error;
        return result;
    };

    QStringList args;
    QList<std::pair<const Setting *, QString>> boolAssignments;
    takeBoolAssignments(arguments, &args, &boolAssignments);

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const Setting &s : kSettings) {
        parser.addOption(s.kind == Kind::Bool
                             ? QCommandLineOption(optionNames(s), latin1(s.help))
                             : QCommandLineOption(optionNames(s), latin1(s.help), valueName(s)));
    }
    const QCommandLineOption noGui(u"no-gui"_s);
    const QCommandLineOption configOption(u"config"_s, QString(), u"file"_s);
    const QCommandLineOption signOption(u"sign"_s, QString(), u"user:token"_s);
    const QCommandLineOption versionOption(u"version"_s);
    const QCommandLineOption helpOption(QStringList { u"h"_s, u"help"_s });
    parser.addOptions({ noGui, configOption, signOption, versionOption, helpOption });
    if (!parser.parse(args)) {
        QString error = parser.errorText();
        const QStringList unknown = parser.unknownOptionNames();
        if (std::any_of(unknown.cbegin(), unknown.cend(), mayBeSecret)) {
            QStringList shown;
            for (const QString &name : unknown)
                shown << (mayBeSecret(name) ? quotedUnlessLong(name) : name);
            error = QStringLiteral("Unknown option%1 %2")
                        .arg(unknown.size() > 1 ? u"s:"_s : QString(), shown.join(u", "_s));
        }
        if (error.endsWith(u'.'))
            error.chop(1);
        return fail(error + QStringLiteral(" (see --help)"));
    }
    if (parser.isSet(helpOption)) {
        result.exitNow = true;
        result.output = helpText();
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.exitNow = true;
        result.output = QStringLiteral("l2met " L2MET_VERSION);
        return result;
    }
    // `-- CMD ARGS...`: a command to run as a local source. Anything else
    // positional is a mistake.
    const qsizetype dashes = arguments.indexOf(u"--"_s, 1);
    const QStringList command = dashes < 0 ? QStringList() : arguments.mid(dashes + 1);
    if (parser.positionalArguments() != command) {
        return fail(QStringLiteral("unexpected argument %1 (flags start with - or --; a command to "
                                   "run goes after --; see --help)")
                        .arg(quotedUnlessLong(parser.positionalArguments().constFirst())));
    }
    if (dashes >= 0 && command.isEmpty())
        return fail(u"nothing after --: expected a command to run, such as -- heroku local web"_s);
    if (parser.isSet(signOption)) {
        // USER:TOKEN holds an API token: never shown, not even when wrong.
        const QByteArray sign = parser.value(signOption).toUtf8();
        const qsizetype colon = sign.indexOf(':');
        if (colon <= 0 || colon == sign.size() - 1)
            return fail(u"invalid --sign: expected USER:TOKEN, a Librato user and API token"_s);
        result.signRequest = sign;
    }

    Config c;
    result.configPath = defaultPath();
    if (parser.isSet(configOption)) {
        const QString given = parser.value(configOption);
        if (given.isEmpty())
            return fail(u"invalid --config \"\": expected a file name"_s);
        result.configPath = QFileInfo(given).absoluteFilePath();
        c.configFile = result.configPath;
    }

    QHash<QString, Origin> origins;
    const FileContents file = readEntries(result.configPath);
    if (!file.error.isEmpty())
        return fail(file.error);
    if (const QString error = applyFile(file, result.configPath, c, &origins); !error.isEmpty())
        return fail(error);

    for (const Setting &s : kSettings) {
        const QString value = s.env ? env.value(latin1(s.env)) : QString();
        if (value.trimmed().isEmpty())
            continue;
        const Origin origin { latin1(s.env), QString() };
        if (const QString reason = assign(s, value, c); !reason.isEmpty())
            return fail(invalid(origin, s, value, reason));
        origins.insert(latin1(s.key), origin);
    }

    for (const Setting &s : kSettings) {
        const QString name = optionNames(s).constFirst();
        if (!parser.isSet(name))
            continue;
        if (s.kind == Kind::Paths || s.kind == Kind::Words) {
            // Repeatable: every occurrence adds to the list (the file's list
            // is replaced, as any flag replaces the file's value).
            QStringList &list = c.*std::get<QStringList Config::*>(s.field);
            list = parser.values(name);
            list.removeAll(QString());
            origins.insert(latin1(s.key), { latin1(s.flag), QString() });
            continue;
        }
        const QString value = s.kind == Kind::Bool ? u"true"_s : parser.value(name);
        if (const QString reason = assign(s, value, c); !reason.isEmpty())
            return fail(invalid({ latin1(s.flag), QString() }, s, value, reason));
        origins.insert(latin1(s.key), { latin1(s.flag), QString() });
    }
    for (const auto &[s, value] : std::as_const(boolAssignments)) {
        if (const QString reason = assign(*s, value, c); !reason.isEmpty())
            return fail(invalid({ latin1(s->flag), QString() }, *s, value, reason));
    }
    c.noGui = parser.isSet(noGui);
    c.command = command;

    if (const QString error = checkBetweenSettings(c, origins); !error.isEmpty())
        return fail(error);

    if (const QString warning = roleWarning(c); !warning.isEmpty())
        result.warnings.append(warning);
    const bool holdsCredentials
        = std::any_of(file.entries.cbegin(), file.entries.cend(), [](const FileEntry &e) {
              return !e.value.isEmpty()
                  && (e.setting->kind == Kind::Secrets || e.setting->kind == Kind::SecretText || e.setting->kind == Kind::RedisUrl
                      || e.setting->kind == Kind::OptionalHttpUrl);
          });
    if (holdsCredentials && (QFile::permissions(result.configPath) & kOthersMayRead)) {
        result.warnings.append(
            QStringLiteral("config file %1 holds credentials and other users may read it: "
                           "chmod 600 it")
                .arg(result.configPath));
    }

    if (c.secrets.isEmpty()) {
        if (const QString error
            = provideSecret(result.configPath, &c.secrets, &result.generatedSecret);
            !error.isEmpty()) {
            return fail(error);
        }
    }
    result.config = c;
    return result;
}

QString ConfigLoader::validate(const Config &c)
{
    for (const Setting &s : kSettings) {
        const QString reason = checkValue(s, c);
        if (!reason.isEmpty())
            return invalid({ latin1(s.flag), QString() }, s, valueText(s, c), reason);
    }
    return checkBetweenSettings(c, {});
}

bool ConfigLoader::save(const Config &c, const QString &path, QString *error)
{
    QString text = QStringLiteral(
        "# l2met configuration, written by l2met: saving from the window rewrites it.\n"
        "# It holds secrets: keep it mode 0600.\n"
        "# Precedence: command-line flag > environment > this file > default.\n"
        "\n[l2met]\n");
    for (const Setting &s : kSettings) {
        const QString value = valueText(s, c);
        const bool representable = value == value.trimmed()
            && std::none_of(value.cbegin(), value.cend(),
                            [](QChar ch) { return ch.unicode() < 0x20 || ch.unicode() == 0x7f; });
        if (!representable) {
            if (error) {
                *error = QStringLiteral("cannot save %1: its value holds a line break, a control "
                                        "character or surrounding blanks")
                             .arg(latin1(s.key));
            }
            return false;
        }
        text += QStringLiteral("# ") + latin1(s.help) + u'\n' + latin1(s.key)
            + QStringLiteral(" = ") + value + u'\n';
    }
    const QString target = resolvedPath(path);
    QString reason;
    if (!ensureDirectory(target, &reason)) {
        if (error)
            *error = reason;
        return false;
    }
    QLockFile lock(target + QStringLiteral(".lock"));
    if (!lock.tryLock(kLockTimeoutMs)) {
        if (error)
            *error = lockError(lock, target);
        return false;
    }
    if (!writeAtomically(target, text.toUtf8(), &reason)) {
        if (error)
            *error = reason;
        return false;
    }
    return true;
}

std::optional<Config> ConfigLoader::readFile(const QString &path, QString *error)
{
    const FileContents file = readEntries(path);
    Config c;
    QString reason = file.error;
    if (reason.isEmpty())
        reason = applyFile(file, path, c, nullptr);
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return std::nullopt;
    }
    return c;
}

std::optional<qint64> ConfigLoader::parseDurationMs(QStringView text, QString *reason)
{
    QString ignored;
    return l2met::parseDurationMs(text, reason ? reason : &ignored);
}

QString ConfigLoader::formatDuration(qint64 ms)
{
    return l2met::formatDuration(ms);
}

std::optional<qint64> ConfigLoader::parseBytes(QStringView text)
{
    return l2met::parseBytes(text);
}

QString ConfigLoader::formatBytes(qint64 bytes)
{
    return l2met::formatBytes(bytes);
}

} // namespace l2met
