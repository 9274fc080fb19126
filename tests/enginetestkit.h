// Helpers for end-to-end tests: logplex bodies, HTTP calls over real
// sockets (QNetworkAccessManager, awaited with QSignalSpy), drain tokens.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QUrl>

namespace l2met::test {

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

// One request; waits for the answer (up to 10 s). status 0 on a network error.
HttpAnswer http(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                const QList<QPair<QByteArray, QByteArray>> &headers = {});

QByteArray basicAuth(const QByteArray &user, const QByteArray &password = {});

// The unlabelled samples of l2met's /metrics text, by name without the
// "l2met_" prefix.
QMap<QByteArray, double> parsePrometheus(const QByteArray &text);

// A loopback TCP port free right now, never one this process was given
// before (0 when none could be found).
quint16 freePort();

// Built with ASan or TSan: memory figures mean nothing there (shadow
// memory, quarantine), so RSS bounds are not checked.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// Resident set size of a process (0: this one) in bytes, from
// /proc/PID/status; -1 when it cannot be read.
qint64 rssBytes(qint64 pid = 0);

// One logplex frame of an RFC 5424 line stamped at unixTime (APP-NAME
// "heroku" for the router's and the platform's lines).
QByteArray frame(qint64 unixTime, const QByteArray &procId, const QByteArray &message,
                 const QByteArray &appName = "app");

} // namespace l2met::test
