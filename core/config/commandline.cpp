#include "config/commandline.h"

#include "config/helptext.h"
#include "config/safetext.h"
#include "config/settings.h"

#include <QCommandLineParser>

#include <algorithm>
#include <array>

namespace l2met {

using namespace Qt::StringLiterals;

namespace {

const std::array kProcessOptions {
    ProcessOption { "--no-gui", nullptr, nullptr, "Run headless, without the window" },
    ProcessOption { "--config", nullptr, "file", "INI config file (default %1)" },
    ProcessOption { "--sign", nullptr, "user:token",
                    "Print a drain token for a Librato user and API token, then exit" },
    ProcessOption { "-version", nullptr, nullptr, "Print the version and exit" },
    ProcessOption { "-h", "--help", nullptr, "Print this help and exit" },
};

QString withoutDashes(const char *flag)
{
    return QString::fromLatin1(flag).remove(0, flag[1] == '-' ? 2 : 1);
}

QCommandLineOption commandLineOption(const ProcessOption &o)
{
    QStringList names { withoutDashes(o.flag) };
    if (o.alias)
        names.append(withoutDashes(o.alias));
    return o.valueName ? QCommandLineOption(names, QString(), QString::fromLatin1(o.valueName))
                       : QCommandLineOption(names);
}

bool isValueOption(QStringView name)
{
    return std::any_of(
        kProcessOptions.cbegin(), kProcessOptions.cend(),
        [name](const ProcessOption &o) { return o.valueName && name == withoutDashes(o.flag); });
}

// Takes the -switch=VALUE arguments out, in order; the rest goes to rest.
void takeSwitchValues(const QStringList &arguments, QStringList *rest,
                      QList<std::pair<const Setting *, QString>> *values)
{
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
        const Setting *s = Settings::forOption(name.left(equals));
        if (s && s->kind == SettingKind::Bool && equals >= 0) {
            values->append({ s, name.mid(equals + 1) });
            continue;
        }
        rest->append(argument);
        const bool takesValue = (s && s->kind != SettingKind::Bool) || isValueOption(name);
        if (takesValue && equals < 0 && i + 1 < arguments.size())
            rest->append(arguments[++i]);
    }
}

} // namespace

std::span<const ProcessOption> CommandLine::processOptions()
{
    return kProcessOptions;
}

CommandLine CommandLine::parse(const QStringList &arguments)
{
    CommandLine out;
    QStringList args;
    takeSwitchValues(arguments, &args, &out.switchValues);

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const Setting &s : Settings::table()) {
        const QString help = QString::fromLatin1(s.help);
        parser.addOption(s.kind == SettingKind::Bool
                             ? QCommandLineOption(s.optionNames(), help)
                             : QCommandLineOption(s.optionNames(), help, HelpText::valueName(s)));
    }
    QList<QCommandLineOption> own;
    for (const ProcessOption &o : kProcessOptions)
        own.append(commandLineOption(o));
    parser.addOptions(own);
    const QCommandLineOption &noGui = own[0];
    const QCommandLineOption &configOption = own[1];
    const QCommandLineOption &signOption = own[2];
    const QCommandLineOption &versionOption = own[3];
    const QCommandLineOption &helpOption = own[4];

    if (!parser.parse(args)) {
        QString error = parser.errorText();
        const QStringList unknown = parser.unknownOptionNames();
        if (std::any_of(unknown.cbegin(), unknown.cend(), SafeText::mayBeSecret)) {
            QStringList shown;
            for (const QString &name : unknown)
                shown << (SafeText::mayBeSecret(name) ? SafeText::quotedUnlessLong(name) : name);
            error = QStringLiteral("Unknown option%1 %2")
                        .arg(unknown.size() > 1 ? u"s:"_s : QString(), shown.join(u", "_s));
        }
        if (error.endsWith(u'.'))
            error.chop(1);
        out.error = error + QStringLiteral(" (see --help)");
        return out;
    }
    if (parser.isSet(helpOption)) {
        out.help = true;
        return out;
    }
    if (parser.isSet(versionOption)) {
        out.version = true;
        return out;
    }
    // `-- CMD ARGS...`: a command to run as a local source. Anything else
    // positional is a mistake.
    const qsizetype dashes = arguments.indexOf(u"--"_s, 1);
    out.command = dashes < 0 ? QStringList() : arguments.mid(dashes + 1);
    if (parser.positionalArguments() != out.command) {
        out.error = QStringLiteral("unexpected argument %1 (flags start with - or --; a command to "
                                   "run goes after --; see --help)")
                        .arg(SafeText::quotedUnlessLong(parser.positionalArguments().constFirst()));
        return out;
    }
    if (dashes >= 0 && out.command.isEmpty()) {
        out.error = u"nothing after --: expected a command to run, such as -- heroku local web"_s;
        return out;
    }
    if (parser.isSet(signOption)) {
        // USER:TOKEN holds an API token: never shown, not even when wrong.
        const QByteArray sign = parser.value(signOption).toUtf8();
        const qsizetype colon = sign.indexOf(':');
        if (colon <= 0 || colon == sign.size() - 1) {
            out.error = u"invalid --sign: expected USER:TOKEN, a Librato user and API token"_s;
            return out;
        }
        out.signRequest = sign;
    }
    if (parser.isSet(configOption))
        out.configFile = parser.value(configOption);
    out.noGui = parser.isSet(noGui);

    for (const Setting &s : Settings::table()) {
        const QString name = s.optionNames().constFirst();
        if (!parser.isSet(name))
            continue;
        QStringList values;
        if (s.isList()) {
            values = parser.values(name);
            values.removeAll(QString());
        } else {
            values = { s.kind == SettingKind::Bool ? u"true"_s : parser.value(name) };
        }
        out.flags.append({ &s, values });
    }
    return out;
}

} // namespace l2met
