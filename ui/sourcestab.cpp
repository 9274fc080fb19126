#include "sourcestab.h"

#include "config/configloader.h"
#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "modelroles.h"
#include "sourcemodel.h"
#include "uiformat.h"

#include <QCheckBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QDir>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace l2met {

SourcesTab::SourcesTab(QString configPath, QWidget *parent)
    : QWidget(parent)
    , m_configPath(std::move(configPath))
    , m_model(new SourceModel(this))
    , m_view(new CopyableTableView(this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_fromStart(new QCheckBox(tr("from the start"), this))
    , m_message(new QLabel(this))
    , m_detail(new QTextBrowser(this))
{
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(SortRole);
    m_view->setModel(proxy);
    m_view->setObjectName(QStringLiteral("sources-view"));
    // The engine's order (drain first, then as added) until a header is clicked.
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics fm = fontMetrics();
    const auto width = [&fm](const QString &sample) { return fm.horizontalAdvance(sample) + 24; };
    QHeaderView *header = m_view->horizontalHeader();
    header->resizeSection(SourceModel::Kind, width(tr("command")));
    header->resizeSection(SourceModel::Name, width(QStringLiteral("/var/log/app/development.log")));
    header->resizeSection(SourceModel::State, width(QStringLiteral("ended: exited with status 1")));
    header->resizeSection(SourceModel::LinesRead, width(QStringLiteral("1,234,567")));
    header->resizeSection(SourceModel::WithMetrics, width(tr("With metrics")));
    header->resizeSection(SourceModel::Malformed, width(tr("Malformed")));
    header->resizeSection(SourceModel::Dropped, width(tr("Dropped")));
    header->resizeSection(SourceModel::LastSeen, width(QStringLiteral("00:00:00 (2 min 5 s ago)")));

    auto *addCommand = new QPushButton(tr("Add command…"), this);
    addCommand->setObjectName(QStringLiteral("sources-add-command"));
    addCommand->setToolTip(tr("Run a command and read its standard output and error, e.g. bin/rails server"));
    auto *addFile = new QPushButton(tr("Add file…"), this);
    addFile->setObjectName(QStringLiteral("sources-add-file"));
    addFile->setToolTip(tr("Follow a log file as it grows (like tail -F); it may not exist yet"));
    m_fromStart->setToolTip(tr("Read what the file holds already, not only the lines added from now on"));
    auto *addHeroku = new QPushButton(tr("Add Heroku app…"), this);
    addHeroku->setObjectName(QStringLiteral("sources-add-heroku"));
    addHeroku->setToolTip(tr("Run heroku logs --tail for an app (needs the Heroku CLI, logged in)"));
    m_stop->setObjectName(QStringLiteral("sources-stop"));
    m_stop->setToolTip(tr("Stop reading the selected source; it stays listed"));
    m_remove->setObjectName(QStringLiteral("sources-remove"));
    m_remove->setToolTip(tr("Stop the selected source and forget it (and take it out of the configuration file)"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(addCommand);
    buttons->addSpacing(8);
    buttons->addWidget(addFile);
    buttons->addWidget(m_fromStart);
    buttons->addSpacing(8);
    buttons->addWidget(addHeroku);
    buttons->addStretch(1);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_remove);

    m_message->setObjectName(QStringLiteral("sources-message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *help = new QGroupBox(tr("Other ways in"), this);
    auto *helpLayout = new QVBoxLayout(help);
    auto *helpText = new QLabel(
        tr("<p>Logplex drains POST to <code>/logs</code> (see Overview). From the command line, "
           "<code>l2met -- bin/rails server</code> runs your app and reads its output, "
           "<code>l2met --tail log/development.log</code> follows a file, "
           "<code>l2met --heroku-app APP</code> reads <code>heroku logs --tail</code>, "
           "<code>l2met --syslog 127.0.0.1:5514</code> listens for syslog (TCP and UDP) and "
           "<code>your-app | l2met --stdin</code> reads a pipe. Every one of them is listed above.</p>"
           "<p>Files and Heroku apps added here are saved to the configuration file and start again "
           "with l2met; commands are not saved. Open <b>Lines</b> to see what each line became.</p>"),
        help);
    helpText->setWordWrap(true);
    helpText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    helpLayout->addWidget(helpText);
    helpLayout->addStretch(1);

    auto *detailBox = new QGroupBox(tr("Selected source"), this);
    auto *detailLayout = new QVBoxLayout(detailBox);
    m_detail->setObjectName(QStringLiteral("sources-detail"));
    m_detail->setPlaceholderText(tr("Select a source to see its last line whole."));
    m_detail->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_detail->setFrameShape(QFrame::NoFrame);
    m_detail->viewport()->setAutoFillBackground(false); // reads like the box beside it
    detailLayout->addWidget(m_detail);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QHBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(detailBox, 1);
    bottomLayout->addWidget(help, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    split->setSizes({ fm.height() * 30, fm.height() * 10 });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(addCommand, &QPushButton::clicked, this, &SourcesTab::askCommand);
    connect(addFile, &QPushButton::clicked, this, &SourcesTab::askFile);
    connect(addHeroku, &QPushButton::clicked, this, &SourcesTab::askHerokuApp);
    connect(m_stop, &QPushButton::clicked, this, &SourcesTab::stopSelected);
    connect(m_remove, &QPushButton::clicked, this, &SourcesTab::removeSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SourcesTab::updateButtons);
    showMessage(QString(), false);
    updateButtons();
}

void SourcesTab::setSnapshot(const EngineSnapshot &snapshot)
{
    m_model->setSnapshot(snapshot);
    if (m_pendingSelect > 0 && selectId(m_pendingSelect))
        m_pendingSelect = 0;
    updateButtons(); // a source that ended can no longer be stopped
}

int SourcesTab::selectedId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return -1;
    const auto *proxy = static_cast<const QSortFilterProxyModel *>(m_view->model());
    const int row = proxy->mapToSource(rows.first()).row();
    return row >= 0 ? m_model->source(row).id : -1;
}

bool SourcesTab::selectId(int id)
{
    const int row = m_model->rowOfId(id);
    if (row < 0)
        return false;
    const auto *proxy = static_cast<const QSortFilterProxyModel *>(m_view->model());
    m_view->selectionModel()->setCurrentIndex(proxy->mapFromSource(m_model->index(row, 0)),
                                              QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void SourcesTab::updateButtons()
{
    const int row = m_model->rowOfId(selectedId());
    const SourceStatus *s = row >= 0 ? &m_model->source(row) : nullptr;
    m_stop->setEnabled(s && SourceModel::canStop(*s));
    m_remove->setEnabled(s && SourceModel::canRemove(*s));
    if (!s) {
        m_detailHtml.clear();
        m_detail->clear();
        return;
    }
    const auto number = [](quint64 n) { return UiFormat::count(n); };
    QString html = QStringLiteral("<p><b>%1</b> · %2</p>")
                       .arg(SourceModel::describe(s->kind, s->name).toHtmlEscaped(),
                            SourceModel::stateText(*s).toHtmlEscaped());
    html += QStringLiteral("<p>")
        + tr("%1 lines read: %2 with metrics, %3 malformed, %4 other (no metrics, late, early)")
              .arg(number(s->linesRead), number(s->linesWithMetrics), number(s->linesMalformed),
                   number(s->linesOther));
    if (s->kind == SourceKind::Syslog)
        html += tr("; %1 datagrams lost while the inbox was full").arg(number(s->linesDropped));
    html += QStringLiteral(".</p>");
    if (!s->lastLine.isEmpty()) {
        html += QStringLiteral("<p>") + tr("Last line, at %1:").arg(UiFormat::localTime(s->lastLineAt))
            + QStringLiteral("<br><span style=\"font-family:'%1'\">%2</span></p>")
                  .arg(QFontDatabase::systemFont(QFontDatabase::FixedFont).family(),
                       m_model->index(row, SourceModel::LastLine).data().toString().toHtmlEscaped());
    }
    // Only when it changed: a selection in it survives the snapshots.
    if (html != m_detailHtml) {
        m_detailHtml = html;
        m_detail->setHtml(html);
    }
}

void SourcesTab::showMessage(const QString &text, bool error)
{
    m_messageText = text;
    m_messageIsError = error;
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    paintMessage();
}

void SourcesTab::paintMessage()
{
    UiFormat::setForeground(m_message, m_messageIsError ? UiFormat::badColor(palette())
                                                        : palette().color(QPalette::WindowText));
}

void SourcesTab::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        paintMessage();
    QWidget::changeEvent(event);
}

void SourcesTab::askCommand()
{
    bool ok = false;
    const QString command = QInputDialog::getText(
        this, tr("Add command"),
        tr("Command line to run (its standard output and error are read; it runs in %1):")
            .arg(QDir::toNativeSeparators(QDir::currentPath())),
        QLineEdit::Normal, QString(), &ok);
    if (ok)
        requestCommand(command);
}

void SourcesTab::askFile()
{
    // AnyFile: a log file that does not exist yet is followed once it appears.
    QFileDialog dialog(this, tr("Follow a log file"));
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.setAcceptMode(QFileDialog::AcceptOpen);
    dialog.setNameFilters({ tr("Log files (*.log *.txt *.out)"), tr("All files (*)") });
    dialog.setLabelText(QFileDialog::Accept, tr("Follow"));
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return;
    requestFile(dialog.selectedFiles().constFirst(), m_fromStart->isChecked());
}

void SourcesTab::askHerokuApp()
{
    bool ok = false;
    const QString app = QInputDialog::getText(this, tr("Add Heroku app"),
                                              tr("App name (read with heroku logs --tail --app NAME):"),
                                              QLineEdit::Normal, QString(), &ok);
    if (ok)
        requestHerokuApp(app);
}

void SourcesTab::requestCommand(const QString &commandLine)
{
    const QString command = commandLine.trimmed();
    if (command.isEmpty()) {
        showMessage(tr("Nothing added: the command line is empty."), true);
        return;
    }
    Q_EMIT addRequested(SourceSpec { SourceKind::Command, command, false });
}

void SourcesTab::requestFile(const QString &path, bool fromStart)
{
    const QString file = path.trimmed();
    if (file.isEmpty()) {
        showMessage(tr("Nothing added: no file chosen."), true);
        return;
    }
    Q_EMIT addRequested(SourceSpec { SourceKind::File, QDir::cleanPath(file), fromStart });
}

void SourcesTab::requestHerokuApp(const QString &app)
{
    const QString name = app.trimmed();
    if (name.isEmpty() || name.contains(u' ')) {
        showMessage(tr("Nothing added: “%1” is not a Heroku app name.").arg(name), true);
        return;
    }
    Q_EMIT addRequested(SourceSpec { SourceKind::Heroku, name, false });
}

void SourcesTab::reportAdded(const SourceSpec &spec, int id, const QString &error, const QString &saveError)
{
    const QString what = SourceModel::describe(spec.kind, spec.target);
    if (id == 0) {
        showMessage(tr("Not added (%1): %2").arg(what, error.isEmpty() ? tr("the engine refused it") : error), true);
    } else if (!saveError.isEmpty()) {
        showMessage(tr("Added %1, but not saved to %2: %3").arg(what, m_configPath, saveError), true);
    } else if (spec.kind == SourceKind::Command) {
        showMessage(tr("Added %1 (commands are not saved: it runs until l2met stops).").arg(what), false);
    } else {
        showMessage(tr("Added %1 (saved to %2).").arg(what, m_configPath), false);
    }
    if (id != 0)
        m_pendingSelect = id; // selected when the next snapshot lists it
}

void SourcesTab::reportStopped(int id)
{
    const int row = m_model->rowOfId(id);
    if (row >= 0)
        showMessage(tr("Stopped %1.").arg(SourceModel::describe(m_model->source(row).kind, m_model->source(row).name)),
                    false);
}

void SourcesTab::reportRemoved(const SourceStatus &status, const QString &saveError)
{
    const QString what = SourceModel::describe(status.kind, status.name);
    if (saveError.isEmpty())
        showMessage(tr("Removed %1.").arg(what), false);
    else
        showMessage(tr("Removed %1, but not saved to %2: %3").arg(what, m_configPath, saveError), true);
}

bool SourcesTab::saveChange(const SourceSpec &spec, bool added, Config *config, const QString &path,
                            QString *error)
{
    if (spec.kind != SourceKind::File && spec.kind != SourceKind::Heroku)
        return true; // commands are not saved; the others are not added here
    const auto edit = [&spec, added](Config &c) {
        QStringList &list = spec.kind == SourceKind::File ? c.tailFiles : c.herokuApps;
        if (!added)
            list.removeAll(spec.target);
        else if (!list.contains(spec.target))
            list.append(spec.target);
    };
    edit(*config);
    if (path.isEmpty())
        return true;
    Config file = *config;
    if (QFileInfo::exists(path)) {
        std::optional<Config> read = ConfigLoader::readFile(path, error);
        if (!read)
            return false;
        file = std::move(*read);
        edit(file);
    }
    return ConfigLoader::save(file, path, error);
}

void SourcesTab::stopSelected()
{
    const int row = m_model->rowOfId(selectedId());
    if (row >= 0 && SourceModel::canStop(m_model->source(row)))
        Q_EMIT stopRequested(m_model->source(row).id);
}

void SourcesTab::removeSelected()
{
    const int row = m_model->rowOfId(selectedId());
    if (row >= 0 && SourceModel::canRemove(m_model->source(row)))
        Q_EMIT removeRequested(m_model->source(row).id);
}

} // namespace l2met
