#include "framemonitor.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace l2met {

FrameMonitor::FrameMonitor(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kFrameMs);
    connect(&m_timer, &QTimer::timeout, this, &FrameMonitor::onTick);
}

void FrameMonitor::start()
{
    m_lastTickNs = -1;
    m_timer.start();
}

void FrameMonitor::stop()
{
    m_timer.stop();
}

void FrameMonitor::onTick()
{
    const qint64 now = m_clock.nsecsElapsed();
    if (m_lastTickNs >= 0) {
        m_frames.push_back({ now / 1000000, double(now - m_lastTickNs) / 1e6 });
        prune(m_frames, now / 1000000);
    }
    m_lastTickNs = now;
}

void FrameMonitor::recordWork(qint64 nanoseconds)
{
    const qint64 nowMs = m_clock.elapsed();
    m_works.push_back({ nowMs, double(nanoseconds) / 1e6 });
    prune(m_works, nowMs);
}

void FrameMonitor::prune(std::deque<Sample> &samples, qint64 nowMs)
{
    while (!samples.empty() && samples.front().atMs < nowMs - kWindowMs)
        samples.pop_front();
}

void FrameMonitor::summarise(const std::deque<Sample> &samples, int *n, double *max, double *p99)
{
    *n = int(samples.size());
    *max = 0;
    *p99 = 0;
    if (samples.empty())
        return;
    std::vector<double> values;
    values.reserve(samples.size());
    for (const Sample &s : samples)
        values.push_back(s.ms);
    // Nearest rank, as l2met's own percentiles: s[floor(0.99 n)].
    const size_t rank = std::min(values.size() - 1, size_t(std::floor(0.99 * double(values.size()))));
    std::nth_element(values.begin(), values.begin() + qsizetype(rank), values.end());
    *p99 = values[rank];
    *max = *std::max_element(values.begin(), values.end());
}

FrameMonitor::Stats FrameMonitor::stats() const
{
    const qint64 nowMs = m_clock.elapsed();
    std::deque<Sample> frames;
    std::deque<Sample> works;
    std::copy_if(m_frames.begin(), m_frames.end(), std::back_inserter(frames),
                 [nowMs](const Sample &s) { return s.atMs >= nowMs - kWindowMs; });
    std::copy_if(m_works.begin(), m_works.end(), std::back_inserter(works),
                 [nowMs](const Sample &s) { return s.atMs >= nowMs - kWindowMs; });
    Stats out;
    summarise(frames, &out.frames, &out.frameMaxMs, &out.frameP99Ms);
    summarise(works, &out.works, &out.workMaxMs, &out.workP99Ms);
    return out;
}

} // namespace l2met
