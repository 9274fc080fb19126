#include "librato.h"

#include "bucket/bucket.h"
#include "fakelibrato.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cmath>
#include <tuple>

namespace l2met::soak {

namespace {

using GaugeKey = std::tuple<int, QString, QString, qint64>; // drain, name, source, time

bool isSuffix(const QString &name)
{
    return name.endsWith(QLatin1String(".median")) || name.endsWith(QLatin1String(".perc95"))
        || name.endsWith(QLatin1String(".perc99"));
}

// Adds a gauge to per-series totals; false when its series is unknown.
bool addGauge(std::map<SeriesKey, SeriesTotal> &totals, const SeriesKey &key, const QJsonObject &g,
              const std::map<SeriesKey, SeriesTotal> &expected)
{
    const auto known = expected.find(key);
    SeriesTotal &t = totals[key];
    if (g.contains(QLatin1String("count"))) {
        t.kind = SeriesKind::Measure;
        t.count += qint64(g.value(QLatin1String("count")).toDouble());
        t.sum += g.value(QLatin1String("sum")).toDouble();
    } else {
        t.kind = known != expected.end() ? known->second.kind : SeriesKind::Counter;
        const double v = g.value(QLatin1String("value")).toDouble();
        ++t.count;
        t.sum += v;
        t.sample = v;
    }
    return known != expected.end();
}

QString describe(const SeriesKey &key, const QList<Drain> &drains)
{
    const QString user = key.drain >= 0 && key.drain < drains.size()
        ? QString::fromLatin1(drains[key.drain].user)
        : QStringLiteral("?");
    return QStringLiteral("%1/%2/%3")
        .arg(user, QString::fromLatin1(key.name),
             key.source.isEmpty() ? QStringLiteral("-") : QString::fromLatin1(key.source));
}

} // namespace

LibratoView readLibrato(const test::FakeLibrato &librato, const QList<Drain> &drains,
                        const std::map<SeriesKey, SeriesTotal> &expected)
{
    LibratoView view;
    std::map<GaugeKey, QJsonObject> last;
    std::map<GaugeKey, QJsonObject> failingLast;
    int failing = -1;
    for (int i = 0; i < drains.size(); ++i) {
        if (drains[i].failing)
            failing = i;
    }
    for (const test::FakeLibrato::Request &r : librato.requests()) {
        ++view.requests;
        int drain = -1;
        for (int i = 0; i < drains.size(); ++i) {
            if (drains[i].user == r.user)
                drain = i;
        }
        const QJsonArray gauges = r.json.value(QLatin1String("gauges")).toArray();
        if (drain >= 0 && drain == failing) {
            ++view.failingRequests;
            view.failingGaugeAttempts += quint64(gauges.size());
            view.failingAccepted += r.accepted ? quint64(gauges.size()) : 0;
            for (const QJsonValue &v : gauges) {
                const QJsonObject g = v.toObject();
                failingLast[{ drain, g.value(QLatin1String("name")).toString(),
                              g.value(QLatin1String("source")).toString(),
                              qint64(g.value(QLatin1String("measure_time")).toDouble()) }]
                    = g;
            }
            continue;
        }
        if (!r.accepted)
            continue;
        ++view.acceptedRequests;
        for (const QJsonValue &v : gauges) {
            const QJsonObject g = v.toObject();
            ++view.acceptedGauges;
            const QString name = g.value(QLatin1String("name")).toString();
            const QString source = g.value(QLatin1String("source")).toString();
            const qint64 time = qint64(g.value(QLatin1String("measure_time")).toDouble());
            if (drain < 0) {
                if (view.unknown.size() < 10)
                    view.unknown << QStringLiteral("gauge of unknown user %1")
                                        .arg(QString::fromLatin1(r.user));
                continue;
            }
            const GaugeKey key { drain, name, source, time };
            const auto [it, inserted] = last.try_emplace(key, g);
            if (!inserted) {
                if (it->second == g) {
                    ++view.resent;
                } else {
                    ++view.overwritten;
                    view.overwrittenTimes.insert(time);
                }
                it->second = g;
            }
            if (isSuffix(name))
                continue;
            const SeriesKey series { drain, name.toLatin1(), source.toLatin1() };
            if (!addGauge(view.raw, series, g, expected) && view.unknown.size() < 10)
                view.unknown
                    << QStringLiteral("unexpected series %1").arg(describe(series, drains));
        }
    }
    for (const auto &[key, g] : last) {
        const QString &name = std::get<1>(key);
        if (isSuffix(name))
            continue;
        const SeriesKey series { std::get<0>(key), name.toLatin1(), std::get<2>(key).toLatin1() };
        addGauge(view.lww, series, g, expected);
        const auto e = expected.find(series);
        if (e != expected.end() && e->second.kind == SeriesKind::Sample
            && g.value(QLatin1String("value")).toDouble() != e->second.sample
            && view.sampleErrors.size() < 10) {
            view.sampleErrors << QStringLiteral("sample %1 at %2 is %3, not %4")
                                     .arg(describe(series, drains))
                                     .arg(std::get<3>(key))
                                     .arg(g.value(QLatin1String("value")).toDouble())
                                     .arg(e->second.sample);
        }
    }
    view.failingDistinct = quint64(failingLast.size());
    for (const auto &[key, g] : failingLast) {
        if (isSuffix(std::get<1>(key)))
            continue;
        addGauge(view.failingAttempted,
                 SeriesKey { std::get<0>(key), std::get<1>(key).toLatin1(),
                             std::get<2>(key).toLatin1() },
                 g, expected);
    }
    return view;
}

QStringList compareSeries(const std::map<SeriesKey, SeriesTotal> &expected,
                          const std::map<SeriesKey, SeriesTotal> &got, const QList<Drain> &drains,
                          const QString &what, int skipDrain, int limit)
{
    QStringList out;
    int differences = 0;
    const auto note = [&](const QString &text) {
        if (++differences <= limit)
            out << what + QLatin1Char(' ') + text;
    };
    for (const auto &[key, e] : expected) {
        if (key.drain == skipDrain)
            continue;
        const auto it = got.find(key);
        if (it == got.end()) {
            note(QStringLiteral("%1 missing (expected count=%2 sum=%3)")
                     .arg(describe(key, drains))
                     .arg(e.count)
                     .arg(e.sum, 0, 'f', 2));
            continue;
        }
        const SeriesTotal &g = it->second;
        switch (e.kind) {
        case SeriesKind::Measure:
            if (g.count != e.count || g.sum != e.sum) {
                note(QStringLiteral("%1 count=%2 sum=%3, expected count=%4 sum=%5")
                         .arg(describe(key, drains))
                         .arg(g.count)
                         .arg(g.sum, 0, 'f', 2)
                         .arg(e.count)
                         .arg(e.sum, 0, 'f', 2));
            }
            break;
        case SeriesKind::Counter:
            if (g.sum != e.sum)
                note(QStringLiteral("%1 sum=%2, expected %3")
                         .arg(describe(key, drains))
                         .arg(g.sum, 0, 'f', 2)
                         .arg(e.sum, 0, 'f', 2));
            break;
        case SeriesKind::Sample:
            break; // present; values checked one by one
        case SeriesKind::Unique: {
            // Exact while no window can have passed the exact bound; the
            // sketch's 0.81% standard error (3.7 of them) above it.
            const bool exact = e.sum <= double(Bucket::kExactDistinct);
            if (exact ? g.sum != e.sum : std::abs(g.sum - e.sum) > 0.03 * e.sum)
                note(QStringLiteral("%1 distinct=%2, expected %3%4")
                         .arg(describe(key, drains))
                         .arg(g.sum, 0, 'f', 0)
                         .arg(e.sum, 0, 'f', 0)
                         .arg(exact ? QString() : QStringLiteral(" within 3%")));
            break;
        }
        }
    }
    for (const auto &[key, g] : got) {
        if (key.drain != skipDrain && !expected.contains(key))
            note(QStringLiteral("%1 not expected (count=%2)")
                     .arg(describe(key, drains))
                     .arg(g.count));
    }
    if (differences > limit)
        out << QStringLiteral("%1 ... %2 differences in all").arg(what).arg(differences);
    return out;
}

} // namespace l2met::soak
