#include "source/sourcefactory.h"

#include "source/commandsource.h"
#include "source/filetailsource.h"
#include "source/herokusource.h"
#include "source/stdinsource.h"
#include "source/syslogsource.h"

#include <QProcess>
#include <QRegularExpression>

namespace l2met {

QString joinCommandLine(const QStringList &arguments)
{
    static const QRegularExpression kPlain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    QStringList quoted;
    for (const QString &argument : arguments) {
        if (!argument.isEmpty() && kPlain.match(argument).hasMatch()) {
            quoted << argument;
        } else {
            // QProcess::splitCommand understands double quotes, with a
            // doubled quote for a literal one.
            QString escaped = argument;
            escaped.replace(u'"', QStringLiteral("\"\"\""));
            quoted << u'"' + escaped + u'"';
        }
    }
    return quoted.join(u' ');
}

QStringList splitCommandLine(const QString &line)
{
    return QProcess::splitCommand(line);
}

std::unique_ptr<Source> makeSource(const SourceSpec &spec, const Source::Context &context,
                                   bool stdinTaken, QString *error)
{
    switch (spec.kind) {
    case SourceKind::Stdin:
        return std::make_unique<StdinSource>(context);
    case SourceKind::Command: {
        const QStringList arguments = splitCommandLine(spec.target);
        if (arguments.isEmpty()) {
            *error = QStringLiteral("a command source needs a command to run");
            return nullptr;
        }
        CommandSource::Options options;
        options.program = arguments.constFirst();
        options.arguments = arguments.mid(1);
        options.forwardInput = !stdinTaken;
        return std::make_unique<CommandSource>(context, options);
    }
    case SourceKind::File:
        if (spec.target.isEmpty()) {
            *error = QStringLiteral("a file source needs a file name");
            return nullptr;
        }
        {
            FileTailSource::Options options;
            options.path = spec.target;
            options.fromStart = spec.fromStart;
            return std::make_unique<FileTailSource>(context, options);
        }
    case SourceKind::Heroku:
        if (spec.target.isEmpty() || spec.target.contains(u' ')) {
            *error = QStringLiteral("a Heroku source needs an app name");
            return nullptr;
        }
        {
            HerokuSource::Options options;
            options.app = spec.target;
            return std::make_unique<HerokuSource>(context, options);
        }
    case SourceKind::Syslog:
        return std::make_unique<SyslogSource>(context, spec.target);
    case SourceKind::Drain:
        break;
    }
    *error = QStringLiteral("the drain is not a local source");
    return nullptr;
}

} // namespace l2met
