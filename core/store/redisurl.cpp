#include "store/redisurl.h"

#include <QUrl>

#include <algorithm>
#include <limits>

namespace l2met {

namespace {

std::optional<RedisUrl> fail(QString *error, const QString &reason)
{
    if (error)
        *error = reason;
    return std::nullopt;
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    const QString expected = QStringLiteral(
        "expected redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)");
    const bool tls = url.scheme() == u"rediss";
    if (!url.isValid() || (url.scheme() != u"redis" && !tls) || url.host().isEmpty() || url.hasQuery()
        || url.hasFragment()) {
        return fail(error, expected);
    }
    if (url.port() == 0)
        return fail(error, QStringLiteral("redis port must be between 1 and 65535"));

    RedisUrl parsed;
    parsed.host = url.host(QUrl::FullyDecoded);
    parsed.port = url.port(6379);
    parsed.tls = tls;
    // Percent-decoding the encoded form keeps bytes that are not UTF-8.
    parsed.user = QByteArray::fromPercentEncoding(url.userName(QUrl::FullyEncoded).toLatin1());
    parsed.password = QByteArray::fromPercentEncoding(url.password(QUrl::FullyEncoded).toLatin1());

    const QString path = url.path();
    if (!path.isEmpty() && path != u"/") {
        // Any number of digits (leading zeros too), saturating past the
        // largest int: the configuration accepts exactly what this does.
        constexpr qint64 kTooLarge = qint64(std::numeric_limits<int>::max()) + 1;
        const QStringView digits = QStringView(path).sliced(1);
        bool numeric = !digits.isEmpty();
        qint64 db = 0;
        for (const QChar c : digits) {
            numeric = numeric && c >= u'0' && c <= u'9';
            if (numeric)
                db = std::min(kTooLarge, db * 10 + (c.unicode() - u'0'));
        }
        if (!numeric || db >= kTooLarge)
            return fail(error, QStringLiteral("redis database must be a number: ") + expected);
        parsed.db = int(db);
    }
    return parsed;
}

QString RedisUrl::redacted() const
{
    const QString shownHost = host.contains(u':') ? u'[' + host + u']' : host;
    QString shownUser;
    if (!user.isEmpty())
        shownUser = QString::fromUtf8(QUrl::toPercentEncoding(QString::fromUtf8(user))) + u'@';
    return QStringLiteral("%1://%2%3:%4/%5")
        .arg(tls ? QStringLiteral("rediss") : QStringLiteral("redis"), shownUser, shownHost)
        .arg(port)
        .arg(db);
}

} // namespace l2met
