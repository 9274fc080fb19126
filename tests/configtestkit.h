// What the configuration suites (tst_config, tst_configfile, tst_cli)
// share: Fernet keys that trip file parsers, an environment builder, a
// readable QCOMPARE of two Configs, and ConfigFixture, which gives each
// test its own temporary directory (never the real HOME) and loads with
// --config pointing into it.
#pragma once

#include "config/configloader.h"

#include <QByteArray>
#include <QFileDevice>
#include <QMetaType>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace l2met {

// So that QCOMPARE shows both sides when two Configs differ.
char *toString(const Config &c);

} // namespace l2met

Q_DECLARE_METATYPE(l2met::Config)

namespace l2met::test {

QByteArray keyOf(char fill);

// Padded and with '-' and '_': every character a file parser might trip on.
extern const QByteArray kKey;
extern const QByteArray kKey2;
extern const QByteArray kKey3;

constexpr QFileDevice::Permissions kOwnerReadWrite
    = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kGroupOrOther = QFileDevice::ReadGroup | QFileDevice::WriteGroup
    | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
    | QFileDevice::ExeOther;

QString str(const QByteArray &bytes);
Config with(void (*change)(Config &));

// "NAME=value" pairs on top of SECRETS=kKey, so that no secret is generated
// unless a test wants it.
QProcessEnvironment makeEnv(const QStringList &pairs, bool withSecret = true);

// Mixed into each suite's test class: call setUpDir() from init() and
// tearDownDir() from cleanup().
class ConfigFixture
{
protected:
    void setUpDir();
    void tearDownDir();

    QString path(const QString &name = QStringLiteral("l2met.conf")) const
    {
        return m_dir->filePath(name);
    }
    void writeConfig(const QByteArray &text, QFileDevice::Permissions permissions = kOwnerReadWrite,
                     const QString &name = QStringLiteral("l2met.conf")) const;
    // argv[0] and --config in the test's directory (unless args name one).
    LoadResult load(const QStringList &args, const QProcessEnvironment &env) const;
    // The Config load() gives for the defaults with kKey and the test's file.
    Config loaded(Config c) const;

    std::unique_ptr<QTemporaryDir> m_dir;
};

} // namespace l2met::test
