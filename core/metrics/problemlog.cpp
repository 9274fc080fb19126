#include "metrics/problemlog.h"

#include <QMutexLocker>

namespace l2met {

ProblemLog::ProblemLog(int capacity)
    : m_capacity(capacity)
{
}

void ProblemLog::add(Problem problem)
{
    if (problem.detail.size() > kMaxDetail)
        problem.detail.truncate(kMaxDetail);
    if (!problem.at.isValid())
        problem.at = QDateTime::currentDateTimeUtc();
    QMutexLocker lock(&m_mutex);
    ++m_total;
    m_entries.push_back(std::move(problem));
    while (int(m_entries.size()) > m_capacity)
        m_entries.pop_front();
}

QList<Problem> ProblemLog::recent() const
{
    QMutexLocker lock(&m_mutex);
    return QList<Problem>(m_entries.begin(), m_entries.end());
}

quint64 ProblemLog::total() const
{
    QMutexLocker lock(&m_mutex);
    return m_total;
}

} // namespace l2met
