// ConfigTab: the Configuration tab. The form of every setting, validated on
// each edit with ConfigLoader::validate() (the message under the form, in
// the error colour; Save and Apply disabled while it is invalid); Save
// writes the config file (ConfigLoader::save: mode 0600, atomic); Apply asks
// the window to restart the engine with the form's settings (applyRequested)
// after it has delivered everything it holds. Beside it, the Drain helper.
//
// GUI thread only.
#pragma once

#include "config/config.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace l2met {

class ConfigForm;
class DrainHelper;
class Engine;

class ConfigTab : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigTab(QString configPath, QWidget *parent = nullptr);

    // The settings the engine runs with: fills the form.
    void setRunningConfig(const Config &config);
    void setEngine(Engine *engine);
    // A result to show under the form (e.g. why Apply failed).
    void showStatus(const QString &text, bool error);

    ConfigForm *form() const { return m_form; }
    DrainHelper *drainHelper() const { return m_drain; }
    // Empty when the form is valid.
    QString validationMessage() const { return m_message; }
    bool canSave() const;
    // Validates and writes the form to the config file.
    bool save(QString *error);
    void apply();
    void revert();

Q_SIGNALS:
    void applyRequested(const l2met::Config &config);

protected:
    void changeEvent(QEvent *event) override;

private:
    void validate();
    void showMessage();

    QString m_configPath;
    Config m_running;
    ConfigForm *m_form;
    DrainHelper *m_drain;
    QLabel *m_messageLabel;
    QPushButton *m_revert;
    QPushButton *m_save;
    QPushButton *m_apply;
    QString m_message;
    QString m_status;
    bool m_statusIsError = false;
};

} // namespace l2met
