// Inbox: the bounded queue between the HTTP receiver and the parser threads.
// Bounded twice, by bodies (-buffer) and by bytes (--inbox-bytes), so memory
// stays bounded whatever the body sizes; a full inbox refuses (the receiver
// answers 503 and logplex retries) rather than dropping anything silently.
//
// Thread-safe: any number of producers and consumers.
#pragma once

#include "parser/ingestoptions.h"
#include "source/sourcestatus.h"

#include <QByteArray>
#include <QMutex>
#include <QWaitCondition>

#include <deque>

namespace l2met {

struct InboxItem
{
    QByteArray body;
    IngestOptions options;
    QByteArray user;     // Librato user of the drain (for per-user figures)
    qint64 receivedAt = 0; // unix seconds
    SourceKind kind = SourceKind::Drain;
    int sourceId = 0; // SourceStatus::id; 0 for the drain
};

class Inbox
{
public:
    Inbox(int maxItems, qint64 maxBytes);

    // false when full or closed; the item is left untouched then.
    bool tryPush(InboxItem &item);
    // Waits up to timeoutMs for room (local sources: reading pauses while
    // the inbox is full); false on timeout or when closed, item untouched.
    bool push(InboxItem &item, int timeoutMs);
    // Waits up to timeoutMs for an item; false on timeout, or when closed
    // and empty.
    bool pop(InboxItem *item, int timeoutMs);
    // No more pushes; pops drain what is left, then return false.
    void close();
    bool isClosed() const;
    // While paused, pop() hands out nothing (the inbox fills up and the
    // receiver answers 503), for inspection and back-pressure tests.
    void setPaused(bool paused);

    int depth() const;
    qint64 bytes() const;
    int maxItems() const { return m_maxItems; }
    qint64 maxBytes() const { return m_maxBytes; }

private:
    const int m_maxItems;
    const qint64 m_maxBytes;
    mutable QMutex m_mutex;
    QWaitCondition m_notEmpty;
    QWaitCondition m_notFull;
    std::deque<InboxItem> m_items;
    qint64 m_bytes = 0;
    bool m_closed = false;
    bool m_paused = false;
};

} // namespace l2met
