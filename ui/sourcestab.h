// SourcesTab: where lines come from (SourceModel: the drain, stdin,
// commands, tailed files, Heroku apps, syslog) with their state and
// counters, the selected one in full (its last line whole), and buttons to
// add a command, a file (optionally read from its start) or a Heroku app,
// and to stop or remove the selected source (not the drain nor stdin). The tab only asks: the window runs the engine calls
// (addRequested, stopRequested, removeRequested) and answers with
// showMessage(), shown under the buttons.
//
// GUI thread only.
#pragma once

#include "source/sourcestatus.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QTextBrowser;

namespace l2met {

struct EngineSnapshot;
class CopyableTableView;
class SourceModel;

class SourcesTab : public QWidget
{
    Q_OBJECT

public:
    explicit SourcesTab(QWidget *parent = nullptr);

    void setSnapshot(const EngineSnapshot &snapshot);
    // The result of the last request (error: in the error colour).
    void showMessage(const QString &text, bool error);
    QString message() const { return m_messageText; }

    SourceModel *model() const { return m_model; }
    CopyableTableView *view() const { return m_view; }
    QCheckBox *fromStartBox() const { return m_fromStart; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *removeButton() const { return m_remove; }
    QTextBrowser *detail() const { return m_detail; }
    // The id of the selected source; -1 when none.
    int selectedId() const;
    bool selectId(int id);

    // What the buttons do once their dialog is answered.
    void requestCommand(const QString &commandLine);
    void requestFile(const QString &path, bool fromStart);
    void requestHerokuApp(const QString &app);
    void stopSelected();
    void removeSelected();

Q_SIGNALS:
    void addRequested(const l2met::SourceSpec &spec);
    void stopRequested(int id);
    void removeRequested(int id);

protected:
    void changeEvent(QEvent *event) override;

private:
    void askCommand();
    void askFile();
    void askHerokuApp();
    void updateButtons(); // and the detail of the selected source
    void paintMessage();

    SourceModel *m_model;
    CopyableTableView *m_view;
    QPushButton *m_stop;
    QPushButton *m_remove;
    QCheckBox *m_fromStart;
    QLabel *m_message;
    QTextBrowser *m_detail;
    QString m_detailHtml;
    QString m_messageText;
    bool m_messageIsError = false;
};

} // namespace l2met
