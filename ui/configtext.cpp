#include "configtext.h"

#include "config/configloader.h"

namespace l2met {

// One spelling for the form, the flags and the file: ConfigLoader's.

QString ConfigText::formatDuration(qint64 ms)
{
    return ConfigLoader::formatDuration(ms);
}

std::optional<qint64> ConfigText::parseDuration(QStringView text)
{
    return ConfigLoader::parseDurationMs(text.trimmed());
}

QString ConfigText::formatBytes(qint64 bytes)
{
    return ConfigLoader::formatBytes(bytes);
}

std::optional<qint64> ConfigText::parseBytes(QStringView text)
{
    return ConfigLoader::parseBytes(text.trimmed());
}

} // namespace l2met
