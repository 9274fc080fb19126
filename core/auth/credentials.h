// Credentials: the Librato user and API token carried by a drain token, and
// the parsing of `Authorization: Basic base64(TOKEN:)` at ingest (SPEC
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

    // Never prints the token.
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

// The drain token from an Authorization header value ("Basic ..."). The
// password part after ':' is ignored.
struct BasicAuth {
    AuthError error = AuthError::None;
    QByteArray user;     // the drain token (or, for /sign, the key)
    QByteArray password;
};
BasicAuth parseBasicAuth(QByteArrayView headerValue);

struct AuthResult {
    AuthError error = AuthError::None;
    QByteArray token;        // the drain token as received
    Credentials credentials; // decrypted
    bool ok() const { return error == AuthError::None; }
};
// Parses the header, verifies the token with the keys and splits the
// plaintext at its first ':'.
AuthResult authenticate(QByteArrayView headerValue, const Fernet &fernet);

// Plaintext "user:api-token" -> credentials; NoColon when there is none.
AuthError splitCredentials(QByteArrayView plaintext, Credentials *out);

} // namespace l2met
