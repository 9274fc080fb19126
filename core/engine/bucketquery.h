// BucketQuery: what the Buckets tab asks the engine for: a filter text and a
// sort. The engine runs it in its snapshot thread over every bucket of the
// register and the store and puts the first EngineSnapshot::kMaxBuckets
// matches, in that order, in the snapshot (docs/architecture.md, "the
// snapshot"). BucketFilter is the filter's matching rule, shared by the
// engine and the window's BucketFilterProxy so both keep the same rows.
//
// Value types; BucketFilter::matches is const and thread-safe.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

namespace l2met {

// The columns the Buckets tab can sort by (BucketModel's, in its order).
enum class BucketSortKey : quint8 {
    User,
    Name,
    Source,
    Type,
    Units,
    Window,
    Resolution,
    Count,
    Sum,
    Min,
    Max,
    Percentile, // BucketQuery::percentile names which
    Last,
    ReadyIn,
};

struct BucketQuery
{
    QString filter; // words, see BucketFilter
    BucketSortKey sortKey = BucketSortKey::Name;
    int percentile = 0; // index into the configured Percentiles, for BucketSortKey::Percentile
    Qt::SortOrder order = Qt::AscendingOrder;

    // Needs a bucket's statistics to order it (not just its identity).
    bool sortsByStatistic() const
    {
        return sortKey >= BucketSortKey::Count && sortKey <= BucketSortKey::Last;
    }
    friend bool operator==(const BucketQuery &, const BucketQuery &) = default;
};

// Keeps a bucket whose user, name or source contains the filter text,
// ignoring case; several words (split at spaces) must all match, each in
// any of the three. An empty text keeps everything. Fields are UTF-8: ASCII
// words against ASCII fields compare byte by byte (no allocation); anything
// else compares as QString::contains(Qt::CaseInsensitive), as the window's
// proxy always did.
class BucketFilter
{
public:
    BucketFilter() = default;
    explicit BucketFilter(const QString &text);

    bool isEmpty() const { return m_words.isEmpty(); }
    bool matches(const QByteArray &user, const QByteArray &name, const QByteArray &source) const;

private:
    struct Word
    {
        QString text;
        QByteArray asciiLower; // empty when text is not ASCII
    };
    static bool contains(const QByteArray &field, const Word &word);
    QList<Word> m_words;
};

} // namespace l2met
