// Metrics: l2met's own counters, gauges and timers (lines received, parsed,
// skipped by kind, buckets, flushes, gauges delivered...). Stages register
// their instruments once at set-up and then update them lock-free from any
// thread; /metrics renders them in Prometheus text format, the engine's
// snapshot copies their values, METCHAN_URL posts them to Librato.
//
// Registration is mutex-protected and returns stable references (instruments
// are never removed). Updates and reads are atomic; thread-safe.
#pragma once

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
    enum class Kind { Counter, Gauge, Timer };

    struct Sample
    {
        QByteArray name; // snake_case without the "l2met_" prefix
        QByteArray labels; // Prometheus label set without braces, e.g. user="a"; may be empty
        Kind kind;
        double value;    // counter/gauge value; timer: count
        double sum = 0;  // timer: seconds
        double max = 0;  // timer: seconds
    };

    // The same (name, labels) always returns the same instrument.
    Counter &counter(const QByteArray &name, const QByteArray &help, const QByteArray &labels = {});
    Gauge &gauge(const QByteArray &name, const QByteArray &help, const QByteArray &labels = {});
    Timer &timer(const QByteArray &name, const QByteArray &help, const QByteArray &labels = {});

    // 0 when not registered.
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
    T &instrument(Kind kind, std::deque<T> &pool, T *Entry::*slot, const QByteArray &name,
                  const QByteArray &help, const QByteArray &labels);

    mutable QMutex m_mutex;
    std::map<Key, Entry> m_entries;
    // deques: stable addresses as instruments are added
    std::deque<Counter> m_counters;
    std::deque<Gauge> m_gauges;
    std::deque<Timer> m_timers;
};

} // namespace l2met
