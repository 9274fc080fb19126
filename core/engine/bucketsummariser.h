// summariseBuckets: the Buckets and Metrics tabs' part of an EngineSnapshot,
// in one pass over every bucket the process holds: the register
// (Register::forEach, under each shard's lock) and the store
// (Store::visitStored: every bucket of a MemoryStore, a chunk at a time; RedisStore's
// bounded, cached sample). An id in both is one bucket, its stored values
// first. Every bucket is counted (bucketsTotal) and grouped by metric name
// and pattern (MetricSummaryBuilder); those the query's filter keeps are
// counted (bucketsMatched) and the first `limit` of them in the query's
// order become BucketSummary rows, through a bounded heap: statistics are
// computed only for rows that enter it (or for every match when the query
// sorts by a statistic). Ties are broken by the bucket's identity, so the
// same buckets give the same rows snapshot after snapshot.
//
// Copies: the register's matching buckets (the register holds one flush
// interval of values) and the rows shown; a memory store copies its
// buckets a chunk at a time (MemoryStore::visitStored).
//
// Call from the snapshot thread (any thread but the GUI's: with a million
// buckets it takes a noticeable fraction of a second); thread-safe as the
// register and store are.
#pragma once

#include "bucket/percentiles.h"
#include "engine/bucketquery.h"

#include <QByteArray>

#include <functional>

namespace l2met {

class Register;
class Store;
struct EngineSnapshot;

struct BucketPass
{
    const Register *reg = nullptr; // may be null (an outlet-only process)
    Store *store = nullptr;        // may be null
    // A drain token's Librato user (empty when it does not verify); called
    // once per distinct token of the pass.
    std::function<QByteArray(const QByteArray &token)> userOf;
    Percentiles percentiles = Percentiles::defaults();
    BucketQuery query;
    int limit = 5000;
    // Group by name and pattern too (EngineSnapshot::metricSummary); when
    // false the snapshot's metricSummary is left as it is.
    bool withMetrics = true;
    qint64 expectedBuckets = 0; // a hint for reserving (the store's count)
};

// Fills snapshot.buckets, bucketQuery, bucketsMatched, bucketsTotal,
// bucketsSampled, bucketsBuildMs and (withMetrics) metricSummary and
// metricsBuildMs.
void summariseBuckets(const BucketPass &pass, EngineSnapshot &snapshot);

} // namespace l2met
