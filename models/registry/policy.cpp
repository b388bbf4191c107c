#include "policy.h"

#include <QRegularExpression>
#include <QSet>

namespace md {

namespace {
template <typename E, std::size_t N> std::optional<E> parseName(const QString &text, const char *const (&names)[N])
{
    for (std::size_t i = 0; i < N; ++i)
        if (text == QLatin1String(names[i]))
            return E(i);
    return std::nullopt;
}

const char *const kKindNames[] = {"register", "promote", "demote", "archive", "rollback", "import"};
const char *const kStatusNames[] = {"pending", "approved", "rejected", "promoted", "cancelled"};
const char *const kDecisionNames[] = {"approve", "reject"};
const char *const kRoleNames[] = {"reader", "scientist", "reviewer", "deployer", "admin"};
const char *const kDirectionNames[] = {"higher", "lower"};
const char *const kActionNames[] = {"request_promotion", "promote_staging", "approve",  "reject",   "withdraw_request",
                                    "archive",           "demote",          "rollback", "set_alias"};
} // namespace

QString transitionKindName(TransitionKind kind)
{
    return QLatin1String(kKindNames[int(kind)]);
}
std::optional<TransitionKind> parseTransitionKind(const QString &text)
{
    return parseName<TransitionKind>(text, kKindNames);
}
QString requestStatusName(RequestStatus status)
{
    return QLatin1String(kStatusNames[int(status)]);
}
std::optional<RequestStatus> parseRequestStatus(const QString &text)
{
    return parseName<RequestStatus>(text, kStatusNames);
}
bool isOpen(RequestStatus status)
{
    return status == RequestStatus::Pending || status == RequestStatus::Approved;
}
QString decisionName(Decision decision)
{
    return QLatin1String(kDecisionNames[int(decision)]);
}
std::optional<Decision> parseDecision(const QString &text)
{
    return parseName<Decision>(text, kDecisionNames);
}
QString roleName(Role role)
{
    return QLatin1String(kRoleNames[int(role)]);
}
std::optional<Role> parseRole(const QString &text)
{
    return parseName<Role>(text, kRoleNames);
}
const QList<Role> &allRoles()
{
    static const QList<Role> roles{Role::Reader, Role::Scientist, Role::Reviewer, Role::Deployer, Role::Admin};
    return roles;
}
QString metricDirectionName(MetricDirection direction)
{
    return QLatin1String(kDirectionNames[int(direction)]);
}
std::optional<MetricDirection> parseMetricDirection(const QString &text)
{
    return parseName<MetricDirection>(text.trimmed().toLower(), kDirectionNames);
}

namespace policy {

const QList<Move> &moves()
{
    using S = Stage;
    using K = TransitionKind;
    static const QList<Move> table{
        // from, to, kind, viaApproval, approvedRequest, earlierProduction, stagingGates, reason, roles, what
        {S::None,
         S::Staging,
         K::Promote,
         false,
         false,
         false,
         true,
         false,
         {Role::Scientist, Role::Deployer},
         "promote to Staging"},
        {S::Staging,
         S::None,
         K::Demote,
         false,
         false,
         false,
         false,
         true,
         {Role::Scientist, Role::Deployer},
         "demote to None"},
        {S::Staging,
         S::Production,
         K::Promote,
         true,
         true,
         false,
         false,
         false,
         {Role::Reviewer},
         "promote to Production"},
        {S::Staging, S::Archived, K::Archive, false, false, false, false, true, {Role::Deployer}, "archive"},
        {S::Production, S::Archived, K::Archive, false, false, false, false, true, {Role::Deployer}, "archive"},
        {S::Production,
         S::Archived,
         K::Archive,
         true,
         true,
         false,
         false,
         false,
         {Role::Reviewer},
         "supersede (archive on promotion)"},
        {S::Production, S::Archived, K::Rollback, false, false, false, false, true, {Role::Deployer}, "roll back from"},
        {S::Archived, S::Production, K::Rollback, false, false, true, false, true, {Role::Deployer}, "roll back to"},
        // The stage a version had in the registry it was imported from; the reason says where and since when.
        {S::None, S::Staging, K::Import, false, false, false, false, true, {Role::Admin}, "import the stage of"},
        {S::None, S::Production, K::Import, false, false, false, false, true, {Role::Admin}, "import the stage of"},
        {S::None, S::Archived, K::Import, false, false, false, false, true, {Role::Admin}, "import the stage of"},
    };
    return table;
}

const Move *findMove(Stage from, Stage to, TransitionKind kind, bool viaApproval)
{
    for (const Move &m : moves())
        if (m.from == from && m.to == to && m.kind == kind && m.viaApproval == viaApproval)
            return &m;
    return nullptr;
}

QString allowedMovesText()
{
    QStringList parts;
    QSet<QString> seen;
    for (const Move &m : moves()) {
        if (m.kind == TransitionKind::Import) // not a move a person makes: the importer's, once
            continue;
        QString text = stageName(m.from) + QStringLiteral("->") + stageName(m.to);
        if (m.needsApprovedRequest && m.to == Stage::Production)
            text += QStringLiteral(" (by the approval that completes a request)");
        else if (m.kind == TransitionKind::Rollback && m.to == Stage::Production)
            text += QStringLiteral(" (rollback only)");
        if (!seen.contains(text)) {
            seen.insert(text);
            parts << text;
        }
    }
    return QStringLiteral("Allowed moves: ") + parts.join(QStringLiteral(", ")) + QLatin1Char('.');
}

bool mayMake(const Move &move, const QList<Role> &held, bool ownApproval)
{
    if (move.viaApproval && !ownApproval)
        return false;
    for (Role r : move.roles)
        if (held.contains(r))
            return true;
    return false;
}

QString rolesText(const QList<Role> &roles)
{
    QStringList names;
    for (Role r : roles)
        names << QStringLiteral("modeldesk_") + roleName(r);
    return names.join(QStringLiteral(" or "));
}

std::optional<QString> fourEyesRefusal(const QString &actor, const QString &requestedBy, const QString &registeredBy,
                                       const QStringList &earlierDeciders, qint64 requestId, int version)
{
    if (actor == requestedBy)
        return QStringLiteral("Four eyes: %1 requested #%2 and cannot decide on it; another reviewer must.")
            .arg(actor)
            .arg(requestId);
    if (actor == registeredBy)
        return QStringLiteral("Four eyes: %1 registered v%2 and cannot decide on its request; another reviewer must.")
            .arg(actor)
            .arg(version);
    if (earlierDeciders.contains(actor))
        return QStringLiteral("%1 already decided on request #%2.").arg(actor).arg(requestId);
    return std::nullopt;
}

MetricDirection defaultMetricDirection(const QString &metricName)
{
    // Words of the name: "val_loss" -> val, loss; "p99LatencyMs" -> p99, latency, ms.
    static const QSet<QString> lower = {
        QStringLiteral("loss"),    QStringLiteral("logloss"), QStringLiteral("latency"),  QStringLiteral("error"),
        QStringLiteral("errors"),  QStringLiteral("rmse"),    QStringLiteral("mae"),      QStringLiteral("mse"),
        QStringLiteral("mape"),    QStringLiteral("time"),    QStringLiteral("duration"), QStringLiteral("perplexity"),
        QStringLiteral("fpr"),     QStringLiteral("fnr"),     QStringLiteral("cost"),     QStringLiteral("ms"),
        QStringLiteral("seconds"), QStringLiteral("wer"),     QStringLiteral("cer"),      QStringLiteral("brier"),
        QStringLiteral("regret"),  QStringLiteral("drift"),   QStringLiteral("bias")};
    static const QRegularExpression camel(QStringLiteral("([a-z0-9])([A-Z])"));
    static const QRegularExpression separators(QStringLiteral("[^A-Za-z0-9]+"));
    QString spaced = metricName;
    spaced.replace(camel, QStringLiteral("\\1 \\2"));
    for (const QString &word : spaced.toLower().split(separators, Qt::SkipEmptyParts))
        if (lower.contains(word))
            return MetricDirection::LowerIsBetter;
    return MetricDirection::HigherIsBetter;
}

namespace {

QString key(const VersionFacts &f)
{
    return QStringLiteral("v%1").arg(f.version);
}

// Refused when none of the roles is held: names what is needed and what the person has.
std::optional<QString> missingRole(const VersionFacts &f, const QList<Role> &anyOf, const QString &what)
{
    for (Role r : anyOf)
        if (f.roles.contains(r))
            return std::nullopt;
    QStringList held;
    for (Role r : f.roles)
        held << roleName(r);
    return QStringLiteral("%1 needs the role %2; %3 has %4.")
        .arg(what, rolesText(anyOf), f.actor,
             held.isEmpty() ? QStringLiteral("no ModelDesk role") : held.join(QStringLiteral(", ")));
}

ActionVerdict verdict(VersionAction action, std::optional<QString> refusal, const QString &does)
{
    ActionVerdict v;
    v.action = action;
    v.allowed = !refusal;
    v.reason = refusal ? *refusal : does;
    return v;
}

// A stage move from the table: refused when there is no such move from the version's stage, or the
// role is missing.
ActionVerdict moveVerdict(const VersionFacts &f, VersionAction action, Stage to, TransitionKind kind,
                          const QString &does, const QString &noMove)
{
    const Move *move = findMove(f.stage, to, kind);
    ActionVerdict v;
    if (!move) {
        v = verdict(action, QStringLiteral("%1 is in %2: %3").arg(key(f), stageName(f.stage), noMove), does);
    } else {
        QString what = QString::fromLatin1(move->what);
        what[0] = what[0].toUpper();
        v = verdict(action, missingRole(f, move->roles, what), does);
    }
    // Whether the move asks for a reason does not depend on the stage the version is in now.
    const Move *any = move;
    for (const Move &m : moves())
        if (!any && m.to == to && m.kind == kind && !m.viaApproval)
            any = &m;
    v.needsReason = any && any->needsReason;
    return v;
}
} // namespace

VersionActions versionActions(const VersionFacts &f)
{
    VersionActions out;
    out.model = f.model;
    out.version = f.version;
    out.stage = f.stage;
    out.actor = f.actor;
    out.roles = f.roles;
    const QString v = key(f);
    for (VersionAction action : allVersionActions()) {
        ActionVerdict a;
        switch (action) {
        case VersionAction::RequestPromotion: {
            std::optional<QString> refusal;
            if (f.stage != Stage::Staging)
                refusal =
                    QStringLiteral("%1 is in %2: promotion to Production is requested for versions in Staging%3.")
                        .arg(v, stageName(f.stage),
                             f.stage == Stage::None ? QStringLiteral(" (promote it to Staging first)") : QString());
            else if (f.openRequest > 0)
                refusal = QStringLiteral("%1 already has an open request (#%2).").arg(v).arg(f.openRequest);
            else
                refusal = missingRole(f, {Role::Scientist}, QStringLiteral("Requesting a promotion"));
            a = verdict(action, refusal,
                        QStringLiteral("Ask reviewers to promote %1 to Production (the gate report is attached; the "
                                       "approval that completes the request promotes it).")
                            .arg(v));
            a.needsReason = true;
            break;
        }
        case VersionAction::PromoteToStaging:
            a = moveVerdict(f, action, Stage::Staging, TransitionKind::Promote,
                            QStringLiteral("Move %1 to Staging (the staging gates run first).").arg(v),
                            QStringLiteral("only a version in None can be promoted to Staging."));
            break;
        case VersionAction::Approve:
        case VersionAction::Reject: {
            const bool approve = action == VersionAction::Approve;
            std::optional<QString> refusal;
            if (f.openRequest == 0)
                refusal = QStringLiteral("%1 has no open request to decide on.").arg(v);
            else if (auto role = missingRole(f, {Role::Reviewer}, QStringLiteral("Deciding on a request")))
                refusal = role;
            else
                refusal = fourEyesRefusal(f.actor, f.requestedBy, f.registeredBy, f.deciders, f.openRequest, f.version);
            QString does = approve ? QStringLiteral("Approve request #%1; the approval that completes it promotes "
                                                    "%2 to Production.")
                                         .arg(f.openRequest)
                                         .arg(v)
                                   : QStringLiteral("Reject request #%1.").arg(f.openRequest);
            if (approve && !f.requestGatesPassed)
                does += QStringLiteral(" Its gates failed: approving records an override reason.");
            a = verdict(action, refusal, does);
            a.requestId = f.openRequest;
            a.needsReason = true; // the comment
            a.needsOverride = approve && f.openRequest > 0 && !f.requestGatesPassed;
            break;
        }
        case VersionAction::WithdrawRequest: {
            std::optional<QString> refusal;
            if (f.openRequest == 0)
                refusal = QStringLiteral("%1 has no open request to withdraw.").arg(v);
            else if (f.actor != f.requestedBy && !f.roles.contains(Role::Admin))
                refusal = QStringLiteral("Request #%1 was made by %2; only the requester or an admin withdraws it.")
                              .arg(f.openRequest)
                              .arg(f.requestedBy);
            a = verdict(action, refusal,
                        QStringLiteral("Withdraw request #%1 (%2 stays in Staging).").arg(f.openRequest).arg(v));
            a.requestId = f.openRequest;
            a.needsReason = true;
            break;
        }
        case VersionAction::Archive:
            a = moveVerdict(f, action, Stage::Archived, TransitionKind::Archive,
                            f.stage == Stage::Production
                                ? QStringLiteral("Take %1 out of Production (nothing replaces it; Roll Back… goes "
                                                 "back to an earlier version).")
                                      .arg(v)
                                : QStringLiteral("Archive %1.").arg(v),
                            QStringLiteral("only Staging and Production versions can be archived."));
            break;
        case VersionAction::Demote:
            a = moveVerdict(f, action, Stage::None, TransitionKind::Demote,
                            QStringLiteral("Send %1 back from Staging to None.").arg(v),
                            QStringLiteral("only a version in Staging can be demoted."));
            break;
        case VersionAction::Rollback: {
            std::optional<QString> refusal;
            QString does;
            if (f.stage == Stage::Production) {
                a.target = f.suggestedTarget;
                if (f.suggestedTarget == 0)
                    refusal = QStringLiteral("%1 has no earlier Production version to roll back to (none that was "
                                             "not itself rolled back from).")
                                  .arg(f.model);
                does = QStringLiteral("Roll %1 back from v%2 to v%3.")
                           .arg(f.model)
                           .arg(f.newestProduction)
                           .arg(f.suggestedTarget);
            } else if (f.stage == Stage::Archived && f.wasInProduction) {
                a.target = f.version;
                if (f.productionCount == 0)
                    refusal = QStringLiteral("%1 has nothing in Production to roll back.").arg(f.model);
                does =
                    QStringLiteral("Roll %1 back from v%2 to %3%4.")
                        .arg(f.model)
                        .arg(f.newestProduction)
                        .arg(v, f.rollbackExcluded ? QStringLiteral(" (it was rolled back from before)") : QString());
            } else {
                refusal =
                    QStringLiteral("%1 is in %2: a rollback returns to an Archived version that was in "
                                   "Production before%3.")
                        .arg(v, stageName(f.stage), f.wasInProduction ? QString() : QStringLiteral(" (it never was)"));
            }
            if (!refusal)
                refusal = missingRole(f, findMove(Stage::Archived, Stage::Production, TransitionKind::Rollback)->roles,
                                      QStringLiteral("Rolling back"));
            const int target = a.target;
            a = verdict(action, refusal, does);
            a.target = target;
            a.needsReason = true;
            break;
        }
        case VersionAction::SetAlias:
            a = verdict(action, missingRole(f, {Role::Scientist, Role::Deployer}, QStringLiteral("Setting an alias")),
                        f.roles.contains(Role::Deployer)
                            ? QStringLiteral("Point an alias (champion, challenger, ...) at %1.").arg(v)
                            : QStringLiteral("Point an unprotected alias at %1 (protected aliases need "
                                             "modeldesk_deployer).")
                                  .arg(v));
            break;
        }
        a.action = action;
        if (a.allowed && !f.readOnlyReason.isEmpty()) {
            a.allowed = false;
            a.reason = f.readOnlyReason;
        }
        out.actions << a;
    }
    return out;
}

} // namespace policy

QString versionActionName(VersionAction action)
{
    return QLatin1String(kActionNames[int(action)]);
}

std::optional<VersionAction> parseVersionAction(const QString &text)
{
    return parseName<VersionAction>(text, kActionNames);
}

const QList<VersionAction> &allVersionActions()
{
    static const QList<VersionAction> all{
        VersionAction::RequestPromotion, VersionAction::PromoteToStaging, VersionAction::Approve,
        VersionAction::Reject,           VersionAction::WithdrawRequest,  VersionAction::Archive,
        VersionAction::Demote,           VersionAction::Rollback,         VersionAction::SetAlias};
    return all;
}

const ActionVerdict &VersionActions::of(VersionAction action) const
{
    return actions.at(qsizetype(allVersionActions().indexOf(action)));
}

MetricDirection MetricDirections::of(const QString &metricName) const
{
    if (auto it = model.find(metricName); it != model.end())
        return *it;
    if (auto it = registry.find(metricName); it != registry.end())
        return *it;
    return policy::defaultMetricDirection(metricName);
}

QString MetricDirections::sourceOf(const QString &metricName) const
{
    if (model.contains(metricName))
        return QStringLiteral("model");
    if (registry.contains(metricName))
        return QStringLiteral("registry");
    return QStringLiteral("default");
}

} // namespace md
