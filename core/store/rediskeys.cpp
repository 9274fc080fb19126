#include "store/rediskeys.h"

#include <QStringBuilder>

namespace l2met {

QByteArray RedisKeys::bucketPrefix()
{
    return QByteArrayLiteral("l2met:b:");
}

QByteArray RedisKeys::sketchPrefix()
{
    return QByteArrayLiteral("l2met:h:");
}

QByteArray RedisKeys::readySetPrefix()
{
    return QByteArrayLiteral("l2met:ready:");
}

QByteArray RedisKeys::valuesCounterPrefix()
{
    return QByteArrayLiteral("l2met:values:");
}

QByteArray RedisKeys::readyIndexPrefix()
{
    return QByteArrayLiteral("l2met:readyz:");
}

QByteArray RedisKeys::lockPrefix()
{
    return QByteArrayLiteral("l2met:lock:");
}

QByteArray RedisKeys::putTokenPrefix()
{
    return QByteArrayLiteral("l2met:put:");
}

QByteArray RedisKeys::partitionSuffix(int partition)
{
    return ':' + QByteArray::number(partition);
}

QByteArray RedisKeys::bucket(QByteArrayView encodedId)
{
    return bucketPrefix() + encodedId;
}

QByteArray RedisKeys::sketch(QByteArrayView encodedId)
{
    return sketchPrefix() + encodedId;
}

QByteArray RedisKeys::readySet(QByteArrayView readyAt, int partition)
{
    return readySetPrefix() + readyAt + partitionSuffix(partition);
}

QByteArray RedisKeys::readySet(qint64 readyAt, int partition)
{
    return readySet(QByteArray::number(readyAt), partition);
}

QByteArray RedisKeys::valuesCounter(QByteArrayView readyAt, int partition)
{
    return valuesCounterPrefix() + readyAt + partitionSuffix(partition);
}

QByteArray RedisKeys::valuesCounter(qint64 readyAt, int partition)
{
    return valuesCounter(QByteArray::number(readyAt), partition);
}

QByteArray RedisKeys::readyIndex(int partition)
{
    return readyIndexPrefix() + QByteArray::number(partition);
}

QByteArray RedisKeys::lock(int partition)
{
    return lockPrefix() + QByteArray::number(partition);
}

QByteArray RedisKeys::putToken(QByteArrayView nonce, quint64 batch, quint64 firstIdHash,
                               quint64 firstValue)
{
    return putTokenPrefix() + nonce + ':' + QByteArray::number(batch, 16) + ':'
        + QByteArray::number(firstIdHash, 16) + ':' + QByteArray::number(firstValue);
}

QByteArray RedisKeys::probe(QByteArrayView nonce, int kind)
{
    return QByteArrayLiteral("l2met:probe:") + nonce + ':' + QByteArray::number(kind);
}

} // namespace l2met
