// ConfigForm: a form field for every setting of Settings::table() marked
// inForm, built by iterating the table (one box per SettingGroup, rows in
// table order), so a setting added there appears here without editing this
// file. Spin boxes for counts, text for durations ("1s", "250ms"), sizes
// ("8M") and lists (spelled as in the file), check boxes for switches,
// masked fields (SecretEdit) for the secrets, tokens and URLs that may
// carry a password. Each field's objectName is its config-file key
// ("flush-interval"), its tooltip the help and the flag. candidate() reads
// the form back into a Config; ranges and cross-field rules are left to
// ConfigLoader::validate().
//
// GUI thread only.
#pragma once

#include "config/config.h"

#include <QList>
#include <QWidget>

class QFormLayout;

namespace l2met {

struct Setting;

class ConfigForm : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigForm(QWidget *parent = nullptr);

    // Fills the form; settings without a field (those not inForm, the
    // config file, --no-gui, the command) are kept from config by candidate().
    void setConfig(const Config &config);
    // The form as a Config. *error: the first field that does not parse, as
    // `invalid -flush-interval "abc": expected ...`; empty when all parse.
    Config candidate(QString *error) const;

    // The field of the setting with this key, or nullptr.
    QWidget *field(const QString &key) const;

Q_SIGNALS:
    void edited();

private:
    struct Field
    {
        const Setting *setting;
        QWidget *widget;
        QString shownText; // what setConfig() put in a list field
    };

    QWidget *makeField(const Setting &s);
    void addRow(QFormLayout *form, const Setting &s, QWidget *field);

    Config m_base;
    QList<Field> m_fields;
};

} // namespace l2met
