// ValueParse: how flags, the environment and the config file spell a value,
// by kind: durations (Go's "250ms", "1.5s", "1m30s", a bare number meaning
// seconds), byte counts ("8388608", "64K", "8M", "1G"), switches, integers,
// IP addresses, URLs, HOST:PORT and lists. It knows kinds, not settings:
// Settings (settings.h) applies it to the fields of Config.
//
// Parsers give nullopt, or a reason ("expected a duration such as 500ms or
// 2s") naming the expected form and never repeating the text: the caller
// decides whether the text may be shown (see SafeText).
//
// Static functions, no state; thread-safe.
#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace l2met {

// What a setting's value is: decides its parser, its check, how the file
// and --help spell it, and which field the Configuration form shows.
enum class SettingKind {
    Bool,
    Int,
    Duration, // milliseconds in an int
    Bytes, // a byte count in a qint64
    Address, // an IP address
    HttpUrl,
    OptionalHttpUrl, // an http(s) URL, or empty
    RedisUrl, // RedisUrl::parse's form, or empty
    Secrets, // Fernet keys "key1:key2"; never shown nor logged
    Text, // any text (QString)
    SecretText, // any text (QByteArray), never shown nor logged: an API or drain token
    HostPort, // HOST:PORT, empty = off
    Resolution, // seconds dividing 3600
    Paths, // a list: repeatable flag; in the file, entries separated by " | "
    Words, // a list of names: repeatable flag; in the file, separated by blanks
    Percentiles, // "50,95,99" (a QString): Percentiles::parse's form
};

class ValueParse
{
public:
    // Decimal digits only; saturates at the largest qint64 (a range check
    // then reports it).
    static std::optional<qint64> parseDigits(QStringView text);
    // Digits with an optional sign.
    static std::optional<qint64> parseInteger(QStringView text);
    // true/yes/on/1 and false/no/off/0, any case.
    static std::optional<bool> parseBool(QStringView text);

    // Milliseconds; *reason (never null) says why not, e.g. when the text is
    // not a whole number of milliseconds.
    static std::optional<qint64> parseDurationMs(QStringView text, QString *reason);
    // The shortest exact spelling: "1h", "90s", "1500ms".
    static QString formatDuration(qint64 ms);
    static std::optional<qint64> parseBytes(QStringView text);
    // The shortest exact spelling: "1G", "64M", "1536".
    static QString formatBytes(qint64 bytes);
    // formatDuration, formatBytes or the plain number, by kind.
    static QString formatNumber(SettingKind kind, qint64 value);

    // For the kinds held as text (Address, HttpUrl, OptionalHttpUrl,
    // RedisUrl, Text, HostPort, Percentiles): empty when value is one, else the reason.
    static QString textReason(SettingKind kind, const QString &value);

    // A list (Paths or Words) as the file spells it, and back: entries
    // trimmed, empty ones dropped.
    static QStringList splitList(SettingKind kind, const QString &text);
    static QString joinList(SettingKind kind, const QStringList &list);
};

} // namespace l2met
