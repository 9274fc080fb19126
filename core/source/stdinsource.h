// StdinSource: the lines of l2met's standard input (--stdin), or of any file
// descriptor (tests). A pipe, a tty or a socket is read when a
// QSocketNotifier says it is readable; a regular file (where "readable" means
// nothing: it always is) is read chunk by chunk from a zero timer until its
// end. Either way the thread never blocks in read() and stop() is served.
// At the end of input: the partial last line becomes a line, everything is
// pushed, state Ended and finished(0). A read error: state Failed and
// finished(1). The descriptor is never closed (it is the process's stdin).
//
// Lives in its own thread (see Source). Finite.
#pragma once

#include "source/source.h"

class QSocketNotifier;
class QTimer;

namespace l2met {

class StdinSource : public Source
{
    Q_OBJECT

public:
    explicit StdinSource(const Context &context, int fd = 0, QObject *parent = nullptr);
    ~StdinSource() override;

    void start() override;
    void stop() override;
    bool isFinite() const override { return true; }

private:
    // One read(); false when there is no more to read now (end, error or a
    // would-block).
    bool readOnce();
    void readFile();
    void end(SourceState state, const QString &detail, int exitStatus);

    const int m_fd;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_fileTimer = nullptr;
    QByteArray m_buffer;
    bool m_done = false;
};

} // namespace l2met
