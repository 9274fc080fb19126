#include "auth/base64.h"

namespace l2met {

namespace {
bool isAlphabetChar(char c, Base64Alphabet alphabet)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return alphabet == Base64Alphabet::Url ? (c == '-' || c == '_') : (c == '+' || c == '/');
}
} // namespace

std::optional<QByteArray> decodeStrictBase64(QByteArrayView text, Base64Alphabet alphabet)
{
    qsizetype end = text.size();
    while (end > 0 && text[end - 1] == '=')
        --end;
    const qsizetype padding = text.size() - end;
    if (padding > 2 || (padding > 0 && text.size() % 4 != 0))
        return std::nullopt;
    const QByteArrayView body = text.first(end);
    for (const char c : body) {
        if (!isAlphabetChar(c, alphabet))
            return std::nullopt; // also the other alphabet, whitespace and '=' before the end
    }
    const QByteArray::Base64Options options = alphabet == Base64Alphabet::Url
        ? QByteArray::Base64UrlEncoding
        : QByteArray::Base64Encoding;
    auto decoded = QByteArray::fromBase64Encoding(body.toByteArray(),
                                                  options | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    if (decoded.decoded.toBase64(options | QByteArray::OmitTrailingEquals) != body)
        return std::nullopt;
    return std::move(decoded.decoded);
}

} // namespace l2met
