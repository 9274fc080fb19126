#include "deliverytab.h"

#include "charts/timechart.h"
#include "copyabletableview.h"
#include "deliverymodel.h"
#include "engine/enginesnapshot.h"
#include "modelroles.h"
#include "outlet/outletmetrics.h"
#include "previewmodel.h"
#include "ratetracker.h"
#include "uiformat.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace l2met {

QList<const MetricInfo *> DeliveryTab::metricsRead()
{
    return { &kGaugesPreviewed, &kGaugesDelivered, &kGaugesRetriedDelivered, &kGaugesFailed, &kOutletRetries };
}

DeliveryTab::DeliveryTab(const RateTracker *rates, QWidget *parent)
    : QWidget(parent)
    , m_rates(rates)
    , m_model(new DeliveryModel(this))
    , m_previews(new PreviewModel(this))
    , m_view(new CopyableTableView(this))
    , m_previewView(new CopyableTableView(this))
    , m_summary(new QLabel(this))
    , m_latency(new TimeChart(tr("Librato request latency"), this))
    , m_previewPanel(new QWidget(this))
    , m_json(new QPlainTextEdit(this))
    , m_copy(new QPushButton(tr("Copy JSON"), this))
{
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(SortRole);
    m_view->setModel(proxy);
    m_view->setObjectName(QStringLiteral("delivery-view"));
    m_view->sortByColumn(DeliveryModel::User, Qt::AscendingOrder);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->resizeSection(DeliveryModel::User,
                                              fontMetrics().horizontalAdvance(QStringLiteral("someone@example.com")) + 24);
    m_view->horizontalHeader()->resizeSection(DeliveryModel::LastError,
                                              fontMetrics().horizontalAdvance(QStringLiteral("x")) * 28);

    m_summary->setWordWrap(true);

    m_latencySeries = m_latency->addSeries(tr("mean latency (ms)"), TimeChart::seriesColour(4));
    m_latency->setAxisTitle(TimeChart::Axis::Left, tr("ms"));
    m_latency->setPointsVisible(true);
    m_latency->setEmptyText(tr("No request to Librato in the last five minutes"));

    // Preview panel: payload list | JSON.
    m_previewView->setModel(m_previews);
    m_previewView->setObjectName(QStringLiteral("preview-view"));
    m_previewView->setSortingEnabled(false);
    m_previewView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_previewView->horizontalHeader()->setStretchLastSection(true);
    m_previewView->horizontalHeader()->resizeSection(PreviewModel::Built,
                                                     fontMetrics().horizontalAdvance(QStringLiteral("00:00:00")) + 24);
    m_previewView->horizontalHeader()->resizeSection(PreviewModel::User,
                                                     fontMetrics().horizontalAdvance(QStringLiteral("someone@example.com")) + 24);
    m_previewView->horizontalHeader()->resizeSection(PreviewModel::Gauges,
                                                     fontMetrics().horizontalAdvance(QStringLiteral("Gauges")) + 24);
    m_json->setObjectName(QStringLiteral("preview-json"));
    m_json->setReadOnly(true);
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setPlaceholderText(tr("Select a payload"));
    m_copy->setObjectName(QStringLiteral("preview-copy"));
    m_copy->setEnabled(false);
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_json->toPlainText()); });
    auto *jsonTitle = new QLabel(tr("Exactly what would be POSTed to /v1/metrics (pretty-printed):"), this);
    auto *jsonBox = new QWidget(this);
    auto *jsonLayout = new QVBoxLayout(jsonBox);
    jsonLayout->setContentsMargins(0, 0, 0, 0);
    auto *jsonTop = new QHBoxLayout;
    jsonTop->addWidget(jsonTitle, 1);
    jsonTop->addWidget(m_copy);
    jsonLayout->addLayout(jsonTop);
    jsonLayout->addWidget(m_json, 1);
    auto *previewSplit = new QSplitter(Qt::Horizontal, m_previewPanel);
    previewSplit->addWidget(m_previewView);
    previewSplit->addWidget(jsonBox);
    previewSplit->setStretchFactor(0, 2);
    previewSplit->setStretchFactor(1, 3);
    previewSplit->setSizes({ 440, 660 });
    previewSplit->setChildrenCollapsible(false);
    auto *previewTitle = new QLabel(tr("Payloads built and not sent, newest first (the last 100 are kept). "
                                       "While the newest is selected, the selection follows new ones."),
                                    m_previewPanel);
    auto *previewLayout = new QVBoxLayout(m_previewPanel);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(previewTitle);
    previewLayout->addWidget(previewSplit, 1);
    m_previewPanel->hide();
    connect(m_previewView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeliveryTab::showSelectedPayload);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_latency, 1);
    bottomLayout->addWidget(m_previewPanel, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(bottom);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    m_chartTimer.setInterval(1000);
    connect(&m_chartTimer, &QTimer::timeout, this, [this] {
        if (isVisible() && !m_preview)
            refreshChart();
    });
    m_chartTimer.start();
}

void DeliveryTab::setSnapshot(const EngineSnapshot &s)
{
    m_model->setSnapshot(s);
    if (s.preview != m_preview) {
        // Preview sends nothing: the payloads take the room of the (empty)
        // delivery table and of the latency chart.
        m_preview = s.preview;
        m_previewPanel->setVisible(m_preview);
        m_latency->setVisible(!m_preview);
        m_view->setVisible(!m_preview);
    }
    if (m_preview) {
        // Following the newest payload (or none yet): stay on the newest.
        const QModelIndexList selected = m_previewView->selectionModel()->selectedRows();
        const bool followNewest = selected.isEmpty() || selected.first().row() == 0;
        m_previews->setSnapshot(s);
        if (followNewest && m_previews->rowCount() > 0)
            m_previewView->selectionModel()->setCurrentIndex(
                m_previews->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_summary->setText(tr("Preview mode: %1 payload(s) with %2 gauge(s) built, nothing sent to Librato.")
                               .arg(UiFormat::count(qint64(m_previews->rowCount())),
                                    UiFormat::count(s.metric(kGaugesPreviewed))));
    } else {
        m_summary->setText(tr("Delivered to Librato: %1 gauge(s) at once, %2 after retries; %3 failed. "
                              "Retries: %4.")
                               .arg(UiFormat::count(s.metric(kGaugesDelivered)),
                                    UiFormat::count(s.metric(kGaugesRetriedDelivered)),
                                    UiFormat::count(s.metric(kGaugesFailed)),
                                    UiFormat::count(s.metric(kOutletRetries))));
    }
}

QString DeliveryTab::payloadText() const
{
    return m_json->toPlainText();
}

void DeliveryTab::showSelectedPayload()
{
    const QModelIndexList rows = m_previewView->selectionModel()->selectedRows();
    const QByteArray json = rows.isEmpty() ? QByteArray() : m_previews->json(rows.first().row());
    if (json == m_shownJson && !json.isEmpty())
        return;
    m_shownJson = json;
    m_json->setPlainText(json.isEmpty() ? QString() : PreviewModel::prettyJson(json));
    m_copy->setEnabled(!json.isEmpty());
}

void DeliveryTab::refreshChart()
{
    const qint64 newest = m_rates->newestMs();
    if (newest == 0)
        return;
    // The last five minutes; a younger window grows to them from one minute.
    const qint64 span = std::clamp<qint64>(newest - m_rates->oldestMs(), 60000, 300000);
    const QDateTime to = QDateTime::fromMSecsSinceEpoch(newest);
    m_latency->setTimeRange(to.addMSecs(-span), to);
    m_latency->setPoints(m_latencySeries, m_rates->points(RateTracker::LatencyMs));
}

void DeliveryTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_preview)
        refreshChart();
}

} // namespace l2met
