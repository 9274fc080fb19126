#include "enginetestkit.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QMutex>
#include <QSet>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTimeZone>

namespace l2met::test {

HttpAnswer http(const QByteArray &method, const QUrl &url, const QByteArray &body,
                const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    if (!body.isEmpty() && !request.hasRawHeader("Content-Type"))
        request.setRawHeader("Content-Type", "application/logplex-1");
    QNetworkReply *reply = network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    HttpAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    for (const auto &pair : reply->rawHeaderPairs())
        answer.headers.append({ pair.first, pair.second });
    reply->deleteLater();
    return answer;
}

QByteArray basicAuth(const QByteArray &user, const QByteArray &password)
{
    return "Basic " + QByteArray(user + ':' + password).toBase64();
}

QByteArray frame(qint64 unixTime, const QByteArray &procId, const QByteArray &message, const QByteArray &appName)
{
    const QByteArray stamp =
        QDateTime::fromSecsSinceEpoch(unixTime, QTimeZone::utc()).toString(Qt::ISODate).toLatin1();
    const QByteArray line = "<134>1 " + stamp + " host " + appName + ' ' + procId + " - " + message;
    return QByteArray::number(line.size()) + ' ' + line;
}

QMap<QByteArray, double> parsePrometheus(const QByteArray &text)
{
    QMap<QByteArray, double> out;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#') || line.contains('{'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        if (space <= 0)
            continue;
        QByteArray name = line.left(space);
        if (name.startsWith("l2met_"))
            name = name.mid(6);
        out.insert(name, line.mid(space + 1).toDouble());
    }
    return out;
}

qint64 rssBytes(qint64 pid)
{
    QFile status(pid > 0 ? QStringLiteral("/proc/%1/status").arg(pid) : QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

quint16 freePort()
{
    // The kernel may hand a just-closed port out again: two processes given
    // ports a moment apart would then race for one (seen in tst_fleet: a
    // receiver failed to listen and its bodies went to an outlet). So a port
    // is handed out once per test process.
    static QMutex mutex;
    static QSet<quint16> given;
    QMutexLocker lock(&mutex);
    for (int attempt = 0; attempt < 100; ++attempt) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return 0;
        const quint16 port = probe.serverPort();
        if (!given.contains(port)) {
            given.insert(port);
            return port;
        }
    }
    return 0;
}

} // namespace l2met::test
