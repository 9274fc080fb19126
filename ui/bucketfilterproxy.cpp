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
    m_filter = BucketFilter(text);
    invalidateFilter();
}

bool BucketFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_filter.isEmpty())
        return true;
    const auto *model = qobject_cast<const BucketModel *>(sourceModel());
    if (!model || sourceParent.isValid())
        return true;
    const BucketSummary &b = model->bucket(sourceRow);
    return m_filter.matches(b.user, b.name, b.source);
}

} // namespace l2met
