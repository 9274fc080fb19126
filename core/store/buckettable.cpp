#include "store/buckettable.h"

#include <utility>

namespace l2met {

quint32 BucketTable::Pool::intern(const QByteArray &bytes)
{
    const auto it = index.constFind(bytes);
    if (it != index.cend()) {
        ++refs[*it];
        return *it;
    }
    quint32 id;
    if (!free.empty()) {
        id = free.back();
        free.pop_back();
        values[id] = bytes;
        refs[id] = 1;
    } else {
        id = quint32(values.size());
        values.push_back(bytes);
        refs.push_back(1);
    }
    index.insert(bytes, id);
    return id;
}

void BucketTable::Pool::release(quint32 id)
{
    if (--refs[id] > 0)
        return;
    index.remove(values[id]);
    values[id] = QByteArray();
    free.push_back(id);
}

quint32 BucketTable::hashOf(const BucketId &id)
{
    const size_t h = qHash(id);
    return quint32(h ^ (h >> 32));
}

bool BucketTable::matches(const Entry &e, quint32 hash, const BucketId &id) const
{
    return e.hash == hash && e.time == id.time && e.resolution == id.resolution && e.type == id.type
        && e.name == id.name && m_units.values[e.units] == id.units
        && m_sources.values[e.source] == id.source && m_auth.values[e.auth] == id.auth;
}

BucketTable::Ref BucketTable::find(const BucketId &id) const
{
    if (m_slots.empty())
        return kNone;
    const quint32 hash = hashOf(id);
    const size_t mask = m_slots.size() - 1;
    for (size_t i = hash & mask; m_slots[i] != 0; i = (i + 1) & mask) {
        const Ref ref = m_slots[i] - 1;
        if (matches(m_entries[ref], hash, id))
            return ref;
    }
    return kNone;
}

void BucketTable::growSlots()
{
    std::vector<quint32> old;
    old.swap(m_slots);
    m_slots.assign(old.empty() ? 64 : old.size() * 2, 0);
    const size_t mask = m_slots.size() - 1;
    for (const quint32 v : old) {
        if (v == 0)
            continue;
        size_t i = m_entries[v - 1].hash & mask;
        while (m_slots[i] != 0)
            i = (i + 1) & mask;
        m_slots[i] = v;
    }
}

void BucketTable::eraseSlot(size_t hole)
{
    // Backward-shift deletion: move later members of the probe run into the
    // hole unless their home lies cyclically in (hole, j].
    const size_t mask = m_slots.size() - 1;
    for (size_t j = (hole + 1) & mask; m_slots[j] != 0; j = (j + 1) & mask) {
        const size_t home = m_entries[m_slots[j] - 1].hash & mask;
        const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        m_slots[hole] = m_slots[j];
        hole = j;
    }
    m_slots[hole] = 0;
}

BucketTable::Ref BucketTable::insert(const Bucket &bucket)
{
    const BucketId &id = bucket.id();
    if (size_t(m_count + 1) * 10 > m_slots.size() * 7)
        growSlots();
    Ref ref;
    if (!m_free.empty()) {
        ref = m_free.back();
        m_free.pop_back();
    } else {
        ref = Ref(m_entries.size());
        m_entries.emplace_back();
    }
    Entry &e = m_entries[ref];
    e.name = id.name;
    e.time = id.time;
    e.resolution = id.resolution;
    e.hash = hashOf(id);
    e.auth = m_auth.intern(id.auth);
    e.units = m_units.intern(id.units);
    e.source = m_sources.intern(id.source);
    e.type = id.type;
    const bool single = bucket.values().size() == 1 && bucket.counts().empty() && bucket.sketch().isNull();
    if (single) {
        e.state = State::Open;
        e.single = bucket.values().front();
    } else {
        e.state = State::Full;
        e.stored = std::make_unique<Stored>();
        e.stored->open = bucket;
    }
    const size_t mask = m_slots.size() - 1;
    size_t i = e.hash & mask;
    while (m_slots[i] != 0)
        i = (i + 1) & mask;
    m_slots[i] = ref + 1;
    Second &second = m_byReadyAt[id.readyAt()];
    second.refs.emplace_back(ref, e.generation);
    ++second.alive;
    ++m_count;
    return ref;
}

void BucketTable::remove(Ref ref)
{
    Entry &e = m_entries[ref];
    Q_ASSERT(e.state != State::Free);
    const size_t mask = m_slots.size() - 1;
    size_t i = e.hash & mask;
    while (m_slots[i] != ref + 1)
        i = (i + 1) & mask;
    eraseSlot(i);
    const auto second = m_byReadyAt.find(e.time + e.resolution);
    Q_ASSERT(second != m_byReadyAt.end());
    if (second != m_byReadyAt.end()) {
        if (--second->second.alive <= 0)
            m_byReadyAt.erase(second);
    }
    m_auth.release(e.auth);
    m_units.release(e.units);
    m_sources.release(e.source);
    e.name = QByteArray();
    e.stored.reset();
    e.state = State::Free;
    ++e.generation;
    m_free.push_back(ref);
    --m_count;
}

BucketId BucketTable::id(Ref ref) const
{
    const Entry &e = m_entries[ref];
    BucketId id;
    id.time = e.time;
    id.resolution = e.resolution;
    id.auth = m_auth.values[e.auth];
    id.name = e.name;
    id.units = m_units.values[e.units];
    id.source = m_sources.values[e.source];
    id.type = e.type;
    return id;
}

void BucketTable::toFull(Entry &e, Ref ref)
{
    auto stored = std::make_unique<Stored>();
    if (e.state == State::Sealed) {
        stored->read.push_back(Bucket(id(ref), { e.single }));
        stored->open = Bucket(id(ref));
    } else if (e.state == State::Open) {
        stored->open = Bucket(id(ref), { e.single });
    } else {
        stored->open = Bucket(id(ref));
    }
    e.stored = std::move(stored);
    e.state = State::Full;
}

void BucketTable::add(Ref ref, const Bucket &bucket)
{
    Entry &e = m_entries[ref];
    if (e.state != State::Full)
        toFull(e, ref);
    e.stored->open.merge(bucket);
    e.stored->open.maybeCompact();
}

Bucket BucketTable::seal(Ref ref)
{
    Entry &e = m_entries[ref];
    if (e.state == State::Open)
        e.state = State::Sealed;
    if (e.state == State::Sealed)
        return Bucket(id(ref), { e.single });
    if (e.state == State::Empty)
        return Bucket(id(ref));
    Stored &s = *e.stored;
    if (!s.open.isEmpty())
        s.read.push_back(std::exchange(s.open, Bucket(s.open.id())));
    return merged(ref);
}

Bucket BucketTable::merged(Ref ref) const
{
    const Entry &e = m_entries[ref];
    if (e.state == State::Empty)
        return Bucket(id(ref));
    if (e.state != State::Full)
        return Bucket(id(ref), { e.single });
    const Stored &s = *e.stored;
    if (s.read.empty())
        return s.open;
    Bucket out = s.read.front();
    for (size_t i = 1; i < s.read.size(); ++i)
        out.merge(s.read[i]);
    if (!s.open.isEmpty())
        out.merge(s.open);
    return out;
}

qint64 BucketTable::acknowledge(Ref ref, qint64 count, bool *exact)
{
    Entry &e = m_entries[ref];
    if (e.state == State::Open || e.state == State::Empty)
        return 0; // no read covered it, or acknowledged already
    if (e.state == State::Sealed) {
        if (count < 1)
            return 0;
        e.state = State::Empty; // the caller removes it
        return 1;
    }
    Stored &s = *e.stored;
    qint64 left = count;
    qint64 removed = 0;
    while (left > 0 && !s.read.empty() && s.read.front().valueCount() <= left) {
        const qint64 n = s.read.front().valueCount();
        s.read.erase(s.read.begin());
        left -= n;
        removed += n;
    }
    if (left > 0 && !s.read.empty()) {
        // Ends inside a segment: no read returned this count.
        Bucket &front = s.read.front();
        if (front.counts().empty() && front.sketch().isNull()) {
            std::vector<double> &values = front.values();
            values.erase(values.begin(), values.begin() + left);
            removed += left;
        } else {
            *exact = false; // compacted: which values came first is not known
        }
    }
    return removed;
}

bool BucketTable::isEmpty(Ref ref) const
{
    const Entry &e = m_entries[ref];
    if (e.state == State::Empty)
        return true;
    if (e.state != State::Full)
        return false;
    return e.stored->read.empty() && e.stored->open.isEmpty();
}

qint64 BucketTable::readyUpTo(qint64 second) const
{
    qint64 n = 0;
    for (auto it = m_byReadyAt.cbegin(); it != m_byReadyAt.cend() && it->first <= second; ++it)
        n += it->second.alive;
    return n;
}

} // namespace l2met
