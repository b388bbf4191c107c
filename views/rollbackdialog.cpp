#include "rollbackdialog.h"

#include "productiontimeline.h"
#include "registry/gates.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QShortcut>
#include <QVBoxLayout>

namespace md {

namespace {

QString shortTime(const QString &iso)
{
    return iso.isEmpty() ? QStringLiteral("now") : QString(iso).replace(QLatin1Char('T'), QLatin1Char(' ')).left(16);
}

const ProductionPeriod *lastPeriod(const RollbackData &d, int version)
{
    const ProductionPeriod *found = nullptr;
    for (const ProductionPeriod &p : d.history)
        if (p.version == version)
            found = &p;
    return found;
}

} // namespace

RollbackDialog::RollbackDialog(LifecycleClient *client, const QString &modelName, QWidget *parent, int initialTarget)
    : QDialog(parent), m_client(client), m_model(modelName), m_initialTarget(initialTarget)
{
    setObjectName(QStringLiteral("rollbackDialog"));
    setWindowTitle(tr("Roll back %1").arg(modelName));
    // The content scrolls, the buttons stay: at 2x scale or on a 1024x640 screen the dialog must still
    // show Roll back without moving the window.
    auto *outer = new QVBoxLayout(this);
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("rollbackScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *content = new QWidget(scroll);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);
    m_title = new QLabel(tr("Loading the production history of %1…").arg(modelName), this);
    m_title->setObjectName(QStringLiteral("titleLabel"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    m_timeline = new ProductionTimeline(this);
    m_timeline->setSelectable(true);
    m_timeline->setToolTip(QString());
    m_timeline->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    layout->addWidget(m_timeline);
    auto *legend = new QLabel(tr("<small>Green: in Production now · blue: suggested target · red ✘: rolled back from "
                                 "· ▲ promoted (filled: approved) · ↺ rolled back to. Click a grey band to pick "
                                 "another target; hover for metrics.</small>"),
                              this);
    legend->setTextFormat(Qt::RichText);
    legend->setWordWrap(true);
    layout->addWidget(legend);
    auto *form = new QFormLayout;
    m_targets = new QComboBox(this);
    m_targets->setObjectName(QStringLiteral("targetCombo"));
    form->addRow(tr("Roll back to:"), m_targets);
    m_why = new QLabel(this);
    m_why->setObjectName(QStringLiteral("whyLabel"));
    m_why->setTextFormat(Qt::RichText);
    m_why->setWordWrap(true);
    m_why->setMinimumHeight(90);
    m_why->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_why->setStyleSheet(QStringLiteral("QLabel { background: #f5f7fa; border: 1px solid #cfd8dc; padding: 6px; }"));
    form->addRow(tr("Why:"), m_why);
    m_reason = new QLineEdit(this);
    m_reason->setObjectName(QStringLiteral("reasonEdit"));
    m_reason->setPlaceholderText(tr("Required: what is wrong with the current version (incident, alert, ticket)"));
    form->addRow(tr("Reason:"), m_reason);
    m_aliases = new QLabel(this);
    m_aliases->setObjectName(QStringLiteral("aliasesLabel"));
    m_aliases->setTextFormat(Qt::RichText);
    m_aliases->setWordWrap(true);
    form->addRow(tr("Aliases:"), m_aliases);
    m_moveAliases = new QCheckBox(this);
    m_moveAliases->setObjectName(QStringLiteral("moveAliasesBox"));
    m_moveAliases->hide();
    form->addRow(QString(), m_moveAliases);
    layout->addLayout(form);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #b71c1c; font-weight: bold;"));
    m_error->hide();
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout = outer; // the buttons below the scrolled content
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_confirm = buttons->addButton(tr("Roll back"), QDialogButtonBox::AcceptRole);
    m_confirm->setObjectName(QStringLiteral("confirmButton"));
    m_confirm->setStyleSheet(QStringLiteral("QPushButton:enabled { background: #c62828; color: white; "
                                            "font-weight: bold; padding: 4px 14px; }"));
    // Enter in the reason confirms nothing (a tired on-call engineer presses it by habit): Ctrl+Enter does, as in the
    // other dialogs with a reason. (QDialogButtonBox makes its first accept button the default when it is shown, so
    // the reason keeps plain Enter to itself.)
    m_reason->installEventFilter(this);
    m_confirm->setToolTip(tr("Roll back (Ctrl+Enter)"));
    for (const QKeySequence &keys : {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)})
        connect(new QShortcut(keys, this), &QShortcut::activated, this, [this]() {
            if (m_confirm->isEnabled())
                confirm();
        });
    connect(m_confirm, &QPushButton::clicked, this, &RollbackDialog::confirm);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_reason, &QLineEdit::textChanged, this, &RollbackDialog::updateButtons);
    connect(m_timeline, &ProductionTimeline::versionClicked, this, [this](int v) {
        if (m_data.eligible.contains(v))
            choose(v);
    });
    connect(m_targets, &QComboBox::activated, this, [this](int index) { choose(m_targets->itemData(index).toInt()); });
    QSize size(1000, 600);
    if (const QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableGeometry().size() * 0.92);
    resize(size);
    m_reason->setFocus();
    updateButtons();
    m_client->loadRollback(modelName, this, [this](Result<RollbackData> r) {
        if (!r) {
            m_error->setText(r.error().message);
            m_error->show();
            emit failed(r.error().message);
            return;
        }
        present(*r);
    });
}

void RollbackDialog::present(const RollbackData &d)
{
    m_data = d;
    m_loaded = true;
    const ProductionPeriod *now = lastPeriod(d, d.current);
    if (d.current > 0)
        m_title->setText(
            tr("<h2>Roll back %1</h2>In Production now: <b style='color:#2e7d32'>v%2</b> since %3 (%4 by %5).")
                .arg(d.modelName.toHtmlEscaped())
                .arg(d.current)
                .arg(now ? shortTime(now->from) : QString(), now ? now->enteredKind : QString(),
                     now ? now->enteredBy.toHtmlEscaped() : QString()));
    else
        m_title->setText(tr("<h2>Roll back %1</h2>Nothing is in Production.").arg(d.modelName.toHtmlEscaped()));
    m_timeline->setData(d);
    m_targets->clear();
    for (int v : d.eligible) {
        const ProductionPeriod *p = lastPeriod(d, v);
        QString text = QStringLiteral("v%1").arg(v);
        if (v == d.suggested)
            text += tr("  (suggested)");
        else if (d.versions.value(v).rollbackExcluded)
            text += tr("  (was rolled back from)");
        if (p)
            text += tr("  — served %1 → %2").arg(shortTime(p->from), shortTime(p->to));
        m_targets->addItem(text, v);
    }
    if (!d.rollback.enabled) {
        m_error->setText(d.rollback.why);
        m_error->show();
    }
    if (m_initialTarget > 0 && d.eligible.contains(m_initialTarget))
        choose(m_initialTarget);
    else
        choose(d.suggested > 0 ? d.suggested : (d.eligible.isEmpty() ? 0 : d.eligible.first()));
    emit loaded();
}

void RollbackDialog::choose(int version)
{
    m_target = version;
    m_timeline->setSelectedVersion(version);
    const int index = m_targets->findData(version);
    if (index >= 0)
        m_targets->setCurrentIndex(index);
    if (version <= 0) {
        m_why->setText(m_data.noSuggestion.isEmpty() ? tr("No eligible target.") : m_data.noSuggestion.toHtmlEscaped());
        updateButtons();
        return;
    }
    const ProductionPeriod *p = lastPeriod(m_data, version);
    const ModelVersion target = m_data.versions.value(version);
    const ModelVersion current = m_data.versions.value(m_data.current);
    QString why;
    if (version == m_data.suggested)
        why =
            tr("<b>Suggested:</b> the last version that left Production normally and was never rolled back from.<br>");
    else if (target.rollbackExcluded)
        why = tr("<b style='color:#b71c1c'>Careful:</b> v%1 was itself rolled back from once.<br>").arg(version);
    else
        why = tr("<b>Chosen by you</b> (suggested: %1).<br>")
                  .arg(m_data.suggested > 0 ? QStringLiteral("v%1").arg(m_data.suggested) : tr("none"));
    if (p) {
        why += tr("<b>Served</b> %1 → %2, %3 by %4")
                   .arg(shortTime(p->from), shortTime(p->to),
                        p->enteredKind == QLatin1String("rollback") ? tr("rolled back to") : tr("promoted"),
                        p->enteredBy.toHtmlEscaped());
        why += p->approvers.isEmpty()
                   ? tr(", no approvals recorded")
                   : tr(", <b>approved by</b> %1").arg(p->approvers.join(QStringLiteral(", ")).toHtmlEscaped());
        if (!p->leftKind.isEmpty())
            why += tr("; left Production (%1 by %2): <i>%3</i>")
                       .arg(p->leftKind, p->leftBy.toHtmlEscaped(), p->leftReason.toHtmlEscaped());
        why += QStringLiteral("<br>");
    }
    QStringList metrics;
    for (const Metric &m : target.metrics) {
        if (!m.slice.isEmpty() || metrics.size() >= 5)
            continue;
        QString cell = QStringLiteral("%1 <b>%2</b>").arg(m.key().toHtmlEscaped(), QString::number(m.value, 'g', 4));
        for (const Metric &c : current.metrics) {
            if (c.key() != m.key() || c.value == m.value)
                continue;
            // Green when going back improves on what serves now, red when it is worse.
            const bool better = (m.value > c.value) != m_data.directions.lowerIsBetter(m.name);
            cell += tr(" <span style='color:%1'>(now %2)</span>")
                        .arg(better ? QStringLiteral("#1b5e20") : QStringLiteral("#b71c1c"),
                             QString::number(c.value, 'g', 4));
        }
        metrics << cell;
    }
    why += tr("<b>Metrics:</b> %1").arg(metrics.isEmpty() ? tr("none recorded") : metrics.join(QStringLiteral(" · ")));
    m_why->setText(why);
    // What serving resolves: aliases that follow Production move with the rollback; pinned ones on the
    // version rolled back from stay there unless the user moves them too.
    QStringList aliasLines;
    for (const Alias &a : std::as_const(m_data.following))
        aliasLines << tr("<b>%1</b> follows Production: moves from v%2 to v%3")
                          .arg(a.alias.toHtmlEscaped())
                          .arg(a.version)
                          .arg(m_target);
    QStringList pinned;
    for (const Alias &a : std::as_const(m_data.pinnedOnCurrent)) {
        aliasLines << tr("<b>%1</b> is pinned to v%2 and <span style='color:#b71c1c'>stays on the version rolled back "
                         "from</span>")
                          .arg(a.alias.toHtmlEscaped())
                          .arg(a.version);
        pinned << a.alias;
    }
    m_aliases->setText(aliasLines.isEmpty() ? tr("none point at the Production version")
                                            : aliasLines.join(QStringLiteral("<br>")));
    m_moveAliases->setVisible(!pinned.isEmpty());
    m_moveAliases->setText(tr("Also move %1 to v%2").arg(pinned.join(QStringLiteral(", "))).arg(m_target));
    updateButtons();
}

void RollbackDialog::updateButtons()
{
    const bool hasReason = !m_reason->text().trimmed().isEmpty();
    const bool allowed = m_loaded && m_data.rollback.enabled && m_target > 0;
    m_confirm->setEnabled(!m_busy && allowed && hasReason);
    m_confirm->setText(m_target > 0 ? tr("Roll back to v%1").arg(m_target) : tr("Roll back"));
    m_confirm->setToolTip(m_loaded && !m_data.rollback.enabled ? m_data.rollback.why
                          : hasReason                          ? QString()
                                                               : tr("Type a reason first."));
}

bool RollbackDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_reason && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && !(key->modifiers() & Qt::ControlModifier))
            return true;
    }
    return QDialog::eventFilter(watched, event);
}

void RollbackDialog::confirm()
{
    const QString reason = m_reason->text().trimmed();
    if (reason.isEmpty() || m_busy || m_target <= 0 || !m_data.rollback.enabled)
        return;
    m_busy = true;
    m_error->hide();
    updateButtons();
    const auto pinned = m_moveAliases->isVisible() && m_moveAliases->isChecked() ? Registry::PinnedAliases::Move
                                                                                 : Registry::PinnedAliases::Stay;
    m_client->rollback(m_model, m_target, reason, pinned, this, [this](Result<TransitionOutcome> r) {
        m_busy = false;
        if (!r) {
            m_error->setText(r.error().message);
            m_error->show();
            updateButtons();
            emit failed(r.error().message);
            return;
        }
        QStringList left;
        for (const ArchivedVersion &a : r->archived)
            left << QStringLiteral("v%1").arg(a.version);
        m_outcome = *r;
        m_resultMessage = tr("Rolled back %1: v%2 is in Production again (%3 archived).")
                              .arg(m_model)
                              .arg(r->version)
                              .arg(left.isEmpty() ? tr("nothing") : left.join(QStringLiteral(", ")));
        QStringList moved;
        for (const AliasMove &m : r->aliasesMoved)
            moved << tr("%1 → v%2").arg(m.alias).arg(m.to);
        if (!moved.isEmpty())
            m_resultMessage += QLatin1Char(' ') + tr("Aliases moved: %1.").arg(moved.join(QStringLiteral(", ")));
        QStringList stayed;
        for (const Alias &a : r->aliasesLeft)
            stayed << tr("%1 (v%2)").arg(a.alias).arg(a.version);
        if (!stayed.isEmpty())
            m_resultMessage +=
                QLatin1Char(' ') + tr("Still on the old version: %1.").arg(stayed.join(QStringLiteral(", ")));
        accept();
    });
}

} // namespace md
