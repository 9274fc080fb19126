// The secrets scan (issue 7, "Hardening"): the real l2met binary, verbose and
// with every debug logging category on, driven through every path a test can
// reach from outside: ingest and each way its auth fails, the HTTP limits,
// /sign, /health, /metrics, Librato errors (with bodies that echo the
// credentials), retries and final failures, Redis with a password, a wrong
// password and Redis going away, bad config files and flags, --sign, --help,
// -version and SIGTERM. Every byte l2met prints and every HTTP answer (but
// the token that /sign and --sign are asked for) is kept, and at the end no
// secret may be in any of it in any spelling: Fernet keys (base64url, base64,
// hex, raw bytes, either half), drain tokens (and their Basic header), the
// Librato API token (and its Basic header), Redis passwords. kWindow
// consecutive characters of a secret count as a leak, so a truncated or
// partly quoted secret is caught too. Also: a generated config file is 0600,
// --bind is honoured, --help documents its default 0.0.0.0.
#include "auth/fernet.h"
#include "config/configloader.h"
#include "enginetestkit.h"
#include "rawhttpclient.h"
#include "fakelibrato.h"
#include "redisacl.h"
#include "redisserver.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/stat.h>

using namespace l2met;
using namespace l2met::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype kWindow = 16; // this many consecutive characters of a secret are a leak
const QByteArray kUser = "ops@example.com";
const QByteArray kApiToken = "libr4to-API-t0ken-7c1f9e2ab3d54f60";
const QByteArray kRedisPassword = "redis-pa55word-9d8e7f6a5b4c";
// The ACL user's password of the rediss:// process (and a wrong one).
const QByteArray kRedisAclPassword = "acl-pa55word-1f2e3d4c5b6a";
const QByteArray kWrongAclPassword = "acl-wrong-pa55word-0a9b8c";
const QByteArray kWrongRedisPassword = "wr0ng-redis-pa55-0a1b2c3d4e5f";

QByteArray fromBase64Url(const QByteArray &text)
{
    return QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding);
}

QStringList strings(const QByteArrayList &list)
{
    QStringList out;
    for (const QByteArray &item : list)
        out << QString::fromUtf8(item);
    return out;
}

struct Answer
{
    int status = 0;
    QByteArray head; // status line and headers
    QByteArray body;
};

// One request, written byte for byte on a fresh connection (so malformed
// ones too), and everything that came back, a whole answer or not. Waits
// with the event loop running: the fake Librato keeps answering l2met
// meanwhile.
Answer exchange(quint16 port, const QByteArray &request)
{
    QByteArray in; // every byte received, for the secret checks
    RawHttpClient client(port, &in, 5000);
    if (!client.isConnected())
        return {};
    client.send(request);
    (void)client.next(10000);
    Answer answer;
    const qsizetype end = in.indexOf("\r\n\r\n");
    answer.head = end < 0 ? in : in.left(end);
    answer.body = end < 0 ? QByteArray() : in.mid(end + 4);
    answer.status = statusOf(answer.head);
    return answer;
}

QByteArray request(const QByteArray &method, const QByteArray &target,
                   const QByteArray &authorization = {}, const QByteArray &body = {},
                   const QByteArray &extraHeaders = {})
{
    QByteArray r = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!authorization.isEmpty())
        r += "Authorization: " + authorization + "\r\n";
    r += extraHeaders;
    if (!extraHeaders.contains("Content-Length") && !extraHeaders.contains("Transfer-Encoding"))
        r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

QByteArray logs(const QByteArray &source)
{
    return frame(QDateTime::currentSecsSinceEpoch(), source,
                 "measure#probe=3ms count#hits=1 source=" + source);
}

// LISTEN sockets on port in /proc/net/tcp and tcp6, as "file address".
QStringList listeners(quint16 port)
{
    QStringList found;
    const QString suffix = u":%1"_s.arg(port, 4, 16, QLatin1Char('0')).toUpper();
    for (const char *path : { "/proc/net/tcp", "/proc/net/tcp6" }) {
        QFile file(QString::fromLatin1(path));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &line : file.readAll().split('\n')) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() > 3 && fields[3] == "0A" && fields[1].endsWith(suffix.toLatin1()))
                found << QString::fromLatin1(path) + u' ' + QString::fromLatin1(fields[1]);
        }
    }
    return found;
}

struct L2met
{
    QString name;
    std::unique_ptr<QProcess> process;
    QByteArray output;
    quint16 port = 0;
    ~L2met()
    {
        if (process && process->state() != QProcess::NotRunning) { // a failed test
            process->kill();
            process->waitForFinished(5000);
        }
    }
    const QByteArray &read()
    {
        output += process->readAll();
        return output;
    }
};

} // namespace

class TstSecrets : public QObject
{
    Q_OBJECT

private:
    struct Secret
    {
        QString kind; // never the value: that is what failure messages print
        QByteArray value;
        qsizetype skip = 0; // leading characters that are not secret (Fernet version and time)
    };

    QTemporaryDir m_dir;
    std::unique_ptr<FakeLibrato> m_librato;
    QByteArray m_k1, m_k2, m_k3, m_k4, m_kOther; // --secrets K1:K2, SECRETS=K3, file K4
    QByteArray m_kDash; // a key that starts with '-', so reads as a flag
    QByteArray m_t1, m_t2, m_t3, m_tOther, m_tNoColon;
    QByteArray m_libratoAuth; // the Authorization l2met sends Librato
    QList<Secret> m_secrets;
    QList<std::pair<QString, QByteArray>> m_seen; // where, what l2met printed or answered

    void addSecret(const QString &kind, const QByteArray &value, qsizetype skip = 0)
    {
        m_secrets.append({ kind, value, skip });
    }
    void addKey(const QString &name, const QByteArray &key)
    {
        const QByteArray bytes = fromBase64Url(key);
        QCOMPARE(bytes.size(), 32);
        addSecret(name + u" (base64url)"_s, key.chopped(key.count('=')));
        addSecret(name + u" (base64)"_s, bytes.toBase64(QByteArray::OmitTrailingEquals));
        addSecret(name + u" (hex)"_s, bytes.toHex());
        addSecret(name + u" signing half (hex)"_s, bytes.left(16).toHex());
        addSecret(name + u" encryption half (hex)"_s, bytes.mid(16).toHex());
        addSecret(name + u" (raw bytes)"_s, bytes);
    }
    void addToken(const QString &name, const QByteArray &token)
    {
        // The first 12 characters (9 bytes: version and time) are alike in every token.
        addSecret(name, token.chopped(token.count('=')), 12);
        addSecret(name + u" (base64)"_s,
                  fromBase64Url(token).toBase64(QByteArray::OmitTrailingEquals), 12);
        addSecret(name + u" (raw bytes)"_s, fromBase64Url(token), 9);
        addSecret(name + u" in a Basic header"_s, QByteArray(token + ':').toBase64(), 16);
    }
    QByteArray sign(const QByteArray &key, const QByteArray &plaintext)
    {
        return Fernet(*Fernet::parseKeys(key)).encrypt(plaintext);
    }
    // A Librato error that quotes the request's credentials back.
    QByteArray echoBody() const
    {
        return "{\"errors\":{\"request\":[\"bad credentials: Authorization: " + m_libratoAuth
            + " user=" + kUser + " token=" + kApiToken + "\"]}}";
    }

    // Without the user's settings, every debug category on; extra: NAME=value.
    QProcessEnvironment environment(const QByteArrayList &extra = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : { "SECRETS", "REDIS_URL", "PORT", "METCHAN_URL" })
            env.remove(QString::fromLatin1(name));
        env.insert(u"QT_LOGGING_RULES"_s, u"*.debug=true"_s);
        env.insert(u"XDG_CONFIG_HOME"_s, m_dir.filePath(u"xdg"_s));
        for (const QByteArray &entry : extra) {
            const qsizetype equals = entry.indexOf('=');
            env.insert(QString::fromUtf8(entry.left(equals)),
                       QString::fromUtf8(entry.mid(equals + 1)));
        }
        return env;
    }
    QString file(const QString &name, const QByteArray &contents = {}, QFile::Permissions mode = {})
    {
        const QString path = m_dir.filePath(name);
        if (!contents.isEmpty()) {
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly) || f.write(contents) != contents.size())
                qFatal("cannot write %s", qPrintable(path));
            f.setPermissions(mode != QFile::Permissions() ? mode
                                                          : QFile::ReadOwner | QFile::WriteOwner);
        }
        return path;
    }

    // A process that exits by itself; its stderr is always kept, its stdout
    // unless it is the token asked for (returned in *stdOut).
    int run(const QString &name, const QByteArrayList &args, const QProcessEnvironment &env,
            QByteArray *stdOut = nullptr)
    {
        QProcess p;
        p.setProgram(QStringLiteral(L2MET_BINARY));
        p.setArguments(strings(args));
        p.setProcessEnvironment(env);
        p.start();
        if (!p.waitForFinished(15000)) {
            qWarning("%s did not finish", qPrintable(name));
            p.kill();
            p.waitForFinished(5000);
        }
        const QByteArray out = p.readAllStandardOutput();
        m_seen.append({ name + u" stderr"_s, p.readAllStandardError() });
        if (stdOut)
            *stdOut = out;
        else
            m_seen.append({ name + u" stdout"_s, out });
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

    bool start(L2met &l, const QString &name, const QByteArrayList &args,
               const QProcessEnvironment &env)
    {
        l.name = name;
        l.process = std::make_unique<QProcess>();
        l.process->setProgram(QStringLiteral(L2MET_BINARY));
        l.process->setArguments(strings(args));
        l.process->setProcessEnvironment(env);
        l.process->setProcessChannelMode(QProcess::MergedChannels);
        l.process->start();
        static const QRegularExpression started(QStringLiteral("at=start port=(\\d+)"));
        QRegularExpressionMatch match;
        (void)QTest::qWaitFor(
            [&] {
                match = started.match(QString::fromUtf8(l.read()));
                return match.hasMatch() || l.process->state() == QProcess::NotRunning;
            },
            10000);
        l.port = quint16(match.captured(1).toUInt());
        if (l.port == 0)
            qWarning("%s did not start: %s", qPrintable(name), l.output.constData());
        return l.port != 0;
    }
    // SIGTERM: the graceful shutdown; keeps all it printed.
    void stop(L2met &l)
    {
        ::kill(pid_t(l.process->processId()), SIGTERM);
        QTRY_COMPARE_WITH_TIMEOUT(l.process->state(), QProcess::NotRunning, 30000);
        m_seen.append({ l.name + u" output"_s, l.read() });
        QCOMPARE(l.process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(l.process->exitCode(), 0);
        QVERIFY(l.output.contains("at=engine.shutdown"));
    }
    // Keeps the answer (but the body, when it is the token asked for).
    Answer ask(L2met &l, const QString &what, const QByteArray &bytes, bool keepBody = true)
    {
        Answer a = exchange(l.port, bytes);
        m_seen.append({ l.name + u' ' + what, keepBody ? a.head + "\r\n\r\n" + a.body : a.head });
        return a;
    }
    // Asks, keeps the answer, checks its status.
    void expect(L2met &l, const char *what, const QByteArray &bytes, int status)
    {
        const int got = ask(l, QString::fromUtf8(what), bytes).status;
        QVERIFY2(got == status,
                 qPrintable(u"%1 %2: %3"_s.arg(l.name, QString::fromUtf8(what)).arg(got)));
    }
    QByteArrayList commonArgs(const QString &config) const
    {
        return QByteArray("--no-gui -port 0 --bind 127.0.0.1 -v -flush-interval 100ms "
                          "-outlet-interval 100ms --config")
                   .split(' ')
            + QByteArrayList { QFile::encodeName(config), "--librato-url",
                               m_librato->url().toEncoded() };
    }

    // Which secret (kind only) is in which text (where only).
    QStringList leaks(const QList<std::pair<QString, QByteArray>> &seen) const
    {
        QByteArray all;
        for (const auto &entry : seen)
            all += entry.second + "\n\x01\n";
        QStringList found;
        for (const Secret &s : m_secrets) {
            QList<QByteArray> windows;
            if (s.value.size() - s.skip <= kWindow)
                windows << s.value;
            for (qsizetype i = s.skip; i + kWindow <= s.value.size(); i += 3)
                windows << s.value.mid(i, kWindow);
            windows << s.value.right(kWindow);
            for (const QByteArray &w : std::as_const(windows)) {
                if (!all.contains(w))
                    continue;
                for (const auto &[where, text] : seen) {
                    if (text.contains(w))
                        found << QStringLiteral("%1 in \"%2\"").arg(s.kind, where);
                }
                break;
            }
        }
        found.removeDuplicates();
        return found;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_librato = std::make_unique<FakeLibrato>();
        QVERIFY(m_librato->isListening());
        m_k1 = Fernet::generateKey();
        m_k2 = Fernet::generateKey();
        m_k3 = Fernet::generateKey();
        m_k4 = Fernet::generateKey();
        m_kOther = Fernet::generateKey();
        QByteArray bytes = fromBase64Url(Fernet::generateKey());
        bytes[0] = char(0xf8); // 111110..: '-' in base64url
        m_kDash = bytes.toBase64(QByteArray::Base64UrlEncoding);
        QVERIFY(m_kDash.startsWith('-'));
        const QByteArray credentials = kUser + ':' + kApiToken;
        m_t1 = sign(m_k1, credentials);
        m_t2 = sign(m_k2, credentials);
        m_t3 = sign(m_k3, credentials);
        m_tOther = sign(m_kOther, credentials);
        m_tNoColon = sign(m_k1, "no-colon-" + kApiToken);
        m_libratoAuth = basicAuth(kUser, kApiToken);

        addKey(u"Fernet key 1 of --secrets"_s, m_k1);
        addKey(u"Fernet key 2 of --secrets"_s, m_k2);
        addKey(u"Fernet key of SECRETS"_s, m_k3);
        addKey(u"Fernet key of the config file"_s, m_k4);
        addKey(u"Fernet key l2met does not have"_s, m_kOther);
        addKey(u"Fernet key starting with '-'"_s, m_kDash);
        addToken(u"drain token of key 1"_s, m_t1);
        addToken(u"drain token of key 2"_s, m_t2);
        addToken(u"drain token of SECRETS"_s, m_t3);
        addToken(u"drain token of an unknown key"_s, m_tOther);
        addToken(u"drain token without ':'"_s, m_tNoColon);
        addSecret(u"Librato API token"_s, kApiToken);
        addSecret(u"Librato API token (base64)"_s, kApiToken.toBase64());
        // base64 of "ops@example.com:" is 20 characters of the user alone.
        addSecret(u"Librato Basic credentials"_s, m_libratoAuth.mid(6), 20);
        addSecret(u"Redis password"_s, kRedisPassword);
        addSecret(u"wrong Redis password"_s, kWrongRedisPassword);
        addSecret(u"Redis ACL password"_s, kRedisAclPassword);
        addSecret(u"wrong Redis ACL password"_s, kWrongAclPassword);
    }

    void helpAndVersion()
    {
        const QProcessEnvironment env = environment(
            { "SECRETS=" + m_k3, "REDIS_URL=redis://:" + kRedisPassword + "@127.0.0.1:1" });
        const QString config = file(u"help.conf"_s, "[l2met]\nsecrets = " + m_k4 + '\n');
        QByteArray help;
        QCOMPARE(run(u"--help"_s, { "--config", QFile::encodeName(config), "--help" }, env, &help),
                 0);
        m_seen.append({ u"--help stdout"_s, help });
        // The documented default of --bind is 0.0.0.0 (a no-break space after "default").
        const QString text = QString::fromLocal8Bit(help).replace(QChar(0xa0), u' ').simplified();
        const qsizetype bind = text.indexOf(u"--bind <address>"_s);
        QVERIFY2(bind >= 0, "--help lists --bind");
        QVERIFY2(text.mid(bind, 120).contains(u"default 0.0.0.0"_s),
                 qPrintable(text.mid(bind, 120)));
        QCOMPARE(run(u"-version"_s, { "-version" }, env), 0);
    }

    // Bad settings next to secrets: one line naming the setting, no value of a secret.
    void startupErrors_data()
    {
        QTest::addColumn<QByteArray>("fileText");
        QTest::addColumn<QByteArrayList>("args");
        QTest::addColumn<QByteArrayList>("env");
        const auto row = [](const char *tag, const QByteArray &file,
                            const QByteArrayList &args = {}, const QByteArrayList &env = {}) {
            QTest::newRow(tag) << file << args << env;
        };
        const QByteArray head = "[l2met]\nsecrets = " + m_k4 + '\n';
        const QByteArray redis = "redis://:" + kRedisPassword + '@';
        row("file: bad duration", head + "flush-interval = soon\n");
        row("file: bad second key", "[l2met]\nsecrets = " + m_k4 + ':' + m_k4.left(20) + '\n');
        row("file: key on its own line", "[l2met]\nsecrets =\n" + m_k4 + '\n');
        row("file: key as a section", '[' + m_k4 + "]\nport = 1\n");
        row("file: duplicate secrets", head + "secrets = " + m_k1 + '\n');
        row("file: bad redis port", head + "redis-url = " + redis + "127.0.0.1:99999\n");
        row("file: bad redis scheme", head + "redis-url = http://:" + kRedisPassword + "@h\n");
        row("file: bad bind", head + "bind = 999.0.0.1\n");
        row("flag: long key", {}, { "--secrets", m_k1 + 'x' });
        row("flag: keys without ':'", {}, { "--secrets", m_k1, m_k2 });
        row("flag: misspelt", {}, { "--secret=" + m_k1 });
        row("flag: misspelt, key apart", {}, { "--secret", m_kDash });
        row("flag: redis url", head, { "--redis-url", redis + "127.0.0.1/x" });
        row("flag: sign without ':'", head, { "--sign", kApiToken });
        row("flag: sign, empty user", head, { "--sign", ':' + kApiToken });
        row("flag: sign, two words", head, { "--sign", kUser, kApiToken });
        row("env: bad SECRETS", head, {}, { "SECRETS=" + m_k3 + ':' + m_k3.left(30) });
        row("env: bad METCHAN_URL", head, {},
            { "METCHAN_URL=ftp://" + kUser + ':' + kApiToken + "@h/" });
    }
    void startupErrors()
    {
        QFETCH(QByteArray, fileText);
        QFETCH(QByteArrayList, args);
        QFETCH(QByteArrayList, env);
        const QString tag = QString::fromUtf8(QTest::currentDataTag());
        const QString config
            = file(u"bad-%1.conf"_s.arg(QString::number(qHash(tag), 16)), fileText);
        QCOMPARE(run(u"start-up error \"%1\""_s.arg(tag),
                     QByteArrayList { "--no-gui", "--config", QFile::encodeName(config) } + args,
                     environment(env)),
                 2);
    }

    void signCommand()
    {
        // A config file that others may read: a warning, without the secret.
        const QString config
            = file(u"sign.conf"_s, "[l2met]\nsecrets = " + m_k4 + '\n',
                   QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
        QByteArray out;
        QCOMPARE(run(u"--sign"_s,
                     { "--config", QFile::encodeName(config), "--sign", kUser + ':' + kApiToken },
                     environment(), &out),
                 0);
        QVERIFY(m_seen.constLast().second.contains("chmod 600"));
        QVERIFY(out.startsWith("token=gAAAAA"));
        const QByteArray token = out.split('\n').first().mid(6);
        QVERIFY(Fernet(*Fernet::parseKeys(m_k4)).decrypt(token).ok());
        addToken(u"token printed by --sign"_s, token);
    }

    // One process, memory store: every HTTP path, Librato failing in each way.
    void singleProcess()
    {
        L2met a;
        const QByteArray metchan = "http://ops%40example.com:" + kApiToken + "@127.0.0.1:"
            + QByteArray::number(m_librato->port()) + '/'; // never due within the test: no post
        QVERIFY(start(a, u"process A"_s,
                      commonArgs(file(u"a.conf"_s))
                          + QByteArrayList { "--secrets", m_k1 + ':' + m_k2, "-outlet-retry", "2",
                                             "--max-body", "64K", "--metchan-url", metchan },
                      environment({ "SECRETS=" + m_k3 })));
        // --bind 127.0.0.1: listening there only.
        QCOMPARE(listeners(a.port),
                 QStringList { u"/proc/net/tcp 0100007F:"_s
                               + QString::number(a.port, 16).rightJustified(4, u'0').toUpper() });

        const QByteArray auth1 = basicAuth(m_t1);
        const QByteArray logsTarget = "/logs?resolution=1";
        // Delivered after a 500 and a 429 that quote the credentials back.
        m_librato->failNext(1, 500, {}, echoBody());
        m_librato->failNext(1, 429, "0", echoBody());
        expect(a, "good post", request("POST", logsTarget, auth1, logs("web.1")), 200);
        QTRY_VERIFY_WITH_TIMEOUT(!m_librato->acceptedGauges().isEmpty(), 15000);
        // echoBody() quotes what l2met sends.
        QCOMPARE(m_librato->requests().first().header("authorization"), m_libratoAuth);

        // Permanent failure (401, not retried), for a token of the second key.
        m_librato->failNext(1, 401, {}, echoBody());
        expect(a, "post, key 2", request("POST", logsTarget, basicAuth(m_t2), logs("web.2")), 200);
        QTRY_COMPARE_WITH_TIMEOUT(a.read().count("at=outlet.failed"), 1, 15000);
        // Retried, then failed (-outlet-retry 2: three attempts).
        m_librato->failNext(1, 429, "0", echoBody());
        m_librato->failNext(2, 500, {}, echoBody());
        expect(a, "post, retried", request("POST", logsTarget, auth1, logs("web.3")), 200);
        QTRY_COMPARE_WITH_TIMEOUT(a.read().count("at=outlet.failed"), 2, 15000);

        // Every way /logs can refuse a request.
        const auto refused = [&](const char *what, const QByteArray &authorization, int status,
                                 const QByteArray &headers = {}) {
            expect(a, what, request("POST", logsTarget, authorization, {}, headers), status);
        };
        QByteArray garbled = m_t1;
        garbled[garbled.size() / 2] = garbled[garbled.size() / 2] == 'A' ? 'B' : 'A';
        refused("no Authorization", {}, 401);
        refused("Bearer scheme", "Bearer " + m_t1, 401);
        refused("token not base64-encoded", "Basic " + m_t1, 401);
        refused("empty token", basicAuth({}), 401);
        refused("token of another key", basicAuth(m_tOther), 401);
        refused("token of SECRETS (overridden)", basicAuth(m_t3), 401);
        refused("truncated token", basicAuth(m_t1.chopped(8)), 401);
        refused("garbled token", basicAuth(garbled), 401);
        refused("token without ':'", basicAuth(m_tNoColon), 401);
        refused("token as the password", basicAuth("x", m_t1), 401);
        refused("key as the user", basicAuth(m_k1), 401);
        refused("chunked", auth1, 400, "Transfer-Encoding: chunked\r\n");
        refused("negative length", auth1, 400, "Content-Length: -1\r\n");
        refused("two lengths", auth1, 400, "Content-Length: 0\r\nContent-Length: 5\r\n");
        refused("body too large", auth1, 413, "Content-Length: 1000000\r\n");
        refused("headers too large", auth1, 431, "X-Filler: " + QByteArray(70000, 'f') + "\r\n");
        expect(a, "token in the query", request("POST", "/logs?token=" + m_t1), 401);
        expect(a, "bad resolution", request("POST", "/logs?resolution=7", auth1), 400);
        expect(a, "GET /logs", request("GET", "/logs", auth1), 405);
        expect(a, "GET /nowhere", request("GET", "/nowhere?token=" + m_t1, auth1), 404);

        // /sign: only its 200 body holds a token.
        const QByteArray credentials = kUser + ':' + kApiToken;
        const Answer signed_ = ask(a, u"POST /sign"_s,
                                   request("POST", "/sign", basicAuth(m_k1), credentials), false);
        QCOMPARE(signed_.status, 200);
        QVERIFY(Fernet(*Fernet::parseKeys(m_k1)).decrypt(signed_.body.trimmed()).ok());
        addToken(u"token answered by /sign"_s, signed_.body.trimmed());
        const auto signAs = [&](const char *what, const QByteArray &authorization, int status,
                                const QByteArray &body) {
            expect(a, what, request("POST", "/sign", authorization, body), status);
        };
        signAs("/sign, unknown key", basicAuth(m_kOther), 401, credentials);
        signAs("/sign, key of SECRETS", basicAuth(m_k3), 401, credentials);
        signAs("/sign, key as password", basicAuth("x", m_k1), 401, credentials);
        signAs("/sign, truncated key", basicAuth(m_k1.left(40)), 401, credentials);
        signAs("/sign, token as user", basicAuth(m_t1), 401, credentials);
        signAs("/sign, key not base64", "Basic " + m_k1, 401, credentials);
        signAs("/sign, no Authorization", {}, 401, credentials);
        signAs("/sign, body without ':'", basicAuth(m_k2), 400, kApiToken);
        signAs("/sign, empty user", basicAuth(m_k1), 400, ':' + kApiToken);
        expect(a, "GET /sign", request("GET", "/sign", basicAuth(m_k1)), 405);

        expect(a, "GET /health", request("GET", "/health"), 200);
        const Answer metrics = ask(a, u"GET /metrics"_s, request("GET", "/metrics"));
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.body.contains("l2met_http_responses{status=\"401\"}"));
        stop(a);
        QVERIFY(!QFile::exists(file(u"a.conf"_s))); // --secrets given: nothing written
    }

    // Redis with a password, going away and coming back; the key generated on first start.
    void redisWithPassword()
    {
        if (RedisServer::binary().isEmpty())
            QSKIP("redis-server is not installed (packaging/install-deps.sh --test installs it)");
        RedisServer redis({ u"--requirepass"_s, QString::fromLatin1(kRedisPassword) });
        QVERIFY2(redis.start(), qPrintable(redis.errorString()));
        const QString config = m_dir.filePath(u"generated/l2met.conf"_s);
        L2met b;
        const QByteArray url
            = "redis://:" + kRedisPassword + "@127.0.0.1:" + QByteArray::number(redis.port());
        QVERIFY(start(b, u"process B"_s, commonArgs(config) + QByteArrayList { "--redis-url", url },
                      environment()));
        QVERIFY(b.read().contains("at=config.secret generated=true"));
        struct stat st = {};
        QCOMPARE(::stat(QFile::encodeName(config).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QCOMPARE(::stat(QFile::encodeName(m_dir.filePath(u"generated"_s)).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0700u);
        QString error;
        const std::optional<Config> stored = ConfigLoader::readFile(config, &error);
        QVERIFY2(stored && !stored->secrets.isEmpty(), qPrintable(error));
        addKey(u"generated Fernet key"_s, stored->secrets);
        const QByteArray token = sign(stored->secrets, kUser + ':' + kApiToken);
        addToken(u"drain token of the generated key"_s, token);

        const QByteArray auth = basicAuth(token);
        const qsizetype delivered = m_librato->acceptedGauges().size();
        expect(b, "good post", request("POST", "/logs?resolution=1", auth, logs("web.4")), 200);
        QTRY_VERIFY_WITH_TIMEOUT(m_librato->acceptedGauges().size() > delivered, 15000);

        redis.stop();
        QTRY_COMPARE_WITH_TIMEOUT(exchange(b.port, request("GET", "/health")).status, 503, 10000);
        expect(b, "GET /health, Redis down", request("GET", "/health"), 503);
        const QByteArray body = logs("web.5");
        const int status
            = ask(b, u"post, Redis down"_s, request("POST", "/logs", auth, body)).status;
        QVERIFY2(status == 200 || status == 503, qPrintable(QString::number(status)));
        QTRY_VERIFY_WITH_TIMEOUT(b.read().contains("at=redis.down"), 10000);
        QVERIFY(redis.restart());
        QTRY_COMPARE_WITH_TIMEOUT(exchange(b.port, request("GET", "/health")).status, 200, 15000);
        expect(b, "GET /metrics", request("GET", "/metrics"), 200);
        stop(b);
    }

    // A wrong Redis password (in REDIS_URL, Heroku's user:password form); SECRETS from the env.
    // Refused credentials are not an outage: the start fails with AUTH's reason.
    void wrongRedisPassword()
    {
        if (RedisServer::binary().isEmpty())
            QSKIP("redis-server is not installed (packaging/install-deps.sh --test installs it)");
        RedisServer redis({ u"--requirepass"_s, QString::fromLatin1(kRedisPassword) });
        QVERIFY2(redis.start(), qPrintable(redis.errorString()));
        const QByteArray url
            = "redis://h:" + kWrongRedisPassword + "@127.0.0.1:" + QByteArray::number(redis.port());
        const int code = run(u"process C"_s, commonArgs(file(u"c.conf"_s)),
                             environment({ "SECRETS=" + m_k3, "REDIS_URL=" + url }));
        QVERIFY(code != 0);
        QByteArray stderrText;
        for (const auto &[where, text] : std::as_const(m_seen)) {
            if (where == u"process C stderr"_s)
                stderrText = text;
        }
        QVERIFY2(stderrText.contains("AUTH") && stderrText.contains("WRONGPASS"),
                 stderrText.constData());
    }

    // Redis over TLS as an ACL user: its password stays out of the log,
    // /health, /metrics and the error of a refused login.
    void redisOverTlsAsAclUser()
    {
        if (RedisServer::binary().isEmpty())
            QSKIP("redis-server is not installed (packaging/install-deps.sh --test installs it)");
        RedisServer redis({}, RedisServer::Transport::PlainAndTls);
        QVERIFY2(redis.start(), qPrintable(redis.errorString()));
        QString error;
        QVERIFY2(addAclUser(redis, "l2met-secret", kRedisAclPassword, l2metAclRules(), &error),
                 qPrintable(error));
        const QByteArray url
            = redis.tlsUrl(u"l2met-secret"_s, QString::fromLatin1(kRedisAclPassword)).toUtf8();
        const QByteArray ca = redis.caFile().toUtf8();
        L2met d;
        QVERIFY(start(d, u"process D"_s,
                      commonArgs(file(u"d.conf"_s)) + QByteArrayList { "--redis-ca", ca },
                      environment({ "SECRETS=" + m_k3, "REDIS_URL=" + url })));
        const QByteArray auth = basicAuth(m_t3);
        const qsizetype delivered = m_librato->acceptedGauges().size();
        expect(d, "post over rediss", request("POST", "/logs?resolution=1", auth, logs("web.6")),
               200);
        QTRY_VERIFY_WITH_TIMEOUT(m_librato->acceptedGauges().size() > delivered, 15000);
        expect(d, "GET /health over rediss", request("GET", "/health"), 200);
        expect(d, "GET /metrics over rediss", request("GET", "/metrics"), 200);
        stop(d);

        const QByteArray wrong
            = redis.tlsUrl(u"l2met-secret"_s, QString::fromLatin1(kWrongAclPassword)).toUtf8();
        QVERIFY(run(u"process E"_s, commonArgs(file(u"e.conf"_s)) + QByteArrayList { "--redis-ca", ca },
                    environment({ "SECRETS=" + m_k3, "REDIS_URL=" + wrong }))
                != 0);
    }

    // Last: everything kept above, against every spelling of every secret.
    void noSecretAnywhere()
    {
        QVERIFY(m_seen.size() > 60);
        // The scan finds a secret that is there, even cut short.
        QVERIFY(!leaks({ { u"self-check"_s, "x" + m_t1.mid(30, 20) + "y" } }).isEmpty());
        QVERIFY(!leaks({ { u"self-check"_s, fromBase64Url(m_k2).toHex() } }).isEmpty());
        const QStringList found = leaks(m_seen);
        // To see a leak in context: TST_SECRETS_DUMP=FILE writes everything scanned there.
        if (QFile dump(qEnvironmentVariable("TST_SECRETS_DUMP"));
            !dump.fileName().isEmpty() && dump.open(QIODevice::WriteOnly)) {
            for (const auto &[where, text] : std::as_const(m_seen))
                dump.write("=== " + where.toUtf8() + '\n' + text + '\n');
        }
        QVERIFY2(found.isEmpty(), qPrintable(u"secrets leaked: "_s + found.join(u"; "_s)));
    }
};

QTEST_GUILESS_MAIN(TstSecrets)
#include "tst_secrets.moc"
