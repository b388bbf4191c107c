#include "aboutdialog.h"

#include "items/registryclient.h"
#include "lineagelayout.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

namespace md {

AboutDialog::AboutDialog(RegistryClient *client, QWidget *parent)
    : QDialog(parent), m_client(client), m_text(new QLabel(this))
{
    setWindowTitle(tr("About ModelDesk"));
    setObjectName(QStringLiteral("aboutDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *header = new QHBoxLayout;
    auto *icon = new QLabel(this);
    icon->setPixmap(QApplication::windowIcon().pixmap(64, 64));
    icon->setVisible(!QApplication::windowIcon().isNull());
    header->addWidget(icon, 0, Qt::AlignTop);
    m_text->setObjectName(QStringLiteral("aboutText"));
    m_text->setTextFormat(Qt::RichText);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_text->setOpenExternalLinks(true);
    header->addWidget(m_text, 1);
    layout->addLayout(header);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    setMinimumWidth(480);
    present(m_client->isOpen() ? tr("…") : QString());
    if (m_client->isOpen())
        m_client->run<QString>(
            this,
            [](Registry *r) -> QString {
                if (!r)
                    return tr("(not connected)");
                auto v = r->databaseVersion();
                return v ? *v : v.error().message;
            },
            [this](QString version) {
                present(version);
                emit loaded();
            });
}

QString AboutDialog::text() const
{
    return m_text->text();
}

void AboutDialog::present(const QString &databaseVersion)
{
    const SessionInfo &s = m_client->session();
    auto row = [](const QString &what, const QString &value) {
        return QStringLiteral("<tr><td style='padding-right:12px'><b>%1</b></td><td>%2</td></tr>")
            .arg(what, value.toHtmlEscaped());
    };
    QString registry = tr("no registry open");
    if (m_client->isOpen())
        registry = QStringLiteral("%1 (%2, schema version %3)")
                       .arg(s.display, s.dialect == Dialect::Sqlite ? tr("embedded SQLite file") : tr("PostgreSQL"))
                       .arg(s.schemaVersion);
    QString html = tr("<h3>ModelDesk %1</h3><p>A desktop model registry: versions, lineage, approvals and rollbacks "
                      "that a whole team can trust.</p>")
                       .arg(QApplication::applicationVersion());
    html += QStringLiteral("<table>");
    html += row(tr("Registry"), registry);
    if (!s.replica.isEmpty())
        html += row(tr("Read replica"), s.replica);
    if (m_client->isOpen())
        html += row(tr("Signed in as"), QStringLiteral("%1 (%2)").arg(s.user, s.role));
    if (!databaseVersion.isEmpty())
        html += row(s.dialect == Dialect::Sqlite ? tr("SQLite") : tr("PostgreSQL server"), databaseVersion);
    html += row(tr("Qt"), QString::fromLatin1(qVersion()));
    html += row(tr("Graphviz"), graphvizVersion());
    html += QStringLiteral("</table>");
    html += tr("<p><b>Licences.</b> ModelDesk: MIT. Qt: LGPL 3. QCustomPlot: GPL 3. Graphviz: EPL 1.0. SQLite: "
               "public domain. libpq: the PostgreSQL licence. The icons: MIT, made for ModelDesk.</p>");
    m_text->setText(html);
}

} // namespace md
