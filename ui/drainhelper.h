// DrainHelper: makes the URL to give `heroku drains:add`. From a Librato
// user and API token (masked) it signs a drain token with the running
// engine's first secret key (Engine::sign("user:token")) and shows
// http://TOKEN@HOST:PORT/logs?resolution=N with a Copy button. Nothing typed
// here is stored.
//
// GUI thread only.
#pragma once

#include <QGroupBox>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace l2met {

class Engine;
class SecretEdit;

class DrainHelper : public QGroupBox
{
    Q_OBJECT

public:
    explicit DrainHelper(QWidget *parent = nullptr);

    // The engine that signs (nullptr: none running). Its port goes in the URL.
    void setEngine(Engine *engine);
    void setCredentials(const QString &user, const QString &apiToken);
    void setHost(const QString &host);

    QByteArray drainToken() const { return m_token; }
    QString drainUrl() const;
    void focusUser();

private:
    void update();

    Engine *m_engine = nullptr;
    QLineEdit *m_user;
    SecretEdit *m_apiToken;
    QLineEdit *m_host;
    QComboBox *m_resolution;
    QPlainTextEdit *m_url; // wraps: a drain URL is about 200 characters
    QPushButton *m_copy;
    QLabel *m_note;
    QByteArray m_token;
};

} // namespace l2met
