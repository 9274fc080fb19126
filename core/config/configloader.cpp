#include "config/configloader.h"

#include "config/commandline.h"
#include "config/configwriter.h"
#include "config/helptext.h"
#include "config/inifile.h"
#include "config/safetext.h"
#include "config/settings.h"
#include "config/valueparse.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QStandardPaths>

#ifndef L2MET_VERSION
#define L2MET_VERSION "unknown"
#endif

namespace l2met {

using namespace Qt::StringLiterals;

namespace {

constexpr QFileDevice::Permissions kOthersMayRead = QFileDevice::ReadGroup | QFileDevice::WriteGroup
    | QFileDevice::ReadOther | QFileDevice::WriteOther;

using Origins = QHash<QString, SettingOrigin>;

// The rules between settings; the message names where the setting came from.
QString checkBetweenSettings(const Config &c, const Origins &origins)
{
    const auto originOf = [&origins](const QString &key) {
        return origins.value(key, { u"--"_s + key, QString() });
    };
    if (c.inboxBytes < c.maxBodyBytes) {
        return SafeText::invalid(originOf(u"inbox-bytes"_s), Settings::get("inbox-bytes"),
                                 ValueParse::formatBytes(c.inboxBytes),
                                 QStringLiteral("must be at least --max-body (%1)")
                                     .arg(ValueParse::formatBytes(c.maxBodyBytes)));
    }
    // One request of the largest size, with a large head, must fit (its
    // bytes count twice, see ConnectionGuard).
    if (c.maxBufferedBytes < 2 * (c.maxBodyBytes + (128 << 10))) {
        return SafeText::invalid(originOf(u"max-buffered"_s), Settings::get("max-buffered"),
                                 ValueParse::formatBytes(c.maxBufferedBytes),
                                 QStringLiteral("must be at least 2 x (--max-body (%1) + 128K)")
                                     .arg(ValueParse::formatBytes(c.maxBodyBytes)));
    }
    return {};
}

QString roleWarning(const Config &c)
{
    if (!c.redisUrl.isEmpty() || c.runsReceiver() == c.runsOutlet())
        return {};
    return c.receiver
        ? u"-receiver without --redis-url: buckets stay in this process and no outlet reads them"_s
        : u"-outlet without --redis-url: the memory store is empty, nothing will be delivered"_s;
}

// The environment's variables over c (an empty one counts as unset).
QString applyEnvironment(const QProcessEnvironment &env, Config &c, Origins &origins)
{
    for (const Setting &s : Settings::table()) {
        const QString value = s.env ? env.value(QString::fromLatin1(s.env)) : QString();
        if (value.trimmed().isEmpty())
            continue;
        const SettingOrigin origin { QString::fromLatin1(s.env), QString() };
        if (const QString reason = Settings::assign(s, value, c); !reason.isEmpty())
            return SafeText::invalid(origin, s, value, reason);
        origins.insert(s.keyName(), origin);
    }
    return {};
}

// The command line's settings over c: flags in table order, then the
// switches given a value.
QString applyFlags(const CommandLine &line, Config &c, Origins &origins)
{
    for (const CommandLine::FlagValue &flag : line.flags) {
        const Setting &s = *flag.setting;
        const SettingOrigin origin { s.flagText(), QString() };
        if (s.isList()) {
            // Repeatable: every occurrence adds to the list (the file's list
            // is replaced, as any flag replaces the file's value).
            c.*std::get<QStringList Config::*>(s.field) = flag.values;
            origins.insert(s.keyName(), origin);
            continue;
        }
        const QString &value = flag.values.constFirst();
        if (const QString reason = Settings::assign(s, value, c); !reason.isEmpty())
            return SafeText::invalid(origin, s, value, reason);
        origins.insert(s.keyName(), origin);
    }
    for (const auto &[s, value] : line.switchValues) {
        if (const QString reason = Settings::assign(*s, value, c); !reason.isEmpty())
            return SafeText::invalid({ s->flagText(), QString() }, *s, value, reason);
    }
    return {};
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

    const CommandLine line = CommandLine::parse(arguments);
    result.signRequest = line.signRequest;
    if (!line.error.isEmpty())
        return fail(line.error);
    if (line.help) {
        result.exitNow = true;
        result.output = HelpText::text();
        return result;
    }
    if (line.version) {
        result.exitNow = true;
        result.output = QStringLiteral("l2met " L2MET_VERSION);
        return result;
    }

    Config c;
    result.configPath = defaultPath();
    if (line.configFile) {
        if (line.configFile->isEmpty())
            return fail(u"invalid --config \"\": expected a file name"_s);
        result.configPath = QFileInfo(*line.configFile).absoluteFilePath();
        c.configFile = result.configPath;
    }

    // Lowest precedence first: file, environment, flags.
    Origins origins;
    const IniFile file = IniFile::read(result.configPath);
    if (!file.error().isEmpty())
        return fail(file.error());
    if (const QString error = file.applyTo(c, &origins); !error.isEmpty())
        return fail(error);
    if (const QString error = applyEnvironment(env, c, origins); !error.isEmpty())
        return fail(error);
    if (const QString error = applyFlags(line, c, origins); !error.isEmpty())
        return fail(error);
    c.noGui = line.noGui;
    c.command = line.command;

    if (const QString error = checkBetweenSettings(c, origins); !error.isEmpty())
        return fail(error);

    if (const QString warning = roleWarning(c); !warning.isEmpty())
        result.warnings.append(warning);
    if (file.holdsCredentials() && (QFile::permissions(result.configPath) & kOthersMayRead)) {
        result.warnings.append(
            QStringLiteral("config file %1 holds credentials and other users may read it: "
                           "chmod 600 it")
                .arg(result.configPath));
    }

    if (c.secrets.isEmpty()) {
        if (const QString error
            = ConfigWriter::provideSecret(result.configPath, &c.secrets, &result.generatedSecret);
            !error.isEmpty()) {
            return fail(error);
        }
    }
    result.config = c;
    return result;
}

QString ConfigLoader::validate(const Config &c)
{
    for (const Setting &s : Settings::table()) {
        const QString reason = Settings::check(s, c);
        if (!reason.isEmpty())
            return SafeText::invalid({ s.flagText(), QString() }, s, Settings::text(s, c), reason);
    }
    return checkBetweenSettings(c, {});
}

bool ConfigLoader::save(const Config &c, const QString &path, QString *error)
{
    return ConfigWriter::save(c, path, error);
}

std::optional<Config> ConfigLoader::readFile(const QString &path, QString *error)
{
    const IniFile file = IniFile::read(path);
    Config c;
    QString reason = file.error();
    if (reason.isEmpty())
        reason = file.applyTo(c);
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
    return ValueParse::parseDurationMs(text, reason ? reason : &ignored);
}

QString ConfigLoader::formatDuration(qint64 ms)
{
    return ValueParse::formatDuration(ms);
}

std::optional<qint64> ConfigLoader::parseBytes(QStringView text)
{
    return ValueParse::parseBytes(text);
}

QString ConfigLoader::formatBytes(qint64 bytes)
{
    return ValueParse::formatBytes(bytes);
}

} // namespace l2met
