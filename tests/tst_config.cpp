// ConfigLoader: l2met's defaults, every flag in its -x and --x forms, the
// environment, the INI file, precedence flag > environment > file > default,
// every validation error (naming the setting, never a secret), durations,
// byte counts, the generated secret (0600, reused) and save/readFile round
// trips. Every test works in its own temporary directory: never the real HOME.
#include "auth/fernet.h"
#include "config/configloader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace l2met;
using namespace Qt::StringLiterals;

namespace l2met {

// So that QCOMPARE shows both sides when two Configs differ.
char *toString(const Config &c)
{
    const QString text
        = QStringLiteral("bind=%1 port=%2 receiver=%3 outlet=%4 concurrency=%5 buffer=%6 "
                         "inboxBytes=%7 maxBodyBytes=%8 recvDeadline=%9 ")
              .arg(c.bind, QString::number(c.port), QString::number(c.receiver),
                   QString::number(c.outlet), QString::number(c.concurrency),
                   QString::number(c.buffer), QString::number(c.inboxBytes),
                   QString::number(c.maxBodyBytes), QString::number(c.recvDeadline))
        + QStringLiteral("flushIntervalMs=%1 partitions=%2 redisUrl=%3 outboxFlushes=%4 "
                         "outletIntervalMs=%5 outletRetry=%6 outletTtlMs=%7 libratoUrl=%8 "
                         "preview=%9 ")
              .arg(QString::number(c.flushIntervalMs), QString::number(c.partitions), c.redisUrl,
                   QString::number(c.outboxFlushes), QString::number(c.outletIntervalMs),
                   QString::number(c.outletRetry), QString::number(c.outletTtlMs), c.libratoUrl,
                   QString::number(c.preview))
        + QStringLiteral("secrets=%1 metchanUrl=%2 verbose=%3 noGui=%4 configFile=%5")
              .arg(QString::fromUtf8(c.secrets), c.metchanUrl, QString::number(c.verbose),
                   QString::number(c.noGui), c.configFile);
    return qstrdup(text.toUtf8().constData());
}

} // namespace l2met

Q_DECLARE_METATYPE(l2met::Config)

namespace {

QByteArray keyOf(char fill)
{
    return QByteArray(32, fill).toBase64(QByteArray::Base64UrlEncoding);
}

// Padded and with '-' and '_': every character a file parser might trip on.
const QByteArray kKey
    = QByteArray::fromHex(QByteArray("fbff").repeated(16)).toBase64(QByteArray::Base64UrlEncoding);
const QByteArray kKey2 = keyOf('b');
const QByteArray kKey3 = keyOf('c');

constexpr QFileDevice::Permissions kOwnerReadWrite
    = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kGroupOrOther = QFileDevice::ReadGroup | QFileDevice::WriteGroup
    | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
    | QFileDevice::ExeOther;

QString str(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes);
}

Config with(void (*change)(Config &))
{
    Config c;
    change(c);
    return c;
}

// "NAME=value" pairs on top of SECRETS=kKey, so that no secret is generated
// unless a test wants it.
QProcessEnvironment makeEnv(const QStringList &pairs, bool withSecret = true)
{
    QProcessEnvironment env;
    if (withSecret)
        env.insert(u"SECRETS"_s, str(kKey));
    for (const QString &pair : pairs) {
        const qsizetype equals = pair.indexOf(u'=');
        env.insert(pair.left(equals), pair.mid(equals + 1));
    }
    return env;
}

// A flag given as -name value, --name value, --name=value and -name=value.
void addFlagRows(const QString &name, const QString &value, const Config &expected)
{
    const auto row = [&](const QString &form, const QStringList &args) {
        QTest::addRow("%s %s", qPrintable(form), qPrintable(value)) << args << expected;
    };
    row(u"-"_s + name, { u"-"_s + name, value });
    row(u"--"_s + name, { u"--"_s + name, value });
    row(u"--"_s + name + u"="_s, { u"--"_s + name + u"="_s + value });
    row(u"-"_s + name + u"="_s, { u"-"_s + name + u"="_s + value });
}

void addSwitchRows(const QString &name, const Config &expected)
{
    QTest::addRow("-%s", qPrintable(name)) << QStringList { u"-"_s + name } << expected;
    QTest::addRow("--%s", qPrintable(name)) << QStringList { u"--"_s + name } << expected;
}

} // namespace

class Tst_config : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void defaultsAreL2metDefaults();
    void flags_data();
    void flags();
    void goStyleBooleanValues_data();
    void goStyleBooleanValues();
    void environment_data();
    void environment();
    void fileKeys_data();
    void fileKeys();
    void precedence_data();
    void precedence();
    void errors_data();
    void errors();
    void validate_data();
    void validate();
    void durations_data();
    void durations();
    void byteSizes_data();
    void byteSizes();
    void generatedSecretIsStoredAndReused();
    void generatedSecretKeepsTheRestOfTheFile_data();
    void generatedSecretKeepsTheRestOfTheFile();
    void saveReadFileRoundTrip();
    void saveTightensPermissionsAndFollowsSymlinks();
    void saveRejectsUnwritableValues();
    void readFileOfMissingFileGivesDefaults();
    void warnings();
    void help_data();
    void help();
    void version();
    void signIsCaptured();
    void effectiveConcurrency();
    void defaultPath();

private:
    QString path(const QString &name = u"l2met.conf"_s) const { return m_dir->filePath(name); }
    void writeConfig(const QByteArray &text, QFileDevice::Permissions permissions = kOwnerReadWrite,
                     const QString &name = u"l2met.conf"_s) const;
    // argv[0] and --config in the test's directory (unless args name one).
    LoadResult load(const QStringList &args, const QProcessEnvironment &env) const;
    // The Config load() gives for the defaults with kKey and the test's file.
    Config loaded(Config c) const;

    std::unique_ptr<QTemporaryDir> m_dir;
};

void Tst_config::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void Tst_config::cleanup()
{
    m_dir.reset();
}

void Tst_config::writeConfig(const QByteArray &text, QFileDevice::Permissions permissions,
                             const QString &name) const
{
    QFile file(path(name));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(text), text.size());
    file.close();
    QVERIFY(file.setPermissions(permissions));
}

LoadResult Tst_config::load(const QStringList &args, const QProcessEnvironment &env) const
{
    QStringList arguments { u"l2met"_s };
    const bool namesConfig = std::any_of(args.cbegin(), args.cend(), [](const QString &a) {
        return a == u"--config" || a.startsWith(u"--config=");
    });
    if (!namesConfig)
        arguments << u"--config"_s << path();
    return ConfigLoader::load(arguments + args, env);
}

Config Tst_config::loaded(Config c) const
{
    if (c.secrets.isEmpty())
        c.secrets = kKey;
    if (c.configFile.isEmpty())
        c.configFile = path();
    return c;
}

void Tst_config::defaultsAreL2metDefaults()
{
    const LoadResult result = load({}, makeEnv({}));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(result.config);
    const Config &c = *result.config;
    QCOMPARE(c, loaded(Config()));
    QCOMPARE(result.configPath, path());
    QVERIFY(!result.exitNow);
    QVERIFY(!result.generatedSecret);
    QVERIFY(result.signRequest.isEmpty());
    QVERIFY(!QFile::exists(path())); // nothing to store: the secret came from SECRETS

    // l2met's own defaults (conf.go), and this port's additions.
    QCOMPARE(c.port, 8080);
    QCOMPARE(c.receiver, false);
    QCOMPARE(c.outlet, false);
    QVERIFY(c.runsReceiver() && c.runsOutlet());
    QCOMPARE(c.flushIntervalMs, 1000);
    QCOMPARE(c.outletIntervalMs, 1000);
    QCOMPARE(c.partitions, 1);
    QCOMPARE(c.concurrency, 0);
    QCOMPARE(c.buffer, 1024);
    QCOMPARE(c.outletRetry, 2);
    QCOMPARE(c.outletTtlMs, 2000);
    QCOMPARE(c.recvDeadline, 2);
    QCOMPARE(c.verbose, false);
    QCOMPARE(c.bind, u"0.0.0.0"_s);
    QCOMPARE(c.libratoUrl, u"https://metrics-api.librato.com"_s);
    QCOMPARE(c.maxBodyBytes, 8LL << 20);
    QCOMPARE(c.inboxBytes, 64LL << 20);
    QCOMPARE(c.outboxFlushes, 30);
    QCOMPARE(c.preview, false);
    QCOMPARE(c.noGui, false);
    QVERIFY(c.redisUrl.isEmpty());
    QVERIFY(c.metchanUrl.isEmpty());
    QVERIFY(ConfigLoader::validate(c).isEmpty());
}

void Tst_config::flags_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<Config>("expected");

    addFlagRows(u"port"_s, u"9000"_s, with([](Config &c) { c.port = 9000; }));
    addFlagRows(u"port"_s, u"0"_s, with([](Config &c) { c.port = 0; }));
    addSwitchRows(u"receiver"_s, with([](Config &c) { c.receiver = true; }));
    addSwitchRows(u"outlet"_s, with([](Config &c) { c.outlet = true; }));
    addFlagRows(u"flush-interval"_s, u"2s"_s, with([](Config &c) { c.flushIntervalMs = 2000; }));
    addFlagRows(u"outlet-interval"_s, u"250ms"_s,
                with([](Config &c) { c.outletIntervalMs = 250; }));
    addFlagRows(u"partitions"_s, u"8"_s, with([](Config &c) { c.partitions = 8; }));
    addFlagRows(u"concurrency"_s, u"4"_s, with([](Config &c) { c.concurrency = 4; }));
    addFlagRows(u"buffer"_s, u"50"_s, with([](Config &c) { c.buffer = 50; }));
    addFlagRows(u"outlet-retry"_s, u"5"_s, with([](Config &c) { c.outletRetry = 5; }));
    addFlagRows(u"outlet-ttl"_s, u"5s"_s, with([](Config &c) { c.outletTtlMs = 5000; }));
    addFlagRows(u"recv-deadline"_s, u"3"_s, with([](Config &c) { c.recvDeadline = 3; }));
    addSwitchRows(u"v"_s, with([](Config &c) { c.verbose = true; }));
    addSwitchRows(u"verbose"_s, with([](Config &c) { c.verbose = true; }));
    addSwitchRows(u"no-gui"_s, with([](Config &c) { c.noGui = true; }));
    addFlagRows(u"librato-url"_s, u"http://127.0.0.1:1234/base"_s,
                with([](Config &c) { c.libratoUrl = u"http://127.0.0.1:1234/base"_s; }));
    addSwitchRows(u"preview"_s, with([](Config &c) { c.preview = true; }));
    addFlagRows(u"bind"_s, u"127.0.0.1"_s, with([](Config &c) { c.bind = u"127.0.0.1"_s; }));
    addFlagRows(u"bind"_s, u"::1"_s, with([](Config &c) { c.bind = u"::1"_s; }));
    addFlagRows(u"redis-url"_s, u"redis://:pw@localhost:6379/2"_s,
                with([](Config &c) { c.redisUrl = u"redis://:pw@localhost:6379/2"_s; }));
    addFlagRows(u"redis-url"_s, u"redis://h:pw@ec2.example.com:7000"_s,
                with([](Config &c) { c.redisUrl = u"redis://h:pw@ec2.example.com:7000"_s; }));
    addFlagRows(u"secrets"_s, str(kKey2 + ':' + kKey3),
                with([](Config &c) { c.secrets = kKey2 + ':' + kKey3; }));
    addFlagRows(u"metchan-url"_s, u"https://u:t@metrics.example.com"_s,
                with([](Config &c) { c.metchanUrl = u"https://u:t@metrics.example.com"_s; }));
    addFlagRows(u"max-body"_s, u"1M"_s, with([](Config &c) { c.maxBodyBytes = 1 << 20; }));
    addFlagRows(u"inbox-bytes"_s, u"128M"_s, with([](Config &c) { c.inboxBytes = 128LL << 20; }));
    addFlagRows(u"max-buffered"_s, u"1G"_s, with([](Config &c) { c.maxBufferedBytes = 1LL << 30; }));
    addFlagRows(u"max-connections"_s, u"100"_s, with([](Config &c) { c.maxConnections = 100; }));
    addFlagRows(u"outbox"_s, u"5"_s, with([](Config &c) { c.outboxFlushes = 5; }));
    // Local sources.
    addSwitchRows(u"stdin"_s, with([](Config &c) { c.readStdin = true; }));
    addSwitchRows(u"from-start"_s, with([](Config &c) { c.fromStart = true; }));
    addFlagRows(u"tail"_s, u"/var/log/app.log"_s,
                with([](Config &c) { c.tailFiles = { u"/var/log/app.log"_s }; }));
    addFlagRows(u"heroku-app"_s, u"my-app"_s, with([](Config &c) { c.herokuApps = { u"my-app"_s }; }));
    addFlagRows(u"syslog"_s, u"127.0.0.1:5514"_s,
                with([](Config &c) { c.syslogAddress = u"127.0.0.1:5514"_s; }));
    addFlagRows(u"local-resolution"_s, u"5"_s, with([](Config &c) { c.localResolution = 5; }));
    addFlagRows(u"librato-user"_s, u"me@example.com"_s,
                with([](Config &c) { c.libratoUser = u"me@example.com"_s; }));
    addFlagRows(u"librato-token"_s, u"abc123"_s, with([](Config &c) { c.libratoToken = "abc123"; }));
    addFlagRows(u"preview-out"_s, u"/tmp/p.jsonl"_s,
                with([](Config &c) { c.previewOut = u"/tmp/p.jsonl"_s; }));
    QTest::newRow("--tail twice") << QStringList { u"--tail"_s, u"a.log"_s, u"--tail=b c.log"_s }
                                  << with([](Config &c) { c.tailFiles = { u"a.log"_s, u"b c.log"_s }; });
    QTest::newRow("-- a command") << QStringList { u"--stdin"_s, u"--"_s, u"heroku"_s, u"local"_s,
                                                   u"--port"_s, u"5001"_s }
                                  << with([](Config &c) {
                                         c.readStdin = true;
                                         c.command = { u"heroku"_s, u"local"_s, u"--port"_s, u"5001"_s };
                                     });

    QTest::newRow("several") << QStringList { u"-outlet"_s, u"-partitions"_s, u"4"_s,
                                              u"--redis-url=redis://r"_s, u"-v"_s }
                             << with([](Config &c) {
                                    c.outlet = true;
                                    c.partitions = 4;
                                    c.redisUrl = u"redis://r"_s;
                                    c.verbose = true;
                                });
    QTest::newRow("last one wins") << QStringList { u"-port"_s, u"1"_s, u"-port"_s, u"2"_s }
                                   << with([](Config &c) { c.port = 2; });
    QTest::newRow("value starting with a dash")
        << QStringList { u"--bind"_s, u"-1"_s } << Config(); // replaced by an error below
}

void Tst_config::flags()
{
    QFETCH(QStringList, args);
    QFETCH(Config, expected);

    const LoadResult result = load(args, makeEnv({}));
    if (QByteArrayView(QTest::currentDataTag()) == "value starting with a dash") {
        // The value after a flag is taken as is, even when it looks like one.
        QVERIFY(!result.config);
        QVERIFY2(result.error.contains(u"--bind \"-1\""), qPrintable(result.error));
        return;
    }
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(result.config);
    QCOMPARE(*result.config, loaded(expected));
}

void Tst_config::goStyleBooleanValues_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<Config>("expected");

    const QByteArray all = "[l2met]\nreceiver = true\noutlet = yes\npreview = on\nverbose = 1\n";
    const Config allOn
        = with([](Config &c) { c.receiver = c.outlet = c.preview = c.verbose = true; });
    QTest::newRow("file sets them") << all << QStringList() << allOn;
    QTest::newRow("-receiver=false")
        << all << QStringList { u"-receiver=false"_s }
        << with([](Config &c) { c.outlet = c.preview = c.verbose = true; });
    QTest::newRow("--outlet=no --preview=off -v=0")
        << all << QStringList { u"--outlet=no"_s, u"--preview=off"_s, u"-v=0"_s }
        << with([](Config &c) { c.receiver = true; });
    QTest::newRow("--verbose=FALSE")
        << all << QStringList { u"--verbose=FALSE"_s }
        << with([](Config &c) { c.receiver = c.outlet = c.preview = true; });
    QTest::newRow("-preview=true") << QByteArray() << QStringList { u"-preview=true"_s }
                                   << with([](Config &c) { c.preview = true; });
    QTest::newRow("after a value flag")
        << QByteArray() << QStringList { u"-port"_s, u"81"_s, u"-outlet=1"_s }
        << with([](Config &c) {
               c.port = 81;
               c.outlet = true;
           });
}

void Tst_config::goStyleBooleanValues()
{
    QFETCH(QByteArray, file);
    QFETCH(QStringList, args);
    QFETCH(Config, expected);

    if (!file.isEmpty())
        writeConfig(file);
    const LoadResult result = load(args, makeEnv({}));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(*result.config, loaded(expected));
}

void Tst_config::environment_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<Config>("expected");

    QTest::newRow("PORT") << QStringList { u"PORT=5000"_s }
                          << with([](Config &c) { c.port = 5000; });
    QTest::newRow("empty PORT is unset") << QStringList { u"PORT="_s } << Config();
    QTest::newRow("REDIS_URL") << QStringList { u"REDIS_URL=redis://:pw@redis.internal:6380/1"_s }
                               << with([](Config &c) {
                                      c.redisUrl = u"redis://:pw@redis.internal:6380/1"_s;
                                  });
    QTest::newRow("SECRETS") << QStringList { u"SECRETS="_s + str(kKey2 + ':' + kKey) }
                             << with([](Config &c) { c.secrets = kKey2 + ':' + kKey; });
    QTest::newRow("METCHAN_URL") << QStringList { u"METCHAN_URL=https://librato.example.com"_s }
                                 << with([](Config &c) {
                                        c.metchanUrl = u"https://librato.example.com"_s;
                                    });
    QTest::newRow("LIBRATO_USER and LIBRATO_TOKEN")
        << QStringList { u"LIBRATO_USER=me@example.com"_s, u"LIBRATO_TOKEN=t0k"_s }
        << with([](Config &c) {
               c.libratoUser = u"me@example.com"_s;
               c.libratoToken = "t0k";
           });
    QTest::newRow("others are ignored") << QStringList { u"BUFFER=3"_s, u"port=1"_s } << Config();
}

void Tst_config::environment()
{
    QFETCH(QStringList, env);
    QFETCH(Config, expected);

    const LoadResult result = load({}, makeEnv(env));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(*result.config, loaded(expected));
}

void Tst_config::fileKeys_data()
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

void Tst_config::fileKeys()
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

void Tst_config::precedence_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<Config>("expected");

    const QByteArray file = "[l2met]\nport = 1111\nredis-url = redis://file\nsecrets = " + kKey
        + "\nmetchan-url = http://file\nflush-interval = 3s\n";
    const QStringList env { u"PORT=2222"_s, u"REDIS_URL=redis://env"_s, u"SECRETS="_s + str(kKey2),
                            u"METCHAN_URL=http://env"_s };
    const QStringList args {
        u"-port"_s, u"3333"_s,          u"--redis-url"_s, u"redis://flag"_s,    u"--secrets"_s,
        str(kKey3), u"--metchan-url"_s, u"http://flag"_s, u"-flush-interval"_s, u"4s"_s
    };
    const auto expect = [](int port, const char *source, const QByteArray &secrets, int flush) {
        Config c;
        c.port = port;
        c.redisUrl = u"redis://"_s + QLatin1StringView(source);
        c.metchanUrl = u"http://"_s + QLatin1StringView(source);
        c.secrets = secrets;
        c.flushIntervalMs = flush;
        return c;
    };
    QTest::newRow("file over default")
        << file << QStringList() << QStringList() << expect(1111, "file", kKey, 3000);
    QTest::newRow("environment over file")
        << file << env << QStringList() << expect(2222, "env", kKey2, 3000);
    QTest::newRow("flag over environment")
        << file << env << args << expect(3333, "flag", kKey3, 4000);
    QTest::newRow("flag over file")
        << file << QStringList() << args << expect(3333, "flag", kKey3, 4000);
    QTest::newRow("flag over default")
        << QByteArray() << QStringList() << args << expect(3333, "flag", kKey3, 4000);
    QTest::newRow("environment over default")
        << QByteArray() << env << QStringList() << with([](Config &c) {
               c.port = 2222;
               c.redisUrl = u"redis://env"_s;
               c.metchanUrl = u"http://env"_s;
               c.secrets = kKey2;
           });
    QTest::newRow("flag empties the environment's redis-url")
        << QByteArray() << QStringList { u"REDIS_URL=redis://env"_s }
        << QStringList { u"--redis-url="_s } << Config();
}

void Tst_config::precedence()
{
    QFETCH(QByteArray, file);
    QFETCH(QStringList, env);
    QFETCH(QStringList, args);
    QFETCH(Config, expected);

    if (!file.isEmpty())
        writeConfig(file);
    const LoadResult result = load(args, makeEnv(env, false));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    if (expected.secrets.isEmpty()) {
        QVERIFY(result.generatedSecret);
        expected.secrets = result.config->secrets;
    }
    QCOMPARE(*result.config, loaded(expected));
}

void Tst_config::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QStringList>("mustContain");
    QTest::addColumn<QString>("mustNotContain");

    const auto flag = [](const char *tag, const QStringList &args, const QStringList &contains,
                         const QString &notContains = QString()) {
        QTest::newRow(tag) << args << QStringList() << QByteArray() << contains << notContains;
    };
    const auto env = [](const char *tag, const QString &pair, const QStringList &contains,
                        const QString &notContains = QString()) {
        QTest::newRow(tag) << QStringList() << QStringList { pair } << QByteArray() << contains
                           << notContains;
    };
    const auto file = [](const char *tag, const QByteArray &text, const QStringList &contains,
                         const QString &notContains = QString()) {
        QTest::newRow(tag) << QStringList() << QStringList() << text << contains << notContains;
    };

    flag("local resolution not dividing 3600", { u"--local-resolution"_s, u"7"_s },
         { u"--local-resolution \"7\""_s, u"divide 3600"_s });
    flag("syslog without a port", { u"--syslog"_s, u"127.0.0.1"_s }, { u"--syslog"_s, u"HOST:PORT"_s });
    flag("syslog host not an address", { u"--syslog"_s, u"example.com:514"_s }, { u"--syslog"_s });
    flag("nothing after --", { u"--"_s }, { u"nothing after --"_s });
    flag("stray argument before --", { u"stray"_s, u"--"_s, u"cmd"_s }, { u"\"stray\""_s, u"after --"_s });
    flag("librato token never shown", { u"--librato-token"_s, u"s3cr3t-token-value"_s, u"-port"_s, u"x"_s },
         { u"-port"_s }, u"s3cr3t"_s);
    flag("port too big", { u"-port"_s, u"65536"_s },
         { u"-port \"65536\""_s, u"between 0 and 65535"_s });
    flag("port negative", { u"-port"_s, u"-1"_s }, { u"-port \"-1\""_s, u"between 0 and 65535"_s });
    flag("port not a number", { u"--port=80x"_s },
         { u"-port \"80x\""_s, u"expected an integer"_s });
    flag("port huge", { u"-port"_s, u"99999999999999999999999"_s }, { u"-port"_s, u"between"_s });
    env("PORT not a number", u"PORT=http"_s, { u"PORT \"http\""_s, u"expected an integer"_s });
    flag("partitions 0", { u"-partitions"_s, u"0"_s },
         { u"-partitions \"0\""_s, u"between 1 and 1024"_s });
    flag("partitions 1025", { u"-partitions"_s, u"1025"_s }, { u"-partitions"_s, u"1024"_s });
    flag("concurrency -1", { u"-concurrency"_s, u"-1"_s },
         { u"-concurrency"_s, u"between 0 and 256"_s });
    flag("concurrency 257", { u"-concurrency"_s, u"257"_s }, { u"-concurrency \"257\""_s });
    flag("buffer 0", { u"-buffer"_s, u"0"_s }, { u"-buffer \"0\""_s, u"between 1 and 1000000"_s });
    flag("buffer 1000001", { u"-buffer"_s, u"1000001"_s }, { u"-buffer \"1000001\""_s });
    flag("outlet-retry -1", { u"-outlet-retry"_s, u"-1"_s },
         { u"-outlet-retry"_s, u"between 0 and 20"_s });
    flag("outlet-retry 21", { u"-outlet-retry"_s, u"21"_s }, { u"-outlet-retry \"21\""_s });
    flag("recv-deadline 0", { u"-recv-deadline"_s, u"0"_s },
         { u"-recv-deadline"_s, u"between 1 and 1000"_s });
    flag("recv-deadline 1001", { u"-recv-deadline"_s, u"1001"_s },
         { u"-recv-deadline \"1001\""_s });
    flag("outbox 0", { u"--outbox"_s, u"0"_s }, { u"--outbox \"0\""_s, u"between 1 and 10000"_s });
    flag("flush-interval abc", { u"-flush-interval"_s, u"abc"_s },
         { u"invalid -flush-interval \"abc\": expected a duration such as 500ms or 2s"_s });
    flag("flush-interval 5ms", { u"-flush-interval"_s, u"5ms"_s },
         { u"-flush-interval \"5ms\""_s, u"between 10ms and 1h"_s });
    flag("flush-interval 61m", { u"-flush-interval"_s, u"61m"_s },
         { u"-flush-interval"_s, u"1h"_s });
    flag("outlet-interval 9ms", { u"-outlet-interval"_s, u"9ms"_s },
         { u"-outlet-interval \"9ms\""_s, u"between 10ms and 1h"_s });
    flag("outlet-interval 2h", { u"-outlet-interval"_s, u"2h"_s },
         { u"-outlet-interval \"2h\""_s });
    flag("outlet-ttl 99ms", { u"-outlet-ttl"_s, u"99ms"_s },
         { u"-outlet-ttl \"99ms\""_s, u"between 100ms and 10m"_s });
    flag("outlet-ttl 11m", { u"-outlet-ttl"_s, u"11m"_s }, { u"-outlet-ttl \"11m\""_s });
    flag("max-body 1023", { u"--max-body"_s, u"1023"_s },
         { u"--max-body \"1023\""_s, u"between 1K and 1G"_s });
    flag("max-buffered below max-body", { u"--max-buffered"_s, u"8M"_s },
         { u"--max-buffered \"8M\""_s, u"at least 2 x (--max-body (8M) + 128K)"_s });
    file("max-buffered below max-body in file", "[l2met]\nmax-buffered = 1M\n",
         { u"max-buffered \"1M\" in "_s, u"line 2"_s, u"at least 2 x (--max-body"_s });
    flag("max-connections 0", { u"--max-connections"_s, u"0"_s }, { u"--max-connections \"0\""_s });
    flag("max-body 2G", { u"--max-body"_s, u"2G"_s, u"--inbox-bytes"_s, u"4G"_s },
         { u"--max-body \"2G\""_s });
    flag("inbox-bytes below max-body", { u"--inbox-bytes"_s, u"4M"_s },
         { u"--inbox-bytes \"4M\""_s, u"at least --max-body (8M)"_s });
    flag("max-body above inbox-bytes", { u"--max-body"_s, u"128M"_s },
         { u"--inbox-bytes \"64M\""_s, u"--max-body (128M)"_s });
    file("inbox-bytes below max-body in file", "[l2met]\ninbox-bytes = 1M\n",
         { u"inbox-bytes \"1M\" in "_s, u"line 2"_s, u"at least --max-body"_s });
    flag("librato-url ftp", { u"--librato-url"_s, u"ftp://librato.example.com"_s },
         { u"--librato-url \"ftp://librato.example.com\""_s, u"http"_s });
    flag("librato-url no host", { u"--librato-url"_s, u"https://"_s }, { u"--librato-url"_s });
    flag("librato-url empty", { u"--librato-url="_s }, { u"--librato-url \"\""_s });
    flag("librato-url words", { u"--librato-url"_s, u"not a url"_s }, { u"--librato-url"_s });
    flag("redis-url scheme", { u"--redis-url"_s, u"http://localhost"_s },
         { u"--redis-url \"http://localhost\""_s, u"redis://[:password@]host[:port][/db]"_s });
    flag("redis-url no host, password hidden", { u"--redis-url"_s, u"redis://:hunter2@/0"_s },
         { u"--redis-url \"redis://***@/0\""_s }, u"hunter2"_s);
    flag("redis-url bad db", { u"--redis-url"_s, u"redis://localhost/abc"_s },
         { u"--redis-url"_s });
    flag("redis-url query", { u"--redis-url"_s, u"redis://localhost?db=1"_s },
         { u"--redis-url"_s });
    flag("redis-url port 0", { u"--redis-url"_s, u"redis://localhost:0"_s }, { u"--redis-url"_s });
    env("REDIS_URL", u"REDIS_URL=redis://:s3cr3t@host:notaport"_s,
        { u"REDIS_URL \"redis://***@"_s }, u"s3cr3t"_s);
    flag("metchan-url scheme, token hidden", { u"--metchan-url"_s, u"ftp://user:tok3n@host"_s },
         { u"--metchan-url \"ftp://***@host\""_s }, u"tok3n"_s);
    env("METCHAN_URL", u"METCHAN_URL=librato"_s, { u"METCHAN_URL \"librato\""_s });
    flag("bind hostname", { u"--bind"_s, u"localhost"_s },
         { u"--bind \"localhost\""_s, u"IP address"_s });
    flag("bind bad octet", { u"--bind"_s, u"300.1.1.1"_s }, { u"--bind \"300.1.1.1\""_s });
    flag("secrets not a key", { u"--secrets"_s, u"bm90YWtleQ"_s },
         { u"invalid --secrets: secret key 1 of 1 is not a base64url 32-byte key"_s },
         u"bm90YWtleQ"_s);
    flag("secrets empty", { u"--secrets="_s }, { u"--secrets"_s, u"no secret key given"_s });
    env("SECRETS second bad", u"SECRETS="_s + str(kKey) + u":c2VjcmV0"_s,
        { u"invalid SECRETS: secret key 2 of 2"_s }, u"c2VjcmV0"_s);
    env("SECRETS empty key", u"SECRETS="_s + str(kKey) + u"::"_s + str(kKey2),
        { u"SECRETS"_s, u"key 2 of 3 is empty"_s }, str(kKey));
    file("secrets in file", "[l2met]\n\nsecrets = " + kKey2 + ":a2V5\n",
         { u"invalid secrets in "_s, u"line 3: secret key 2 of 2"_s }, u"a2V5"_s);
    flag("receiver=maybe", { u"-receiver=maybe"_s },
         { u"-receiver \"maybe\""_s, u"true or false"_s });
    file("preview = maybe", "[l2met]\npreview = maybe\n",
         { u"preview \"maybe\" in "_s, u"line 2"_s });
    file("port in file", "[l2met]\nport = http\n",
         { u"invalid port \"http\" in "_s, u"l2met.conf line 2"_s });
    file("unknown key", "[l2met]\nport = 1\nprot = 2\n",
         { u"unknown key \"prot\" in "_s, u"line 3"_s, u"did you mean port?"_s });
    file("unknown key far from any", "[l2met]\nlistener = 2\n",
         { u"unknown key \"listener\""_s, u"see --help"_s });
    file("flag spelling in file", "[l2met]\n-port = 2\n", { u"unknown key \"-port\""_s });
    file("unknown section", "[server]\nport = 1\n", { u"unknown section [server]"_s, u"line 1"_s });
    file("key before section", "port = 1\n[l2met]\n",
         { u"\"port\" is outside the [l2met] section"_s });
    file("duplicate key", "[l2met]\nport = 1\n\nport = 2\n",
         { u"duplicate key \"port\""_s, u"line 4"_s, u"first at line 2"_s });
    file("no equals sign", "[l2met]\nport 1\n", { u"expected key = value"_s, u"line 2"_s });
    flag("unknown flag", { u"--prot"_s, u"1"_s }, { u"prot"_s, u"see --help"_s });
    flag("value for a switch", { u"--no-gui=yes"_s }, { u"no-gui"_s });
    flag("missing value", { u"-port"_s }, { u"port"_s });
    flag("positional argument", { u"extra"_s }, { u"unexpected argument \"extra\""_s });
    flag("sign without colon", { u"--sign"_s, u"alicetoken"_s },
         { u"invalid --sign"_s, u"USER:TOKEN"_s }, u"alicetoken"_s);
    flag("sign without user", { u"--sign"_s, u":tok3n"_s }, { u"invalid --sign"_s }, u"tok3n"_s);
    flag("sign without token", { u"--sign=alice:"_s }, { u"invalid --sign"_s }, u"alice"_s);
    flag("config empty", { u"--config="_s }, { u"--config"_s });
}

void Tst_config::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QByteArray, file);
    QFETCH(QStringList, mustContain);
    QFETCH(QString, mustNotContain);

    if (!file.isEmpty())
        writeConfig(file);
    const LoadResult result = load(args, makeEnv(env));
    QVERIFY(!result.config);
    QVERIFY(!result.exitNow);
    QVERIFY(!result.error.isEmpty());
    QVERIFY2(!result.error.contains(u'\n'), qPrintable(result.error));
    for (const QString &part : mustContain)
        QVERIFY2(result.error.contains(part), qPrintable(result.error));
    if (!mustNotContain.isEmpty())
        QVERIFY2(!result.error.contains(mustNotContain), qPrintable(result.error));
    QVERIFY(!result.error.contains(str(kKey)));
    if (file.isEmpty())
        QVERIFY(!QFile::exists(path())); // a failed start writes nothing
}

void Tst_config::validate_data()
{
    QTest::addColumn<Config>("config");
    QTest::addColumn<QString>("mustContain");
    QTest::addColumn<QString>("mustNotContain");

    QTest::newRow("defaults") << Config() << QString() << QString();
    QTest::newRow("with secrets") << with([](Config &c) { c.secrets = kKey + ':' + kKey2; })
                                  << QString() << QString();
    QTest::newRow("port") << with([](Config &c) { c.port = 70000; })
                          << u"invalid -port \"70000\": must be between 0 and 65535"_s << QString();
    QTest::newRow("partitions") << with([](Config &c) { c.partitions = 0; }) << u"-partitions"_s
                                << QString();
    QTest::newRow("concurrency") << with([](Config &c) { c.concurrency = 1000; })
                                 << u"-concurrency"_s << QString();
    QTest::newRow("buffer") << with([](Config &c) { c.buffer = 0; }) << u"-buffer"_s << QString();
    QTest::newRow("outlet-retry") << with([](Config &c) { c.outletRetry = 50; })
                                  << u"-outlet-retry"_s << QString();
    QTest::newRow("recv-deadline")
        << with([](Config &c) { c.recvDeadline = 0; }) << u"-recv-deadline"_s << QString();
    QTest::newRow("flush-interval")
        << with([](Config &c) { c.flushIntervalMs = 5; })
        << u"invalid -flush-interval \"5ms\": must be between 10ms and 1h"_s << QString();
    QTest::newRow("outlet-interval") << with([](Config &c) { c.outletIntervalMs = 7200000; })
                                     << u"-outlet-interval \"2h\""_s << QString();
    QTest::newRow("outlet-ttl") << with([](Config &c) { c.outletTtlMs = 50; })
                                << u"-outlet-ttl \"50ms\""_s << QString();
    QTest::newRow("max-body") << with([](Config &c) { c.maxBodyBytes = 100; })
                              << u"--max-body \"100\""_s << QString();
    QTest::newRow("inbox-bytes") << with([](Config &c) { c.inboxBytes = 1 << 20; })
                                 << u"--inbox-bytes \"1M\": must be at least --max-body (8M)"_s
                                 << QString();
    QTest::newRow("outbox") << with([](Config &c) { c.outboxFlushes = 0; }) << u"--outbox"_s
                            << QString();
    QTest::newRow("librato-url") << with([](Config &c) { c.libratoUrl.clear(); })
                                 << u"--librato-url"_s << QString();
    QTest::newRow("redis-url") << with([](Config &c) { c.redisUrl = u"rediss://:pw@host"_s; })
                               << u"--redis-url \"rediss://***@host\""_s << u"pw"_s;
    QTest::newRow("metchan-url") << with([](Config &c) { c.metchanUrl = u"metchan"_s; })
                                 << u"--metchan-url"_s << QString();
    QTest::newRow("bind") << with([](Config &c) { c.bind = u"any"_s; }) << u"--bind \"any\""_s
                          << QString();
    QTest::newRow("secrets") << with([](Config &c) { c.secrets = kKey + ":short"; })
                             << u"invalid --secrets: secret key 2 of 2"_s << u"short"_s;
}

void Tst_config::validate()
{
    QFETCH(Config, config);
    QFETCH(QString, mustContain);
    QFETCH(QString, mustNotContain);

    const QString error = ConfigLoader::validate(config);
    if (mustContain.isEmpty()) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        return;
    }
    QVERIFY2(error.contains(mustContain), qPrintable(error));
    QVERIFY(!error.contains(u'\n'));
    if (!mustNotContain.isEmpty())
        QVERIFY2(!error.contains(mustNotContain), qPrintable(error));
}

void Tst_config::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("ms"); // -1: an error containing reason
    QTest::addColumn<QString>("reason");

    const auto ok = [](const QString &text, int ms) {
        QTest::newRow(qPrintable(text)) << text << ms << QString();
    };
    const auto bad = [](const QString &text, const QString &reason) {
        QTest::addRow("bad %s", qPrintable(text)) << text << -1 << reason;
    };
    ok(u"250ms"_s, 250);
    ok(u"10ms"_s, 10);
    ok(u"1s"_s, 1000);
    ok(u"1.5s"_s, 1500);
    ok(u"0.5s"_s, 500);
    ok(u".5s"_s, 500);
    ok(u"1.s"_s, 1000);
    ok(u"2m"_s, 120000);
    ok(u"0.25m"_s, 15000);
    ok(u"1h"_s, 3600000);
    ok(u"0.001h"_s, 3600);
    ok(u"1m30s"_s, 90000);
    ok(u"1h0m0s"_s, 3600000);
    ok(u"1s500ms"_s, 1500);
    ok(u"1000000us"_s, 1000);
    ok(u"1500000µs"_s, 1500);
    ok(u"1500000000ns"_s, 1500);
    ok(u"1.500000000000000000000s"_s, 1500);
    ok(u"2"_s, 2000);
    ok(u"3600"_s, 3600000);
    ok(u" 2s "_s, 2000);

    const QString expected = u"expected a duration such as 500ms or 2s"_s;
    const QString whole = u"must be a whole number of milliseconds"_s;
    const QString range = u"must be between 10ms and 1h"_s;
    bad(u"abc"_s, expected);
    bad(QString(), expected);
    bad(u"s"_s, expected);
    bad(u"."_s, expected);
    bad(u"-1s"_s, expected);
    bad(u"+1s"_s, expected);
    bad(u"1x"_s, expected);
    bad(u"1m30"_s, expected);
    bad(u"1 s"_s, expected);
    bad(u"1e3ms"_s, expected);
    bad(u"1.5"_s, expected);
    bad(u"1.5ms"_s, whole);
    bad(u"1500us"_s, whole);
    bad(u"10000001ns"_s, whole);
    bad(u"0.0000001s"_s, whole);
    bad(u"1.0000000000000000001s"_s, whole);
    bad(u"0"_s, range);
    bad(u"0s"_s, range);
    bad(u"5ms"_s, range);
    bad(u"1h1ms"_s, range);
    bad(u"2h"_s, range);
    bad(u"99999999999999999999h"_s, range);
    bad(u"99999999999999999999"_s, range);
}

void Tst_config::durations()
{
    QFETCH(QString, text);
    QFETCH(int, ms);
    QFETCH(QString, reason);

    const LoadResult result = load({ u"-flush-interval"_s, text }, makeEnv({}));
    if (ms >= 0) {
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.config->flushIntervalMs, ms);
    } else {
        QVERIFY(!result.config);
        QVERIFY2(result.error.startsWith(u"invalid -flush-interval \""_s),
                 qPrintable(result.error));
        QVERIFY2(result.error.endsWith(reason), qPrintable(result.error));
    }
}

void Tst_config::byteSizes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("bytes"); // -1: an error containing reason
    QTest::addColumn<QString>("reason");

    const auto ok = [](const QString &text, qint64 bytes) {
        QTest::newRow(qPrintable(text)) << text << bytes << QString();
    };
    const auto bad = [](const QString &text, const QString &reason) {
        QTest::addRow("bad %s", qPrintable(text)) << text << qint64(-1) << reason;
    };
    ok(u"8388608"_s, 8388608);
    ok(u"8M"_s, 8LL << 20);
    ok(u"8m"_s, 8LL << 20);
    ok(u"1024k"_s, 1LL << 20);
    ok(u"1024K"_s, 1LL << 20);
    ok(u"1K"_s, 1024);
    ok(u"1024"_s, 1024);
    ok(u"1G"_s, 1LL << 30);
    ok(u"1g"_s, 1LL << 30);
    ok(u"1073741824"_s, 1LL << 30);

    const QString expected = u"expected a byte count such as 8388608, 64K, 8M or 1G"_s;
    const QString range = u"must be between 1K and 1G"_s;
    bad(u"abc"_s, expected);
    bad(QString(), expected);
    bad(u"M"_s, expected);
    bad(u"8MB"_s, expected);
    bad(u"8MiB"_s, expected);
    bad(u"1.5M"_s, expected);
    bad(u"-1"_s, expected);
    bad(u"+1K"_s, expected);
    bad(u"8T"_s, expected);
    bad(u"8 M"_s, expected);
    bad(u"0"_s, range);
    bad(u"1023"_s, range);
    bad(u"2G"_s, range);
    bad(u"1073741825"_s, range);
    bad(u"99999999999999999999"_s, range);
    bad(u"99999999999G"_s, range);
}

void Tst_config::byteSizes()
{
    QFETCH(QString, text);
    QFETCH(qint64, bytes);
    QFETCH(QString, reason);

    // A large inbox so that only --max-body's own rules apply.
    const LoadResult result
        = load({ u"--inbox-bytes"_s, u"2G"_s, u"--max-buffered"_s, u"4G"_s, u"--max-body"_s, text },
               makeEnv({}));
    if (bytes >= 0) {
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.config->maxBodyBytes, bytes);
    } else {
        QVERIFY(!result.config);
        QVERIFY2(result.error.startsWith(u"invalid --max-body \""_s), qPrintable(result.error));
        QVERIFY2(result.error.endsWith(reason), qPrintable(result.error));
    }
}

void Tst_config::generatedSecretIsStoredAndReused()
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

void Tst_config::generatedSecretKeepsTheRestOfTheFile_data()
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

void Tst_config::generatedSecretKeepsTheRestOfTheFile()
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

void Tst_config::saveReadFileRoundTrip()
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

void Tst_config::saveTightensPermissionsAndFollowsSymlinks()
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

void Tst_config::saveRejectsUnwritableValues()
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

void Tst_config::readFileOfMissingFileGivesDefaults()
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

void Tst_config::warnings()
{
    writeConfig("[l2met]\nsecrets = " + kKey2 + '\n',
                kOwnerReadWrite | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    LoadResult result = load({}, QProcessEnvironment());
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(result.warnings.size(), 1);
    QVERIFY2(result.warnings.constFirst().contains(u"chmod 600"_s),
             qPrintable(result.warnings.constFirst()));
    QVERIFY(!result.warnings.constFirst().contains(str(kKey2)));

    QVERIFY(QFile::setPermissions(path(), kOwnerReadWrite));
    result = load({}, QProcessEnvironment());
    QVERIFY(result.warnings.isEmpty());

    result = load({ u"-receiver"_s }, QProcessEnvironment());
    QCOMPARE(result.warnings.size(), 1);
    QVERIFY(result.warnings.constFirst().contains(u"-receiver without --redis-url"_s));
    result = load({ u"-outlet"_s }, QProcessEnvironment());
    QCOMPARE(result.warnings.size(), 1);
    QVERIFY(result.warnings.constFirst().contains(u"-outlet without --redis-url"_s));
    result
        = load({ u"-outlet"_s, u"--redis-url"_s, u"redis://localhost"_s }, QProcessEnvironment());
    QVERIFY(result.warnings.isEmpty());
}

void Tst_config::help_data()
{
    QTest::addColumn<QString>("flag");
    QTest::newRow("-h") << u"-h"_s;
    QTest::newRow("--help") << u"--help"_s;
    QTest::newRow("-help") << u"-help"_s;
}

void Tst_config::help()
{
    QFETCH(QString, flag);

    // Help wins over anything else on the line, and reads no file.
    writeConfig("[l2met]\nprot = 1\n");
    const LoadResult result = load({ u"-port"_s, u"1"_s, flag }, QProcessEnvironment());
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(result.exitNow);
    QVERIFY(!result.config);
    const QString &help = result.output;
    for (const char *name :
         { "-port",          "-receiver",     "-outlet",    "-flush-interval", "-outlet-interval",
           "-partitions",    "-concurrency",  "-buffer",    "-outlet-retry",   "-outlet-ttl",
           "-recv-deadline", "-v,",           "--verbose",  "-version",        "--no-gui",
           "--config",       "--librato-url", "--preview",  "--bind",          "--redis-url",
           "--secrets",      "--metchan-url", "--max-body", "--inbox-bytes",   "--outbox",
           "--sign",         "-h, --help" }) {
        QVERIFY2(help.contains(QLatin1StringView(name)), name);
    }
    for (const char *text :
         { "env PORT", "env REDIS_URL", "env SECRETS", "env METCHAN_URL", "default 8080",
           "default 1s", "default 2s", "default 1024", "default 8M", "default 64M", "default 30",
           "default 0.0.0.0", "default https://metrics-api.librato.com" }) {
        QVERIFY2(help.contains(QLatin1StringView(text)), text);
    }
    QVERIFY(help.contains(ConfigLoader::defaultPath()));
    QVERIFY(!help.endsWith(u'\n'));
    for (const QString &line : help.split(u'\n'))
        QVERIFY2(line.size() <= 80 || !line.contains(u' '), qPrintable(line));
}

void Tst_config::version()
{
    for (const QString &flag : { u"-version"_s, u"--version"_s }) {
        const LoadResult result = load({ flag }, QProcessEnvironment());
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QVERIFY(result.exitNow);
        QVERIFY(!result.config);
        QCOMPARE(result.output, u"l2met " L2MET_VERSION ""_s);
    }
}

void Tst_config::signIsCaptured()
{
    LoadResult result = load({ u"--sign"_s, u"alice@example.com:75ea4f0c"_s }, makeEnv({}));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(!result.exitNow);
    QVERIFY(result.config);
    QCOMPARE(result.signRequest, QByteArrayLiteral("alice@example.com:75ea4f0c"));

    result = load({ u"-sign=bob:tok:en"_s }, makeEnv({}));
    QCOMPARE(result.signRequest, QByteArrayLiteral("bob:tok:en"));

    result = load({}, makeEnv({}));
    QVERIFY(result.signRequest.isEmpty());
}

void Tst_config::effectiveConcurrency()
{
    Config c;
    QVERIFY(c.effectiveConcurrency() >= 1);
    QCOMPARE(c.effectiveConcurrency(), std::max(1, QThread::idealThreadCount()));
    c.concurrency = 5;
    QCOMPARE(c.effectiveConcurrency(), 5);
}

void Tst_config::defaultPath()
{
    const QString path = ConfigLoader::defaultPath();
    QVERIFY2(QFileInfo(path).isAbsolute(), qPrintable(path));
    QVERIFY2(path.endsWith(u"/l2met/l2met.conf"_s), qPrintable(path));
}

QTEST_GUILESS_MAIN(Tst_config)
#include "tst_config.moc"
