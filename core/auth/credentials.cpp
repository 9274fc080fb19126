#include "auth/credentials.h"

#include "auth/base64.h"

#include <optional>

namespace l2met {

namespace {

constexpr QByteArrayView kBasicScheme = "Basic";

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoringAsciiCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    }
    return true;
}

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && isSpace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isSpace(text.back()))
        text.chop(1);
    return text;
}

bool needsQuoting(QByteArrayView value)
{
    if (value.isEmpty())
        return true;
    for (const char c : value) {
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            return true;
    }
    return false;
}

} // namespace

QString Credentials::describe() const
{
    if (!needsQuoting(user))
        return QLatin1String("user=") + QString::fromUtf8(user);
    QByteArray escaped;
    escaped.reserve(user.size() + 2);
    for (const char c : user) {
        if (c == '"' || c == '\\')
            escaped.append('\\');
        escaped.append(c);
    }
    return QLatin1String("user=\"") + QString::fromUtf8(escaped) + QLatin1Char('"');
}

const char *authErrorText(AuthError error)
{
    switch (error) {
    case AuthError::None:
        return "ok";
    case AuthError::Missing:
        return "missing Authorization header";
    case AuthError::NotBasic:
        return "Authorization scheme is not Basic";
    case AuthError::BadBase64:
        return "malformed Basic credentials";
    case AuthError::EmptyToken:
        return "empty drain token";
    case AuthError::InvalidToken:
        return "invalid drain token";
    case AuthError::NoColon:
        return "drain token does not hold user:token credentials";
    }
    return "unknown authorization error";
}

BasicAuth parseBasicAuth(QByteArrayView headerValue)
{
    BasicAuth result;
    const QByteArrayView value = trimmed(headerValue);
    if (value.isEmpty()) {
        result.error = AuthError::Missing;
        return result;
    }

    qsizetype schemeEnd = 0;
    while (schemeEnd < value.size() && !isSpace(value[schemeEnd]))
        ++schemeEnd;
    if (!equalsIgnoringAsciiCase(value.first(schemeEnd), kBasicScheme)) {
        result.error = AuthError::NotBasic;
        return result;
    }

    const std::optional<QByteArray> decoded = decodeStrictBase64(trimmed(value.sliced(schemeEnd)), Base64Alphabet::Standard);
    if (!decoded) {
        result.error = AuthError::BadBase64;
        return result;
    }

    const qsizetype colon = decoded->indexOf(':');
    if (colon < 0) {
        result.user = *decoded;
    } else {
        result.user = decoded->first(colon);
        result.password = decoded->sliced(colon + 1);
    }
    if (result.user.isEmpty())
        result.error = AuthError::EmptyToken;
    return result;
}

AuthError splitCredentials(QByteArrayView plaintext, Credentials *out)
{
    const qsizetype colon = plaintext.indexOf(':');
    if (colon <= 0) // no ':' at all, or no user before it
        return AuthError::NoColon;
    if (out) {
        out->user = plaintext.first(colon).toByteArray();
        out->apiToken = plaintext.sliced(colon + 1).toByteArray();
    }
    return AuthError::None;
}

AuthResult authenticate(QByteArrayView headerValue, const Fernet &fernet)
{
    AuthResult result;
    const BasicAuth basic = parseBasicAuth(headerValue);
    if (basic.error != AuthError::None) {
        result.error = basic.error;
        return result;
    }

    Credentials credentials;
    result.error = resolveToken(basic.user, fernet, &credentials);
    if (result.error == AuthError::None) {
        result.token = basic.user;
        result.credentials = std::move(credentials);
    }
    return result;
}

AuthError resolveToken(QByteArrayView token, const Fernet &fernet, Credentials *out)
{
    if (token.isEmpty())
        return AuthError::InvalidToken;
    const Fernet::Result decrypted = fernet.decrypt(token);
    if (!decrypted.ok())
        return AuthError::InvalidToken;
    return splitCredentials(decrypted.plaintext, out);
}

} // namespace l2met
