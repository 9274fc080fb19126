#include "source/filetailsource.h"

#include <QFile>
#include <QTimer>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace l2met {

namespace {

constexpr qsizetype kReadChunk = 64 << 10;
// Per timer tick, then events (stop()) get a turn and reading goes on at once.
constexpr qint64 kReadBudget = 4 << 20;

const QString kWaitingForFile = QStringLiteral("waiting for the file");

} // namespace

FileTailSource::FileTailSource(const Context &context, const Options &options, QObject *parent)
    : Source(SourceKind::File, options.path, context, parent)
    , m_options(options)
    , m_encodedPath(QFile::encodeName(options.path))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &FileTailSource::poll);
}

FileTailSource::~FileTailSource()
{
    closeFile();
}

void FileTailSource::start()
{
    m_buffer.resize(kReadChunk);
    if (openFile(m_options.fromStart))
        setState(SourceState::Running, {}, QLatin1String("path=") + logfmtValue(m_options.path));
    else
        setState(SourceState::Waiting, kWaitingForFile, QLatin1String("path=") + logfmtValue(m_options.path));
    m_timer->start(0);
}

bool FileTailSource::openFile(bool fromStart)
{
    const int fd = ::open(m_encodedPath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        ::close(fd);
        return false;
    }
    m_fd = fd;
    m_dev = st.st_dev;
    m_ino = st.st_ino;
    m_offset = fromStart ? 0 : qint64(st.st_size);
    return true;
}

void FileTailSource::closeFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool FileTailSource::readSome(qint64 budget)
{
    while (budget > 0 && !m_stopped) {
        ssize_t n;
        do {
            n = ::pread(m_fd, m_buffer.data(), size_t(m_buffer.size()), off_t(m_offset));
        } while (n < 0 && errno == EINTR);
        if (n <= 0)
            return false;
        m_offset += n;
        budget -= n;
        addData(m_buffer.constData(), qsizetype(n));
    }
    return budget <= 0;
}

void FileTailSource::poll()
{
    if (m_stopped)
        return;
    if (m_fd < 0) {
        // Not there at start, or gone after a rotation: it is new when it
        // appears, so it is read from its start.
        if (!openFile(true)) {
            setState(SourceState::Waiting, kWaitingForFile);
            m_timer->start(m_options.pollIntervalMs);
            return;
        }
        setState(SourceState::Running);
    }

    struct stat st;
    if (::fstat(m_fd, &st) == 0 && qint64(st.st_size) < m_offset) {
        qCInfo(lcSource).noquote() << QString(logPrefix() + QLatin1String(" truncated=true path=")
                                              + logfmtValue(m_options.path));
        endOfData();
        m_offset = 0;
    }
    if (readSome(kReadBudget)) {
        m_timer->start(0);
        return;
    }

    // Rotated: the path names another file now, or nothing.
    struct stat pathSt;
    const bool there = ::stat(m_encodedPath.constData(), &pathSt) == 0;
    if (!there || pathSt.st_ino != m_ino || pathSt.st_dev != m_dev) {
        while (readSome(kReadBudget) && !m_stopped) {
            // The old file to its end (a writer may still have appended).
        }
        endOfData();
        flushBatch();
        closeFile();
        qCInfo(lcSource).noquote() << QString(logPrefix() + QLatin1String(" rotated=true path=")
                                              + logfmtValue(m_options.path));
        m_timer->start(0); // the new file at once, if it is there
        return;
    }
    m_timer->start(m_options.pollIntervalMs);
}

void FileTailSource::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_timer->stop();
    closeFile();
    endAllData();
    markStopped();
}

} // namespace l2met
