#include "benchbody.h"

#include <QDateTime>
#include <QTimeZone>

namespace l2met::bench {

namespace {

QByteArray stampOf(qint64 unixTime)
{
    return QDateTime::fromSecsSinceEpoch(unixTime, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz123+00:00"))
        .toLatin1();
}

void addFrame(QByteArray &body, const QByteArray &message)
{
    body += QByteArray::number(message.size()) + ' ' + message;
}

} // namespace

QByteArray makeBody(int frames, qint64 unixTime)
{
    const QByteArray stamp = stampOf(unixTime);
    QByteArray body;
    for (int i = 0; i < frames; ++i) {
        addFrame(body, "<134>1 " + stamp + " host app web." + QByteArray::number(i % 4 + 1)
                     + " - at=info measure#db.latency=" + QByteArray::number(1 + i % 37) + "ms measure#http.service="
                     + QByteArray::number(10.5 + i * 1.25) + "ms count#db.queries=" + QByteArray::number(i % 5 + 1)
                     + " sample#queue.depth=" + QByteArray::number(i % 11) + " source=web."
                     + QByteArray::number(i % 4 + 1));
    }
    return body;
}

QByteArray makeRouterBody(int frames, qint64 unixTime)
{
    const QByteArray stamp = stampOf(unixTime);
    static const char *const kStatus[] = { "200", "200", "201", "304", "404", "200", "500", "200" };
    QByteArray body;
    for (int i = 0; i < frames; ++i) {
        addFrame(body, "<158>1 " + stamp + " host heroku router - at=info method=GET path=\"/api/items/"
                     + QByteArray::number(i) + "\" host=example-app-1234567890ab.herokuapp.com "
                     "request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd=\"204.204.204.204\" dyno=web."
                     + QByteArray::number(i % 4 + 1) + " connect=" + QByteArray::number(i % 3)
                     + "ms service=" + QByteArray::number(5 + i % 90) + "ms status=" + kStatus[i % 8]
                     + " bytes=" + QByteArray::number(200 + i % 700) + " protocol=https");
    }
    return body;
}

QByteArray makePostgresBody(int frames, qint64 unixTime)
{
    const QByteArray stamp = stampOf(unixTime);
    QByteArray body;
    for (int i = 0; i < frames; ++i) {
        const QByteArray n = QByteArray::number(i % 50);
        addFrame(body, "<134>1 " + stamp + " host app heroku-postgres - source=HEROKU_POSTGRESQL_AMBER "
                     "addon=postgresql-contoured-74178 sample#current_transaction=322304" + n
                     + " sample#db_size=29038814063bytes sample#tables=287 sample#active-connections=4" + n
                     + " sample#waiting-connections=0 sample#index-cache-hit-rate=0.99836 "
                     "sample#table-cache-hit-rate=0.9938 sample#load-avg-1m=0.0" + n
                     + " sample#read-iops=0.4477 sample#write-iops=8.8243 sample#tmp-disk-used=33849344 "
                     "sample#tmp-disk-available=72944943104 sample#memory-total=15657124kB "
                     "sample#memory-free=1029" + n + "kB sample#wal-percentage-used=0.0685");
    }
    return body;
}

QByteArray makeDistinctBody(int frames, qint64 unixTime, quint64 first)
{
    const QByteArray stamp = stampOf(unixTime);
    QByteArray body;
    for (int i = 0; i < frames; ++i) {
        const quint64 k = first + quint64(i);
        addFrame(body, "<134>1 " + stamp + " host app web." + QByteArray::number(i % 4 + 1)
                     + " - at=info measure#db.latency=" + QByteArray::number(double(k) * 0.001, 'f', 3)
                     + "ms measure#http.service=" + QByteArray::number(double(k) * 0.25 + 0.125, 'f', 3)
                     + "ms count#db.queries=" + QByteArray::number(k) + " sample#queue.depth="
                     + QByteArray::number(k * 3) + " source=web." + QByteArray::number(i % 4 + 1));
    }
    return body;
}

QByteArray makeNamedBody(const QByteArray &name, int frames, qint64 unixTime, quint64 salt)
{
    if (name == "app")
        return makeBody(frames, unixTime);
    if (name == "router")
        return makeRouterBody(frames, unixTime);
    if (name == "postgres")
        return makePostgresBody(frames, unixTime);
    if (name == "distinct")
        return makeDistinctBody(frames, unixTime, salt);
    return {};
}

} // namespace l2met::bench
