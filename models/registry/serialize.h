#pragma once

// The stable JSON shapes of `modelctl --json` (documented in the README). Change them only by adding keys.

#include "policy.h"
#include "types.h"

#include <QJsonArray>
#include <QJsonObject>

namespace md {

QJsonObject toJson(const Metric &m);
QJsonObject toJson(const RegisteredModel &m);
QJsonObject toJson(const ModelVersion &v, bool full);
QJsonObject toJson(const Transition &t);
QJsonObject toJson(const AuditEntry &e);
QJsonObject toJson(const AuditVerification &v);
QJsonObject toJson(const TransitionOutcome &t);
QJsonObject toJson(const ApprovalRequest &r);
QJsonObject toJson(const ProductionPeriod &p);
QJsonObject toJson(const Alias &a);
QJsonObject toJson(const Deployment &d);
QJsonObject toJson(const RollbackPlan &p);
QJsonObject toJson(const VersionActions &a); // {"actions": [{"action", "allowed", "reason", ...}], ...}
QJsonArray aliasMovesJson(const QList<AliasMove> &moves);
QJsonArray aliasesJson(const QList<Alias> &aliases);

} // namespace md
