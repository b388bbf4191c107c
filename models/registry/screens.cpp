// The approval dialog's and the rollback dialog's reads: each at most five statements, whatever the
// number of versions, decisions or periods. The verdicts come from policy::versionActions.

#include "registry.h"

#include "database.h"
#include "sqlparts.h"

#include <QJsonDocument>
#include <QSet>

#include <algorithm>

namespace md {

namespace {
Permissions permissionsOf(const QString &actor, const QList<Role> &roles, const QString &readOnlyReason)
{
    Permissions p;
    p.actor = actor;
    for (Role r : roles)
        p.roles << roleName(r);
    p.readOnly = !readOnlyReason.isEmpty();
    p.readOnlyReason = readOnlyReason;
    return p;
}

} // namespace

Result<ReviewData> Registry::reviewData(qint64 requestId)
{
    const ReadScope reads(*this);
    // 1: the request, its decisions, the baseline's number and the user's roles.
    auto q = m_db->exec(
        QStringLiteral("SELECT ") + sql::requestColumns() +
            QStringLiteral(", (SELECT p.version FROM model_versions p WHERE p.model_id = v.model_id AND p.stage = "
                           "'Production' AND p.id <> v.id ORDER BY p.version DESC LIMIT 1), m.id, ") +
            sql::sessionRoles(dialect()) +
            QStringLiteral(", d.id, d.actor, d.decision, d.comment, d.override_reason, d.at "
                           "FROM approval_requests r JOIN model_versions v ON v.id = r.version_id "
                           "JOIN registered_models m ON m.id = v.model_id "
                           "LEFT JOIN approval_decisions d ON d.request_id = r.id WHERE r.id = ? ORDER BY d.id"),
        {requestId});
    if (!q)
        return q.error();
    ReviewData d;
    ApprovalRequest &r = d.request;
    int baselineNumber = 0;
    qint64 mid = 0;
    QList<Role> roles;
    bool found = false;
    while (q->next()) {
        if (!found) {
            found = true;
            r = sql::requestFrom(*q);
            baselineNumber = q->value(14).toInt();
            mid = q->value(15).toLongLong();
            roles = sql::parseSessionRoles(dialect(), q->value(16).toString());
        }
        if (!q->value(17).isNull())
            r.decisions << ApprovalDecision{q->value(17).toLongLong(), q->value(18).toString(),
                                            q->value(19).toString(),   q->value(20).toString(),
                                            q->value(21).toString(),   q->value(22).toString()};
    }
    q->finish();
    if (!found)
        return Error::notFound(
            QStringLiteral("There is no approval request #%1. `modelctl requests` lists them.").arg(requestId));
    // 2, 3: the candidate and the baseline in full.
    QList<int> numbers{r.version};
    if (baselineNumber > 0)
        numbers << baselineNumber;
    auto loaded = versions(r.modelName, numbers);
    if (!loaded)
        return loaded.error();
    d.candidate = loaded->at(0);
    d.hasBaseline = loaded->size() > 1;
    if (d.hasBaseline)
        d.baseline = loaded->at(1);
    if (d.candidate.stage == Stage::Staging) {
        for (const Transition &t : std::as_const(d.candidate.transitions))
            if (t.toStage == stageName(Stage::Staging))
                d.stagingSince = parseTimestamp(t.at);
        if (!d.stagingSince.isValid())
            d.stagingSince = parseTimestamp(d.candidate.stageChangedAt);
    }
    // 4, 5: the policy and the metric directions, then the gates as they stand now.
    auto directions = metricDirectionsOf(mid);
    if (!directions)
        return directions.error();
    d.directions = *directions;
    if (d.candidate.stage == Stage::Staging) {
        auto policies = gatePoliciesOf(mid);
        if (!policies)
            return policies.error();
        d.gates = evaluateGates(policies->production, d.candidate, d.hasBaseline ? &d.baseline : nullptr,
                                d.stagingSince, QDateTime::currentDateTimeUtc(), d.directions);
    } else if (auto stored = gateReportFromJson(QJsonDocument::fromJson(r.gateReport.toUtf8()).object())) {
        d.gates = *stored;
    }
    d.permissions = permissionsOf(m_actor, roles, m_readOnlyReason);
    VersionFacts f;
    f.model = r.modelName;
    f.version = r.version;
    f.stage = d.candidate.stage;
    f.registeredBy = r.registeredBy;
    f.actor = m_actor;
    f.roles = roles;
    f.readOnlyReason = m_readOnlyReason;
    const bool pending = parseRequestStatus(r.status) == RequestStatus::Pending;
    f.openRequest = pending ? r.id : 0;
    f.requestedBy = r.requestedBy;
    f.requestGatesPassed = r.gatesPassed;
    for (const ApprovalDecision &dec : std::as_const(r.decisions))
        f.deciders << dec.actor;
    const ActionVerdict approve = policy::versionActions(f).of(VersionAction::Approve);
    d.approve =
        pending
            ? ActionState::from(approve)
            : ActionState{false, QStringLiteral("Request #%1 is %2; nothing left to decide.").arg(r.id).arg(r.status)};
    d.needsOverride = approve.needsOverride || (!d.gates.passed && pending);
    return d;
}

Result<RollbackData> Registry::rollbackData(const QString &modelName)
{
    const ReadScope reads(*this);
    RollbackData d;
    d.modelName = modelName;
    // 1: the production history with approvers.
    auto history = productionHistory(modelName);
    if (!history)
        return history.error();
    d.history = std::move(*history);
    // 2: the model's rollback suggestion, Production count and the user's roles.
    auto q = m_db->exec(QStringLiteral("SELECT m.id, ") + sql::suggestedRollbackTarget(QStringLiteral("m.id")) +
                            QStringLiteral(", ") + sql::sessionRoles(dialect()) +
                            QStringLiteral(" FROM registered_models m WHERE m.name = ?"),
                        {modelName});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(
            QStringLiteral("There is no model '%1'. `modelctl models` lists the models.").arg(modelName));
    const qint64 mid = q->value(0).toLongLong();
    d.suggested = q->value(1).toInt();
    const QList<Role> roles = sql::parseSessionRoles(dialect(), q->value(2).toString());
    q->finish();
    // 3, 4: every version that served, with metrics and stage.
    QList<int> served;
    for (const ProductionPeriod &p : std::as_const(d.history))
        if (!served.contains(p.version))
            served << p.version;
    if (!served.isEmpty()) {
        auto loaded = versions(modelName, served);
        if (!loaded)
            return loaded.error();
        for (const ModelVersion &v : std::as_const(*loaded)) {
            d.versions.insert(v.version, v);
            if (v.stage == Stage::Production)
                d.current = std::max(d.current, v.version);
            else if (v.stage == Stage::Archived)
                d.eligible << v.version;
        }
    }
    std::sort(d.eligible.begin(), d.eligible.end(), std::greater<int>());
    if (d.suggested == 0)
        d.noSuggestion = QStringLiteral("%1 has no earlier Production version to roll back to (none that was not "
                                        "itself rolled back from).")
                             .arg(modelName);
    // 5: aliases and metric directions together.
    auto s = m_db->exec(
        QStringLiteral("SELECT 0, a.alias, v.version, a.protected, a.follows, a.updated_at, a.updated_by FROM aliases "
                       "a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? "
                       "UNION ALL SELECT 1, metric, model_id, 0, direction, updated_at, updated_by FROM "
                       "metric_directions WHERE model_id IN (?, 0) ORDER BY 1, 2"),
        {mid, mid});
    if (!s)
        return s.error();
    while (s->next()) {
        if (s->value(0).toInt() == 1) {
            if (auto direction = parseMetricDirection(s->value(4).toString()))
                (s->value(2).toLongLong() == 0 ? d.directions.registry : d.directions.model)
                    .insert(s->value(1).toString(), *direction);
            continue;
        }
        const Alias a{s->value(1).toString(),   s->value(2).toInt(),
                      s->value(3).toInt() != 0, s->value(4).toString() == QLatin1String("production"),
                      s->value(5).toString(),   s->value(6).toString()};
        if (a.followsProduction)
            d.following << a;
        else if (a.version == d.current && d.current > 0)
            d.pinnedOnCurrent << a;
    }
    d.permissions = permissionsOf(m_actor, roles, m_readOnlyReason);
    // The verdict is the policy's for the version in Production (explicit targets among the eligible
    // ones may be chosen even when none is suggested).
    VersionFacts f;
    f.model = modelName;
    f.version = d.current;
    f.stage = d.current > 0 ? Stage::Production : Stage::None;
    f.actor = m_actor;
    f.roles = roles;
    f.readOnlyReason = m_readOnlyReason;
    f.newestProduction = d.current;
    f.productionCount = d.current > 0 ? 1 : 0;
    f.suggestedTarget = d.suggested > 0 ? d.suggested : (d.eligible.isEmpty() ? 0 : d.eligible.first());
    if (d.current == 0)
        d.rollback = {false, QStringLiteral("%1 has nothing in Production to roll back.").arg(modelName)};
    else
        d.rollback = ActionState::from(policy::versionActions(f).of(VersionAction::Rollback));
    return d;
}

} // namespace md
