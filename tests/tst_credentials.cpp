// Credentials: Basic header parsing, authenticate() for every AuthError,
// splitting "user:token" and never showing the API token.
#include "auth/credentials.h"
#include "auth/credentialscache.h"

#include <QSet>
#include <QTest>

using namespace l2met;

namespace {

constexpr qint64 kLongAgo = 499162800; // 1985-10-26T01:20:00-07:00
constexpr std::array<std::uint8_t, 16> kIv { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

const QByteArray kUser = QByteArrayLiteral("alice@example.com");
const QByteArray kApiToken = QByteArrayLiteral("75ea4f0c9b1d4e2a8c3f6b7d0e1a2b3c4d5e6f70");

QByteArray keyOf(char fill)
{
    return QByteArray(32, fill).toBase64(QByteArray::Base64UrlEncoding);
}

Fernet fernetFor(QByteArrayView secrets)
{
    std::optional<QList<Fernet::Key>> keys = Fernet::parseKeys(secrets);
    return Fernet(keys ? *keys : QList<Fernet::Key>());
}

QByteArray basic(QByteArrayView userColonPassword)
{
    return QByteArray(QByteArrayLiteral("Basic ") + userColonPassword.toByteArray().toBase64());
}

QByteArray join(QByteArrayView a, QByteArrayView b)
{
    return a.toByteArray() + b.toByteArray();
}

} // namespace

Q_DECLARE_METATYPE(AuthError)
Q_DECLARE_METATYPE(Credentials)

class Tst_credentials : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseBasicAuth_data();
    void parseBasicAuth();
    void splitCredentials_data();
    void splitCredentials();
    void splitCredentialsWithoutOutput();
    void authenticate_data();
    void authenticate();
    void authenticateHonoursRotation();
    void cacheAnswersAsAuthenticate_data() { authenticate_data(); }
    void cacheAnswersAsAuthenticate();
    void cacheKeepsOnlyGoodTokensAndIsBounded();
    void describe_data();
    void describe();
    void textsNeverShowTheToken();
};

void Tst_credentials::parseBasicAuth_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<AuthError>("error");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");

    const QByteArray drain = QByteArrayLiteral("gAAAAABl-drain_token==");
    const QByteArray payload = join(drain, ":").toBase64();

    QTest::newRow("token and empty password")
        << basic(join(drain, ":")) << AuthError::None << drain << QByteArray();
    QTest::newRow("lowercase scheme")
        << join("basic ", payload) << AuthError::None << drain << QByteArray();
    QTest::newRow("uppercase scheme")
        << join("BASIC ", payload) << AuthError::None << drain << QByteArray();
    QTest::newRow("extra spaces") << join("Basic     ", payload) << AuthError::None << drain
                                  << QByteArray();
    QTest::newRow("tab and surrounding blanks")
        << join(join("  Basic\t", payload), " \t") << AuthError::None << drain << QByteArray();
    QTest::newRow("password ignored") << basic(join(drain, ":hunter2")) << AuthError::None << drain
                                      << QByteArrayLiteral("hunter2");
    QTest::newRow("password with colons") << basic("tok:a:b") << AuthError::None
                                          << QByteArrayLiteral("tok") << QByteArrayLiteral("a:b");
    QTest::newRow("no colon") << basic(drain) << AuthError::None << drain << QByteArray();
    QTest::newRow("unpadded base64")
        << join("Basic ", QByteArray("tok:").toBase64(QByteArray::OmitTrailingEquals))
        << AuthError::None << QByteArrayLiteral("tok") << QByteArray();
    QTest::newRow("binary user") << basic(QByteArray("\xff\x00\x01:", 4)) << AuthError::None
                                 << QByteArray("\xff\x00\x01", 3) << QByteArray();

    QTest::newRow("missing") << QByteArray() << AuthError::Missing << QByteArray() << QByteArray();
    QTest::newRow("blank") << QByteArrayLiteral("  \t ") << AuthError::Missing << QByteArray()
                           << QByteArray();

    QTest::newRow("bearer") << join("Bearer ", payload) << AuthError::NotBasic << QByteArray()
                            << QByteArray();
    QTest::newRow("digest") << QByteArrayLiteral("Digest username=\"x\"") << AuthError::NotBasic
                            << QByteArray() << QByteArray();
    QTest::newRow("scheme glued to payload")
        << join("Basic", payload) << AuthError::NotBasic << QByteArray() << QByteArray();
    QTest::newRow("bare token") << drain << AuthError::NotBasic << QByteArray() << QByteArray();
    QTest::newRow("scheme prefix")
        << join("Basi ", payload) << AuthError::NotBasic << QByteArray() << QByteArray();

    QTest::newRow("not base64") << QByteArrayLiteral("Basic !!!!") << AuthError::BadBase64
                                << QByteArray() << QByteArray();
    QTest::newRow("urlsafe alphabet")
        << QByteArrayLiteral("Basic -_-_") << AuthError::BadBase64 << QByteArray() << QByteArray();
    QTest::newRow("one char") << QByteArrayLiteral("Basic a") << AuthError::BadBase64
                              << QByteArray() << QByteArray();
    QTest::newRow("space inside") << QByteArrayLiteral("Basic dG9r OmE=") << AuthError::BadBase64
                                  << QByteArray() << QByteArray();
    QTest::newRow("data after padding") << QByteArrayLiteral("Basic dG9rOg==dG9r")
                                        << AuthError::BadBase64 << QByteArray() << QByteArray();
    QTest::newRow("too much padding") << QByteArrayLiteral("Basic dG9rOg===")
                                      << AuthError::BadBase64 << QByteArray() << QByteArray();
    QTest::newRow("only padding") << QByteArrayLiteral("Basic ====") << AuthError::BadBase64
                                  << QByteArray() << QByteArray();
    QTest::newRow("plain text") << QByteArrayLiteral("Basic tok:") << AuthError::BadBase64
                                << QByteArray() << QByteArray();

    QTest::newRow("nothing before colon")
        << basic(":secret") << AuthError::EmptyToken << QByteArray() << QByteArrayLiteral("secret");
    QTest::newRow("just a colon") << basic(":") << AuthError::EmptyToken << QByteArray()
                                  << QByteArray();
    QTest::newRow("scheme only") << QByteArrayLiteral("Basic") << AuthError::EmptyToken
                                 << QByteArray() << QByteArray();
    QTest::newRow("scheme and spaces")
        << QByteArrayLiteral("Basic   ") << AuthError::EmptyToken << QByteArray() << QByteArray();
}

void Tst_credentials::parseBasicAuth()
{
    QFETCH(QByteArray, header);
    QFETCH(AuthError, error);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);

    const BasicAuth auth = l2met::parseBasicAuth(header);
    QCOMPARE(auth.error, error);
    QCOMPARE(auth.user, user);
    QCOMPARE(auth.password, password);
}

void Tst_credentials::splitCredentials_data()
{
    QTest::addColumn<QByteArray>("plaintext");
    QTest::addColumn<AuthError>("error");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("apiToken");

    QTest::newRow("user and token")
        << QByteArrayLiteral("alice@example.com:abc123") << AuthError::None
        << QByteArrayLiteral("alice@example.com") << QByteArrayLiteral("abc123");
    QTest::newRow("first colon splits")
        << QByteArrayLiteral("alice:abc:123") << AuthError::None << QByteArrayLiteral("alice")
        << QByteArrayLiteral("abc:123");
    QTest::newRow("empty token") << QByteArrayLiteral("alice:") << AuthError::None
                                 << QByteArrayLiteral("alice") << QByteArray();
    QTest::newRow("no colon") << QByteArrayLiteral("alice") << AuthError::NoColon << QByteArray()
                              << QByteArray();
    QTest::newRow("empty user") << QByteArrayLiteral(":abc123") << AuthError::NoColon
                                << QByteArray() << QByteArray();
    QTest::newRow("empty") << QByteArray() << AuthError::NoColon << QByteArray() << QByteArray();
}

void Tst_credentials::splitCredentials()
{
    QFETCH(QByteArray, plaintext);
    QFETCH(AuthError, error);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, apiToken);

    Credentials credentials;
    QCOMPARE(l2met::splitCredentials(plaintext, &credentials), error);
    QCOMPARE(credentials.user, user);
    QCOMPARE(credentials.apiToken, apiToken);
}

void Tst_credentials::splitCredentialsWithoutOutput()
{
    QCOMPARE(l2met::splitCredentials("a:b", nullptr), AuthError::None);
    QCOMPARE(l2met::splitCredentials("ab", nullptr), AuthError::NoColon);

    // A failure leaves the output alone.
    Credentials kept { QByteArrayLiteral("u"), QByteArrayLiteral("t") };
    QCOMPARE(l2met::splitCredentials("nocolon", &kept), AuthError::NoColon);
    QCOMPARE(kept, (Credentials { QByteArrayLiteral("u"), QByteArrayLiteral("t") }));
}

void Tst_credentials::authenticate_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<AuthError>("error");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<Credentials>("credentials");

    const Fernet mine = fernetFor(keyOf('m'));
    const Fernet theirs = fernetFor(keyOf('t'));
    const QByteArray plaintext = join(join(kUser, ":"), kApiToken);
    const QByteArray good = mine.encrypt(plaintext);
    const Credentials expected { kUser, kApiToken };

    QTest::newRow("valid") << basic(join(good, ":")) << AuthError::None << good << expected;
    QTest::newRow("valid, password ignored")
        << basic(join(good, ":whatever")) << AuthError::None << good << expected;
    QTest::newRow("valid, no colon in header")
        << basic(good) << AuthError::None << good << expected;
    QTest::newRow("valid, lowercase scheme")
        << join("basic ", join(good, ":").toBase64()) << AuthError::None << good << expected;
    const QByteArray old = mine.encrypt(plaintext, kLongAgo, kIv);
    QTest::newRow("valid, decades old (no age limit)")
        << basic(join(old, ":")) << AuthError::None << old << expected;
    const QByteArray tokenWithColons = mine.encrypt("bob:tok:en");
    QTest::newRow("api token with colons")
        << basic(join(tokenWithColons, ":")) << AuthError::None << tokenWithColons
        << Credentials { QByteArrayLiteral("bob"), QByteArrayLiteral("tok:en") };

    QTest::newRow("missing") << QByteArray() << AuthError::Missing << QByteArray() << Credentials();
    QTest::newRow("not basic") << join("Bearer ", good) << AuthError::NotBasic << QByteArray()
                               << Credentials();
    // The token itself instead of base64(token:); `old` is deterministic and
    // spelled with the urlsafe alphabet, which standard base64 refuses.
    QVERIFY(old.contains('-') || old.contains('_'));
    QTest::newRow("bad base64") << join("Basic ", old) << AuthError::BadBase64 << QByteArray()
                                << Credentials();
    QTest::newRow("empty token") << basic(":") << AuthError::EmptyToken << QByteArray()
                                 << Credentials();
    QTest::newRow("garbage token")
        << basic("garbage:") << AuthError::InvalidToken << QByteArray() << Credentials();
    const QByteArray foreign = theirs.encrypt(plaintext);
    QTest::newRow("token of another key")
        << basic(join(foreign, ":")) << AuthError::InvalidToken << QByteArray() << Credentials();
    QByteArray truncated = good;
    truncated.chop(4);
    QTest::newRow("truncated token")
        << basic(join(truncated, ":")) << AuthError::InvalidToken << QByteArray() << Credentials();
    QTest::newRow("raw credentials instead of a token")
        << basic(plaintext) << AuthError::InvalidToken << QByteArray() << Credentials();
    const QByteArray userOnly = mine.encrypt(kUser);
    QTest::newRow("plaintext without colon")
        << basic(join(userOnly, ":")) << AuthError::NoColon << QByteArray() << Credentials();
    const QByteArray noUser = mine.encrypt(join(":", kApiToken));
    QTest::newRow("plaintext with empty user")
        << basic(join(noUser, ":")) << AuthError::NoColon << QByteArray() << Credentials();
    const QByteArray empty = mine.encrypt("");
    QTest::newRow("empty plaintext")
        << basic(join(empty, ":")) << AuthError::NoColon << QByteArray() << Credentials();
}

void Tst_credentials::authenticate()
{
    QFETCH(QByteArray, header);
    QFETCH(AuthError, error);
    QFETCH(QByteArray, token);
    QFETCH(Credentials, credentials);

    const Fernet fernet = fernetFor(keyOf('m'));
    const AuthResult result = l2met::authenticate(header, fernet);
    QCOMPARE(result.error, error);
    QCOMPARE(result.ok(), error == AuthError::None);
    QCOMPARE(result.token, token);
    QCOMPARE(result.credentials, credentials);
}

void Tst_credentials::authenticateHonoursRotation()
{
    const QByteArray keyA = keyOf('A');
    const QByteArray keyB = keyOf('B');
    const QByteArray fromB = fernetFor(keyB).encrypt("bob:api-b");
    const QByteArray header = basic(join(fromB, ":"));

    QCOMPARE(l2met::authenticate(header, fernetFor(keyA)).error, AuthError::InvalidToken);
    const AuthResult rotated = l2met::authenticate(header, fernetFor(join(join(keyA, ":"), keyB)));
    QCOMPARE(rotated.error, AuthError::None);
    QCOMPARE(rotated.credentials,
             (Credentials { QByteArrayLiteral("bob"), QByteArrayLiteral("api-b") }));

    // No keys at all: nothing verifies.
    QCOMPARE(l2met::authenticate(header, Fernet(QList<Fernet::Key>())).error,
             AuthError::InvalidToken);
}

// The cache is the production path: it must answer exactly as the
// uncached authenticate() does, for every case of its table, twice (the
// second answer comes from the cache when the token resolved).
void Tst_credentials::cacheAnswersAsAuthenticate()
{
    QFETCH(QByteArray, header);
    QFETCH(AuthError, error);
    QFETCH(QByteArray, token);
    QFETCH(Credentials, credentials);

    const CredentialsCache cache(std::make_shared<const Fernet>(fernetFor(keyOf('m'))));
    for (int round = 0; round < 2; ++round) {
        const AuthResult result = cache.authenticate(header);
        QCOMPARE(result.error, error);
        QCOMPARE(result.token, token);
        QCOMPARE(result.credentials, credentials);
    }
    QCOMPARE(cache.size(), error == AuthError::None ? 1 : 0);
}

void Tst_credentials::cacheKeepsOnlyGoodTokensAndIsBounded()
{
    const auto fernet = std::make_shared<const Fernet>(fernetFor(keyOf('c')));
    const CredentialsCache cache(fernet, 2);
    Credentials out;
    QCOMPARE(cache.resolve("not-a-token", &out), AuthError::InvalidToken);
    QCOMPARE(cache.resolve(fernet->encrypt("no-colon"), &out), AuthError::NoColon);
    QCOMPARE(cache.resolve(QByteArray(), &out), AuthError::InvalidToken);
    QCOMPARE(cache.size(), 0);
    QCOMPARE(out, Credentials()); // untouched by failures
    for (int i = 0; i < 5; ++i) {
        const QByteArray user = "u" + QByteArray::number(i);
        QCOMPARE(cache.resolve(fernet->encrypt(QByteArray(user + ":t")), &out), AuthError::None);
        QCOMPARE(out.user, user);
        QVERIFY(cache.size() <= 2);
    }
    // A token another key made does not verify, cached or not.
    const QByteArray foreign = fernetFor(keyOf('d')).encrypt("eve:t");
    QCOMPARE(cache.resolve(foreign, &out), AuthError::InvalidToken);
}

void Tst_credentials::describe_data()
{
    QTest::addColumn<Credentials>("credentials");
    QTest::addColumn<QString>("text");

    QTest::newRow("email") << Credentials { kUser, kApiToken }
                           << QStringLiteral("user=alice@example.com");
    QTest::newRow("space") << Credentials { QByteArrayLiteral("Alice Smith"), kApiToken }
                           << QStringLiteral("user=\"Alice Smith\"");
    QTest::newRow("quote") << Credentials { QByteArrayLiteral("a\"b"), kApiToken }
                           << QStringLiteral("user=\"a\\\"b\"");
    QTest::newRow("empty user") << Credentials { QByteArray(), kApiToken }
                                << QStringLiteral("user=\"\"");
    QTest::newRow("utf-8") << Credentials { QStringLiteral("jürgen").toUtf8(), kApiToken }
                           << QStringLiteral("user=jürgen");
}

void Tst_credentials::describe()
{
    QFETCH(Credentials, credentials);
    QFETCH(QString, text);

    const QString described = credentials.describe();
    QCOMPARE(described, text);
    QVERIFY(!described.contains(QString::fromLatin1(kApiToken)));
    QVERIFY(!described.contains(QString::fromLatin1(kApiToken.left(8))));
}

void Tst_credentials::textsNeverShowTheToken()
{
    const Fernet fernet = fernetFor(keyOf('m'));
    const QByteArray drain = fernet.encrypt(join(join(kUser, ":"), kApiToken));
    const QList<QByteArray> headers {
        QByteArray(),
        join("Bearer ", drain),
        QByteArrayLiteral("Basic !!!!"),
        basic(":"),
        basic(join(fernetFor(keyOf('x')).encrypt(join(join(kUser, ":"), kApiToken)), ":")),
        basic(join(fernet.encrypt(kApiToken), ":")),
        basic(join(drain, ":")),
    };
    QSet<AuthError> seen;
    for (const QByteArray &header : headers) {
        const AuthResult result = l2met::authenticate(header, fernet);
        seen.insert(result.error);
        const QByteArray text = authErrorText(result.error);
        QVERIFY(!text.isEmpty());
        QVERIFY(text.size() < 60);
        QVERIFY(!text.contains(kApiToken.left(8)));
        QVERIFY(!text.contains(drain.left(12)));
        QVERIFY(!result.credentials.describe().contains(QString::fromLatin1(kApiToken)));
    }
    QCOMPARE(seen.size(), 7); // every AuthError, None included

    const QSet<QByteArray> distinct {
        authErrorText(AuthError::None),       authErrorText(AuthError::Missing),
        authErrorText(AuthError::NotBasic),   authErrorText(AuthError::BadBase64),
        authErrorText(AuthError::EmptyToken), authErrorText(AuthError::InvalidToken),
        authErrorText(AuthError::NoColon),
    };
    QCOMPARE(distinct.size(), 7);
}

QTEST_GUILESS_MAIN(Tst_credentials)
#include "tst_credentials.moc"
