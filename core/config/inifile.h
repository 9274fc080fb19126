// IniFile: reads l2met's config file. The format is a small one of our
// own, not QSettings, so that values such as Fernet keys with '=' and
// ':'-separated lists round-trip byte for byte:
//
//     # comment (a line starting with '#' or ';')
//     [l2met]
//     port = 8080
//     secrets = key1:key2
//
// Keys are named exactly like the long flags (the keys of Settings::table())
// and live in the [l2met] section, which may appear more than once. A value
// is the rest of the line after the first '=', trimmed of surrounding
// blanks, taken literally (no quoting, no escapes, no inline comments). An
// unknown key or section, a duplicate key or a line without '=' is an error
// naming the file and line (a key close to a known one gets a "did you
// mean"). UTF-8, with or without a byte order mark, LF or CRLF.
//
// ConfigWriter writes the format. Value type; read() is safe from any
// thread (writers of one file hold its lock, see configwriter.h).
#pragma once

#include "config/safetext.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace l2met {

struct Config;
struct Setting;

class IniFile
{
public:
    struct Entry
    {
        const Setting *setting;
        QString value; // trimmed, not yet parsed
        int line;
    };

    // A missing file is not an error: no entries, exists() false.
    static IniFile read(const QString &path);

    bool exists() const { return m_exists; }
    // The file's bytes, for rewriting it around one line.
    const QByteArray &raw() const { return m_raw; }
    const QList<Entry> &entries() const { return m_entries; }
    // Why the file cannot be used (unreadable, malformed); empty otherwise.
    const QString &error() const { return m_error; }

    // Parses every entry into c, in file order: empty, or the first invalid
    // value's message (never a secret). An empty `secrets =` line means none
    // is configured. origins, when given, learns where each key came from.
    QString applyTo(Config &c, QHash<QString, SettingOrigin> *origins = nullptr) const;
    // A non-empty secret, token or URL that may carry a password is in it.
    bool holdsCredentials() const;

    // " in PATH line N", for messages.
    static QString where(const QString &path, int line);

private:
    QString m_path;
    bool m_exists = false;
    QByteArray m_raw;
    QList<Entry> m_entries;
    QString m_error;
};

} // namespace l2met
