#include "overviewtab.h"

#include "charts/timechart.h"
#include "engine/enginesnapshot.h"
#include "framemonitor.h"
#include "labelcountmodel.h"
#include "outlet/outletmetrics.h"
#include "parser/parsemetrics.h"
#include "ratetracker.h"
#include "receiver/receivermetrics.h"
#include "uiformat.h"

#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QHostInfo>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace l2met {

namespace {

// The counters shown as they are, each in the value label named after it.
constexpr const MetricInfo *kCounts[] = {
    &kGaugesDelivered, &kGaugesRetriedDelivered, &kGaugesFailed,   &kGaugesPreviewed, &kLinesInvalid,
    &kLinesBadHeader,  &kFramesMalformed,        &kLinesLate,      &kLinesEarly,      &kLogplexDropped,
    &kSeriesDropped,
};

QString keyOf(const MetricInfo &metric)
{
    return QString::fromLatin1(metric.name);
}

} // namespace

QList<const MetricInfo *> OverviewTab::metricsRead()
{
    QList<const MetricInfo *> out(std::begin(kCounts), std::end(kCounts));
    out << &kHttpBodyBytes << &kHttpResponses;
    return out;
}

OverviewTab::OverviewTab(const RateTracker *rates, const FrameMonitor *frames, QWidget *parent)
    : QWidget(parent)
    , m_rates(rates)
    , m_frames(frames)
    , m_banner(new QLabel(this))
    , m_urlRows(new QVBoxLayout)
    , m_linesChart(new TimeChart(tr("Lines received per second"), this))
    , m_gaugesChart(new TimeChart(tr("Gauges delivered per second"), this))
{
    m_banner->setObjectName(QStringLiteral("preview-banner"));
    m_banner->setText(tr("<b>Preview mode</b>: the outlet builds the exact Librato payloads and sends "
                         "nothing. See them in the Delivery tab."));
    m_banner->setAutoFillBackground(true);
    m_banner->setBackgroundRole(QPalette::ToolTipBase);
    m_banner->setForegroundRole(QPalette::ToolTipText);
    m_banner->setMargin(8);
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->hide();

    auto *ingest = new QGroupBox(tr("Ingest"), this);
    auto *ingestForm = new QFormLayout(ingest);
    addValue(ingestForm, QStringLiteral("lines_per_second"), tr("Lines"), tr("Log lines parsed, per second"));
    addValue(ingestForm, QStringLiteral("requests_per_second"), tr("Requests"),
             tr("HTTP requests answered, per second"));
    addValue(ingestForm, QStringLiteral("lines_total"), tr("Lines so far"));
    addValue(ingestForm, QStringLiteral("body_bytes"), tr("Bytes received"));
    addValue(ingestForm, QStringLiteral("inbox"), tr("Inbox"), tr("Bodies accepted and not parsed yet"));

    auto *buckets = new QGroupBox(tr("Buckets"), this);
    auto *bucketsForm = new QFormLayout(buckets);
    addValue(bucketsForm, QStringLiteral("register_buckets"), tr("In register"),
             tr("Buckets aggregated since the last flush"));
    addValue(bucketsForm, QStringLiteral("store_buckets"), tr("In store"),
             tr("Buckets waiting in the store for their window to end"));
    addValue(bucketsForm, QStringLiteral("register_values"), tr("Values in register"));
    addValue(bucketsForm, QStringLiteral("outbox"), tr("Outbox"),
             tr("Flushed buckets not yet in the store (grows while the store is unreachable)"));

    auto *delivery = new QGroupBox(tr("Delivery"), this);
    auto *deliveryForm = new QFormLayout(delivery);
    addValue(deliveryForm, QStringLiteral("gauges_per_second"), tr("Gauges"), tr("Gauges out, per second"));
    addValue(deliveryForm, keyOf(kGaugesDelivered), tr("Delivered"),
             tr("Gauges Librato accepted at the first attempt"));
    addValue(deliveryForm, keyOf(kGaugesRetriedDelivered), tr("After retry"),
             tr("Gauges Librato accepted after one or more retries"));
    addValue(deliveryForm, keyOf(kGaugesFailed), tr("Failed"),
             tr("Gauges dropped after a permanent error or exhausted retries"));
    addValue(deliveryForm, keyOf(kGaugesPreviewed), tr("Previewed"), tr("Gauges built in preview mode and not sent"));
    addValue(deliveryForm, QStringLiteral("latency"), tr("Latency"),
             tr("Mean duration of Librato requests over the last minute"));

    auto *errors = new QGroupBox(tr("Errors"), this);
    auto *errorsForm = new QFormLayout(errors);
    addValue(errorsForm, keyOf(kLinesInvalid), tr("Invalid lines"), tr("Lines whose metrics were all malformed"));
    addValue(errorsForm, keyOf(kLinesBadHeader), tr("Bad headers"), tr("Frames whose RFC 5424 header did not parse"));
    addValue(errorsForm, keyOf(kFramesMalformed), tr("Malformed frames"));
    addValue(errorsForm, keyOf(kLinesLate), tr("Late lines"), tr("Older than recv-deadline resolutions: dropped"));
    addValue(errorsForm, keyOf(kLinesEarly), tr("Early lines"), tr("Stamped too far in the future: dropped"));
    addValue(errorsForm, QStringLiteral("rejected"), tr("Rejected requests"), tr("Answers other than 2xx"));
    addValue(errorsForm, keyOf(kLogplexDropped), tr("Dropped by logplex"),
             tr("Messages logplex reported it dropped (L10) before they reached l2met"));
    addValue(errorsForm, keyOf(kSeriesDropped), tr("New series dropped"),
             tr("Measurements of new series past a drain's --max-series in a window (an id in a "
                "metric name?); the Problems and Metrics views name the drain and the names"));

    auto *health = new QGroupBox(tr("Health"), this);
    auto *healthForm = new QFormLayout(health);
    addValue(healthForm, QStringLiteral("receiver"), tr("Receiver"));
    addValue(healthForm, QStringLiteral("outlet"), tr("Outlet"));
    addValue(healthForm, QStringLiteral("store"), tr("Store"));
    addValue(healthForm, QStringLiteral("frames"), tr("GUI thread"),
             tr("GUI thread over the last minute: the longest and the 99th percentile gap between "
                "16 ms timer ticks, and the time spent applying a snapshot"));

    auto *drain = new QGroupBox(tr("Drain"), this);
    auto *drainLayout = new QVBoxLayout(drain);
    auto *drainIntro = new QLabel(
        tr("Add this l2met to a Heroku app with <code>heroku drains:add 'URL' --app YOUR-APP</code>; "
           "replace TOKEN with a drain token for the app's Librato account."),
        drain);
    drainIntro->setWordWrap(true);
    drainIntro->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *helper = new QPushButton(tr("Make a drain token…"), drain);
    helper->setObjectName(QStringLiteral("open-drain-helper"));
    connect(helper, &QPushButton::clicked, this, &OverviewTab::drainHelperRequested);
    auto *drainTop = new QHBoxLayout;
    drainTop->addWidget(drainIntro, 1);
    drainTop->addWidget(helper, 0, Qt::AlignTop);
    drainLayout->addLayout(drainTop);
    drainLayout->addLayout(m_urlRows);

    auto *numbers = new QGridLayout;
    numbers->addWidget(ingest, 0, 0);
    numbers->addWidget(buckets, 0, 1);
    numbers->addWidget(delivery, 0, 2);
    numbers->addWidget(errors, 0, 3);
    numbers->addWidget(health, 1, 0, 1, 2);
    numbers->addWidget(drain, 1, 2, 1, 2);
    for (int c = 0; c < 4; ++c)
        numbers->setColumnStretch(c, 1);

    m_linesSeries = m_linesChart->addSeries(tr("lines/s"), TimeChart::seriesColour(0));
    m_requestsSeries
        = m_linesChart->addSeries(tr("requests/s"), TimeChart::seriesColour(1), TimeChart::Axis::Right);
    m_linesChart->setAxisTitle(TimeChart::Axis::Left, tr("lines/s"));
    m_linesChart->setAxisTitle(TimeChart::Axis::Right, tr("requests/s"));
    m_linesChart->setEmptyText(tr("Waiting for data…"));
    m_gaugesSeries = m_gaugesChart->addSeries(tr("gauges/s"), TimeChart::seriesColour(3));
    m_gaugesChart->setAxisTitle(TimeChart::Axis::Left, tr("gauges/s"));
    m_gaugesChart->setEmptyText(tr("Waiting for data…"));
    auto *charts = new QHBoxLayout;
    charts->addWidget(m_linesChart, 1);
    charts->addWidget(m_gaugesChart, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addLayout(numbers);
    layout->addLayout(charts, 1);

    m_chartTimer.setInterval(1000);
    connect(&m_chartTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshCharts();
    });
    m_chartTimer.start();
}

QLabel *OverviewTab::addValue(QFormLayout *form, const QString &key, const QString &label, const QString &tip)
{
    auto *value = new QLabel(QStringLiteral("–"), this);
    value->setObjectName(key);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto *name = new QLabel(label + u':', this);
    if (!tip.isEmpty()) {
        name->setToolTip(tip);
        value->setToolTip(tip);
    }
    form->addRow(name, value);
    m_values.insert(key, value);
    return value;
}

QString OverviewTab::valueText(const QString &key) const
{
    const QLabel *label = m_values.value(key);
    return label ? label->text() : QString();
}

QLabel *OverviewTab::valueLabel(const QString &key) const
{
    QLabel *label = m_values.value(key);
    Q_ASSERT_X(label, "OverviewTab", "a value label that addValue never made");
    return label;
}

void OverviewTab::setValue(const QString &key, const QString &text)
{
    if (QLabel *label = valueLabel(key))
        label->setText(text);
}

void OverviewTab::setHealth(const QString &key, const QString &text, int state)
{
    QLabel *label = valueLabel(key);
    if (!label)
        return;
    label->setText(text);
    m_healthState.insert(key, state);
    const QPalette p = palette();
    const QColor colour = state > 0 ? UiFormat::goodColor(p)
        : state < 0                 ? UiFormat::badColor(p)
                                    : p.color(QPalette::WindowText);
    if (label->palette().color(QPalette::WindowText) != colour) // a palette change costs a repolish
        UiFormat::setForeground(label, colour);
}

void OverviewTab::recolour()
{
    for (auto it = m_healthState.cbegin(); it != m_healthState.cend(); ++it) {
        if (const QLabel *label = valueLabel(it.key()))
            setHealth(it.key(), label->text(), it.value());
    }
}

void OverviewTab::setEndpoint(const QString &bind, quint16 port)
{
    QStringList hosts;
    const QHostAddress address(bind);
    if (address == QHostAddress::AnyIPv4 || address == QHostAddress::AnyIPv6 || address == QHostAddress::Any) {
        hosts << QHostInfo::localHostName();
        for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
            if (!a.isLoopback() && a.protocol() == QAbstractSocket::IPv4Protocol && hosts.size() < 3)
                hosts << a.toString();
        }
    } else {
        hosts << (address.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + bind + u']' : bind);
    }
    m_urls.clear();
    for (const QString &host : std::as_const(hosts)) {
        m_urls << QStringLiteral("http://TOKEN@") + host + u':' + QString::number(port)
                + QStringLiteral("/logs?resolution=60");
    }
    while (QLayoutItem *item = m_urlRows->takeAt(0)) {
        if (QLayout *row = item->layout()) {
            while (QLayoutItem *child = row->takeAt(0)) {
                delete child->widget();
                delete child;
            }
        }
        delete item;
    }
    for (const QString &url : std::as_const(m_urls)) {
        auto *row = new QHBoxLayout;
        auto *edit = new QLineEdit(url, this);
        edit->setReadOnly(true);
        edit->setCursorPosition(0);
        auto *copy = new QPushButton(tr("Copy"), this);
        connect(copy, &QPushButton::clicked, this, [url] { QApplication::clipboard()->setText(url); });
        row->addWidget(edit, 1);
        row->addWidget(copy);
        m_urlRows->addLayout(row);
    }
    if (address.isLoopback()) {
        auto *row = new QHBoxLayout;
        auto *note = new QLabel(tr("Listening on a loopback address: Heroku cannot reach it (set the listen "
                                   "address to 0.0.0.0 in Configuration)."),
                                this);
        note->setWordWrap(true);
        row->addWidget(note);
        m_urlRows->addLayout(row);
    }
}

void OverviewTab::setSnapshot(const EngineSnapshot &s)
{
    const auto set = [this](const char *key, const QString &text) { setValue(QLatin1String(key), text); };

    m_preview = s.preview;
    m_banner->setVisible(s.preview);
    m_gaugesChart->setTitle(s.preview ? tr("Gauges previewed per second") : tr("Gauges delivered per second"));

    set("lines_per_second", UiFormat::rate(m_rates->rate(RateTracker::Lines), tr("lines")));
    set("requests_per_second", UiFormat::rate(m_rates->rate(RateTracker::Requests), tr("req")));
    set("lines_total", UiFormat::count(RateTracker::linesTotal(s)));
    set("body_bytes", UiFormat::bytes(qint64(s.metric(kHttpBodyBytes))));
    set("inbox", tr("%1 bodies, %2").arg(UiFormat::count(qint64(s.inboxDepth)), UiFormat::bytes(s.inboxBytes)));

    set("register_buckets", UiFormat::count(s.registerBuckets));
    set("store_buckets", UiFormat::count(s.store.buckets));
    set("register_values", UiFormat::count(s.registerValues));
    set("outbox", s.outboxFull ? tr("%1 buckets (full)").arg(UiFormat::count(s.outboxBuckets))
                               : tr("%1 buckets").arg(UiFormat::count(s.outboxBuckets)));

    set("gauges_per_second", UiFormat::rate(m_rates->rate(RateTracker::Gauges), tr("gauges")));
    const double latency = m_rates->rate(RateTracker::LatencyMs, 60000);
    set("latency", latency >= 0 ? UiFormat::millis(latency) : s.preview ? tr("none (preview)") : tr("no requests"));

    for (const MetricInfo *metric : kCounts)
        setValue(keyOf(*metric), UiFormat::count(s.metric(*metric)));
    double rejected = 0;
    for (const MetricSample &m : s.metrics) {
        if (m.isOf(kHttpResponses) && !LabelCountModel::labelValue(m.labels, "status").startsWith(u'2'))
            rejected += m.value;
    }
    set("rejected", UiFormat::count(rejected));

    if (s.receiverRunning)
        setHealth(QStringLiteral("receiver"), tr("running on port %1").arg(s.port), 1);
    else
        setHealth(QStringLiteral("receiver"), tr("not run by this process"), 0);
    int failing = 0;
    for (const DeliveryStats &d : s.delivery)
        failing += d.lastError.isEmpty() ? 0 : 1;
    if (!s.outletRunning)
        setHealth(QStringLiteral("outlet"), tr("not run by this process"), 0);
    else if (failing > 0)
        setHealth(QStringLiteral("outlet"), tr("last request failed for %n user(s)", nullptr, failing), -1);
    else
        setHealth(QStringLiteral("outlet"), s.preview ? tr("running (preview)") : tr("running"), 1);
    if (!s.storeHealthy)
        setHealth(QStringLiteral("store"), tr("%1: unreachable").arg(s.storeKind), -1);
    else if (s.outboxFull)
        setHealth(QStringLiteral("store"), tr("%1: outbox full").arg(s.storeKind), -1);
    else
        setHealth(QStringLiteral("store"), tr("%1: healthy").arg(s.storeKind), 1);
    refreshFrameTimes();
}

void OverviewTab::refreshFrameTimes()
{
    const FrameMonitor::Stats f = m_frames->stats();
    setValue(QStringLiteral("frames"),
             tr("frame max %1, p99 %2 · snapshot max %3")
                 .arg(UiFormat::millis(f.frameMaxMs), UiFormat::millis(f.frameP99Ms), UiFormat::millis(f.workMaxMs)));
}

void OverviewTab::refreshCharts()
{
    const qint64 newest = m_rates->newestMs();
    if (newest == 0)
        return;
    // The last five minutes; a younger window grows to them from one minute.
    const qint64 span = std::clamp<qint64>(newest - m_rates->oldestMs(), 60000, 300000);
    const QDateTime to = QDateTime::fromMSecsSinceEpoch(newest);
    const QDateTime from = to.addMSecs(-span);
    m_linesChart->setTimeRange(from, to);
    m_gaugesChart->setTimeRange(from, to);
    m_linesChart->setPoints(m_linesSeries, m_rates->points(RateTracker::Lines));
    m_linesChart->setPoints(m_requestsSeries, m_rates->points(RateTracker::Requests));
    m_gaugesChart->setPoints(m_gaugesSeries, m_rates->points(RateTracker::Gauges));
}

void OverviewTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refreshCharts();
}

void OverviewTab::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        recolour();
    QWidget::changeEvent(event);
}

} // namespace l2met
