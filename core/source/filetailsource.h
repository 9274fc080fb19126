// FileTailSource: follows a file like `tail -F` (--tail FILE). Starts at the
// file's end unless fromStart; a file that is not there yet is waited for
// (state Waiting "waiting for the file") and read from its start once it
// appears. Rotation by rename (the path now names another inode, or none):
// the old file is read to its end, then the new one from its start.
// Truncation (the size fell below what was read): reading starts again at 0.
//
// The file is looked at every pollIntervalMs (250 ms) with a QTimer rather
// than a QFileSystemWatcher: a watcher cannot watch a path that does not
// exist yet, loses its watch when the file is renamed or deleted (exactly
// what rotation does), needs inotify watches that may run out, and sees
// nothing on some network file systems; one stat() and one read() four times
// a second cost nothing and work everywhere.
//
// Lives in its own thread (see Source). Not finite.
#pragma once

#include "source/source.h"

#include <sys/types.h>

class QTimer;

namespace l2met {

class FileTailSource : public Source
{
    Q_OBJECT

public:
    struct Options
    {
        QString path;
        bool fromStart = false;  // read what the file already holds
        int pollIntervalMs = 250;
    };

    FileTailSource(const Context &context, const Options &options, QObject *parent = nullptr);
    ~FileTailSource() override;

    void start() override;
    void stop() override;

private:
    void poll();
    // Opens the path; false when it is not there (or cannot be opened).
    bool openFile(bool fromStart);
    void closeFile();
    // Reads from m_offset, at most budget bytes; true when more is left.
    bool readSome(qint64 budget);

    Options m_options;
    QByteArray m_encodedPath;
    QTimer *m_timer = nullptr;
    QByteArray m_buffer;
    int m_fd = -1;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    qint64 m_offset = 0;
    bool m_stopped = false;
};

} // namespace l2met
