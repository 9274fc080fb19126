#include "bucketfilterproxy.h"

#include "bucketmodel.h"
#include "modelroles.h"

namespace l2met {

BucketFilterProxy::BucketFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void BucketFilterProxy::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_words = text.split(u' ', Qt::SkipEmptyParts);
    invalidateFilter();
}

bool BucketFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_words.isEmpty())
        return true;
    const QAbstractItemModel *m = sourceModel();
    const QString fields[] = {
        m->index(sourceRow, BucketModel::User, sourceParent).data(SortRole).toString(),
        m->index(sourceRow, BucketModel::Name, sourceParent).data(SortRole).toString(),
        m->index(sourceRow, BucketModel::Source, sourceParent).data(SortRole).toString(),
    };
    for (const QString &word : m_words) {
        bool found = false;
        for (const QString &field : fields)
            found = found || field.contains(word, Qt::CaseInsensitive);
        if (!found)
            return false;
    }
    return true;
}

} // namespace l2met
