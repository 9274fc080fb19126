#include "config/inifile.h"

#include "config/settings.h"

#include <QFile>

#include <algorithm>
#include <numeric>

namespace l2met {

namespace {

int editDistance(QStringView a, QStringView b)
{
    QList<int> row(b.size() + 1);
    std::iota(row.begin(), row.end(), 0);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]) });
            diagonal = above;
        }
    }
    return row.back();
}

QString unknownKeyHint(QStringView key)
{
    for (const Setting &s : Settings::table()) {
        if (editDistance(key, s.keyName()) <= 2)
            return QStringLiteral(" (did you mean %1?)").arg(s.keyName());
    }
    return QStringLiteral(" (keys are named like the long flags; see --help)");
}

} // namespace

QString IniFile::where(const QString &path, int line)
{
    return QStringLiteral(" in %1 line %2").arg(path, QString::number(line));
}

IniFile IniFile::read(const QString &path)
{
    IniFile out;
    out.m_path = path;
    QFile file(path);
    if (!file.exists())
        return out;
    out.m_exists = true;
    if (!file.open(QIODevice::ReadOnly)) {
        out.m_error
            = QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
        return out;
    }
    out.m_raw = file.readAll();
    QString text = QString::fromUtf8(out.m_raw);
    if (text.startsWith(QChar(0xfeff)))
        text.remove(0, 1);
    bool inSection = false;
    QHash<QString, int> seen;
    const QStringList lines = text.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int line = int(index + 1);
        const QString trimmed = lines[index].trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#') || trimmed.startsWith(u';'))
            continue;
        if (trimmed.startsWith(u'[')) {
            const QString section
                = trimmed.endsWith(u']') ? trimmed.mid(1, trimmed.size() - 2).trimmed() : trimmed;
            if (section != u"l2met") {
                out.m_error
                    = QStringLiteral("unknown section %1%2 (expected [l2met])")
                          .arg(SafeText::mayBeSecret(trimmed) ? SafeText::quotedUnlessLong(trimmed)
                                                              : trimmed,
                               where(path, line));
                return out;
            }
            inSection = true;
            continue;
        }
        const qsizetype equals = trimmed.indexOf(u'=');
        if (equals < 0) {
            out.m_error = QStringLiteral("expected key = value%1").arg(where(path, line));
            return out;
        }
        const QString key = trimmed.left(equals).trimmed();
        const Setting *s = Settings::forKey(key);
        if (!s) {
            out.m_error
                = QStringLiteral("unknown key %1%2%3")
                      .arg(SafeText::quotedUnlessLong(key), where(path, line), unknownKeyHint(key));
            return out;
        }
        if (!inSection) {
            out.m_error = QStringLiteral("key %1 is outside the [l2met] section%2")
                              .arg(SafeText::quotedUnlessLong(key), where(path, line));
            return out;
        }
        if (const int first = seen.value(key); first != 0) {
            out.m_error = QStringLiteral("duplicate key \"%1\"%2 (first at line %3)")
                              .arg(key, where(path, line), QString::number(first));
            return out;
        }
        seen.insert(key, line);
        out.m_entries.append({ s, trimmed.mid(equals + 1).trimmed(), line });
    }
    return out;
}

QString IniFile::applyTo(Config &c, QHash<QString, SettingOrigin> *origins) const
{
    for (const Entry &entry : m_entries) {
        // An empty secrets line means none is configured (one gets generated).
        if (entry.setting->kind == SettingKind::Secrets && entry.value.isEmpty())
            continue;
        const SettingOrigin origin { entry.setting->keyName(), where(m_path, entry.line) };
        const QString reason = Settings::assign(*entry.setting, entry.value, c);
        if (!reason.isEmpty())
            return SafeText::invalid(origin, *entry.setting, entry.value, reason);
        if (origins)
            origins->insert(entry.setting->keyName(), origin);
    }
    return {};
}

bool IniFile::holdsCredentials() const
{
    return std::any_of(m_entries.cbegin(), m_entries.cend(), [](const Entry &e) {
        return !e.value.isEmpty() && e.setting->mayHoldCredentials();
    });
}

} // namespace l2met
