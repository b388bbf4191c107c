#pragma once

// SQL fragments the registry's reads share, so that each rule is written once (core-internal).

#include "database.h"
#include "location.h"
#include "policy.h"

#include <QString>

namespace md::sql {

// The ModelDesk roles the session user holds, directly or inherited, as one scalar SQL expression:
// "modeldesk_reader,modeldesk_scientist" on PostgreSQL, '' on SQLite (where every role is held).
inline QString sessionRoles(Dialect dialect)
{
    return dialect == Dialect::Postgres
               ? QStringLiteral("(SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_roles r WHERE "
                                "r.rolname IN ('modeldesk_reader', 'modeldesk_scientist', 'modeldesk_reviewer', "
                                "'modeldesk_deployer', 'modeldesk_admin') AND pg_has_role(session_user, r.oid, "
                                "'MEMBER'))")
               : QStringLiteral("''");
}

// The roles sessionRoles() returned.
inline QList<Role> parseSessionRoles(Dialect dialect, const QString &csv)
{
    if (dialect == Dialect::Sqlite)
        return allRoles();
    QList<Role> roles;
    for (const QString &name : csv.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (auto r = parseRole(name.mid(int(qstrlen("modeldesk_")))))
            roles << *r;
    return roles;
}

// The rollback target rollback() picks for the model whose id is the SQL expression `modelId`, as a
// scalar subquery (NULL: none): the Archived version that most recently left Production and was not
// itself rolled back from.
inline QString suggestedRollbackTarget(const QString &modelId)
{
    return QStringLiteral("(SELECT s.version FROM model_versions s JOIN stage_transitions t ON t.version_id = s.id "
                          "AND t.from_stage = 'Production' WHERE s.model_id = %1 AND s.stage = 'Archived' AND "
                          "s.rollback_excluded = 0 GROUP BY s.version ORDER BY max(t.id) DESC LIMIT 1)")
        .arg(modelId);
}

// The columns of one approval request (over approval_requests r, model_versions v, registered_models m),
// read back by requestFrom() starting at column 0.
inline QString requestColumns()
{
    return QStringLiteral("r.id, m.name, v.version, r.to_stage, r.requested_by, r.requested_at, r.reason, r.status, "
                          "r.gates_passed, r.gate_report, r.baseline_version, r.required_approvals, r.decided_at, "
                          "v.created_by");
}

// The request in columns 0..13 of the current row (decisions are not included).
inline ApprovalRequest requestFrom(const QSqlQuery &q)
{
    ApprovalRequest r;
    r.id = q.value(0).toLongLong();
    r.modelName = q.value(1).toString();
    r.version = q.value(2).toInt();
    r.toStage = q.value(3).toString();
    r.requestedBy = q.value(4).toString();
    r.requestedAt = q.value(5).toString();
    r.reason = q.value(6).toString();
    r.status = q.value(7).toString();
    r.gatesPassed = q.value(8).toInt() != 0;
    r.gateReport = q.value(9).toString();
    r.baselineVersion = q.value(10).toInt();
    r.requiredApprovals = q.value(11).toInt();
    r.decidedAt = q.value(12).toString();
    r.registeredBy = q.value(13).toString();
    return r;
}

} // namespace md::sql
