#include "copyabletableview.h"

#include "modelroles.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QKeyEvent>

#include <algorithm>

namespace l2met {

namespace {

QString cleanCell(QString text)
{
    text.replace(u'\t', u' ');
    text.replace(u'\n', u' ');
    text.replace(u'\r', u' ');
    return text;
}

} // namespace

CopyableTableView::CopyableTableView(QWidget *parent)
    : QTableView(parent)
{
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setAlternatingRowColors(true);
    setSortingEnabled(true);
    setWordWrap(false);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setSectionsMovable(true);
    setContextMenuPolicy(Qt::ActionsContextMenu);

    auto *copy = new QAction(tr("Copy rows"), this);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, [this] { copySelection(false); });
    addAction(copy);
    auto *copyWithHeader = new QAction(tr("Copy rows with header"), this);
    copyWithHeader->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    copyWithHeader->setShortcutContext(Qt::WidgetShortcut);
    connect(copyWithHeader, &QAction::triggered, this, [this] { copySelection(true); });
    addAction(copyWithHeader);
}

QString CopyableTableView::selectedRowsAsTsv(bool withHeader) const
{
    const QAbstractItemModel *m = model();
    if (!m || !selectionModel())
        return {};
    QList<int> columns; // visible, in visual order
    for (int visual = 0; visual < horizontalHeader()->count(); ++visual) {
        const int logical = horizontalHeader()->logicalIndex(visual);
        if (!isColumnHidden(logical))
            columns.append(logical);
    }
    QList<int> rows;
    for (const QModelIndex &index : selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());

    QStringList lines;
    if (withHeader) {
        QStringList cells;
        for (const int c : columns)
            cells.append(cleanCell(m->headerData(c, Qt::Horizontal).toString()));
        lines.append(cells.join(u'\t'));
    }
    for (const int r : rows) {
        QStringList cells;
        for (const int c : columns) {
            const QModelIndex index = m->index(r, c);
            QVariant v = index.data(CopyRole);
            if (!v.isValid())
                v = index.data(Qt::DisplayRole);
            cells.append(cleanCell(v.toString()));
        }
        lines.append(cells.join(u'\t'));
    }
    if (lines.isEmpty())
        return {};
    return lines.join(u'\n') + u'\n';
}

void CopyableTableView::copySelection(bool withHeader) const
{
    const QString text = selectedRowsAsTsv(withHeader);
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void CopyableTableView::keyPressEvent(QKeyEvent *event)
{
    // QTableView copies only the current cell on its own; the actions above
    // handle the shortcut, this covers a focus path that bypasses them.
    if (event == QKeySequence::Copy) {
        copySelection(false);
        event->accept();
        return;
    }
    QTableView::keyPressEvent(event);
}

} // namespace l2met
