#include "metrics/linetap.h"

#include <QDateTime>
#include <QMutexLocker>

#include <algorithm>

namespace l2met {

LineTap::LineTap(int capacity, int linesPerSecond)
    : m_capacity(std::max(1, capacity))
    , m_linesPerSecond(std::max(1, linesPerSecond))
{ }

void LineTap::setEnabled(bool enabled)
{
    m_enabled.store(enabled, std::memory_order_relaxed);
}

int LineTap::takeBudget(int maxPerBody)
{
    if (!enabled())
        return 0;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QMutexLocker lock(&m_mutex);
    if (now != m_second) {
        m_second = now;
        m_usedThisSecond = 0;
    }
    const int budget = std::min(maxPerBody, m_linesPerSecond - m_usedThisSecond);
    if (budget <= 0)
        return 0;
    m_usedThisSecond += budget;
    return budget;
}

void LineTap::addSampledOut(quint64 lines)
{
    if (lines == 0)
        return;
    QMutexLocker lock(&m_mutex);
    m_sampledOut += lines;
    m_lastSampledSecond = QDateTime::currentSecsSinceEpoch();
}

void LineTap::add(LineRecord record)
{
    if (record.line.size() > LineRecord::kMaxLine)
        record.line.truncate(LineRecord::kMaxLine);
    QMutexLocker lock(&m_mutex);
    record.seq = ++m_seq;
    m_records.push_back(std::move(record));
    while (int(m_records.size()) > m_capacity)
        m_records.pop_front();
}

QList<LineRecord> LineTap::since(quint64 after, int max) const
{
    QMutexLocker lock(&m_mutex);
    QList<LineRecord> out;
    if (m_records.empty() || m_records.back().seq <= after || max <= 0)
        return out;
    // seq is dense, so the first record wanted is found by arithmetic.
    const quint64 first = m_records.front().seq;
    size_t start = after >= first ? size_t(after - first + 1) : 0;
    start = std::max(start,
                     m_records.size() > size_t(max) ? m_records.size() - size_t(max) : size_t(0));
    out.reserve(qsizetype(m_records.size() - start));
    for (size_t i = start; i < m_records.size(); ++i)
        out.append(m_records[i]);
    return out;
}

quint64 LineTap::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_seq;
}

quint64 LineTap::sampledOut() const
{
    QMutexLocker lock(&m_mutex);
    return m_sampledOut;
}

bool LineTap::sampling() const
{
    QMutexLocker lock(&m_mutex);
    return m_sampledOut > 0 && QDateTime::currentSecsSinceEpoch() - m_lastSampledSecond < 5;
}

} // namespace l2met
