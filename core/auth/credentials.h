// Credentials: the Librato user and API token carried by a drain token, and
// the parsing of `Authorization: Basic base64(TOKEN:)` at ingest (docs/behaviour.md
// section 2). The token stays opaque to every stage but the outlet, which
// decrypts it to build a batch.
//
// Value types and pure functions; thread-safe.
#pragma once

#include "auth/fernet.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace l2met {

struct Credentials
{
    QByteArray user;
    QByteArray apiToken;

    // "user=alice@example.com" (logfmt, quoted when needed): never the token.
    QString describe() const;
    friend bool operator==(const Credentials &, const Credentials &) = default;
};

enum class AuthError {
    None,
    Missing,         // no Authorization header
    NotBasic,        // another scheme
    BadBase64,       // Basic payload is not base64
    EmptyToken,      // nothing before ':'
    InvalidToken,    // Fernet verification failed with every key
    NoColon,         // decrypted plaintext has no ':' (cannot be delivered)
};

const char *authErrorText(AuthError error);

// The drain token from an Authorization header value ("Basic ..."): the
// scheme is matched case-insensitively, the payload is strict standard base64
// (padding optional) and is split at its first ':' (no ':': all of it is the
// user). Errors: Missing (empty or blank), NotBasic, BadBase64, EmptyToken
// (empty user). The password part is returned but l2met ignores it.
struct BasicAuth {
    AuthError error = AuthError::None;
    QByteArray user;     // the drain token (or, for /sign, the key)
    QByteArray password;
};
BasicAuth parseBasicAuth(QByteArrayView headerValue);

struct AuthResult {
    AuthError error = AuthError::None;
    QByteArray token;        // the drain token as received (set only when ok)
    Credentials credentials; // decrypted (set only when ok)
    bool ok() const { return error == AuthError::None; }
};
// Parses the header, verifies the token with every key (no age limit) and
// splits the plaintext at its first ':'.
AuthResult authenticate(QByteArrayView headerValue, const Fernet &fernet);

// A drain token -> its credentials: verified with every key (no age limit),
// then split (splitCredentials). InvalidToken when it does not verify (or is
// empty), NoColon when the plaintext holds no user:token; *out is set only
// on None. The one place a token is decrypted; CredentialsCache remembers
// its answers.
AuthError resolveToken(QByteArrayView token, const Fernet &fernet, Credentials *out);

// Plaintext "user:api-token" -> credentials, split at the first ':';
// NoColon when there is none or the user before it is empty (*out is then
// left alone). out may be null to only validate.
AuthError splitCredentials(QByteArrayView plaintext, Credentials *out);

} // namespace l2met
