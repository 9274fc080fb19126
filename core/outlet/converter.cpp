#include "outlet/converter.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <optional>

namespace l2met {

QByteArray OutletBatch::payload() const
{
    return QJsonDocument(QJsonObject { { QStringLiteral("gauges"), gauges } })
        .toJson(QJsonDocument::Compact);
}

Conversion Converter::convert(const std::vector<Bucket> &buckets,
                              const CredentialsCache &credentialsCache, int maxGauges,
                              const Percentiles &percentiles)
{
    // One group per distinct drain token, in order of first appearance; the
    // token is resolved once, when its group is created.
    struct Group
    {
        std::optional<Credentials> credentials; // nullopt: undeliverable
        QList<OutletBatch> batches;
    };
    std::vector<Group> groups;
    QHash<QByteArray, qsizetype> groupOf;

    Conversion conversion;
    for (const Bucket &bucket : buckets) {
        const QJsonArray gauges = bucket.toGauges(percentiles);
        if (gauges.isEmpty())
            continue; // an empty bucket has nothing to say

        const QByteArray &token = bucket.id().auth;
        auto found = groupOf.constFind(token);
        if (found == groupOf.constEnd()) {
            Group group;
            Credentials credentials;
            if (credentialsCache.resolve(token, &credentials) == AuthError::None)
                group.credentials = std::move(credentials);
            groups.push_back(std::move(group));
            found = groupOf.insert(token, static_cast<qsizetype>(groups.size()) - 1);
        }
        Group &group = groups[static_cast<size_t>(*found)];

        if (!group.credentials) {
            ++conversion.undeliverableBuckets;
            conversion.undeliverableGauges += gauges.size();
            continue;
        }

        // A bucket's gauges stay together: a bucket that does not fit starts a
        // new batch (one larger than maxGauges goes alone, which cannot happen
        // with Librato's 300 and at most 1 + Percentiles::kMax gauges a bucket).
        if (group.batches.isEmpty()
            || (group.batches.last().gauges.size() + gauges.size() > maxGauges
                && !group.batches.last().gauges.isEmpty())) {
            OutletBatch batch;
            batch.credentials = *group.credentials;
            group.batches.append(std::move(batch));
        }
        OutletBatch &batch = group.batches.last();
        for (const QJsonValue &gauge : gauges)
            batch.gauges.append(gauge);
        ++batch.buckets;
    }

    for (Group &group : groups)
        conversion.batches.append(std::move(group.batches));
    return conversion;
}

} // namespace l2met
