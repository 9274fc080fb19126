// The command line and --help: every flag in its -x and --x forms, with
// its value after a space or '=', Go's -switch=false, `-- CMD ARGS`,
// --sign, -version, and a --help (and man page) that lists every setting
// of the table. Every test works in its own temporary directory: never the
// real HOME.
#include "config/commandline.h"
#include "config/settings.h"
#include "configtestkit.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace l2met;
using namespace l2met::test;
using namespace Qt::StringLiterals;

namespace {

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

class Tst_cli : public QObject, public ConfigFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { setUpDir(); }
    void cleanup() { tearDownDir(); }

    void flags_data();
    void flags();
    void goStyleBooleanValues_data();
    void goStyleBooleanValues();
    void help_data();
    void help();
    void version();
    void signIsCaptured();
    void everySettingIsAFlag();
    void helpListsEverySetting();
    void manPageDocumentsEverySetting();
};

void Tst_cli::flags_data()
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
    addFlagRows(u"percentiles"_s, u"75,90,99.9"_s, with([](Config &c) { c.percentiles = u"75,90,99.9"_s; }));
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

void Tst_cli::flags()
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

void Tst_cli::goStyleBooleanValues_data()
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

void Tst_cli::goStyleBooleanValues()
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

void Tst_cli::help_data()
{
    QTest::addColumn<QString>("flag");
    QTest::newRow("-h") << u"-h"_s;
    QTest::newRow("--help") << u"--help"_s;
    QTest::newRow("-help") << u"-help"_s;
}

void Tst_cli::help()
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

void Tst_cli::version()
{
    for (const QString &flag : { u"-version"_s, u"--version"_s }) {
        const LoadResult result = load({ flag }, QProcessEnvironment());
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QVERIFY(result.exitNow);
        QVERIFY(!result.config);
        QCOMPARE(result.output, u"l2met " L2MET_VERSION ""_s);
    }
}

void Tst_cli::signIsCaptured()
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

void Tst_cli::everySettingIsAFlag()
{
    // Under its flag name and its key, with one or two dashes.
    for (const Setting &s : Settings::table()) {
        QCOMPARE(Settings::forKey(s.keyName()), &s);
        QCOMPARE(Settings::forOption(s.keyName()), &s);
        QCOMPARE(Settings::forOption(s.flagName()), &s);
        Config expected;
        QString value = Settings::defaultText(s);
        if (s.kind == SettingKind::Bool) {
            value = u"true"_s;
            expected.*std::get<bool Config::*>(s.field) = true;
        } else if (s.isList()) {
            value = u"x"_s;
            expected.*std::get<QStringList Config::*>(s.field) = { value };
        } else if (s.kind == SettingKind::Secrets) {
            value = str(kKey2);
            expected.secrets = kKey2;
        }
        for (const QString &name : s.optionNames()) {
            for (const QString &dashes : { u"-"_s, u"--"_s }) {
                const LoadResult result = load({ dashes + name + u'=' + value }, makeEnv({}));
                QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
                QVERIFY2(*result.config == loaded(expected), s.key);
            }
        }
    }
}

void Tst_cli::helpListsEverySetting()
{
    const LoadResult result = load({ u"--help"_s }, QProcessEnvironment());
    QVERIFY(result.exitNow);
    const QString &help = result.output;
    for (const Setting &s : Settings::table()) {
        // "  -flush-interval <duration>", "  -v, --verbose", "(...; env PORT)"
        QString names = u"\n  "_s + s.flagText();
        if (s.flagName() != s.keyName())
            names += u", --"_s + s.keyName();
        QVERIFY2(help.contains(names), s.key);
        if (s.env)
            QVERIFY2(help.contains(u"env "_s + QLatin1StringView(s.env)), s.env);
    }
    for (const ProcessOption &o : CommandLine::processOptions())
        QVERIFY2(help.contains(u"\n  "_s + QLatin1StringView(o.flag)), o.flag);
}

void Tst_cli::manPageDocumentsEverySetting()
{
    // packaging/check-package.sh holds the installed man page to --help;
    // this holds the source to the table, with the same rule (grep -w).
    QFile man(QFINDTESTDATA("../packaging/l2met.1"));
    QVERIFY2(man.open(QIODevice::ReadOnly), "packaging/l2met.1");
    const QString text = QString::fromUtf8(man.readAll()).replace(u"\\-"_s, u"-"_s);
    const auto documents = [&text](const QString &word) {
        const QRegularExpression re(u"(?<!\\w)"_s + QRegularExpression::escape(word) + u"(?!\\w)"_s);
        return re.match(text).hasMatch();
    };
    for (const Setting &s : Settings::table()) {
        QVERIFY2(documents(s.flagText()), s.flag);
        if (s.flagName() != s.keyName())
            QVERIFY2(documents(u"--"_s + s.keyName()), s.key);
        if (s.env)
            QVERIFY2(documents(QString::fromLatin1(s.env)), s.env);
    }
    for (const ProcessOption &o : CommandLine::processOptions()) {
        QVERIFY2(documents(QString::fromLatin1(o.flag)), o.flag);
        if (o.alias)
            QVERIFY2(documents(QString::fromLatin1(o.alias)), o.alias);
    }
}

QTEST_GUILESS_MAIN(Tst_cli)
#include "tst_cli.moc"
