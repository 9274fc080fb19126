// The config file: every key, comments, sections and spacing, the generated
// secret (0600, stored once, reused, the rest of the file kept), and
// ConfigLoader::save/readFile round trips (0600, atomic, symbolic links
// followed, unwritable values refused). Every test works in its own
// temporary directory: never the real HOME.
#include "auth/fernet.h"
#include "config/settings.h"
#include "configtestkit.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <unistd.h>

using namespace l2met;
using namespace l2met::test;
using namespace Qt::StringLiterals;

class Tst_configfile : public QObject, public ConfigFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { setUpDir(); }
    void cleanup() { tearDownDir(); }

    void fileKeys_data();
    void fileKeys();
    void generatedSecretIsStoredAndReused();
    void generatedSecretKeepsTheRestOfTheFile_data();
    void generatedSecretKeepsTheRestOfTheFile();
    void saveReadFileRoundTrip();
    void saveTightensPermissionsAndFollowsSymlinks();
    void saveRejectsUnwritableValues();
    void readFileOfMissingFileGivesDefaults();
    void everyTableKeyIsSavedAndRead();
};

void Tst_configfile::fileKeys_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<Config>("expected");

    const auto row = [](const char *line, const Config &expected) {
        QTest::newRow(line) << QByteArray(QByteArrayLiteral("[l2met]\n") + line + '\n') << expected;
    };
    row("port = 9001", with([](Config &c) { c.port = 9001; }));
    row("receiver = true", with([](Config &c) { c.receiver = true; }));
    row("outlet = true", with([](Config &c) { c.outlet = true; }));
    row("flush-interval = 3s", with([](Config &c) { c.flushIntervalMs = 3000; }));
    row("outlet-interval = 1m", with([](Config &c) { c.outletIntervalMs = 60000; }));
    row("partitions = 16", with([](Config &c) { c.partitions = 16; }));
    row("concurrency = 2", with([](Config &c) { c.concurrency = 2; }));
    row("buffer = 100", with([](Config &c) { c.buffer = 100; }));
    row("outlet-retry = 0", with([](Config &c) { c.outletRetry = 0; }));
    row("outlet-ttl = 500ms", with([](Config &c) { c.outletTtlMs = 500; }));
    row("recv-deadline = 10", with([](Config &c) { c.recvDeadline = 10; }));
    row("verbose = true", with([](Config &c) { c.verbose = true; }));
    row("librato-url = https://librato.example.com/api?x=1,2",
        with([](Config &c) { c.libratoUrl = u"https://librato.example.com/api?x=1,2"_s; }));
    row("preview = true", with([](Config &c) { c.preview = true; }));
    row("bind = 10.0.0.1", with([](Config &c) { c.bind = u"10.0.0.1"_s; }));
    row("redis-url = redis://:p=w;x,y@localhost",
        with([](Config &c) { c.redisUrl = u"redis://:p=w;x,y@localhost"_s; }));
    QTest::newRow("secrets") << QByteArray("[l2met]\nsecrets = " + kKey + ':' + kKey2 + '\n')
                             << with([](Config &c) { c.secrets = kKey + ':' + kKey2; });
    row("metchan-url = http://metchan.local",
        with([](Config &c) { c.metchanUrl = u"http://metchan.local"_s; }));
    row("max-body = 16M", with([](Config &c) { c.maxBodyBytes = 16 << 20; }));
    row("inbox-bytes = 1G", with([](Config &c) { c.inboxBytes = 1LL << 30; }));
    row("outbox = 100", with([](Config &c) { c.outboxFlushes = 100; }));

    QTest::newRow("empty file") << QByteArray() << Config();
    QTest::newRow("comments, blanks, CRLF, BOM, spacing")
        << QByteArrayLiteral("\xef\xbb\xbf# l2met\r\n\r\n; another comment\r\n  [ l2met ]  \r\n"
                             "\tport=7000\r\n   buffer   =   12   \r\n# port = 1\r\n")
        << with([](Config &c) {
               c.port = 7000;
               c.buffer = 12;
           });
    QTest::newRow("empty secrets line means none")
        << QByteArrayLiteral("[l2met]\nsecrets =\n") << Config();
    QTest::newRow("section repeated")
        << QByteArrayLiteral("[l2met]\nport = 1\n[l2met]\nbuffer = 2\n") << with([](Config &c) {
               c.port = 1;
               c.buffer = 2;
           });
}

void Tst_configfile::fileKeys()
{
    QFETCH(QByteArray, file);
    QFETCH(Config, expected);

    writeConfig(file);
    // SECRETS would win over the file's secrets.
    const LoadResult result = load({}, makeEnv({}, expected.secrets.isEmpty()));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(*result.config, loaded(expected));

    QString error;
    const std::optional<Config> read = ConfigLoader::readFile(path(), &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(*read, expected);
}

void Tst_configfile::generatedSecretIsStoredAndReused()
{
    // In a directory that does not exist yet.
    const QString file = path(u"sub/dir/l2met.conf"_s);
    const QStringList args { u"--config"_s, file };
    const LoadResult first = load(args, QProcessEnvironment());
    QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
    QVERIFY(first.generatedSecret);
    QCOMPARE(first.configPath, file);
    const QByteArray secret = first.config->secrets;
    QVERIFY(Fernet::parseKeys(secret));
    QVERIFY(!secret.contains(':'));

    QVERIFY(QFile::exists(file));
    const QFileDevice::Permissions permissions = QFile::permissions(file);
    QVERIFY(permissions & QFileDevice::ReadOwner);
    QVERIFY(permissions & QFileDevice::WriteOwner);
    QCOMPARE(permissions & (kGroupOrOther | QFileDevice::ExeOwner), QFileDevice::Permissions());
    QCOMPARE(QFile::permissions(path(u"sub/dir"_s)) & kGroupOrOther, QFileDevice::Permissions());
    // No temporary or lock file is left behind.
    QCOMPARE(
        QDir(path(u"sub/dir"_s)).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
        QStringList { u"l2met.conf"_s });

    QString error;
    const std::optional<Config> read = ConfigLoader::readFile(file, &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->secrets, secret);

    const LoadResult second = load(args, QProcessEnvironment());
    QVERIFY2(second.error.isEmpty(), qPrintable(second.error));
    QVERIFY(!second.generatedSecret);
    QCOMPARE(second.config->secrets, secret);
    QVERIFY(second.warnings.isEmpty());

    // A configured secret wins and the stored one is left alone.
    const LoadResult third = load(args, makeEnv({}));
    QCOMPARE(third.config->secrets, kKey);
    QVERIFY(!third.generatedSecret);
    QCOMPARE(ConfigLoader::readFile(file, &error)->secrets, secret);
}

void Tst_configfile::generatedSecretKeepsTheRestOfTheFile_data()
{
    QTest::addColumn<QByteArray>("file");

    QTest::newRow("settings and comments")
        << QByteArrayLiteral("# my settings\n[l2met]\n# the port\nport = 9000\n");
    QTest::newRow("no final newline") << QByteArrayLiteral("[l2met]\nport = 9000");
    QTest::newRow("empty secrets line")
        << QByteArrayLiteral("# my settings\n[l2met]\nsecrets =\nport = 9000\n");
    QTest::newRow("empty secrets in a second section")
        << QByteArrayLiteral("[l2met]\nport = 9000\n# my settings\n[l2met]\nsecrets = \n");
    QTest::newRow("only comments") << QByteArrayLiteral("# my settings\n");
    QTest::newRow("empty file") << QByteArray();
}

void Tst_configfile::generatedSecretKeepsTheRestOfTheFile()
{
    QFETCH(QByteArray, file);

    // World-readable before: the rewritten file is 0600.
    writeConfig(file, kOwnerReadWrite | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    const LoadResult first = load({}, QProcessEnvironment());
    QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
    QVERIFY(first.generatedSecret);
    QCOMPARE(QFile::permissions(path()) & kGroupOrOther, QFileDevice::Permissions());

    QFile written(path());
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QByteArray text = written.readAll();
    QVERIFY(text.contains(QByteArray("secrets = " + first.config->secrets + '\n')));
    if (file.contains("# my settings"))
        QVERIFY(text.contains("# my settings\n"));
    if (file.contains("port")) {
        QVERIFY(text.contains("port = 9000"));
        QCOMPARE(first.config->port, 9000);
    }

    const LoadResult second = load({}, QProcessEnvironment());
    QVERIFY2(second.error.isEmpty(), qPrintable(second.error));
    QVERIFY(!second.generatedSecret);
    QCOMPARE(second.config->secrets, first.config->secrets);
    QCOMPARE(second.config->port, first.config->port);
}

void Tst_configfile::saveReadFileRoundTrip()
{
    Config c;
    c.bind = u"::1"_s;
    c.port = 0;
    c.receiver = true;
    c.outlet = true;
    c.concurrency = 3;
    c.buffer = 77;
    c.inboxBytes = (3LL << 30) + 1;
    c.maxBodyBytes = 1536;
    c.recvDeadline = 7;
    c.flushIntervalMs = 1500;
    c.partitions = 9;
    c.redisUrl = u"redis://h:p=s;s,w@redis.example.com:6380/3"_s;
    c.outboxFlushes = 11;
    c.outletIntervalMs = 90000;
    c.outletRetry = 0;
    c.outletTtlMs = 123;
    c.libratoUrl = u"http://127.0.0.1:9/a,b;c=d#e"_s;
    c.preview = true;
    c.secrets = kKey + ':' + kKey2 + ':' + kKey3;
    c.metchanUrl = u"https://user%40example.com:tok@metrics-api.librato.com/v1/metrics"_s;
    c.verbose = true;
    c.readStdin = true;
    c.tailFiles = { u"/var/log/a b.log"_s, u"/tmp/c:d.log"_s };
    c.fromStart = true;
    c.herokuApps = { u"app-one"_s, u"app-two"_s };
    c.syslogAddress = u"[::1]:5514"_s;
    c.localResolution = 5;
    c.libratoUser = u"me@example.com"_s;
    c.libratoToken = "tok=en:1";
    c.previewOut = u"/tmp/preview.jsonl"_s;
    QVERIFY(c.secrets.contains('=') && c.secrets.contains('-') && c.secrets.contains('_'));
    QVERIFY2(ConfigLoader::validate(c).isEmpty(), qPrintable(ConfigLoader::validate(c)));

    QString error;
    QVERIFY2(ConfigLoader::save(c, path(), &error), qPrintable(error));
    QCOMPARE(QFile::permissions(path()) & kGroupOrOther, QFileDevice::Permissions());

    const std::optional<Config> read = ConfigLoader::readFile(path(), &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(*read, c);

    QFile file(path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains(QByteArray("\nsecrets = " + c.secrets + '\n')));
    QVERIFY(text.contains("\nflush-interval = 1500ms\n"));
    QVERIFY(text.contains("\noutlet-interval = 90s\n"));
    QVERIFY(text.contains("\nmax-body = 1536\n"));

    // What load() makes of it: the same settings, with the file named.
    const LoadResult result = load({}, QProcessEnvironment());
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(!result.generatedSecret);
    Config expected = c;
    expected.configFile = path();
    QCOMPARE(*result.config, expected);

    // Saving the defaults writes every key, and reads back as the defaults.
    QVERIFY2(ConfigLoader::save(Config(), path(), &error), qPrintable(error));
    QCOMPARE(*ConfigLoader::readFile(path(), &error), Config());
    QVERIFY(file.seek(0) || file.open(QIODevice::ReadOnly));
    file.close();
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray defaults = file.readAll();
    for (const char *key :
         { "port",          "receiver",    "outlet",      "flush-interval", "outlet-interval",
           "partitions",    "concurrency", "buffer",      "outlet-retry",   "outlet-ttl",
           "recv-deadline", "verbose",     "librato-url", "preview",        "bind",
           "redis-url",     "secrets",     "metchan-url", "max-body",       "inbox-bytes",
           "outbox" }) {
        QVERIFY2(defaults.contains(QByteArray('\n' + QByteArray(key) + " = ")), key);
    }
}

void Tst_configfile::saveTightensPermissionsAndFollowsSymlinks()
{
    writeConfig("[l2met]\nport = 1\n",
                kOwnerReadWrite | QFileDevice::ReadGroup | QFileDevice::ReadOther
                    | QFileDevice::WriteOther);
    Config c;
    c.secrets = kKey;
    QString error;
    QVERIFY2(ConfigLoader::save(c, path(), &error), qPrintable(error));
    QCOMPARE(QFile::permissions(path()) & kGroupOrOther, QFileDevice::Permissions());
    QCOMPARE(ConfigLoader::readFile(path(), &error)->secrets, kKey);

    // A link (dotfiles kept elsewhere) stays a link; its target is written.
    QVERIFY(QFile::link(path(), path(u"link.conf"_s)));
    c.port = 2;
    QVERIFY2(ConfigLoader::save(c, path(u"link.conf"_s), &error), qPrintable(error));
    QVERIFY(QFileInfo(path(u"link.conf"_s)).isSymLink());
    QCOMPARE(ConfigLoader::readFile(path(), &error)->port, 2);

    // An unwritable directory is an error, not a crash.
    QVERIFY(QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    const bool saved = ConfigLoader::save(c, path(u"other.conf"_s), &error);
    QVERIFY(QFile::setPermissions(
        m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
    if (::geteuid() != 0) { // root writes anyway
        QVERIFY(!saved);
        QVERIFY2(error.contains(path(u"other.conf"_s)), qPrintable(error));
    }
}

void Tst_configfile::saveRejectsUnwritableValues()
{
    Config c;
    c.bind = u"127.0.0.1\nport = 1"_s;
    QString error;
    QVERIFY(!ConfigLoader::save(c, path(), &error));
    QVERIFY2(error.contains(u"bind"_s), qPrintable(error));
    QVERIFY(!QFile::exists(path()));

    c = Config();
    c.libratoUrl = u" http://x"_s;
    QVERIFY(!ConfigLoader::save(c, path(), &error));
    QVERIFY2(error.contains(u"librato-url"_s), qPrintable(error));
}

void Tst_configfile::readFileOfMissingFileGivesDefaults()
{
    QString error;
    const std::optional<Config> read = ConfigLoader::readFile(path(u"none.conf"_s), &error);
    QVERIFY(read);
    QCOMPARE(*read, Config());

    // A directory where the file should be is an error.
    QVERIFY(QDir(m_dir->path()).mkdir(u"dir.conf"_s));
    QVERIFY(!ConfigLoader::readFile(path(u"dir.conf"_s), &error));
    QVERIFY2(error.contains(u"cannot read config file"_s), qPrintable(error));
    const LoadResult result = load({ u"--config"_s, path(u"dir.conf"_s) }, makeEnv({}));
    QVERIFY(!result.config);
    QVERIFY2(result.error.contains(path(u"dir.conf"_s)), qPrintable(result.error));
}

void Tst_configfile::everyTableKeyIsSavedAndRead()
{
    // Every setting of the table is a key of the file: saved with its help
    // as a comment, and read back on its own.
    QString error;
    QVERIFY2(ConfigLoader::save(Config(), path(), &error), qPrintable(error));
    QFile file(path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    for (const Setting &s : Settings::table()) {
        QVERIFY2(text.contains(QByteArray('\n' + QByteArray(s.key) + " = ")), s.key);
        QVERIFY2(text.contains(QByteArray("# " + QByteArray(s.help) + '\n')), s.key);
        writeConfig("[l2met]\n" + QByteArray(s.key) + " = " + Settings::defaultText(s).toUtf8() + '\n',
                    kOwnerReadWrite, u"one.conf"_s);
        const std::optional<Config> read = ConfigLoader::readFile(path(u"one.conf"_s), &error);
        QVERIFY2(read, qPrintable(error));
        QVERIFY2(*read == Config(), s.key);
    }
}

QTEST_GUILESS_MAIN(Tst_configfile)
#include "tst_configfile.moc"
