#include "promotiondialog.h"

#include "gatechecklist.h"
#include "items/lifecycleclient.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace md {

PromotionDialog::PromotionDialog(LifecycleClient *client, const QString &modelName, int version, Stage current,
                                 QWidget *parent)
    : QDialog(parent), m_client(client), m_model(modelName), m_version(version),
      m_target(current == Stage::None ? Stage::Staging : Stage::Production)
{
    setObjectName(QStringLiteral("promotionDialog"));
    setWindowTitle(tr("Request promotion — %1 v%2").arg(modelName).arg(version));
    resize(720, 520);
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(this);
    title->setTextFormat(Qt::RichText);
    title->setText(m_target == Stage::Staging
                       ? tr("<h3>%1 v%2: None → Staging</h3>The staging gates run now; the version moves when "
                            "they pass.")
                             .arg(modelName.toHtmlEscaped())
                             .arg(version)
                       : tr("<h3>%1 v%2: Staging → Production</h3>Reviewers decide on this request; the gate "
                            "report below is attached to it.")
                             .arg(modelName.toHtmlEscaped())
                             .arg(version));
    title->setWordWrap(true);
    layout->addWidget(title);
    m_baseline = new QLabel(this);
    m_baseline->setObjectName(QStringLiteral("baselineLabel"));
    layout->addWidget(m_baseline);
    m_checklist = new GateChecklist(this);
    m_checklist->setMessage(tr("Evaluating the gates…"));
    layout->addWidget(m_checklist, 1);
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("verdictLabel"));
    m_verdict->setWordWrap(true);
    layout->addWidget(m_verdict);
    layout->addWidget(new QLabel(tr("Reason (required; reviewers and the audit log read it):"), this));
    m_reason = new QPlainTextEdit(this);
    m_reason->setObjectName(QStringLiteral("reasonEdit"));
    m_reason->setPlaceholderText(tr("Why this version, why now"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMaximumHeight(80);
    layout->addWidget(m_reason);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #b71c1c; font-weight: bold;"));
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_submit = buttons->addButton(m_target == Stage::Staging ? tr("Promote to Staging") : tr("Submit request"),
                                  QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("submitButton"));
    m_submit->setAutoDefault(false);
    connect(m_submit, &QPushButton::clicked, this, &PromotionDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &PromotionDialog::updateButtons);
    m_reason->setFocus();
    updateButtons();
    refreshPreview();
}

void PromotionDialog::refreshPreview()
{
    m_client->previewGates(m_model, m_version, m_target, this, [this](Result<GateReport> r) {
        m_previewed = true;
        if (!r) {
            m_checklist->setMessage(r.error().message);
            m_verdict->clear();
        } else {
            m_checklist->setReport(*r);
            m_baseline->setText(r->baselineVersion > 0
                                    ? tr("Compared with the current Production version v%1.").arg(r->baselineVersion)
                                    : tr("Nothing in Production: no baseline to compare with."));
            if (r->passed)
                m_verdict->setText(m_target == Stage::Production
                                       ? tr("<b style='color:#1b5e20'>All gates pass.</b> %n approval(s) needed.",
                                            nullptr, r->approvalsRequired)
                                       : tr("<b style='color:#1b5e20'>All gates pass.</b>"));
            else
                m_verdict->setText(
                    m_target == Stage::Production
                        ? tr("<b style='color:#b71c1c'>%n gate(s) fail.</b> You can still ask; a reviewer must then "
                             "approve with an explicit override reason.",
                             nullptr, m_checklist->failingCount())
                        : tr("<b style='color:#b71c1c'>%n gate(s) fail:</b> the version cannot go to Staging.", nullptr,
                             m_checklist->failingCount()));
        }
        updateButtons();
        emit previewLoaded();
    });
}

void PromotionDialog::updateButtons()
{
    const bool hasReason = !m_reason->toPlainText().trimmed().isEmpty();
    m_submit->setEnabled(!m_busy && m_previewed && hasReason);
    m_submit->setToolTip(hasReason ? QString() : tr("Type a reason first."));
}

void PromotionDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
    emit failed(message);
}

void PromotionDialog::submit()
{
    const QString reason = m_reason->toPlainText().trimmed();
    if (reason.isEmpty() || m_busy)
        return;
    m_busy = true;
    m_error->hide();
    updateButtons();
    if (m_target == Stage::Staging) {
        m_client->promote(m_model, m_version, Stage::Staging, reason, this, [this](Result<TransitionOutcome> r) {
            m_busy = false;
            if (!r) {
                showError(r.error().message);
                updateButtons();
                return;
            }
            m_resultMessage = tr("%1 v%2 is in Staging now.").arg(m_model).arg(m_version);
            accept();
        });
        return;
    }
    m_client->requestPromotion(m_model, m_version, Stage::Production, reason, this, [this](Result<ApprovalRequest> r) {
        m_busy = false;
        if (!r) {
            showError(r.error().message);
            updateButtons();
            return;
        }
        m_resultMessage = tr("Request #%1 for %2 v%3 is waiting for review.").arg(r->id).arg(m_model).arg(m_version);
        accept();
    });
}

} // namespace md
