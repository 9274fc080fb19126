// BucketFilterProxy: sorting and filtering of the Buckets table. Sorts by
// SortRole (numbers as numbers, windows by time); the filter keeps rows whose
// user, name or source contains the filter text (case-insensitive; several
// words must all match, each in any of the three): BucketFilter, the rule the
// engine applies to every bucket it holds (Engine::setBucketQuery). The
// engine sends only matching rows; filtering here too keeps the table right
// while a new filter waits for its snapshot.
//
// GUI thread only.
#pragma once

#include "engine/bucketquery.h"

#include <QSortFilterProxyModel>

namespace l2met {

class BucketFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit BucketFilterProxy(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    BucketFilter m_filter;
};

} // namespace l2met
