// Metchan: posts l2met's own metrics to Librato every interval (a minute by
// default), like l2met's metchan, when METCHAN_URL is set. The URL carries
// the Librato credentials as its user info
// (https://user:api-token@metrics-api.librato.com[/v1/metrics]; without a
// path, /v1/metrics). Only metrics without labels are sent: counters as
// their increase over the interval, gauges as their value, timers as
// NAME.count (the increase) and NAME.mean_ms (the mean of the interval's
// durations); names are prefixed "l2met.", the source is the host name.
// start() takes the first baselines, so the first report covers one
// interval. Failures are logged (status and error, without the
// credentials) and the next interval tries again.
//
// Lives in the thread that calls start(): the engine's "l2met-metchan"
// thread (docs/architecture.md, the threads).
#pragma once

#include <QHash>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;
class QTimer;

namespace l2met {

class Metrics;

class Metchan : public QObject
{
    Q_OBJECT

public:
    Metchan(QUrl url, Metrics *metrics, QString source, QObject *parent = nullptr);

    void start(int intervalMs = 60000);
    // Builds and posts one report now; returns the JSON body (for tests).
    QByteArray post();
    // The JSON that post() would send, advancing the counter baselines.
    QByteArray buildReport();

Q_SIGNALS:
    void posted(int httpStatus);

private:
    QUrl m_url;        // without user info
    QByteArray m_auth; // "Basic ..."
    Metrics *m_metrics;
    QString m_source;
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_timer = nullptr;
    QHash<QByteArray, double> m_last; // previous counter values, by name
};

} // namespace l2met
