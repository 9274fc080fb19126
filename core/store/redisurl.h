// RedisUrl: the parts of a REDIS_URL that RedisStore needs to connect,
// parsed from redis://[user:password@]host[:port][/db]. It is also the
// configuration's check of --redis-url (config/valueparse.h), so a URL the
// configuration accepts is one the store can use. A user name is accepted
// and ignored, as l2met did with Heroku's redis://h:password@host:port:
// AUTH sends the password alone. The password is percent-decoded to raw
// bytes.
//
// Value type; thread-safe to copy and read.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace l2met {

struct RedisUrl
{
    QString host;
    int port = 6379;
    QByteArray password; // empty = no AUTH
    int db = 0; // 0 = no SELECT

    // std::nullopt (and *error set) for anything that is not such a URL.
    // Error messages never contain the password.
    static std::optional<RedisUrl> parse(const QString &text, QString *error = nullptr);

    // redis://host:port/db, without credentials: safe for logs and the GUI.
    QString redacted() const;

    friend bool operator==(const RedisUrl &, const RedisUrl &) = default;
};

} // namespace l2met
