// The Buckets tab at a million buckets, the whole way: the tab's filter text
// and sort column make its BucketQuery, the engine's pass
// (core/engine/bucketsummariser.h) runs it over a memory store of 1,000,000
// buckets and a register whose buckets partly share ids with stored ones,
// and the tab shows the snapshot. For filters and sorts by identity and by
// statistic, the rows must be exactly those of a brute-force reference: the
// same count of matches ("N of M matching"), the same first
// EngineSnapshot::kMaxBuckets buckets in the same order in the view, with
// the same statistics. The reference is written independently here: every
// bucket is listed with its values, filtered by lower-cased substring
// search, and ordered with std::partial_sort.
#include "bucketmodel.h"
#include "bucketstab.h"
#include "modelroles.h"
#include "uiformat.h"
#include "copyabletableview.h"

#include "bucket/bucket.h"
#include "engine/bucketsummariser.h"
#include "engine/enginesnapshot.h"
#include "receiver/register.h"
#include "store/memorystore.h"

#include <QElapsedTimer>
#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTest>

#include <algorithm>
#include <tuple>
#include <vector>

using namespace l2met;

namespace {

constexpr int kStored = 1000000;
constexpr int kShared = 1000;       // register buckets with a stored twin
constexpr int kRegisterOnly = 1000; // register buckets only there

struct Expected
{
    QByteArray user, name, source, units;
    qint64 time = 0;
    std::vector<double> values; // stored first, then the register's
    bool inStore = false;
};

QByteArray userOfToken(const QByteArray &token)
{
    if (token == "tok-a")
        return "alice";
    if (token == "tok-b")
        return "Bob";
    return "carol.ops";
}

// Deterministic, varied names: upper and lower case (the sort ignores case),
// a spread of prefixes and a number that makes each name unique.
QByteArray nameOf(int i)
{
    const quint32 h = quint32(i) * 2654435761u;
    QByteArray prefix = (i % 11 == 0) ? "API." : (i % 7 == 0 ? "Worker." : "api.");
    return prefix + "svc" + QByteArray::number(h % 37) + ".user." + QByteArray::number(h % 100003) + "."
        + QByteArray::number(i);
}

BucketId idOf(const Expected &e, const QByteArray &token)
{
    BucketId id;
    id.time = e.time;
    id.resolution = 60;
    id.auth = token;
    id.name = e.name;
    id.source = e.source;
    id.units = e.units;
    return id;
}

bool containsIgnoringCase(const QByteArray &field, const QByteArray &lowerWord)
{
    return field.toLower().contains(lowerWord);
}

bool referenceMatches(const Expected &e, const QList<QByteArray> &words)
{
    for (const QByteArray &w : words) {
        if (!containsIgnoringCase(e.user, w) && !containsIgnoringCase(e.name, w)
            && !containsIgnoringCase(e.source, w))
            return false;
    }
    return true;
}

double maxOf(const Expected &e)
{
    return *std::max_element(e.values.begin(), e.values.end());
}

} // namespace

class Tst_bucketquery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchesTheReference_data();
    void matchesTheReference();

private:
    MemoryStore m_store { 4, [] { return qint64(1000); } };
    Register m_register;
    std::vector<Expected> m_expected;
    QByteArrayList m_tokens { "tok-a", "tok-b", "tok-c" };
    std::vector<int> m_tokenOf;
};

void Tst_bucketquery::initTestCase()
{
    QElapsedTimer timer;
    timer.start();
    m_expected.reserve(kStored + kRegisterOnly);
    std::vector<Bucket> chunk;
    for (int i = 0; i < kStored; ++i) {
        Expected e;
        const int token = i % 3;
        e.user = userOfToken(m_tokens[token]);
        e.name = nameOf(i);
        e.source = i % 13 == 0 ? QByteArray() : "web." + QByteArray::number(i % 20);
        e.units = i % 5 == 0 ? "ms" : "";
        e.time = 600 + 60 * (i % 3);
        e.values = { double((qint64(i) * 7919) % 100003) / 10.0 };
        e.inStore = true;
        chunk.push_back(Bucket(idOf(e, m_tokens[token]), e.values));
        m_expected.push_back(std::move(e));
        m_tokenOf.push_back(token);
        if (chunk.size() == 100000) {
            QVERIFY(m_store.put(chunk).ok());
            chunk.clear();
        }
    }
    QVERIFY(m_store.put(chunk).ok());

    // The register: values for kShared stored ids (spread over the store),
    // and kRegisterOnly buckets of its own.
    std::vector<Bucket> fresh;
    for (int k = 0; k < kShared; ++k) {
        const int i = k * (kStored / kShared) + 17;
        Expected &e = m_expected[size_t(i)];
        const double v = 20000 + k; // above every stored value: sorts first by max
        e.values.push_back(v);
        fresh.push_back(Bucket(idOf(e, m_tokens[m_tokenOf[size_t(i)]]), { v }));
    }
    for (int k = 0; k < kRegisterOnly; ++k) {
        Expected e;
        e.user = userOfToken("tok-b");
        e.name = "register.only." + QByteArray::number(k);
        e.source = "web.3";
        e.units = "ms";
        e.time = 660;
        e.values = { double(k % 50), double(k % 7) };
        fresh.push_back(Bucket(idOf(e, "tok-b"), e.values));
        m_expected.push_back(std::move(e));
    }
    m_register.merge(fresh);
    QCOMPARE(m_store.bucketsInMemory(), qint64(kStored));
    qInfo("%d buckets built in %lld ms", int(m_expected.size()), qint64(timer.elapsed()));
}

void Tst_bucketquery::matchesTheReference_data()
{
    // The column the user sorts by; BucketSortKey follows BucketModel's
    // columns up to Max.
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("column");
    QTest::addColumn<bool>("descending");
    QTest::newRow("by name") << QString() << int(BucketModel::Name) << false;
    QTest::newRow("by name, descending, two words") << QStringLiteral("API web.1") << int(BucketModel::Name)
                                                     << true;
    QTest::newRow("by max, descending, one user") << QStringLiteral("CAROL") << int(BucketModel::Max) << true;
    QTest::newRow("by count, descending") << QString() << int(BucketModel::Count) << true;
    QTest::newRow("by source, a name part") << QStringLiteral("user.12") << int(BucketModel::Source) << false;
    QTest::newRow("by user, descending") << QStringLiteral("svc3") << int(BucketModel::User) << true;
    QTest::newRow("a filter matching few") << QStringLiteral("register.only.99") << int(BucketModel::Name)
                                           << false;
    QTest::newRow("a filter matching none") << QStringLiteral("no-such-bucket") << int(BucketModel::Name)
                                            << false;
}

void Tst_bucketquery::matchesTheReference()
{
    QFETCH(QString, filter);
    QFETCH(int, column);
    QFETCH(bool, descending);
    const int sortKey = column;

    // What the user does in the tab, and the query it asks the engine for.
    BucketsTab tab;
    tab.filterEdit()->setText(filter);
    tab.view()->sortByColumn(column, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
    BucketPass pass;
    pass.reg = &m_register;
    pass.store = &m_store;
    pass.userOf = userOfToken;
    pass.limit = EngineSnapshot::kMaxBuckets;
    pass.query = tab.query();
    QCOMPARE(pass.query.filter, filter);
    QCOMPARE(pass.query.sortKey, BucketSortKey(sortKey));
    QCOMPARE(pass.query.order, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
    pass.expectedBuckets = kStored;
    EngineSnapshot s;
    QElapsedTimer timer;
    timer.start();
    summariseBuckets(pass, s);
    qInfo("pass over %lld buckets: %lld ms", s.bucketsTotal, qint64(timer.elapsed()));

    // The reference.
    QList<QByteArray> words;
    for (const QString &w : filter.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        words.append(w.toLower().toUtf8());
    std::vector<const Expected *> matching;
    for (const Expected &e : m_expected) {
        if (referenceMatches(e, words))
            matching.push_back(&e);
    }
    const auto identity = [](const Expected *e) {
        return std::tie(e->name, e->source, e->user, e->units, e->time);
    };
    const auto primary = [&](const Expected *a, const Expected *b) -> int {
        switch (BucketSortKey(sortKey)) {
        case BucketSortKey::Name:
            return a->name.compare(b->name, Qt::CaseInsensitive);
        case BucketSortKey::Source:
            return a->source.compare(b->source, Qt::CaseInsensitive);
        case BucketSortKey::User:
            return a->user.compare(b->user, Qt::CaseInsensitive);
        case BucketSortKey::Max:
            return maxOf(*a) < maxOf(*b) ? -1 : (maxOf(*b) < maxOf(*a) ? 1 : 0);
        case BucketSortKey::Count:
            return int(a->values.size()) - int(b->values.size());
        default:
            return 0;
        }
    };
    const auto before = [&](const Expected *a, const Expected *b) {
        int c = primary(a, b);
        if (descending)
            c = -c;
        return c != 0 ? c < 0 : identity(a) < identity(b);
    };
    const size_t shown = std::min<size_t>(matching.size(), size_t(EngineSnapshot::kMaxBuckets));
    std::partial_sort(matching.begin(), matching.begin() + ptrdiff_t(shown), matching.end(), before);

    QCOMPARE(s.bucketsTotal, qint64(m_expected.size()));
    QCOMPARE(s.bucketsMatched, qint64(matching.size()));
    QCOMPARE(size_t(s.buckets.size()), shown);
    QVERIFY(!s.bucketsSampled);
    for (size_t r = 0; r < shown; ++r) {
        const BucketSummary &row = s.buckets[qsizetype(r)];
        const Expected &want = *matching[r];
        if (row.name != want.name || row.source != want.source || row.user != want.user
            || row.time != want.time)
            QFAIL(qPrintable(QStringLiteral("row %1: %2 %3 %4 %5, expected %6 %7 %8 %9")
                                 .arg(r)
                                 .arg(QString::fromUtf8(row.name), QString::fromUtf8(row.source),
                                      QString::fromUtf8(row.user))
                                 .arg(row.time)
                                 .arg(QString::fromUtf8(want.name), QString::fromUtf8(want.source),
                                      QString::fromUtf8(want.user))
                                 .arg(want.time)));
        QCOMPARE(row.stats.count, qint64(want.values.size()));
        QCOMPARE(row.stats.max, maxOf(want));
        QCOMPARE(row.stats.last, want.values.back());
        QCOMPARE(row.inStore, want.inStore);
    }
    if (filter.isEmpty())
        QCOMPARE(s.metricSummary.totalBuckets, qint64(m_expected.size()));

    // The tab shows those rows, in that order, and says how many matched.
    tab.setSnapshot(s);
    const QAbstractItemModel *view = tab.view()->model();
    QCOMPARE(size_t(view->rowCount()), shown);
    for (size_t r = 0; r < shown; ++r) {
        const QByteArray key = view->index(int(r), 0).data(KeyRole).toByteArray();
        if (key != BucketModel::key(s.buckets[qsizetype(r)]))
            QFAIL(qPrintable(QStringLiteral("view row %1 is %2, expected %3")
                                 .arg(r)
                                 .arg(QString::fromUtf8(key), QString::fromUtf8(matching[r]->name))));
    }
    const QString total = UiFormat::count(qint64(m_expected.size()));
    if (filter.isEmpty())
        QCOMPARE(tab.countText(), QStringLiteral("%1 of %2 buckets").arg(UiFormat::count(qint64(shown)), total));
    else
        QCOMPARE(tab.countText(), QStringLiteral("%1 of %2 matching (%3 buckets)")
                                      .arg(UiFormat::count(qint64(shown)), UiFormat::count(qint64(matching.size())),
                                           total));
}

QTEST_MAIN(Tst_bucketquery)
#include "tst_bucketquery.moc"
