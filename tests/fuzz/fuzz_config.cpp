// libFuzzer target: the input is a config file. ConfigLoader::readFile must
// not crash on any content; errors are fine, but a config it accepts must
// come back with a message-free result and one it refuses with a message.
#include "config/configloader.h"

#include <QFile>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>

using namespace l2met;

namespace {

// One file, rewritten for every input; the directory goes when libFuzzer
// exits normally (static destructors run).
const QString &configPath()
{
    static QTemporaryDir dir;
    static const QString path = dir.filePath(QStringLiteral("l2met.conf"));
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString &path = configPath();
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    QString error;
    const std::optional<Config> config = ConfigLoader::readFile(path, &error);
    if (!config && error.isEmpty())
        __builtin_trap(); // refused without saying why
    if (config && !error.isEmpty())
        __builtin_trap();
    return 0;
}
