#include "store/store.h"

namespace l2met {

QString Store::lockArgumentsError(int partition, const QByteArray &owner, int ttlMs) const
{
    if (partition < 0 || partition >= partitions())
        return QStringLiteral("partition %1 out of range").arg(partition);
    if (owner.isEmpty())
        return QStringLiteral("empty lock owner");
    if (ttlMs <= 0)
        return QStringLiteral("lock ttl must be positive");
    return {};
}

bool Store::visitStored(const std::function<void(const Bucket &)> &visit, int sampleLimit)
{
    for (const Bucket &b : peek(sampleLimit))
        visit(b);
    return false;
}

} // namespace l2met
