// RedisUrl: the parts of a REDIS_URL that RedisStore needs to connect,
// parsed from redis://[user[:password]@]host[:port][/db] (plain TCP) or
// rediss://... (TLS). It is also the configuration's check of --redis-url
// (config/valueparse.h), so a URL the configuration accepts is one the store
// can use. With a user name the connection authenticates as that Redis 6
// ACL user (AUTH user password); with a password alone as the default user
// (AUTH password). Heroku's legacy "h" user and servers older than Redis 6
// are handled by RedisConnection (see there). User and password are
// percent-decoded to raw bytes.
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
    bool tls = false; // rediss://
    QByteArray user; // empty = the default user
    QByteArray password; // empty = no AUTH
    int db = 0; // 0 = no SELECT

    // std::nullopt (and *error set) for anything that is not such a URL.
    // Error messages never contain the password.
    static std::optional<RedisUrl> parse(const QString &text, QString *error = nullptr);

    // redis://host:port/db (rediss:// for TLS), with the user name (not a
    // secret: it names the ACL user in errors) but never the password: safe
    // for logs and the GUI.
    QString redacted() const;

    friend bool operator==(const RedisUrl &, const RedisUrl &) = default;
};

} // namespace l2met
