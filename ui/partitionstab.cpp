#include "partitionstab.h"

#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "modelroles.h"
#include "partitionmodel.h"
#include "uiformat.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

namespace l2met {

PartitionsTab::PartitionsTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new PartitionModel(this))
    , m_view(new CopyableTableView(this))
    , m_summary(new QLabel(this))
{
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(SortRole);
    m_view->setModel(proxy);
    m_view->setObjectName(QStringLiteral("partitions-view"));
    m_view->sortByColumn(PartitionModel::Partition, Qt::AscendingOrder);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    const QFontMetrics fm = fontMetrics();
    header->resizeSection(PartitionModel::Lock, fm.horizontalAdvance(QStringLiteral("held by host:12345:0123456789abcdef")) + 24);
    for (int c = PartitionModel::LockTtl; c < PartitionModel::ColumnCount; ++c)
        header->resizeSection(c, fm.horizontalAdvance(QStringLiteral("Taken at last scan")) + 24);
    header->setStretchLastSection(true);

    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *explain = new QLabel(
        tr("Every outlet interval this process's reader takes the lock of each partition in turn, takes "
           "the buckets that are ready and releases the lock. A lock held by another owner is another "
           "l2met process sharing the store; a lock whose owner died expires after its TTL."),
        this);
    explain->setWordWrap(true);
    explain->setForegroundRole(QPalette::PlaceholderText);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addWidget(explain);
}

void PartitionsTab::setSnapshot(const EngineSnapshot &s)
{
    m_model->setSnapshot(s);
    QString text = tr("<b>%1 store</b>, %2 partition(s), %3 bucket(s) and %4 value(s) waiting.")
                       .arg(s.storeKind.toHtmlEscaped(), UiFormat::count(qint64(s.store.partitions.size())),
                            UiFormat::count(s.store.buckets), UiFormat::count(s.store.values));
    if (!s.readerOwner.isEmpty())
        text += u' ' + tr("This process reads as <code>%1</code>.").arg(QString::fromUtf8(s.readerOwner).toHtmlEscaped());
    else
        text += u' ' + tr("No outlet runs in this process: other processes read these partitions.");
    m_summary->setText(text);
}

} // namespace l2met
