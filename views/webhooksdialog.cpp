#include "webhooksdialog.h"

#include "items/registryclient.h"
#include "registry/deliverer.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QRadioButton>
#include <QRandomGenerator>
#include <QScreen>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace md {

QString webhookTrouble(const QList<Webhook> &list)
{
    int disabled = 0, failed = 0;
    for (const Webhook &w : list) {
        disabled += w.active ? 0 : 1;
        failed += w.failed;
    }
    QStringList parts;
    if (disabled > 0)
        parts << (disabled == 1 ? QObject::tr("1 webhook disabled")
                                : QObject::tr("%1 webhooks disabled").arg(disabled));
    if (failed > 0)
        parts << (failed == 1 ? QObject::tr("1 failed delivery") : QObject::tr("%1 failed deliveries").arg(failed));
    return parts.join(QStringLiteral(", "));
}

namespace {
QTableWidgetItem *cell(const QString &text, const QString &tip = {})
{
    auto *item = new QTableWidgetItem(text);
    item->setToolTip(tip.isEmpty() ? text : tip);
    return item;
}

QTableWidget *table(const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->setVisible(false);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setWordWrap(false);
    return t;
}
} // namespace

WebhooksDialog::WebhooksDialog(RegistryClient *client, QWidget *parent) : QDialog(parent), m_client(client)
{
    setObjectName(QStringLiteral("webhooksDialog"));
    setWindowTitle(tr("Webhooks"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Each webhook receives the registry's events as signed HTTP POSTs (Standard Webhooks "
                                "and MLflow headers). <tt>modelctl webhook deliver --follow</tt> delivers them."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *split = new QSplitter(Qt::Vertical, this);
    m_hooks = table({tr("ID"), tr("URL"), tr("Events"), tr("Model"), tr("State"), tr("Deliveries"), tr("Last attempt")},
                    split);
    m_hooks->setObjectName(QStringLiteral("webhookTable"));
    m_deliveries = table({tr("Delivery"), tr("Event"), tr("Type"), tr("Model"), tr("Status"), tr("Attempts"),
                          tr("Last response"), tr("When")},
                         split);
    m_deliveries->setObjectName(QStringLiteral("deliveryTable"));
    split->addWidget(m_hooks);
    split->addWidget(m_deliveries);
    layout->addWidget(split, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("webhookStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    auto *buttons = new QHBoxLayout;
    m_add = new QPushButton(tr("&Add…"), this);
    m_add->setObjectName(QStringLiteral("addWebhookButton"));
    m_test = new QPushButton(tr("&Test"), this);
    m_test->setObjectName(QStringLiteral("testWebhookButton"));
    m_test->setToolTip(tr("Send a signed webhook.test ping to the selected webhook now"));
    m_toggle = new QPushButton(tr("&Disable"), this);
    m_toggle->setObjectName(QStringLiteral("toggleWebhookButton"));
    m_remove = new QPushButton(tr("&Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeWebhookButton"));
    m_redeliver = new QPushButton(tr("Re&deliver"), this);
    m_redeliver->setObjectName(QStringLiteral("redeliverButton"));
    m_redeliver->setToolTip(tr("Queue the selected delivery's event again"));
    auto *close = new QPushButton(tr("Close"), this);
    for (QPushButton *b : {m_add, m_test, m_toggle, m_remove, m_redeliver})
        buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(close);
    layout->addLayout(buttons);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_add, &QPushButton::clicked, this, &WebhooksDialog::addWebhook);
    connect(m_test, &QPushButton::clicked, this, &WebhooksDialog::testSelected);
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedWebhook();
        bool active = true;
        for (const Webhook &w : m_list)
            if (w.id == id)
                active = w.active;
        act(active ? tr("Webhook %1 disabled.").arg(id)
                   : tr("Webhook %1 enabled; its pending deliveries resume.").arg(id),
            [id, active](Registry *r) {
                return r->setWebhookActive(id, !active, QStringLiteral("disabled by %1 in ModelDesk").arg(r->actor()));
            });
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedWebhook();
        act(tr("Webhook %1 removed.").arg(id), [id](Registry *r) { return r->removeWebhook(id); });
    });
    connect(m_redeliver, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedDelivery();
        act(tr("Delivery %1 queued again.").arg(id), [id](Registry *r) -> Status {
            auto d = r->redeliver(id);
            if (!d)
                return d.error();
            return {};
        });
    });
    connect(m_hooks, &QTableWidget::itemSelectionChanged, this, [this] {
        loadDeliveries();
        updateButtons();
    });
    connect(m_deliveries, &QTableWidget::itemSelectionChanged, this, &WebhooksDialog::updateButtons);
    // Fits a 1024x640 screen; wider where there is room.
    const QRect screen = (parent ? parent->screen() : QGuiApplication::primaryScreen())->availableGeometry();
    resize(std::min(1100, screen.width() - 40), std::min(620, screen.height() - 60));
    updateButtons();
    reload();
}

qint64 WebhooksDialog::selectedWebhook() const
{
    const auto rows = m_hooks->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : m_hooks->item(rows.first().row(), 0)->text().toLongLong();
}

qint64 WebhooksDialog::selectedDelivery() const
{
    const auto rows = m_deliveries->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : m_deliveries->item(rows.first().row(), 0)->text().toLongLong();
}

bool WebhooksDialog::mayManage() const
{
    // PostgreSQL: the database lets only admins (and superusers) write webhooks or read their secrets.
    return m_client->session().mayAdminister;
}

void WebhooksDialog::updateButtons()
{
    const qint64 id = selectedWebhook();
    const bool manage = mayManage();
    m_add->setEnabled(manage);
    for (QPushButton *b : {m_test, m_toggle, m_remove})
        b->setEnabled(manage && id > 0);
    m_redeliver->setEnabled(manage && selectedDelivery() > 0);
    const QString why = manage ? QString()
                               : tr("Only registry admins manage webhooks; you are %1 (%2).")
                                     .arg(m_client->session().user, m_client->session().role);
    for (QPushButton *b : {m_add, m_test, m_toggle, m_remove, m_redeliver})
        b->setToolTip(manage ? b->toolTip() : why);
    for (const Webhook &w : m_list)
        if (w.id == id)
            m_toggle->setText(w.active ? tr("&Disable") : tr("&Enable"));
}

void WebhooksDialog::reload()
{
    m_client->run<Result<QList<Webhook>>>(
        this,
        [](Registry *r) -> Result<QList<Webhook>> {
            if (!r)
                return Error::notFound(QStringLiteral("No registry is open."));
            return r->webhooks();
        },
        [this](Result<QList<Webhook>> list) {
            if (!list) {
                m_status->setText(list.error().kind == Error::Kind::Permission
                                      ? tr("Only registry admins manage webhooks: %1").arg(list.error().message)
                                      : list.error().message);
                m_add->setEnabled(list.error().kind != Error::Kind::Permission);
                return;
            }
            showWebhooks(*list);
        });
}

void WebhooksDialog::showWebhooks(const QList<Webhook> &list)
{
    const qint64 keep = selectedWebhook();
    m_list = list;
    m_hooks->setRowCount(int(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        const Webhook &w = list.at(i);
        const QString last = w.lastAttemptAt.isEmpty()
                                 ? tr("never")
                                 : QStringLiteral("%1 · %2").arg(
                                       w.lastAttemptAt.left(19).replace(QLatin1Char('T'), QLatin1Char(' ')),
                                       w.lastCode > 0 ? QStringLiteral("HTTP %1").arg(w.lastCode) : w.lastError);
        m_hooks->setItem(i, 0, cell(QString::number(w.id)));
        m_hooks->setItem(i, 1, cell(w.url));
        m_hooks->setItem(i, 2, cell(w.events.join(QStringLiteral(", "))));
        m_hooks->setItem(i, 3, cell(w.model.isEmpty() ? tr("all models") : w.model));
        m_hooks->setItem(i, 4, cell(w.active ? tr("active") : tr("disabled"), w.disabledReason));
        m_hooks->setItem(
            i, 5, cell(tr("%1 delivered · %2 pending · %3 failed").arg(w.delivered).arg(w.pending).arg(w.failed)));
        m_hooks->setItem(i, 6, cell(last));
        if (!w.active || w.failed > 0)
            for (int c = 0; c < m_hooks->columnCount(); ++c)
                m_hooks->item(i, c)->setForeground(QColor(0xb0, 0x1e, 0x1e));
        if (w.id == keep)
            m_hooks->selectRow(i);
    }
    m_hooks->resizeColumnsToContents();
    // Long URLs and event lists are elided (the tooltip has them whole): every column stays on screen.
    m_hooks->setColumnWidth(1, std::min(m_hooks->columnWidth(1), 240));
    m_hooks->setColumnWidth(2, std::min(m_hooks->columnWidth(2), 180));
    m_hooks->setColumnWidth(3, std::min(m_hooks->columnWidth(3), 160));
    const QString trouble = webhookTrouble(list);
    QString summary = list.isEmpty()      ? tr("No webhooks yet. Add one to have deployments follow the registry.")
                      : trouble.isEmpty() ? (list.size() == 1 ? tr("1 webhook, delivering.")
                                                              : tr("%1 webhooks, all delivering.").arg(list.size()))
                                          : trouble;
    if (!mayManage())
        summary = tr("Only registry admins add, test or remove webhooks; you are %1 (%2). %3")
                      .arg(m_client->session().user, m_client->session().role,
                           list.isEmpty() ? tr("There are no webhooks.") : summary);
    m_status->setText(summary);
    if (selectedWebhook() == 0 && !list.isEmpty())
        m_hooks->selectRow(0);
    updateButtons();
}

void WebhooksDialog::loadDeliveries()
{
    const qint64 id = selectedWebhook();
    if (id == 0) {
        showDeliveries({});
        return;
    }
    m_client->run<Result<QList<WebhookDelivery>>>(
        this,
        [id](Registry *r) -> Result<QList<WebhookDelivery>> {
            if (!r)
                return Error::notFound(QStringLiteral("No registry is open."));
            return r->webhookDeliveries(id, 50);
        },
        [this, id](Result<QList<WebhookDelivery>> list) {
            if (id != selectedWebhook())
                return; // stale
            showDeliveries(list ? *list : QList<WebhookDelivery>{});
            if (!list)
                m_status->setText(list.error().message);
        });
}

void WebhooksDialog::showDeliveries(const QList<WebhookDelivery> &list)
{
    m_shownDeliveries = list;
    m_deliveries->setRowCount(int(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        const WebhookDelivery &d = list.at(i);
        QString response = d.lastCode > 0 ? QStringLiteral("HTTP %1").arg(d.lastCode) : d.lastError;
        QString detail;
        for (const WebhookAttempt &a : d.attemptLog)
            detail += QStringLiteral("%1  %2  %3 ms  %4\n")
                          .arg(a.startedAt, a.statusCode > 0 ? QString::number(a.statusCode) : a.error)
                          .arg(a.durationMs)
                          .arg(a.response.left(120));
        const QString when = d.status == QLatin1String("delivered") ? d.deliveredAt
                             : d.status == QLatin1String("pending") ? tr("next %1").arg(d.nextAttemptAt)
                                                                    : QString();
        m_deliveries->setItem(i, 0, cell(QString::number(d.id)));
        m_deliveries->setItem(i, 1, cell(QString::number(d.eventId)));
        m_deliveries->setItem(i, 2, cell(d.eventType));
        m_deliveries->setItem(i, 3, cell(d.model.isEmpty() ? QStringLiteral("–") : d.model));
        m_deliveries->setItem(i, 4, cell(d.status, d.lastError));
        m_deliveries->setItem(i, 5, cell(QString::number(d.attempts), detail.trimmed()));
        m_deliveries->setItem(i, 6, cell(response, detail.trimmed()));
        m_deliveries->setItem(i, 7, cell(when.left(19).replace(QLatin1Char('T'), QLatin1Char(' '))));
        if (d.status == QLatin1String("failed"))
            for (int c = 0; c < m_deliveries->columnCount(); ++c)
                m_deliveries->item(i, c)->setForeground(QColor(0xb0, 0x1e, 0x1e));
    }
    m_deliveries->resizeColumnsToContents();
    updateButtons();
}

void WebhooksDialog::act(const QString &what, std::function<Status(Registry *)> work)
{
    m_client->run<Status>(
        this,
        [work](Registry *r) -> Status {
            if (!r)
                return Error::notFound(QStringLiteral("No registry is open."));
            return work(r);
        },
        [this, what](Status s) {
            m_status->setText(s ? what : s.error().message);
            if (s)
                emit changed();
            reload();
            loadDeliveries();
        });
}

void WebhooksDialog::testSelected()
{
    const qint64 id = selectedWebhook();
    struct Target
    {
        QString url;
        QByteArray secret;
    };
    m_status->setText(tr("Sending a test ping…"));
    m_client->run<Result<Target>>(
        this,
        [id](Registry *r) -> Result<Target> {
            if (!r)
                return Error::notFound(QStringLiteral("No registry is open."));
            auto w = r->webhook(id);
            if (!w)
                return w.error();
            auto secret = r->webhookSecret(id);
            if (!secret)
                return secret.error();
            return Target{w->url, *secret};
        },
        [this, id](Result<Target> target) {
            if (!target) {
                m_status->setText(target.error().message);
                return;
            }
            // The ping goes from the GUI thread, asynchronously: the window stays responsive.
            auto *nam = new QNetworkAccessManager(this);
            auto started = std::make_shared<QElapsedTimer>();
            started->start();
            auto at = std::make_shared<QString>();
            QNetworkReply *reply =
                postTestPing(*nam, target->url, target->secret, id, m_client->session().user, 10000, at.get());
            connect(reply, &QNetworkReply::finished, this, [this, reply, nam, started, id, at] {
                const AttemptResult a = attemptResultOf(reply, *at, started->elapsed());
                m_status->setText(
                    a.statusCode >= 200 && a.statusCode < 300
                        ? tr("Webhook %1 answered HTTP %2 in %3 ms.").arg(id).arg(a.statusCode).arg(a.durationMs)
                    : a.statusCode > 0 ? tr("Webhook %1 answered HTTP %2: deliveries would be retried or fail.")
                                             .arg(id)
                                             .arg(a.statusCode)
                                       : tr("Webhook %1 did not answer: %2").arg(id).arg(a.error));
                reply->deleteLater();
                nam->deleteLater();
            });
        });
}

void WebhooksDialog::addWebhook()
{
    auto *form = new QDialog(this);
    form->setObjectName(QStringLiteral("addWebhookDialog"));
    form->setWindowTitle(tr("Add Webhook"));
    form->setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(form);
    auto *fields = new QFormLayout;
    auto *url = new QLineEdit(form);
    url->setObjectName(QStringLiteral("webhookUrl"));
    url->setPlaceholderText(QStringLiteral("https://deploy.example/hooks/modeldesk"));
    auto *events = new QLineEdit(QStringLiteral("version.promoted,version.rolled_back"), form);
    events->setObjectName(QStringLiteral("webhookEvents"));
    events->setToolTip(knownEventTypes().join(QStringLiteral(", ")) + tr("; PREFIX.* or * for several"));
    auto *model = new QLineEdit(form);
    model->setObjectName(QStringLiteral("webhookModel"));
    model->setPlaceholderText(tr("all models"));
    auto *generate = new QRadioButton(tr("Generate a new secret"), form);
    generate->setObjectName(QStringLiteral("generateSecret"));
    generate->setChecked(true);
    QByteArray generated(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(generated.begin(), generated.end());
    auto *secretText = new QLineEdit(QStringLiteral("whsec_") + QString::fromLatin1(generated.toBase64()), form);
    secretText->setObjectName(QStringLiteral("generatedSecret"));
    secretText->setReadOnly(true);
    auto *copy = new QPushButton(tr("Copy"), form);
    connect(copy, &QPushButton::clicked, form,
            [secretText] { QApplication::clipboard()->setText(secretText->text()); });
    auto *fromFile = new QRadioButton(tr("Secret from a file"), form);
    fromFile->setObjectName(QStringLiteral("secretFromFile"));
    auto *file = new QLineEdit(form);
    file->setObjectName(QStringLiteral("secretFile"));
    auto *browse = new QPushButton(tr("Browse…"), form);
    connect(browse, &QPushButton::clicked, form, [form, file, fromFile] {
        const QString path = QFileDialog::getOpenFileName(form, tr("Secret file"));
        if (!path.isEmpty()) {
            file->setText(path);
            fromFile->setChecked(true);
        }
    });
    // Only the chosen source of the secret is editable.
    auto chooseSource = [=] {
        const bool fileChosen = fromFile->isChecked();
        secretText->setEnabled(!fileChosen);
        copy->setEnabled(!fileChosen);
        file->setEnabled(fileChosen);
    };
    connect(fromFile, &QRadioButton::toggled, form, chooseSource);
    chooseSource();
    auto *generatedRow = new QHBoxLayout;
    generatedRow->addWidget(secretText, 1);
    generatedRow->addWidget(copy);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(file, 1);
    fileRow->addWidget(browse);
    fields->addRow(tr("URL"), url);
    fields->addRow(tr("Events"), events);
    fields->addRow(tr("Model"), model);
    fields->addRow(generate);
    fields->addRow(tr("Secret"), generatedRow);
    fields->addRow(fromFile);
    fields->addRow(tr("File"), fileRow);
    layout->addLayout(fields);
    auto *hint = new QLabel(tr("Give the receiver the secret: it verifies each delivery's webhook-signature with it. "
                               "It is stored so that only admins can read it."),
                            form);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    auto *error = new QLabel(form);
    error->setObjectName(QStringLiteral("addWebhookError"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #b01e1e"));
    layout->addWidget(error);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, form);
    box->button(QDialogButtonBox::Ok)->setText(tr("Add Webhook"));
    layout->addWidget(box);
    connect(box, &QDialogButtonBox::rejected, form, &QDialog::reject);
    connect(box, &QDialogButtonBox::accepted, form, [=, this] {
        WebhookSpec spec;
        spec.url = url->text().trimmed();
        spec.model = model->text().trimmed();
        QString problem;
        if (!parseEventPatterns(events->text(), &spec.events, &problem)) {
            error->setText(problem);
            return;
        }
        if (generate->isChecked()) {
            spec.secret = generated;
        } else {
            QFile f(file->text());
            if (!f.open(QIODevice::ReadOnly)) {
                error->setText(tr("Cannot read the secret file %1: %2.").arg(file->text(), f.errorString()));
                return;
            }
            spec.secret = webhookSecretFromFile(f.read(64 * 1024), &problem);
            if (spec.secret.isEmpty()) {
                error->setText(problem);
                return;
            }
        }
        box->setEnabled(false);
        m_client->run<Result<Webhook>>(
            form,
            [spec](Registry *r) -> Result<Webhook> {
                if (!r)
                    return Error::notFound(QStringLiteral("No registry is open."));
                return r->addWebhook(spec);
            },
            [this, form, box, error](Result<Webhook> w) {
                box->setEnabled(true);
                if (!w) {
                    error->setText(w.error().message); // the form keeps what was typed
                    return;
                }
                m_status->setText(tr("Webhook %1 added: it receives events from now on.").arg(w->id));
                emit changed();
                reload();
                form->accept();
            });
    });
    form->resize(std::min(640, width()), form->sizeHint().height());
    form->open();
}

} // namespace md
