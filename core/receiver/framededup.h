// FrameDedup: remembers which logplex batches were accepted recently, so a
// batch that logplex retries (its POST timed out after l2met had already
// answered, or the answer was lost) is answered 200 again but not counted
// twice. A batch is named by its drain token and its Logplex-Frame-Id; the
// same frame id under another token is another batch.
//
// Bounded twice: by age (an entry is forgotten windowMs after it was added;
// logplex retries within seconds, the default window is 10 minutes) and by
// count (maxEntries; when full the oldest entry is evicted first). An entry
// is a 128-bit key plus a timestamp, held once in a FIFO and once in a hash
// (about 65 bytes all told, measured), so the default bound of 100,000
// entries costs about 6.5 MiB at most.
//
// The key is SHA-256(token length, token, frame id) truncated to 128 bits:
// the drain token itself is never kept. A false duplicate (two batches with
// the same key) would drop a body while answering 200; with 128 bits its
// odds are about entries / 2^128 per request, i.e. never in practice.
//
// Not thread-safe: used by the HttpReceiver in the HTTP thread only.
// Callers pass the time (milliseconds from a monotonic clock, never going
// back), which keeps this class free of clocks and easy to test.
#pragma once

#include <QByteArrayView>
#include <QHash>

#include <deque>
#include <utility>

namespace l2met {

class FrameDedup
{
public:
    static constexpr qint64 kDefaultWindowMs = 10 * 60 * 1000;
    static constexpr int kDefaultMaxEntries = 100'000;

    explicit FrameDedup(qint64 windowMs = kDefaultWindowMs, int maxEntries = kDefaultMaxEntries);

    // True when (token, frameId) was added less than windowMs before nowMs.
    bool contains(QByteArrayView token, QByteArrayView frameId, qint64 nowMs);
    // Remembers (token, frameId) as accepted at nowMs.
    void add(QByteArrayView token, QByteArrayView frameId, qint64 nowMs);

    int size() const { return int(m_seen.size()); }
    qint64 windowMs() const { return m_windowMs; }
    int maxEntries() const { return m_maxEntries; }

private:
    using Key = std::pair<quint64, quint64>;
    struct Entry
    {
        Key key;
        qint64 addedAt;
    };

    static Key keyOf(QByteArrayView token, QByteArrayView frameId);
    void expire(qint64 nowMs);
    void popOldest();

    const qint64 m_windowMs;
    const int m_maxEntries;
    std::deque<Entry> m_order;   // oldest first (times never go back)
    QHash<Key, qint64> m_seen;   // key -> when it was last added
};

} // namespace l2met
