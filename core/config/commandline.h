// CommandLine: what l2met's arguments ask for, before anything is read or
// checked. Every setting of Settings::table() is a flag under its flag name
// and its key, with one or two dashes, its value after a space or '='
// (-port 8080, --port=8080); switches also take Go's -flag=false. List
// settings repeat. Beside them are the process's own options
// (processOptions(): --no-gui, --config, --sign, -version, --help) and
// `-- CMD ARGS...`, a command to run as a local source.
//
// Values are not parsed here: ConfigLoader applies them over the file and
// the environment, so that its messages name the flag. Errors are one line
// and never quote a secret.
//
// Value type; parse() is safe from any thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <span>
#include <utility>

namespace l2met {

struct Setting;

// An option of the process, not of the settings table.
struct ProcessOption
{
    const char *flag; // as --help spells it: "--config", "-h"
    const char *alias; // "--help" for -h; nullptr
    const char *valueName; // "file"; nullptr for a switch
    const char *help; // "%1" stands for the default config file
};

struct CommandLine
{
    struct FlagValue
    {
        const Setting *setting;
        // A list setting: every value given, in order, empty ones dropped.
        // Any other: the last value ("true" for a switch given bare).
        QStringList values;
    };

    // --no-gui, --config, --sign, -version and -h/--help, in --help's order.
    static std::span<const ProcessOption> processOptions();
    // arguments includes argv[0].
    static CommandLine parse(const QStringList &arguments);

    // The first problem, one line ending "see --help" where that helps;
    // empty when the arguments are well formed.
    QString error;
    bool help = false; // wins over everything but a malformed line
    bool version = false;
    bool noGui = false;
    QStringList command; // after `--`
    QByteArray signRequest; // --sign USER:TOKEN, checked to hold both
    std::optional<QString> configFile; // --config as given (ConfigLoader checks it)
    // Settings given as flags, in table order.
    QList<FlagValue> flags;
    // -switch=VALUE, in order; applied after flags (Go's flag package takes
    // them, QCommandLineParser has no optional values).
    QList<std::pair<const Setting *, QString>> switchValues;
};

} // namespace l2met
