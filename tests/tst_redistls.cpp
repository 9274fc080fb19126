// RedisStore over TLS (rediss://) and as a Redis 6 ACL user, beyond the
// Store contract (which the store suites also run over TLS: their "rediss"
// row): the certificate is checked against --redis-ca or the system's CA
// store, with the host name; a wrong CA is refused with a clear error and
// --redis-tls-verify=off connects anyway (logged once); ACL logins, and a
// user with too few rights refused at start, by the store and by the l2met
// binary. A real redis-server with a TLS port and a throw-away CA
// (tlscerts.h), on 127.0.0.1.
#include "auth/fernet.h"
#include "enginetestkit.h"
#include "redisacl.h"
#include "storetestkit.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kUser = "l2met-tls";
const QByteArray kPassword = "tls-pa55word-4c3b2a";

RedisStore::Options tlsOptions(const QString &caFile, bool verify = true)
{
    RedisStore::Options options;
    options.connectTimeoutMs = 2000;
    options.commandTimeoutMs = 2000;
    options.minBackoffMs = 10;
    options.maxBackoffMs = 50;
    options.tlsCaFile = caFile;
    options.tlsVerify = verify;
    return options;
}

std::unique_ptr<RedisStore> store(const QString &url, const RedisStore::Options &options)
{
    QString error;
    std::unique_ptr<RedisStore> made = RedisStore::create(url, 1, &error, options);
    if (!made)
        qFatal("RedisStore::create: %s", qPrintable(error));
    return made;
}

} // namespace

class Tst_redistls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void verifiedByCaFile();
    void wrongCaRefused();
    void systemStoreRefusesPrivateCa();
    void verifyOffConnects();
    void caFileMustExist();
    void tlsAgainstPlainPortFailsClearly();
    void aclLogin();
    void aclTooFewRights_data();
    void aclTooFewRights();
    void binaryRefusesAtStart_data();
    void binaryRefusesAtStart();

private:
    std::unique_ptr<RedisServer> m_server;
};

void Tst_redistls::initTestCase()
{
    if (RedisServer::binary().isEmpty()) {
        if (RedisServer::required())
            QFAIL("redis-server is not installed and L2MET_REQUIRE_REDIS is set");
        QSKIP("redis-server is not installed (apt-get install redis-server): Redis tests skipped");
    }
    m_server = std::make_unique<RedisServer>(QStringList(), RedisServer::Transport::PlainAndTls);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    QString error;
    QVERIFY2(addAclUser(*m_server, kUser, kPassword, l2metAclRules(), &error), qPrintable(error));
}

void Tst_redistls::cleanupTestCase()
{
    m_server.reset();
}

// The certificate names localhost and 127.0.0.1: both host forms verify
// (a name by SNI and host name check, an address by its IP entry).
void Tst_redistls::verifiedByCaFile()
{
    for (const QString &url :
         { m_server->tlsUrl(),
           QStringLiteral("rediss://127.0.0.1:%1").arg(m_server->tlsPort()) }) {
        const std::unique_ptr<RedisStore> s = store(url, tlsOptions(m_server->caFile()));
        QString error;
        QCOMPARE(s->checkAccess(&error), RedisAccess::Granted);
        const qint64 now = storeNow(*s);
        const Bucket bucket(makeId(now - 5, 1, "tls"), { 1.5, 2.5 });
        QVERIFY(put(*s, { bucket }));
        Taken taken;
        QVERIFY(takeAll(*s, now, taken));
        QCOMPARE(bits(taken.value(bucket.id().encode())), bits({ 1.5, 2.5 }));
        QVERIFY(s->describe().startsWith(QStringLiteral("rediss://")));
    }
}

void Tst_redistls::wrongCaRefused()
{
    const std::unique_ptr<RedisStore> s
        = store(m_server->tlsUrl(QString::fromLatin1(kUser), QString::fromLatin1(kPassword)),
                tlsOptions(m_server->otherCaFile()));
    const StoreResult<qint64> now = s->now();
    QVERIFY(!now.ok());
    QVERIFY2(now.error.message.contains(QStringLiteral("certificate verify failed"))
                 && now.error.message.contains(QStringLiteral("--redis-ca")),
             qPrintable(now.error.message));
    QVERIFY(!now.error.message.contains(QString::fromLatin1(kPassword)));
    QString error;
    QCOMPARE(s->checkAccess(&error), RedisAccess::Denied);
    QVERIFY(!s->healthy());
}

void Tst_redistls::systemStoreRefusesPrivateCa()
{
    const std::unique_ptr<RedisStore> s = store(m_server->tlsUrl(), tlsOptions(QString()));
    const StoreResult<qint64> now = s->now();
    QVERIFY(!now.ok());
    QVERIFY2(now.error.message.contains(QStringLiteral("certificate verify failed")),
             qPrintable(now.error.message));
}

void Tst_redistls::verifyOffConnects()
{
    // Logged once, when the store is made: the warning says what it costs.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("verify=off")));
    const std::unique_ptr<RedisStore> s
        = store(m_server->tlsUrl(QString::fromLatin1(kUser), QString::fromLatin1(kPassword)),
                tlsOptions(m_server->otherCaFile(), false));
    QString error;
    QCOMPARE(s->checkAccess(&error), RedisAccess::Granted);
    QVERIFY(s->now().ok());
    QVERIFY(s->healthy());
}

void Tst_redistls::caFileMustExist()
{
    QString error;
    RedisStore::Options options;
    options.tlsCaFile = QStringLiteral("/nonexistent/ca.pem");
    QVERIFY(!RedisStore::create(m_server->tlsUrl(), 1, &error, options));
    QVERIFY2(error.contains(QStringLiteral("/nonexistent/ca.pem")), qPrintable(error));
    QTemporaryFile notPem;
    QVERIFY(notPem.open());
    notPem.write("not a certificate\n");
    notPem.close();
    options.tlsCaFile = notPem.fileName();
    QVERIFY(!RedisStore::create(m_server->tlsUrl(), 1, &error, options));
    QVERIFY2(error.contains(QStringLiteral("no PEM certificate")), qPrintable(error));
}

// rediss:// to a plain port: a handshake error at once, not a hang.
void Tst_redistls::tlsAgainstPlainPortFailsClearly()
{
    const std::unique_ptr<RedisStore> s
        = store(QStringLiteral("rediss://localhost:%1").arg(m_server->port()),
                tlsOptions(m_server->caFile()));
    QElapsedTimer timer;
    timer.start();
    const StoreResult<qint64> now = s->now();
    QVERIFY(!now.ok());
    QVERIFY2(now.error.message.startsWith(QStringLiteral("redis: TLS handshake with")),
             qPrintable(now.error.message));
    // (Redis waits for the end of a line that never comes: the handshake
    // gives up at the connect timeout.)
    QVERIFY(timer.elapsed() < 2000 + 1000);
}

void Tst_redistls::aclLogin()
{
    const std::unique_ptr<RedisStore> good
        = store(m_server->tlsUrl(QString::fromLatin1(kUser), QString::fromLatin1(kPassword)),
                tlsOptions(m_server->caFile()));
    QString error;
    QCOMPARE(good->checkAccess(&error), RedisAccess::Granted);
    QVERIFY2(good->describe().startsWith(QStringLiteral("rediss://") + QString::fromLatin1(kUser)
                                         + u'@'),
             qPrintable(good->describe()));
    RedisClient client(m_server->port());
    QVERIFY(client.command({ "KEYS", "l2met:probe:*" }).elements.isEmpty()); // it cleans up

    const std::unique_ptr<RedisStore> wrong
        = store(m_server->tlsUrl(QString::fromLatin1(kUser), QStringLiteral("not-it")),
                tlsOptions(m_server->caFile()));
    QCOMPARE(wrong->checkAccess(&error), RedisAccess::Denied);
    QVERIFY2(error.startsWith(QStringLiteral("redis: AUTH as user \"l2met-tls\" failed: WRONGPASS")),
             qPrintable(error));
}

void Tst_redistls::aclTooFewRights_data()
{
    QTest::addColumn<QList<QByteArray>>("rules");
    QTest::addColumn<QString>("refused");
    const QList<QByteArray> base = l2metAclRules();
    QList<QByteArray> noScripts = base;
    noScripts << "-@scripting";
    QList<QByteArray> noWrites = base;
    noWrites << "-@write";
    QList<QByteArray> noTime = base;
    noTime << "-time";
    QList<QByteArray> otherKeys = base;
    otherKeys.replace(otherKeys.indexOf("~l2met:*"), "~other:*");
    QTest::newRow("no scripts") << noScripts << QStringLiteral("EVAL");
    QTest::newRow("no writes") << noWrites << QStringLiteral("can't run this command");
    QTest::newRow("no TIME") << noTime << QStringLiteral("TIME");
    QTest::newRow("other keys") << otherKeys << QStringLiteral("NOPERM");
}

void Tst_redistls::aclTooFewRights()
{
    QFETCH(QList<QByteArray>, rules);
    QFETCH(QString, refused);
    const QByteArray user = "l2met-narrow";
    QString error;
    QVERIFY2(addAclUser(*m_server, user, kPassword, rules, &error), qPrintable(error));
    const std::unique_ptr<RedisStore> s
        = store(m_server->tlsUrl(QString::fromLatin1(user), QString::fromLatin1(kPassword)),
                tlsOptions(m_server->caFile()));
    QCOMPARE(s->checkAccess(&error), RedisAccess::Denied);
    QVERIFY2(error.contains(QStringLiteral("refused a command or key l2met needs"))
                 && error.contains(refused) && error.contains(QStringLiteral("~l2met:*")),
             qPrintable(error));
    QVERIFY(!error.contains(QString::fromLatin1(kPassword)));
    qDebug("at=redis.acl error=\"%s\"", qPrintable(error));
}

void Tst_redistls::binaryRefusesAtStart_data()
{
    QTest::addColumn<bool>("wrongCa");
    QTest::addColumn<QString>("expected");
    QTest::newRow("user without scripts") << false << QStringLiteral("refused a command or key");
    QTest::newRow("wrong CA") << true << QStringLiteral("certificate verify failed");
}

// The l2met process exits 1 at start with the reason, instead of retrying.
void Tst_redistls::binaryRefusesAtStart()
{
    QFETCH(bool, wrongCa);
    QFETCH(QString, expected);
    const QByteArray user = "l2met-noscripts";
    QString error;
    QVERIFY2(addAclUser(*m_server, user, kPassword, l2metAclRules() << "-@scripting", &error),
             qPrintable(error));
    QProcess l2met;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("REDIS_URL"),
               m_server->tlsUrl(QString::fromLatin1(user), QString::fromLatin1(kPassword)));
    env.insert(QStringLiteral("REDIS_CA"),
               wrongCa ? m_server->otherCaFile() : m_server->caFile());
    env.insert(QStringLiteral("SECRETS"), QString::fromLatin1(Fernet::generateKey()));
    const QTemporaryDir dir;
    l2met.setProcessEnvironment(env);
    l2met.setProcessChannelMode(QProcess::MergedChannels);
    l2met.start(QStringLiteral(L2MET_BINARY),
                { QStringLiteral("--no-gui"), QStringLiteral("--config"),
                  dir.filePath(QStringLiteral("l2met.conf")), QStringLiteral("-port"),
                  QString::number(freePort()), QStringLiteral("--bind"), QStringLiteral("127.0.0.1") });
    QVERIFY(l2met.waitForFinished(20000));
    const QString output = QString::fromUtf8(l2met.readAll());
    QCOMPARE(l2met.exitStatus(), QProcess::NormalExit);
    QVERIFY2(l2met.exitCode() != 0, qPrintable(output));
    QVERIFY2(output.contains(expected), qPrintable(output));
    QVERIFY(!output.contains(QString::fromLatin1(kPassword)));
}

QTEST_GUILESS_MAIN(Tst_redistls)
#include "tst_redistls.moc"
