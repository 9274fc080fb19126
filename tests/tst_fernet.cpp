// Fernet: the specification's vectors (tests/data/fernet), round trips, key
// rotation, tampering, strict base64url and SECRETS parsing.
#include "auth/fernet.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>
#include <QtEndian>

#include <array>

using namespace l2met;

namespace {

using Iv = std::array<std::uint8_t, 16>;

constexpr qint64 kVectorNow = 499162800; // 1985-10-26T01:20:00-07:00
constexpr Iv kZeroIv {};

const QByteArray kSecret = QByteArrayLiteral("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
// The vector of generate.json, made with kSecret at kVectorNow.
const QByteArray kHelloToken = QByteArrayLiteral(
    "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmp"
    "U4IwqDA==");

QJsonArray loadVectors(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).array();
}

qint64 unixTime(const QJsonValue &rfc3339)
{
    const QDateTime time = QDateTime::fromString(rfc3339.toString(), Qt::ISODate);
    return time.isValid() ? time.toSecsSinceEpoch() : -1;
}

Fernet fernetFor(QByteArrayView secrets)
{
    std::optional<QList<Fernet::Key>> keys = Fernet::parseKeys(secrets);
    return Fernet(keys ? *keys : QList<Fernet::Key>());
}

QByteArray decodeToken(const QByteArray &token)
{
    return QByteArray::fromBase64(token, QByteArray::Base64UrlEncoding);
}

QByteArray encodeToken(const QByteArray &raw)
{
    return raw.toBase64(QByteArray::Base64UrlEncoding);
}

// A key made from a fixed byte, for deterministic rotation tests.
QByteArray fixedKey(char fill)
{
    return QByteArray(32, fill).toBase64(QByteArray::Base64UrlEncoding);
}

} // namespace

Q_DECLARE_METATYPE(FernetError)

class Tst_fernet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void generateVectors_data();
    void generateVectors();
    void verifyVectors_data();
    void verifyVectors();
    void invalidVectors_data();
    void invalidVectors();

    void timestampIgnoredWithoutTtl_data();
    void timestampIgnoredWithoutTtl();
    void ttlBoundaries_data();
    void ttlBoundaries();
    void signatureCheckedFirst();

    void roundTrip_data();
    void roundTrip();
    void randomIvsDiffer();
    void clockDefaults();
    void paddingOptional();
    void keyRotation();
    void tamperedBytesFail();
    void tamperedCharactersFail();
    void garbage_data();
    void garbage();
    void noKeys();

    void parseKey_data();
    void parseKey();
    void parseKeys_data();
    void parseKeys();
    void generateKey();
    void errorTexts();
};

void Tst_fernet::generateVectors_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<QByteArray>("iv");
    QTest::addColumn<QByteArray>("src");
    QTest::addColumn<QByteArray>("secret");

    const QJsonArray vectors = loadVectors(QFINDTESTDATA("data/fernet/generate.json"));
    QVERIFY(!vectors.isEmpty());
    int index = 0;
    for (const QJsonValue &value : vectors) {
        const QJsonObject vector = value.toObject();
        QByteArray iv;
        for (const QJsonValue &byte : vector.value(QLatin1String("iv")).toArray())
            iv.append(static_cast<char>(byte.toInt()));
        QTest::addRow("generate-%d", index++)
            << vector.value(QLatin1String("token")).toString().toLatin1()
            << unixTime(vector.value(QLatin1String("now"))) << iv
            << vector.value(QLatin1String("src")).toString().toUtf8()
            << vector.value(QLatin1String("secret")).toString().toLatin1();
    }
}

void Tst_fernet::generateVectors()
{
    QFETCH(QByteArray, token);
    QFETCH(qint64, now);
    QFETCH(QByteArray, iv);
    QFETCH(QByteArray, src);
    QFETCH(QByteArray, secret);

    QVERIFY(now > 0);
    QCOMPARE(iv.size(), 16);
    Iv ivBytes {};
    std::copy(iv.begin(), iv.end(), ivBytes.begin());
    const Fernet fernet = fernetFor(secret);
    QVERIFY(fernet.isValid());
    QCOMPARE(fernet.encrypt(src, now, ivBytes), token);

    // And the token verifies back.
    const Fernet::Result result = fernet.decrypt(token, now, 60);
    QCOMPARE(result.error, FernetError::None);
    QCOMPARE(result.plaintext, src);
}

void Tst_fernet::verifyVectors_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("ttl");
    QTest::addColumn<QByteArray>("src");
    QTest::addColumn<QByteArray>("secret");

    const QJsonArray vectors = loadVectors(QFINDTESTDATA("data/fernet/verify.json"));
    QVERIFY(!vectors.isEmpty());
    int index = 0;
    for (const QJsonValue &value : vectors) {
        const QJsonObject vector = value.toObject();
        QTest::addRow("verify-%d", index++)
            << vector.value(QLatin1String("token")).toString().toLatin1()
            << unixTime(vector.value(QLatin1String("now")))
            << static_cast<qint64>(vector.value(QLatin1String("ttl_sec")).toInteger())
            << vector.value(QLatin1String("src")).toString().toUtf8()
            << vector.value(QLatin1String("secret")).toString().toLatin1();
    }
}

void Tst_fernet::verifyVectors()
{
    QFETCH(QByteArray, token);
    QFETCH(qint64, now);
    QFETCH(qint64, ttl);
    QFETCH(QByteArray, src);
    QFETCH(QByteArray, secret);

    QVERIFY(now > 0);
    QVERIFY(ttl > 0);
    const Fernet fernet = fernetFor(secret);
    const Fernet::Result result = fernet.decrypt(token, now, ttl);
    QCOMPARE(result.error, FernetError::None);
    QVERIFY(result.ok());
    QCOMPARE(result.plaintext, src);
}

void Tst_fernet::invalidVectors_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("ttl");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<FernetError>("expected"); // None: only assert that it fails

    const QHash<QString, FernetError> kinds {
        { QStringLiteral("incorrect mac"), FernetError::BadSignature },
        { QStringLiteral("too short"), FernetError::Malformed },
        { QStringLiteral("invalid base64"), FernetError::Malformed },
        { QStringLiteral("payload size not multiple of block size"), FernetError::Malformed },
        { QStringLiteral("payload padding error"), FernetError::BadPadding },
        { QStringLiteral("far-future TS (unacceptable clock skew)"), FernetError::FromTheFuture },
        { QStringLiteral("expired TTL"), FernetError::Expired },
        { QStringLiteral("incorrect IV (causes padding error)"), FernetError::BadPadding },
        { QStringLiteral("trailing characters after b64 padding"), FernetError::Malformed },
        { QStringLiteral("invalid characters in b64"), FernetError::Malformed },
        { QStringLiteral("invalid non-urlsafe characters in b64"), FernetError::Malformed },
    };

    const QJsonArray vectors = loadVectors(QFINDTESTDATA("data/fernet/invalid.json"));
    QVERIFY(!vectors.isEmpty());
    for (const QJsonValue &value : vectors) {
        const QJsonObject vector = value.toObject();
        const QString desc = vector.value(QLatin1String("desc")).toString();
        QTest::newRow(desc.toUtf8().constData())
            << vector.value(QLatin1String("token")).toString().toLatin1()
            << unixTime(vector.value(QLatin1String("now")))
            << static_cast<qint64>(vector.value(QLatin1String("ttl_sec")).toInteger())
            << vector.value(QLatin1String("secret")).toString().toLatin1()
            << kinds.value(desc, FernetError::None);
    }
}

void Tst_fernet::invalidVectors()
{
    QFETCH(QByteArray, token);
    QFETCH(qint64, now);
    QFETCH(qint64, ttl);
    QFETCH(QByteArray, secret);
    QFETCH(FernetError, expected);

    QVERIFY(now > 0);
    const Fernet fernet = fernetFor(secret);
    QVERIFY(fernet.isValid());
    const Fernet::Result result = fernet.decrypt(token, now, ttl);
    QVERIFY(!result.ok());
    QVERIFY(result.plaintext.isEmpty());
    if (expected != FernetError::None)
        QCOMPARE(result.error, expected);
}

void Tst_fernet::timestampIgnoredWithoutTtl_data()
{
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("ttl");

    // kHelloToken is stamped kVectorNow.
    QTest::newRow("decades later, ttl 0") << kVectorNow + 40 * 365 * 86400LL << qint64(0);
    QTest::newRow("decades later, ttl -1") << kVectorNow + 40 * 365 * 86400LL << qint64(-1);
    QTest::newRow("hours earlier, ttl 0") << kVectorNow - 36000 << qint64(0);
    QTest::newRow("epoch, ttl 0") << qint64(0) << qint64(0);
}

void Tst_fernet::timestampIgnoredWithoutTtl()
{
    QFETCH(qint64, now);
    QFETCH(qint64, ttl);

    const Fernet::Result result = fernetFor(kSecret).decrypt(kHelloToken, now, ttl);
    QCOMPARE(result.error, FernetError::None);
    QCOMPARE(result.plaintext, QByteArrayLiteral("hello"));
}

void Tst_fernet::ttlBoundaries_data()
{
    QTest::addColumn<qint64>("now");
    QTest::addColumn<FernetError>("expected");

    // kHelloToken is stamped kVectorNow; ttl 60, skew 60.
    QTest::newRow("same second") << kVectorNow << FernetError::None;
    QTest::newRow("exactly ttl old") << kVectorNow + 60 << FernetError::None;
    QTest::newRow("one second past ttl") << kVectorNow + 61 << FernetError::Expired;
    QTest::newRow("exactly skew ahead") << kVectorNow - 60 << FernetError::None;
    QTest::newRow("one second past skew") << kVectorNow - 61 << FernetError::FromTheFuture;
}

void Tst_fernet::ttlBoundaries()
{
    QFETCH(qint64, now);
    QFETCH(FernetError, expected);

    QCOMPARE(fernetFor(kSecret).decrypt(kHelloToken, now, 60).error, expected);
}

void Tst_fernet::signatureCheckedFirst()
{
    // Push the timestamp of a valid token into the past: the MAC no longer
    // matches, and that is what is reported, not the expiry.
    QByteArray raw = decodeToken(kHelloToken);
    raw[8] = static_cast<char>(raw[8] - 1);
    const Fernet fernet = fernetFor(kSecret);
    QCOMPARE(fernet.decrypt(encodeToken(raw), kVectorNow + 3600, 60).error,
             FernetError::BadSignature);
    // A valid token from another key: BadSignature, whatever the time.
    const Fernet other = fernetFor(fixedKey('x'));
    QCOMPARE(other.decrypt(kHelloToken, kVectorNow + 3600, 60).error, FernetError::BadSignature);
}

void Tst_fernet::roundTrip_data()
{
    QTest::addColumn<QByteArray>("plaintext");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one byte") << QByteArrayLiteral("x");
    QTest::newRow("15 bytes") << QByteArray(15, 'a');
    QTest::newRow("16 bytes") << QByteArray(16, 'b');
    QTest::newRow("17 bytes") << QByteArray(17, 'c');
    QTest::newRow("credentials") << QByteArrayLiteral("alice@example.com:0123456789abcdef0123");
    QTest::newRow("binary with NUL") << QByteArray("\0\1\2\xff\xfe:\0", 7);
    QTest::newRow("utf-8") << QStringLiteral("ünïcødé:tøkén").toUtf8();
    QTest::newRow("large") << QByteArray(100000, 'z');
}

void Tst_fernet::roundTrip()
{
    QFETCH(QByteArray, plaintext);

    const QByteArray key = Fernet::generateKey();
    const Fernet fernet = fernetFor(key);
    QVERIFY(fernet.isValid());
    const QByteArray token = fernet.encrypt(plaintext);
    QVERIFY(!token.isEmpty());
    QVERIFY(token.startsWith("gAAAAA")); // version 0x80 and a 2020s timestamp's high bytes

    const Fernet::Result result = fernet.decrypt(token);
    QCOMPARE(result.error, FernetError::None);
    QCOMPARE(result.plaintext, plaintext);

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const Fernet::Result withTtl = fernet.decrypt(token, now, 60);
    QCOMPARE(withTtl.error, FernetError::None);
    QCOMPARE(withTtl.plaintext, plaintext);
}

void Tst_fernet::randomIvsDiffer()
{
    const Fernet fernet = fernetFor(Fernet::generateKey());
    QSet<QByteArray> ivs;
    QSet<QByteArray> tokens;
    for (int i = 0; i < 32; ++i) {
        const QByteArray token = fernet.encrypt("alice:secret");
        tokens.insert(token);
        ivs.insert(decodeToken(token).mid(9, 16));
        QCOMPARE(fernet.decrypt(token).plaintext, QByteArrayLiteral("alice:secret"));
    }
    QCOMPARE(ivs.size(), 32);
    QCOMPARE(tokens.size(), 32);
}

void Tst_fernet::clockDefaults()
{
    const Fernet fernet = fernetFor(kSecret);
    const qint64 before = QDateTime::currentSecsSinceEpoch();
    const QByteArray raw = decodeToken(fernet.encrypt("hello"));
    const qint64 after = QDateTime::currentSecsSinceEpoch();
    QCOMPARE(raw.size(), 1 + 8 + 16 + 16 + 32);
    QCOMPARE(static_cast<quint8>(raw.at(0)), quint8(0x80));
    const auto stamp = qFromBigEndian<qint64>(raw.constData() + 1);
    QVERIFY(stamp >= before && stamp <= after);
}

void Tst_fernet::paddingOptional()
{
    const Fernet fernet = fernetFor(kSecret);
    QByteArray unpadded = kHelloToken;
    while (unpadded.endsWith('='))
        unpadded.chop(1);
    QVERIFY(unpadded.size() < kHelloToken.size());
    QCOMPARE(fernet.decrypt(unpadded, kVectorNow, 60).plaintext, QByteArrayLiteral("hello"));
    // Incomplete or excess padding is refused.
    QCOMPARE(fernet.decrypt(QByteArray(unpadded + '='), kVectorNow, 60).error,
             FernetError::Malformed);
    QCOMPARE(fernet.decrypt(QByteArray(kHelloToken + '='), kVectorNow, 60).error,
             FernetError::Malformed);
    QCOMPARE(fernet.decrypt(QByteArray(kHelloToken + "=="), kVectorNow, 60).error,
             FernetError::Malformed);
    // And so is whitespace anywhere.
    QCOMPARE(fernet.decrypt(QByteArray(kHelloToken + '\n'), kVectorNow, 60).error,
             FernetError::Malformed);
    QCOMPARE(fernet.decrypt(QByteArray(' ' + kHelloToken), kVectorNow, 60).error,
             FernetError::Malformed);
}

void Tst_fernet::keyRotation()
{
    const QByteArray keyA = fixedKey('A');
    const QByteArray keyB = fixedKey('B');
    const Fernet onlyA = fernetFor(keyA);
    const Fernet onlyB = fernetFor(keyB);
    const Fernet both = fernetFor(QByteArray(keyA + ':' + keyB));
    QVERIFY(onlyA.isValid() && onlyB.isValid() && both.isValid());

    // An old token from B still verifies once A is put in front.
    const QByteArray fromB = onlyB.encrypt("alice:token-b");
    QCOMPARE(both.decrypt(fromB).plaintext, QByteArrayLiteral("alice:token-b"));
    QCOMPARE(onlyA.decrypt(fromB).error, FernetError::BadSignature);

    // New tokens are signed by the first key only.
    const QByteArray fresh = both.encrypt("alice:token-a");
    QCOMPARE(onlyA.decrypt(fresh).plaintext, QByteArrayLiteral("alice:token-a"));
    QCOMPARE(onlyB.decrypt(fresh).error, FernetError::BadSignature);
    QCOMPARE(both.decrypt(fresh).plaintext, QByteArrayLiteral("alice:token-a"));

    // Order of verification keys does not matter.
    const Fernet reversed = fernetFor(QByteArray(keyB + ':' + keyA));
    QCOMPARE(reversed.decrypt(fresh).plaintext, QByteArrayLiteral("alice:token-a"));
    QCOMPARE(reversed.decrypt(fromB).plaintext, QByteArrayLiteral("alice:token-b"));
}

void Tst_fernet::tamperedBytesFail()
{
    const Fernet fernet = fernetFor(kSecret);
    const QByteArray raw = decodeToken(kHelloToken);
    QCOMPARE(raw.size(), 73);
    for (qsizetype i = 0; i < raw.size(); ++i) {
        for (const unsigned char flip : { 0x01, 0x80, 0xff }) {
            QByteArray tampered = raw;
            tampered[i] = static_cast<char>(tampered[i] ^ flip);
            const Fernet::Result result = fernet.decrypt(encodeToken(tampered), kVectorNow, 0);
            QVERIFY2(!result.ok(), qPrintable(QStringLiteral("byte %1 flip %2").arg(i).arg(flip)));
            QVERIFY(result.plaintext.isEmpty());
            const FernetError expected
                = i == 0 ? FernetError::Malformed : FernetError::BadSignature;
            QCOMPARE(result.error, expected);
        }
    }
    // Truncated or extended by a byte or a block.
    for (const qsizetype cut : { 1, 16, 32 }) {
        QVERIFY(!fernet.decrypt(encodeToken(raw.chopped(cut)), kVectorNow).ok());
        QVERIFY(!fernet.decrypt(encodeToken(raw + QByteArray(cut, '\0')), kVectorNow).ok());
    }
}

void Tst_fernet::tamperedCharactersFail()
{
    // Every single-character change of the text fails too, including ones
    // that only touch the unused low bits of the last group (canonical
    // base64 only).
    const Fernet fernet = fernetFor(kSecret);
    int tried = 0;
    for (qsizetype i = 0; i < kHelloToken.size(); ++i) {
        for (const char replacement : { 'A', 'B', 'g', '-', '_', '=', '+' }) {
            if (kHelloToken[i] == replacement)
                continue;
            QByteArray tampered = kHelloToken;
            tampered[i] = replacement;
            QVERIFY2(
                !fernet.decrypt(tampered, kVectorNow, 0).ok(),
                qPrintable(QStringLiteral("char %1 -> %2").arg(i).arg(QLatin1Char(replacement))));
            ++tried;
        }
    }
    QVERIFY(tried > 6 * kHelloToken.size());
}

void Tst_fernet::garbage_data()
{
    QTest::addColumn<QByteArray>("token");

    const QByteArray raw = decodeToken(kHelloToken);
    QByteArray wrongVersion = raw;
    wrongVersion[0] = static_cast<char>(0x81);
    QByteArray zeroVersion = raw;
    zeroVersion[0] = 0;

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one char") << QByteArrayLiteral("g");
    QTest::newRow("version only") << QByteArrayLiteral("gA==");
    QTest::newRow("only padding") << QByteArrayLiteral("====");
    QTest::newRow("spaces") << QByteArrayLiteral("    ");
    QTest::newRow("words") << QByteArrayLiteral("not a token at all");
    QTest::newRow("NUL bytes") << QByteArray(100, '\0');
    QTest::newRow("long garbage") << QByteArray(4096, 'A');
    QTest::newRow("72 bytes") << encodeToken(raw.left(72));
    QTest::newRow("version 0x81") << encodeToken(wrongVersion);
    QTest::newRow("version 0x00") << encodeToken(zeroVersion);
    QTest::newRow("standard alphabet") << raw.toBase64();
    QTest::newRow("doubly encoded") << encodeToken(kHelloToken);
    QTest::newRow("padding in the middle")
        << QByteArray(kHelloToken.left(20) + "==" + kHelloToken.mid(22));
    QTest::newRow("utf-8") << QStringLiteral("gAAAAAé").toUtf8();
}

void Tst_fernet::garbage()
{
    QFETCH(QByteArray, token);

    const Fernet fernet = fernetFor(kSecret);
    for (const qint64 ttl : { qint64(0), qint64(60) }) {
        const Fernet::Result result = fernet.decrypt(token, kVectorNow, ttl);
        QCOMPARE(result.error, FernetError::Malformed);
        QVERIFY(result.plaintext.isEmpty());
    }
    QVERIFY(!fernet.decrypt(token).ok());
}

void Tst_fernet::noKeys()
{
    const Fernet fernet { QList<Fernet::Key>() };
    QVERIFY(!fernet.isValid());
    QVERIFY(fernet.encrypt("alice:token").isEmpty());
    QVERIFY(fernet.encrypt("alice:token", kVectorNow, kZeroIv).isEmpty());
    QCOMPARE(fernet.decrypt(kHelloToken, kVectorNow, 60).error, FernetError::BadSignature);
    QCOMPARE(fernet.decrypt(QByteArray()).error, FernetError::Malformed);
}

void Tst_fernet::parseKey_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");

    QByteArray unpadded = kSecret;
    unpadded.chop(1);
    QTest::newRow("spec secret") << kSecret << true;
    QTest::newRow("unpadded") << unpadded << true;
    QTest::newRow("all zero") << fixedKey('\0') << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("31 bytes") << QByteArray(31, 'k').toBase64(QByteArray::Base64UrlEncoding)
                              << false;
    QTest::newRow("33 bytes") << QByteArray(33, 'k').toBase64(QByteArray::Base64UrlEncoding)
                              << false;
    QTest::newRow("16 bytes") << QByteArray(16, 'k').toBase64(QByteArray::Base64UrlEncoding)
                              << false;
    QTest::newRow("standard alphabet")
        << QByteArray(32, '\xfb').toBase64() << false; // "+/+/..." spelling
    QTest::newRow("trailing newline") << QByteArray(kSecret + '\n') << false;
    QTest::newRow("leading space") << QByteArray(' ' + kSecret) << false;
    QTest::newRow("double padding") << QByteArray(kSecret + '=') << false;
    QTest::newRow("trailing data") << QByteArray(kSecret + "AAAA") << false;
    QTest::newRow("non-canonical last char") << QByteArray(unpadded.chopped(1) + 'f') << false;
    QTest::newRow("hex") << QByteArrayLiteral(
        "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f")
                         << false;
}

void Tst_fernet::parseKey()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);

    const std::optional<Fernet::Key> key = Fernet::parseKey(text);
    QCOMPARE(key.has_value(), valid);
    if (!valid)
        return;
    // Signing half first, encryption half last.
    const QByteArray raw = QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(key->signing.data()), 16), raw.left(16));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(key->encryption.data()), 16), raw.mid(16));
}

void Tst_fernet::parseKeys_data()
{
    QTest::addColumn<QByteArray>("secrets");
    QTest::addColumn<int>("count"); // -1: error
    QTest::addColumn<QString>("error");

    const QByteArray a = fixedKey('a');
    const QByteArray b = fixedKey('b');
    const QByteArray bad = QByteArrayLiteral("sekrit-not-a-key");

    QTest::newRow("one") << kSecret << 1 << QString();
    QTest::newRow("two") << QByteArray(a + ':' + b) << 2 << QString();
    QTest::newRow("three") << QByteArray(a + ':' + b + ':' + kSecret) << 3 << QString();
    QTest::newRow("empty") << QByteArray() << -1 << QStringLiteral("no secret key given");
    QTest::newRow("bad only") << bad << -1
                              << QStringLiteral("secret key 1 of 1 is not a base64url 32-byte key");
    QTest::newRow("bad second of three")
        << QByteArray(a + ':' + bad + ':' + b) << -1
        << QStringLiteral("secret key 2 of 3 is not a base64url 32-byte key");
    QTest::newRow("bad last") << QByteArray(a + ':' + b + ':' + bad) << -1
                              << QStringLiteral("secret key 3 of 3 is not a base64url 32-byte key");
    QTest::newRow("empty middle") << QByteArray(a + "::" + b) << -1
                                  << QStringLiteral("secret key 2 of 3 is empty");
    QTest::newRow("trailing colon")
        << QByteArray(a + ':') << -1 << QStringLiteral("secret key 2 of 2 is empty");
    QTest::newRow("leading colon")
        << QByteArray(':' + a) << -1 << QStringLiteral("secret key 1 of 2 is empty");
    QTest::newRow("comma separated")
        << QByteArray(a + ',' + b) << -1
        << QStringLiteral("secret key 1 of 1 is not a base64url 32-byte key");
    QTest::newRow("space after colon")
        << QByteArray(a + ": " + b) << -1
        << QStringLiteral("secret key 2 of 2 is not a base64url 32-byte key");
}

void Tst_fernet::parseKeys()
{
    QFETCH(QByteArray, secrets);
    QFETCH(int, count);
    QFETCH(QString, error);

    QString message = QStringLiteral("untouched");
    const std::optional<QList<Fernet::Key>> keys = Fernet::parseKeys(secrets, &message);
    // Also safe without an error out-parameter.
    QCOMPARE(Fernet::parseKeys(secrets).has_value(), count >= 0);
    if (count < 0) {
        QVERIFY(!keys);
        QCOMPARE(message, error);
        // Never echoes any key material.
        for (const QByteArray &part : secrets.split(':')) {
            if (part.size() >= 4)
                QVERIFY(!message.contains(QString::fromLatin1(part.left(8))));
        }
        return;
    }
    QVERIFY(keys);
    QCOMPARE(keys->size(), count);
    QCOMPARE(message, QStringLiteral("untouched"));
    const QList<QByteArray> parts = secrets.split(':');
    for (int i = 0; i < count; ++i) {
        const std::optional<Fernet::Key> single = Fernet::parseKey(parts.at(i));
        QVERIFY(single);
        QVERIFY(keys->at(i).signing == single->signing);
        QVERIFY(keys->at(i).encryption == single->encryption);
    }
}

void Tst_fernet::generateKey()
{
    QSet<QByteArray> keys;
    for (int i = 0; i < 16; ++i) {
        const QByteArray key = Fernet::generateKey();
        QCOMPARE(key.size(), 44);
        QVERIFY(key.endsWith('='));
        QVERIFY(!key.contains('+') && !key.contains('/'));
        QVERIFY(Fernet::parseKey(key));
        keys.insert(key);
    }
    QCOMPARE(keys.size(), 16);
}

void Tst_fernet::errorTexts()
{
    const QSet<QByteArray> distinct {
        fernetErrorText(FernetError::None),         fernetErrorText(FernetError::Malformed),
        fernetErrorText(FernetError::BadSignature), fernetErrorText(FernetError::BadPadding),
        fernetErrorText(FernetError::Expired),      fernetErrorText(FernetError::FromTheFuture),
    };
    QCOMPARE(distinct.size(), 6);
    for (const QByteArray &text : distinct) {
        QVERIFY(!text.isEmpty());
        QVERIFY(text.size() < 60);
        QVERIFY(!text.contains(kSecret.left(8)));
    }
}

QTEST_GUILESS_MAIN(Tst_fernet)
#include "tst_fernet.moc"
