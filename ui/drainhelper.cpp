#include "drainhelper.h"

#include "engine/engine.h"
#include "secretedit.h"
#include "uiformat.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QHostInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace l2met {

DrainHelper::DrainHelper(QWidget *parent)
    : QGroupBox(tr("Drain helper"), parent)
    , m_user(new QLineEdit(this))
    , m_apiToken(new SecretEdit(this))
    , m_host(new QLineEdit(this))
    , m_resolution(new QComboBox(this))
    , m_url(new QPlainTextEdit(this))
    , m_copy(new QPushButton(tr("Copy URL"), this))
    , m_note(new QLabel(this))
{
    m_user->setObjectName(QStringLiteral("drain-user"));
    m_user->setPlaceholderText(tr("you@example.com"));
    m_apiToken->setObjectName(QStringLiteral("drain-api-token"));
    m_apiToken->setPlaceholderText(tr("Librato API token"));
    m_host->setObjectName(QStringLiteral("drain-host"));
    m_host->setText(QHostInfo::localHostName());
    m_host->setToolTip(tr("The address Heroku's logplex reaches this l2met at"));
    for (const int seconds : { 1, 10, 30, 60, 300, 3600 })
        m_resolution->addItem(UiFormat::seconds(seconds), seconds);
    m_resolution->setCurrentIndex(m_resolution->findData(60));
    m_url->setObjectName(QStringLiteral("drain-url"));
    m_url->setReadOnly(true);
    m_url->setPlaceholderText(tr("fill in the user and API token"));
    m_url->setWordWrapMode(QTextOption::WrapAnywhere);
    m_url->setFixedHeight(m_url->fontMetrics().lineSpacing() * 6 + 12);
    m_url->setTabChangesFocus(true);
    m_copy->setEnabled(false);
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *intro = new QLabel(tr("Sign a drain token for a Librato account, then add the drain to an app "
                                "with <code>heroku drains:add 'URL' --app YOUR-APP</code>."),
                             this);
    intro->setWordWrap(true);
    intro->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Librato user:"), m_user);
    form->addRow(tr("API token:"), m_apiToken);
    form->addRow(tr("Public host:"), m_host);
    form->addRow(tr("Resolution:"), m_resolution);
    auto *urlLabel = new QLabel(tr("Drain URL:"), this);
    urlLabel->setBuddy(m_url);
    form->addRow(urlLabel);
    form->addRow(m_url); // the whole width: a drain URL is about 200 characters

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_copy);
    layout->addLayout(buttons);
    layout->addWidget(m_note);
    layout->addStretch(1);

    connect(m_user, &QLineEdit::textChanged, this, &DrainHelper::update);
    connect(m_apiToken, &SecretEdit::textEdited, this, &DrainHelper::update);
    connect(m_host, &QLineEdit::textChanged, this, &DrainHelper::update);
    connect(m_resolution, &QComboBox::currentIndexChanged, this, &DrainHelper::update);
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_url->toPlainText()); });
    update();
}

void DrainHelper::setEngine(Engine *engine)
{
    m_engine = engine;
    update();
}

void DrainHelper::setCredentials(const QString &user, const QString &apiToken)
{
    m_user->setText(user);
    m_apiToken->setText(apiToken);
    update();
}

void DrainHelper::setHost(const QString &host)
{
    m_host->setText(host);
}

QString DrainHelper::drainUrl() const
{
    return m_url->toPlainText();
}

void DrainHelper::focusUser()
{
    m_user->setFocus(Qt::OtherFocusReason);
}

void DrainHelper::update()
{
    m_token.clear();
    m_url->clear();
    m_copy->setEnabled(false);
    const QString user = m_user->text().trimmed();
    const QString apiToken = m_apiToken->text().trimmed();
    const QString host = m_host->text().trimmed();
    QString problem;
    if (!m_engine || !m_engine->isRunning())
        problem = tr("The engine is not running: nothing can sign a token.");
    else if (user.isEmpty() || apiToken.isEmpty())
        problem = tr("The token is signed with the first key of the running engine's secrets; nothing "
                     "typed here is stored.");
    else if (user.contains(u':'))
        problem = tr("A Librato user cannot contain ':'.");
    else if (host.isEmpty() || host.contains(u'/') || host.contains(u'@') || host.contains(u' '))
        problem = tr("Enter the host name or address Heroku can reach this l2met at.");
    if (!problem.isEmpty()) {
        m_note->setText(problem);
        return;
    }
    m_token = m_engine->sign((user + u':' + apiToken).toUtf8());
    const int resolution = m_resolution->currentData().toInt();
    m_url->setPlainText(QStringLiteral("http://") + QString::fromLatin1(m_token) + u'@' + host + u':'
                        + QString::number(m_engine->port()) + QStringLiteral("/logs?resolution=")
                        + QString::number(resolution));
    m_copy->setEnabled(true);
    m_note->setText(tr("Signed with the first key of the running engine's secrets. Behind a TLS proxy, "
                       "use https and the proxy's host and port."));
}

} // namespace l2met
