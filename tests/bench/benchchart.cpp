// bench_chart: draws tests/bench/run.sh's results (a TSV: benchmark, value,
// unit, target, better = higher|lower, command) as a PNG: one horizontal
// bar per benchmark, its result as a percentage of its target (for "lower
// is better" rows, target / result), so that every bar past the 100% line
// meets its target. Rendered offscreen with Qt Charts.
//
// Usage: bench_chart RESULTS.tsv OUT.png "CPU model"
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFile>
#include <QHorizontalBarSeries>
#include <QLineSeries>
#include <QPixmap>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <cstdio>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_chart RESULTS.tsv OUT.png CPU\n");
        return 2;
    }
    QFile in(QString::fromLocal8Bit(argv[1]));
    if (!in.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "bench_chart: cannot read %s\n", argv[1]);
        return 1;
    }
    QStringList categories;
    auto *set = new QBarSet(QStringLiteral("result / target"));
    double top = 120;
    const QList<QByteArray> lines = in.readAll().split('\n');
    // Bottom to top in a horizontal chart: the file's first row last.
    for (qsizetype i = lines.size() - 1; i >= 1; --i) {
        const QList<QByteArray> f = lines[i].split('\t');
        if (f.size() < 5)
            continue;
        const double value = f[1].toDouble();
        const double target = f[3].toDouble();
        if (value <= 0 || target <= 0)
            continue;
        const double percent = f[4] == "lower" ? 100 * target / value : 100 * value / target;
        top = std::max(top, percent * 1.1);
        const QString shown = f[2] == "lines/s" ? QStringLiteral("%1M lines/s").arg(value / 1e6, 0, 'f', 2)
                                                : QStringLiteral("%1 %2").arg(QString::fromUtf8(f[1]), QString::fromUtf8(f[2]));
        categories.append(QStringLiteral("%1: %2").arg(QString::fromUtf8(f[0]), shown));
        set->append(percent);
    }
    auto *series = new QHorizontalBarSeries;
    series->append(set);
    series->setLabelsVisible(true);
    series->setLabelsFormat(QStringLiteral("@value%"));
    series->setLabelsPrecision(3);

    auto *chart = new QChart;
    chart->addSeries(series);
    chart->setTitle(QStringLiteral("l2met benchmarks against their targets (100% = target met) on %1")
                        .arg(QString::fromLocal8Bit(argv[3])));
    chart->legend()->hide();
    auto *y = new QBarCategoryAxis;
    y->append(categories);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    auto *x = new QValueAxis;
    top = std::ceil(top / 25) * 25; // ticks every 25%, 100% among them
    x->setRange(0, top);
    x->setTickCount(int(top / 25) + 1);
    x->setLabelFormat(QStringLiteral("%d%"));
    x->setTitleText(QStringLiteral("% of target"));
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    // The target line.
    auto *target = new QLineSeries;
    target->append(100, -0.5);
    target->append(100, double(categories.size()) - 0.5);
    QPen pen(Qt::red);
    pen.setWidth(2);
    pen.setStyle(Qt::DashLine);
    target->setPen(pen);
    chart->addSeries(target);
    auto *hiddenY = new QValueAxis;
    hiddenY->setRange(-0.5, double(categories.size()) - 0.5);
    hiddenY->setVisible(false);
    chart->addAxis(hiddenY, Qt::AlignRight);
    target->attachAxis(x);
    target->attachAxis(hiddenY);

    QChartView view(chart);
    view.setRenderHint(QPainter::Antialiasing);
    view.resize(1100, 140 + 48 * int(categories.size()));
    const QPixmap pixmap = view.grab();
    if (!pixmap.save(QString::fromLocal8Bit(argv[2]))) {
        std::fprintf(stderr, "bench_chart: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
