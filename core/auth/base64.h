// Strict base64 decoding (RFC 4648) for credentials and Fernet tokens: only
// the chosen alphabet, '=' only as final padding (optional, but complete when
// present), nothing after it, and only the canonical encoding of the decoded
// bytes (no stray low bits), so one byte string has exactly one accepted
// spelling with padding and one without. Pure function; thread-safe.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace l2met {

enum class Base64Alphabet { Standard, Url };

std::optional<QByteArray> decodeStrictBase64(QByteArrayView text, Base64Alphabet alphabet);

} // namespace l2met
