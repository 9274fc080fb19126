#include "bucketstab.h"

#include "bucketfilterproxy.h"
#include "bucketmodel.h"
#include "charts/timechart.h"
#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "uiformat.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QVBoxLayout>

namespace l2met {

BucketsTab::BucketsTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new BucketModel(this))
    , m_proxy(new BucketFilterProxy(this))
    , m_view(new CopyableTableView(this))
    , m_filter(new QLineEdit(this))
    , m_count(new QLabel(this))
    , m_chart(new TimeChart(QString(), this))
    , m_chartHint(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_view->setModel(m_proxy);
    m_view->setObjectName(QStringLiteral("buckets-view"));
    m_view->sortByColumn(BucketModel::Name, Qt::AscendingOrder);
    QHeaderView *header = m_view->horizontalHeader();
    const QFontMetrics fm = fontMetrics();
    const auto width = [&fm](const char *sample) { return fm.horizontalAdvance(QLatin1String(sample)) + 24; };
    header->resizeSection(BucketModel::User, width("alice@example.com"));
    header->resizeSection(BucketModel::Name, width("router.service.perc95"));
    header->resizeSection(BucketModel::Source, width("web.1 source"));
    header->resizeSection(BucketModel::Type, width("measurement"));
    header->resizeSection(BucketModel::Units, width("Units"));
    header->resizeSection(BucketModel::Window, width("00:00:00"));
    header->resizeSection(BucketModel::Resolution, width("Resolution"));
    header->resizeSection(BucketModel::Count, width("123,456"));
    sizeStatisticsColumns();
    header->setStretchLastSection(true);

    m_filter->setObjectName(QStringLiteral("buckets-filter"));
    m_filter->setPlaceholderText(tr("Filter by user, name or source"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterText(text.trimmed());
        updateCount();
        Q_EMIT queryChanged(query());
    });
    connect(header, &QHeaderView::sortIndicatorChanged, this, [this] { Q_EMIT queryChanged(query()); });
    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_count);

    m_meanSeries = m_chart->addSeries(tr("mean"), TimeChart::seriesColour(0));
    for (int i = 0; i < Percentiles::kMax; ++i) {
        m_percentileSeries[size_t(i)] = m_chart->addSeries(QString(), TimeChart::seriesColour(1 + i));
        m_chart->setSeriesVisible(m_percentileSeries[size_t(i)], false); // refreshChart() shows them
    }
    m_countSeries = m_chart->addSeries(tr("count"), TimeChart::seriesColour(5), TimeChart::Axis::Right);
    m_chart->setAxisTitle(TimeChart::Axis::Right, tr("count"));
    m_chart->setPointsVisible(true);
    m_chart->setEmptyText(tr("Select a bucket to chart its metric over the recent windows"));

    auto *chartBox = new QWidget(this);
    auto *chartLayout = new QVBoxLayout(chartBox);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->addWidget(m_chart, 1);
    m_chartHint->setWordWrap(true);
    m_chartHint->setForegroundRole(QPalette::PlaceholderText);
    chartLayout->addWidget(m_chartHint);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("buckets-splitter"));
    split->addWidget(m_view);
    split->addWidget(chartBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &BucketsTab::onSelectionChanged);
    updateCount();
    refreshChart();
}

BucketsTab::~BucketsTab() = default;

void BucketsTab::sizeStatisticsColumns()
{
    const QFontMetrics fm = fontMetrics();
    const int width = fm.horizontalAdvance(QLatin1String("1,234,567.8")) + 24;
    for (int c = BucketModel::Sum; c <= m_model->lastColumn(); ++c)
        m_view->horizontalHeader()->resizeSection(c, width);
}

void BucketsTab::setSnapshot(const EngineSnapshot &snapshot)
{
    // Other percentiles (the engine restarted with new settings): the
    // history's windows hold the old ones, so it starts over.
    const bool newColumns = !(snapshot.percentiles == m_model->percentiles());
    if (newColumns)
        m_history.clear();
    m_history.add(snapshot);
    m_snapshotQuery = snapshot.bucketQuery;
    m_matched = snapshot.bucketsMatched;
    m_total = snapshot.bucketsTotal;
    m_sampled = snapshot.bucketsSampled;
    m_haveSnapshot = true;
    m_restoring = true;
    m_model->setSnapshot(snapshot);
    if (newColumns)
        sizeStatisticsColumns();
    m_restoring = false;
    followSelection();
    // Counted here, not on the proxy's row signals: the proxy removes its
    // rows before the model's are gone.
    updateCount();
    if (isVisible())
        refreshChart();
}

bool BucketsTab::selectKey(const QByteArray &key)
{
    const int row = m_model->rowOfKey(key);
    return row >= 0 && selectBucket(m_model->bucket(row));
}

bool BucketsTab::selectBucket(const BucketSummary &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return false;
    m_view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void BucketsTab::onSelectionChanged()
{
    if (m_restoring)
        return;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_hasSelected = false;
    } else {
        QModelIndex current = m_view->selectionModel()->currentIndex();
        if (!current.isValid() || !m_view->selectionModel()->isRowSelected(current.row(), current.parent()))
            current = rows.first();
        m_selected = m_model->bucket(m_proxy->mapToSource(current).row());
        m_hasSelected = true;
    }
    refreshChart();
}

void BucketsTab::followSelection()
{
    if (!m_hasSelected || m_view->selectionModel()->hasSelection())
        return;
    m_restoring = true;
    if (!selectBucket(m_selected)) {
        // The window left (delivered): the metric's newest window, if any.
        const MetricId metric = MetricId::of(m_selected);
        int best = -1;
        for (int row = 0; row < m_model->rowCount(); ++row) {
            const BucketSummary &b = m_model->bucket(row);
            if ((best < 0 || b.time > m_model->bucket(best).time) && b.name == metric.name
                && MetricId::of(b) == metric)
                best = row;
        }
        if (best >= 0) {
            m_selected = m_model->bucket(best);
            selectBucket(m_selected);
        }
    }
    m_restoring = false;
}

void BucketsTab::refreshChart()
{
    const QList<BucketHistory::Window> windows = m_history.windows(selectedMetric());
    if (!m_hasSelected || windows.isEmpty()) {
        for (const int s : { m_meanSeries, m_countSeries })
            m_chart->setPoints(s, {});
        for (const int s : m_percentileSeries)
            m_chart->setPoints(s, {});
        m_chart->setTitle(QString());
        m_chartHint->setText(tr("Ctrl+C copies the selected rows as tab-separated values."));
        return;
    }
    // What Librato gets for the type: a measurement's mean and percentiles,
    // a counter's sum, a sample's last value; and the count of each window.
    const BucketSummary &b = m_selected; // the metric's identity
    const QString source = b.source.isEmpty() ? QString() : QStringLiteral(" · ") + QString::fromUtf8(b.source);
    m_chart->setTitle(QString::fromUtf8(b.name) + source + QStringLiteral(" · ") + BucketModel::userText(b.user)
                      + QStringLiteral(" · ") + tr("%1 windows").arg(UiFormat::seconds(b.resolution)));
    m_chart->setAxisTitle(TimeChart::Axis::Left, b.units.isEmpty() ? tr("value") : QString::fromUtf8(b.units));
    const BucketType type = b.type;
    const bool measurement = type == BucketType::Measurement;
    m_chart->setSeriesName(m_meanSeries, measurement                 ? tr("mean")
                                             : type == BucketType::Counter ? tr("sum")
                                             : type == BucketType::Unique  ? tr("distinct")
                                                                           : tr("last"));
    const Percentiles &percentiles = m_model->percentiles();
    for (int i = 0; i < Percentiles::kMax; ++i) {
        const bool shown = measurement && i < percentiles.size();
        m_chart->setSeriesVisible(m_percentileSeries[size_t(i)], shown);
        if (shown)
            m_chart->setSeriesName(m_percentileSeries[size_t(i)], QString(percentiles.suffix(i)).mid(1));
    }
    m_chart->setTimeFormat(b.resolution < 60 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm"));
    const qint64 resolution = b.resolution;
    QList<QPointF> main, count;
    std::array<QList<QPointF>, Percentiles::kMax> perc;
    for (const BucketHistory::Window &w : windows) {
        const double x = double(w.time) * 1000;
        const Statistics &s = w.stats;
        const double value = type == BucketType::Counter || type == BucketType::Unique ? s.sum
            : type == BucketType::Sample                 ? s.last
                                                         : (s.count ? s.sum / double(s.count) : 0);
        main.append({ x, value });
        for (int i = 0; i < percentiles.size(); ++i)
            perc[size_t(i)].append({ x, s.percentiles[size_t(i)] });
        count.append({ x, double(s.count) });
    }
    m_chart->setPoints(m_meanSeries, main);
    for (int i = 0; i < Percentiles::kMax; ++i)
        m_chart->setPoints(m_percentileSeries[size_t(i)], perc[size_t(i)]);
    m_chart->setPoints(m_countSeries, count);
    const qint64 pad = std::max<qint64>(resolution, 1) * 1000 / 2;
    m_chart->setTimeRange(QDateTime::fromMSecsSinceEpoch(windows.first().time * 1000 - pad),
                          QDateTime::fromMSecsSinceEpoch(windows.last().time * 1000 + pad));
    m_chartHint->setText(tr("%n window(s) seen; the newest is still filling until it is ready.", nullptr,
                            int(windows.size())));
}

BucketQuery BucketsTab::query() const
{
    BucketQuery q;
    q.filter = m_filter->text().trimmed();
    const int column = m_view->horizontalHeader()->sortIndicatorSection();
    q.order = m_view->horizontalHeader()->sortIndicatorOrder();
    int percentile = 0;
    switch (m_model->kind(column, &percentile)) {
    case BucketModel::Kind::Fixed:
        // BucketSortKey follows BucketModel's columns up to Max.
        static_assert(int(BucketSortKey::User) == BucketModel::User && int(BucketSortKey::Name) == BucketModel::Name
                      && int(BucketSortKey::Source) == BucketModel::Source
                      && int(BucketSortKey::Type) == BucketModel::Type
                      && int(BucketSortKey::Units) == BucketModel::Units
                      && int(BucketSortKey::Window) == BucketModel::Window
                      && int(BucketSortKey::Resolution) == BucketModel::Resolution
                      && int(BucketSortKey::Count) == BucketModel::Count && int(BucketSortKey::Sum) == BucketModel::Sum
                      && int(BucketSortKey::Min) == BucketModel::Min && int(BucketSortKey::Max) == BucketModel::Max);
        q.sortKey = BucketSortKey(column);
        break;
    case BucketModel::Kind::Percentile:
        q.sortKey = BucketSortKey::Percentile;
        q.percentile = percentile;
        break;
    case BucketModel::Kind::Last:
        q.sortKey = BucketSortKey::Last;
        break;
    case BucketModel::Kind::ReadyIn:
        q.sortKey = BucketSortKey::ReadyIn;
        break;
    case BucketModel::Kind::None:
        q.sortKey = BucketSortKey::Name;
        q.order = Qt::AscendingOrder;
        break;
    }
    return q;
}

void BucketsTab::selectWhenShown(const BucketSummary &id)
{
    m_view->selectionModel()->clearSelection();
    m_selected = id;
    m_hasSelected = true;
}

QString BucketsTab::countText() const
{
    return m_count->text();
}

void BucketsTab::updateCount()
{
    const qint64 shown = m_proxy->rowCount();
    QString text;
    if (!m_haveSnapshot) {
        text = tr("%1 buckets").arg(UiFormat::count(shown));
    } else if (m_snapshotQuery.filter != m_proxy->filterText()) {
        text = tr("%1 shown, filtering %2 buckets…").arg(UiFormat::count(shown), UiFormat::count(m_total));
    } else if (m_snapshotQuery.filter.isEmpty()) {
        text = shown == m_total ? tr("%1 buckets").arg(UiFormat::count(m_total))
                                : tr("%1 of %2 buckets").arg(UiFormat::count(shown), UiFormat::count(m_total));
    } else {
        text = tr("%1 of %2 matching (%3 buckets)")
                   .arg(UiFormat::count(shown), UiFormat::count(m_matched), UiFormat::count(m_total));
    }
    if (m_haveSnapshot && m_sampled)
        text += tr(" · Redis: a sample");
    m_count->setText(text);
    m_count->setToolTip(
        m_sampled ? tr("With Redis the window reads a bounded sample of the stored buckets (at most %1, "
                       "refreshed every few seconds); counts and the filter cover that sample and this "
                       "process's unflushed buckets.")
                        .arg(UiFormat::count(qint64(EngineSnapshot::kMaxBuckets)))
                  : tr("The engine filters and sorts every bucket it holds and sends the first %1.")
                        .arg(UiFormat::count(qint64(EngineSnapshot::kMaxBuckets))));
}

void BucketsTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refreshChart();
}

} // namespace l2met
