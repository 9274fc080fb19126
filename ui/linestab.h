// LinesTab: "why doesn't my metric show up?". The most recent lines, newest
// at the top (LineModel behind a LineFilterProxy): time, source, outcome,
// what each became (its measurements or the reason it produced none) and
// the raw line; under it the current line whole, each metric it became on
// a line of its own. A text filter, an outcome filter (all / with metrics /
// without metrics / problems), Pause (new lines are held back while
// reading), Copy (the selected rows as TSV, like Ctrl+C) and Clear; a label
// says how many lines are shown and whether capture is sampling. Enter or a
// double-click on a line with measurements asks to open its bucket
// (openBucketRequested).
//
// Capturing costs the engine something, so it runs only while this tab is
// seen: the window decides (setCaptureActive) and the tab announces changes
// (captureChanged) for the window to call Engine::setLineCapture.
//
// GUI thread only.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTextBrowser;

namespace l2met {

struct EngineSnapshot;
struct BucketSummary;
class CopyableTableView;
class LineFilterProxy;
class LineModel;

class LinesTab : public QWidget
{
    Q_OBJECT

public:
    explicit LinesTab(QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    void setCaptureActive(bool active);
    bool captureActive() const { return m_capture; }

    LineModel *model() const { return m_model; }
    LineFilterProxy *proxy() const { return m_proxy; }
    CopyableTableView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *outcomeCombo() const { return m_outcome; }
    QPushButton *pauseButton() const { return m_pause; }
    QTextBrowser *detail() const { return m_detail; }
    QString countText() const;
    // Opens the bucket of the line at a view row (false: it has none).
    bool openRow(int viewRow);

Q_SIGNALS:
    void captureChanged(bool active);
    void openBucketRequested(const l2met::BucketSummary &bucket);

private:
    void updateCount();
    void showDetail();

    LineModel *m_model;
    LineFilterProxy *m_proxy;
    CopyableTableView *m_view;
    QLineEdit *m_filter;
    QComboBox *m_outcome;
    QPushButton *m_pause;
    QTextBrowser *m_detail;
    QLabel *m_count;
    QLabel *m_sampling;
    bool m_capture = false;
    bool m_sampled = false;
    quint64 m_sampledOut = 0;
};

} // namespace l2met
