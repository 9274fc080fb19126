// Redis 6 ACL users for the tests: the least rights l2met documents (the
// README's "TLS and ACL users"), and a way to make a user on a RedisServer
// through its plain port. Test thread only.
#pragma once

#include "redisserver.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace l2met::test {

// ACL SETUSER rules of the README's least l2met user.
inline QList<QByteArray> l2metAclRules()
{
    return { "on", "resetkeys", "~l2met:*", "resetchannels", "-@all", "+@read", "+@write",
             "+@scripting", "+ping", "+time", "+select" };
}

// ACL SETUSER name >password rules... on the server (as its default user,
// with defaultPassword when it has --requirepass). False with *error.
inline bool addAclUser(const RedisServer &server, const QByteArray &name,
                       const QByteArray &password, const QList<QByteArray> &rules,
                       QString *error, const QByteArray &defaultPassword = {})
{
    RedisClient client(server.port(), defaultPassword);
    QList<QByteArray> command { "ACL", "SETUSER", name, "reset", '>' + password };
    command += rules;
    const RedisValue reply = client.command(command);
    if (reply.isError()) {
        *error = QString::fromUtf8(reply.string);
        return false;
    }
    return true;
}

} // namespace l2met::test
