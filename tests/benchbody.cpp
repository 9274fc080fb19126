#include "benchbody.h"

#include <QDateTime>
#include <QTimeZone>

namespace l2met::bench {

QByteArray makeBody(int frames, qint64 unixTime)
{
    const QByteArray stamp = QDateTime::fromSecsSinceEpoch(unixTime, QTimeZone::utc())
                                 .toString(QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz123+00:00"))
                                 .toLatin1();
    QByteArray body;
    for (int i = 0; i < frames; ++i) {
        const QByteArray message = "<134>1 " + stamp + " host app web." + QByteArray::number(i % 4 + 1)
            + " - at=info measure#db.latency=" + QByteArray::number(1 + i % 37) + "ms measure#http.service="
            + QByteArray::number(10.5 + i * 1.25) + "ms count#db.queries=" + QByteArray::number(i % 5 + 1)
            + " sample#queue.depth=" + QByteArray::number(i % 11) + " source=web." + QByteArray::number(i % 4 + 1);
        body += QByteArray::number(message.size()) + ' ' + message;
    }
    return body;
}

} // namespace l2met::bench
