#include "engine/metricsummary.h"

#include "bucket/namepattern.h"

#include <algorithm>

namespace l2met {

namespace {

quint64 hashOf(const QByteArray &bytes, size_t seed)
{
    return quint64(qHash(bytes, seed));
}

} // namespace

void MetricSummaryBuilder::add(const QByteArray &user, const BucketId &id)
{
    // Name (and its pattern).
    int nameIndex = m_lastNameIndex;
    if (nameIndex < 0 || id.name != m_lastName) {
        const auto it = m_nameIndex.constFind(id.name);
        if (it != m_nameIndex.cend()) {
            nameIndex = *it;
        } else {
            const QByteArray pattern = namePattern(id.name);
            int patternIndex = m_patternIndex.value(pattern, -1);
            if (patternIndex < 0) {
                patternIndex = int(m_patterns.size());
                m_patterns.push_back(Pattern { pattern, {}, {}, {}, {}, 0 });
                m_patternIndex.insert(pattern, patternIndex);
            }
            nameIndex = int(m_names.size());
            m_names.push_back(Name { id.name, patternIndex, {}, 0 });
            m_nameIndex.insert(id.name, nameIndex);
            m_patterns[size_t(patternIndex)].names.push_back(nameIndex);
        }
        m_lastName = id.name;
        m_lastNameIndex = nameIndex;
    }
    int userIndex = m_lastUserIndex;
    if (userIndex < 0 || user != m_lastUser) {
        userIndex = m_userIndex.value(user, -1);
        if (userIndex < 0) {
            userIndex = int(m_users.size());
            m_users.push_back(User { user, {}, 0 });
            m_userIndex.insert(user, userIndex);
        }
        m_lastUser = user;
        m_lastUserIndex = userIndex;
    }
    Name &name = m_names[size_t(nameIndex)];
    Pattern &pattern = m_patterns[size_t(name.pattern)];
    User &u = m_users[size_t(userIndex)];
    const quint64 userHash = hashOf(user, 0x75736572);
    const quint64 sourceHash = hashOf(id.source, 0x736f75);
    const quint64 stream = quint64(qHashMulti(0x737472, userHash, sourceHash, id.units, quint8(id.type)));
    ++name.buckets;
    ++pattern.buckets;
    ++u.buckets;
    const qsizetype before = name.streams.size();
    name.streams.insert(stream);
    qint64 &userStreams = u.streamsByName[nameIndex];
    if (name.streams.size() != before)
        ++userStreams;
    pattern.sources.insert(sourceHash);
    pattern.windows.insert(id.time);
    pattern.users.insert(userHash);
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
            m.streams += m_names[size_t(n)].streams.size();
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
            return x.streams.size() != y.streams.size() ? x.streams.size() > y.streams.size() : x.name < y.name;
        };
        const size_t top = std::min(names.size(), size_t(MetricSummary::kNamesPerPattern));
        std::partial_sort(names.begin(), names.begin() + ptrdiff_t(top), names.end(), byNameStreams);
        for (size_t i = 0; i < top; ++i) {
            const Name &n = m_names[size_t(names[i])];
            m.topNames.append(MetricName { n.name, n.streams.size(), n.buckets });
        }
        out.patterns.append(std::move(m));
    }

    std::vector<MetricUser> users;
    users.reserve(m_users.size());
    for (const User &u : m_users) {
        MetricUser m;
        m.user = u.user;
        m.names = u.streamsByName.size();
        m.buckets = u.buckets;
        QHash<int, std::pair<qint64, qint64>> byPattern; // pattern -> names, streams of this user
        for (auto it = u.streamsByName.cbegin(); it != u.streamsByName.cend(); ++it) {
            m.streams += it.value();
            auto &[names, streams] = byPattern[m_names[size_t(it.key())].pattern];
            ++names;
            streams += it.value();
        }
        m.patterns = byPattern.size();
        for (const auto &[names, streams] : std::as_const(byPattern)) {
            if (names >= MetricSummary::kIdPatternNames) {
                ++m.flaggedPatterns;
                m.flaggedStreams += streams;
            }
        }
        users.push_back(std::move(m));
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
