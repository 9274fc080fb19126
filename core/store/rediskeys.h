// RedisKeys: the names of RedisStore's keys, the one place they are spelt.
// RedisStore builds its keys and the key prefixes it hands to its scripts
// here, and the tests build the keys they look at here too, so the layout
// (types, contents and expiry: redisstore.h and docs/behaviour.md section 6)
// changes in one file. P = partition, R = ready unix second, ID =
// BucketId::encode():
//   l2met:b:ID          bucket(ID)             the bucket's values (list)
//   l2met:h:ID          sketch(ID)             a unique bucket's HyperLogLog
//   l2met:ready:R:P     readySet(R, P)         ids ready at R (set)
//   l2met:values:R:P    valuesCounter(R, P)    values filed under that set
//   l2met:readyz:P      readyIndex(P)          ready seconds of P (zset)
//   l2met:lock:P        lock(P)                the reader holding P
//   l2met:put:N:B:H:O   putToken(N, B, H, O)   a put chunk was written
// The prefixes (with a trailing '*') are also the KEYS patterns of a kind.
//
// Pure functions; thread-safe.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace l2met {

class RedisKeys final
{
public:
    RedisKeys() = delete;

    static QByteArray bucketPrefix(); // "l2met:b:"
    static QByteArray sketchPrefix(); // "l2met:h:"
    static QByteArray readySetPrefix(); // "l2met:ready:"
    static QByteArray valuesCounterPrefix(); // "l2met:values:"
    static QByteArray readyIndexPrefix(); // "l2met:readyz:"
    static QByteArray lockPrefix(); // "l2met:lock:"
    static QByteArray putTokenPrefix(); // "l2met:put:"
    // ":P", what ends a ready set and a values counter.
    static QByteArray partitionSuffix(int partition);

    static QByteArray bucket(QByteArrayView encodedId);
    static QByteArray sketch(QByteArrayView encodedId);
    // readyAt as its decimal (what the ready index holds) or as a number.
    static QByteArray readySet(QByteArrayView readyAt, int partition);
    static QByteArray readySet(qint64 readyAt, int partition);
    static QByteArray valuesCounter(QByteArrayView readyAt, int partition);
    static QByteArray valuesCounter(qint64 readyAt, int partition);
    static QByteArray readyIndex(int partition);
    static QByteArray lock(int partition);
    // The write token of the put chunk that starts at value firstValue of
    // the bucket whose encoded id hashes (fnv1a64) to firstIdHash, in batch
    // of the store whose random nonce is nonce (hexadecimal numbers).
    static QByteArray putToken(QByteArrayView nonce, quint64 batch, quint64 firstIdHash,
                               quint64 firstValue);
    // Key `kind` (0..4) of the start-up probe (RedisScript::Probe) of the
    // store whose nonce is nonce: l2met:probe:NONCE:KIND.
    static QByteArray probe(QByteArrayView nonce, int kind);
};

} // namespace l2met
