// SafeText: the messages about settings, written so that no secret ever
// reaches a log, a terminal or the window through them. A secret's value is
// never quoted, not even a wrong one; URLs lose their user information
// (a Redis password, METCHAN_URL's Librato token); and text l2met did not
// expect (an unknown flag, key or section, a stray argument) is quoted only
// when short: a long one is likely a secret put where it does not belong
// (a Fernet key has 43 characters, a Librato API token 64, a drain token
// over 100), and only its length is shown.
//
// Static functions, no state; thread-safe.
#pragma once

#include <QString>
#include <QStringView>

namespace l2met {

struct Setting;

// Where a value came from, for messages: `-port`, `PORT`, or `port` with
// ` in FILE line N`.
struct SettingOrigin
{
    QString name;
    QString where;
};

class SafeText
{
public:
    // Longer unexpected text is not quoted.
    static constexpr qsizetype kMaxQuotedLength = 24;

    static bool mayBeSecret(QStringView text);
    // "text" in quotes, or "(N characters, not shown: it may be a secret)".
    static QString quotedUnlessLong(const QString &text);
    // scheme://***@host... for a URL with user information; text otherwise.
    static QString redactUserInfo(const QString &text);

    // `invalid ORIGIN "VALUE"WHERE: REASON`, one line; the value left out
    // for secrets and redacted for URLs.
    static QString invalid(const SettingOrigin &origin, const Setting &s, const QString &value,
                           const QString &reason);
};

} // namespace l2met
