// The engine's gauges: levels it samples from the stages it owns (store
// health, inbox, register, local sources' losses, partition locks) each
// time /metrics is answered, so they appear there and in snapshots taken
// after the first /metrics request. The window reads these levels from
// EngineSnapshot's own fields instead.
//
// Declarations only (metrics/metricinfo.h).
#pragma once

#include "metrics/metricinfo.h"

namespace l2met {

inline constexpr MetricInfo kStoreHealthy {
    .name = "store_healthy",
    .help = "1 when the store answers, 0 when it is unreachable",
    .unit = MetricUnit::Boolean,
    .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kInboxDepth {
    .name = "inbox_depth", .help = "bodies waiting in the inbox", .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kInboxBytes {
    .name = "inbox_bytes", .help = "bytes waiting in the inbox", .unit = MetricUnit::Bytes, .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kRegisterBuckets {
    .name = "register_buckets", .help = "buckets in the register", .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kRegisterValues {
    .name = "register_values", .help = "values in the register", .kind = MetricKind::Gauge
};
// Lines local sources read but could not keep (UDP syslog while the inbox
// was full), by kind.
inline constexpr MetricInfo kSourceLinesDropped {
    .name = "source_lines_dropped",
    .help = "lines a local source read but lost (UDP syslog while the inbox was full)",
    .kind = MetricKind::Gauge,
    .labels = "source_kind"
};
inline constexpr MetricInfo kPartitions {
    .name = "partitions", .help = "partitions of the store", .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kPartitionsLocked {
    .name = "partitions_locked",
    .help = "partitions whose lock this process held at its last scan of them",
    .kind = MetricKind::Gauge
};

} // namespace l2met
