// ConfigLoader::load and validate: l2met's defaults, the environment,
// precedence flag > environment > file > default, every validation error
// (naming the setting, never a secret), durations, byte counts, the
// warnings, and --redis-url checked by the store's own parser. The file
// is tst_configfile; the command line and --help are tst_cli. Every test
// works in its own temporary directory: never the real HOME.
#include "configtestkit.h"
#include "bucket/percentiles.h"
#include "store/redisurl.h"

#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <QThread>

using namespace l2met;
using namespace l2met::test;
using namespace Qt::StringLiterals;

class Tst_config : public QObject, public ConfigFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { setUpDir(); }
    void cleanup() { tearDownDir(); }

    void defaultsAreL2metDefaults();
    void environment_data();
    void environment();
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
    void warnings();
    void effectiveConcurrency();
    void defaultPath();
    void redisUrlIsTheStoresRedisUrl_data();
    void redisUrlIsTheStoresRedisUrl();
};

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
    QCOMPARE(c.percentiles, u"50,95,99"_s);
    QCOMPARE(c.percentiles, Percentiles::defaults().text()); // the engine's fallback agrees
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
    QTest::newRow("PERCENTILES") << QStringList { u"PERCENTILES=75,90,99.9"_s }
                                 << with([](Config &c) { c.percentiles = u"75,90,99.9"_s; });
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
         { u"--redis-url \"http://localhost\""_s,
           u"redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)"_s });
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
    flag("percentile 100", { u"--percentiles"_s, u"50,100"_s },
         { u"--percentiles \"50,100\""_s, u"greater than 0 and less than 100"_s });
    flag("percentile with three decimals", { u"--percentiles=99.999"_s },
         { u"--percentiles"_s, u"at most two decimals"_s });
    flag("percentile twice", { u"--percentiles"_s, u"95,99,95"_s }, { u"--percentiles"_s, u"listed twice"_s });
    flag("eleven percentiles", { u"--percentiles"_s, u"1,2,3,4,5,6,7,8,9,10,11"_s },
         { u"--percentiles"_s, u"at most 10"_s });
    env("PERCENTILES not numbers", u"PERCENTILES=p50"_s, { u"PERCENTILES"_s, u"expected percentiles"_s });
    file("percentiles = 0", "[l2met]\npercentiles = 0\n", { u"percentiles \"0\""_s, u"line 2"_s });
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
    QTest::newRow("redis-url") << with([](Config &c) { c.redisUrl = u"redis://:pw@host/x"_s; })
                               << u"--redis-url \"redis://***@host/x\""_s << u"pw"_s;
    QTest::newRow("metchan-url") << with([](Config &c) { c.metchanUrl = u"metchan"_s; })
                                 << u"--metchan-url"_s << QString();
    QTest::newRow("bind") << with([](Config &c) { c.bind = u"any"_s; }) << u"--bind \"any\""_s
                          << QString();
    QTest::newRow("percentiles") << with([](Config &c) { c.percentiles = u"50,,99"_s; })
                                 << u"invalid --percentiles \"50,,99\""_s << QString();
    QTest::newRow("percentiles configured") << with([](Config &c) { c.percentiles = u"99.9,75"_s; })
                                            << QString() << QString();
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

void Tst_config::redisUrlIsTheStoresRedisUrl_data()
{
    QTest::addColumn<QString>("url");
    for (const char *url :
         { "redis://localhost", "redis://:pw@localhost:6379/2", "redis://h:pw@ec2.example.com:7000",
           "redis://[::1]:6380/1", "redis://localhost/", "redis://localhost/00000000001",
           "redis://localhost/2147483647", "redis://localhost/2147483648", "redis://localhost/99999999999",
           "redis://localhost/abc", "redis://localhost/-1", "redis://localhost/1/2", "redis://localhost:0",
           "redis://localhost:65536", "redis://localhost?db=1", "redis://localhost#x", "redis://",
           "redis://:pw@/0", "rediss://host", "http://localhost", "not a url" }) {
        QTest::newRow(url) << QString::fromLatin1(url);
    }
}

void Tst_config::redisUrlIsTheStoresRedisUrl()
{
    // The configuration accepts exactly the URLs the store can connect to.
    QFETCH(QString, url);
    const bool storeTakesIt = RedisUrl::parse(url).has_value();
    Config c;
    c.redisUrl = url;
    QCOMPARE(ConfigLoader::validate(c).isEmpty(), storeTakesIt);
    const LoadResult result = load({ u"--redis-url"_s, url }, makeEnv({}));
    QCOMPARE(result.error.isEmpty(), storeTakesIt);
}

QTEST_GUILESS_MAIN(Tst_config)
#include "tst_config.moc"
