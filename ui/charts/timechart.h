// TimeChart: a line chart over wall-clock time (Qt Charts), the only kind of
// chart l2met draws: the Overview's live rates, a metric's recent windows,
// Librato latency. Series are given whole with setPoints(), which uses
// QXYSeries::replace() (no clear-and-append), so a caller's timer can move a
// few hundred points at a time for well under a millisecond. Colours of the
// chart itself follow the widget's palette (light or dark); only series
// have fixed colours.
//
// Qt Charts stays behind this header (ui/charts/ is the one folder that
// includes it), so the charts can move to Qt Graphs without touching views.
//
// GUI thread only.
#pragma once

#include <QColor>
#include <QDateTime>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

#include <memory>

namespace l2met {

class TimeChart : public QWidget
{
    Q_OBJECT

public:
    enum class Axis { Left, Right };

    explicit TimeChart(const QString &title = {}, QWidget *parent = nullptr);
    ~TimeChart() override;

    // Series colours that read on light and dark backgrounds.
    static QColor seriesColour(int index);

    void setTitle(const QString &title);
    QString title() const;
    // Returns the series index.
    int addSeries(const QString &name, const QColor &colour, Axis axis = Axis::Left);
    void setSeriesName(int series, const QString &name);
    void setSeriesVisible(int series, bool visible);
    // x: milliseconds since the epoch.
    void setPoints(int series, const QList<QPointF> &points);
    int pointCount(int series) const;
    void setAxisTitle(Axis axis, const QString &title);
    // The time axis; label format e.g. "HH:mm:ss".
    void setTimeRange(const QDateTime &from, const QDateTime &to);
    void setTimeFormat(const QString &format);
    // Draw a marker at each point (sparse data such as a metric's windows).
    void setPointsVisible(bool visible);
    // Shown over the plot when no visible series has points.
    void setEmptyText(const QString &text);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Private;
    void applyPalette();
    void rescale();
    std::unique_ptr<Private> d;
};

} // namespace l2met
