#include "configform.h"

#include "config/settings.h"
#include "configtext.h"
#include "secretedit.h"
#include "uiformat.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

#include <cstring>
#include <limits>

namespace l2met {

namespace {

constexpr int kLargeInt = 99999999; // spin boxes accept more than is valid: validate() explains

// How a field looks beyond what the table says; optional, by key. A setting
// without one gets a plain field of its kind, its default as placeholder.
struct Look
{
    const char *key;
    const char *suffix = nullptr; // spin boxes: " threads"
    const char *zeroText = nullptr; // spin boxes: what 0 means
    const char *placeholder = nullptr; // text fields, when the default says nothing
    int max = kLargeInt; // spin boxes
    bool grouping = true; // spin boxes: 8,080 or 8080
};

const Look kLooks[] = {
    { .key = "port", .zeroText = "any free port", .max = 65535, .grouping = false },
    { .key = "concurrency", .suffix = " threads", .zeroText = "one per core", .max = 9999 },
    { .key = "buffer", .suffix = " bodies" },
    { .key = "max-connections", .suffix = " connections" },
    { .key = "recv-deadline", .suffix = " resolutions" },
    { .key = "outbox", .suffix = " flushes" },
    { .key = "outlet-retry", .suffix = " retries" },
    { .key = "local-resolution", .suffix = " s" },
    { .key = "redis-url", .placeholder = "empty: keep buckets in memory" },
    { .key = "secrets", .placeholder = "key1:key2:... (base64url Fernet keys)" },
    { .key = "metchan-url", .placeholder = "optional" },
    { .key = "tail", .placeholder = "/var/log/app.log | /var/log/worker.log" },
    { .key = "heroku-app", .placeholder = "app-one app-two" },
    { .key = "syslog", .placeholder = "off; e.g. 127.0.0.1:5514" },
    { .key = "librato-user", .placeholder = "with the Librato token" },
    { .key = "librato-token", .placeholder = "without credentials: preview only" },
    { .key = "drain-token", .placeholder = "instead of Librato user and token" },
};

const Look &lookOf(const Setting &s)
{
    static const Look kPlain { .key = "" };
    for (const Look &look : kLooks) {
        if (std::strcmp(look.key, s.key) == 0)
            return look;
    }
    return kPlain;
}

QString translated(const char *text)
{
    return text ? ConfigForm::tr(text) : QString();
}

// Where each group's box goes in the grid: row, column, row span, column span.
struct Place
{
    int row;
    int column;
    int rowSpan;
    int columnSpan;
};

Place placeOf(SettingGroup group)
{
    switch (group) {
    case SettingGroup::Receiver:
        return { 0, 0, 2, 1 };
    case SettingGroup::Store:
        return { 0, 1, 1, 1 };
    case SettingGroup::Outlet:
        return { 1, 1, 1, 1 };
    case SettingGroup::LocalSources:
        return { 2, 0, 1, 1 };
    case SettingGroup::Process:
        return { 2, 1, 1, 1 };
    }
    return { 3, 0, 1, 2 };
}

constexpr SettingGroup kGroups[]
    = { SettingGroup::Receiver, SettingGroup::Store, SettingGroup::Outlet,
        SettingGroup::LocalSources, SettingGroup::Process };

bool isSpinBox(const Setting &s)
{
    return s.kind == SettingKind::Int || s.kind == SettingKind::Resolution;
}

// Held as text that may carry a secret: masked.
bool isMasked(const Setting &s)
{
    return s.mayHoldCredentials();
}

QString fieldText(const Setting &s, const QWidget *w)
{
    if (isMasked(s))
        return static_cast<const SecretEdit *>(w)->text();
    return static_cast<const QLineEdit *>(w)->text();
}

QString invalidText(const char *flag, const QString &value, const QString &reason)
{
    return QStringLiteral("invalid ") + QLatin1String(flag) + QStringLiteral(" \"") + value
        + QStringLiteral("\": ") + reason;
}

} // namespace

ConfigForm::ConfigForm(QWidget *parent)
    : QWidget(parent)
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    for (const SettingGroup group : kGroups) {
        QGroupBox *box = nullptr;
        QFormLayout *form = nullptr;
        for (const Setting &s : Settings::table()) {
            if (!s.inForm || s.group != group)
                continue;
            if (!box) {
                box = new QGroupBox(Settings::groupTitle(group), this);
                form = new QFormLayout(box);
                form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
                const Place place = placeOf(group);
                grid->addWidget(box, place.row, place.column, place.rowSpan, place.columnSpan);
            }
            QWidget *field = makeField(s);
            addRow(form, s, field);
            m_fields.append({ &s, field, QString() });
        }
    }
    grid->setRowStretch(3, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    setConfig(Config());
}

QWidget *ConfigForm::makeField(const Setting &s)
{
    const Look &look = lookOf(s);
    const QString key = s.keyName();
    if (s.kind == SettingKind::Bool) {
        auto *box = new QCheckBox(QString::fromLatin1(s.label), this);
        box->setObjectName(key);
        connect(box, &QCheckBox::toggled, this, &ConfigForm::edited);
        return box;
    }
    if (isSpinBox(s)) {
        auto *box = new QSpinBox(this);
        box->setObjectName(key);
        box->setRange(0, look.max);
        box->setSuffix(translated(look.suffix));
        box->setSpecialValueText(translated(look.zeroText));
        box->setLocale(UiFormat::locale());
        box->setGroupSeparatorShown(look.grouping);
        box->setAccelerated(true);
        connect(box, &QSpinBox::valueChanged, this, &ConfigForm::edited);
        return box;
    }
    QString placeholder = translated(look.placeholder);
    if (placeholder.isEmpty() && !s.isSecret())
        placeholder = Settings::defaultText(s);
    if (isMasked(s)) {
        auto *edit = new SecretEdit(this);
        edit->setObjectName(key);
        edit->setPlaceholderText(placeholder);
        connect(edit, &SecretEdit::textEdited, this, &ConfigForm::edited);
        return edit;
    }
    auto *edit = new QLineEdit(this);
    edit->setObjectName(key);
    edit->setPlaceholderText(placeholder);
    connect(edit, &QLineEdit::textChanged, this, &ConfigForm::edited);
    return edit;
}

void ConfigForm::addRow(QFormLayout *form, const Setting &s, QWidget *field)
{
    QString flags = s.flagText();
    if (s.env)
        flags += QStringLiteral(" / ") + QString::fromLatin1(s.env);
    const QString tip
        = QString::fromLatin1(s.help) + QStringLiteral("\n") + tr("Flag: %1").arg(flags);
    field->setToolTip(tip);
    if (s.kind == SettingKind::Bool) { // the check box says what it is
        form->addRow(field);
        return;
    }
    auto *l = new QLabel(QString::fromLatin1(s.label) + u':', this);
    l->setToolTip(tip);
    l->setBuddy(field);
    form->addRow(l, field);
}

QWidget *ConfigForm::field(const QString &key) const
{
    for (const Field &f : m_fields) {
        if (f.setting->keyName() == key)
            return f.widget;
    }
    return nullptr;
}

void ConfigForm::setConfig(const Config &c)
{
    const QSignalBlocker block(this);
    m_base = c;
    for (Field &f : m_fields) {
        const Setting &s = *f.setting;
        if (s.kind == SettingKind::Bool) {
            static_cast<QCheckBox *>(f.widget)->setChecked(c.*std::get<bool Config::*>(s.field));
        } else if (isSpinBox(s)) {
            static_cast<QSpinBox *>(f.widget)->setValue(int(Settings::number(s, c)));
        } else {
            const QString text = Settings::text(s, c);
            if (isMasked(s))
                static_cast<SecretEdit *>(f.widget)->setText(text);
            else
                static_cast<QLineEdit *>(f.widget)->setText(text);
            f.shownText = text;
        }
    }
}

Config ConfigForm::candidate(QString *error) const
{
    Config c = m_base;
    error->clear();
    const auto fail = [error](const Setting &s, const QString &value, const QString &reason) {
        if (error->isEmpty())
            *error = invalidText(s.flag, value, reason);
    };
    for (const Field &f : m_fields) {
        const Setting &s = *f.setting;
        if (s.kind == SettingKind::Bool) {
            c.*std::get<bool Config::*>(s.field)
                = static_cast<const QCheckBox *>(f.widget)->isChecked();
            continue;
        }
        if (isSpinBox(s)) {
            c.*std::get<int Config::*>(s.field) = static_cast<const QSpinBox *>(f.widget)->value();
            continue;
        }
        const QString text = fieldText(s, f.widget);
        switch (s.kind) {
        case SettingKind::Duration: {
            const std::optional<qint64> ms = ConfigText::parseDuration(text);
            if (!ms || *ms > std::numeric_limits<int>::max())
                fail(s, text.trimmed(), tr("expected a duration such as 500ms or 2s"));
            else
                c.*std::get<int Config::*>(s.field) = int(*ms);
            break;
        }
        case SettingKind::Bytes: {
            const std::optional<qint64> n = ConfigText::parseBytes(text);
            if (!n)
                fail(s, text.trimmed(), tr("expected a byte count such as 8388608, 64K, 8M or 1G"));
            else
                c.*std::get<qint64 Config::*>(s.field) = *n;
            break;
        }
        case SettingKind::Secrets:
        case SettingKind::SecretText:
            c.*std::get<QByteArray Config::*>(s.field) = text.trimmed().toUtf8();
            break;
        case SettingKind::Paths:
        case SettingKind::Words:
            // Unedited, the list stays exactly as it was (entries the file's
            // spelling cannot hold, such as one with " | ", included).
            if (text != f.shownText)
                c.*std::get<QStringList Config::*>(s.field) = ValueParse::splitList(s.kind, text);
            break;
        default:
            c.*std::get<QString Config::*>(s.field) = text.trimmed();
            break;
        }
    }
    return c;
}

} // namespace l2met
