#include "receiver/framededup.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <algorithm>

namespace l2met {

FrameDedup::FrameDedup(qint64 windowMs, int maxEntries)
    : m_windowMs(std::max<qint64>(windowMs, 0))
    , m_maxEntries(std::max(maxEntries, 0))
{
}

FrameDedup::Key FrameDedup::keyOf(QByteArrayView token, QByteArrayView frameId)
{
    // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
    QCryptographicHash sha(QCryptographicHash::Sha256);
    const quint64 length = qToBigEndian(quint64(token.size()));
    sha.addData(QByteArrayView(reinterpret_cast<const char *>(&length), sizeof length));
    sha.addData(token);
    sha.addData(frameId);
    const QByteArrayView digest = sha.resultView();
    return { qFromBigEndian<quint64>(digest.data()), qFromBigEndian<quint64>(digest.data() + 8) };
}

void FrameDedup::popOldest()
{
    const Entry &oldest = m_order.front();
    // A key added again later has a newer entry further back: keep it.
    const auto it = m_seen.constFind(oldest.key);
    if (it != m_seen.cend() && *it == oldest.addedAt)
        m_seen.erase(it);
    m_order.pop_front();
}

void FrameDedup::expire(qint64 nowMs)
{
    while (!m_order.empty() && nowMs - m_order.front().addedAt >= m_windowMs)
        popOldest();
}

bool FrameDedup::contains(QByteArrayView token, QByteArrayView frameId, qint64 nowMs)
{
    expire(nowMs);
    return m_seen.contains(keyOf(token, frameId));
}

void FrameDedup::add(QByteArrayView token, QByteArrayView frameId, qint64 nowMs)
{
    expire(nowMs);
    if (m_maxEntries == 0 || m_windowMs == 0)
        return;
    const Key key = keyOf(token, frameId);
    const auto it = m_seen.constFind(key);
    if (it != m_seen.cend() && *it == nowMs)
        return; // already there with this time: a second entry would only shorten its life
    while (!m_order.empty() && qsizetype(m_order.size()) >= m_maxEntries)
        popOldest();
    m_seen.insert(key, nowMs);
    m_order.push_back({ key, nowMs });
}

} // namespace l2met
