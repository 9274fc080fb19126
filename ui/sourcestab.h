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

#include "config/config.h"
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
    // configPath: where added files and Heroku apps are saved (for messages).
    explicit SourcesTab(QString configPath = {}, QWidget *parent = nullptr);

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

    // What became of a request, shown under the buttons: error, why the
    // engine refused it (id 0); saveError, why the config file was not written.
    void reportAdded(const SourceSpec &spec, int id, const QString &error, const QString &saveError);
    void reportStopped(int id);
    void reportRemoved(const SourceStatus &status, const QString &saveError);

    // A file or Heroku app added (or removed) in *config and in the config
    // file at path, of which only those entries change: flags and
    // environment variables the window runs with stay out of it. Commands
    // are not saved. False and *error when the file cannot be read or written.
    static bool saveChange(const SourceSpec &spec, bool added, Config *config, const QString &path,
                           QString *error);

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

    QString m_configPath;
    SourceModel *m_model;
    CopyableTableView *m_view;
    QPushButton *m_stop;
    QPushButton *m_remove;
    QCheckBox *m_fromStart;
    QLabel *m_message;
    QTextBrowser *m_detail;
    QString m_detailHtml;
    QString m_messageText;
    int m_pendingSelect = 0; // a source just added
    bool m_messageIsError = false;
};

} // namespace l2met
