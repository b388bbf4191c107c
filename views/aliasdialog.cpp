#include "aliasdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QVBoxLayout>

namespace md {

AliasDialog::AliasDialog(const QString &model, int version, bool versionInProduction, QWidget *parent)
    : QDialog(parent), m_name(new QLineEdit(this)), m_follows(new QCheckBox(this)), m_protected(new QCheckBox(this))
{
    setObjectName(QStringLiteral("aliasDialog"));
    setWindowTitle(tr("Set alias of %1").arg(model));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("An alias is the name deployment systems resolve (e.g. <b>champion</b>). Pin it to "
                                "v%1, or let it follow Production: then every promotion, archive and rollback moves "
                                "it in the same transaction.")
                                 .arg(version),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_name->setObjectName(QStringLiteral("aliasNameEdit"));
    m_name->setPlaceholderText(QStringLiteral("champion"));
    m_name->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[a-z][a-z0-9_-]{0,63}")), m_name));
    form->addRow(tr("Alias:"), m_name);
    m_follows->setObjectName(QStringLiteral("followsBox"));
    m_follows->setText(tr("Follows Production (instead of pinned to v%1)").arg(version));
    m_follows->setChecked(versionInProduction);
    form->addRow(QString(), m_follows);
    m_protected->setObjectName(QStringLiteral("protectedBox"));
    m_protected->setText(tr("Protected: only deployers may move or remove it"));
    form->addRow(QString(), m_protected);
    layout->addLayout(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setObjectName(QStringLiteral("okButton"));
    m_ok->setEnabled(false);
    connect(m_name, &QLineEdit::textChanged, this, [this]() { m_ok->setEnabled(m_name->hasAcceptableInput()); });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString AliasDialog::alias() const
{
    return m_name->text().trimmed();
}

bool AliasDialog::followsProduction() const
{
    return m_follows->isChecked();
}

bool AliasDialog::isProtected() const
{
    return m_protected->isChecked();
}

} // namespace md
