#include "config/settings.h"

#include "auth/fernet.h"

#include <array>

namespace l2met {

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kKiB = 1024;
constexpr qint64 kGiB = 1024 * 1024 * kKiB;
constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;

using K = SettingKind;
using G = SettingGroup;

// One row per setting, in the order of --help and of the saved file.
// Not in the form: --stdin (a window cannot be given a pipe by editing a
// field, and standard input reads once) and --preview-out (headless only).
const std::array kTable {
    Setting { "port", "-port", "PORT", K::Int, &Config::port, 0, 65535,
              "HTTP port to listen on; 0 picks a free one", G::Receiver, "Port", true },
    Setting { "bind", "--bind", nullptr, K::Address, &Config::bind, 0, 0, "IP address to listen on",
              G::Receiver, "Listen address", true },
    Setting { "receiver", "-receiver", nullptr, K::Bool, &Config::receiver, 0, 0,
              "Run the receiver (with neither -receiver nor -outlet, run both)", G::Receiver,
              "Run the receiver", true },
    Setting { "outlet", "-outlet", nullptr, K::Bool, &Config::outlet, 0, 0,
              "Run the outlet (with neither -receiver nor -outlet, run both)", G::Receiver,
              "Run the outlet", true },
    Setting { "flush-interval", "-flush-interval", nullptr, K::Duration, &Config::flushIntervalMs,
              10, kHourMs, "How often the register moves to the store", G::Store, "Flush interval",
              true },
    Setting { "outlet-interval", "-outlet-interval", nullptr, K::Duration,
              &Config::outletIntervalMs, 10, kHourMs, "How often the outlet reads ready buckets",
              G::Outlet, "Outlet interval", true },
    Setting { "partitions", "-partitions", nullptr, K::Int, &Config::partitions, 1, 1024,
              "Store partitions that outlets share out", G::Store, "Partitions", true },
    Setting { "concurrency", "-concurrency", nullptr, K::Int, &Config::concurrency, 0, 256,
              "Parser threads; 0 means one per core", G::Receiver, "Parser threads", true },
    Setting { "buffer", "-buffer", nullptr, K::Int, &Config::buffer, 1, 1000000,
              "Request bodies the inbox holds", G::Receiver, "Inbox bodies", true },
    Setting { "inbox-bytes", "--inbox-bytes", nullptr, K::Bytes, &Config::inboxBytes, kKiB,
              1024 * kGiB, "Bytes the inbox holds; at least --max-body", G::Receiver, "Inbox bytes",
              true },
    Setting { "max-body", "--max-body", nullptr, K::Bytes, &Config::maxBodyBytes, kKiB, kGiB,
              "Largest request body; larger ones get 413", G::Receiver, "Largest body", true },
    Setting { "max-connections", "--max-connections", nullptr, K::Int, &Config::maxConnections, 1,
              1000000,
              "Open HTTP connections at most; past it, the longest-silent one is closed or "
              "the new one gets 503",
              G::Receiver, "Connections", true },
    Setting { "max-buffered", "--max-buffered", nullptr, K::Bytes, &Config::maxBufferedBytes, kKiB,
              1024 * kGiB,
              "Memory for requests being received, all connections together (each "
              "request byte counts twice); past it, 503; at least 2 x (--max-body + 128K)",
              G::Receiver, "Receive memory", true },
    Setting { "recv-deadline", "-recv-deadline", nullptr, K::Int, &Config::recvDeadline, 1, 1000,
              "Resolutions after which late (or early) data is dropped", G::Receiver,
              "Late / early after", true },
    Setting { "router-status", "--router-status", "ROUTER_STATUS", K::Bool, &Config::routerStatus,
              0, 0,
              "Count Heroku router lines by status class (router.status.2xx ...); router.error.Hxx "
              "and heroku.error.Rxx are counted either way",
              G::Receiver, "Router status counters", true },
    Setting { "max-series", "--max-series", "MAX_SERIES", K::Int, &Config::maxSeries, 0, 10000000,
              "New metric series (name, source, units, type) each drain may start per window; "
              "lines for more are dropped and counted (series_dropped); 0 = no limit",
              G::Receiver, "Series per drain and window", true },
    Setting { "outbox", "--outbox", nullptr, K::Int, &Config::outboxFlushes, 1, 10000,
              "Flushes held while the store is unreachable", G::Store, "Outbox", true },
    Setting { "max-buckets", "--max-buckets", "MAX_BUCKETS", K::Int, &Config::maxBuckets, 1000,
              100000000,
              "Buckets this process holds in memory (register, memory store, outbox) at most; "
              "at the budget /logs answers 503 and /health says why",
              G::Store, "Bucket budget", true },
    Setting { "redis-url", "--redis-url", "REDIS_URL", K::RedisUrl, &Config::redisUrl, 0, 0,
              "redis://[user[:password]@]host[:port][/db], rediss:// for TLS; unset keeps "
              "buckets in memory",
              G::Store, "Redis URL", true },
    Setting { "redis-ca", "--redis-ca", "REDIS_CA", K::Text, &Config::redisCa, 0, 0,
              "PEM file of the CA certificates that may sign a rediss:// server's certificate "
              "(default: the system's CA store)",
              G::Store, "Redis CA file", true },
    Setting { "redis-tls-verify", "--redis-tls-verify", "REDIS_TLS_VERIFY", K::Bool,
              &Config::redisTlsVerify, 0, 0,
              "Check a rediss:// server's certificate and host name; off for a self-signed "
              "certificate (Heroku Redis), logged as a warning",
              G::Store, "Verify Redis TLS certificate", true },
    Setting { "outlet-retry", "-outlet-retry", nullptr, K::Int, &Config::outletRetry, 0, 20,
              "Delivery attempts after the first", G::Outlet, "Retries", true },
    Setting { "outlet-ttl", "-outlet-ttl", nullptr, K::Duration, &Config::outletTtlMs, 100,
              10 * kMinuteMs, "Timeout of each Librato request", G::Outlet, "Request timeout",
              true },
    Setting { "librato-url", "--librato-url", nullptr, K::HttpUrl, &Config::libratoUrl, 0, 0,
              "Librato API base URL", G::Outlet, "Librato URL", true },
    Setting { "percentiles", "--percentiles", "PERCENTILES", K::Percentiles, &Config::percentiles,
              0, 0,
              "Percentiles of each measurement, comma-separated (0 < p < 100, at most two "
              "decimals, at most 10): 50 is NAME.median, 99.9 NAME.perc99_9",
              G::Outlet, "Percentiles", true },
    Setting { "preview", "--preview", nullptr, K::Bool, &Config::preview, 0, 0,
              "Build the Librato payloads but send nothing", G::Outlet,
              "Preview: build payloads, send nothing", true },
    Setting { "stdin", "--stdin", nullptr, K::Bool, &Config::readStdin, 0, 0,
              "Read log lines from standard input (headless: at its end, deliver and exit)",
              G::LocalSources, "Read standard input", false },
    Setting { "tail", "--tail", nullptr, K::Paths, &Config::tailFiles, 0, 0,
              "Follow a log file like tail -F (rotation, truncation, not there yet); repeatable",
              G::LocalSources, "Followed files", true },
    Setting { "from-start", "--from-start", nullptr, K::Bool, &Config::fromStart, 0, 0,
              "Read followed files from their start, not their end", G::LocalSources,
              "Read followed files from their start", true },
    Setting { "heroku-app", "--heroku-app", nullptr, K::Words, &Config::herokuApps, 0, 0,
              "Run heroku logs --tail --app APP (restarted when it exits); repeatable",
              G::LocalSources, "Heroku apps", true },
    Setting { "syslog", "--syslog", nullptr, K::HostPort, &Config::syslogAddress, 0, 0,
              "Listen for syslog on HOST:PORT, TCP and UDP (RFC 5424 and 3164)", G::LocalSources,
              "Syslog address", true },
    Setting { "local-resolution", "--local-resolution", nullptr, K::Resolution,
              &Config::localResolution, 1, 3600, "Window of the lines of local sources, in seconds",
              G::LocalSources, "Local resolution", true },
    Setting { "librato-user", "--librato-user", "LIBRATO_USER", K::Text, &Config::libratoUser, 0, 0,
              "Librato user of local sources' metrics (with --librato-token)", G::LocalSources,
              "Librato user", true },
    Setting { "librato-token", "--librato-token", "LIBRATO_TOKEN", K::SecretText,
              &Config::libratoToken, 0, 0,
              "Librato API token of local sources' metrics; without credentials, local sources "
              "are previewed only",
              G::LocalSources, "Librato token", true },
    Setting {
        "drain-token", "--drain-token", nullptr, K::SecretText, &Config::drainToken, 0, 0,
        "Credentials of local sources as a drain token (instead of --librato-user/--librato-token)",
        G::LocalSources, "Drain token", true },
    Setting { "preview-out", "--preview-out", nullptr, K::Text, &Config::previewOut, 0, 0,
              "Headless --preview: write each payload as a JSON line to this file (default stdout)",
              G::Outlet, "Preview file", false },
    Setting { "secrets", "--secrets", "SECRETS", K::Secrets, &Config::secrets, 0, 0,
              "Fernet keys key1:key2:...; the first signs drain tokens, all verify. When none is "
              "set, one is generated and kept in the config file",
              G::Process, "Secrets", true },
    Setting { "metchan-url", "--metchan-url", "METCHAN_URL", K::OptionalHttpUrl,
              &Config::metchanUrl, 0, 0, "Where l2met posts its own metrics (Librato URL)",
              G::Process, "Own metrics URL", true },
    Setting { "verbose", "-v", nullptr, K::Bool, &Config::verbose, 0, 0, "Verbose logging",
              G::Process, "Verbose logging", true },
};

QString rangeReason(const Setting &s, qint64 value)
{
    if (value >= s.min && value <= s.max)
        return {};
    return QStringLiteral("must be between %1 and %2")
        .arg(ValueParse::formatNumber(s.kind, s.min), ValueParse::formatNumber(s.kind, s.max));
}

QString numberReason(const Setting &s, qint64 value)
{
    QString reason = rangeReason(s, value);
    if (reason.isEmpty() && s.kind == K::Resolution && 3600 % value != 0)
        reason = QStringLiteral("must divide 3600");
    return reason;
}

} // namespace

QString Setting::flagName() const
{
    return flagText().remove(0, flag[1] == '-' ? 2 : 1);
}

QStringList Setting::optionNames() const
{
    QStringList names { flagName() };
    if (names.constFirst() != keyName())
        names.append(keyName());
    return names;
}

bool Setting::mayHoldCredentials() const
{
    return isSecret() || kind == K::RedisUrl || kind == K::OptionalHttpUrl;
}

bool Setting::isNumber() const
{
    return kind == K::Int || kind == K::Duration || kind == K::Bytes || kind == K::Resolution;
}

std::span<const Setting> Settings::table()
{
    return kTable;
}

const Setting *Settings::forKey(QStringView key)
{
    for (const Setting &s : kTable) {
        if (key == QLatin1String(s.key))
            return &s;
    }
    return nullptr;
}

const Setting *Settings::forOption(QStringView name)
{
    for (const Setting &s : kTable) {
        if (s.optionNames().contains(name))
            return &s;
    }
    return nullptr;
}

const Setting &Settings::get(const char *key)
{
    const Setting *s = forKey(QString::fromLatin1(key));
    Q_ASSERT(s);
    return *s;
}

QString Settings::groupTitle(SettingGroup group)
{
    switch (group) {
    case G::Receiver:
        return u"Receiver"_s;
    case G::Store:
        return u"Register and store"_s;
    case G::Outlet:
        return u"Outlet"_s;
    case G::LocalSources:
        return u"Local sources"_s;
    case G::Process:
        return u"Secrets and process"_s;
    }
    return {};
}

QString Settings::assign(const Setting &s, const QString &rawText, Config &c)
{
    const QString text = rawText.trimmed();
    QString reason;
    std::optional<qint64> value;
    switch (s.kind) {
    case K::Bool: {
        const std::optional<bool> on = ValueParse::parseBool(text);
        if (!on)
            return QStringLiteral("expected true or false");
        c.*std::get<bool Config::*>(s.field) = *on;
        return {};
    }
    case K::Secrets: {
        const QByteArray keys = text.toUtf8();
        if (!Fernet::parseKeys(keys, &reason))
            return reason;
        c.*std::get<QByteArray Config::*>(s.field) = keys;
        return {};
    }
    case K::SecretText:
        c.*std::get<QByteArray Config::*>(s.field) = text.toUtf8();
        return {};
    case K::Paths:
    case K::Words:
        c.*std::get<QStringList Config::*>(s.field) = ValueParse::splitList(s.kind, text);
        return {};
    case K::Int:
    case K::Resolution:
        value = ValueParse::parseInteger(text);
        reason = QStringLiteral("expected an integer");
        break;
    case K::Duration:
        value = ValueParse::parseDurationMs(text, &reason);
        break;
    case K::Bytes:
        value = ValueParse::parseBytes(text);
        reason = QStringLiteral("expected a byte count such as 8388608, 64K, 8M or 1G");
        break;
    default:
        reason = ValueParse::textReason(s.kind, text);
        if (reason.isEmpty())
            c.*std::get<QString Config::*>(s.field) = text;
        return reason;
    }
    if (!value)
        return reason;
    if (reason = numberReason(s, *value); !reason.isEmpty())
        return reason;
    if (s.kind == K::Bytes)
        c.*std::get<qint64 Config::*>(s.field) = *value;
    else
        c.*std::get<int Config::*>(s.field) = int(*value);
    return {};
}

qint64 Settings::number(const Setting &s, const Config &c)
{
    Q_ASSERT(s.isNumber());
    if (s.kind == K::Bytes)
        return c.*std::get<qint64 Config::*>(s.field);
    return c.*std::get<int Config::*>(s.field);
}

QString Settings::text(const Setting &s, const Config &c)
{
    switch (s.kind) {
    case K::Bool:
        return c.*std::get<bool Config::*>(s.field) ? u"true"_s : u"false"_s;
    case K::Int:
    case K::Duration:
    case K::Bytes:
    case K::Resolution:
        return ValueParse::formatNumber(s.kind, number(s, c));
    case K::Secrets:
    case K::SecretText:
        return QString::fromUtf8(c.*std::get<QByteArray Config::*>(s.field));
    case K::Paths:
    case K::Words:
        return ValueParse::joinList(s.kind, c.*std::get<QStringList Config::*>(s.field));
    default:
        return c.*std::get<QString Config::*>(s.field);
    }
}

QString Settings::check(const Setting &s, const Config &c)
{
    QString reason;
    switch (s.kind) {
    case K::Bool:
    case K::SecretText:
    case K::Paths:
    case K::Words:
        return {};
    case K::Int:
    case K::Duration:
    case K::Bytes:
    case K::Resolution:
        return numberReason(s, number(s, c));
    case K::Secrets: {
        const QByteArray &keys = c.*std::get<QByteArray Config::*>(s.field);
        if (!keys.isEmpty())
            Fernet::parseKeys(keys, &reason);
        return reason;
    }
    default:
        return ValueParse::textReason(s.kind, c.*std::get<QString Config::*>(s.field));
    }
}

} // namespace l2met
