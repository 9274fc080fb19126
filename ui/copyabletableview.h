// CopyableTableView: the table view of every l2met tab. Ctrl+C (and Edit >
// Copy) copies the selected rows as tab-separated values, one line per row
// in view order, visible columns only, each cell as the model's CopyRole
// (plain numbers, ISO times) or else its display text; Ctrl+Shift+C adds a
// header line. Rows are selected whole; sorting by clicking a header.
//
// GUI thread only.
#pragma once

#include <QTableView>

namespace l2met {

class CopyableTableView : public QTableView
{
    Q_OBJECT

public:
    explicit CopyableTableView(QWidget *parent = nullptr);

    // The selected rows as TSV (withHeader: a first line of column titles).
    QString selectedRowsAsTsv(bool withHeader = false) const;
    void copySelection(bool withHeader = false) const;

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

} // namespace l2met
