#include "auth/fernet.h"

#include "auth/base64.h"

#include <QDateTime>
#include <QtEndian>
#include <QtNumeric>

#include <cstring>
#include <limits>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace l2met {

namespace {

constexpr std::uint8_t kVersion = 0x80;
constexpr qsizetype kVersionSize = 1;
constexpr qsizetype kTimestampSize = 8;
constexpr qsizetype kIvSize = 16;
constexpr qsizetype kBlockSize = 16;
constexpr qsizetype kHmacSize = 32;
constexpr qsizetype kHeaderSize = kVersionSize + kTimestampSize + kIvSize;
// Version, timestamp, IV, at least one ciphertext block (PKCS7 always pads),
// HMAC.
constexpr qsizetype kMinTokenSize = kHeaderSize + kBlockSize + kHmacSize;
constexpr qsizetype kKeySize = 32;
// OpenSSL takes int lengths; nothing l2met handles comes near this.
constexpr qsizetype kMaxInputSize = std::numeric_limits<int>::max() / 2;

struct CipherCtxDeleter
{
    void operator()(EVP_CIPHER_CTX *ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Strict base64url (see decodeStrictBase64), bounded for OpenSSL's int lengths.
std::optional<QByteArray> decodeBase64Url(QByteArrayView text)
{
    if (text.size() > kMaxInputSize)
        return std::nullopt;
    return decodeStrictBase64(text, Base64Alphabet::Url);
}

const unsigned char *bytes(QByteArrayView data)
{
    return reinterpret_cast<const unsigned char *>(data.data());
}

bool hmacSha256(const std::array<std::uint8_t, 16> &key, QByteArrayView data,
                unsigned char (&out)[kHmacSize])
{
    unsigned int outSize = 0;
    const unsigned char *result
        = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data),
               static_cast<size_t>(data.size()), out, &outSize);
    return result != nullptr && outSize == kHmacSize;
}

// AES-128-CBC with PKCS7 padding; nullopt when OpenSSL refuses (on decryption:
// bad padding).
std::optional<QByteArray> aes128Cbc(bool encrypt, const std::array<std::uint8_t, 16> &key,
                                    const unsigned char *iv, QByteArrayView input)
{
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx)
        return std::nullopt;
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv, encrypt ? 1 : 0)
        != 1)
        return std::nullopt;
    QByteArray output(input.size() + kBlockSize, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(output.data());
    int written = 0;
    if (EVP_CipherUpdate(ctx.get(), out, &written, bytes(input), static_cast<int>(input.size()))
        != 1)
        return std::nullopt;
    int finalWritten = 0;
    if (EVP_CipherFinal_ex(ctx.get(), out + written, &finalWritten) != 1) {
        OPENSSL_cleanse(output.data(), static_cast<size_t>(output.size()));
        return std::nullopt;
    }
    output.truncate(written + finalWritten);
    return output;
}

} // namespace

const char *fernetErrorText(FernetError error)
{
    switch (error) {
    case FernetError::None:
        return "ok";
    case FernetError::Malformed:
        return "malformed token";
    case FernetError::BadSignature:
        return "invalid token signature";
    case FernetError::BadPadding:
        return "token decryption failed";
    case FernetError::Expired:
        return "token expired";
    case FernetError::FromTheFuture:
        return "token timestamp is in the future";
    }
    return "unknown token error";
}

std::optional<Fernet::Key> Fernet::parseKey(QByteArrayView base64url)
{
    std::optional<QByteArray> raw = decodeBase64Url(base64url);
    if (!raw)
        return std::nullopt;
    std::optional<Key> key;
    if (raw->size() == kKeySize) {
        key.emplace();
        std::memcpy(key->signing.data(), raw->constData(), key->signing.size());
        std::memcpy(key->encryption.data(), raw->constData() + key->signing.size(),
                    key->encryption.size());
    }
    OPENSSL_cleanse(raw->data(), static_cast<size_t>(raw->size()));
    return key;
}

std::optional<QList<Fernet::Key>> Fernet::parseKeys(QByteArrayView secrets, QString *error)
{
    const auto fail = [error](const QString &message) -> std::optional<QList<Key>> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (secrets.isEmpty())
        return fail(QStringLiteral("no secret key given"));

    // ':' is not in the base64url alphabet, so splitting is unambiguous.
    const qsizetype count = secrets.count(':') + 1;
    QList<Key> keys;
    keys.reserve(count);
    qsizetype start = 0;
    for (qsizetype position = 1; position <= count; ++position) {
        qsizetype end = secrets.indexOf(':', start);
        if (end < 0)
            end = secrets.size();
        const QByteArrayView text = secrets.sliced(start, end - start);
        if (text.isEmpty()) {
            return fail(QStringLiteral("secret key %1 of %2 is empty").arg(position).arg(count));
        }
        std::optional<Key> key = parseKey(text);
        if (!key) {
            return fail(QStringLiteral("secret key %1 of %2 is not a base64url 32-byte key")
                            .arg(position)
                            .arg(count));
        }
        keys.append(*key);
        start = end + 1;
    }
    return keys;
}

QByteArray Fernet::generateKey()
{
    unsigned char raw[kKeySize];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return {};
    QByteArray encoded = QByteArray(reinterpret_cast<const char *>(raw), sizeof raw)
                             .toBase64(QByteArray::Base64UrlEncoding);
    OPENSSL_cleanse(raw, sizeof raw);
    return encoded;
}

Fernet::Fernet(QList<Key> keys)
    : m_keys(std::move(keys))
{ }

QByteArray Fernet::encrypt(QByteArrayView plaintext) const
{
    std::array<std::uint8_t, 16> iv {};
    if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1)
        return {}; // never fall back to a predictable IV
    return encrypt(plaintext, QDateTime::currentSecsSinceEpoch(), iv);
}

QByteArray Fernet::encrypt(QByteArrayView plaintext, qint64 nowUnix,
                           const std::array<std::uint8_t, 16> &iv) const
{
    if (m_keys.isEmpty() || plaintext.size() > kMaxInputSize)
        return {};
    const Key &key = m_keys.constFirst();

    std::optional<QByteArray> ciphertext = aes128Cbc(true, key.encryption, iv.data(), plaintext);
    if (!ciphertext)
        return {};

    QByteArray token;
    token.reserve(kHeaderSize + ciphertext->size() + kHmacSize);
    token.append(static_cast<char>(kVersion));
    char timestamp[kTimestampSize];
    qToBigEndian(static_cast<quint64>(nowUnix), timestamp);
    token.append(timestamp, kTimestampSize);
    token.append(reinterpret_cast<const char *>(iv.data()), kIvSize);
    token.append(*ciphertext);

    unsigned char mac[kHmacSize];
    if (!hmacSha256(key.signing, token, mac))
        return {};
    token.append(reinterpret_cast<const char *>(mac), kHmacSize);
    return token.toBase64(QByteArray::Base64UrlEncoding);
}

Fernet::Result Fernet::decrypt(QByteArrayView token) const
{
    return decrypt(token, QDateTime::currentSecsSinceEpoch(), 0);
}

Fernet::Result Fernet::decrypt(QByteArrayView token, qint64 nowUnix, qint64 ttlSeconds) const
{
    Result result;
    const auto fail = [&result](FernetError error) {
        result.error = error;
        return result;
    };

    const std::optional<QByteArray> raw = decodeBase64Url(token);
    if (!raw || raw->size() < kMinTokenSize || static_cast<std::uint8_t>(raw->at(0)) != kVersion
        || (raw->size() - kHeaderSize - kHmacSize) % kBlockSize != 0)
        return fail(FernetError::Malformed);

    const QByteArrayView data(*raw);
    const QByteArrayView signedPart = data.first(data.size() - kHmacSize);
    const QByteArrayView mac = data.last(kHmacSize);

    // Authenticate before anything else looks at the contents: only a token
    // one of our keys made can be reported expired, padded wrongly, etc.
    const Key *matched = nullptr;
    for (const Key &key : m_keys) {
        unsigned char expected[kHmacSize];
        if (hmacSha256(key.signing, signedPart, expected)
            && CRYPTO_memcmp(expected, mac.data(), kHmacSize) == 0) {
            matched = &key;
            break;
        }
    }
    if (!matched)
        return fail(FernetError::BadSignature);

    // Like the reference implementations, the clock-skew check belongs to
    // the TTL check: without an age limit the timestamp is not looked at.
    if (ttlSeconds > 0) {
        const quint64 stamp = qFromBigEndian<quint64>(data.data() + kVersionSize);
        if (stamp > static_cast<quint64>(std::numeric_limits<qint64>::max()))
            return fail(FernetError::FromTheFuture);
        const auto timestamp = static_cast<qint64>(stamp);
        qint64 latest = 0;
        if (!qAddOverflow(nowUnix, kMaxClockSkew, &latest) && timestamp > latest)
            return fail(FernetError::FromTheFuture);
        qint64 expiry = 0;
        if (!qAddOverflow(timestamp, ttlSeconds, &expiry) && expiry < nowUnix)
            return fail(FernetError::Expired);
    }

    const auto *iv = bytes(data.sliced(kVersionSize + kTimestampSize, kIvSize));
    const QByteArrayView ciphertext
        = signedPart.sliced(kHeaderSize, signedPart.size() - kHeaderSize);
    std::optional<QByteArray> plaintext = aes128Cbc(false, matched->encryption, iv, ciphertext);
    if (!plaintext)
        return fail(FernetError::BadPadding);
    result.plaintext = std::move(*plaintext);
    return result;
}

} // namespace l2met
