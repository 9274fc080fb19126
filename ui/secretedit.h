// SecretEdit: a line edit for a secret (Fernet keys, an API token, a URL
// that may carry a password). The text is masked; a Show button reveals it
// until pressed again, and every setText() masks it again.
//
// GUI thread only.
#pragma once

#include <QWidget>

class QLineEdit;
class QToolButton;

namespace l2met {

class SecretEdit : public QWidget
{
    Q_OBJECT

public:
    explicit SecretEdit(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text); // masks again
    void setPlaceholderText(const QString &text);
    bool isRevealed() const;
    QLineEdit *lineEdit() const { return m_edit; }

Q_SIGNALS:
    void textEdited(const QString &text);

private:
    void setRevealed(bool revealed);

    QLineEdit *m_edit;
    QToolButton *m_show;
};

} // namespace l2met
