#include "engine/metricsummary.h"

#include "bucket/namepattern.h"

#include <algorithm>

namespace l2met {

int MetricSummaryBuilder::nameIndex(const QByteArray &name)
{
    if (m_lastNameIndex >= 0 && name == m_lastName)
        return m_lastNameIndex;
    int index = m_nameIndex.value(name, -1);
    if (index < 0) {
        const QByteArray pattern = namePattern(name);
        int patternIndex = m_patternIndex.value(pattern, -1);
        if (patternIndex < 0) {
            patternIndex = int(m_patterns.size());
            m_patterns.push_back(Pattern { pattern, {}, {}, {}, {}, 0 });
            m_patternIndex.insert(pattern, patternIndex);
        }
        index = int(m_names.size());
        m_names.push_back(Name { name, patternIndex, 0, 0 });
        m_nameIndex.insert(name, index);
        m_patterns[size_t(patternIndex)].names.push_back(index);
    }
    m_lastName = name;
    m_lastNameIndex = index;
    return index;
}

int MetricSummaryBuilder::userIndex(const QByteArray &user)
{
    if (m_lastUserIndex >= 0 && user == m_lastUser)
        return m_lastUserIndex;
    int index = m_userIndex.value(user, -1);
    if (index < 0) {
        index = int(m_users.size());
        m_users.push_back(User { user, 0 });
        m_userIndex.insert(user, index);
    }
    m_lastUser = user;
    m_lastUserIndex = index;
    return index;
}

void MetricSummaryBuilder::reserve(qint64 buckets)
{
    if (buckets > 0)
        m_streams.reserve(qsizetype(buckets));
}

void MetricSummaryBuilder::add(const QByteArray &user, const BucketId &id)
{
    const int n = nameIndex(id.name);
    const int u = userIndex(user);
    Name &name = m_names[size_t(n)];
    Pattern &pattern = m_patterns[size_t(name.pattern)];
    // Sources and units are short: FNV-1a is cheaper here than qHash.
    const quint64 source = fnv1a64(id.source);
    const quint64 userName = (quint64(quint32(u)) << 32) | quint32(n);
    const quint64 stream = quint64(qHashMulti(0x737472, userName, source, fnv1a64(id.units), quint8(id.type)));
    ++name.buckets;
    ++pattern.buckets;
    ++m_users[size_t(u)].buckets;
    const qsizetype before = m_streams.size();
    m_streams.insert(stream);
    qint64 &userStreams = m_userNames[userName];
    if (m_streams.size() != before) {
        ++name.streams;
        ++userStreams;
    }
    pattern.sources.insert(source);
    pattern.windows.insert(id.time);
    pattern.users.insert(u);
}

MetricSummary MetricSummaryBuilder::finish() const
{
    MetricSummary out;
    out.totalPatterns = qint64(m_patterns.size());
    out.totalNames = qint64(m_names.size());
    std::vector<MetricPattern> all;
    all.reserve(m_patterns.size());
    for (const Pattern &p : m_patterns) {
        MetricPattern m;
        m.pattern = p.pattern;
        m.names = qint64(p.names.size());
        for (const int n : p.names)
            m.streams += m_names[size_t(n)].streams;
        m.sources = p.sources.size();
        m.windows = p.windows.size();
        m.users = p.users.size();
        m.buckets = p.buckets;
        m.idsInNames = m.names >= MetricSummary::kIdPatternNames;
        out.totalStreams += m.streams;
        out.totalBuckets += m.buckets;
        if (m.idsInNames) {
            ++out.flaggedPatterns;
            out.flaggedStreams += m.streams;
        }
        all.push_back(std::move(m));
    }
    const auto byStreams = [](const MetricPattern &a, const MetricPattern &b) {
        return a.streams != b.streams ? a.streams > b.streams : a.pattern < b.pattern;
    };
    const size_t keep = std::min(all.size(), size_t(MetricSummary::kMaxPatterns));
    std::partial_sort(all.begin(), all.begin() + ptrdiff_t(keep), all.end(), byStreams);
    all.resize(keep);
    for (MetricPattern &m : all) {
        const Pattern &p = m_patterns[size_t(m_patternIndex.value(m.pattern))];
        std::vector<int> names = p.names;
        const auto byNameStreams = [this](int a, int b) {
            const Name &x = m_names[size_t(a)];
            const Name &y = m_names[size_t(b)];
            return x.streams != y.streams ? x.streams > y.streams : x.name < y.name;
        };
        const size_t top = std::min(names.size(), size_t(MetricSummary::kNamesPerPattern));
        std::partial_sort(names.begin(), names.begin() + ptrdiff_t(top), names.end(), byNameStreams);
        for (size_t i = 0; i < top; ++i) {
            const Name &n = m_names[size_t(names[i])];
            m.topNames.append(MetricName { n.name, n.streams, n.buckets });
        }
        out.patterns.append(std::move(m));
    }

    std::vector<MetricUser> users(m_users.size());
    // Per user and pattern: names, streams.
    std::vector<QHash<int, std::pair<qint64, qint64>>> byPattern(m_users.size());
    for (auto it = m_userNames.cbegin(); it != m_userNames.cend(); ++it) {
        const size_t u = size_t(it.key() >> 32);
        const int n = int(quint32(it.key()));
        MetricUser &m = users[u];
        ++m.names;
        m.streams += it.value();
        auto &[names, streams] = byPattern[u][m_names[size_t(n)].pattern];
        ++names;
        streams += it.value();
    }
    for (size_t u = 0; u < m_users.size(); ++u) {
        MetricUser &m = users[u];
        m.user = m_users[u].user;
        m.buckets = m_users[u].buckets;
        m.patterns = byPattern[u].size();
        for (const auto &[names, streams] : std::as_const(byPattern[u])) {
            if (names >= MetricSummary::kIdPatternNames) {
                ++m.flaggedPatterns;
                m.flaggedStreams += streams;
            }
        }
    }
    std::sort(users.begin(), users.end(), [](const MetricUser &a, const MetricUser &b) {
        return a.streams != b.streams ? a.streams > b.streams : a.user < b.user;
    });
    if (users.size() > size_t(MetricSummary::kMaxUsers))
        users.resize(size_t(MetricSummary::kMaxUsers));
    for (MetricUser &u : users)
        out.users.append(std::move(u));
    return out;
}

} // namespace l2met
