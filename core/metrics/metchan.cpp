#include "metrics/metchan.h"

#include "metrics/metrics.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

Q_LOGGING_CATEGORY(lcMetchan, "l2met.metchan")

namespace l2met {

Metchan::Metchan(QUrl url, Metrics *metrics, QString source, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics)
    , m_source(std::move(source))
{
    m_auth = "Basic "
        + QByteArray(url.userName(QUrl::FullyDecoded).toUtf8() + ':' + url.password(QUrl::FullyDecoded).toUtf8())
              .toBase64();
    url.setUserInfo(QString());
    if (url.path().isEmpty() || url.path() == QLatin1String("/"))
        url.setPath(QStringLiteral("/v1/metrics"));
    m_url = url;
}

void Metchan::start(int intervalMs)
{
    m_network = new QNetworkAccessManager(this);
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, [this] { post(); });
    m_timer->start(intervalMs);
    buildReport(); // baselines: the first report covers one interval
}

QByteArray Metchan::buildReport()
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonArray gauges;
    const auto add = [&](const QByteArray &name, double value) {
        gauges.append(QJsonObject { { QStringLiteral("name"), QString::fromLatin1("l2met." + name) },
                                    { QStringLiteral("value"), value },
                                    { QStringLiteral("source"), m_source },
                                    { QStringLiteral("measure_time"), now } });
    };
    for (const Metrics::Sample &s : m_metrics->samples()) {
        if (!s.labels.isEmpty())
            continue;
        switch (s.kind) {
        case Metrics::Kind::Counter: {
            const double previous = m_last.value(s.name, 0);
            m_last.insert(s.name, s.value);
            add(s.name, s.value - previous);
            break;
        }
        case Metrics::Kind::Gauge:
            add(s.name, s.value);
            break;
        case Metrics::Kind::Timer: {
            const QByteArray countKey = s.name + ".count";
            const QByteArray sumKey = s.name + ".sum";
            const double count = s.value - m_last.value(countKey, 0);
            const double sum = s.sum - m_last.value(sumKey, 0);
            m_last.insert(countKey, s.value);
            m_last.insert(sumKey, s.sum);
            add(countKey, count);
            add(s.name + ".mean_ms", count > 0 ? sum / count * 1000 : 0);
            break;
        }
        }
    }
    return QJsonDocument(QJsonObject { { QStringLiteral("gauges"), gauges } }).toJson(QJsonDocument::Compact);
}

QByteArray Metchan::post()
{
    const QByteArray body = buildReport();
    if (!m_network)
        return body;
    QNetworkRequest request(m_url);
    request.setRawHeader("Authorization", m_auth);
    request.setRawHeader("Content-Type", "application/json");
    request.setRawHeader("User-Agent", "l2met/" L2MET_VERSION);
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status < 200 || status >= 300)
            qCWarning(lcMetchan).noquote() << QStringLiteral("at=metchan.post status=%1 error=\"%2\"")
                                                  .arg(status)
                                                  .arg(reply->errorString());
        reply->deleteLater();
        Q_EMIT posted(status);
    });
    return body;
}

} // namespace l2met
