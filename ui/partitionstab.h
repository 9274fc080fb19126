// PartitionsTab: the store's partitions (PartitionModel) under a line that
// says which store this is, how many partitions it has and this process's
// reader id (the lock owner it shows up as).
//
// GUI thread only.
#pragma once

#include <QWidget>

class QLabel;

namespace l2met {

struct EngineSnapshot;
class CopyableTableView;
class PartitionModel;

class PartitionsTab : public QWidget
{
    Q_OBJECT

public:
    explicit PartitionsTab(QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    PartitionModel *model() const { return m_model; }
    CopyableTableView *view() const { return m_view; }

private:
    PartitionModel *m_model;
    CopyableTableView *m_view;
    QLabel *m_summary;
};

} // namespace l2met
