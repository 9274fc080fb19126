#include "metrics/metrics.h"

#include <QMutexLocker>

namespace l2met {

void Timer::record(qint64 micros)
{
    if (micros < 0)
        micros = 0;
    m_count.fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(static_cast<quint64>(micros), std::memory_order_relaxed);
    qint64 seen = m_max.load(std::memory_order_relaxed);
    while (micros > seen && !m_max.compare_exchange_weak(seen, micros, std::memory_order_relaxed)) {
    }
}

template<typename T>
T &Metrics::instrument(Kind kind, std::deque<T> &pool, T *Entry::*slot, const MetricInfo &info,
                       const QByteArray &labels)
{
    Q_ASSERT(info.kind == kind);
    QMutexLocker lock(&m_mutex);
    auto [it, inserted] = m_entries.try_emplace(Key { info.name.toByteArray(), labels });
    if (inserted) {
        it->second.kind = kind;
        it->second.help = info.help.toByteArray();
        it->second.*slot = &pool.emplace_back();
    }
    Q_ASSERT(it->second.kind == kind);
    return *(it->second.*slot);
}

Counter &Metrics::counter(const MetricInfo &info, const QByteArray &labels)
{
    return instrument(Kind::Counter, m_counters, &Entry::counter, info, labels);
}

Gauge &Metrics::gauge(const MetricInfo &info, const QByteArray &labels)
{
    return instrument(Kind::Gauge, m_gauges, &Entry::gauge, info, labels);
}

Timer &Metrics::timer(const MetricInfo &info, const QByteArray &labels)
{
    return instrument(Kind::Timer, m_timers, &Entry::timer, info, labels);
}

double Metrics::value(const MetricInfo &info, const QByteArray &labels) const
{
    return value(info.name.toByteArray(), labels);
}

double Metrics::value(const QByteArray &name, const QByteArray &labels) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.find(Key { name, labels });
    if (it == m_entries.end())
        return 0;
    switch (it->second.kind) {
    case Kind::Counter:
        return static_cast<double>(it->second.counter->value());
    case Kind::Gauge:
        return static_cast<double>(it->second.gauge->value());
    case Kind::Timer:
        return static_cast<double>(it->second.timer->count());
    }
    return 0;
}

QList<Metrics::Sample> Metrics::samples() const
{
    QMutexLocker lock(&m_mutex);
    QList<Sample> out;
    out.reserve(static_cast<qsizetype>(m_entries.size()));
    for (const auto &[key, entry] : m_entries) {
        Sample s { key.first, key.second, entry.kind, 0 };
        switch (entry.kind) {
        case Kind::Counter:
            s.value = static_cast<double>(entry.counter->value());
            break;
        case Kind::Gauge:
            s.value = static_cast<double>(entry.gauge->value());
            break;
        case Kind::Timer:
            s.value = static_cast<double>(entry.timer->count());
            s.sum = static_cast<double>(entry.timer->sumMicros()) / 1e6;
            s.max = static_cast<double>(entry.timer->maxMicros()) / 1e6;
            break;
        }
        out.append(s);
    }
    return out;
}

QByteArray Metrics::labelValue(QByteArrayView raw)
{
    QByteArray out;
    out.reserve(raw.size());
    for (const char c : raw) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray Metrics::prometheusText() const
{
    QByteArray out;
    QByteArray lastName;
    QMutexLocker lock(&m_mutex);
    for (const auto &[key, entry] : m_entries) {
        const QByteArray name = "l2met_" + key.first;
        const QByteArray labels = key.second.isEmpty() ? QByteArray() : '{' + key.second + '}';
        if (key.first != lastName) {
            lastName = key.first;
            out += "# HELP " + name + ' ' + entry.help + '\n';
            const char *type = entry.kind == Kind::Counter ? "counter"
                : entry.kind == Kind::Gauge                ? "gauge"
                                                           : "summary";
            out += "# TYPE " + name + ' ' + type + '\n';
        }
        switch (entry.kind) {
        case Kind::Counter:
            out += name + labels + ' ' + QByteArray::number(entry.counter->value()) + '\n';
            break;
        case Kind::Gauge:
            out += name + labels + ' ' + QByteArray::number(entry.gauge->value()) + '\n';
            break;
        case Kind::Timer:
            out += name + "_count" + labels + ' ' + QByteArray::number(entry.timer->count()) + '\n';
            out += name + "_sum" + labels + ' '
                + QByteArray::number(static_cast<double>(entry.timer->sumMicros()) / 1e6, 'f', 6) + '\n';
            break;
        }
    }
    return out;
}

} // namespace l2met
