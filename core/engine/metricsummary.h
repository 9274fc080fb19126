// MetricSummary: the engine's buckets grouped by metric name and by name
// pattern (namePattern: `user.48213.latency` -> `user.#.latency`), for the
// window's Metrics tab, and MetricSummaryBuilder, which makes one from a pass
// over every bucket (Engine's snapshot thread, the same pass that filters
// the Buckets tab).
//
// Librato bills per stream: one metric name with one source. A stream here
// is a distinct (user, name, source, units, type): the series l2met sends.
// Apps that put an id in a metric name (`user.48213.latency`) make a new
// stream per id; a pattern with kIdPatternNames or more distinct names is
// flagged (MetricPattern::idsInNames), the window explains it. Ten: a
// handful of numbered names is normal (`p50`, `p95`, `p99`; `web.1` ..
// `web.8` as names), ten or more of one shape is an id.
//
// Counting: names, streams, sources, users and windows are distinct counts
// over the buckets held at that moment (register and store). Sources,
// streams and users are kept as 64-bit hashes of their text, not the text:
// two different ones with the same hash (about one chance in 10^7 at a
// million streams) count once. A snapshot holds at most kMaxPatterns
// patterns (by streams, descending), kNamesPerPattern names each and
// kMaxUsers users; the totals count everything.
//
// MetricSummary is a value type (thread-safe to copy and read);
// MetricSummaryBuilder is not synchronised (one thread builds).
#pragma once

#include "bucket/bucketid.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

#include <vector>

namespace l2met {

struct MetricName
{
    QByteArray name;
    qint64 streams = 0;
    qint64 buckets = 0;
};

struct MetricPattern
{
    QByteArray pattern;
    qint64 names = 0;   // distinct metric names
    qint64 streams = 0; // distinct (user, name, source, units, type)
    qint64 sources = 0; // distinct sources (the empty source counts as one)
    qint64 windows = 0; // distinct window starts
    qint64 users = 0;   // distinct Librato users
    qint64 buckets = 0; // buckets (a stream's window each)
    bool idsInNames = false; // names >= kIdPatternNames: an id in the name
    QList<MetricName> topNames; // by streams, descending; at most kNamesPerPattern
};

struct MetricUser
{
    QByteArray user; // empty: the drain token no longer verifies
    qint64 names = 0;
    qint64 patterns = 0;
    qint64 streams = 0;
    qint64 buckets = 0;
    qint64 flaggedPatterns = 0; // its patterns with idsInNames (counted over its own names)
    qint64 flaggedStreams = 0;  // its streams in those patterns
};

struct MetricSummary
{
    static constexpr int kIdPatternNames = 10;
    static constexpr int kMaxPatterns = 500;
    static constexpr int kNamesPerPattern = 20;
    static constexpr int kMaxUsers = 200;

    QList<MetricPattern> patterns; // by streams, descending (then pattern)
    QList<MetricUser> users;       // by streams, descending (then user)
    qint64 totalPatterns = 0;
    qint64 totalNames = 0;
    qint64 totalStreams = 0;
    qint64 totalBuckets = 0;
    qint64 flaggedPatterns = 0; // over all patterns, not just those listed
    qint64 flaggedStreams = 0;  // streams of flagged patterns
};

class MetricSummaryBuilder
{
public:
    // One bucket (each held bucket once; an id in the register and the store
    // is one bucket). user is the drain's Librato user.
    void add(const QByteArray &user, const BucketId &id);
    // Room for about this many buckets (saves rehashing on big passes).
    void reserve(qint64 buckets);
    MetricSummary finish() const;

private:
    struct Name
    {
        QByteArray name;
        int pattern = 0; // index into m_patterns
        qint64 streams = 0;
        qint64 buckets = 0;
    };
    struct Pattern
    {
        QByteArray pattern;
        std::vector<int> names; // indexes into m_names
        QSet<quint64> sources;
        QSet<qint64> windows;
        QSet<int> users; // indexes into m_users
        qint64 buckets = 0;
    };
    struct User
    {
        QByteArray user;
        qint64 buckets = 0;
    };
    int nameIndex(const QByteArray &name);
    int userIndex(const QByteArray &user);

    std::vector<Name> m_names;
    QHash<QByteArray, int> m_nameIndex;
    std::vector<Pattern> m_patterns;
    QHash<QByteArray, int> m_patternIndex;
    std::vector<User> m_users;
    QHash<QByteArray, int> m_userIndex;
    // Every stream: hash of (user index, name index, source, units, type).
    QSet<quint64> m_streams;
    // (user index << 32 | name index) -> that user's streams of that name.
    QHash<quint64, qint64> m_userNames;
    // The last name and user added, to skip look-ups for runs of one.
    QByteArray m_lastName;
    int m_lastNameIndex = -1;
    QByteArray m_lastUser;
    int m_lastUserIndex = -1;
};

} // namespace l2met
