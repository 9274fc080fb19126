// libFuzzer target: the input is an untrusted drain token and an untrusted
// Authorization header. Fernet::decrypt with a fixed key (and ttl checks on
// and off) and parseBasicAuth must never crash; a token that decrypts has
// the layout its plaintext implies, and parseBasicAuth's user is non-empty
// when it succeeds.
#include "auth/credentials.h"
#include "auth/credentialscache.h"
#include "auth/fernet.h"

#include <cstddef>
#include <cstdint>

using namespace l2met;

namespace {

// The spec's test key (tests/data/fernet/verify.json); the seeds are tokens
// made with it.
constexpr char kKey[] = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr qint64 kNow = 499162801; // 1985-10-26T01:20:01-07:00, the spec's "now"

const Fernet &fernet()
{
    static const Fernet f(QList<Fernet::Key> { *Fernet::parseKey(kKey) });
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const Fernet::Result plain = fernet().decrypt(input, kNow, 0);
    if (plain.ok()) {
        // version(1) + time(8) + iv(16) + ciphertext(16n) + hmac(32), base64url:
        // the plaintext is shorter than the token.
        if (plain.plaintext.size() >= input.size())
            __builtin_trap();
    } else if (!fernetErrorText(plain.error)) {
        __builtin_trap();
    }
    const Fernet::Result aged = fernet().decrypt(input, kNow, 60);
    if (aged.ok() && (!plain.ok() || aged.plaintext != plain.plaintext))
        __builtin_trap();

    const BasicAuth auth = parseBasicAuth(input);
    if (auth.error == AuthError::None && auth.user.isEmpty())
        __builtin_trap();
    if (!authErrorText(auth.error))
        __builtin_trap();

    const AuthResult result = authenticate(input, fernet());
    if (result.ok() && result.credentials.user.isEmpty())
        __builtin_trap();
    // The cache (the production path) answers exactly as authenticate(),
    // the second time from its entries.
    static const l2met::CredentialsCache cache(std::make_shared<const l2met::Fernet>(fernet()), 64);
    for (int round = 0; round < 2; ++round) {
        const AuthResult cached = cache.authenticate(input);
        if (cached.error != result.error || cached.token != result.token
            || !(cached.credentials == result.credentials))
            __builtin_trap();
    }
    return 0;
}
