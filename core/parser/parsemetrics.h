// The parser's metrics: one counter per ParseCounter, registered by the
// parser pool (receiver/parserpool.h) and added to once per body. The line
// outcomes (lines_aggregated ... frames_malformed) sum to lines_received;
// the others are detail (docs/behaviour.md section 3 says what each
// outcome means). Their names are also the words of ParseCounters::name(),
// the Lines view's outcomes and the Problems view's kinds.
//
// Declarations only (metrics/metricinfo.h).
#pragma once

#include "metrics/metricinfo.h"
#include "parser/parsecounters.h"

#include <array>

namespace l2met {

inline constexpr QByteArrayView kLineOutcomeHelp = "lines by outcome (each line received ends in exactly one)";
inline constexpr QByteArrayView kParserDetailHelp = "parser detail";

// Line outcomes: exactly one per line.
inline constexpr MetricInfo kLinesAggregated { .name = "lines_aggregated", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesNoMetrics { .name = "lines_no_metrics", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesInvalid { .name = "lines_invalid", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesLate { .name = "lines_late", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesEarly { .name = "lines_early", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesBadHeader { .name = "lines_bad_header", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesLogplexNotice { .name = "lines_logplex_notice", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kLinesSeriesDropped { .name = "lines_series_dropped", .help = kLineOutcomeHelp };
inline constexpr MetricInfo kFramesMalformed { .name = "frames_malformed", .help = kLineOutcomeHelp };

// Detail.
inline constexpr MetricInfo kMeasurements { .name = "measurements", .help = kParserDetailHelp };
inline constexpr MetricInfo kMeasurementsDropped { .name = "measurements_dropped", .help = kParserDetailHelp };
// Measurements for a new series over its drain's --max-series in the
// window (by drain user: receiver/receivermetrics.h kSeriesDroppedByUser).
inline constexpr MetricInfo kSeriesDropped { .name = "series_dropped", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadValueEmpty { .name = "bad_value_empty", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadValueMissing { .name = "bad_value_missing", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadValueNotNumber { .name = "bad_value_not_number", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadValueNonFinite { .name = "bad_value_non_finite", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadValueUnits { .name = "bad_value_units", .help = kParserDetailHelp };
inline constexpr MetricInfo kBadEmptyName { .name = "bad_empty_name", .help = kParserDetailHelp };
inline constexpr MetricInfo kUnterminatedQuote { .name = "unterminated_quote", .help = kParserDetailHelp };
// N of logplex's "N messages dropped" notices (by drain user:
// receiver/receivermetrics.h kLogplexDroppedByUser).
inline constexpr MetricInfo kLogplexDropped { .name = "logplex_dropped", .help = kParserDetailHelp };
inline constexpr MetricInfo kBodyBytes { .name = "body_bytes", .help = kParserDetailHelp, .unit = MetricUnit::Bytes };

// The declaration of each ParseCounter, in the enum's order.
inline constexpr std::array<const MetricInfo *, ParseCounters::kCount> kParseCounterMetrics {
    &kLinesAggregated, &kLinesNoMetrics,      &kLinesInvalid,      &kLinesLate,         &kLinesEarly,
    &kLinesBadHeader,  &kLinesLogplexNotice,  &kLinesSeriesDropped, &kFramesMalformed,  &kMeasurements,
    &kMeasurementsDropped, &kSeriesDropped,
    &kBadValueEmpty,   &kBadValueMissing,     &kBadValueNotNumber, &kBadValueNonFinite, &kBadValueUnits,
    &kBadEmptyName,    &kUnterminatedQuote,   &kLogplexDropped,    &kBodyBytes,
};
static_assert(kParseCounterMetrics.back() == &kBodyBytes
                  && static_cast<size_t>(ParseCounter::BodyBytes) + 1 == ParseCounters::kCount,
              "one declaration per ParseCounter, in the enum's order");

constexpr const MetricInfo &parseCounterMetric(ParseCounter c)
{
    return *kParseCounterMetrics[static_cast<size_t>(c)];
}

} // namespace l2met
