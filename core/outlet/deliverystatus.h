// DeliveryStats and PreviewPayload: what the outlet reports about its
// deliveries, per Librato user, and the payloads it built in preview mode.
// The engine's snapshot carries them to the window; LibratoOutlet fills them.
// Plain value types (Qt Core only); includes nothing of the engine.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace l2met {

struct DeliveryStats
{
    QByteArray user; // Librato user; never the token
    quint64 batchesSent = 0;        // requests that ended delivered
    quint64 batchesFailed = 0;      // requests that ended failed
    quint64 gaugesDelivered = 0;    // delivered at the first attempt
    quint64 gaugesRetriedDelivered = 0; // delivered after one or more retries
    quint64 gaugesFailed = 0;       // permanent error or retries exhausted
    quint64 retries = 0;            // attempts after the first
    int lastStatus = 0;             // last HTTP status (0: no answer)
    QString lastError;              // Librato's error text or the network error of the
                                    // last attempt; empty after a success
    qint64 lastLatencyMs = 0;
    QDateTime lastAttempt;
};

struct PreviewPayload
{
    QDateTime built;
    QByteArray user;
    int gauges = 0;
    QByteArray json; // exactly the body that would be POSTed
};

} // namespace l2met
