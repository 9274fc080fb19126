#include "receiver/inbox.h"

#include <QDeadlineTimer>
#include <QMutexLocker>

namespace l2met {

Inbox::Inbox(int maxItems, qint64 maxBytes)
    : m_maxItems(maxItems)
    , m_maxBytes(maxBytes)
{
}

bool Inbox::tryPush(InboxItem &item)
{
    QMutexLocker lock(&m_mutex);
    const qint64 size = item.body.size();
    if (m_closed || int(m_items.size()) >= m_maxItems || m_bytes + size > m_maxBytes)
        return false;
    m_bytes += size;
    m_items.push_back(std::move(item));
    m_notEmpty.wakeOne();
    return true;
}

bool Inbox::push(InboxItem &item, int timeoutMs)
{
    QMutexLocker lock(&m_mutex);
    const qint64 size = item.body.size();
    QDeadlineTimer deadline(timeoutMs);
    // An item larger than the byte bound alone is taken into an empty inbox,
    // or it would wait for ever.
    while (!m_closed
           && (int(m_items.size()) >= m_maxItems
               || (m_bytes + size > m_maxBytes && !m_items.empty()))) {
        if (!m_notFull.wait(&m_mutex, deadline))
            return false;
    }
    if (m_closed)
        return false;
    m_bytes += size;
    m_items.push_back(std::move(item));
    m_notEmpty.wakeOne();
    return true;
}

bool Inbox::pop(InboxItem *item, int timeoutMs)
{
    QMutexLocker lock(&m_mutex);
    QDeadlineTimer deadline(timeoutMs);
    // A closed inbox drains even when paused: shutdown must lose nothing.
    while (m_items.empty() || (m_paused && !m_closed)) {
        if ((m_closed && m_items.empty()) || !m_notEmpty.wait(&m_mutex, deadline))
            return false;
    }
    *item = std::move(m_items.front());
    m_items.pop_front();
    m_bytes -= item->body.size();
    m_notFull.wakeOne();
    return true;
}

void Inbox::close()
{
    QMutexLocker lock(&m_mutex);
    m_closed = true;
    m_notEmpty.wakeAll();
    m_notFull.wakeAll();
}

void Inbox::setPaused(bool paused)
{
    QMutexLocker lock(&m_mutex);
    m_paused = paused;
    m_notEmpty.wakeAll();
}

bool Inbox::isClosed() const
{
    QMutexLocker lock(&m_mutex);
    return m_closed;
}

int Inbox::depth() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_items.size());
}

qint64 Inbox::bytes() const
{
    QMutexLocker lock(&m_mutex);
    return m_bytes;
}

} // namespace l2met
