// FrameMonitor: measures how responsive the GUI thread is. A 16 ms precise
// timer records the real interval between its ticks (a tick that comes
// 80 ms after the previous one means the event loop was blocked for about
// 64 ms: no frame could be painted then); recordWork() records how long a
// piece of GUI-thread work took (applying a snapshot to every view). stats()
// gives the maximum and the 99th percentile of both over the last minute.
//
// GUI thread only.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>

namespace l2met {

class FrameMonitor : public QObject
{
    Q_OBJECT

public:
    struct Stats
    {
        int frames = 0;        // timer ticks in the window
        double frameMaxMs = 0; // longest interval between ticks
        double frameP99Ms = 0;
        int works = 0;
        double workMaxMs = 0;
        double workP99Ms = 0;
    };

    static constexpr int kFrameMs = 16;
    static constexpr qint64 kWindowMs = 60000;

    explicit FrameMonitor(QObject *parent = nullptr);

    void start();
    void stop();
    void recordWork(qint64 nanoseconds);
    Stats stats() const;

private:
    struct Sample
    {
        qint64 atMs;
        double ms;
    };
    void onTick();
    void prune(std::deque<Sample> &samples, qint64 nowMs);
    static void summarise(const std::deque<Sample> &samples, int *n, double *max, double *p99);

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTickNs = -1;
    std::deque<Sample> m_frames;
    std::deque<Sample> m_works;
};

} // namespace l2met
