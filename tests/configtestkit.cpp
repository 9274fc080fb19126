#include "configtestkit.h"

#include <QFile>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace l2met {

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

namespace l2met::test {

QByteArray keyOf(char fill)
{
    return QByteArray(32, fill).toBase64(QByteArray::Base64UrlEncoding);
}

const QByteArray kKey
    = QByteArray::fromHex(QByteArray("fbff").repeated(16)).toBase64(QByteArray::Base64UrlEncoding);
const QByteArray kKey2 = keyOf('b');
const QByteArray kKey3 = keyOf('c');

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

QProcessEnvironment makeEnv(const QStringList &pairs, bool withSecret)
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

void ConfigFixture::setUpDir()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void ConfigFixture::tearDownDir()
{
    m_dir.reset();
}

void ConfigFixture::writeConfig(const QByteArray &text, QFileDevice::Permissions permissions,
                                const QString &name) const
{
    QFile file(path(name));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(text), text.size());
    file.close();
    QVERIFY(file.setPermissions(permissions));
}

LoadResult ConfigFixture::load(const QStringList &args, const QProcessEnvironment &env) const
{
    QStringList arguments { u"l2met"_s };
    const bool namesConfig = std::any_of(args.cbegin(), args.cend(), [](const QString &a) {
        return a == u"--config" || a.startsWith(u"--config=");
    });
    if (!namesConfig)
        arguments << u"--config"_s << path();
    return ConfigLoader::load(arguments + args, env);
}

Config ConfigFixture::loaded(Config c) const
{
    if (c.secrets.isEmpty())
        c.secrets = kKey;
    if (c.configFile.isEmpty())
        c.configFile = path();
    return c;
}

} // namespace l2met::test
