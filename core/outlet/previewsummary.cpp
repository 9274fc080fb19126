#include "outlet/previewsummary.h"

#include <QMutexLocker>

#include <algorithm>

namespace l2met {

void PreviewSummary::add(const std::vector<Bucket> &buckets)
{
    QMutexLocker lock(&m_mutex);
    for (const Bucket &bucket : buckets) {
        const BucketId &id = bucket.id();
        const Key key { id.name, int(id.type), id.units };
        auto it = m_rows.find(key);
        if (it == m_rows.end()) {
            if (int(m_rows.size()) >= kMaxMetrics) {
                ++m_overflowBuckets;
                continue;
            }
            it = m_rows.emplace(key, Row()).first;
        }
        Row &row = it->second;
        // Buckets of one window may come from several sources or flushes;
        // windows are counted when the window changes.
        if (id.time != row.lastWindow) {
            ++row.windows;
            row.lastWindow = id.time;
        }
        const Statistics stats = bucket.statistics();
        row.count += stats.count;
        row.sum += stats.sum;
        row.last = stats.last;
    }
}

int PreviewSummary::metrics() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_rows.size());
}

QString PreviewSummary::table() const
{
    QMutexLocker lock(&m_mutex);
    if (m_rows.empty())
        return {};
    QList<QStringList> rows;
    rows.append({ QStringLiteral("metric"), QStringLiteral("type"), QStringLiteral("units"),
                  QStringLiteral("windows"), QStringLiteral("count"), QStringLiteral("sum"),
                  QStringLiteral("last") });
    for (const auto &[key, row] : m_rows) {
        const auto &[name, type, units] = key;
        rows.append(
            { QString::fromUtf8(name), QString::fromLatin1(bucketTypeName(BucketType(type))),
              QString::fromUtf8(units), QString::number(row.windows), QString::number(row.count),
              QString::number(row.sum, 'g', 12), QString::number(row.last, 'g', 12) });
    }
    QList<int> widths(rows.constFirst().size(), 0);
    for (const QStringList &r : std::as_const(rows))
        for (qsizetype i = 0; i < r.size(); ++i)
            widths[i] = std::max(widths[i], int(r[i].size()));
    QString out;
    for (const QStringList &r : std::as_const(rows)) {
        QString line;
        for (qsizetype i = 0; i < r.size(); ++i) {
            // Text left, numbers right.
            line += i < 3 ? r[i].leftJustified(widths[i]) : r[i].rightJustified(widths[i]);
            line += i + 1 < r.size() ? QStringLiteral("  ") : QString();
        }
        out += line.trimmed() + u'\n';
    }
    if (m_overflowBuckets > 0)
        out += QStringLiteral("(and buckets of more metrics than the %1 listed: %2)\n")
                   .arg(kMaxMetrics)
                   .arg(m_overflowBuckets);
    return out;
}

} // namespace l2met
