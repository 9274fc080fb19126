// BucketTable: the buckets of one MemoryStore partition, kept compact
// (docs/architecture.md, "Memory per bucket"). A bucket holding one value,
// the common case when a drain puts an id in its metric names, costs about
// 150 bytes with its key: an 80-byte entry (name, window, type, ids of its
// credentials, units and source in reference-counted pools shared by every
// bucket, the value itself), its name's bytes, 4-byte slots of an
// open-addressing hash (linear probing, load at most 0.7, backward-shift
// deletion) and 8 bytes in the index by ready second. A bucket that gets a
// second value, or is read, moves its values to a Stored (the read segments
// and open values of memorystore.h, with a full BucketId).
//
// Entries are addressed by Ref (their index); a removed entry's index is
// reused, and the ready index skips stale references by generation.
//
// Not synchronised: MemoryStore holds the partition's mutex around every call.
#pragma once

#include "bucket/bucket.h"

#include <QByteArray>
#include <QHash>

#include <map>
#include <memory>
#include <vector>

namespace l2met {

class BucketTable
{
public:
    using Ref = quint32;
    static constexpr Ref kNone = ~Ref(0);

    Ref find(const BucketId &id) const;
    // Files a bucket whose id is not in the table (find() gave kNone), with
    // its values as the open part; ready order is the order of insert().
    Ref insert(const Bucket &bucket);
    // Removes the entry and everything it holds.
    void remove(Ref ref);

    BucketId id(Ref ref) const;
    // Appends to the open values (what no read covered).
    void add(Ref ref, const Bucket &bucket);
    // Seals the open values into a read segment (if any) and returns every
    // segment merged: what a read returns.
    Bucket seal(Ref ref);
    // Every value, read segments first: what takeReady and peek return.
    Bucket merged(Ref ref) const;
    // Pops whole read segments while they fit in count, then cuts a raw
    // segment the count ends inside; values removed. *exact becomes false
    // when the count ends inside a compacted segment (left as it was).
    qint64 acknowledge(Ref ref, qint64 count, bool *exact);
    // No values left (every read segment acknowledged, nothing open).
    bool isEmpty(Ref ref) const;

    qint64 size() const { return m_count; }
    // Buckets whose ready time is <= second.
    qint64 readyUpTo(qint64 second) const;

    // Calls f(ref) for each bucket ready at or before upTo, by ready second
    // then in insert order, while f returns true. f must not insert; it may
    // remove the bucket it was given.
    template<typename F>
    void forEachReady(qint64 upTo, F &&f);
    // Calls f(ref) for every bucket, in no particular order, while f returns true.
    template<typename F>
    void forEach(F &&f) const { forEachFrom(0, std::forward<F>(f)); }
    // The same from entry `from` on (0: the first); returns where to resume
    // when f returned false, kNone when every entry was seen. Entries never
    // move, so a bucket in the table from the first call to the last of a
    // resumed walk is seen exactly once however the table changed between
    // calls; one inserted or removed meanwhile may or may not be.
    template<typename F>
    Ref forEachFrom(Ref from, F &&f) const;

private:
    // Values of a bucket past the compact form (see memorystore.h).
    struct Stored
    {
        std::vector<Bucket> read; // covered by reads, oldest first
        Bucket open;              // put since the last read
    };
    // Open: `single` unread; Sealed: `single` covered by a read; Empty: its
    // value acknowledged (removed next); Full: values in `stored`.
    enum class State : quint8 { Free, Open, Sealed, Empty, Full };
    struct Entry
    {
        QByteArray name;
        qint64 time = 0;
        qint32 resolution = 0;
        quint32 hash = 0;
        quint32 auth = 0, units = 0, source = 0; // pool ids
        quint32 generation = 0;
        BucketType type = BucketType::Measurement;
        State state = State::Free;
        double single = 0;
        std::unique_ptr<Stored> stored;
    };
    // Byte strings many buckets share (credentials, units, sources), by id,
    // counted, released when no bucket uses them.
    struct Pool
    {
        std::vector<QByteArray> values;
        std::vector<quint32> refs;
        std::vector<quint32> free;
        QHash<QByteArray, quint32> index;
        quint32 intern(const QByteArray &bytes);
        void release(quint32 id);
    };
    struct Second
    {
        std::vector<std::pair<Ref, quint32>> refs; // entry, generation; insert order
        size_t head = 0;  // refs before it are all stale
        qint64 alive = 0;
    };

    static quint32 hashOf(const BucketId &id);
    bool matches(const Entry &e, quint32 hash, const BucketId &id) const;
    void toFull(Entry &e, Ref ref);
    void growSlots();
    void eraseSlot(size_t slot);

    std::vector<Entry> m_entries;
    std::vector<Ref> m_free;
    std::vector<quint32> m_slots; // entry index + 1; 0 = empty
    qint64 m_count = 0;
    Pool m_auth, m_units, m_sources;
    std::map<qint64, Second> m_byReadyAt;
};

template<typename F>
void BucketTable::forEachReady(qint64 upTo, F &&f)
{
    for (auto it = m_byReadyAt.begin(); it != m_byReadyAt.end() && it->first <= upTo;) {
        const qint64 second = it->first;
        Second &s = it->second;
        // Skip the stale front for good: readers come back to it.
        while (s.head < s.refs.size()
               && m_entries[s.refs[s.head].first].generation != s.refs[s.head].second)
            ++s.head;
        if (s.head > 64 && s.head * 2 > s.refs.size()) {
            s.refs.erase(s.refs.begin(), s.refs.begin() + ptrdiff_t(s.head));
            s.head = 0;
        }
        for (size_t i = s.head; i < s.refs.size(); ++i) {
            const auto [ref, generation] = s.refs[i];
            if (m_entries[ref].generation != generation)
                continue;
            if (!f(ref))
                return;
            if (m_byReadyAt.find(second) == m_byReadyAt.end())
                break; // f removed the last bucket of this second
        }
        it = m_byReadyAt.upper_bound(second);
    }
}

template<typename F>
BucketTable::Ref BucketTable::forEachFrom(Ref from, F &&f) const
{
    for (size_t i = from; i < m_entries.size(); ++i) {
        if (m_entries[i].state != State::Free && !f(Ref(i)))
            return Ref(i + 1);
    }
    return kNone;
}

} // namespace l2met
