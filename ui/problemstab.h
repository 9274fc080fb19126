// ProblemsTab: recent problems (ProblemModel, newest first), the messages
// logplex reported it dropped (L10) in total and per drain user, and the
// requests l2met rejected, per status code (LabelCountModel).
//
// GUI thread only.
#pragma once

#include <QWidget>

class QLabel;

namespace l2met {

struct EngineSnapshot;
struct MetricInfo;
class CopyableTableView;
class LabelCountModel;
class ProblemModel;

class ProblemsTab : public QWidget
{
    Q_OBJECT

public:
    explicit ProblemsTab(QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    ProblemModel *model() const { return m_problems; }
    LabelCountModel *droppedModel() const { return m_dropped; }
    LabelCountModel *rejectedModel() const { return m_rejected; }
    CopyableTableView *view() const { return m_view; }

    // Words for an HTTP status l2met answers with ("Unauthorized").
    static QString describeStatus(const QString &status);
    // The engine's metrics the tab reads.
    static QList<const MetricInfo *> metricsRead();

private:
    ProblemModel *m_problems;
    LabelCountModel *m_dropped;
    LabelCountModel *m_rejected;
    CopyableTableView *m_view;
    QLabel *m_droppedTotal;
    QLabel *m_rejectedTotal;
};

} // namespace l2met
