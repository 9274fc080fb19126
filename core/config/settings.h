// Settings: the one table of l2met's settings (docs/behaviour.md section 7). Each row
// says everything the program knows about a setting: its file key (which
// is also its long flag), how --help and messages spell the flag, its
// environment variable, its kind, where it lives in Config (whose member
// initialisers are the defaults), its range, its help sentence, and where
// the Configuration window shows it. Every reader and writer iterates this
// table: the command line (commandline.h), --help (helptext.h), the config
// file (inifile.h, configwriter.h), validation (configloader.h), the
// window's form (ui/configform.h) and the tests that hold the man page to
// it. A setting added here is accepted, documented, saved and shown
// everywhere at once.
//
// Settings outside the table are the process's own options (--config,
// --no-gui, --sign, -version, --help: commandline.h) and the command after
// `--`.
//
// The table is immutable; all functions are thread-safe.
#pragma once

#include "config/config.h"
#include "config/valueparse.h"

#include <QString>
#include <QStringList>
#include <QStringView>

#include <span>
#include <variant>

namespace l2met {

// Where the Configuration form shows a setting (boxes in this order).
enum class SettingGroup {
    Receiver,
    Store,
    Outlet,
    LocalSources,
    Process,
};

using SettingField = std::variant<bool Config::*, int Config::*, qint64 Config::*,
                                  QString Config::*, QByteArray Config::*, QStringList Config::*>;

struct Setting
{
    const char *key; // file key and long flag name: "flush-interval"
    const char *flag; // in --help and messages; l2met's own flags keep their single dash
    const char *env; // environment variable; nullptr when there is none
    SettingKind kind;
    SettingField field; // its member of Config; Config() holds the default
    qint64 min; // range of Int, Duration (ms), Bytes and Resolution; 0, 0 otherwise
    qint64 max;
    const char *help; // one sentence: --help, the saved file, the form's tooltip
    SettingGroup group;
    const char *label; // the form's label: "Flush interval"
    bool inForm; // the Configuration form has a field for it

    QString keyName() const { return QString::fromLatin1(key); }
    QString flagText() const { return QString::fromLatin1(flag); }
    // The flag without its dashes ("v" for -v).
    QString flagName() const;
    // What QCommandLineParser matches: the flag name, and the key when it differs.
    QStringList optionNames() const;
    // A value never shown nor logged, not even a wrong one.
    bool isSecret() const
    {
        return kind == SettingKind::Secrets || kind == SettingKind::SecretText;
    }
    // May hold credentials: secrets, tokens, URLs with a password.
    bool mayHoldCredentials() const;
    bool isList() const { return kind == SettingKind::Paths || kind == SettingKind::Words; }
    bool isNumber() const;
};

class Settings
{
public:
    // Every setting, in the order of --help and of the saved file.
    static std::span<const Setting> table();
    static const Setting *forKey(QStringView key);
    // By a command-line name without dashes: the flag name or the key.
    static const Setting *forOption(QStringView name);
    // The row for key; key must be in the table.
    static const Setting &get(const char *key);
    static QString groupTitle(SettingGroup group);

    // Parses text (trimmed first) as s's value into c: empty, or the reason
    // it is invalid (never repeating the text). Ranges are checked.
    static QString assign(const Setting &s, const QString &text, Config &c);
    // s's value in c as the config file spells it ("2s", "64M", "a | b").
    static QString text(const Setting &s, const Config &c);
    // The default, spelled the same way.
    static QString defaultText(const Setting &s) { return text(s, Config()); }
    // s's value in c checked as assign() checks text: empty when valid.
    // Empty secrets are valid (load() generates a key).
    static QString check(const Setting &s, const Config &c);
    // The value of a number kind (Int, Duration, Bytes, Resolution).
    static qint64 number(const Setting &s, const Config &c);
};

} // namespace l2met
