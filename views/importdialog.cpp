#include "importdialog.h"

#include "items/registryclient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QTableWidget>
#include <QVBoxLayout>

namespace md {

ImportDialog::ImportDialog(RegistryClient *client, QWidget *parent) : QDialog(parent), m_client(client)
{
    setWindowTitle(tr("Import from MLflow"));
    auto *intro = new QLabel(tr("Import every model and version of an MLflow registry: give its tracking server "
                                "(<tt>http://mlflow:5000</tt>) or its database (<tt>sqlite:///mlflow.db</tt>, "
                                "<tt>postgresql://user@host/db</tt>). <b>Preview</b> shows what would be imported "
                                "and skipped without writing anything. Importing again only adds what is new."),
                             this);
    intro->setWordWrap(true);
    m_from = new QLineEdit(this);
    m_from->setPlaceholderText(tr("http://mlflow:5000 or sqlite:///path/mlflow.db"));
    m_namespace = new QLineEdit(this);
    m_namespace->setPlaceholderText(tr("optional, e.g. legacy"));
    m_models = new QLineEdit(this);
    m_models->setPlaceholderText(tr("optional, e.g. fraud*"));
    auto *form = new QFormLayout;
    form->addRow(tr("MLflow &source:"), m_from);
    form->addRow(tr("Into &namespace:"), m_namespace);
    form->addRow(tr("Only &models:"), m_models);
    m_table = new QTableWidget(0, 7, this);
    m_table->setHorizontalHeaderLabels({tr("MLflow model"), tr("ModelDesk model"), tr("New versions"),
                                        tr("Stage changes"), tr("Aliases"), tr("Left out"), tr("Result")});
    m_table->horizontalHeaderItem(5)->setToolTip(
        tr("Versions skipped (deleted, failed registrations) and single values not imported (NaN metrics, values "
           "over 4,096 characters): hover a count for the list"));
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%v / %m versions"));
    m_progress->setVisible(false); // until a preview or an import runs: "0 / 1 versions" before it means nothing
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *buttons = new QDialogButtonBox(this);
    m_preview = buttons->addButton(tr("&Preview"), QDialogButtonBox::ActionRole);
    m_import = buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    m_cancel->setEnabled(false);
    m_import->setDefault(false);
    m_import->setAutoDefault(false);
    m_preview->setAutoDefault(false);
    connect(m_preview, &QPushButton::clicked, this, [this] { start(true); });
    connect(m_import, &QPushButton::clicked, this, [this] { start(false); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_cancelFlag)
            m_cancelFlag->store(true);
        m_status->setText(tr("Cancelling after the model being imported…"));
        m_cancel->setEnabled(false);
    });
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    // A comfortable size that still fits the screen (1024x640, or 2x scale on a laptop).
    QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen();
    const QSize room = screen ? screen->availableGeometry().size() * 0.9 : QSize(880, 520);
    resize(QSize(880, 520).boundedTo(room));
    setSizeGripEnabled(true);
}

void ImportDialog::setRunning(bool running)
{
    m_running = running;
    for (QWidget *w :
         {static_cast<QWidget *>(m_from), static_cast<QWidget *>(m_namespace), static_cast<QWidget *>(m_models),
          static_cast<QWidget *>(m_preview), static_cast<QWidget *>(m_import), static_cast<QWidget *>(m_close)})
        w->setEnabled(!running);
    m_cancel->setEnabled(running);
}

void ImportDialog::start(bool dryRun)
{
    const QString from = m_from->text().trimmed();
    if (from.isEmpty()) {
        m_status->setText(tr("Give the MLflow source: its server's URL or its database."));
        m_from->setFocus();
        return;
    }
    const QString ns = m_namespace->text().trimmed();
    setRunning(true);
    m_table->setRowCount(0);
    m_progress->setRange(0, 0); // busy until the first count arrives
    m_progress->setVisible(true);
    m_status->setText(dryRun ? tr("Reading %1…").arg(from) : tr("Importing from %1…").arg(from));
    m_cancelFlag = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancelFlag;
    QPointer<ImportDialog> self(this);
    const QString glob = m_models->text().trimmed();
    m_client->run<Result<mlflow::ImportReport>>(
        this,
        [from, ns, glob, dryRun, cancel, self](Registry *registry) -> Result<mlflow::ImportReport> {
            if (!registry)
                return Error::notFound(QStringLiteral("No registry is open."));
            auto source = mlflow::openSource(from);
            if (!source)
                return source.error();
            mlflow::ImportOptions options;
            options.ns = ns;
            options.glob = glob;
            options.dryRun = dryRun;
            options.cancel = cancel.get();
            options.progress = [self](const QString &model, int done, int total) {
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, model, done, total] {
                        if (!self)
                            return;
                        self->m_progress->setRange(0, std::max(1, total));
                        self->m_progress->setValue(done);
                        self->m_status->setText(tr("%1: %2 of %3 versions").arg(model).arg(done).arg(total));
                    },
                    Qt::QueuedConnection);
            };
            return mlflow::importRegistry(*registry, **source, options);
        },
        [this, dryRun](Result<mlflow::ImportReport> report) {
            setRunning(false);
            m_cancelFlag.reset();
            if (!report) {
                m_progress->setRange(0, 1);
                m_progress->setValue(0);
                m_status->setText(tr("<b>Nothing was imported:</b> %1").arg(report.error().message.toHtmlEscaped()));
                return;
            }
            showReport(*report);
            if (!dryRun)
                emit imported();
        });
}

void ImportDialog::showReport(const mlflow::ImportReport &report)
{
    m_table->setRowCount(int(report.models.size()));
    int row = 0;
    for (const mlflow::ModelPlan &m : report.models) {
        const QString result =
            !m.error.isEmpty()                         ? tr("Failed: %1").arg(m.error)
            : m.name.isEmpty() && !m.skipped.isEmpty() ? tr("Not imported: %1").arg(m.skipped.first())
            : m.imported                               ? tr("Imported")
            : report.dryRun ? (m.newVersions.isEmpty() && m.stageChanges.isEmpty() && m.aliasChanges.isEmpty()
                                   ? tr("Up to date")
                                   : tr("Would be imported"))
                            : tr("Up to date");
        const QStringList cells{m.mlflowName,
                                m.name.isEmpty() ? QStringLiteral("—") : m.name,
                                QString::number(m.newVersions.size()),
                                QString::number(m.stageChanges.size()),
                                QString::number(m.aliasChanges.size()),
                                QString::number(m.skipped.size()),
                                result};
        const QStringList tips{QString(),
                               QString(),
                               m.newVersions.join(QLatin1Char('\n')),
                               m.stageChanges.join(QLatin1Char('\n')),
                               m.aliasChanges.join(QLatin1Char('\n')),
                               m.skipped.join(QLatin1Char('\n')),
                               m.error};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells.at(c));
            item->setToolTip(tips.at(c));
            if (c >= 2 && c <= 5)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 6 && !m.error.isEmpty())
                item->setForeground(QColor(0xb7, 0x1c, 0x1c));
            m_table->setItem(row, c, item);
        }
        ++row;
    }
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    m_progress->setFormat(QStringLiteral("%p%"));
    QString text =
        report.dryRun
            ? tr("Preview (nothing written): %1 new version(s) would be imported, %2 skipped.")
                  .arg(report.versionsNew)
                  .arg(report.versionsSkipped)
            : tr("Imported %1 new version(s); %2 skipped.").arg(report.versionsNew).arg(report.versionsSkipped);
    if (report.modelsFailed > 0)
        text += QLatin1Char(' ') + tr("%n model(s) failed and were left untouched.", nullptr, report.modelsFailed);
    if (report.cancelled)
        text += QLatin1Char(' ') + tr("Cancelled: the models not listed were not imported.");
    text += QLatin1Char(' ') + tr("Hover a count for the details.");
    m_status->setText(text);
}

} // namespace md
