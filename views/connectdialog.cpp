#include "connectdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace md {

ConnectDialog::ConnectDialog(Tester tester, const QString &initialUrl, QWidget *parent, const QString &initialReadUrl)
    : QDialog(parent), m_tester(std::move(tester)), m_url(new QLineEdit(initialUrl, this)),
      m_readUrl(new QLineEdit(initialReadUrl, this)), m_testButton(new QPushButton(tr("&Test"), this)),
      m_status(new QLabel(this))
{
    setWindowTitle(tr("Connect to a registry server"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("A shared registry on PostgreSQL, e.g. <tt>postgresql://alice@db.example.com:5432/"
                                "registry?sslmode=require</tt>.<br>ModelDesk never stores passwords: libpq reads "
                                "them from <tt>~/.pgpass</tt>, <tt>PGPASSWORD</tt> or a service file."),
                             this);
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_url->setPlaceholderText(QStringLiteral("postgresql://user@host:5432/dbname"));
    m_url->setMinimumWidth(420);
    m_url->setObjectName(QStringLiteral("connectUrl"));
    form->addRow(tr("&URL:"), m_url);
    m_readUrl->setPlaceholderText(tr("optional: a hot standby, postgresql://user@replica:5432/dbname"));
    m_readUrl->setObjectName(QStringLiteral("connectReadUrl"));
    m_readUrl->setToolTip(tr("Browsing reads go to this read replica; every change goes to the URL above, and you "
                             "see your own changes at once. Several hosts (h1:5432,h2:5432) may be listed in both."));
    form->addRow(tr("&Read replica:"), m_readUrl);
    layout->addLayout(form);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("connectStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_connectButton = buttons->button(QDialogButtonBox::Ok);
    m_connectButton->setText(tr("&Connect"));
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    buttons->addButton(m_testButton, QDialogButtonBox::ActionRole);
    connect(m_testButton, &QPushButton::clicked, this, &ConnectDialog::test);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString ConnectDialog::url() const
{
    return m_url->text().trimmed();
}

QString ConnectDialog::readUrl() const
{
    return m_readUrl->text().trimmed();
}

void ConnectDialog::test()
{
    runTest(false);
}

void ConnectDialog::accept()
{
    if (url().isEmpty())
        return;
    runTest(true);
}

void ConnectDialog::runTest(bool thenAccept)
{
    m_status->setStyleSheet({});
    m_status->setText((thenAccept ? tr("Connecting to %1 …") : tr("Testing %1 …")).arg(url()));
    m_testButton->setEnabled(false);
    m_connectButton->setEnabled(false);
    QPointer<ConnectDialog> self(this);
    m_tester(url(), [self, thenAccept](bool ok, QString message) {
        if (!self)
            return;
        self->m_testButton->setEnabled(true);
        self->m_connectButton->setEnabled(true);
        self->m_status->setStyleSheet(ok ? QStringLiteral("color: #1b5e20") : QStringLiteral("color: #b71c1c"));
        self->m_status->setText(message);
        self->adjustSize();
        if (ok && thenAccept)
            self->QDialog::accept();
    });
}

} // namespace md
