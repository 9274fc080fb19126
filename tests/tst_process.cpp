// The l2met binary as an operator runs it: --version, --help, a bad flag,
// --sign, and `--no-gui` taking a body and delivering it on SIGTERM / SIGINT
// (docs/behaviour.md section 8: nothing accepted is lost), with no secret in its output.
#include "auth/fernet.h"
#include "config/configloader.h"
#include "enginetestkit.h"
#include "fakelibrato.h"

#include <QDateTime>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>

using namespace l2met;
using namespace l2met::test;


class TstProcess : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString configPath() const { return m_dir.filePath(QStringLiteral("l2met.conf")); }

    QByteArray run(const QStringList &args, int *exitCode)
    {
        QProcess p;
        p.setProgram(QStringLiteral(L2MET_BINARY));
        p.setArguments(args);
        p.start();
        p.waitForFinished(20000);
        *exitCode = p.exitCode();
        return p.readAllStandardOutput() + p.readAllStandardError();
    }

private Q_SLOTS:
    void versionHelpAndBadFlags()
    {
        int code = -1;
        QCOMPARE(run({ QStringLiteral("-version") }, &code).trimmed(), QByteArray("l2met " L2MET_VERSION));
        QCOMPARE(code, 0);
        const QByteArray help = run({ QStringLiteral("--help") }, &code);
        QCOMPARE(code, 0);
        for (const char *flag : { "-port", "-flush-interval", "-outlet-retry", "--no-gui", "--preview", "SECRETS", "REDIS_URL" })
            QVERIFY2(help.contains(flag), flag);
        const QByteArray bad = run({ QStringLiteral("--config"), configPath(), QStringLiteral("-flush-interval"), QStringLiteral("soon") }, &code);
        QCOMPARE(code, 2);
        QCOMPARE(bad.trimmed().count('\n'), 0); // one line
        QVERIFY(bad.contains("flush-interval"));
    }

    void deliversOnTermination_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }
    void deliversOnTermination()
    {
        QFETCH(int, signal);
        FakeLibrato librato;
        const quint16 port = freePort();
        QProcess l2met;
        l2met.setProgram(QStringLiteral(L2MET_BINARY));
        l2met.setArguments({ QStringLiteral("--no-gui"), QStringLiteral("--config"), configPath(),
                             QStringLiteral("-port"), QString::number(port), QStringLiteral("--bind"),
                             QStringLiteral("127.0.0.1"), QStringLiteral("--librato-url"), librato.url().toString(),
                             QStringLiteral("-flush-interval"), QStringLiteral("100ms"),
                             QStringLiteral("-outlet-interval"), QStringLiteral("100ms") });
        l2met.start();
        QVERIFY(l2met.waitForStarted(10000));
        const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(port));
        QTRY_COMPARE_WITH_TIMEOUT(http("GET", base.resolved(QUrl(QStringLiteral("/health")))).status, 200, 10000);

        // The secret l2met generated on first start is in its config file.
        QString error;
        const std::optional<Config> config = ConfigLoader::readFile(configPath(), &error);
        QVERIFY2(config && !config->secrets.isEmpty(), qPrintable(error));
        struct stat st = {};
        QCOMPARE(::stat(QFile::encodeName(configPath()).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        const QByteArray token = Fernet(*Fernet::parseKeys(config->secrets)).encrypt("ops@example.com:ops-api-token");

        // Resolution 60 stamped now: not ready for up to a minute, so only a
        // graceful shutdown delivers it in time.
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QByteArray body;
        for (int i = 1; i <= 50; ++i)
            body += frame(now, "web.1", "measure#req=" + QByteArray::number(i) + "ms count#hits=1");
        const HttpAnswer answer = http("POST", base.resolved(QUrl(QStringLiteral("/logs"))), body,
                                       { { "Authorization", basicAuth(token) } });
        QCOMPARE(answer.status, 200);

        ::kill(pid_t(l2met.processId()), signal);
        // Wait with the event loop running: the fake Librato must answer.
        QTRY_COMPARE_WITH_TIMEOUT(l2met.state(), QProcess::NotRunning, 30000);
        QCOMPARE(l2met.exitStatus(), QProcess::NormalExit);
        QCOMPARE(l2met.exitCode(), 0);

        QHash<QString, QJsonObject> byName;
        for (const FakeLibrato::Gauge &g : librato.acceptedGauges())
            byName.insert(g.json.value(QLatin1String("name")).toString(), g.json);
        QCOMPARE(byName.value(QStringLiteral("hits")).value(QLatin1String("value")).toDouble(), 50.0);
        QCOMPARE(byName.value(QStringLiteral("req")).value(QLatin1String("count")).toDouble(), 50.0);
        QCOMPARE(byName.value(QStringLiteral("req")).value(QLatin1String("sum")).toDouble(), 1275.0);
        QCOMPARE(librato.requests().first().password, QByteArray("ops-api-token"));

        const QByteArray output = l2met.readAllStandardOutput() + l2met.readAllStandardError();
        QVERIFY(output.contains("at=engine.shutdown"));
        for (const QByteArray &secret : config->secrets.split(':'))
            QVERIFY(!output.contains(secret));
        QVERIFY(!output.contains("ops-api-token"));
        QVERIFY(!output.contains(token));
    }

    void signCommand()
    {
        int code = -1;
        const QByteArray out = run({ QStringLiteral("--config"), configPath(), QStringLiteral("--sign"),
                                     QStringLiteral("ops@example.com:ops-api-token") }, &code);
        QCOMPARE(code, 0);
        QVERIFY(out.startsWith("token=gAAAAA"));
        QVERIFY(out.contains("drain_url=https://"));
        const QByteArray token = out.split('\n').first().mid(6);
        QString error;
        const std::optional<Config> config = ConfigLoader::readFile(configPath(), &error);
        QVERIFY(config);
        const Fernet::Result r = Fernet(*Fernet::parseKeys(config->secrets)).decrypt(token);
        QVERIFY(r.ok());
        QCOMPARE(r.plaintext, QByteArray("ops@example.com:ops-api-token"));
    }
};

QTEST_GUILESS_MAIN(TstProcess)
#include "tst_process.moc"
