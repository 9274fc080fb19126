// ConfigText: durations ("250ms", "1.5s", "2m", a bare number meaning
// seconds) and byte counts ("8388608", "64K", "8M", "1G") as the config file
// and the flags spell them, for the Configuration form's text fields: thin
// wrappers of ConfigLoader's (blanks around the text are ignored), so a value
// the form writes reads back equal.
//
// Static functions; thread-safe.
#pragma once

#include <QString>

#include <optional>

namespace l2met {

class ConfigText
{
public:
    static QString formatDuration(qint64 ms);
    // Milliseconds; nullopt unless a whole number of milliseconds.
    static std::optional<qint64> parseDuration(QStringView text);

    static QString formatBytes(qint64 bytes);
    static std::optional<qint64> parseBytes(QStringView text);
};

} // namespace l2met
