// Converter: buckets ready in the store to Librato batches
// (docs/behaviour.md sections 4 and 5): statistics and gauges per bucket, grouped by credentials (the
// drain token, decrypted here and only here), at most 300 gauges a batch.
// Buckets whose token no longer verifies (a removed key) cannot be delivered
// and are reported as such.
//
// Pure functions; thread-safe.
#pragma once

#include "auth/credentials.h"
#include "auth/credentialscache.h"
#include "bucket/bucket.h"

#include <QByteArray>
#include <QJsonArray>
#include <QList>

#include <vector>

namespace l2met {

struct OutletBatch
{
    Credentials credentials;
    QJsonArray gauges; // at most kMaxGauges
    int buckets = 0;   // buckets whose gauges are in this batch (a bucket never spans batches)

    QByteArray payload() const; // {"gauges":[...]} compact JSON
};

struct Conversion
{
    QList<OutletBatch> batches;
    qint64 undeliverableBuckets = 0; // token did not verify or had no ':'
    qint64 undeliverableGauges = 0;
};

class Converter
{
public:
    static constexpr int kMaxGauges = 300;

    // percentiles: the gauges of each measurement (--percentiles).
    static Conversion convert(const std::vector<Bucket> &buckets,
                              const CredentialsCache &credentials, int maxGauges = kMaxGauges,
                              const Percentiles &percentiles = Percentiles::defaults());
};

} // namespace l2met
