#include "approvaldialog.h"

#include "icons.h"

#include "gatechecklist.h"
#include "items/metricdeltamodel.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace md {

namespace {

QString when(const QString &iso)
{
    return QString(iso).replace(QLatin1Char('T'), QLatin1Char(' ')).left(16) + QStringLiteral(" UTC");
}

QString factValue(const ModelVersion &v, const QString &category, const QStringList &names)
{
    for (const QString &n : names)
        for (const Fact &f : v.facts)
            if (f.category == category && f.name == n && !f.value.trimmed().isEmpty())
                return f.value;
    return {};
}

QString anyFact(const ModelVersion &v, const QString &category)
{
    QStringList parts;
    for (const Fact &f : v.facts)
        if (f.category == category && !f.value.trimmed().isEmpty())
            parts << f.name + QLatin1Char('=') + f.value;
    return parts.join(QStringLiteral(", "));
}

QString check(const QString &label, const QString &value)
{
    return value.isEmpty() ? QStringLiteral("<span style='color:#b71c1c'><b>✘ %1: missing</b></span>").arg(label)
                           : QStringLiteral("<span style='color:#1b5e20'><b>✔ %1:</b></span> %2")
                                 .arg(label, value.left(60).toHtmlEscaped());
}

} // namespace

ApprovalDialog::ApprovalDialog(LifecycleClient *client, qint64 requestId, QWidget *parent)
    : QDialog(parent), m_client(client), m_requestId(requestId), m_metricModel(new MetricDeltaModel(this))
{
    setObjectName(QStringLiteral("approvalDialog"));
    setWindowTitle(tr("Review request #%1").arg(requestId));
    resize(1180, 780);
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(tr("Loading request #%1…").arg(requestId), this);
    m_title->setObjectName(QStringLiteral("titleLabel"));
    m_title->setTextFormat(Qt::RichText);
    layout->addWidget(m_title);

    auto *facts = new QGridLayout;
    m_people = new QLabel(this);
    m_people->setObjectName(QStringLiteral("peopleLabel"));
    m_people->setTextFormat(Qt::RichText);
    m_people->setWordWrap(true);
    m_provenance = new QLabel(this);
    m_provenance->setObjectName(QStringLiteral("provenanceLabel"));
    m_provenance->setTextFormat(Qt::RichText);
    m_provenance->setWordWrap(true);
    facts->addWidget(m_people, 0, 0);
    facts->addWidget(m_provenance, 0, 1);
    facts->setColumnStretch(0, 1);
    facts->setColumnStretch(1, 1);
    layout->addLayout(facts);
    m_reason = new QLabel(this);
    m_reason->setObjectName(QStringLiteral("reasonLabel"));
    m_reason->setTextFormat(Qt::RichText);
    m_reason->setWordWrap(true);
    m_reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_reason);

    auto *split = new QSplitter(Qt::Horizontal, this);
    auto *metricsBox = new QGroupBox(tr("Metrics: candidate vs current Production"), split);
    auto *metricsLayout = new QVBoxLayout(metricsBox);
    m_metricSummary = new QLabel(metricsBox);
    m_metricSummary->setObjectName(QStringLiteral("metricSummary"));
    m_metricSummary->setTextFormat(Qt::RichText);
    metricsLayout->addWidget(m_metricSummary);
    m_metrics = new QTableView(metricsBox);
    m_metrics->setObjectName(QStringLiteral("metricTable"));
    m_metrics->setModel(m_metricModel);
    m_metrics->verticalHeader()->hide();
    m_metrics->verticalHeader()->setDefaultSectionSize(22);
    m_metrics->setSelectionMode(QAbstractItemView::NoSelection);
    m_metrics->horizontalHeader()->setSectionResizeMode(MetricDeltaModel::MetricColumn, QHeaderView::Stretch);
    metricsLayout->addWidget(m_metrics);
    auto *right = new QWidget(split);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *gatesBox = new QGroupBox(tr("Gate checklist"), right);
    auto *gatesLayout = new QVBoxLayout(gatesBox);
    m_gates = new GateChecklist(gatesBox);
    gatesLayout->addWidget(m_gates);
    rightLayout->addWidget(gatesBox, 3);
    auto *decisionsBox = new QGroupBox(tr("Earlier decisions"), right);
    auto *decisionsLayout = new QVBoxLayout(decisionsBox);
    m_decisions = new QTreeWidget(decisionsBox);
    m_decisions->setObjectName(QStringLiteral("decisionList"));
    m_decisions->setRootIsDecorated(false);
    m_decisions->setHeaderLabels({tr("Who"), tr("Decision"), tr("When"), tr("Comment")});
    decisionsLayout->addWidget(m_decisions);
    rightLayout->addWidget(decisionsBox, 2);
    split->addWidget(metricsBox);
    split->addWidget(right);
    split->setSizes({560, 600});
    layout->addWidget(split, 1);

    m_identity = new QLabel(this);
    m_identity->setObjectName(QStringLiteral("identityLabel"));
    layout->addWidget(m_identity);
    m_blocked = new QLabel(this);
    m_blocked->setObjectName(QStringLiteral("blockedLabel"));
    m_blocked->setWordWrap(true);
    m_blocked->setStyleSheet(QStringLiteral("color: #b71c1c; font-weight: bold;"));
    m_blocked->hide();
    layout->addWidget(m_blocked);
    layout->addWidget(new QLabel(tr("Comment (required; the requester and auditors read it):"), this));
    m_comment = new QPlainTextEdit(this);
    m_comment->setObjectName(QStringLiteral("commentEdit"));
    m_comment->setTabChangesFocus(true);
    m_comment->setMaximumHeight(60);
    layout->addWidget(m_comment);
    m_overrideLabel = new QLabel(
        tr("<b style='color:#b71c1c'>Gates fail.</b> To approve anyway, state why (override reason):"), this);
    m_overrideLabel->setTextFormat(Qt::RichText);
    m_overrideLabel->hide();
    layout->addWidget(m_overrideLabel);
    m_override = new QLineEdit(this);
    m_override->setObjectName(QStringLiteral("overrideEdit"));
    m_override->setPlaceholderText(tr("Why the failing gates are acceptable for this release"));
    m_override->hide();
    layout->addWidget(m_override);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #b71c1c; font-weight: bold;"));
    m_error->hide();
    layout->addWidget(m_error);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_reject = buttons->addButton(tr("Reject"), QDialogButtonBox::ActionRole);
    m_reject->setIcon(icon(QStringLiteral("actions/reject")));
    m_reject->setObjectName(QStringLiteral("rejectButton"));
    m_approve = buttons->addButton(tr("Approve"), QDialogButtonBox::ActionRole);
    m_approve->setIcon(icon(QStringLiteral("actions/approve")));
    m_approve->setObjectName(QStringLiteral("approveButton"));
    for (QPushButton *b : {m_approve, m_reject})
        b->setAutoDefault(false);
    connect(m_approve, &QPushButton::clicked, this, [this]() { decide(true); });
    connect(m_reject, &QPushButton::clicked, this, [this]() { decide(false); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_comment, &QPlainTextEdit::textChanged, this, &ApprovalDialog::updateButtons);
    connect(m_override, &QLineEdit::textChanged, this, &ApprovalDialog::updateButtons);
    updateButtons();
    load();
}

void ApprovalDialog::load()
{
    m_client->loadReview(m_requestId, this, [this](Result<ReviewData> r) {
        if (!r) {
            m_title->setText(tr("<h2>Request #%1</h2>").arg(m_requestId));
            showError(r.error().message);
            return;
        }
        present(*r);
    });
}

void ApprovalDialog::present(const ReviewData &d)
{
    m_data = d;
    m_loaded = true;
    const ApprovalRequest &q = d.request;
    int approvals = 0;
    for (const ApprovalDecision &dec : q.decisions)
        approvals += dec.decision == QLatin1String("approve") ? 1 : 0;
    const QString statusColour = q.status == QLatin1String("pending")    ? QStringLiteral("#e65100")
                                 : q.status == QLatin1String("rejected") ? QStringLiteral("#b71c1c")
                                                                         : QStringLiteral("#1b5e20");
    m_title->setText(tr("<h2>%1 &nbsp;v%2 → %3</h2><span style='color:%4'><b>Request #%5: %6</b></span> · "
                        "%7 of %8 approval(s) · Production now: %9")
                         .arg(q.modelName.toHtmlEscaped())
                         .arg(q.version)
                         .arg(q.toStage)
                         .arg(statusColour)
                         .arg(q.id)
                         .arg(q.status.toUpper())
                         .arg(approvals)
                         .arg(q.requiredApprovals)
                         .arg(d.hasBaseline ? QStringLiteral("v%1").arg(d.baseline.version) : tr("none")));
    const QString staging = d.stagingSince.isValid() ? ageText(d.stagingSince.toString(Qt::ISODate))
                                                     : tr("not in Staging (%1)").arg(stageName(d.candidate.stage));
    m_people->setText(tr("<b>Registered by</b> %1 on %2<br><b>Requested by</b> %3 on %4 (%5 ago)<br>"
                         "<b>Time in Staging:</b> %6")
                          .arg(q.registeredBy.toHtmlEscaped(), when(d.candidate.createdAt),
                               q.requestedBy.toHtmlEscaped(), when(q.requestedAt), ageText(q.requestedAt), staging));
    const ModelVersion &c = d.candidate;
    m_provenance->setText(
        tr("<b>Provenance</b><br>%1<br>%2<br>%3")
            .arg(check(tr("Data version"), factValue(c, QStringLiteral("data"),
                                                     {QStringLiteral("dataset_version"), QStringLiteral("version"),
                                                      QStringLiteral("dataset")})))
            .arg(check(tr("Code SHA"),
                       factValue(c, QStringLiteral("code"),
                                 {QStringLiteral("git_sha"), QStringLiteral("sha"), QStringLiteral("commit")})))
            .arg(check(tr("Environment"), anyFact(c, QStringLiteral("env")))));
    m_reason->setText(tr("<b>Reason:</b> %1").arg(q.reason.toHtmlEscaped()));
    m_metricModel->setVersions(c, d.hasBaseline ? &d.baseline : nullptr, d.directions);
    m_metrics->resizeColumnsToContents();
    m_metrics->horizontalHeader()->setSectionResizeMode(MetricDeltaModel::MetricColumn, QHeaderView::Stretch);
    m_metricSummary->setText(
        d.hasBaseline ? tr("Against Production v%1: <b style='color:#1b5e20'>%2 better</b>, "
                           "<b style='color:#b71c1c'>%3 worse</b> (lower is better for loss, latency, error…).")
                            .arg(d.baseline.version)
                            .arg(m_metricModel->betterCount())
                            .arg(m_metricModel->worseCount())
                      : tr("Nothing in Production: no baseline to compare with."));
    m_gates->setReport(d.gates);
    m_decisions->clear();
    for (const ApprovalDecision &dec : q.decisions) {
        auto *item = new QTreeWidgetItem(
            m_decisions,
            {dec.actor, dec.decision, when(dec.at),
             dec.comment + (dec.overrideReason.isEmpty() ? QString() : tr(" (override: %1)").arg(dec.overrideReason))});
        item->setForeground(1, dec.decision == QLatin1String("approve") ? QColor(0x1b, 0x5e, 0x20)
                                                                        : QColor(0xb7, 0x1c, 0x1c));
    }
    if (q.decisions.isEmpty())
        new QTreeWidgetItem(m_decisions, {tr("none yet")});
    m_identity->setText(tr("You decide as <b>%1</b> (%2) — the identity of this connection.")
                            .arg(d.permissions.actor.toHtmlEscaped(),
                                 d.permissions.roles.isEmpty() ? tr("no ModelDesk role")
                                                               : d.permissions.roles.join(QStringLiteral(", "))));
    m_identity->setTextFormat(Qt::RichText);
    m_blocked->setText(d.approve.why);
    m_blocked->setVisible(!d.approve.enabled);
    const bool failing = !d.gates.passed;
    m_overrideLabel->setVisible(failing);
    m_override->setVisible(failing);
    updateButtons();
    emit loaded();
}

void ApprovalDialog::updateButtons()
{
    const bool canDecide = m_loaded && !m_busy && m_data.approve.enabled;
    const bool hasComment = !m_comment->toPlainText().trimmed().isEmpty();
    const bool needsOverride = m_loaded && !m_data.gates.passed;
    const bool hasOverride = !m_override->text().trimmed().isEmpty();
    m_reject->setEnabled(canDecide && hasComment);
    m_approve->setEnabled(canDecide && hasComment && (!needsOverride || hasOverride));
    QString why;
    if (m_loaded && !m_data.approve.enabled)
        why = m_data.approve.why;
    else if (!hasComment)
        why = tr("Write a comment first.");
    else if (needsOverride && !hasOverride)
        why = tr("A gate fails: approving needs an override reason.");
    m_approve->setToolTip(why);
    m_reject->setToolTip(m_loaded && !m_data.approve.enabled ? m_data.approve.why
                                                             : (hasComment ? QString() : tr("Write a comment first.")));
}

void ApprovalDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(true);
    emit failed(message);
}

void ApprovalDialog::decide(bool approve)
{
    const QString comment = m_comment->toPlainText().trimmed();
    if (comment.isEmpty() || m_busy)
        return;
    m_busy = true;
    m_error->hide();
    updateButtons();
    const QString overrideReason = approve ? m_override->text().trimmed() : QString();
    m_client->decide(m_requestId, approve, comment, overrideReason, this, [this, approve](Result<TransitionOutcome> r) {
        m_busy = false;
        if (!r) {
            showError(r.error().message);
            updateButtons();
            return;
        }
        const ApprovalRequest &q = m_data.request;
        if (!approve)
            m_resultMessage = tr("Rejected request #%1 (%2 v%3).").arg(q.id).arg(q.modelName).arg(q.version);
        else if (r->version > 0)
            m_resultMessage = tr("Approved: %1 v%2 is in Production now.").arg(q.modelName).arg(q.version);
        else
            m_resultMessage = tr("Approved request #%1; it waits for more approvals.").arg(q.id);
        accept();
    });
}

} // namespace md
