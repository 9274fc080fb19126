// MetricInfo: the declaration of one of l2met's own metrics (its name, the
// help text of /metrics, its unit, its kind, the names of its labels), and
// MetricSample, one value of the registry as snapshots and /metrics read it.
//
// Each metric is declared once, as an `inline constexpr MetricInfo` in a
// header next to the stage that produces it (parser/parsemetrics.h,
// receiver/receivermetrics.h, outlet/outletmetrics.h,
// engine/enginemetrics.h). The stage registers it by that declaration
// (Metrics::counter(kLinesLate)) and the window reads it by the same one
// (EngineSnapshot::metric(kGaugesDelivered)), so a name is spelled in one
// place: renaming it renames it everywhere, and a typo does not compile.
//
// Plain value types (Qt Core only); usable from any thread.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace l2met {

enum class MetricKind : quint8 {
    Counter, // only goes up (Prometheus "counter")
    Gauge,   // a level, set or moved (Prometheus "gauge")
    Timer,   // durations: count, sum and max (Prometheus "summary": _count and _sum)
};

// What one unit of the value is. Information for readers of the
// declaration (the window, docs/behaviour.md); /metrics does not print it.
enum class MetricUnit : quint8 {
    Count,   // events or things: lines, bodies, gauges, requests, buckets
    Bytes,
    Seconds, // timers: recorded in microseconds, rendered as seconds
    Boolean, // 0 or 1
};

struct MetricInfo
{
    QByteArrayView name; // snake_case, without the "l2met_" prefix of /metrics
    QByteArrayView help; // the "# HELP" text of /metrics
    MetricUnit unit = MetricUnit::Count;
    MetricKind kind = MetricKind::Counter;
    // The label names of a labelled metric, comma-separated ("source_kind,outcome");
    // empty: none. Registrations give their values (Metrics::counter(info, labels)).
    QByteArrayView labels = {};
};

// One instrument's value at the time it was read.
struct MetricSample
{
    QByteArray name;   // snake_case without the "l2met_" prefix
    QByteArray labels; // Prometheus label set without braces, e.g. user="a"; may be empty
    MetricKind kind;
    double value;      // counter/gauge value; timer: count
    double sum = 0;    // timer: seconds
    double max = 0;    // timer: seconds

    // This sample is the metric, without labels.
    bool is(const MetricInfo &info) const { return labels.isEmpty() && name == info.name; }
    // This sample is one label set of the metric (or the metric without labels).
    bool isOf(const MetricInfo &info) const { return name == info.name; }
};

} // namespace l2met
