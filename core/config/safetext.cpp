#include "config/safetext.h"

#include "config/settings.h"

namespace l2met {

bool SafeText::mayBeSecret(QStringView text)
{
    return text.size() > kMaxQuotedLength;
}

QString SafeText::quotedUnlessLong(const QString &text)
{
    if (mayBeSecret(text))
        return QStringLiteral("(%1 characters, not shown: it may be a secret)").arg(text.size());
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString SafeText::redactUserInfo(const QString &text)
{
    const qsizetype scheme = text.indexOf(QStringLiteral("://"));
    const qsizetype start = scheme < 0 ? 0 : scheme + 3;
    const qsizetype at = text.lastIndexOf(u'@');
    if (at < start)
        return text;
    return text.left(start) + QStringLiteral("***") + text.mid(at);
}

QString SafeText::invalid(const SettingOrigin &origin, const Setting &s, const QString &value,
                          const QString &reason)
{
    QString shown;
    if (!s.isSecret()) // never a secret's value, not even a wrong one
        shown = QStringLiteral(" \"") + redactUserInfo(value) + u'"';
    return QStringLiteral("invalid ") + origin.name + shown + origin.where + QStringLiteral(": ")
        + reason;
}

} // namespace l2met
