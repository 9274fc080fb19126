#include "configform.h"

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

#include <limits>

namespace l2met {

namespace {

constexpr int kLargeInt = 99999999; // spin boxes accept more than is valid: validate() explains

QString invalidText(const char *flag, const QString &value, const QString &reason)
{
    return QStringLiteral("invalid ") + QLatin1String(flag) + QStringLiteral(" \"") + value
        + QStringLiteral("\": ") + reason;
}

} // namespace

ConfigForm::ConfigForm(QWidget *parent)
    : QWidget(parent)
{
    m_bind = lineEdit("bind", QStringLiteral("0.0.0.0"));
    m_port = spinBox("port", 0, 65535);
    m_port->setSpecialValueText(tr("any free port"));
    m_port->setGroupSeparatorShown(false);
    m_receiver = checkBox("receiver", tr("Run the receiver"));
    m_outlet = checkBox("outlet", tr("Run the outlet"));
    m_concurrency = spinBox("concurrency", 0, 9999, tr(" threads"));
    m_concurrency->setSpecialValueText(tr("one per core"));
    m_buffer = spinBox("buffer", 0, kLargeInt, tr(" bodies"));
    m_inboxBytes = lineEdit("inbox-bytes", QStringLiteral("64M"));
    m_maxBody = lineEdit("max-body", QStringLiteral("8M"));
    m_recvDeadline = spinBox("recv-deadline", 0, kLargeInt, tr(" resolutions"));
    m_flushInterval = lineEdit("flush-interval", QStringLiteral("1s"));
    m_partitions = spinBox("partitions", 0, kLargeInt);
    m_redisUrl = secretEdit("redis-url", tr("empty: keep buckets in memory"));
    m_outbox = spinBox("outbox", 0, kLargeInt, tr(" flushes"));
    m_outletInterval = lineEdit("outlet-interval", QStringLiteral("1s"));
    m_outletRetry = spinBox("outlet-retry", 0, kLargeInt, tr(" retries"));
    m_outletTtl = lineEdit("outlet-ttl", QStringLiteral("2s"));
    m_libratoUrl = lineEdit("librato-url", QStringLiteral("https://metrics-api.librato.com"));
    m_preview = checkBox("preview", tr("Preview: build payloads, send nothing"));
    m_secrets = secretEdit("secrets", tr("key1:key2:... (base64url Fernet keys)"));
    m_metchanUrl = secretEdit("metchan-url", tr("optional"));
    m_verbose = checkBox("verbose", tr("Verbose logging"));

    auto *receiver = new QGroupBox(tr("Receiver"), this);
    auto *receiverForm = new QFormLayout(receiver);
    addRow(receiverForm, tr("Listen address"), "--bind", tr("IP address to listen on"), m_bind);
    addRow(receiverForm, tr("Port"), "-port", tr("HTTP port; 0 picks a free one"), m_port);
    auto *roles = new QWidget(receiver);
    auto *rolesLayout = new QHBoxLayout(roles);
    rolesLayout->setContentsMargins(0, 0, 0, 0);
    rolesLayout->addWidget(m_receiver);
    rolesLayout->addWidget(m_outlet);
    rolesLayout->addStretch();
    addRow(receiverForm, tr("Roles"), "-receiver / -outlet",
           tr("With neither checked this process runs both (the single-machine default)"), roles);
    addRow(receiverForm, tr("Parser threads"), "-concurrency", tr("0 means one per core"), m_concurrency);
    addRow(receiverForm, tr("Inbox bodies"), "-buffer", tr("Request bodies the inbox holds"), m_buffer);
    addRow(receiverForm, tr("Inbox bytes"), "--inbox-bytes",
           tr("Bytes the inbox holds (e.g. 64M); at least the largest body"), m_inboxBytes);
    addRow(receiverForm, tr("Largest body"), "--max-body", tr("Larger request bodies get 413 (e.g. 8M)"),
           m_maxBody);
    addRow(receiverForm, tr("Late / early after"), "-recv-deadline",
           tr("Resolutions after which late (or early) data is dropped"), m_recvDeadline);

    auto *store = new QGroupBox(tr("Register and store"), this);
    auto *storeForm = new QFormLayout(store);
    addRow(storeForm, tr("Flush interval"), "-flush-interval",
           tr("How often the register moves to the store (e.g. 1s, 500ms)"), m_flushInterval);
    addRow(storeForm, tr("Partitions"), "-partitions", tr("Store partitions that outlets share out"),
           m_partitions);
    addRow(storeForm, tr("Redis URL"), "--redis-url / REDIS_URL",
           tr("redis://[:password@]host[:port][/db]; empty keeps buckets in memory"), m_redisUrl);
    addRow(storeForm, tr("Outbox"), "--outbox", tr("Flushes held while the store is unreachable"), m_outbox);

    auto *outlet = new QGroupBox(tr("Outlet"), this);
    auto *outletForm = new QFormLayout(outlet);
    addRow(outletForm, tr("Outlet interval"), "-outlet-interval",
           tr("How often the outlet reads ready buckets (e.g. 1s)"), m_outletInterval);
    addRow(outletForm, tr("Retries"), "-outlet-retry", tr("Delivery attempts after the first"), m_outletRetry);
    addRow(outletForm, tr("Request timeout"), "-outlet-ttl", tr("Timeout of each Librato request (e.g. 2s)"),
           m_outletTtl);
    addRow(outletForm, tr("Librato URL"), "--librato-url", tr("Librato API base URL"), m_libratoUrl);
    addRow(outletForm, QString(), "--preview", tr("Build the Librato payloads but send nothing"), m_preview);

    auto *process = new QGroupBox(tr("Secrets and process"), this);
    auto *processForm = new QFormLayout(process);
    addRow(processForm, tr("Secrets"), "--secrets / SECRETS",
           tr("Fernet keys key1:key2:...; the first signs drain tokens, all verify"), m_secrets);
    addRow(processForm, tr("Own metrics URL"), "--metchan-url / METCHAN_URL",
           tr("Where l2met posts its own metrics (a Librato URL with credentials)"), m_metchanUrl);
    addRow(processForm, QString(), "-v", tr("Verbose logging"), m_verbose);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(receiver, 0, 0, 2, 1);
    grid->addWidget(store, 0, 1);
    grid->addWidget(outlet, 1, 1);
    grid->addWidget(process, 2, 0, 1, 2);
    grid->setRowStretch(3, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    setConfig(Config());
}

void ConfigForm::addRow(QFormLayout *form, const QString &label, const char *flag, const QString &help,
                        QWidget *field)
{
    const QString tip = help + QStringLiteral("\n") + tr("Flag: %1").arg(QLatin1String(flag));
    field->setToolTip(tip);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    if (label.isEmpty()) {
        form->addRow(field);
        return;
    }
    auto *l = new QLabel(label + u':', this);
    l->setToolTip(tip);
    l->setBuddy(field);
    form->addRow(l, field);
}

QSpinBox *ConfigForm::spinBox(const char *key, int min, int max, const QString &suffix)
{
    auto *box = new QSpinBox(this);
    box->setObjectName(QLatin1String(key));
    box->setRange(min, max);
    box->setSuffix(suffix);
    box->setLocale(UiFormat::locale());
    box->setGroupSeparatorShown(true);
    box->setAccelerated(true);
    connect(box, &QSpinBox::valueChanged, this, &ConfigForm::edited);
    return box;
}

QLineEdit *ConfigForm::lineEdit(const char *key, const QString &placeholder)
{
    auto *edit = new QLineEdit(this);
    edit->setObjectName(QLatin1String(key));
    edit->setPlaceholderText(placeholder);
    connect(edit, &QLineEdit::textChanged, this, &ConfigForm::edited);
    return edit;
}

QCheckBox *ConfigForm::checkBox(const char *key, const QString &text)
{
    auto *box = new QCheckBox(text, this);
    box->setObjectName(QLatin1String(key));
    connect(box, &QCheckBox::toggled, this, &ConfigForm::edited);
    return box;
}

SecretEdit *ConfigForm::secretEdit(const char *key, const QString &placeholder)
{
    auto *edit = new SecretEdit(this);
    edit->setObjectName(QLatin1String(key));
    edit->setPlaceholderText(placeholder);
    connect(edit, &SecretEdit::textEdited, this, &ConfigForm::edited);
    return edit;
}

void ConfigForm::setConfig(const Config &c)
{
    const QSignalBlocker block(this);
    m_base = c;
    m_bind->setText(c.bind);
    m_port->setValue(c.port);
    m_receiver->setChecked(c.receiver);
    m_outlet->setChecked(c.outlet);
    m_concurrency->setValue(c.concurrency);
    m_buffer->setValue(c.buffer);
    m_inboxBytes->setText(ConfigText::formatBytes(c.inboxBytes));
    m_maxBody->setText(ConfigText::formatBytes(c.maxBodyBytes));
    m_recvDeadline->setValue(c.recvDeadline);
    m_flushInterval->setText(ConfigText::formatDuration(c.flushIntervalMs));
    m_partitions->setValue(c.partitions);
    m_redisUrl->setText(c.redisUrl);
    m_outbox->setValue(c.outboxFlushes);
    m_outletInterval->setText(ConfigText::formatDuration(c.outletIntervalMs));
    m_outletRetry->setValue(c.outletRetry);
    m_outletTtl->setText(ConfigText::formatDuration(c.outletTtlMs));
    m_libratoUrl->setText(c.libratoUrl);
    m_preview->setChecked(c.preview);
    m_secrets->setText(QString::fromUtf8(c.secrets));
    m_metchanUrl->setText(c.metchanUrl);
    m_verbose->setChecked(c.verbose);
}

Config ConfigForm::candidate(QString *error) const
{
    Config c = m_base;
    error->clear();
    const auto fail = [error](const char *flag, const QString &value, const QString &reason) {
        if (error->isEmpty())
            *error = invalidText(flag, value, reason);
    };
    const auto duration = [&](QLineEdit *edit, const char *flag, int *out) {
        const std::optional<qint64> ms = ConfigText::parseDuration(edit->text());
        if (!ms || *ms > std::numeric_limits<int>::max())
            fail(flag, edit->text().trimmed(), tr("expected a duration such as 500ms or 2s"));
        else
            *out = int(*ms);
    };
    const auto bytes = [&](QLineEdit *edit, const char *flag, qint64 *out) {
        const std::optional<qint64> n = ConfigText::parseBytes(edit->text());
        if (!n)
            fail(flag, edit->text().trimmed(), tr("expected a byte count such as 8388608, 64K, 8M or 1G"));
        else
            *out = *n;
    };
    c.bind = m_bind->text().trimmed();
    c.port = m_port->value();
    c.receiver = m_receiver->isChecked();
    c.outlet = m_outlet->isChecked();
    c.concurrency = m_concurrency->value();
    c.buffer = m_buffer->value();
    bytes(m_inboxBytes, "--inbox-bytes", &c.inboxBytes);
    bytes(m_maxBody, "--max-body", &c.maxBodyBytes);
    c.recvDeadline = m_recvDeadline->value();
    duration(m_flushInterval, "-flush-interval", &c.flushIntervalMs);
    c.partitions = m_partitions->value();
    c.redisUrl = m_redisUrl->text().trimmed();
    c.outboxFlushes = m_outbox->value();
    duration(m_outletInterval, "-outlet-interval", &c.outletIntervalMs);
    c.outletRetry = m_outletRetry->value();
    duration(m_outletTtl, "-outlet-ttl", &c.outletTtlMs);
    c.libratoUrl = m_libratoUrl->text().trimmed();
    c.preview = m_preview->isChecked();
    c.secrets = m_secrets->text().trimmed().toUtf8();
    c.metchanUrl = m_metchanUrl->text().trimmed();
    c.verbose = m_verbose->isChecked();
    return c;
}

} // namespace l2met
