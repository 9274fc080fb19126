#include "metricstab.h"

#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "metricsmodel.h"
#include "modelroles.h"
#include "uiformat.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace l2met {

MetricsTab::MetricsTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new MetricsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_users(new MetricUserModel(this))
    , m_view(new QTreeView(this))
    , m_userView(new CopyableTableView(this))
    , m_banner(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_detail(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setDynamicSortFilter(true);
    m_view->setModel(m_proxy);
    m_view->setObjectName(QStringLiteral("metrics-view"));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(MetricsModel::Streams, Qt::DescendingOrder);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    const QFontMetrics fm = fontMetrics();
    m_view->header()->resizeSection(MetricsModel::Pattern, fm.horizontalAdvance(QStringLiteral("router.service.perc95.#.latency")) + 48);
    for (int c = MetricsModel::Names; c < MetricsModel::ColumnCount; ++c)
        m_view->header()->resizeSection(c, fm.horizontalAdvance(QStringLiteral("1,234,567")) + 24);

    auto *userProxy = new QSortFilterProxyModel(this);
    userProxy->setSourceModel(m_users);
    userProxy->setSortRole(SortRole);
    userProxy->setDynamicSortFilter(true);
    m_userView->setModel(userProxy);
    m_userView->setObjectName(QStringLiteral("metric-users-view"));
    m_userView->sortByColumn(MetricUserModel::Streams, Qt::DescendingOrder);
    m_userView->horizontalHeader()->resizeSection(MetricUserModel::User, fm.horizontalAdvance(QStringLiteral("alice@example.com")) + 24);
    m_userView->horizontalHeader()->setStretchLastSection(true);

    m_banner->setObjectName(QStringLiteral("metrics-banner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    UiFormat::setForeground(m_banner, UiFormat::warnColor(palette()));
    m_banner->hide();
    m_summary->setWordWrap(true);
    m_detail->setObjectName(QStringLiteral("metrics-detail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setText(tr("Select a pattern to see its names. A stream is a metric name with a source: "
                         "Librato bills each one."));

    auto *patterns = new QWidget(this);
    auto *patternsLayout = new QVBoxLayout(patterns);
    patternsLayout->setContentsMargins(0, 0, 0, 0);
    patternsLayout->addWidget(m_view, 1);
    patternsLayout->addWidget(m_detail);
    auto *users = new QWidget(this);
    auto *usersLayout = new QVBoxLayout(users);
    usersLayout->setContentsMargins(0, 0, 0, 0);
    usersLayout->addWidget(new QLabel(tr("By Librato user"), users));
    usersLayout->addWidget(m_userView, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(patterns);
    split->addWidget(users);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &MetricsTab::onCurrentChanged);
}

void MetricsTab::setSnapshot(const EngineSnapshot &snapshot)
{
    const MetricSummary &m = snapshot.metricSummary;
    m_model->setSummary(m);
    m_users->setSummary(m);
    QString summary = tr("%1 patterns · %2 names · %3 streams · %4 buckets")
                          .arg(UiFormat::count(m.totalPatterns), UiFormat::count(m.totalNames),
                               UiFormat::count(m.totalStreams), UiFormat::count(m.totalBuckets));
    if (m.totalPatterns > m.patterns.size())
        summary += tr(" (the %1 with most streams listed)").arg(UiFormat::count(qint64(m.patterns.size())));
    if (snapshot.bucketsSampled)
        summary += tr(" · Redis: of a sample of the stored buckets");
    m_summary->setText(summary);

    if (m.flaggedPatterns == 0) {
        m_banner->hide();
        m_banner->clear();
    } else {
        QStringList worst;
        for (const MetricPattern &p : m.patterns) {
            if (p.idsInNames && worst.size() < 3)
                worst << MetricsModel::explanation(p);
        }
        m_banner->setText(tr("Ids in metric names: %n pattern(s) hold names that differ only by a number "
                             "(%1 streams). Each name is a separate Librato stream, billed per stream.",
                             nullptr, int(m.flaggedPatterns))
                              .arg(UiFormat::count(m.flaggedStreams))
                          + QLatin1Char('\n') + worst.join(QLatin1Char('\n')));
        m_banner->show();
    }
    onCurrentChanged();
}

void MetricsTab::onCurrentChanged()
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    if (!current.isValid())
        return;
    const QModelIndex top = current.parent().isValid() ? current.parent() : current;
    const QModelIndex source = m_proxy->mapToSource(top.siblingAtColumn(0));
    if (!source.isValid())
        return;
    const MetricPattern &p = m_model->pattern(source.row());
    if (!current.parent().isValid() && !m_view->isExpanded(top.siblingAtColumn(0)))
        m_view->expand(top.siblingAtColumn(0));
    QString text = p.idsInNames ? MetricsModel::explanation(p)
                                : tr("%1: %2 names, %3 streams from %4 sources.")
                                      .arg(QString::fromUtf8(p.pattern), UiFormat::count(p.names),
                                           UiFormat::count(p.streams), UiFormat::count(p.sources));
    if (p.names > p.topNames.size())
        text += QLatin1Char(' ') + tr("Showing the %1 names with most streams.").arg(p.topNames.size());
    m_detail->setText(text);
}

QString MetricsTab::bannerText() const
{
    return m_banner->text();
}

bool MetricsTab::bannerVisible() const
{
    return !m_banner->isHidden();
}

QString MetricsTab::summaryText() const
{
    return m_summary->text();
}

QString MetricsTab::detailText() const
{
    return m_detail->text();
}

} // namespace l2met
