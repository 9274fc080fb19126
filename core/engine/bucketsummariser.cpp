#include "engine/bucketsummariser.h"

#include "bucket/bucket.h"
#include "engine/enginesnapshot.h"
#include "engine/metricsummary.h"
#include "receiver/register.h"
#include "store/store.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <queue>

namespace l2met {

namespace {

int compareText(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive);
}

template<typename T>
int compareValues(T a, T b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Identity, ascending: the tie-break that makes the order total.
int compareIdentity(const BucketSummary &a, const BucketSummary &b)
{
    if (int c = compareValues(a.name, b.name))
        return c;
    if (int c = compareValues(a.source, b.source))
        return c;
    if (int c = compareValues(a.user, b.user))
        return c;
    if (int c = compareValues(a.units, b.units))
        return c;
    if (int c = compareValues(int(a.type), int(b.type)))
        return c;
    if (int c = compareValues(a.resolution, b.resolution))
        return c;
    return compareValues(a.time, b.time);
}

double statistic(const BucketQuery &q, const Statistics &s)
{
    switch (q.sortKey) {
    case BucketSortKey::Count:
        return double(s.count);
    case BucketSortKey::Sum:
        return s.sum;
    case BucketSortKey::Min:
        return s.min;
    case BucketSortKey::Max:
        return s.max;
    case BucketSortKey::Percentile:
        return q.percentile >= 0 && q.percentile < Percentiles::kMax ? s.percentiles[size_t(q.percentile)] : 0;
    case BucketSortKey::Last:
        return s.last;
    default:
        return 0;
    }
}

// true when a is shown before b.
struct Before
{
    const BucketQuery *query;

    int primary(const BucketSummary &a, const BucketSummary &b) const
    {
        switch (query->sortKey) {
        case BucketSortKey::User:
            return compareText(a.user, b.user);
        case BucketSortKey::Name:
            return compareText(a.name, b.name);
        case BucketSortKey::Source:
            return compareText(a.source, b.source);
        case BucketSortKey::Type:
            return qstrcmp(bucketTypeName(a.type), bucketTypeName(b.type));
        case BucketSortKey::Units:
            return compareText(a.units, b.units);
        case BucketSortKey::Window:
            return compareValues(a.time, b.time);
        case BucketSortKey::Resolution:
            return compareValues(a.resolution, b.resolution);
        case BucketSortKey::ReadyIn:
            return compareValues(a.time + a.resolution, b.time + b.resolution);
        default:
            return compareValues(statistic(*query, a.stats), statistic(*query, b.stats));
        }
    }
    bool operator()(const BucketSummary &a, const BucketSummary &b) const
    {
        int c = primary(a, b);
        if (query->order == Qt::DescendingOrder)
            c = -c;
        return c != 0 ? c < 0 : compareIdentity(a, b) < 0;
    }
};

BucketSummary identityOf(const QByteArray &user, const BucketId &id, bool inStore)
{
    BucketSummary s;
    s.user = user;
    s.name = id.name;
    s.source = id.source;
    s.units = id.units;
    s.type = id.type;
    s.time = id.time;
    s.resolution = id.resolution;
    s.inStore = inStore;
    return s;
}

class Pass
{
public:
    Pass(const BucketPass &pass)
        : m_pass(pass)
        , m_filter(pass.query.filter)
        , m_before { &pass.query }
        , m_heap(m_before)
    {
        if (pass.withMetrics)
            m_metrics.reserve(pass.expectedBuckets);
    }

    QByteArray userOf(const QByteArray &token)
    {
        if (m_haveLast && token == m_lastToken)
            return m_lastUser;
        auto it = m_users.constFind(token);
        if (it == m_users.cend())
            it = m_users.insert(token, m_pass.userOf ? m_pass.userOf(token) : QByteArray());
        m_lastToken = token;
        m_lastUser = *it;
        m_haveLast = true;
        return m_lastUser;
    }

    bool matches(const QByteArray &user, const BucketId &id) const
    {
        return m_filter.isEmpty() || m_filter.matches(user, id.name, id.source);
    }

    // One bucket of the process (each id once).
    void consider(const Bucket &b, const QByteArray &user, bool matched, bool inStore)
    {
        ++m_total;
        if (m_pass.withMetrics)
            m_metrics.add(user, b.id());
        if (!matched)
            return;
        ++m_matched;
        const int limit = m_pass.limit;
        if (limit <= 0)
            return;
        BucketSummary row = identityOf(user, b.id(), inStore);
        const bool full = int(m_heap.size()) >= limit;
        if (m_pass.query.sortsByStatistic()) {
            row.stats = b.statistics(m_pass.percentiles);
            if (full && !m_before(row, m_heap.top()))
                return;
        } else {
            if (full && !m_before(row, m_heap.top()))
                return;
            row.stats = b.statistics(m_pass.percentiles);
        }
        m_heap.push(std::move(row));
        if (int(m_heap.size()) > limit)
            m_heap.pop();
    }

    void finish(EngineSnapshot &s, bool sampled)
    {
        std::vector<BucketSummary> rows;
        rows.reserve(m_heap.size());
        while (!m_heap.empty()) {
            rows.push_back(m_heap.top());
            m_heap.pop();
        }
        std::reverse(rows.begin(), rows.end());
        s.buckets.clear();
        s.buckets.reserve(qsizetype(rows.size()));
        for (BucketSummary &r : rows)
            s.buckets.append(std::move(r));
        s.bucketQuery = m_pass.query;
        s.bucketsMatched = m_matched;
        s.bucketsTotal = m_total;
        s.bucketsSampled = sampled;
        if (m_pass.withMetrics)
            s.metricSummary = m_metrics.finish();
    }

private:
    const BucketPass &m_pass;
    BucketFilter m_filter;
    Before m_before;
    std::priority_queue<BucketSummary, std::vector<BucketSummary>, Before> m_heap; // top: the last row shown
    MetricSummaryBuilder m_metrics;
    QHash<QByteArray, QByteArray> m_users;
    QByteArray m_lastToken;
    QByteArray m_lastUser;
    bool m_haveLast = false;
    qint64 m_total = 0;
    qint64 m_matched = 0;
};

} // namespace

void summariseBuckets(const BucketPass &pass, EngineSnapshot &s)
{
    QElapsedTimer timer;
    timer.start();
    Pass p(pass);

    // The register: its ids (a store's twin of one is the same bucket) and
    // copies of the matching buckets.
    struct InRegister
    {
        QByteArray user;
        bool matched = false;
        bool inStore = false;
        Bucket bucket; // matched only: its values (stored values first, once known)
    };
    QHash<BucketId, InRegister> registered;
    // The register's windows and names: most stored buckets are of other
    // windows or names, and skip the full id look-up (which reads every
    // field of the id).
    QSet<qint64> registeredTimes;
    QSet<QByteArray> registeredNames;
    if (pass.reg) {
        registered.reserve(qsizetype(pass.reg->bucketCount()));
        pass.reg->forEach([&](const Bucket &b) {
            InRegister r;
            r.user = p.userOf(b.id().auth);
            r.matched = p.matches(r.user, b.id());
            if (r.matched)
                r.bucket = b;
            registered.insert(b.id(), std::move(r));
            registeredTimes.insert(b.id().time);
            registeredNames.insert(b.id().name);
        });
    }

    bool sampled = false;
    if (pass.store) {
        sampled = !pass.store->visitStored(
            [&](const Bucket &b) {
                const auto it = registeredTimes.contains(b.id().time) && registeredNames.contains(b.id().name)
                    ? registered.find(b.id())
                    : registered.end();
                if (it != registered.end()) {
                    it->inStore = true;
                    if (it->matched) {
                        Bucket merged = b;
                        merged.merge(std::move(it->bucket));
                        it->bucket = std::move(merged);
                    }
                    return;
                }
                const QByteArray user = p.userOf(b.id().auth);
                p.consider(b, user, p.matches(user, b.id()), true);
            },
            pass.limit);
    }
    for (auto it = registered.cbegin(); it != registered.cend(); ++it) {
        if (it->matched)
            p.consider(it->bucket, it->user, true, it->inStore);
        else
            p.consider(Bucket(it.key()), it->user, false, it->inStore);
    }
    p.finish(s, sampled);
    s.bucketsBuildMs = double(timer.nsecsElapsed()) / 1e6;
    if (pass.withMetrics) {
        s.metricsTaken = s.taken;
        s.metricsBuildMs = s.bucketsBuildMs;
    }
}

} // namespace l2met
