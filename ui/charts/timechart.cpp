#include "timechart.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <vector>

namespace l2met {

struct TimeChart::Private
{
    QChart *chart = nullptr;
    QChartView *view = nullptr;
    QDateTimeAxis *time = nullptr;
    QValueAxis *left = nullptr;
    QValueAxis *right = nullptr;
    QLabel *empty = nullptr;
    QTimer rescale; // coalesces axis updates: a range change relayouts the chart (~1.5 ms)
    struct Series
    {
        QLineSeries *line;
        Axis axis;
        bool hasPoints = false; // finite ones
        double lo = 0;
        double hi = 0;
    };
    std::vector<Series> series;
};

TimeChart::TimeChart(const QString &title, QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->chart = new QChart;
    d->chart->setAnimationOptions(QChart::NoAnimation);
    d->chart->setMargins(QMargins(4, 4, 4, 4));
    d->chart->setBackgroundRoundness(0);
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    d->chart->setTitle(title);

    d->time = new QDateTimeAxis;
    d->time->setFormat(QStringLiteral("HH:mm:ss"));
    d->time->setTickCount(6);
    d->chart->addAxis(d->time, Qt::AlignBottom);
    d->left = new QValueAxis;
    d->left->setLabelFormat(QStringLiteral("%.6g"));
    d->left->setRange(0, 1);
    d->chart->addAxis(d->left, Qt::AlignLeft);
    d->right = new QValueAxis;
    d->right->setLabelFormat(QStringLiteral("%.6g"));
    d->right->setRange(0, 1);
    d->right->setVisible(false);
    d->chart->addAxis(d->right, Qt::AlignRight);

    d->view = new QChartView(d->chart, this);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setFrameShape(QFrame::NoFrame);
    d->view->setMinimumHeight(160);

    d->empty = new QLabel(this);
    d->empty->setAlignment(Qt::AlignCenter);
    d->empty->setAttribute(Qt::WA_TransparentForMouseEvents);
    d->empty->setForegroundRole(QPalette::PlaceholderText);
    d->empty->hide();

    d->rescale.setSingleShot(true);
    d->rescale.setInterval(0);
    connect(&d->rescale, &QTimer::timeout, this, &TimeChart::rescale);

    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->view, 0, 0);
    layout->addWidget(d->empty, 0, 0, Qt::AlignCenter);
    applyPalette();
}

TimeChart::~TimeChart() = default;

QColor TimeChart::seriesColour(int index)
{
    // Mid-lightness hues: visible on white and on near-black plots.
    static const QColor kColours[] = {
        QColor(0x3b, 0x82, 0xf6), // blue
        QColor(0xf5, 0x9e, 0x0b), // amber
        QColor(0xe1, 0x4d, 0x8a), // pink
        QColor(0x10, 0xa9, 0x7a), // green
        QColor(0x8b, 0x5c, 0xf6), // violet
        QColor(0x6b, 0x8e, 0x9e), // slate
    };
    return kColours[std::abs(index) % int(std::size(kColours))];
}

void TimeChart::setTitle(const QString &title)
{
    if (d->chart->title() != title) // setters that change nothing skip the chart's relayout
        d->chart->setTitle(title);
}

QString TimeChart::title() const
{
    return d->chart->title();
}

int TimeChart::addSeries(const QString &name, const QColor &colour, Axis axis)
{
    auto *line = new QLineSeries;
    line->setName(name);
    QPen pen(colour);
    pen.setWidthF(2);
    line->setPen(pen);
    line->setColor(colour);
    d->chart->addSeries(line);
    line->attachAxis(d->time);
    line->attachAxis(axis == Axis::Left ? d->left : d->right);
    if (axis == Axis::Right)
        d->right->setVisible(true);
    d->series.push_back({ line, axis });
    applyPalette(); // the legend marker's label colour
    return int(d->series.size()) - 1;
}

void TimeChart::setSeriesName(int series, const QString &name)
{
    QLineSeries *line = d->series.at(size_t(series)).line;
    if (line->name() != name)
        line->setName(name);
}

void TimeChart::setSeriesVisible(int series, bool visible)
{
    QLineSeries *line = d->series.at(size_t(series)).line;
    if (line->isVisible() == visible)
        return;
    line->setVisible(visible);
    d->rescale.start();
}

void TimeChart::setPoints(int series, const QList<QPointF> &points)
{
    Private::Series &s = d->series.at(size_t(series));
    s.line->replace(points);
    s.hasPoints = false;
    for (const QPointF &p : points) {
        if (!std::isfinite(p.y()))
            continue;
        s.lo = s.hasPoints ? std::min(s.lo, p.y()) : p.y();
        s.hi = s.hasPoints ? std::max(s.hi, p.y()) : p.y();
        s.hasPoints = true;
    }
    d->rescale.start();
}

int TimeChart::pointCount(int series) const
{
    return int(d->series.at(size_t(series)).line->count());
}

void TimeChart::setAxisTitle(Axis axis, const QString &title)
{
    QValueAxis *a = axis == Axis::Left ? d->left : d->right;
    if (a->titleText() != title)
        a->setTitleText(title);
}

void TimeChart::setTimeRange(const QDateTime &from, const QDateTime &to)
{
    if (d->time->min() != from || d->time->max() != to)
        d->time->setRange(from, to);
}

void TimeChart::setTimeFormat(const QString &format)
{
    if (d->time->format() != format)
        d->time->setFormat(format);
}

void TimeChart::setPointsVisible(bool visible)
{
    for (const Private::Series &s : d->series) {
        s.line->setPointsVisible(visible);
        s.line->setMarkerSize(6);
    }
}

void TimeChart::setEmptyText(const QString &text)
{
    d->empty->setText(text);
    d->rescale.start();
}

void TimeChart::rescale()
{
    double ranges[2][2] = { { 0, 0 }, { 0, 0 } }; // [axis][min,max]
    bool any[2] = { false, false };
    bool anyPoints = false;
    for (const Private::Series &s : d->series) {
        if (!s.line->isVisible())
            continue;
        if (!s.hasPoints)
            continue;
        const int a = s.axis == Axis::Left ? 0 : 1;
        anyPoints = true;
        ranges[a][0] = any[a] ? std::min(ranges[a][0], s.lo) : s.lo;
        ranges[a][1] = any[a] ? std::max(ranges[a][1], s.hi) : s.hi;
        any[a] = true;
    }
    QValueAxis *axes[2] = { d->left, d->right };
    for (int a = 0; a < 2; ++a) {
        // Librato's display_min is 0: keep 0 in view unless values go below.
        const double lo = std::min(0.0, ranges[a][0]);
        double hi = std::max(0.0, ranges[a][1]);
        if (hi - lo <= 0)
            hi = lo + 1;
        // Keep the axis while the data fits it and fills a good part of it.
        const double min = axes[a]->min();
        const double max = axes[a]->max();
        if (lo >= min && hi <= max && hi - lo >= (max - min) * 0.4)
            continue;
        axes[a]->setRange(lo, hi + (hi - lo) * 0.08);
        axes[a]->applyNiceNumbers();
    }
    d->empty->setVisible(!anyPoints && !d->empty->text().isEmpty());
}

void TimeChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void TimeChart::applyPalette()
{
    const QPalette p = palette();
    const QColor text = p.color(QPalette::WindowText);
    const QColor grid = p.color(QPalette::Mid);
    const QColor base = p.color(QPalette::Base);
    d->chart->setBackgroundBrush(base);
    d->chart->setBackgroundPen(Qt::NoPen);
    d->chart->setTitleBrush(text);
    QFont titleFont = font();
    titleFont.setBold(true);
    d->chart->setTitleFont(titleFont);
    d->chart->legend()->setLabelColor(text);
    d->chart->legend()->setFont(font());
    d->view->setBackgroundBrush(base);
    for (QAbstractAxis *axis : { static_cast<QAbstractAxis *>(d->time), static_cast<QAbstractAxis *>(d->left),
                                 static_cast<QAbstractAxis *>(d->right) }) {
        axis->setLabelsBrush(text);
        axis->setLabelsFont(font());
        axis->setTitleBrush(text);
        axis->setTitleFont(font());
        axis->setLinePenColor(grid);
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
    }
}

} // namespace l2met
