// Stages, gates, approvals, rollback, aliases, deployments and roles: the part of Registry that
// changes what is in Production. Every change is one transaction that writes the new state, a
// stage_transitions row, an audit entry and an outbox event together, or nothing.

#include "registry.h"
#include "validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace md {

namespace {
const QString kAllowedMoves = QStringLiteral("Allowed moves: None->Staging, Staging->Production (with an approved "
                                             "request), Staging->None, Production->Archived, Staging->Archived, and "
                                             "Archived->Production only as a rollback.");

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
} // namespace

Status Registry::recordTransition(qint64 versionId, const QString &modelName, int version, const QString &from,
                                  const QString &to, const QString &kind, const QString &reason, qint64 approvalId)
{
    const QString now = nowUtc();
    // The transition row comes first: the database accepts a stage change only when it is recorded.
    if (auto q = m_db->execWrite(
            QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, "
                           "at, reason, approval_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            {versionId, from, to, kind, m_actor, now, reason,
             approvalId > 0 ? QVariant(approvalId) : QVariant(QMetaType(QMetaType::LongLong))});
        !q)
        return q.error();
    auto updated = m_db->exec(QStringLiteral("UPDATE model_versions SET stage = ?, stage_changed_at = ? WHERE id = ? "
                                             "AND stage = ?"),
                              {to, now, versionId, from});
    if (!updated)
        return updated.error();
    if (updated->numRowsAffected() != 1)
        return Error::conflict(QStringLiteral("%1 changed stage while this action ran; reload and try again.")
                                   .arg(versionKey(modelName, version)));
    const QJsonObject details{
        {QStringLiteral("from"), from},
        {QStringLiteral("to"), to},
        {QStringLiteral("kind"), kind},
        {QStringLiteral("reason"), reason},
        {QStringLiteral("approval_id"), approvalId > 0 ? QJsonValue(double(approvalId)) : QJsonValue()}};
    if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("stage_") + kind, QStringLiteral("model_version"),
                             versionKey(modelName, version), details);
        !s)
        return s;
    QJsonObject event = details;
    event.insert(QStringLiteral("model"), modelName);
    event.insert(QStringLiteral("version"), version);
    event.insert(QStringLiteral("actor"), m_actor);
    event.insert(QStringLiteral("at"), now);
    if (auto q =
            m_db->exec(QStringLiteral("INSERT INTO outbox_events (event_type, payload, created_at) VALUES (?, ?, ?)"),
                       {QStringLiteral("stage_changed"), compactJson(event), now});
        !q)
        return q.error();
    return {};
}

Result<GatePolicies> Registry::gatePolicies(const QString &modelName)
{
    qint64 mid = 0;
    if (!modelName.isEmpty()) {
        auto id = modelId(modelName);
        if (!id)
            return id.error();
        mid = *id;
    }
    GatePolicies result;
    result.source = QStringLiteral("none");
    bool haveStaging = false;
    bool haveProduction = false;
    // The model's own policy wins per transition; the registry default fills the rest.
    for (qint64 scope : {mid, qint64(0)}) {
        auto q = m_db->exec(QStringLiteral("SELECT transition, policy FROM gate_policies WHERE model_id = ?"), {scope});
        if (!q)
            return q.error();
        while (q->next()) {
            const QString transition = q->value(0).toString();
            bool &have = transition == QLatin1String("staging") ? haveStaging : haveProduction;
            if (have)
                continue;
            auto policy =
                parseGatePolicy(QJsonDocument::fromJson(q->value(1).toString().toUtf8()).object(), transition);
            if (!policy)
                return Error::database(QStringLiteral("The stored %1 gate policy is unreadable: %2")
                                           .arg(transition, policy.error().message));
            (transition == QLatin1String("staging") ? result.staging : result.production) = *policy;
            have = true;
            if (result.source == QLatin1String("none"))
                result.source = scope == 0 ? QStringLiteral("registry default") : QStringLiteral("model");
        }
        if (scope == 0)
            break;
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
        for (const auto &[transition, policy] : {std::pair{QStringLiteral("staging"), policies.staging},
                                                 std::pair{QStringLiteral("production"), policies.production}}) {
            auto q =
                m_db->exec(QStringLiteral("INSERT INTO gate_policies (model_id, transition, policy, updated_at, "
                                          "updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model_id, transition) "
                                          "DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, "
                                          "updated_by = excluded.updated_by"),
                           {mid, transition, compactJson(toJson(policy)), now, m_actor});
            if (!q)
                return q.error();
        }
        return appendAudit(*m_db, m_actor, QStringLiteral("set_gate_policy"), QStringLiteral("gate_policy"),
                           modelName.isEmpty() ? QStringLiteral("*") : modelName,
                           QJsonObject{{QStringLiteral("staging"), toJson(policies.staging)},
                                       {QStringLiteral("production"), toJson(policies.production)}});
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
    QDateTime since;
    if (candidate->stage == Stage::Staging)
        since = QDateTime::fromString(candidate->stageChangedAt, Qt::ISODateWithMs);
    return evaluateGates(policy, *candidate, baseline, since, QDateTime::currentDateTimeUtc());
}

Result<GateReport> Registry::evaluateGatesFor(const QString &modelName, int version, Stage to)
{
    return evaluateInTransaction(modelName, version, to);
}

Result<TransitionOutcome> Registry::promote(const QString &modelName, int number, Stage to, const QString &reason)
{
    if (to == Stage::None)
        return demote(modelName, number, reason);
    if (to == Stage::Archived)
        return archive(modelName, number, reason);
    if (auto s = requireReason(reason, false); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto vid = versionId(modelName, number);
        if (!vid)
            return vid.error();
        auto current = version(modelName, number);
        if (!current)
            return current.error();
        const QString from = stageName(current->stage);
        if (to == Stage::Staging) {
            if (current->stage != Stage::None)
                return Error::conflict(
                    QStringLiteral("%1 is in %2; only a version in None can be promoted to Staging. %3")
                        .arg(versionKey(modelName, number), from, kAllowedMoves));
            auto report = evaluateInTransaction(modelName, number, Stage::Staging);
            if (!report)
                return report.error();
            if (!report->passed)
                return Error::conflict(QStringLiteral("%1 was not moved to Staging because its gates failed.\n%2")
                                           .arg(versionKey(modelName, number), report->summary()));
            if (auto s = recordTransition(*vid, modelName, number, from, QStringLiteral("Staging"),
                                          QStringLiteral("promote"), reason, 0);
                !s)
                return s.error();
            return TransitionOutcome{modelName, number, from, QStringLiteral("Staging"), QStringLiteral("promote"),
                                     0,         {}};
        }
        // Production.
        if (current->stage == Stage::Archived)
            return Error::conflict(
                QStringLiteral("%1 is Archived; bring it back with `modelctl rollback %2 --to %3`. %4")
                    .arg(versionKey(modelName, number), modelName)
                    .arg(number)
                    .arg(kAllowedMoves));
        if (current->stage != Stage::Staging)
            return Error::conflict(
                QStringLiteral("%1 is in %2; only a version in Staging can be promoted to Production. %3")
                    .arg(versionKey(modelName, number), from, kAllowedMoves));
        auto req = m_db->scalar(
            QStringLiteral("SELECT id FROM approval_requests WHERE version_id = ? AND status = 'approved'"), {*vid});
        if (!req)
            return req.error();
        if (req->isNull()) {
            auto pending = m_db->scalar(
                QStringLiteral("SELECT id FROM approval_requests WHERE version_id = ? AND status = 'pending'"), {*vid});
            if (!pending)
                return pending.error();
            if (!pending->isNull())
                return Error::conflict(QStringLiteral("%1 needs an approved request before Production; request #%2 is "
                                                      "still pending approval.")
                                           .arg(versionKey(modelName, number))
                                           .arg(pending->toLongLong()));
            return Error::conflict(QStringLiteral("%1 needs an approved request before Production. Ask for one with "
                                                  "`modelctl request %2 %3 --to Production --reason ...`.")
                                       .arg(versionKey(modelName, number), modelName)
                                       .arg(number));
        }
        return promoteToProduction(req->toLongLong());
    });
}

Result<TransitionOutcome> Registry::promoteToProduction(qint64 requestId)
{
    // Runs inside a write transaction. The write transaction already serialises registry writers;
    // the max_production trigger locks the model row as the last line of defence.
    auto req = loadRequest(requestId);
    if (!req)
        return req.error();
    auto vid = versionId(req->modelName, req->version);
    if (!vid)
        return vid.error();
    auto mid = modelId(req->modelName);
    if (!mid)
        return mid.error();
    auto maxProd = m_db->scalar(QStringLiteral("SELECT max_production FROM registered_models WHERE id = ?"), {*mid});
    if (!maxProd)
        return maxProd.error();
    auto holders = m_db->exec(QStringLiteral("SELECT id, version FROM model_versions WHERE model_id = ? AND stage = "
                                             "'Production' ORDER BY stage_changed_at, version"),
                              {*mid});
    if (!holders)
        return holders.error();
    QList<QPair<qint64, int>> current;
    while (holders->next())
        current << qMakePair(holders->value(0).toLongLong(), holders->value(1).toInt());
    TransitionOutcome outcome{req->modelName,
                              req->version,
                              QStringLiteral("Staging"),
                              QStringLiteral("Production"),
                              QStringLiteral("promote"),
                              requestId,
                              {}};
    const int excess = int(current.size()) - maxProd->toInt() + 1;
    for (int i = 0; i < excess && i < current.size(); ++i) {
        const QString why = QStringLiteral("superseded by v%1").arg(req->version);
        if (auto s = recordTransition(current[i].first, req->modelName, current[i].second, QStringLiteral("Production"),
                                      QStringLiteral("Archived"), QStringLiteral("archive"), why, requestId);
            !s)
            return s.error();
        outcome.archived << ArchivedVersion{current[i].second, why};
    }
    if (auto s = recordTransition(*vid, req->modelName, req->version, QStringLiteral("Staging"),
                                  QStringLiteral("Production"), QStringLiteral("promote"), req->reason, requestId);
        !s)
        return s.error();
    if (auto q =
            m_db->exec(QStringLiteral("UPDATE approval_requests SET status = 'promoted', decided_at = ? WHERE id = ?"),
                       {nowUtc(), requestId});
        !q)
        return q.error();
    return outcome;
}

namespace {
// Cancels the open request of a version that leaves Staging (it would otherwise block a new one).
Status cancelOpenRequests(Database &db, qint64 versionId)
{
    auto q =
        db.exec(QStringLiteral("UPDATE approval_requests SET status = 'cancelled', decided_at = ? WHERE version_id = ? "
                               "AND status IN ('pending', 'approved')"),
                {nowUtc(), versionId});
    if (!q)
        return q.error();
    return {};
}
} // namespace

Result<TransitionOutcome> Registry::demote(const QString &modelName, int number, const QString &reason)
{
    if (auto s = requireReason(reason, false); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto current = version(modelName, number);
        if (!current)
            return current.error();
        if (current->stage != Stage::Staging)
            return Error::conflict(QStringLiteral("%1 is in %2; only a version in Staging can be demoted to None. %3")
                                       .arg(versionKey(modelName, number), stageName(current->stage), kAllowedMoves));
        if (auto s = cancelOpenRequests(*m_db, current->id); !s)
            return s.error();
        if (auto s = recordTransition(current->id, modelName, number, QStringLiteral("Staging"), QStringLiteral("None"),
                                      QStringLiteral("demote"), reason, 0);
            !s)
            return s.error();
        return TransitionOutcome{
            modelName, number, QStringLiteral("Staging"), QStringLiteral("None"), QStringLiteral("demote"), 0, {}};
    });
}

Result<TransitionOutcome> Registry::archive(const QString &modelName, int number, const QString &reason)
{
    if (auto s = requireReason(reason, false); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        auto current = version(modelName, number);
        if (!current)
            return current.error();
        if (current->stage != Stage::Staging && current->stage != Stage::Production)
            return Error::conflict(
                QStringLiteral("%1 is in %2; only Staging and Production versions can be archived. %3")
                    .arg(versionKey(modelName, number), stageName(current->stage), kAllowedMoves));
        const QString from = stageName(current->stage);
        if (auto s = cancelOpenRequests(*m_db, current->id); !s)
            return s.error();
        if (auto s = recordTransition(current->id, modelName, number, from, QStringLiteral("Archived"),
                                      QStringLiteral("archive"), reason, 0);
            !s)
            return s.error();
        return TransitionOutcome{modelName, number, from, QStringLiteral("Archived"), QStringLiteral("archive"), 0, {}};
    });
}

Result<int> Registry::suggestedRollbackTarget(const QString &modelName)
{
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    // The version that most recently left Production, was not rolled back from, and is Archived now.
    auto q =
        m_db->exec(QStringLiteral("SELECT v.version FROM model_versions v "
                                  "JOIN stage_transitions t ON t.version_id = v.id AND t.from_stage = 'Production' "
                                  "WHERE v.model_id = ? AND v.stage = 'Archived' AND v.rollback_excluded = 0 "
                                  "GROUP BY v.version ORDER BY max(t.id) DESC LIMIT 1"),
                   {*mid});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(QStringLiteral("%1 has no earlier Production version to roll back to (none that was not "
                                              "itself rolled back from).")
                                   .arg(modelName));
    return q->value(0).toInt();
}

Result<TransitionOutcome> Registry::rollback(const QString &modelName, int target, const QString &reason)
{
    if (auto s = requireReason(reason, true); !s)
        return s.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<TransitionOutcome> {
        // Only stages and ids are needed here (loading the versions in full took 16 queries more).
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        // Roll back the most recently promoted holder.
        auto holders =
            m_db->exec(QStringLiteral("SELECT id, version FROM model_versions WHERE model_id = ? AND stage = "
                                      "'Production' ORDER BY stage_changed_at DESC, version"),
                       {*mid});
        if (!holders)
            return holders.error();
        if (!holders->next())
            return Error::conflict(QStringLiteral("%1 has nothing in Production to roll back.").arg(modelName));
        const qint64 holderId = holders->value(0).toLongLong();
        const int holderVersion = holders->value(1).toInt();
        holders->finish();
        int chosen = target;
        if (chosen == 0) {
            auto suggested = suggestedRollbackTarget(modelName);
            if (!suggested)
                return suggested.error();
            chosen = *suggested;
        }
        auto t = m_db->exec(QStringLiteral("SELECT v.id, v.stage, EXISTS (SELECT 1 FROM stage_transitions t WHERE "
                                           "t.version_id = v.id AND t.to_stage = 'Production') FROM model_versions v "
                                           "WHERE v.model_id = ? AND v.version = ?"),
                            {*mid, chosen});
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
        t->finish();
        if (targetStage == Stage::Production)
            return Error::conflict(QStringLiteral("%1 is already in Production.").arg(versionKey(modelName, chosen)));
        if (!wasInProduction || targetStage != Stage::Archived)
            return Error::conflict(
                QStringLiteral("%1 cannot be a rollback target: a rollback returns to an Archived "
                               "version that was in Production before (it is %2%3).")
                    .arg(versionKey(modelName, chosen), stageName(targetStage),
                         wasInProduction ? QString() : QStringLiteral(" and was never in Production")));
        TransitionOutcome outcome{
            modelName, chosen, QStringLiteral("Archived"), QStringLiteral("Production"), QStringLiteral("rollback"),
            0,         {}};
        const QString why = QStringLiteral("rolled back to v%1: %2").arg(chosen).arg(reason);
        if (auto s = recordTransition(holderId, modelName, holderVersion, QStringLiteral("Production"),
                                      QStringLiteral("Archived"), QStringLiteral("rollback"), why, 0);
            !s)
            return s.error();
        if (auto q =
                m_db->exec(QStringLiteral("UPDATE model_versions SET rollback_excluded = 1 WHERE id = ?"), {holderId});
            !q)
            return q.error();
        outcome.archived << ArchivedVersion{holderVersion, why};
        if (auto s = recordTransition(targetId, modelName, chosen, QStringLiteral("Archived"),
                                      QStringLiteral("Production"), QStringLiteral("rollback"), reason, 0);
            !s)
            return s.error();
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
        if (auto q = m_db->exec(QStringLiteral("UPDATE model_versions SET rollback_excluded = 0 WHERE id = ?"), {*vid});
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
        if (auto q = m_db->exec(QStringLiteral("UPDATE registered_models SET max_production = ? WHERE id = ?"),
                                {maxProduction, model->id});
            !q)
            return q.error();
        return appendAudit(
            *m_db, m_actor, QStringLiteral("set_max_production"), QStringLiteral("model"), modelName,
            QJsonObject{{QStringLiteral("before"), model->maxProduction}, {QStringLiteral("after"), maxProduction}});
    });
}

Result<ApprovalRequest> Registry::loadRequest(qint64 requestId)
{
    auto q = m_db->exec(QStringLiteral("SELECT r.id, m.name, v.version, r.to_stage, r.requested_by, r.requested_at, "
                                       "r.reason, r.status, r.gates_passed, r.gate_report, r.baseline_version, "
                                       "r.required_approvals, r.decided_at, v.created_by FROM approval_requests r "
                                       "JOIN model_versions v ON v.id = r.version_id "
                                       "JOIN registered_models m ON m.id = v.model_id WHERE r.id = ?"),
                        {requestId});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(
            QStringLiteral("There is no approval request #%1. `modelctl requests` lists them.").arg(requestId));
    ApprovalRequest r;
    r.id = q->value(0).toLongLong();
    r.modelName = q->value(1).toString();
    r.version = q->value(2).toInt();
    r.toStage = q->value(3).toString();
    r.requestedBy = q->value(4).toString();
    r.requestedAt = q->value(5).toString();
    r.reason = q->value(6).toString();
    r.status = q->value(7).toString();
    r.gatesPassed = q->value(8).toInt() != 0;
    r.gateReport = q->value(9).toString();
    r.baselineVersion = q->value(10).toInt();
    r.requiredApprovals = q->value(11).toInt();
    r.decidedAt = q->value(12).toString();
    r.registeredBy = q->value(13).toString();
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
    return loadRequest(requestId);
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
        if (req->status != QLatin1String("pending"))
            return Error::conflict(QStringLiteral("Request #%1 is %2, not pending.").arg(requestId).arg(req->status));
        if (m_actor == req->requestedBy)
            return Error::conflict(
                QStringLiteral("Four eyes: %1 requested #%2 and cannot decide on it; another reviewer "
                               "must.")
                    .arg(m_actor)
                    .arg(requestId));
        if (m_actor == req->registeredBy)
            return Error::conflict(
                QStringLiteral("Four eyes: %1 registered %2 and cannot decide on its request; another "
                               "reviewer must.")
                    .arg(m_actor, versionKey(req->modelName, req->version)));
        for (const ApprovalDecision &d : req->decisions)
            if (d.actor == m_actor)
                return Error::conflict(
                    QStringLiteral("%1 already decided on request #%2.").arg(m_actor).arg(requestId));
        if (approve && !req->gatesPassed && overrideReason.trimmed().isEmpty())
            return Error::conflict(
                QStringLiteral("Request #%1 has failing gates; approving it needs an explicit override "
                               "reason (--override \"...\"), which is recorded.")
                    .arg(requestId));
        if (auto q = m_db->exec(QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, "
                                               "override_reason, at) VALUES (?, ?, ?, ?, ?, ?)"),
                                {requestId, m_actor, approve ? QStringLiteral("approve") : QStringLiteral("reject"),
                                 comment, approve ? overrideReason : QString(), nowUtc()});
            !q)
            return q.error();
        if (auto s =
                appendAudit(*m_db, m_actor, approve ? QStringLiteral("approve") : QStringLiteral("reject"),
                            QStringLiteral("approval_request"), versionKey(req->modelName, req->version),
                            QJsonObject{{QStringLiteral("request_id"), double(requestId)},
                                        {QStringLiteral("comment"), comment},
                                        {QStringLiteral("override_reason"), approve ? overrideReason : QString()}});
            !s)
            return s.error();
        int approvals = approve ? 1 : 0;
        for (const ApprovalDecision &d : req->decisions)
            approvals += d.decision == QLatin1String("approve") ? 1 : 0;
        if (!approve) {
            if (auto q = m_db->exec(QStringLiteral("UPDATE approval_requests SET status = 'rejected', decided_at = ? "
                                                   "WHERE id = ?"),
                                    {nowUtc(), requestId});
                !q)
                return q.error();
        } else if (approvals >= req->requiredApprovals) {
            if (auto q = m_db->exec(QStringLiteral("UPDATE approval_requests SET status = 'approved', decided_at = ? "
                                                   "WHERE id = ?"),
                                    {nowUtc(), requestId});
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

Result<QList<ApprovalRequest>> Registry::requests(bool pendingOnly, const QString &modelName)
{
    QString sql = QStringLiteral("SELECT r.id FROM approval_requests r JOIN model_versions v ON v.id = r.version_id "
                                 "JOIN registered_models m ON m.id = v.model_id WHERE 1 = 1");
    QVariantList binds;
    if (pendingOnly)
        sql += QStringLiteral(" AND r.status = 'pending'");
    if (!modelName.isEmpty()) {
        sql += QStringLiteral(" AND m.name = ?");
        binds << modelName;
    }
    sql += QStringLiteral(" ORDER BY r.id");
    auto q = m_db->exec(sql, binds);
    if (!q)
        return q.error();
    QList<qint64> ids;
    while (q->next())
        ids << q->value(0).toLongLong();
    QList<ApprovalRequest> list;
    for (qint64 id : ids) {
        auto r = loadRequest(id);
        if (!r)
            return r.error();
        list << *r;
    }
    return list;
}

Result<QList<ModelVersion>> Registry::production(const QString &modelName)
{
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
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto q =
        m_db->exec(QStringLiteral("SELECT v.version, t.from_stage, t.to_stage, t.kind, t.actor, t.at, t.reason, "
                                  "t.approval_id FROM stage_transitions t JOIN model_versions v ON v.id = t.version_id "
                                  "WHERE v.model_id = ? AND (t.to_stage = 'Production' OR t.from_stage = 'Production') "
                                  "ORDER BY t.id"),
                   {*mid});
    if (!q)
        return q.error();
    QList<ProductionPeriod> periods;
    QHash<int, qsizetype> open;
    while (q->next()) {
        const int version = q->value(0).toInt();
        if (q->value(2).toString() == QLatin1String("Production")) {
            ProductionPeriod p;
            p.version = version;
            p.from = q->value(5).toString();
            p.enteredKind = q->value(3).toString();
            p.enteredBy = q->value(4).toString();
            p.enteredReason = q->value(6).toString();
            p.approvalId = q->value(7).toLongLong();
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
    for (ProductionPeriod &p : periods) {
        if (p.approvalId <= 0)
            continue;
        auto d = m_db->exec(QStringLiteral("SELECT actor FROM approval_decisions WHERE request_id = ? AND decision = "
                                           "'approve' ORDER BY id"),
                            {p.approvalId});
        if (!d)
            return d.error();
        while (d->next())
            p.approvers << d->value(0).toString();
    }
    return periods;
}

Status Registry::setAlias(const QString &modelName, const QString &alias, int number, bool isProtected)
{
    static const QRegularExpression aliasRe(QStringLiteral("^[a-z][a-z0-9_-]{0,63}$"));
    if (!aliasRe.match(alias).hasMatch())
        return Error::invalid(QStringLiteral("The alias '%1' is not valid: use lower-case letters, digits, '-' and '_' "
                                             "(e.g. champion, challenger, shadow).")
                                  .arg(alias));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        auto vid = versionId(modelName, number);
        if (!vid)
            return vid.error();
        auto old = m_db->exec(QStringLiteral("SELECT v.version, a.protected FROM aliases a JOIN model_versions v ON "
                                             "v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?"),
                              {*mid, alias});
        if (!old)
            return old.error();
        QJsonValue before;
        if (old->next())
            before = QJsonObject{{QStringLiteral("version"), old->value(0).toInt()},
                                 {QStringLiteral("protected"), old->value(1).toInt() != 0}};
        old->finish();
        auto q =
            m_db->exec(QStringLiteral("INSERT INTO aliases (model_id, alias, version_id, protected, updated_at, "
                                      "updated_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE "
                                      "SET version_id = excluded.version_id, protected = excluded.protected, "
                                      "updated_at = excluded.updated_at, updated_by = excluded.updated_by"),
                       {*mid, alias, *vid, isProtected ? 1 : 0, nowUtc(), m_actor});
        if (!q)
            return q.error();
        return appendAudit(
            *m_db, m_actor, QStringLiteral("set_alias"), QStringLiteral("alias"), modelName + QLatin1Char('#') + alias,
            QJsonObject{{QStringLiteral("before"), before},
                        {QStringLiteral("after"), QJsonObject{{QStringLiteral("version"), number},
                                                              {QStringLiteral("protected"), isProtected}}}});
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
        auto q = m_db->exec(QStringLiteral("DELETE FROM aliases WHERE model_id = ? AND alias = ?"), {*mid, alias});
        if (!q)
            return q.error();
        if (q->numRowsAffected() == 0)
            return Error::notFound(QStringLiteral("%1 has no alias '%2'.").arg(modelName, alias));
        return appendAudit(*m_db, m_actor, QStringLiteral("remove_alias"), QStringLiteral("alias"),
                           modelName + QLatin1Char('#') + alias, {});
    });
}

Result<QList<Alias>> Registry::aliases(const QString &modelName)
{
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto q =
        m_db->exec(QStringLiteral("SELECT a.alias, v.version, a.protected, a.updated_at, a.updated_by FROM aliases a "
                                  "JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias"),
                   {*mid});
    if (!q)
        return q.error();
    QList<Alias> list;
    while (q->next())
        list << Alias{q->value(0).toString(), q->value(1).toInt(), q->value(2).toInt() != 0, q->value(3).toString(),
                      q->value(4).toString()};
    return list;
}

Status Registry::reportDeployment(const QString &service, const QString &environment, const QString &modelName,
                                  int number)
{
    static const QRegularExpression nameRe(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,127}$"));
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

namespace {
const QStringList kRoles = {QStringLiteral("reader"), QStringLiteral("scientist"), QStringLiteral("reviewer"),
                            QStringLiteral("deployer"), QStringLiteral("admin")};
}

Result<QStringList> Registry::roles()
{
    if (dialect() == Dialect::Sqlite)
        return kRoles;
    QStringList mine;
    for (const QString &r : kRoles) {
        auto has = m_db->scalar(QStringLiteral("SELECT pg_has_role(session_user, ?, 'MEMBER')"),
                                {QString(QStringLiteral("modeldesk_") + r)});
        if (!has)
            return has.error();
        if (has->toBool())
            mine << r;
    }
    return mine;
}

Status Registry::grantRole(const QString &role, const QString &user)
{
    if (dialect() == Dialect::Sqlite)
        return Error::invalid(
            QStringLiteral("Roles exist only on PostgreSQL registries; a SQLite file gives no protection "
                           "against whoever can write it."));
    if (!kRoles.contains(role))
        return Error::invalid(
            QStringLiteral("Unknown role '%1'. Roles: %2.").arg(role, kRoles.join(QStringLiteral(", "))));
    static const QRegularExpression userRe(QStringLiteral("^[a-z_][a-z0-9_.-]{0,62}$"));
    if (!userRe.match(user).hasMatch())
        return Error::invalid(QStringLiteral("'%1' is not a valid PostgreSQL user name.").arg(user));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        // Identifiers cannot be bound; both were validated against strict patterns above.
        if (auto q = m_db->exec(QStringLiteral("GRANT modeldesk_%1 TO \"%2\"").arg(role, user)); !q)
            return q.error();
        return appendAudit(*m_db, m_actor, QStringLiteral("grant_role"), QStringLiteral("role"), user,
                           QJsonObject{{QStringLiteral("role"), role}});
    });
}

} // namespace md
