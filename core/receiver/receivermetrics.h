// The receiver's metrics: what the HTTP edge answered and accepted
// (HttpReceiver), what the parser pool took from the inbox (ParserPool; the
// per-line counters are parser/parsemetrics.h), and what the store writer
// moved to the store (StoreWriter). docs/behaviour.md sections 1 and 2 say
// when each moves.
//
// Declarations only (metrics/metricinfo.h).
#pragma once

#include "metrics/metricinfo.h"

namespace l2met {

// ---- HttpReceiver -------------------------------------------------------

inline constexpr MetricInfo kHttpRequests { .name = "http_requests", .help = "HTTP requests answered" };
inline constexpr MetricInfo kHttpResponses {
    .name = "http_responses", .help = "HTTP responses by status code", .labels = "status"
};
inline constexpr MetricInfo kHttpBodyBytes {
    .name = "http_body_bytes", .help = "bytes of /logs bodies accepted", .unit = MetricUnit::Bytes
};
inline constexpr MetricInfo kBodiesAccepted { .name = "bodies_accepted", .help = "/logs bodies put on the inbox" };
inline constexpr MetricInfo kBodiesDuplicate {
    .name = "bodies_duplicate",
    .help = "/logs bodies answered 200 but dropped: a retry of an accepted Logplex-Frame-Id"
};
inline constexpr MetricInfo kLinesDuplicate {
    .name = "lines_duplicate", .help = "lines of duplicate bodies (their Logplex-Msg-Count), never parsed"
};
inline constexpr MetricInfo kConnectionsEvicted {
    .name = "connections_evicted", .help = "silent connections closed to make room at the connection limit"
};
// Set when /metrics is answered.
inline constexpr MetricInfo kHttpConnections {
    .name = "http_connections", .help = "open HTTP connections", .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kHttpBufferedBytes {
    .name = "http_buffered_bytes",
    .help = "bytes of requests held before parsing (--max-buffered)",
    .unit = MetricUnit::Bytes,
    .kind = MetricKind::Gauge
};

// ---- ParserPool ---------------------------------------------------------

inline constexpr MetricInfo kBodiesParsed { .name = "bodies_parsed", .help = "bodies taken from the inbox and parsed" };
inline constexpr MetricInfo kLinesReceived {
    .name = "lines_received", .help = "lines (frames) received: the sum of the line outcomes"
};
inline constexpr MetricInfo kBucketsAdded { .name = "buckets_added", .help = "buckets new to the register" };
inline constexpr MetricInfo kBucketsMerged {
    .name = "buckets_merged", .help = "buckets merged into one already in the register"
};
inline constexpr MetricInfo kParseBody {
    .name = "parse_body",
    .help = "time to parse one body and merge its buckets",
    .unit = MetricUnit::Seconds,
    .kind = MetricKind::Timer
};
// The line outcomes again, by where the lines came from.
inline constexpr MetricInfo kSourceLines {
    .name = "source_lines",
    .help = "lines by source kind and outcome (each line ends in exactly one)",
    .labels = "source_kind,outcome"
};
// Registered for a user when --max-series first refuses one of its series.
inline constexpr MetricInfo kSeriesDroppedByUser {
    .name = "series_dropped_by_user",
    .help = "measurements of new series refused by --max-series, by drain user",
    .labels = "user"
};
// Registered for a user when logplex first reports drops for it.
inline constexpr MetricInfo kLogplexDroppedByUser {
    .name = "logplex_dropped_by_user",
    .help = "messages logplex reports it dropped (L10), by drain user",
    .labels = "user"
};

// ---- StoreWriter --------------------------------------------------------

inline constexpr MetricInfo kFlushes { .name = "flushes", .help = "register flushes" };
inline constexpr MetricInfo kFlushFailures {
    .name = "flush_failures", .help = "store writes that failed and will be retried"
};
inline constexpr MetricInfo kBucketsStored { .name = "buckets_stored", .help = "buckets written to the store" };
inline constexpr MetricInfo kOutboxBuckets {
    .name = "outbox_buckets", .help = "buckets waiting for the store", .kind = MetricKind::Gauge
};
inline constexpr MetricInfo kStorePut {
    .name = "store_put", .help = "time of one store write", .unit = MetricUnit::Seconds, .kind = MetricKind::Timer
};

} // namespace l2met
