#include "secretedit.h"

#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace l2met {

SecretEdit::SecretEdit(QWidget *parent)
    : QWidget(parent)
    , m_edit(new QLineEdit(this))
    , m_show(new QToolButton(this))
{
    m_edit->setEchoMode(QLineEdit::Password);
    m_edit->setClearButtonEnabled(false);
    m_show->setText(tr("Show"));
    m_show->setCheckable(true);
    m_show->setToolTip(tr("Show the secret in plain text"));
    m_show->setFocusPolicy(Qt::TabFocus);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_show);
    setFocusProxy(m_edit);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed); // one line, like a QLineEdit
    connect(m_show, &QToolButton::toggled, this, &SecretEdit::setRevealed);
    connect(m_edit, &QLineEdit::textEdited, this, &SecretEdit::textEdited);
}

QString SecretEdit::text() const
{
    return m_edit->text();
}

void SecretEdit::setText(const QString &text)
{
    m_show->setChecked(false);
    m_edit->setText(text);
}

void SecretEdit::setPlaceholderText(const QString &text)
{
    m_edit->setPlaceholderText(text);
}

bool SecretEdit::isRevealed() const
{
    return m_edit->echoMode() == QLineEdit::Normal;
}

void SecretEdit::setRevealed(bool revealed)
{
    m_edit->setEchoMode(revealed ? QLineEdit::Normal : QLineEdit::Password);
    m_show->setText(revealed ? tr("Hide") : tr("Show"));
}

} // namespace l2met
