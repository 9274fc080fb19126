// ConfigForm: every setting of Config as a form field: spin boxes for
// counts, text for durations ("1s", "250ms") and sizes ("8M"), check boxes
// for switches, masked fields (SecretEdit) for the secrets and for URLs that
// may carry a password. Each field's objectName is its config-file key
// ("flush-interval"), its tooltip the flag. candidate() reads the form back
// into a Config; cross-field rules are left to ConfigLoader::validate().
//
// GUI thread only.
#pragma once

#include "config/config.h"

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QSpinBox;
class QFormLayout;

namespace l2met {

class SecretEdit;

class ConfigForm : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigForm(QWidget *parent = nullptr);

    // Fills the form; settings without a field (config file, --no-gui) are
    // kept from config by candidate().
    void setConfig(const Config &config);
    // The form as a Config. *error: the first field that does not parse, as
    // `invalid -flush-interval "abc": expected ...`; empty when all parse.
    Config candidate(QString *error) const;

Q_SIGNALS:
    void edited();

private:
    QSpinBox *spinBox(const char *key, int min, int max, const QString &suffix = {});
    QLineEdit *lineEdit(const char *key, const QString &placeholder = {});
    QCheckBox *checkBox(const char *key, const QString &text);
    SecretEdit *secretEdit(const char *key, const QString &placeholder = {});
    void addRow(QFormLayout *form, const QString &label, const char *flag, const QString &help, QWidget *field);

    Config m_base;
    QLineEdit *m_bind;
    QSpinBox *m_port;
    QCheckBox *m_receiver;
    QCheckBox *m_outlet;
    QSpinBox *m_concurrency;
    QSpinBox *m_buffer;
    QLineEdit *m_inboxBytes;
    QLineEdit *m_maxBody;
    QSpinBox *m_recvDeadline;
    QLineEdit *m_flushInterval;
    QSpinBox *m_partitions;
    SecretEdit *m_redisUrl;
    QSpinBox *m_outbox;
    QLineEdit *m_outletInterval;
    QSpinBox *m_outletRetry;
    QLineEdit *m_outletTtl;
    QLineEdit *m_libratoUrl;
    QCheckBox *m_preview;
    SecretEdit *m_secrets;
    SecretEdit *m_metchanUrl;
    QCheckBox *m_verbose;
};

} // namespace l2met
