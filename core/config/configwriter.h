// ConfigWriter: writes the config file (the format of inifile.h). The file
// never exists with wider permissions than 0600, not even for a moment: it
// is written to a temporary file created 0600 in the same directory,
// fsync'ed and renamed over the old one. A directory it creates is 0700. A
// symbolic link at the path is followed (dotfiles kept elsewhere stay
// links). Writers of one file, also across processes, are serialised by a
// QLockFile next to it ("PATH.lock", given up after 5 s).
//
// Static functions, no state; thread-safe.
#pragma once

#include <QByteArray>
#include <QString>

namespace l2met {

struct Config;

class ConfigWriter
{
public:
    // Writes every setting of the table with its help as a comment (not
    // configFile, noGui or the command). Comments and unknown content of an
    // existing file are not kept. False and *error (may be null) when a
    // value cannot be written (a line break, a control character, blanks
    // around it) or I/O fails.
    static bool save(const Config &c, const QString &path, QString *error);

    // No secret is configured anywhere: under the lock, reuse one that
    // another process stored in the file meanwhile, or generate a Fernet key
    // and add `secrets = KEY` to the file's [l2met] section, keeping the rest
    // of the file (comments included) as it is. Empty, with *secrets set
    // (and *generated when it is new), or the error, which never holds a
    // secret and tells to set SECRETS or --secrets.
    static QString provideSecret(const QString &path, QByteArray *secrets, bool *generated);
};

} // namespace l2met
