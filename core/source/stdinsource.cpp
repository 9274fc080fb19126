#include "source/stdinsource.h"

#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace l2met {

namespace {

constexpr qsizetype kReadChunk = 64 << 10;
// A regular file: this many chunks per timer tick, then events get a turn.
constexpr int kChunksPerTick = 16;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

StdinSource::StdinSource(const Context &context, int fd, QObject *parent)
    : Source(SourceKind::Stdin, QStringLiteral("stdin"), context, parent)
    , m_fd(fd)
{
}

StdinSource::~StdinSource() = default;

void StdinSource::start()
{
    struct stat st;
    if (::fstat(m_fd, &st) != 0) {
        end(SourceState::Failed, QLatin1String("cannot read stdin: ") + errnoText(errno), 1);
        return;
    }
    m_buffer.resize(kReadChunk);
    setState(SourceState::Running);
    if (S_ISREG(st.st_mode)) {
        m_fileTimer = new QTimer(this);
        m_fileTimer->setInterval(0);
        connect(m_fileTimer, &QTimer::timeout, this, &StdinSource::readFile);
        m_fileTimer->start();
    } else {
        m_notifier = new QSocketNotifier(qintptr(m_fd), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, [this] { readOnce(); });
        m_notifier->setEnabled(true);
    }
}

void StdinSource::readFile()
{
    for (int i = 0; i < kChunksPerTick && !m_done; ++i) {
        if (!readOnce())
            break;
    }
}

bool StdinSource::readOnce()
{
    if (m_done)
        return false;
    ssize_t n;
    do {
        n = ::read(m_fd, m_buffer.data(), size_t(m_buffer.size()));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        addData(m_buffer.constData(), qsizetype(n));
        return true;
    }
    if (n == 0) {
        end(SourceState::Ended, QStringLiteral("end of input"), 0);
        return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return false;
    end(SourceState::Failed, QLatin1String("read error: ") + errnoText(errno), 1);
    return false;
}

void StdinSource::end(SourceState state, const QString &detail, int exitStatus)
{
    m_done = true;
    if (m_notifier)
        m_notifier->setEnabled(false);
    if (m_fileTimer)
        m_fileTimer->stop();
    endAllData();
    setExitStatus(exitStatus);
    setState(state, detail);
    Q_EMIT finished(exitStatus);
}

void StdinSource::stop()
{
    if (m_done)
        return;
    m_done = true;
    if (m_notifier)
        m_notifier->setEnabled(false);
    if (m_fileTimer)
        m_fileTimer->stop();
    endAllData();
    markStopped();
}

} // namespace l2met
