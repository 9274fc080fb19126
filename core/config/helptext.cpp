#include "config/helptext.h"

#include "config/commandline.h"
#include "config/configloader.h"
#include "config/settings.h"

#include <QList>
#include <QStringList>

#include <cstring>
#include <utility>

namespace l2met {

using namespace Qt::StringLiterals;

namespace {

constexpr int kHelpWidth = 80;
constexpr int kIndent = 2;
constexpr int kColumn = 30;
// Keeps "env PORT" on one line when the help wraps.
constexpr QChar kNoBreak(0xa0);

const QString kIntroduction = QStringLiteral(
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

using Row = std::pair<QString, QString>; // names, description

Row settingRow(const Setting &s)
{
    QString names = s.flagText();
    if (s.flagName() != s.keyName())
        names += QStringLiteral(", --") + s.keyName();
    if (s.kind != SettingKind::Bool)
        names += u' ' + HelpText::valueName(s);
    QStringList notes;
    const QString value = Settings::defaultText(s);
    if (s.kind != SettingKind::Bool && !s.isSecret() && !value.isEmpty())
        notes.append(QStringLiteral("default") + kNoBreak + value);
    if (s.env)
        notes.append(QStringLiteral("env") + kNoBreak + QString::fromLatin1(s.env));
    QString text = QString::fromLatin1(s.help);
    if (!notes.isEmpty())
        text += QStringLiteral(" (") + notes.join(QStringLiteral("; ")) + u')';
    return { names, text };
}

Row processRow(const ProcessOption &o)
{
    QString names = QString::fromLatin1(o.flag);
    if (o.alias)
        names += QStringLiteral(", ") + QString::fromLatin1(o.alias);
    if (o.valueName)
        names += QStringLiteral(" <") + QString::fromLatin1(o.valueName) + u'>';
    QString text = QString::fromLatin1(o.help);
    if (text.contains(u"%1"))
        text = text.arg(ConfigLoader::defaultPath());
    return { names, text };
}

// The names in the first column (on a line of their own when too long),
// the description wrapped in the second.
QString layout(const Row &row)
{
    const auto &[names, text] = row;
    QString out;
    QString line = QString(kIndent, u' ') + names;
    if (line.size() + 2 > kColumn) {
        out += line + u'\n';
        line.clear();
    }
    line = line.leftJustified(kColumn, u' ');
    bool lineEmpty = true;
    for (const QString &word : text.split(u' ')) {
        if (!lineEmpty && line.size() + 1 + word.size() > kHelpWidth) {
            out += line + u'\n';
            line = QString(kColumn, u' ');
            lineEmpty = true;
        }
        line += (lineEmpty ? QString() : u" "_s) + word;
        lineEmpty = false;
    }
    return out + line + u'\n';
}

} // namespace

QString HelpText::valueName(const Setting &s)
{
    switch (s.kind) {
    case SettingKind::Int:
        return std::strcmp(s.key, "port") == 0 ? u"<port>"_s : u"<n>"_s;
    case SettingKind::Duration:
        return u"<duration>"_s;
    case SettingKind::Bytes:
        return u"<bytes>"_s;
    case SettingKind::Address:
        return u"<address>"_s;
    case SettingKind::Secrets:
        return u"<keys>"_s;
    case SettingKind::Resolution:
        return u"<seconds>"_s;
    case SettingKind::Paths:
        return u"<file>"_s;
    case SettingKind::Words:
        return u"<app>"_s;
    case SettingKind::HostPort:
        return u"<host:port>"_s;
    case SettingKind::SecretText:
        return u"<token>"_s;
    case SettingKind::Percentiles:
        return u"<list>"_s;
    case SettingKind::Text:
        return std::strcmp(s.key, "librato-user") == 0 ? u"<user>"_s : u"<file>"_s;
    default:
        return u"<url>"_s;
    }
}

QString HelpText::text()
{
    QString out = kIntroduction;
    for (const Setting &s : Settings::table())
        out += layout(settingRow(s));
    for (const ProcessOption &o : CommandLine::processOptions())
        out += layout(processRow(o));
    out.chop(1); // the caller prints it as a line
    return out.replace(kNoBreak, u' ');
}

} // namespace l2met
