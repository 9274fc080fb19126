#include "problemstab.h"

#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "labelcountmodel.h"
#include "modelroles.h"
#include "parser/parsemetrics.h"
#include "problemmodel.h"
#include "receiver/receivermetrics.h"
#include "uiformat.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QVBoxLayout>

namespace l2met {

namespace {

CopyableTableView *tableFor(QAbstractItemModel *model, QWidget *parent, int sortColumn, Qt::SortOrder order)
{
    auto *proxy = new QSortFilterProxyModel(parent);
    proxy->setSourceModel(model);
    proxy->setSortRole(SortRole);
    auto *view = new CopyableTableView(parent);
    view->setModel(proxy);
    // The label column takes the room; the count fits its numbers.
    view->horizontalHeader()->setSectionResizeMode(LabelCountModel::Label, QHeaderView::Stretch);
    view->horizontalHeader()->resizeSection(LabelCountModel::Count,
                                            view->fontMetrics().horizontalAdvance(QStringLiteral("1,234,567,890")) + 16);
    if (sortColumn >= 0)
        view->sortByColumn(sortColumn, order);
    return view;
}

} // namespace

QList<const MetricInfo *> ProblemsTab::metricsRead()
{
    return { &kLogplexDroppedByUser, &kHttpResponses, &kLogplexDropped };
}

ProblemsTab::ProblemsTab(QWidget *parent)
    : QWidget(parent)
    , m_problems(new ProblemModel(this))
    , m_dropped(new LabelCountModel(kLogplexDroppedByUser, "user", tr("Drain user"), this))
    , m_rejected(new LabelCountModel(kHttpResponses, "status", tr("Status"), this))
    , m_droppedTotal(new QLabel(this))
    , m_rejectedTotal(new QLabel(this))
{
    m_rejected->setFilter([](const QString &status) { return !status.startsWith(u'2'); });
    m_rejected->setDescriber(&ProblemsTab::describeStatus);

    // Newest first is the model's own order: no sort until a header is clicked.
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_problems);
    proxy->setSortRole(SortRole);
    m_view = new CopyableTableView(this);
    m_view->setModel(proxy);
    m_view->setObjectName(QStringLiteral("problems-view"));
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::DescendingOrder);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics fm = fontMetrics();
    m_view->horizontalHeader()->resizeSection(ProblemModel::Time, fm.horizontalAdvance(QStringLiteral("2026-01-01 00:00:00")) + 16);
    m_view->horizontalHeader()->resizeSection(ProblemModel::Kind, fm.horizontalAdvance(QStringLiteral("logplex L10: messages dropped")) + 16);
    m_view->horizontalHeader()->resizeSection(ProblemModel::User, fm.horizontalAdvance(QStringLiteral("someone@example.com")) + 16);
    m_view->horizontalHeader()->resizeSection(ProblemModel::Status, fm.horizontalAdvance(QStringLiteral("Status")) + 24);

    auto *droppedBox = new QGroupBox(tr("Dropped by logplex (L10)"), this);
    auto *droppedLayout = new QVBoxLayout(droppedBox);
    auto *droppedNote = new QLabel(tr("Logplex drops messages when a drain does not keep up and reports "
                                      "it with an L10 line; those messages never reached l2met."),
                                   droppedBox);
    droppedNote->setWordWrap(true);
    droppedLayout->addWidget(m_droppedTotal);
    droppedLayout->addWidget(droppedNote);
    auto *droppedView = tableFor(m_dropped, droppedBox, LabelCountModel::Label, Qt::AscendingOrder);
    droppedView->setObjectName(QStringLiteral("dropped-view"));
    droppedLayout->addWidget(droppedView, 1);

    auto *rejectedBox = new QGroupBox(tr("Rejected requests"), this);
    auto *rejectedLayout = new QVBoxLayout(rejectedBox);
    auto *rejectedNote = new QLabel(tr("Logplex drops a batch answered with 4xx (except 429) and retries "
                                       "the others."),
                                    rejectedBox);
    rejectedNote->setWordWrap(true);
    rejectedLayout->addWidget(m_rejectedTotal);
    rejectedLayout->addWidget(rejectedNote);
    auto *rejectedView = tableFor(m_rejected, rejectedBox, LabelCountModel::Label, Qt::AscendingOrder);
    rejectedView->horizontalHeader()->setSectionResizeMode(LabelCountModel::Label, QHeaderView::Interactive);
    rejectedView->horizontalHeader()->resizeSection(LabelCountModel::Label,
                                                    fontMetrics().horizontalAdvance(QStringLiteral("Status")) + 32);
    rejectedView->horizontalHeader()->setStretchLastSection(true);
    rejectedView->setObjectName(QStringLiteral("rejected-view"));
    rejectedLayout->addWidget(rejectedView, 1);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QHBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(droppedBox, 1);
    bottomLayout->addWidget(rejectedBox, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
}

QString ProblemsTab::describeStatus(const QString &status)
{
    switch (status.toInt()) {
    case 400:
        return tr("Bad request (query option)");
    case 401:
        return tr("Unauthorized (missing or invalid token)");
    case 404:
        return tr("Not found");
    case 405:
        return tr("Method not allowed");
    case 408:
        return tr("Request timeout");
    case 413:
        return tr("Body too large");
    case 431:
        return tr("Headers too large");
    case 503:
        return tr("Unavailable (inbox full or store down)");
    default:
        return {};
    }
}

void ProblemsTab::setSnapshot(const EngineSnapshot &s)
{
    m_problems->setSnapshot(s);
    m_dropped->setSnapshot(s);
    m_rejected->setSnapshot(s);
    m_droppedTotal->setText(tr("<b>%1</b> message(s) dropped in total").arg(UiFormat::count(s.metric(kLogplexDropped))));
    m_rejectedTotal->setText(tr("<b>%1</b> request(s) rejected").arg(UiFormat::count(m_rejected->total())));
}

} // namespace l2met
