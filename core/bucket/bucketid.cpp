#include "bucket/bucketid.h"

#include <QHashFunctions>
#include <QtEndian>

namespace l2met {

namespace {

constexpr std::size_t kHeaderSize = 1 + 8 + 4 + 1; // version, time, resolution, type
constexpr int kMaxVarintBytes = 10; // ceil(64 / 7)

void appendVarint(QByteArray &out, quint64 value)
{
    while (value >= 0x80) {
        out.append(char(quint8(value) | 0x80));
        value >>= 7;
    }
    out.append(char(quint8(value)));
}

void appendField(QByteArray &out, const QByteArray &field)
{
    appendVarint(out, quint64(field.size()));
    out.append(field);
}

bool isKnownType(quint8 type)
{
    switch (BucketType(type)) {
    case BucketType::Measurement:
    case BucketType::Counter:
    case BucketType::Sample:
    case BucketType::Unique:
        return true;
    }
    return false;
}

// Bounds-checked cursor over the encoded bytes; every read fails instead of
// running past the end.
class Reader
{
public:
    explicit Reader(QByteArrayView bytes)
        : m_data(reinterpret_cast<const uchar *>(bytes.data()))
        , m_size(std::size_t(bytes.size()))
    { }

    bool atEnd() const { return m_pos == m_size; }
    std::size_t remaining() const { return m_size - m_pos; }

    bool readByte(quint8 &out)
    {
        if (remaining() < 1)
            return false;
        out = m_data[m_pos++];
        return true;
    }

    template<typename T> bool readBigEndian(T &out)
    {
        if (remaining() < sizeof(T))
            return false;
        out = qFromBigEndian<T>(m_data + m_pos);
        m_pos += sizeof(T);
        return true;
    }

    // Minimal unsigned LEB128 of at most 64 bits: overlong forms (a final
    // 0x00 group) are refused so that every id has one encoding only.
    bool readVarint(quint64 &out)
    {
        quint64 value = 0;
        for (int i = 0; i < kMaxVarintBytes; ++i) {
            quint8 byte = 0;
            if (!readByte(byte))
                return false;
            const quint64 group = byte & 0x7f;
            if (i == kMaxVarintBytes - 1 && group > 1)
                return false; // more than 64 bits
            value |= group << (7 * i);
            if (!(byte & 0x80)) {
                if (byte == 0 && i > 0)
                    return false; // not minimal
                out = value;
                return true;
            }
        }
        return false; // continuation bit on the tenth byte
    }

    bool readField(QByteArray &out)
    {
        quint64 length = 0;
        if (!readVarint(length) || length > remaining())
            return false;
        out = QByteArray(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(length));
        m_pos += std::size_t(length);
        return true;
    }

private:
    const uchar *m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

} // namespace

const char *bucketTypeName(BucketType type)
{
    switch (type) {
    case BucketType::Measurement:
        return "measurement";
    case BucketType::Counter:
        return "counter";
    case BucketType::Sample:
        return "sample";
    case BucketType::Unique:
        return "unique";
    }
    return "unknown";
}

QByteArray BucketId::encode() const
{
    Q_ASSERT(resolution > 0);
    QByteArray out;
    out.reserve(qsizetype(kHeaderSize) + 4 * kMaxVarintBytes + auth.size() + name.size()
                + units.size() + source.size());

    out.append(char(kEncodingVersion));
    uchar buffer[8];
    qToBigEndian<qint64>(time, buffer);
    out.append(reinterpret_cast<const char *>(buffer), 8);
    qToBigEndian<qint32>(resolution, buffer);
    out.append(reinterpret_cast<const char *>(buffer), 4);
    out.append(char(quint8(type)));

    appendField(out, auth);
    appendField(out, name);
    appendField(out, units);
    appendField(out, source);
    return out;
}

std::optional<BucketId> BucketId::decode(QByteArrayView bytes)
{
    Reader reader(bytes);
    quint8 version = 0;
    if (!reader.readByte(version) || version != kEncodingVersion)
        return std::nullopt;

    BucketId id;
    quint8 type = 0;
    if (!reader.readBigEndian(id.time) || !reader.readBigEndian(id.resolution)
        || !reader.readByte(type))
        return std::nullopt;
    if (id.resolution <= 0 || !isKnownType(type))
        return std::nullopt;
    id.type = BucketType(type);

    if (!reader.readField(id.auth) || !reader.readField(id.name) || !reader.readField(id.units)
        || !reader.readField(id.source))
        return std::nullopt;
    if (!reader.atEnd())
        return std::nullopt;
    return id;
}

quint64 BucketId::partitionHash() const
{
    return fnv1a64(encode());
}

int BucketId::partition(int partitions) const
{
    Q_ASSERT(partitions >= 1);
    if (partitions <= 1)
        return 0;
    return int(partitionHash() % quint64(partitions));
}

size_t qHash(const BucketId &id, size_t seed) noexcept
{
    return qHashMulti(seed, id.time, id.resolution, id.auth, id.name, id.units, id.source,
                      quint8(id.type));
}

quint64 fnv1a64(QByteArrayView bytes) noexcept
{
    quint64 hash = 14695981039346656037ULL;
    for (const char c : bytes) {
        hash ^= quint8(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

} // namespace l2met
