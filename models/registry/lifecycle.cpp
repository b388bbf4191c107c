// Stages, gates, approvals, rollback, aliases, deployments and roles: the part of Registry that
// changes what is in Production. The rules come from policy.h; this file applies them. Every change
// is one transaction that writes the new state, a stage_transitions row, an audit entry and an outbox
// event together, or nothing. Aliases that follow Production are moved by the database in the same
// transaction (schema v4); the moves are read back here for the audit log and the outcome.

#include "registry.h"

#include "database.h"
#include "sqlparts.h"
#include "validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace md {

namespace {
QString versionKey(const QString &model, int version)
{
    return model + QStringLiteral("@v") + QString::number(version);
}

QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Status requireReason(const QString &reason, bool required)
{
    if (required && reason.trimmed().isEmpty())
        return Error::invalid(QStringLiteral("Give a reason (--reason): it is recorded in the stage history and the "
                                             "audit log."));
    return validateText(QStringLiteral("The reason"), reason, kMaxValueLength, false, true);
}

// The few columns of a version a stage change needs (loading it in full costs 8 queries).
struct VersionRow
{
    qint64 id = 0;
    qint64 modelId = 0;
    Stage stage = Stage::None;
};

Result<VersionRow> readVersionRow(Database &db, const QString &modelName, int number)
{
    auto q = db.exec(QStringLiteral("SELECT v.id, v.model_id, v.stage FROM model_versions v JOIN registered_models m "
                                    "ON m.id = v.model_id WHERE m.name = ? AND v.version = ?"),
                     {modelName, number});
    if (!q)
        return q.error();
    if (!q->next()) {
        auto exists = db.scalar(QStringLiteral("SELECT 1 FROM registered_models WHERE name = ?"), {modelName});
        if (exists && exists->isNull())
            return Error::notFound(
                QStringLiteral("There is no model '%1'. `modelctl models` lists the models.").arg(modelName));
        return Error::notFound(
            QStringLiteral("The model '%1' has no version %2. `modelctl versions %1` lists its versions.")
                .arg(modelName)
                .arg(number));
    }
    VersionRow row{q->value(0).toLongLong(), q->value(1).toLongLong(), Stage::None};
    parseStage(q->value(2).toString(), &row.stage);
    return row;
}

Error moveRefused(const QString &modelName, int version, Stage from, Stage to, const QString &what)
{
    return Error::conflict(
        QStringLiteral("%1 is in %2 and cannot move to %3: %4 %5")
            .arg(versionKey(modelName, version), stageName(from), stageName(to), what, policy::allowedMovesText()));
}
} // namespace

Status Registry::recordTransition(qint64 versionId, const QString &modelName, int version, Stage from, Stage to,
                                  TransitionKind kind, const QString &reason, qint64 approvalId)
{
    if (!policy::findMove(from, to, kind, approvalId > 0))
        return moveRefused(modelName, version, from, to, QStringLiteral("no such move."));
    const QString now = nowUtc();
    const QString fromName = stageName(from);
    const QString toName = stageName(to);
    const QString kindName = transitionKindName(kind);
    const QVariant approval = approvalId > 0 ? QVariant(approvalId) : QVariant(QMetaType(QMetaType::LongLong));
    if (dialect() == Dialect::Postgres) {
        // The database's write function records the transition, the audit entry and the event, and
        // refuses when the version left `from` meanwhile.
        if (auto q = m_db->exec(QStringLiteral("SELECT modeldesk_change_stage(?, ?, ?, ?, ?, ?)"),
                                {versionId, fromName, toName, kindName, reason, approval});
            !q)
            return q.error();
        return {};
    }
    // The transition row comes first: the database accepts a stage change only when it is recorded.
    if (auto q = m_db->execWrite(
            QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, "
                           "at, reason, approval_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            {versionId, fromName, toName, kindName, m_actor, now, reason, approval});
        !q)
        return q.error();
    auto updated = m_db->execWrite(QStringLiteral("UPDATE model_versions SET stage = ?, stage_changed_at = ? WHERE id "
                                                  "= ? AND stage = ?"),
                                   {toName, now, versionId, fromName});
    if (!updated)
        return updated.error();
    if (*updated != 1)
        return Error::conflict(QStringLiteral("%1 changed stage while this action ran; reload and try again.")
                                   .arg(versionKey(modelName, version)));
    const QJsonObject details{
        {QStringLiteral("from"), fromName},
        {QStringLiteral("to"), toName},
        {QStringLiteral("kind"), kindName},
        {QStringLiteral("reason"), reason},
        {QStringLiteral("approval_id"), approvalId > 0 ? QJsonValue(double(approvalId)) : QJsonValue()}};
    if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("stage_") + kindName, QStringLiteral("model_version"),
                             versionKey(modelName, version), details);
        !s)
        return s;
    // The database's triggers write the event (007_feed.sql).
    return {};
}

Result<QList<Alias>> Registry::aliasesOf(qint64 modelId)
{
    auto q = m_db->exec(QStringLiteral("SELECT a.alias, v.version, a.protected, a.follows, a.updated_at, a.updated_by "
                                       "FROM aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id "
                                       "= ? ORDER BY a.alias"),
                        {modelId});
    if (!q)
        return q.error();
    QList<Alias> list;
    while (q->next())
        list << Alias{q->value(0).toString(),   q->value(1).toInt(),
                      q->value(2).toInt() != 0, q->value(3).toString() == QLatin1String("production"),
                      q->value(4).toString(),   q->value(5).toString()};
    return list;
}

Result<QList<AliasMove>> Registry::recordAliasMoves(const QString &modelName, qint64 modelId,
                                                    const QList<Alias> &before)
{
    auto after = aliasesOf(modelId);
    if (!after)
        return after.error();
    QList<AliasMove> moved;
    for (const Alias &a : *after) {
        for (const Alias &b : before) {
            if (b.alias != a.alias || b.version == a.version)
                continue;
            moved << AliasMove{a.alias, b.version, a.version, a.followsProduction};
            if (auto s = appendAudit(
                    *m_db, m_actor, QStringLiteral("move_alias"), QStringLiteral("alias"),
                    modelName + QLatin1Char('#') + a.alias,
                    QJsonObject{
                        {QStringLiteral("from"), b.version},
                        {QStringLiteral("to"), a.version},
                        {QStringLiteral("follows"), a.followsProduction ? QStringLiteral("production") : QString()},
                        {QStringLiteral("why"), a.followsProduction ? QStringLiteral("follows Production")
                                                                    : QStringLiteral("moved with the rollback")}});
                !s)
                return s.error();
        }
    }
    return moved;
}

Result<GatePolicies> Registry::gatePolicies(const QString &modelName)
{
    const ReadScope reads(*this);
    qint64 mid = 0;
    if (!modelName.isEmpty()) {
        auto id = modelId(modelName);
        if (!id)
            return id.error();
        mid = *id;
    }
    return gatePoliciesOf(mid);
}

Result<GatePolicies> Registry::gatePoliciesOf(qint64 mid)
{
    // The model's own policy wins per transition; the registry default (model_id 0) fills the rest.
    auto q =
        m_db->exec(QStringLiteral("SELECT model_id, transition, policy FROM gate_policies WHERE model_id IN (?, 0) "
                                  "ORDER BY model_id DESC"),
                   {mid});
    if (!q)
        return q.error();
    GatePolicies result;
    result.source = QStringLiteral("none");
    bool haveStaging = false;
    bool haveProduction = false;
    while (q->next()) {
        const qint64 scope = q->value(0).toLongLong();
        const QString transition = q->value(1).toString();
        bool &have = transition == QLatin1String("staging") ? haveStaging : haveProduction;
        if (have)
            continue;
        auto policy = parseGatePolicy(QJsonDocument::fromJson(q->value(2).toString().toUtf8()).object(), transition);
        if (!policy)
            return Error::database(
                QStringLiteral("The stored %1 gate policy is unreadable: %2").arg(transition, policy.error().message));
        (transition == QLatin1String("staging") ? result.staging : result.production) = *policy;
        have = true;
        if (result.source == QLatin1String("none"))
            result.source = scope == 0 ? QStringLiteral("registry default") : QStringLiteral("model");
    }
    return result;
}

Status Registry::setGatePolicies(const QString &modelName, const GatePolicies &policies)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        qint64 mid = 0;
        if (!modelName.isEmpty()) {
            auto id = modelId(modelName);
            if (!id)
                return id.error();
            mid = *id;
        }
        const QString now = nowUtc();
        // A direction written into a rule becomes the metric direction of the model (or registry): one
        // answer for gates, Compare, the approval dialog and `modelctl diff`. The stored rule keeps none.
        GatePolicies stored = policies;
        for (GatePolicy *p : {&stored.staging, &stored.production})
            for (GateRule &rule : p->rules)
                if (rule.higherIsBetter >= 0) {
                    if (auto s = writeMetricDirection(mid, modelName, rule.metric,
                                                      rule.higherIsBetter == 1 ? MetricDirection::HigherIsBetter
                                                                               : MetricDirection::LowerIsBetter);
                        !s)
                        return s;
                    rule.higherIsBetter = -1;
                }
        for (const auto &[transition, policy] : {std::pair{QStringLiteral("staging"), stored.staging},
                                                 std::pair{QStringLiteral("production"), stored.production}}) {
            auto q = dialect() == Dialect::Postgres
                         ? m_db->exec(QStringLiteral("SELECT modeldesk_set_gate_policy(?, ?, ?)"),
                                      {mid, transition, compactJson(toJson(policy))})
                         : m_db->exec(QStringLiteral(
                                          "INSERT INTO gate_policies (model_id, transition, policy, updated_at, "
                                          "updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model_id, transition) "
                                          "DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, "
                                          "updated_by = excluded.updated_by"),
                                      {mid, transition, compactJson(toJson(policy)), now, m_actor});
            if (!q)
                return q.error();
        }
        return appendAudit(*m_db, m_actor, QStringLiteral("set_gate_policy"), QStringLiteral("gate_policy"),
                           modelName.isEmpty() ? QStringLiteral("*") : modelName,
                           QJsonObject{{QStringLiteral("staging"), toJson(stored.staging)},
                                       {QStringLiteral("production"), toJson(stored.production)}});
    });
}

Result<GateReport> Registry::evaluateInTransaction(const QString &modelName, int number, Stage to)
{
    auto candidate = version(modelName, number);
    if (!candidate)
        return candidate.error();
    auto policies = gatePolicies(modelName);
    if (!policies)
        return policies.error();
    const GatePolicy &policy = to == Stage::Production ? policies->production : policies->staging;
    auto holders = production(modelName);
    if (!holders)
        return holders.error();
    const ModelVersion *baseline = nullptr;
    for (const ModelVersion &h : *holders)
        if (h.version != number && (!baseline || h.version > baseline->version))
            baseline = &h;
    auto directions = metricDirections(modelName);
    if (!directions)
        return directions.error();
    QDateTime since;
    if (candidate->stage == Stage::Staging)
        since = QDateTime::fromString(candidate->stageChangedAt, Qt::ISODateWithMs);
    return evaluateGates(policy, *candidate, baseline, since, QDateTime::currentDateTimeUtc(), *directions);
}

Result<GateReport> Registry::evaluateGatesFor(const QString &modelName, int version, Stage to)
{
    const ReadScope reads(*this);
    return evaluateInTransaction(modelName, version, to);
}

Result<TransitionOutcome> Registry::promote(const QString &modelName, int number, Stage to, const QString &reason)
{
    if (to == Stage::None)
        return demote(modelName, number, reason);
    if (to == Stage::Archived)
        return archive(modelName, number, reason);
    if (to == Stage::Production) {
        // The approval that completes a request promotes in the same transaction (four eyes, then the
        // move): there is never an approved request left waiting for a separate promotion.
        auto pending = m_db->scalar(QStringLiteral("SELECT r.id FROM approval_requests r JOIN model_versions v ON v.id "
                                                   "= r.version_id JOIN registered_models m ON m.id = v.model_id "
                                                   "WHERE m.name = ? AND v.version = ? AND r.status = ?"),
                                    {modelName, number, requestStatusName(RequestStatus::Pending)});
        if (!pending)
            return pending.error();
        if (!pending->isNull())
            return Error::conflict(QStringLiteral("%1 reaches Production when request #%2 (still pending) is approved: "
                                                  "the reviewer approval that completes it promotes the version.")
                                       .arg(versionKey(modelName, number))
                                       .arg(pending->toLongLong()));
        return Error::conflict(QStringLiteral("%1 reaches Production through an approved request: ask for one with "
                                              "`modelctl request %2 %3 --to Production --reason ...`; the reviewer "
                                              "approval that completes it promotes the version.")
                                   .arg(versionKey(modelName, number), modelName)
                                   .arg(number));
    }
    const policy::Move *move = policy::findMove(Stage::None, Stage::Staging, TransitionKind::Promote);
    if (auto s = requireReason(reason, move->needsReason); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto row = readVersionRow(*m_db, modelName, number);
        if (!row)
            return row.error();
        if (row->stage != Stage::None)
            return moveRefused(modelName, number, row->stage, Stage::Staging,
                               QStringLiteral("only a version in None can be promoted to Staging."));
        if (move->runsStagingGates) {
            auto report = evaluateInTransaction(modelName, number, Stage::Staging);
            if (!report)
                return report.error();
            if (!report->passed)
                return Error::conflict(QStringLiteral("%1 was not moved to Staging because its gates failed.\n%2")
                                           .arg(versionKey(modelName, number), report->summary()));
        }
        if (auto s = recordTransition(row->id, modelName, number, Stage::None, Stage::Staging, TransitionKind::Promote,
                                      reason, 0);
            !s)
            return s.error();
        return TransitionOutcome{modelName,
                                 number,
                                 stageName(Stage::None),
                                 stageName(Stage::Staging),
                                 transitionKindName(TransitionKind::Promote),
                                 0,
                                 {},
                                 {},
                                 {}};
    });
}

Result<TransitionOutcome> Registry::promoteToProduction(qint64 requestId)
{
    // Runs inside the write transaction of the completing approval. The write transaction already
    // serialises registry writers; the max_production trigger locks the model row as the last line of defence.
    auto req = loadRequest(requestId);
    if (!req)
        return req.error();
    auto row = readVersionRow(*m_db, req->modelName, req->version);
    if (!row)
        return row.error();
    if (row->stage != Stage::Staging)
        return moveRefused(req->modelName, req->version, row->stage, Stage::Production,
                           QStringLiteral("only a version in Staging is promoted by its request."));
    auto maxProd =
        m_db->scalar(QStringLiteral("SELECT max_production FROM registered_models WHERE id = ?"), {row->modelId});
    if (!maxProd)
        return maxProd.error();
    auto holders = m_db->exec(QStringLiteral("SELECT id, version FROM model_versions WHERE model_id = ? AND stage = "
                                             "'Production' ORDER BY stage_changed_at, version"),
                              {row->modelId});
    if (!holders)
        return holders.error();
    QList<QPair<qint64, int>> current;
    while (holders->next())
        current << qMakePair(holders->value(0).toLongLong(), holders->value(1).toInt());
    holders->finish();
    auto before = aliasesOf(row->modelId);
    if (!before)
        return before.error();
    TransitionOutcome outcome{req->modelName,
                              req->version,
                              stageName(Stage::Staging),
                              stageName(Stage::Production),
                              transitionKindName(TransitionKind::Promote),
                              requestId,
                              {},
                              {},
                              {}};
    const int excess = int(current.size()) - maxProd->toInt() + 1;
    for (int i = 0; i < excess && i < current.size(); ++i) {
        const QString why = QStringLiteral("superseded by v%1").arg(req->version);
        if (auto s = recordTransition(current[i].first, req->modelName, current[i].second, Stage::Production,
                                      Stage::Archived, TransitionKind::Archive, why, requestId);
            !s)
            return s.error();
        outcome.archived << ArchivedVersion{current[i].second, why};
    }
    if (auto s = recordTransition(row->id, req->modelName, req->version, Stage::Staging, Stage::Production,
                                  TransitionKind::Promote, req->reason, requestId);
        !s)
        return s.error();
    if (auto q = m_db->execWrite(QStringLiteral("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ?"),
                                 {requestStatusName(RequestStatus::Promoted), nowUtc(), requestId});
        !q)
        return q.error();
    if (auto s = recordPromotionAliases(outcome, row->modelId, *before); !s)
        return s.error();
    return outcome;
}

Status Registry::recordPromotionAliases(TransitionOutcome &outcome, qint64 modelId, const QList<Alias> &before)
{
    auto moved = recordAliasMoves(outcome.modelName, modelId, before);
    if (!moved)
        return moved.error();
    outcome.aliasesMoved = *moved;
    // Pinned aliases stay on the versions the promotion archived: reported, not moved.
    for (const Alias &a : before)
        if (!a.followsProduction)
            for (const ArchivedVersion &gone : std::as_const(outcome.archived))
                if (a.version == gone.version)
                    outcome.aliasesLeft << a;
    return {};
}

namespace {
// Cancels the open request of a version that leaves Staging (it would otherwise block a new one).
Status cancelOpenRequests(Database &db, qint64 versionId)
{
    if (db.dialect() == Dialect::Postgres)
        return {}; // modeldesk_change_stage cancels them when the version leaves Staging
    auto q = db.execWrite(QStringLiteral("UPDATE approval_requests SET status = ?, decided_at = ? WHERE version_id = ? "
                                         "AND status IN (?, ?)"),
                          {requestStatusName(RequestStatus::Cancelled), nowUtc(), versionId,
                           requestStatusName(RequestStatus::Pending), requestStatusName(RequestStatus::Approved)});
    if (!q)
        return q.error();
    return {};
}
} // namespace

Result<TransitionOutcome> Registry::demote(const QString &modelName, int number, const QString &reason)
{
    const policy::Move *move = policy::findMove(Stage::Staging, Stage::None, TransitionKind::Demote);
    if (auto s = requireReason(reason, move->needsReason); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto row = readVersionRow(*m_db, modelName, number);
        if (!row)
            return row.error();
        if (row->stage != move->from)
            return moveRefused(modelName, number, row->stage, Stage::None,
                               QStringLiteral("only a version in Staging can be demoted to None."));
        if (auto s = cancelOpenRequests(*m_db, row->id); !s)
            return s.error();
        if (auto s = recordTransition(row->id, modelName, number, Stage::Staging, Stage::None, TransitionKind::Demote,
                                      reason, 0);
            !s)
            return s.error();
        return TransitionOutcome{modelName,
                                 number,
                                 stageName(Stage::Staging),
                                 stageName(Stage::None),
                                 transitionKindName(TransitionKind::Demote),
                                 0,
                                 {},
                                 {},
                                 {}};
    });
}

Result<TransitionOutcome> Registry::importStage(const QString &modelName, int number, Stage to, const QString &reason)
{
    const policy::Move *move = policy::findMove(Stage::None, to, TransitionKind::Import);
    if (!move)
        return Error::invalid(
            QStringLiteral("An imported stage is Staging, Production or Archived, not %1.").arg(stageName(to)));
    if (auto s = requireReason(reason, move->needsReason); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto row = readVersionRow(*m_db, modelName, number);
        if (!row)
            return row.error();
        auto moved = m_db->scalar(
            QStringLiteral("SELECT count(*) FROM stage_transitions WHERE version_id = ? AND kind <> 'register'"),
            {row->id});
        if (!moved)
            return moved.error();
        if (row->stage != Stage::None || moved->toInt() > 0)
            return moveRefused(modelName, number, row->stage, to,
                               QStringLiteral("an imported stage is set once, on a version that has not moved yet."));
        if (auto s = recordTransition(row->id, modelName, number, Stage::None, to, TransitionKind::Import, reason, 0);
            !s)
            return s.error();
        return TransitionOutcome{
            modelName, number, stageName(Stage::None), stageName(to), transitionKindName(TransitionKind::Import), 0, {},
            {},        {}};
    });
}

Result<TransitionOutcome> Registry::archive(const QString &modelName, int number, const QString &reason)
{
    if (auto s = requireReason(reason,
                               policy::findMove(Stage::Staging, Stage::Archived, TransitionKind::Archive)->needsReason);
        !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto row = readVersionRow(*m_db, modelName, number);
        if (!row)
            return row.error();
        if (!policy::findMove(row->stage, Stage::Archived, TransitionKind::Archive))
            return moveRefused(modelName, number, row->stage, Stage::Archived,
                               QStringLiteral("only Staging and Production versions can be archived."));
        const bool leavesProduction = row->stage == Stage::Production;
        QList<Alias> before;
        if (leavesProduction) {
            auto a = aliasesOf(row->modelId);
            if (!a)
                return a.error();
            before = *a;
        }
        if (auto s = cancelOpenRequests(*m_db, row->id); !s)
            return s.error();
        if (auto s = recordTransition(row->id, modelName, number, row->stage, Stage::Archived, TransitionKind::Archive,
                                      reason, 0);
            !s)
            return s.error();
        TransitionOutcome outcome{modelName,
                                  number,
                                  stageName(row->stage),
                                  stageName(Stage::Archived),
                                  transitionKindName(TransitionKind::Archive),
                                  0,
                                  {},
                                  {},
                                  {}};
        if (leavesProduction) {
            auto moved = recordAliasMoves(modelName, row->modelId, before);
            if (!moved)
                return moved.error();
            outcome.aliasesMoved = *moved;
            // Following aliases with nothing left in Production stay too: report every alias left behind.
            for (const Alias &a : std::as_const(before))
                if (a.version == number &&
                    !std::any_of(moved->begin(), moved->end(), [&](const AliasMove &m) { return m.alias == a.alias; }))
                    outcome.aliasesLeft << a;
        }
        return outcome;
    });
}

Result<int> Registry::suggestedRollbackTarget(const QString &modelName)
{
    const ReadScope reads(*this);
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto q = m_db->exec(QStringLiteral("SELECT ") + sql::suggestedRollbackTarget(QStringLiteral("?")), {*mid});
    if (!q)
        return q.error();
    if (!q->next() || q->value(0).isNull())
        return Error::notFound(QStringLiteral("%1 has no earlier Production version to roll back to (none that was not "
                                              "itself rolled back from).")
                                   .arg(modelName));
    return q->value(0).toInt();
}

Result<RollbackPlan> Registry::planRollback(const QString &modelName, int target)
{
    const ReadScope reads(*this);
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    return planRollbackIn(*mid, modelName, target);
}

Result<RollbackPlan> Registry::planRollbackIn(qint64 modelId, const QString &modelName, int target)
{
    RollbackPlan plan;
    plan.modelName = modelName;
    // Roll back the most recently promoted holder.
    auto holders = m_db->exec(QStringLiteral("SELECT version FROM model_versions WHERE model_id = ? AND stage = "
                                             "'Production' ORDER BY stage_changed_at DESC, version DESC"),
                              {modelId});
    if (!holders)
        return holders.error();
    if (!holders->next())
        return Error::conflict(QStringLiteral("%1 has nothing in Production to roll back.").arg(modelName));
    plan.current = holders->value(0).toInt();
    holders->finish();
    plan.target = target;
    if (plan.target == 0) {
        auto suggested = suggestedRollbackTarget(modelName);
        if (!suggested)
            return suggested.error();
        plan.target = *suggested;
    }
    auto aliases = aliasesOf(modelId);
    if (!aliases)
        return aliases.error();
    for (const Alias &a : std::as_const(*aliases)) {
        if (a.followsProduction)
            plan.following << a;
        else if (a.version == plan.current)
            plan.pinnedOnCurrent << a;
    }
    return plan;
}

Result<TransitionOutcome> Registry::rollback(const QString &modelName, int target, const QString &reason,
                                             PinnedAliases pinned)
{
    const policy::Move *into = policy::findMove(Stage::Archived, Stage::Production, TransitionKind::Rollback);
    if (auto s = requireReason(reason, into->needsReason); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        auto plan = planRollbackIn(*mid, modelName, target);
        if (!plan)
            return plan.error();
        const int chosen = plan->target;
        auto t = m_db->exec(QStringLiteral("SELECT v.id, v.stage, EXISTS (SELECT 1 FROM stage_transitions t WHERE "
                                           "t.version_id = v.id AND t.to_stage = 'Production'), (SELECT id FROM "
                                           "model_versions WHERE model_id = v.model_id AND version = ?) FROM "
                                           "model_versions v WHERE v.model_id = ? AND v.version = ?"),
                            {plan->current, *mid, chosen});
        if (!t)
            return t.error();
        if (!t->next())
            return Error::notFound(QStringLiteral("The model '%1' has no version %2. `modelctl versions %1` lists its "
                                                  "versions.")
                                       .arg(modelName)
                                       .arg(chosen));
        const qint64 targetId = t->value(0).toLongLong();
        Stage targetStage = Stage::None;
        parseStage(t->value(1).toString(), &targetStage);
        const bool wasInProduction = t->value(2).toBool();
        const qint64 holderId = t->value(3).toLongLong();
        t->finish();
        if (targetStage == Stage::Production)
            return Error::conflict(QStringLiteral("%1 is already in Production.").arg(versionKey(modelName, chosen)));
        if (targetStage != into->from || (into->needsEarlierProduction && !wasInProduction))
            return Error::conflict(
                QStringLiteral("%1 cannot be a rollback target: a rollback returns to an Archived "
                               "version that was in Production before (it is %2%3).")
                    .arg(versionKey(modelName, chosen), stageName(targetStage),
                         wasInProduction ? QString() : QStringLiteral(" and was never in Production")));
        auto before = aliasesOf(*mid);
        if (!before)
            return before.error();
        TransitionOutcome outcome{modelName,
                                  chosen,
                                  stageName(Stage::Archived),
                                  stageName(Stage::Production),
                                  transitionKindName(TransitionKind::Rollback),
                                  0,
                                  {},
                                  {},
                                  {}};
        const QString why = QStringLiteral("rolled back to v%1: %2").arg(chosen).arg(reason);
        if (auto s = recordTransition(holderId, modelName, plan->current, Stage::Production, Stage::Archived,
                                      TransitionKind::Rollback, why, 0);
            !s)
            return s.error();
        if (dialect() == Dialect::Sqlite) // PostgreSQL: modeldesk_change_stage marks the version a rollback leaves
            if (auto q = m_db->execWrite(QStringLiteral("UPDATE model_versions SET rollback_excluded = 1 WHERE id = ?"),
                                         {holderId});
                !q)
                return q.error();
        outcome.archived << ArchivedVersion{plan->current, why};
        if (auto s = recordTransition(targetId, modelName, chosen, Stage::Archived, Stage::Production,
                                      TransitionKind::Rollback, reason, 0);
            !s)
            return s.error();
        if (pinned == PinnedAliases::Move)
            for (const Alias &a : std::as_const(plan->pinnedOnCurrent)) {
                auto q = dialect() == Dialect::Postgres
                             ? m_db->exec(QStringLiteral("SELECT modeldesk_set_alias(?, ?, ?, ?, '')"),
                                          {*mid, a.alias, targetId, a.isProtected})
                             : m_db->exec(QStringLiteral("UPDATE aliases SET version_id = ?, updated_at = ?, "
                                                         "updated_by = ? WHERE model_id = ? AND alias = ?"),
                                          {targetId, nowUtc(), m_actor, *mid, a.alias});
                if (!q)
                    return q.error();
            }
        auto moved = recordAliasMoves(modelName, *mid, *before);
        if (!moved)
            return moved.error();
        outcome.aliasesMoved = *moved;
        if (pinned == PinnedAliases::Stay)
            outcome.aliasesLeft = plan->pinnedOnCurrent;
        return outcome;
    });
}

Status Registry::clearRollbackMark(const QString &modelName, int number)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto vid = versionId(modelName, number);
        if (!vid)
            return vid.error();
        if (auto q = m_db->exec(dialect() == Dialect::Postgres
                                    ? QStringLiteral("SELECT modeldesk_clear_rollback_mark(?)")
                                    : QStringLiteral("UPDATE model_versions SET rollback_excluded = 0 WHERE id = ?"),
                                {*vid});
            !q)
            return q.error();
        return appendAudit(*m_db, m_actor, QStringLiteral("clear_rollback_mark"), QStringLiteral("model_version"),
                           versionKey(modelName, number), {});
    });
}

Status Registry::setMaxProduction(const QString &modelName, int maxProduction)
{
    if (maxProduction < 1 || maxProduction > 100)
        return Error::invalid(QStringLiteral("--max-production must be between 1 and 100."));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto model = this->model(modelName);
        if (!model)
            return model.error();
        if (model->productionVersions.size() > maxProduction)
            return Error::conflict(QStringLiteral("%1 has %2 versions in Production; archive some before lowering the "
                                                  "limit to %3.")
                                       .arg(modelName)
                                       .arg(model->productionVersions.size())
                                       .arg(maxProduction));
        if (auto q = m_db->exec(dialect() == Dialect::Postgres
                                    ? QStringLiteral("SELECT modeldesk_set_max_production(?, ?)")
                                    : QStringLiteral("UPDATE registered_models SET max_production = ? WHERE id = ?"),
                                dialect() == Dialect::Postgres ? QVariantList{model->id, maxProduction}
                                                               : QVariantList{maxProduction, model->id});
            !q)
            return q.error();
        return appendAudit(
            *m_db, m_actor, QStringLiteral("set_max_production"), QStringLiteral("model"), modelName,
            QJsonObject{{QStringLiteral("before"), model->maxProduction}, {QStringLiteral("after"), maxProduction}});
    });
}

Result<ApprovalRequest> Registry::loadRequest(qint64 requestId)
{
    auto q = m_db->exec(QStringLiteral("SELECT ") + sql::requestColumns() +
                            QStringLiteral(" FROM approval_requests r JOIN model_versions v ON v.id = r.version_id "
                                           "JOIN registered_models m ON m.id = v.model_id WHERE r.id = ?"),
                        {requestId});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(
            QStringLiteral("There is no approval request #%1. `modelctl requests` lists them.").arg(requestId));
    ApprovalRequest r = sql::requestFrom(*q);
    q->finish();
    auto d =
        m_db->exec(QStringLiteral("SELECT id, actor, decision, comment, override_reason, at FROM approval_decisions "
                                  "WHERE request_id = ? ORDER BY id"),
                   {requestId});
    if (!d)
        return d.error();
    while (d->next())
        r.decisions << ApprovalDecision{d->value(0).toLongLong(), d->value(1).toString(), d->value(2).toString(),
                                        d->value(3).toString(),   d->value(4).toString(), d->value(5).toString()};
    return r;
}

Result<ApprovalRequest> Registry::request(qint64 requestId)
{
    const ReadScope reads(*this);
    return loadRequest(requestId);
}

Result<ApprovalRequest> Registry::withdrawRequest(qint64 requestId, const QString &reason)
{
    if (auto s = requireReason(reason, true); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    auto held = roles();
    if (!held)
        return held.error();
    return m_db->writeTransaction([&]() -> Result<ApprovalRequest> {
        auto req = loadRequest(requestId);
        if (!req)
            return req.error();
        if (parseRequestStatus(req->status) != RequestStatus::Pending)
            return Error::conflict(QStringLiteral("Request #%1 is %2, not pending.").arg(requestId).arg(req->status));
        if (req->requestedBy != m_actor && !held->contains(roleName(Role::Admin)))
            return Error{Error::Kind::Permission,
                         QStringLiteral("Request #%1 was made by %2; only the requester or an admin "
                                        "withdraws it.")
                             .arg(requestId)
                             .arg(req->requestedBy),
                         {}};
        if (dialect() == Dialect::Postgres) {
            if (auto q = m_db->exec(QStringLiteral("SELECT modeldesk_withdraw_request(?, ?)"), {requestId, reason}); !q)
                return q.error();
            return loadRequest(requestId);
        }
        if (auto q =
                m_db->execWrite(QStringLiteral("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ? "
                                               "AND status = ?"),
                                {requestStatusName(RequestStatus::Cancelled), nowUtc(), requestId,
                                 requestStatusName(RequestStatus::Pending)});
            !q)
            return q.error();
        if (auto s = appendAudit(
                *m_db, m_actor, QStringLiteral("withdraw_request"), QStringLiteral("approval_request"),
                versionKey(req->modelName, req->version),
                QJsonObject{{QStringLiteral("request_id"), double(requestId)}, {QStringLiteral("reason"), reason}});
            !s)
            return s.error();
        return loadRequest(requestId);
    });
}

Result<ApprovalRequest> Registry::requestPromotion(const QString &modelName, int number, Stage to,
                                                   const QString &reason)
{
    if (to != Stage::Production)
        return Error::invalid(QStringLiteral("Requests are for Staging->Production; move a version to Staging with "
                                             "`modelctl promote NAME VERSION --to Staging` (its gates run then)."));
    if (auto s = requireReason(reason, true); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<ApprovalRequest> {
        auto current = version(modelName, number);
        if (!current)
            return current.error();
        if (current->stage != Stage::Staging)
            return Error::conflict(QStringLiteral("%1 is in %2; promotion to Production is requested for versions in "
                                                  "Staging.")
                                       .arg(versionKey(modelName, number), stageName(current->stage)));
        auto open = m_db->scalar(QStringLiteral("SELECT id FROM approval_requests WHERE version_id = ? AND status IN "
                                                "('pending', 'approved')"),
                                 {current->id});
        if (!open)
            return open.error();
        if (!open->isNull())
            return Error::conflict(QStringLiteral("%1 already has an open request #%2.")
                                       .arg(versionKey(modelName, number))
                                       .arg(open->toLongLong()));
        if (dialect() == Dialect::Postgres) {
            // The database evaluates the gates from the stored policy and metrics and stores its report.
            auto id = m_db->scalar(QStringLiteral("SELECT modeldesk_request_promotion(?, ?)"), {current->id, reason});
            if (!id)
                return id.error();
            return loadRequest(id->toLongLong());
        }
        auto report = evaluateInTransaction(modelName, number, Stage::Production);
        if (!report)
            return report.error();
        auto inserted = m_db->exec(
            QStringLiteral(
                "INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, status, "
                "gates_passed, gate_report, baseline_version, required_approvals) "
                "VALUES (?, 'Production', ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id"),
            {current->id, m_actor, nowUtc(), reason, report->passed ? 1 : 0, compactJson(toJson(*report)),
             report->baselineVersion > 0 ? QVariant(report->baselineVersion) : QVariant(QMetaType(QMetaType::Int)),
             report->approvalsRequired});
        if (!inserted)
            return inserted.error();
        if (!inserted->next())
            return Error::database(QStringLiteral("The new request returned no id."));
        const qint64 id = inserted->value(0).toLongLong();
        inserted->finish();
        if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("request_promotion"),
                                 QStringLiteral("approval_request"), versionKey(modelName, number),
                                 QJsonObject{{QStringLiteral("request_id"), double(id)},
                                             {QStringLiteral("to"), QStringLiteral("Production")},
                                             {QStringLiteral("reason"), reason},
                                             {QStringLiteral("gates_passed"), report->passed}});
            !s)
            return s.error();
        return loadRequest(id);
    });
}

Result<ApprovalRequest> Registry::decide(qint64 requestId, bool approve, const QString &comment,
                                         const QString &overrideReason, TransitionOutcome *promoted)
{
    if (comment.trimmed().isEmpty())
        return Error::invalid(QStringLiteral("A decision needs a comment (--comment): it is what the requester and "
                                             "auditors read."));
    if (auto s = validateText(QStringLiteral("The comment"), comment, kMaxValueLength, true, true); !s)
        return s.error();
    if (auto s = validateText(QStringLiteral("The override reason"), overrideReason, kMaxValueLength, false, true); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<ApprovalRequest> {
        auto req = loadRequest(requestId);
        if (!req)
            return req.error();
        if (parseRequestStatus(req->status) != RequestStatus::Pending)
            return Error::conflict(QStringLiteral("Request #%1 is %2, not pending.").arg(requestId).arg(req->status));
        QStringList deciders;
        for (const ApprovalDecision &d : req->decisions)
            deciders << d.actor;
        if (auto refusal = policy::fourEyesRefusal(m_actor, req->requestedBy, req->registeredBy, deciders, requestId,
                                                   req->version))
            return Error::conflict(*refusal);
        if (approve && !req->gatesPassed && overrideReason.trimmed().isEmpty())
            return Error::conflict(
                QStringLiteral("Request #%1 has failing gates; approving it needs an explicit override "
                               "reason (--override \"...\"), which is recorded.")
                    .arg(requestId));
        if (dialect() == Dialect::Postgres)
            return decideInDatabase(*req, approve, comment, overrideReason, promoted);
        if (auto q = m_db->exec(QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, "
                                               "override_reason, at) VALUES (?, ?, ?, ?, ?, ?)"),
                                {requestId, m_actor, decisionName(approve ? Decision::Approve : Decision::Reject),
                                 comment, approve ? overrideReason : QString(), nowUtc()});
            !q)
            return q.error();
        if (auto s =
                appendAudit(*m_db, m_actor, decisionName(approve ? Decision::Approve : Decision::Reject),
                            QStringLiteral("approval_request"), versionKey(req->modelName, req->version),
                            QJsonObject{{QStringLiteral("request_id"), double(requestId)},
                                        {QStringLiteral("comment"), comment},
                                        {QStringLiteral("override_reason"), approve ? overrideReason : QString()}});
            !s)
            return s.error();
        int approvals = approve ? 1 : 0;
        for (const ApprovalDecision &d : req->decisions)
            approvals += parseDecision(d.decision) == Decision::Approve ? 1 : 0;
        if (!approve) {
            if (auto q = m_db->execWrite(
                    QStringLiteral("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ?"),
                    {requestStatusName(RequestStatus::Rejected), nowUtc(), requestId});
                !q)
                return q.error();
        } else if (approvals >= req->requiredApprovals) {
            // Approved and promoted in this one transaction: 'approved' is never committed on its own.
            if (auto q = m_db->execWrite(
                    QStringLiteral("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ?"),
                    {requestStatusName(RequestStatus::Approved), nowUtc(), requestId});
                !q)
                return q.error();
            auto outcome = promoteToProduction(requestId);
            if (!outcome)
                return outcome.error();
            if (promoted)
                *promoted = *outcome;
        }
        return loadRequest(requestId);
    });
}

Result<ApprovalRequest> Registry::decideInDatabase(const ApprovalRequest &req, bool approve, const QString &comment,
                                                   const QString &overrideReason, TransitionOutcome *promoted)
{
    // modeldesk_decide records the decision and, when it completes the request, archives what it supersedes
    // and promotes the version: the outcome is read back from the transitions it wrote.
    auto mid = modelId(req.modelName);
    if (!mid)
        return mid.error();
    auto before = approve ? aliasesOf(*mid) : Result<QList<Alias>>(QList<Alias>{});
    if (!before)
        return before.error();
    auto status = m_db->scalar(QStringLiteral("SELECT modeldesk_decide(?, ?, ?, ?)"),
                               {req.id, decisionName(approve ? Decision::Approve : Decision::Reject), comment,
                                approve ? overrideReason : QString()});
    if (!status)
        return status.error();
    if (status->toString() == requestStatusName(RequestStatus::Promoted)) {
        TransitionOutcome outcome{req.modelName,
                                  req.version,
                                  stageName(Stage::Staging),
                                  stageName(Stage::Production),
                                  transitionKindName(TransitionKind::Promote),
                                  req.id,
                                  {},
                                  {},
                                  {}};
        auto archived = m_db->exec(QStringLiteral("SELECT v.version, t.reason FROM stage_transitions t JOIN "
                                                  "model_versions v ON v.id = t.version_id WHERE t.approval_id = ? "
                                                  "AND t.kind = 'archive' ORDER BY t.id"),
                                   {req.id});
        if (!archived)
            return archived.error();
        while (archived->next())
            outcome.archived << ArchivedVersion{archived->value(0).toInt(), archived->value(1).toString()};
        archived->finish();
        if (auto s = recordPromotionAliases(outcome, *mid, *before); !s)
            return s.error();
        if (promoted)
            *promoted = outcome;
    }
    return loadRequest(req.id);
}

Result<QList<ApprovalRequest>> Registry::requests(bool pendingOnly, const QString &modelName)
{
    const ReadScope reads(*this);
    // Two statements for any number of requests (the approval queue opens with every pending one): the requests,
    // then all their decisions.
    const QString from = QStringLiteral(" FROM approval_requests r JOIN model_versions v ON v.id = r.version_id "
                                        "JOIN registered_models m ON m.id = v.model_id WHERE 1 = 1");
    QString where;
    QVariantList binds;
    if (pendingOnly)
        where += QStringLiteral(" AND r.status = 'pending'");
    if (!modelName.isEmpty()) {
        where += QStringLiteral(" AND m.name = ?");
        binds << modelName;
    }
    auto q = m_db->exec(
        QStringLiteral("SELECT ") + sql::requestColumns() + from + where + QStringLiteral(" ORDER BY r.id"), binds);
    if (!q)
        return q.error();
    QList<ApprovalRequest> list;
    QHash<qint64, qsizetype> at;
    while (q->next()) {
        list << sql::requestFrom(*q);
        at.insert(list.last().id, list.size() - 1);
    }
    q->finish();
    if (list.isEmpty())
        return list;
    auto d = m_db->exec(QStringLiteral("SELECT d.request_id, d.id, d.actor, d.decision, d.comment, d.override_reason, "
                                       "d.at FROM approval_decisions d WHERE d.request_id IN (SELECT r.id") +
                            from + where + QStringLiteral(") ORDER BY d.request_id, d.id"),
                        binds);
    if (!d)
        return d.error();
    while (d->next()) {
        const auto it = at.constFind(d->value(0).toLongLong());
        if (it == at.constEnd())
            continue; // decided after the first read (no snapshot on SQLite outside a transaction)
        list[*it].decisions << ApprovalDecision{d->value(1).toLongLong(), d->value(2).toString(),
                                                d->value(3).toString(),   d->value(4).toString(),
                                                d->value(5).toString(),   d->value(6).toString()};
    }
    return list;
}

Result<QList<ModelVersion>> Registry::production(const QString &modelName)
{
    const ReadScope reads(*this);
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto q = m_db->exec(QStringLiteral("SELECT version FROM model_versions WHERE model_id = ? AND stage = 'Production' "
                                       "ORDER BY version"),
                        {*mid});
    if (!q)
        return q.error();
    QList<int> numbers;
    while (q->next())
        numbers << q->value(0).toInt();
    q->finish();
    return versions(modelName, numbers);
}

Result<QList<ProductionPeriod>> Registry::productionHistory(const QString &modelName)
{
    const ReadScope reads(*this);
    // One statement: the transitions in and out of Production with the approvers of each promotion.
    auto q = m_db->exec(
        QStringLiteral("SELECT v.version, t.from_stage, t.to_stage, t.kind, t.actor, t.at, t.reason, t.approval_id, "
                       "d.actor, t.id FROM stage_transitions t JOIN model_versions v ON v.id = t.version_id "
                       "JOIN registered_models m ON m.id = v.model_id "
                       "LEFT JOIN approval_decisions d ON d.request_id = t.approval_id AND d.decision = 'approve' "
                       "AND t.to_stage = 'Production' "
                       "WHERE m.name = ? AND (t.to_stage = 'Production' OR t.from_stage = 'Production') "
                       "ORDER BY t.id, d.id"),
        {modelName});
    if (!q)
        return q.error();
    QList<ProductionPeriod> periods;
    QHash<int, qsizetype> open;
    qsizetype lastEntered = -1;
    qint64 lastId = 0;
    while (q->next()) {
        const int version = q->value(0).toInt();
        const qint64 transitionId = q->value(9).toLongLong();
        if (q->value(2).toString() == QLatin1String("Production")) {
            if (transitionId == lastId && lastEntered >= 0) { // the same transition, one more approver
                periods[lastEntered].approvers << q->value(8).toString();
                continue;
            }
            ProductionPeriod p;
            p.version = version;
            p.from = q->value(5).toString();
            p.enteredKind = q->value(3).toString();
            p.enteredBy = q->value(4).toString();
            p.enteredReason = q->value(6).toString();
            p.approvalId = q->value(7).toLongLong();
            if (!q->value(8).isNull())
                p.approvers << q->value(8).toString();
            lastEntered = periods.size();
            lastId = transitionId;
            open.insert(version, periods.size());
            periods << p;
        } else if (auto it = open.find(version); it != open.end()) {
            ProductionPeriod &p = periods[*it];
            p.to = q->value(5).toString();
            p.leftKind = q->value(3).toString();
            p.leftBy = q->value(4).toString();
            p.leftReason = q->value(6).toString();
            open.erase(it);
        }
    }
    q->finish();
    if (periods.isEmpty())
        if (auto mid = modelId(modelName); !mid)
            return mid.error();
    return periods;
}

namespace {
Status validateAlias(const QString &alias)
{
    static const QRegularExpression aliasRe(QStringLiteral("^[a-z][a-z0-9_-]{0,63}\\z"));
    if (!aliasRe.match(alias).hasMatch())
        return Error::invalid(QStringLiteral("The alias '%1' is not valid: use lower-case letters, digits, '-' and '_' "
                                             "(e.g. champion, challenger, shadow).")
                                  .arg(alias));
    return {};
}
} // namespace

Status Registry::writeAlias(qint64 modelId, const QString &modelName, const QString &alias, qint64 versionId,
                            int version, bool isProtected, bool follows)
{
    auto old =
        m_db->exec(QStringLiteral("SELECT v.version, a.protected, a.follows FROM aliases a JOIN model_versions v "
                                  "ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?"),
                   {modelId, alias});
    if (!old)
        return old.error();
    QJsonValue before;
    if (old->next())
        before = QJsonObject{{QStringLiteral("version"), old->value(0).toInt()},
                             {QStringLiteral("protected"), old->value(1).toInt() != 0},
                             {QStringLiteral("follows"), old->value(2).toString()}};
    old->finish();
    const QString followsValue = follows ? QStringLiteral("production") : QString();
    if (dialect() == Dialect::Postgres) {
        // modeldesk_set_alias writes it; the alias triggers check it and write the audit entry.
        if (auto q = m_db->exec(QStringLiteral("SELECT modeldesk_set_alias(?, ?, ?, ?, ?)"),
                                {modelId, alias, versionId, isProtected, followsValue});
            !q)
            return q.error();
        return {};
    }
    auto q =
        m_db->exec(QStringLiteral("INSERT INTO aliases (model_id, alias, version_id, protected, follows, updated_at, "
                                  "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE "
                                  "SET version_id = excluded.version_id, protected = excluded.protected, follows = "
                                  "excluded.follows, updated_at = excluded.updated_at, updated_by = "
                                  "excluded.updated_by"),
                   {modelId, alias, versionId, isProtected ? 1 : 0, followsValue, nowUtc(), m_actor});
    if (!q)
        return q.error();
    return appendAudit(*m_db, m_actor, QStringLiteral("set_alias"), QStringLiteral("alias"),
                       modelName + QLatin1Char('#') + alias,
                       QJsonObject{{QStringLiteral("before"), before},
                                   {QStringLiteral("after"), QJsonObject{{QStringLiteral("version"), version},
                                                                         {QStringLiteral("protected"), isProtected},
                                                                         {QStringLiteral("follows"), followsValue}}}});
}

Status Registry::setAlias(const QString &modelName, const QString &alias, int number, bool isProtected)
{
    if (auto s = validateAlias(alias); !s)
        return s;
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto row = readVersionRow(*m_db, modelName, number);
        if (!row)
            return row.error();
        return writeAlias(row->modelId, modelName, alias, row->id, number, isProtected, false);
    });
}

Status Registry::setFollowingAlias(const QString &modelName, const QString &alias, bool isProtected)
{
    if (auto s = validateAlias(alias); !s)
        return s;
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        auto newest = m_db->exec(QStringLiteral("SELECT id, version FROM model_versions WHERE model_id = ? AND stage = "
                                                "'Production' ORDER BY stage_changed_at DESC, version DESC LIMIT 1"),
                                 {*mid});
        if (!newest)
            return newest.error();
        if (!newest->next())
            return Error::conflict(QStringLiteral("%1 has nothing in Production for '%2' to follow; promote a version "
                                                  "first, or pin the alias to a version.")
                                       .arg(modelName, alias));
        const qint64 vid = newest->value(0).toLongLong();
        const int number = newest->value(1).toInt();
        newest->finish();
        return writeAlias(*mid, modelName, alias, vid, number, isProtected, true);
    });
}

Status Registry::removeAlias(const QString &modelName, const QString &alias)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        int removed = 0;
        if (dialect() == Dialect::Postgres) {
            auto n = m_db->scalar(QStringLiteral("SELECT modeldesk_remove_alias(?, ?)"), {*mid, alias});
            if (!n)
                return n.error();
            removed = n->toInt();
        } else {
            auto q = m_db->exec(QStringLiteral("DELETE FROM aliases WHERE model_id = ? AND alias = ?"), {*mid, alias});
            if (!q)
                return q.error();
            removed = q->numRowsAffected();
        }
        if (removed == 0)
            return Error::notFound(QStringLiteral("%1 has no alias '%2'.").arg(modelName, alias));
        return appendAudit(*m_db, m_actor, QStringLiteral("remove_alias"), QStringLiteral("alias"),
                           modelName + QLatin1Char('#') + alias, {});
    });
}

Result<QList<Alias>> Registry::aliases(const QString &modelName)
{
    const ReadScope reads(*this);
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    return aliasesOf(*mid);
}

Status Registry::reportDeployment(const QString &service, const QString &environment, const QString &modelName,
                                  int number)
{
    static const QRegularExpression nameRe(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,127}\\z"));
    if (!nameRe.match(service).hasMatch())
        return Error::invalid(
            QStringLiteral("The service name '%1' is not valid: lower-case letters, digits, '.', '-', '_'.")
                .arg(service));
    if (!nameRe.match(environment).hasMatch())
        return Error::invalid(
            QStringLiteral("The environment '%1' is not valid: lower-case letters, digits, '.', '-', '_'.")
                .arg(environment));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        auto vid = versionId(modelName, number);
        if (!vid)
            return vid.error();
        if (auto q = m_db->exec(QStringLiteral("INSERT INTO deployments (service, environment, model_id, version_id, "
                                               "reported_at, reported_by) VALUES (?, ?, ?, ?, ?, ?)"),
                                {service, environment, *mid, *vid, nowUtc(), m_actor});
            !q)
            return q.error();
        // The deployment is a lineage node too: impact analysis reaches the services a version runs in.
        auto versionNode =
            ensureLineageNode(LineageKind::ModelVersion, modelName, QString::number(number), *vid, nowUtc());
        if (!versionNode)
            return versionNode.error();
        auto deploymentNode = ensureLineageNode(LineageKind::Deployment, service, environment, 0, nowUtc());
        if (!deploymentNode)
            return deploymentNode.error();
        if (auto s = ensureLineageEdge(*versionNode, *deploymentNode, QStringLiteral("deployed_as"), nowUtc()); !s)
            return s;
        return appendAudit(*m_db, m_actor, QStringLiteral("report_deployment"), QStringLiteral("deployment"),
                           service + QLatin1Char('/') + environment,
                           QJsonObject{{QStringLiteral("model"), modelName}, {QStringLiteral("version"), number}});
    });
}

Result<QList<Deployment>> Registry::deployments(const QString &modelName)
{
    const ReadScope reads(*this);
    if (modelName.isEmpty())
        return currentDeployments({}, {});
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    return currentDeployments(QStringLiteral("model_id = ?"), {*mid});
}

Result<QList<Deployment>> Registry::currentDeployments(const QString &condition, const QVariantList &binds)
{
    // The current deployment of a service in an environment is its latest report.
    const QString sql =
        QStringLiteral("SELECT d.service, d.environment, m.name, v.version, v.stage, d.reported_at, d.reported_by "
                       "FROM deployments d JOIN model_versions v ON v.id = d.version_id JOIN registered_models m ON "
                       "m.id = d.model_id WHERE d.id IN (SELECT max(id) FROM deployments ") +
        (condition.isEmpty() ? QString() : QStringLiteral("WHERE ") + condition) +
        QStringLiteral(" GROUP BY service, environment) ORDER BY d.service, d.environment");
    auto q = m_db->exec(sql, binds);
    if (!q)
        return q.error();
    QList<Deployment> list;
    while (q->next()) {
        Deployment d;
        d.service = q->value(0).toString();
        d.environment = q->value(1).toString();
        d.modelName = q->value(2).toString();
        d.version = q->value(3).toInt();
        parseStage(q->value(4).toString(), &d.stage);
        d.reportedAt = q->value(5).toString();
        d.reportedBy = q->value(6).toString();
        d.shadow = d.stage != Stage::Production;
        list << d;
    }
    return list;
}

Status Registry::grantRole(const QString &role, const QString &user)
{
    if (dialect() == Dialect::Sqlite)
        return Error::invalid(
            QStringLiteral("Roles exist only on PostgreSQL registries; a SQLite file gives no protection "
                           "against whoever can write it."));
    if (!parseRole(role)) {
        QStringList names;
        for (Role r : allRoles())
            names << roleName(r);
        return Error::invalid(
            QStringLiteral("Unknown role '%1'. Roles: %2.").arg(role, names.join(QStringLiteral(", "))));
    }
    static const QRegularExpression userRe(QStringLiteral("^[a-z_][a-z0-9_.-]{0,62}\\z"));
    if (!userRe.match(user).hasMatch())
        return Error::invalid(QStringLiteral("'%1' is not a valid PostgreSQL user name.").arg(user));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        // Identifiers cannot be bound; both were validated against strict patterns above.
        if (auto q = m_db->exec(QStringLiteral("GRANT modeldesk_%1 TO \"%2\"").arg(role, user)); !q)
            return q.error();
        // GRANT is DDL, which no row trigger records: the database writes the entry once the grant holds.
        if (auto q = m_db->exec(QStringLiteral("SELECT modeldesk_record_grant(?, ?)"), {role, user}); !q)
            return q.error();
        return {};
    });
}

} // namespace md
