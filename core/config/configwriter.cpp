#include "config/configwriter.h"

#include "auth/fernet.h"
#include "config/config.h"
#include "config/inifile.h"
#include "config/settings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QTemporaryFile>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace l2met {

namespace {

constexpr int kLockTimeoutMs = 5000;

QString resolvedPath(const QString &path)
{
    const QFileInfo info(path);
    return info.isSymLink() ? info.symLinkTarget() : info.absoluteFilePath();
}

bool ensureDirectory(const QString &filePath, QString *error)
{
    const QString dir = QFileInfo(filePath).absolutePath();
    if (QFileInfo(dir).isDir())
        return true;
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create directory %1").arg(dir);
        return false;
    }
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return true;
}

QString lockError(const QLockFile &lock, const QString &path)
{
    switch (lock.error()) {
    case QLockFile::LockFailedError:
        return QStringLiteral("config file %1 is being written by another process (%1.lock)")
            .arg(path);
    case QLockFile::PermissionError:
        return QStringLiteral("cannot write in the directory of config file %1: permission denied")
            .arg(path);
    default:
        return QStringLiteral("cannot lock config file %1").arg(path);
    }
}

// QTemporaryFile creates the file 0600 (O_EXCL) in the same directory, and
// rename() replaces the old file atomically. The caller holds the lock.
bool writeAtomically(const QString &path, const QByteArray &data, QString *error)
{
    const QFileInfo info(path);
    QTemporaryFile temporary(info.absolutePath() + QStringLiteral("/.") + info.fileName()
                             + QStringLiteral(".XXXXXX"));
    const auto fail = [&](const QString &reason) {
        *error = QStringLiteral("cannot write config file %1: %2").arg(path, reason);
        return false;
    };
    if (!temporary.open())
        return fail(temporary.errorString());
    if (!temporary.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return fail(temporary.errorString());
    if (temporary.write(data) != data.size() || !temporary.flush())
        return fail(temporary.errorString());
    if (::fsync(temporary.handle()) != 0)
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    if (std::rename(QFile::encodeName(temporary.fileName()).constData(),
                    QFile::encodeName(path).constData())
        != 0) {
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    }
    temporary.setAutoRemove(false);
    return true;
}

// The file's text with `secrets = KEY` in its [l2met] section; the rest of
// the file (comments included) is kept as it is.
QByteArray withSecret(const QByteArray &raw, const QByteArray &key)
{
    const QByteArray line = QByteArrayLiteral("secrets = ") + key;
    const QByteArray comment = QByteArrayLiteral(
        "# Generated on first start: the key that signs drain tokens (see /sign).");
    QList<QByteArray> lines = raw.split('\n');
    if (!raw.isEmpty() && raw.endsWith('\n'))
        lines.removeLast();
    // Every section is [l2met] (the file was parsed): an empty `secrets =`
    // line may be in any of them; a new line goes under the first.
    qsizetype header = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray trimmed = lines[i].trimmed();
        if (trimmed.startsWith('[')) {
            if (header < 0)
                header = i;
            continue;
        }
        const qsizetype equals = trimmed.indexOf('=');
        if (!trimmed.startsWith('#') && !trimmed.startsWith(';') && equals > 0
            && trimmed.left(equals).trimmed() == "secrets") {
            lines[i] = line;
            return lines.join('\n') + '\n';
        }
    }
    if (header < 0) {
        if (lines.isEmpty())
            lines.append(QByteArrayLiteral("# l2met configuration: keep this file mode 0600."));
        lines.append(QByteArrayLiteral("[l2met]"));
        header = lines.size() - 1;
    }
    lines.insert(header + 1, comment);
    lines.insert(header + 2, line);
    return lines.join('\n') + '\n';
}

} // namespace

QString ConfigWriter::provideSecret(const QString &path, QByteArray *secrets, bool *generated)
{
    const QString target = resolvedPath(path);
    QString error;
    if (!ensureDirectory(target, &error))
        return error + QStringLiteral(" for the generated secret; set SECRETS or --secrets");
    QLockFile lock(target + QStringLiteral(".lock"));
    if (!lock.tryLock(kLockTimeoutMs))
        return lockError(lock, target);
    const IniFile file = IniFile::read(target);
    if (!file.error().isEmpty())
        return file.error();
    Config stored;
    error = file.applyTo(stored);
    if (!error.isEmpty())
        return error;
    if (!stored.secrets.isEmpty()) {
        *secrets = stored.secrets;
        return {};
    }
    const QByteArray key = Fernet::generateKey();
    if (key.isEmpty())
        return QStringLiteral("cannot generate a secret key (random generator failure); set "
                              "SECRETS or --secrets");
    if (!writeAtomically(target, withSecret(file.raw(), key), &error))
        return error + QStringLiteral("; set SECRETS or --secrets");
    *secrets = key;
    *generated = true;
    return {};
}

bool ConfigWriter::save(const Config &c, const QString &path, QString *error)
{
    QString text = QStringLiteral(
        "# l2met configuration, written by l2met: saving from the window rewrites it.\n"
        "# It holds secrets: keep it mode 0600.\n"
        "# Precedence: command-line flag > environment > this file > default.\n"
        "\n[l2met]\n");
    for (const Setting &s : Settings::table()) {
        const QString value = Settings::text(s, c);
        const bool representable = value == value.trimmed()
            && std::none_of(value.cbegin(), value.cend(),
                            [](QChar ch) { return ch.unicode() < 0x20 || ch.unicode() == 0x7f; });
        if (!representable) {
            if (error) {
                *error = QStringLiteral("cannot save %1: its value holds a line break, a control "
                                        "character or surrounding blanks")
                             .arg(s.keyName());
            }
            return false;
        }
        text += QStringLiteral("# ") + QString::fromLatin1(s.help) + u'\n' + s.keyName()
            + QStringLiteral(" = ") + value + u'\n';
    }
    const QString target = resolvedPath(path);
    QString reason;
    if (!ensureDirectory(target, &reason)) {
        if (error)
            *error = reason;
        return false;
    }
    QLockFile lock(target + QStringLiteral(".lock"));
    if (!lock.tryLock(kLockTimeoutMs)) {
        if (error)
            *error = lockError(lock, target);
        return false;
    }
    if (!writeAtomically(target, text.toUtf8(), &reason)) {
        if (error)
            *error = reason;
        return false;
    }
    return true;
}

} // namespace l2met
