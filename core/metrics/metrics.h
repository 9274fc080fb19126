// Metrics: l2met's own counters, gauges and timers (lines received, parsed,
// skipped by kind, buckets, flushes, gauges delivered...). Stages register
// their instruments once at set-up, by the MetricInfo each declares next to
// itself (metricinfo.h), and then update them lock-free from any thread;
// /metrics renders them in Prometheus text format, the engine's snapshot
// copies their values, METCHAN_URL posts them to Librato.
//
// Registration is mutex-protected and returns stable references (instruments
// are never removed). Updates and reads are atomic; thread-safe.
#pragma once

#include "metrics/metricinfo.h"

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QString>

#include <atomic>
#include <deque>
#include <map>

namespace l2met {

class Counter
{
public:
    void add(quint64 n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
    quint64 value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<quint64> m_value { 0 };
};

class Gauge
{
public:
    void set(qint64 v) { m_value.store(v, std::memory_order_relaxed); }
    void add(qint64 n) { m_value.fetch_add(n, std::memory_order_relaxed); }
    qint64 value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<qint64> m_value { 0 };
};

// Durations: count, sum and max, in microseconds.
class Timer
{
public:
    void record(qint64 micros);
    quint64 count() const { return m_count.load(std::memory_order_relaxed); }
    quint64 sumMicros() const { return m_sum.load(std::memory_order_relaxed); }
    qint64 maxMicros() const { return m_max.load(std::memory_order_relaxed); }

private:
    std::atomic<quint64> m_count { 0 };
    std::atomic<quint64> m_sum { 0 };
    std::atomic<qint64> m_max { 0 };
};

class Metrics
{
public:
    using Kind = MetricKind;
    using Sample = MetricSample;

    // The same (name, labels) always returns the same instrument; the help
    // of its first registration is the one /metrics shows. info.kind must
    // match the call. labels: the label set without braces
    // (status="200"), one value for each of info.labels.
    Counter &counter(const MetricInfo &info, const QByteArray &labels = {});
    Gauge &gauge(const MetricInfo &info, const QByteArray &labels = {});
    Timer &timer(const MetricInfo &info, const QByteArray &labels = {});

    // 0 when not registered. By name: for tests and tools that check the
    // names /metrics prints; code reads by declaration.
    double value(const MetricInfo &info, const QByteArray &labels = {}) const;
    double value(const QByteArray &name, const QByteArray &labels = {}) const;

    QList<Sample> samples() const;
    // Prometheus text exposition format (version 0.0.4), names prefixed "l2met_".
    QByteArray prometheusText() const;

    // A label value escaped for Prometheus ("\\", "\"", newline).
    static QByteArray labelValue(QByteArrayView raw);

private:
    struct Entry
    {
        Kind kind;
        QByteArray help;
        Counter *counter = nullptr;
        Gauge *gauge = nullptr;
        Timer *timer = nullptr;
    };
    using Key = std::pair<QByteArray, QByteArray>; // name, labels

    template<typename T>
    T &instrument(Kind kind, std::deque<T> &pool, T *Entry::*slot, const MetricInfo &info,
                  const QByteArray &labels);

    mutable QMutex m_mutex;
    std::map<Key, Entry> m_entries;
    // deques: stable addresses as instruments are added
    std::deque<Counter> m_counters;
    std::deque<Gauge> m_gauges;
    std::deque<Timer> m_timers;
};

} // namespace l2met
