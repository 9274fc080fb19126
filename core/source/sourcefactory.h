// makeSource: the one place that turns a SourceSpec (what the command line,
// the config file or the window asked for) into a running Source of the
// right kind. joinCommandLine/splitCommandLine: a command's argument list as
// one shell-quoted line (how SourceSpec::target keeps it) and back.
//
// Stateless; thread-safe.
#pragma once

#include "source/source.h"
#include "source/sourcestatus.h"

#include <QStringList>

#include <memory>

namespace l2met {

// nullptr and *error (one line) when the spec cannot make a source (an
// empty command, a file name missing, a bad HOST:PORT). stdinTaken: a stdin
// source reads l2met's standard input, so a command must not get it too.
std::unique_ptr<Source> makeSource(const SourceSpec &spec, const Source::Context &context,
                                   bool stdinTaken, QString *error);

QString joinCommandLine(const QStringList &arguments);
QStringList splitCommandLine(const QString &line);

} // namespace l2met
