#include "linestab.h"

#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "linemodel.h"
#include "uiformat.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace l2met {

LinesTab::LinesTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new LineModel(this))
    , m_proxy(new LineFilterProxy(this))
    , m_view(new CopyableTableView(this))
    , m_filter(new QLineEdit(this))
    , m_outcome(new QComboBox(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_detail(new QTextBrowser(this))
    , m_count(new QLabel(this))
    , m_sampling(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_view->setModel(m_proxy);
    m_view->setObjectName(QStringLiteral("lines-view"));
    // Newest first is the model's own order: no sort until a header is clicked.
    QHeaderView *header = m_view->horizontalHeader();
    header->setSortIndicator(-1, Qt::DescendingOrder);
    header->setStretchLastSection(true);
    const QFontMetrics fm = fontMetrics();
    const auto width = [&fm](const QString &sample) { return fm.horizontalAdvance(sample) + 24; };
    header->resizeSection(LineModel::Time, width(QStringLiteral("00:00:00.000")));
    header->resizeSection(LineModel::Source, width(QStringLiteral("command bin/rails server")));
    header->resizeSection(LineModel::Outcome, width(tr("3 metrics, part skipped")));
    header->resizeSection(LineModel::Became, fm.averageCharWidth() * 64);

    m_filter->setObjectName(QStringLiteral("lines-filter"));
    m_filter->setPlaceholderText(tr("Filter by text in the line, what it became or its source"));
    m_filter->setClearButtonEnabled(true);
    m_outcome->setObjectName(QStringLiteral("lines-outcome"));
    m_outcome->addItem(tr("All lines"), int(LineFilterProxy::All));
    m_outcome->addItem(tr("With metrics"), int(LineFilterProxy::WithMetrics));
    m_outcome->addItem(tr("Without metrics"), int(LineFilterProxy::WithoutMetrics));
    m_outcome->addItem(tr("Problems"), int(LineFilterProxy::Problems));
    m_outcome->setItemData(3, tr("Malformed, late, early, bad headers, and lines where a piece was skipped"),
                           Qt::ToolTipRole);
    m_pause->setObjectName(QStringLiteral("lines-pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Hold new lines back while you read; they are shown when you resume"));
    auto *copy = new QPushButton(tr("Copy"), this);
    copy->setToolTip(tr("Copy the selected rows as tab-separated values (Ctrl+C)"));
    auto *clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName(QStringLiteral("lines-clear"));
    clear->setToolTip(tr("Forget the lines shown so far"));

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_outcome);
    top->addWidget(m_pause);
    top->addWidget(copy);
    top->addWidget(clear);

    m_count->setObjectName(QStringLiteral("lines-count"));
    m_sampling->setObjectName(QStringLiteral("lines-sampling"));
    m_sampling->setVisible(false);
    auto *hint = new QLabel(tr("Enter or a double-click opens a line's bucket in Buckets."), this);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_count);
    bottom->addWidget(m_sampling);
    bottom->addStretch(1);
    bottom->addWidget(hint);

    m_detail->setObjectName(QStringLiteral("lines-detail"));
    m_detail->setPlaceholderText(tr("Select a line to see it whole, with every metric it became."));
    m_detail->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_detail->setMinimumHeight(fm.height() * 4);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    split->setSizes({ fm.height() * 36, fm.height() * 9 });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addLayout(bottom);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterText(text.trimmed());
        updateCount();
    });
    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setOutcomeFilter(LineFilterProxy::OutcomeFilter(m_outcome->currentData().toInt()));
        updateCount();
    });
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        m_model->setPaused(paused);
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
        updateCount();
    });
    connect(copy, &QPushButton::clicked, this, [this] { m_view->copySelection(false); });
    connect(clear, &QPushButton::clicked, this, [this] {
        m_model->clear();
        updateCount();
        showDetail();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &LinesTab::showDetail);
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) { openRow(index.row()); });
    updateCount();
}

void LinesTab::setSnapshot(const EngineSnapshot &s)
{
    m_model->setSnapshot(s);
    m_sampled = s.linesSampling;
    m_sampledOut = s.linesSampledOut;
    updateCount();
}

void LinesTab::setCaptureActive(bool active)
{
    if (active == m_capture)
        return;
    m_capture = active;
    Q_EMIT captureChanged(active);
    updateCount();
}

bool LinesTab::openRow(int viewRow)
{
    const QModelIndex index = m_proxy->mapToSource(m_proxy->index(viewRow, 0));
    if (!index.isValid())
        return false;
    const LineRecord &rec = m_model->record(index.row());
    if (rec.measurements.isEmpty())
        return false;
    Q_EMIT openBucketRequested(LineModel::bucketOf(rec));
    return true;
}

void LinesTab::showDetail()
{
    const QModelIndex index = m_proxy->mapToSource(m_view->selectionModel()->currentIndex());
    if (!index.isValid()) {
        m_detail->clear();
        return;
    }
    const int row = index.row();
    const LineRecord &rec = m_model->record(row);
    const auto cellText = [this, row](int column) {
        return m_model->index(row, column).data().toString().toHtmlEscaped();
    };
    const QColor outcomeColour = m_model->index(row, LineModel::Outcome).data(Qt::ForegroundRole).value<QColor>();
    QString html = QStringLiteral("<p><b>%1</b> · %2 · <span style=\"color:%3\">%4</span></p>")
                       .arg(cellText(LineModel::Time), cellText(LineModel::Source),
                            outcomeColour.isValid() ? outcomeColour.name() : palette().color(QPalette::Text).name(),
                            cellText(LineModel::Outcome));
    html += QStringLiteral("<p style=\"font-family:'%1'\">%2</p>")
                .arg(QFontDatabase::systemFont(QFontDatabase::FixedFont).family(), cellText(LineModel::Line));
    QStringList metrics;
    for (const LineMeasurementRecord &m : rec.measurements) {
        QString where = tr("window %1 (%2)").arg(UiFormat::localTime(m.window), UiFormat::seconds(rec.resolution));
        if (!m.source.isEmpty())
            where = QStringLiteral("source=") + QString::fromUtf8(m.source) + QStringLiteral(" · ") + where;
        metrics.append(QString(LineModel::measurementText(m) + QStringLiteral(" · ") + where).toHtmlEscaped());
    }
    // Each metric on a line of its own, then why (not) the rest.
    if (!rec.reason.isEmpty() || rec.measurements.isEmpty()) {
        const QString reason = rec.reason.isEmpty() ? LineModel::becameText(rec) : QString::fromUtf8(rec.reason);
        metrics.append(QStringLiteral("<i>") + reason.toHtmlEscaped() + QStringLiteral("</i>"));
    }
    const QString user = rec.user.isEmpty() || rec.measurements.isEmpty()
        ? QString()
        : tr(" (Librato user %1)").arg(QString::fromUtf8(rec.user));
    html += QStringLiteral("<p>") + tr("What it became%1:").arg(user.toHtmlEscaped()) + QStringLiteral("<br>")
        + metrics.join(QStringLiteral("<br>")) + QStringLiteral("</p>");
    m_detail->setHtml(html);
}

QString LinesTab::countText() const
{
    const int total = m_model->rowCount();
    QString text;
    if (total == 0) {
        text = m_capture ? tr("No lines yet: every line read from now on shows here.")
                         : tr("Lines are captured while this tab is open.");
    } else {
        text = tr("showing %1 of the last %2 lines")
                   .arg(UiFormat::count(qint64(m_proxy->rowCount())), UiFormat::count(qint64(total)));
    }
    if (m_model->isPaused())
        text += tr(" · paused: %1 new lines held back").arg(UiFormat::count(qint64(m_model->heldBack())));
    return text;
}

void LinesTab::updateCount()
{
    m_count->setText(countText());
    m_sampling->setVisible(m_sampled);
    if (m_sampled) {
        m_sampling->setText(tr("· sampling: above ~1,000 lines/s only some lines are captured (%1 skipped)")
                                .arg(UiFormat::count(m_sampledOut)));
        UiFormat::setForeground(m_sampling, UiFormat::warnColor(palette()));
    }
}

} // namespace l2met
