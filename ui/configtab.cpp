#include "configtab.h"

#include "config/configloader.h"
#include "configform.h"
#include "drainhelper.h"
#include "uiformat.h"

#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace l2met {

ConfigTab::ConfigTab(QString configPath, QWidget *parent)
    : QWidget(parent)
    , m_configPath(std::move(configPath))
    , m_form(new ConfigForm)
    , m_drain(new DrainHelper(this))
    , m_messageLabel(new QLabel(this))
    , m_revert(new QPushButton(tr("Revert"), this))
    , m_save(new QPushButton(tr("Save"), this))
    , m_apply(new QPushButton(tr("Apply and restart engine"), this))
{
    m_messageLabel->setObjectName(QStringLiteral("config-message"));
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_save->setObjectName(QStringLiteral("config-save"));
    m_apply->setObjectName(QStringLiteral("config-apply"));
    m_save->setToolTip(tr("Write these settings to %1 (mode 0600)").arg(m_configPath));
    m_apply->setToolTip(tr("Restart the engine with these settings; it delivers everything it holds first"));
    m_revert->setToolTip(tr("Back to the settings the engine runs with"));

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    auto *explain = new QLabel(
        tr("<b>Apply restarts the engine</b>: it stops accepting, delivers everything it holds, then "
           "starts again with these settings (a few seconds during which logplex retries). "
           "<b>Save</b> writes them to <i>%1</i> for the next start; flags and environment variables "
           "still take precedence over the file.")
            .arg(m_configPath.toHtmlEscaped()),
        this);
    explain->setWordWrap(true);
    explain->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_messageLabel, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);
    buttons->addWidget(m_apply);

    auto *left = new QVBoxLayout;
    left->addWidget(scroll, 1);
    left->addWidget(explain);
    left->addLayout(buttons);

    m_drain->setMinimumWidth(330);
    m_drain->setMaximumWidth(420);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addWidget(m_drain);

    connect(m_form, &ConfigForm::edited, this, [this] {
        m_status.clear();
        validate();
    });
    connect(m_revert, &QPushButton::clicked, this, &ConfigTab::revert);
    connect(m_save, &QPushButton::clicked, this, [this] {
        QString error;
        save(&error);
    });
    connect(m_apply, &QPushButton::clicked, this, &ConfigTab::apply);
    validate();
}

void ConfigTab::setRunningConfig(const Config &config)
{
    m_running = config;
    m_form->setConfig(config);
    validate();
}

void ConfigTab::setEngine(Engine *engine)
{
    m_drain->setEngine(engine);
}

void ConfigTab::revert()
{
    m_form->setConfig(m_running);
    m_status.clear();
    validate();
}

bool ConfigTab::canSave() const
{
    return m_message.isEmpty();
}

void ConfigTab::validate()
{
    QString error;
    const Config candidate = m_form->candidate(&error);
    m_message = error.isEmpty() ? ConfigLoader::validate(candidate) : error;
    m_save->setEnabled(m_message.isEmpty());
    m_apply->setEnabled(m_message.isEmpty());
    m_revert->setEnabled(!(candidate == m_running) || !error.isEmpty());
    showMessage();
}

void ConfigTab::showMessage()
{
    const bool error = !m_message.isEmpty() || (!m_status.isEmpty() && m_statusIsError);
    m_messageLabel->setText(!m_message.isEmpty() ? m_message : m_status);
    UiFormat::setForeground(m_messageLabel, error ? UiFormat::badColor(palette())
                                                  : palette().color(QPalette::WindowText));
}

void ConfigTab::showStatus(const QString &text, bool error)
{
    m_status = text;
    m_statusIsError = error;
    showMessage();
}

bool ConfigTab::save(QString *error)
{
    validate();
    if (!m_message.isEmpty()) {
        *error = m_message;
        return false;
    }
    QString parseError;
    const Config candidate = m_form->candidate(&parseError);
    if (!ConfigLoader::save(candidate, m_configPath, error)) {
        showStatus(tr("Not saved: %1").arg(*error), true);
        return false;
    }
    showStatus(tr("Saved to %1 at %2").arg(m_configPath, UiFormat::localTime(QDateTime::currentDateTime())),
               false);
    return true;
}

void ConfigTab::apply()
{
    validate();
    if (!m_message.isEmpty())
        return;
    QString parseError;
    const Config candidate = m_form->candidate(&parseError);
    showStatus(tr("Restarting the engine…"), false);
    Q_EMIT applyRequested(candidate);
}

void ConfigTab::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        showMessage();
    QWidget::changeEvent(event);
}

} // namespace l2met
