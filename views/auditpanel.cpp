#include "auditpanel.h"

#include "items/auditlogmodel.h"
#include "items/lifecycleclient.h"
#include "items/registryclient.h"

#include <QCryptographicHash>
#include <QSettings>

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace md {

AuditPanel::AuditPanel(LifecycleClient *client, AuditLogModel *model, QWidget *parent)
    : QWidget(parent), m_client(client), m_auditModel(model)
{
    setObjectName(QStringLiteral("auditPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *filters = new QHBoxLayout;
    m_actor = new QLineEdit(this);
    m_actor->setObjectName(QStringLiteral("auditActor"));
    m_actor->setPlaceholderText(tr("Actor"));
    m_actor->setClearButtonEnabled(true);
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("auditAction"));
    m_action->addItem(tr("Any action"), QString());
    for (const char *a :
         {"stage_promote", "stage_rollback", "stage_archive", "stage_demote", "request_promotion", "approve", "reject",
          "register_version", "create_model", "set_alias", "set_gate_policy", "grant_role"})
        m_action->addItem(QLatin1String(a), QLatin1String(a));
    m_model = new QLineEdit(this);
    m_model->setObjectName(QStringLiteral("auditModel"));
    m_model->setPlaceholderText(tr("Model (name or prefix)"));
    m_model->setClearButtonEnabled(true);
    m_since = new QComboBox(this);
    m_since->setObjectName(QStringLiteral("auditSince"));
    m_since->addItem(tr("Any time"), 0);
    m_since->addItem(tr("Last hour"), 3600);
    m_since->addItem(tr("Last 24 hours"), 86400);
    m_since->addItem(tr("Last 7 days"), 7 * 86400);
    m_since->addItem(tr("Last 30 days"), 30 * 86400);
    auto *apply = new QPushButton(tr("Filter"), this);
    apply->setObjectName(QStringLiteral("auditFilterButton"));
    m_verify = new QPushButton(tr("Verify integrity"), this);
    m_verify->setObjectName(QStringLiteral("verifyButton"));
    m_verify->setToolTip(tr("Walk the whole hash chain and report the first edited or deleted entry"));
    // The combo boxes may shrink below their longest entry, so the dock fits a 1024-pixel screen.
    for (QComboBox *box : {m_action, m_since}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(8);
    }
    filters->addWidget(m_actor, 1);
    filters->addWidget(m_action, 1);
    filters->addWidget(m_model, 2);
    filters->addWidget(m_since);
    filters->addWidget(apply);
    filters->addWidget(m_verify);
    layout->addLayout(filters);
    auto *status = new QHBoxLayout;
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("verifyResult"));
    m_result->setTextFormat(Qt::RichText);
    m_result->setWordWrap(true);
    m_count = new QLabel(this);
    status->addWidget(m_result, 1);
    status->addWidget(m_count);
    layout->addLayout(status);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("auditView"));
    m_view->setModel(model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(22);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    layout->addWidget(m_view, 1);
    connect(apply, &QPushButton::clicked, this, &AuditPanel::applyFilter);
    connect(m_actor, &QLineEdit::returnPressed, this, &AuditPanel::applyFilter);
    connect(m_model, &QLineEdit::returnPressed, this, &AuditPanel::applyFilter);
    connect(m_action, &QComboBox::activated, this, &AuditPanel::applyFilter);
    connect(m_since, &QComboBox::activated, this, &AuditPanel::applyFilter);
    connect(m_verify, &QPushButton::clicked, this, &AuditPanel::verify);
    connect(model, &AuditLogModel::loaded, this, [this](int n) {
        m_count->setText(tr("%n entr(y/ies)", nullptr, n));
        m_view->resizeColumnsToContents();
        m_view->horizontalHeader()->setStretchLastSection(true);
    });
    connect(model, &AuditLogModel::loadFailed, this,
            [this](const QString &m) { m_count->setText(tr("Could not read the audit log: %1").arg(m)); });
}

void AuditPanel::applyFilter()
{
    AuditFilter f;
    f.actor = m_actor->text().trimmed();
    f.action = m_action->currentData().toString();
    f.objectKeyPrefix = m_model->text().trimmed();
    const int seconds = m_since->currentData().toInt();
    if (seconds > 0)
        f.since = QDateTime::currentDateTimeUtc().addSecs(-seconds).toString(Qt::ISODateWithMs);
    f.limit = 1000;
    m_auditModel->setFilter(f);
}

namespace {
// One checkpoint per registry URL, kept in the user's settings: each verification compares against the
// head the previous one saw, so deleting the newest entries between two checks is noticed.
QString checkpointKey(const QString &url)
{
    return QStringLiteral("auditCheckpoints/") +
           QString::fromLatin1(QCryptographicHash::hash(url.toUtf8(), QCryptographicHash::Sha256).toHex().left(16));
}
} // namespace

std::optional<AuditCheckpoint> AuditPanel::savedCheckpoint(QString *takenAt) const
{
    QSettings settings;
    const QString key = checkpointKey(m_client->registryClient()->url());
    if (takenAt)
        *takenAt = settings.value(key + QStringLiteral("/at")).toString();
    return AuditCheckpoint::parse(settings.value(key + QStringLiteral("/head")).toString());
}

void AuditPanel::verify()
{
    m_verify->setEnabled(false);
    m_result->setText(tr("Verifying the hash chain…"));
    QString takenAt;
    const std::optional<AuditCheckpoint> expect = savedCheckpoint(&takenAt);
    m_client->verifyAudit(expect, this, [this, expect, takenAt](Result<AuditVerification> r) {
        m_verify->setEnabled(true);
        if (!r) {
            m_result->setText(
                tr("<b style='color:#b71c1c'>Could not verify: %1</b>").arg(r.error().message.toHtmlEscaped()));
            emit verified(false);
            return;
        }
        const QString against =
            expect ? tr("Compared against the checkpoint of %1: %2 entries, head %3…")
                         .arg(takenAt.isEmpty() ? tr("the last check") : takenAt)
                         .arg(expect->entries)
                         .arg(expect->hash.left(12))
                   : tr("No earlier checkpoint for this registry: the next check compares against this one.");
        if (r->intact) {
            m_result->setText(tr("<b style='color:#1b5e20'>✔ Intact:</b> all %1 entries checked, the hash chain is "
                                 "unbroken.<br>%2")
                                  .arg(r->entriesChecked)
                                  .arg(against.toHtmlEscaped()));
            QSettings settings;
            const QString key = checkpointKey(m_client->registryClient()->url());
            settings.setValue(key + QStringLiteral("/head"), r->head.token());
            settings.setValue(key + QStringLiteral("/at"),
                              QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")));
        } else if (r->firstBrokenId == 0) { // the file itself, or the guards that protect the log
            m_result->setText(tr("<b style='color:#b71c1c'>✘ Not intact:</b> %1.").arg(r->problem.toHtmlEscaped()));
        } else {
            m_result->setText(tr("<b style='color:#b71c1c'>✘ Broken at entry #%1:</b> %2 (%3 entries checked).<br>%4")
                                  .arg(r->firstBrokenId)
                                  .arg(r->problem.toHtmlEscaped())
                                  .arg(r->entriesChecked)
                                  .arg(against.toHtmlEscaped()));
        }
        emit verified(r->intact);
    });
}

} // namespace md
