// The outlet's metrics: what LibratoOutlet sent, retried, dropped or only
// previewed (docs/behaviour.md section 5), and what the Reader read,
// acknowledged and could not (section 6).
//
// Declarations only (metrics/metricinfo.h).
#pragma once

#include "metrics/metricinfo.h"

namespace l2met {

// ---- LibratoOutlet ------------------------------------------------------

inline constexpr MetricInfo kGaugesDelivered {
    .name = "gauges_delivered", .help = "Gauges Librato accepted at the first attempt"
};
inline constexpr MetricInfo kGaugesRetriedDelivered {
    .name = "gauges_retried_delivered", .help = "Gauges Librato accepted after one or more retries"
};
inline constexpr MetricInfo kGaugesFailed {
    .name = "gauges_failed", .help = "Gauges dropped after a permanent error or exhausted retries"
};
inline constexpr MetricInfo kGaugesUndeliverable {
    .name = "gauges_undeliverable", .help = "Gauges whose drain token no longer verifies or has no user:token"
};
inline constexpr MetricInfo kGaugesPreviewed {
    .name = "gauges_previewed", .help = "Gauges built in preview mode and not sent"
};
inline constexpr MetricInfo kOutletRequests {
    .name = "outlet_requests", .help = "Requests sent to Librato, retries included"
};
inline constexpr MetricInfo kOutletRetries { .name = "outlet_retries", .help = "Requests to Librato that were retries" };
inline constexpr MetricInfo kOutletBatchesFailed {
    .name = "outlet_batches_failed", .help = "Batches dropped after a permanent error or exhausted retries"
};
inline constexpr MetricInfo kOutletRequestLatency {
    .name = "outlet_request_latency",
    .help = "Duration of requests to Librato",
    .unit = MetricUnit::Seconds,
    .kind = MetricKind::Timer
};

// ---- Reader -------------------------------------------------------------

inline constexpr MetricInfo kReaderScans { .name = "reader_scans", .help = "partition scans that held the lock" };
inline constexpr MetricInfo kBucketsRead {
    .name = "buckets_read",
    .help = "buckets read from the store by this reader (again after an unacknowledged delivery)"
};
inline constexpr MetricInfo kBucketsAcknowledged {
    .name = "buckets_acknowledged", .help = "buckets removed from the store once their delivery ended"
};
inline constexpr MetricInfo kReaderLockBusy {
    .name = "reader_lock_busy", .help = "partition scans skipped: another owner held the lock"
};
inline constexpr MetricInfo kReaderLockLost {
    .name = "reader_lock_lost", .help = "deliveries not acknowledged: the partition lock ran out meanwhile"
};
inline constexpr MetricInfo kReaderDeliveryTimeouts {
    .name = "reader_delivery_timeouts", .help = "deliveries not acknowledged: not done within their bound"
};
inline constexpr MetricInfo kReaderErrors {
    .name = "reader_errors", .help = "store errors while reading or acknowledging"
};
inline constexpr MetricInfo kReaderScan {
    .name = "reader_scan",
    .help = "time of one partition scan, from lock to release",
    .unit = MetricUnit::Seconds,
    .kind = MetricKind::Timer
};

} // namespace l2met
