// Fernet tokens (github fernet/spec, version 0x80) with OpenSSL 3:
// AES-128-CBC + HMAC-SHA256, base64url. Verification tries every configured
// key (so keys can be rotated); signing uses the first. The HMAC is compared
// in constant time and checked before the timestamp or the ciphertext are
// looked at. Base64url is decoded strictly: urlsafe alphabet only, '='
// padding optional but complete when present, nothing after it, canonical
// encoding only (so no two spellings of one token are accepted).
//
// A Fernet object is immutable after construction and safe to use from
// several threads at once.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <array>
#include <cstdint>
#include <optional>

namespace l2met {

enum class FernetError {
    None,
    Malformed,      // not base64url, too short, wrong version, bad block size
    BadSignature,   // no key's HMAC matches
    BadPadding,     // decryption failed
    Expired,        // older than the ttl
    FromTheFuture,  // more than kMaxClockSkew seconds ahead of now
};

const char *fernetErrorText(FernetError error);

class Fernet
{
public:
    static constexpr qint64 kMaxClockSkew = 60; // seconds, as the spec says

    struct Key {
        std::array<std::uint8_t, 16> signing;
        std::array<std::uint8_t, 16> encryption;
    };

    // A key is base64url (padding optional) of 32 bytes.
    static std::optional<Key> parseKey(QByteArrayView base64url);
    // Parses "key1:key2:..." (SECRETS), no surrounding whitespace; nullopt
    // and a message naming the position of the first bad or empty key (never
    // the key itself), e.g. "secret key 2 of 3 is not a base64url 32-byte key".
    static std::optional<QList<Key>> parseKeys(QByteArrayView secrets, QString *error = nullptr);
    // A fresh random key, base64url encoded with padding; empty if the
    // random generator fails.
    static QByteArray generateKey();

    explicit Fernet(QList<Key> keys);

    bool isValid() const { return !m_keys.isEmpty(); }

    // Signs with the first key; the token is base64url with padding. nowUnix
    // and iv are for tests; by default the clock and a random IV are used.
    // Empty when there is no key (or OpenSSL's random generator fails).
    QByteArray encrypt(QByteArrayView plaintext) const;
    QByteArray encrypt(QByteArrayView plaintext, qint64 nowUnix,
                       const std::array<std::uint8_t, 16> &iv) const;

    struct Result {
        FernetError error = FernetError::None;
        QByteArray plaintext;
        bool ok() const { return error == FernetError::None; }
    };
    // ttlSeconds > 0: Expired when now > timestamp + ttl, FromTheFuture when
    // timestamp > now + kMaxClockSkew (the spec's vectors). ttlSeconds <= 0:
    // no age limit (l2met's default) and, as in the reference
    // implementations, no clock-skew check either: the timestamp is ignored.
    Result decrypt(QByteArrayView token, qint64 nowUnix, qint64 ttlSeconds = 0) const;
    Result decrypt(QByteArrayView token) const; // now = clock, no ttl

private:
    QList<Key> m_keys;
};

} // namespace l2met
