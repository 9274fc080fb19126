// Tests of BucketId: the versioned encoding (round trips, every rejection,
// truncation and random corruption), the stable partition hash, the
// partition spread, qHash and the type names.
#include "bucket/bucketid.h"

#include <QHash>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <limits>

using namespace l2met;

namespace {

BucketId makeId(qint64 time, qint32 resolution, BucketType type, QByteArray auth, QByteArray name,
                QByteArray units, QByteArray source)
{
    BucketId id;
    id.time = time;
    id.resolution = resolution;
    id.type = type;
    id.auth = std::move(auth);
    id.name = std::move(name);
    id.units = std::move(units);
    id.source = std::move(source);
    return id;
}

// The id whose encoding and hash are pinned below.
BucketId fixedId()
{
    return makeId(1700000040, 60, BucketType::Measurement, QByteArrayLiteral("user:token"),
                  QByteArrayLiteral("web.latency"), QByteArrayLiteral("ms"),
                  QByteArrayLiteral("web.1"));
}

QByteArray allBytes()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(char(i));
    return bytes;
}

} // namespace

class Tst_bucketid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void encodingLayout();
    void varintLengths_data();
    void varintLengths();
    void decodeRejects_data();
    void decodeRejects();
    void truncatedAtEveryLength();
    void randomCorruptionNeverCrashes();
    void partitionHashIsPinned();
    void fnv1a64Vectors_data();
    void fnv1a64Vectors();
    void partitionHashDependsOnEveryField();
    void partitionSpread();
    void qHashAndEquality();
    void typeNames();
    void readyAt();
    void variant();
};

void Tst_bucketid::roundTrip_data()
{
    QTest::addColumn<BucketId>("id");
    const QByteArray garbage = allBytes();
    QTest::newRow("default") << BucketId {};
    QTest::newRow("fixed") << fixedId();
    QTest::newRow("counter") << makeId(60, 60, BucketType::Counter, "a", "b", "", "");
    QTest::newRow("sample") << makeId(0, 1, BucketType::Sample, "", "n", "", "s");
    QTest::newRow("unique") << makeId(60, 60, BucketType::Unique, "a", "users", "", "web.1");
    QTest::newRow("all fields empty") << makeId(0, 1, BucketType::Measurement, {}, {}, {}, {});
    QTest::newRow("negative time") << makeId(-3600, 3600, BucketType::Counter, "a", "n", "u", "s");
    QTest::newRow("extreme time and resolution")
        << makeId(std::numeric_limits<qint64>::min(), std::numeric_limits<qint32>::max(),
                  BucketType::Sample, "a", "n", "u", "s");
    QTest::newRow("max time") << makeId(std::numeric_limits<qint64>::max(), 1,
                                        BucketType::Measurement, "a", "n", "u", "s");
    QTest::newRow("NUL, newline, colon")
        << makeId(120, 60, BucketType::Measurement, QByteArray("a\0b:c", 5),
                  QByteArray("na\0me\n:x", 8), QByteArray("\0", 1), QByteArray("src\r\n:\0", 7));
    QTest::newRow("non-UTF-8") << makeId(120, 60, BucketType::Counter, "\xff\xfe", "\xc0\xaf\x80",
                                         "\xed\xa0\x80", "\xf5\xff");
    QTest::newRow("every byte in every field")
        << makeId(120, 60, BucketType::Sample, garbage, garbage, garbage, garbage);
    QTest::newRow("127-byte field (1-byte varint)")
        << makeId(0, 60, BucketType::Counter, {}, QByteArray(127, 'x'), {}, {});
    QTest::newRow("128-byte field (2-byte varint)")
        << makeId(0, 60, BucketType::Counter, {}, QByteArray(128, 'x'), {}, {});
    QTest::newRow("20000-byte field (3-byte varint)")
        << makeId(0, 60, BucketType::Counter, QByteArray(20000, '\0'), {}, {}, {});
}

void Tst_bucketid::roundTrip()
{
    QFETCH(BucketId, id);
    const QByteArray encoded = id.encode();
    QCOMPARE(quint8(encoded.at(0)), BucketId::kEncodingVersion);
    const std::optional<BucketId> decoded = BucketId::decode(encoded);
    QVERIFY(decoded.has_value());
    QCOMPARE(decoded->time, id.time);
    QCOMPARE(decoded->resolution, id.resolution);
    QCOMPARE(decoded->type, id.type);
    QCOMPARE(decoded->auth, id.auth);
    QCOMPARE(decoded->name, id.name);
    QCOMPARE(decoded->units, id.units);
    QCOMPARE(decoded->source, id.source);
    QVERIFY(*decoded == id);
    QCOMPARE(decoded->encode(), encoded);
}

void Tst_bucketid::encodingLayout()
{
    const QByteArray expected = QByteArray::fromHex("01" // version
                                                    "000000006553f128" // time 1700000040
                                                    "0000003c" // resolution 60
                                                    "00" // measurement
                                                    "0a757365723a746f6b656e" // 10 "user:token"
                                                    "0b7765622e6c6174656e6379" // 11 "web.latency"
                                                    "026d73" // 2 "ms"
                                                    "057765622e31"); // 5 "web.1"
    QCOMPARE(fixedId().encode(), expected);
}

void Tst_bucketid::varintLengths_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("varint");
    QTest::newRow("0") << 0 << QByteArray::fromHex("00");
    QTest::newRow("1") << 1 << QByteArray::fromHex("01");
    QTest::newRow("127") << 127 << QByteArray::fromHex("7f");
    QTest::newRow("128") << 128 << QByteArray::fromHex("8001");
    QTest::newRow("300") << 300 << QByteArray::fromHex("ac02");
    QTest::newRow("16384") << 16384 << QByteArray::fromHex("808001");
}

void Tst_bucketid::varintLengths()
{
    QFETCH(int, length);
    QFETCH(QByteArray, varint);
    BucketId id;
    id.source = QByteArray(length, 's');
    const QByteArray encoded = id.encode();
    // source is the last field: its length prefix sits right before its bytes.
    QCOMPARE(encoded.sliced(encoded.size() - length - varint.size(), varint.size()), varint);
}

void Tst_bucketid::decodeRejects_data()
{
    QTest::addColumn<QByteArray>("bytes");

    const QByteArray header = QByteArray::fromHex("01"
                                                  "0000000000000078"
                                                  "0000003c"
                                                  "00");
    const QByteArray emptyFields = QByteArray::fromHex("00000000");
    const QByteArray valid = header + emptyFields;
    QVERIFY(BucketId::decode(valid).has_value()); // the baseline is valid

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("version 0") << QByteArray::fromHex("00") + valid.sliced(1);
    QTest::newRow("version 2") << QByteArray::fromHex("02") + valid.sliced(1);
    QTest::newRow("version 255") << QByteArray::fromHex("ff") + valid.sliced(1);
    QTest::newRow("version only") << QByteArray::fromHex("01");
    QTest::newRow("truncated time") << QByteArray::fromHex("01000000");
    QTest::newRow("truncated resolution") << header.first(11);
    QTest::newRow("missing type") << header.first(13);
    QTest::newRow("missing fields") << header;
    QTest::newRow("missing source") << header + QByteArray::fromHex("000000");
    QTest::newRow("trailing byte") << valid + QByteArray::fromHex("00");
    QTest::newRow("trailing bytes") << valid + QByteArrayLiteral("junk");
    QTest::newRow("type 4") << header.first(13) + QByteArray::fromHex("04") + emptyFields;
    QTest::newRow("type 255") << header.first(13) + QByteArray::fromHex("ff") + emptyFields;
    QTest::newRow("resolution 0") << QByteArray::fromHex("01"
                                                         "0000000000000078"
                                                         "00000000"
                                                         "00")
            + emptyFields;
    QTest::newRow("resolution -1") << QByteArray::fromHex("01"
                                                          "0000000000000078"
                                                          "ffffffff"
                                                          "00")
            + emptyFields;
    QTest::newRow("resolution INT_MIN") << QByteArray::fromHex("01"
                                                               "0000000000000078"
                                                               "80000000"
                                                               "00")
            + emptyFields;
    QTest::newRow("length past end") << header
            + QByteArray::fromHex("05"
                                  "6162")
            + emptyFields;
    QTest::newRow("length past end by one") << header
            + QByteArray::fromHex("000000"
                                  "03"
                                  "6162");
    QTest::newRow("huge length") << header + QByteArray::fromHex("ffffffffffffffff7f")
            + emptyFields;
    QTest::newRow("varint of 11 bytes")
        << header + QByteArray::fromHex("8080808080808080808000") + emptyFields;
    QTest::newRow("varint over 64 bits")
        << header + QByteArray::fromHex("ffffffffffffffffff02") + emptyFields;
    QTest::newRow("varint continues at end") << header + QByteArray::fromHex("80");
    QTest::newRow("non-minimal varint 0")
        << header + QByteArray::fromHex("8000") + QByteArray::fromHex("000000");
    QTest::newRow("non-minimal varint 1") << header
            + QByteArray::fromHex("8100"
                                  "61")
            + QByteArray::fromHex("000000");
}

void Tst_bucketid::decodeRejects()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(!BucketId::decode(bytes).has_value());
}

void Tst_bucketid::truncatedAtEveryLength()
{
    const QList<BucketId> ids {
        fixedId(),
        BucketId {},
        makeId(0, 60, BucketType::Sample, QByteArray(200, 'a'), allBytes(), "u", "s"),
    };
    for (const BucketId &id : ids) {
        const QByteArray encoded = id.encode();
        for (qsizetype length = 0; length < encoded.size(); ++length) {
            if (BucketId::decode(encoded.first(length)).has_value())
                QFAIL(qPrintable(QStringLiteral("decoded a prefix of %1 of %2 bytes")
                                     .arg(length)
                                     .arg(encoded.size())));
        }
        QVERIFY(BucketId::decode(encoded).has_value());
    }
}

void Tst_bucketid::randomCorruptionNeverCrashes()
{
    // Whatever decode() accepts must be canonical: encoding it again gives the
    // very same bytes (one id, one key).
    QRandomGenerator random(20240601);
    const QByteArray base
        = makeId(1700000040, 60, BucketType::Counter, "tok", QByteArray(130, 'n'), "u", "src")
              .encode();
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        QByteArray bytes = base;
        const int flips = 1 + int(random.bounded(4));
        for (int f = 0; f < flips; ++f) {
            const qsizetype at = qsizetype(random.bounded(quint32(bytes.size())));
            bytes[at] = char(bytes.at(at) ^ char(1 + random.bounded(255)));
        }
        if (random.bounded(4) == 0)
            bytes.truncate(qsizetype(random.bounded(quint32(bytes.size()))));
        const std::optional<BucketId> decoded = BucketId::decode(bytes);
        if (decoded) {
            ++accepted;
            QCOMPARE(decoded->encode(), bytes);
        }
    }
    // Pure random input, mostly rejected, never a crash.
    for (int round = 0; round < 20000; ++round) {
        QByteArray bytes(qsizetype(random.bounded(64)), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(random.bounded(256));
        if (!bytes.isEmpty() && random.bounded(2) == 0)
            bytes[0] = char(BucketId::kEncodingVersion);
        const std::optional<BucketId> decoded = BucketId::decode(bytes);
        if (decoded)
            QCOMPARE(decoded->encode(), bytes);
    }
    qDebug("accepted %d of 20000 corrupted encodings (all canonical)", accepted);
    QVERIFY(accepted > 0);
}

void Tst_bucketid::partitionHashIsPinned()
{
    // Part of the Redis contract: a change here re-files every stored bucket.
    // Computed independently (Python FNV-1a over the bytes of encodingLayout).
    QCOMPARE(fixedId().partitionHash(), Q_UINT64_C(0xbbda9971e7a32776));
    QCOMPARE(fixedId().partition(4), int(Q_UINT64_C(0xbbda9971e7a32776) % 4));
    QCOMPARE(fixedId().partition(1), 0);
}

void Tst_bucketid::fnv1a64Vectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<quint64>("hash");
    QTest::newRow("empty") << QByteArray() << Q_UINT64_C(0xcbf29ce484222325);
    QTest::newRow("a") << QByteArrayLiteral("a") << Q_UINT64_C(0xaf63dc4c8601ec8c);
    QTest::newRow("foobar") << QByteArrayLiteral("foobar") << Q_UINT64_C(0x85944171f73967e8);
}

void Tst_bucketid::fnv1a64Vectors()
{
    QFETCH(QByteArray, input);
    QFETCH(quint64, hash);
    QCOMPARE(fnv1a64(input), hash);
}

void Tst_bucketid::partitionHashDependsOnEveryField()
{
    const BucketId base = fixedId();
    QList<BucketId> variants;
    for (int i = 0; i < 7; ++i)
        variants.append(base);
    variants[0].time += 60;
    variants[1].resolution = 30;
    variants[2].type = BucketType::Counter;
    variants[3].auth += 'x';
    variants[4].name += 'x';
    variants[5].units += 'x';
    variants[6].source += 'x';
    QSet<quint64> hashes { base.partitionHash() };
    for (const BucketId &variant : std::as_const(variants)) {
        QVERIFY(!(variant == base));
        hashes.insert(variant.partitionHash());
    }
    QCOMPARE(hashes.size(), 8);

    // Moving bytes between fields changes the encoding, hence the hash.
    BucketId a = base;
    BucketId b = base;
    a.name = "ab";
    a.units = "c";
    b.name = "a";
    b.units = "bc";
    QVERIFY(a.encode() != b.encode());
    QVERIFY(a.partitionHash() != b.partitionHash());
}

void Tst_bucketid::partitionSpread()
{
    constexpr int kIds = 10000;
    constexpr int kPartitions = 4;
    int counts[kPartitions] = {};
    for (int i = 0; i < kIds; ++i) {
        BucketId id = fixedId();
        id.name = QByteArrayLiteral("app.metric.") + QByteArray::number(i % 500);
        id.source = QByteArrayLiteral("web.") + QByteArray::number(i / 500);
        const int partition = id.partition(kPartitions);
        QVERIFY(partition >= 0 && partition < kPartitions);
        ++counts[partition];
    }
    // Expected 2500 each, standard deviation about 43: 2250..2750 is ~6 sigma.
    for (int p = 0; p < kPartitions; ++p) {
        QVERIFY2(counts[p] > 2250 && counts[p] < 2750,
                 qPrintable(QStringLiteral("partition %1 got %2").arg(p).arg(counts[p])));
    }
}

void Tst_bucketid::qHashAndEquality()
{
    const BucketId a = fixedId();
    BucketId b = fixedId();
    QVERIFY(a == b);
    QCOMPARE(qHash(a, 7), qHash(b, 7));
    b.source = "other";
    QVERIFY(!(a == b));

    QHash<BucketId, int> hash;
    hash.insert(a, 1);
    hash.insert(b, 2);
    hash[fixedId()] += 10;
    QCOMPARE(hash.size(), 2);
    QCOMPARE(hash.value(a), 11);
    QCOMPARE(hash.value(b), 2);
}

void Tst_bucketid::typeNames()
{
    QCOMPARE(bucketTypeName(BucketType::Measurement), "measurement");
    QCOMPARE(bucketTypeName(BucketType::Counter), "counter");
    QCOMPARE(bucketTypeName(BucketType::Sample), "sample");
}

void Tst_bucketid::readyAt()
{
    QCOMPARE(fixedId().readyAt(), qint64(1700000100));
}

void Tst_bucketid::variant()
{
    const QVariant v = QVariant::fromValue(fixedId());
    QVERIFY(v.canConvert<BucketId>());
    QVERIFY(v.value<BucketId>() == fixedId());
}

QTEST_GUILESS_MAIN(Tst_bucketid)
#include "tst_bucketid.moc"
