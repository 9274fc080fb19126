// HelpText: l2met --help. One row per setting of Settings::table() (its
// flag, its key when that differs, its value's name, its help sentence,
// its default and its environment variable), then the process's own
// options (CommandLine::processOptions()), wrapped at 80 columns with the
// descriptions in a column of their own. packaging/check-package.sh holds
// the man page to these rows.
//
// Static functions, no state; thread-safe.
#pragma once

#include <QString>

namespace l2met {

struct Setting;

class HelpText
{
public:
    // The whole text, without a final newline.
    static QString text();
    // What a setting's value is called in --help: "<duration>", "<port>".
    static QString valueName(const Setting &s);
};

} // namespace l2met
