#include "serialize.h"

#include <QJsonDocument>

namespace md {

QJsonObject toJson(const Metric &m)
{
    return {{QStringLiteral("name"), m.name},
            {QStringLiteral("dataset"), m.dataset},
            {QStringLiteral("slice"), m.slice},
            {QStringLiteral("value"), m.value}};
}

namespace {
QJsonObject mapToJson(const QMap<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.begin(); it != map.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}
} // namespace

QJsonObject toJson(const RegisteredModel &m)
{
    QJsonArray production;
    for (int v : m.productionVersions)
        production << v;
    return {{QStringLiteral("name"), m.name},
            {QStringLiteral("namespace"), m.namespaceName},
            {QStringLiteral("description"), m.description},
            {QStringLiteral("owner"), m.owner},
            {QStringLiteral("max_production"), m.maxProduction},
            {QStringLiteral("version_count"), m.versionCount},
            {QStringLiteral("latest_version"), m.latestVersion},
            {QStringLiteral("production_versions"), production},
            {QStringLiteral("created_at"), m.createdAt},
            {QStringLiteral("created_by"), m.createdBy},
            {QStringLiteral("tags"), mapToJson(m.tags)}};
}

QJsonObject toJson(const Transition &t)
{
    QJsonObject o{{QStringLiteral("version"), t.version}, {QStringLiteral("from"), t.fromStage},
                  {QStringLiteral("to"), t.toStage},      {QStringLiteral("kind"), t.kind},
                  {QStringLiteral("actor"), t.actor},     {QStringLiteral("at"), t.at},
                  {QStringLiteral("reason"), t.reason}};
    o.insert(QStringLiteral("approval_id"), t.approvalId > 0 ? QJsonValue(double(t.approvalId)) : QJsonValue());
    return o;
}

QJsonObject toJson(const ModelVersion &v, bool full)
{
    QJsonArray metrics;
    for (const Metric &m : v.metrics)
        metrics << toJson(m);
    QJsonObject o{
        {QStringLiteral("model"), v.modelName},
        {QStringLiteral("version"), v.version},
        {QStringLiteral("artifact_uri"), v.artifactUri},
        {QStringLiteral("artifact_digest"), v.artifactDigest.isEmpty() ? QJsonValue() : QJsonValue(v.artifactDigest)},
        {QStringLiteral("source_run"), v.sourceRun},
        {QStringLiteral("description"), v.description},
        {QStringLiteral("created_at"), v.createdAt},
        {QStringLiteral("created_by"), v.createdBy},
        {QStringLiteral("stage"), stageName(v.stage)},
        {QStringLiteral("stage_changed_at"), v.stageChangedAt},
        {QStringLiteral("metrics"), metrics},
        {QStringLiteral("tags"), mapToJson(v.tags)}};
    if (full) {
        o.insert(QStringLiteral("params"), mapToJson(v.params));
        QJsonObject facts;
        for (const Fact &f : v.facts)
            facts.insert(f.key(), f.value);
        o.insert(QStringLiteral("facts"), facts);
        QJsonArray inputs;
        for (const LineageInput &in : v.inputs)
            inputs << QJsonObject{{QStringLiteral("kind"), lineageKindName(in.kind)},
                                  {QStringLiteral("name"), in.name},
                                  {QStringLiteral("version"), in.version},
                                  {QStringLiteral("spec"), in.spec()}};
        o.insert(QStringLiteral("inputs"), inputs);
        QJsonArray transitions;
        for (const Transition &t : v.transitions)
            transitions << toJson(t);
        o.insert(QStringLiteral("transitions"), transitions);
    }
    return o;
}

QJsonObject toJson(const AuditEntry &e)
{
    return {{QStringLiteral("id"), double(e.id)},
            {QStringLiteral("at"), e.at},
            {QStringLiteral("actor"), e.actor},
            {QStringLiteral("action"), e.action},
            {QStringLiteral("object_type"), e.objectType},
            {QStringLiteral("object"), e.objectKey},
            {QStringLiteral("details"), QJsonDocument::fromJson(e.details.toUtf8()).object()},
            {QStringLiteral("hash"), e.hash}};
}

QJsonObject toJson(const AuditVerification &v)
{
    QJsonObject o{{QStringLiteral("intact"), v.intact}, {QStringLiteral("entries_checked"), double(v.entriesChecked)}};
    if (!v.intact) {
        o.insert(QStringLiteral("first_broken_id"), double(v.firstBrokenId));
        o.insert(QStringLiteral("problem"), v.problem);
    }
    o.insert(QStringLiteral("head"), v.head.token());
    if (v.expected)
        o.insert(QStringLiteral("expected"), v.expected->token());
    return o;
}

QJsonObject toJson(const TransitionOutcome &t)
{
    QJsonArray archived;
    for (const ArchivedVersion &a : t.archived)
        archived << QJsonObject{{QStringLiteral("version"), a.version}, {QStringLiteral("reason"), a.reason}};
    return {{QStringLiteral("model"), t.modelName},
            {QStringLiteral("version"), t.version},
            {QStringLiteral("from"), t.fromStage},
            {QStringLiteral("to"), t.toStage},
            {QStringLiteral("kind"), t.kind},
            {QStringLiteral("approval_id"), t.approvalId > 0 ? QJsonValue(double(t.approvalId)) : QJsonValue()},
            {QStringLiteral("archived"), archived},
            {QStringLiteral("aliases_moved"), aliasMovesJson(t.aliasesMoved)},
            {QStringLiteral("aliases_left"), aliasesJson(t.aliasesLeft)}};
}

QJsonArray aliasMovesJson(const QList<AliasMove> &moves)
{
    QJsonArray list;
    for (const AliasMove &m : moves)
        list << QJsonObject{
            {QStringLiteral("alias"), m.alias},
            {QStringLiteral("from"), m.from},
            {QStringLiteral("to"), m.to},
            {QStringLiteral("follows"), m.followsProduction ? QStringLiteral("production") : QString()}};
    return list;
}

QJsonArray aliasesJson(const QList<Alias> &aliases)
{
    QJsonArray list;
    for (const Alias &a : aliases)
        list << toJson(a);
    return list;
}

QJsonObject toJson(const RollbackPlan &p)
{
    return {{QStringLiteral("model"), p.modelName},
            {QStringLiteral("current"), p.current},
            {QStringLiteral("target"), p.target},
            {QStringLiteral("following_aliases"), aliasesJson(p.following)},
            {QStringLiteral("pinned_aliases_on_current"), aliasesJson(p.pinnedOnCurrent)}};
}

QJsonObject toJson(const VersionActions &a)
{
    QJsonArray actions;
    for (const ActionVerdict &v : a.actions) {
        QJsonObject o{{QStringLiteral("action"), versionActionName(v.action)},
                      {QStringLiteral("allowed"), v.allowed},
                      {QStringLiteral("reason"), v.reason},
                      {QStringLiteral("needs_reason"), v.needsReason}};
        if (v.needsOverride)
            o.insert(QStringLiteral("needs_override"), true);
        if (v.requestId > 0)
            o.insert(QStringLiteral("request_id"), double(v.requestId));
        if (v.target > 0)
            o.insert(QStringLiteral("target"), v.target);
        actions << o;
    }
    QJsonArray roles;
    for (Role r : a.roles)
        roles << roleName(r);
    return {{QStringLiteral("model"), a.model},
            {QStringLiteral("version"), a.version},
            {QStringLiteral("stage"), stageName(a.stage)},
            {QStringLiteral("actor"), a.actor},
            {QStringLiteral("roles"), roles},
            {QStringLiteral("actions"), actions}};
}

QJsonObject toJson(const ApprovalRequest &r)
{
    QJsonArray decisions;
    for (const ApprovalDecision &d : r.decisions)
        decisions << QJsonObject{{QStringLiteral("actor"), d.actor},
                                 {QStringLiteral("decision"), d.decision},
                                 {QStringLiteral("comment"), d.comment},
                                 {QStringLiteral("override_reason"), d.overrideReason},
                                 {QStringLiteral("at"), d.at}};
    return {{QStringLiteral("id"), double(r.id)},
            {QStringLiteral("model"), r.modelName},
            {QStringLiteral("version"), r.version},
            {QStringLiteral("to"), r.toStage},
            {QStringLiteral("requested_by"), r.requestedBy},
            {QStringLiteral("requested_at"), r.requestedAt},
            {QStringLiteral("registered_by"), r.registeredBy},
            {QStringLiteral("reason"), r.reason},
            {QStringLiteral("status"), r.status},
            {QStringLiteral("gates_passed"), r.gatesPassed},
            {QStringLiteral("gate_report"), QJsonDocument::fromJson(r.gateReport.toUtf8()).object()},
            {QStringLiteral("baseline_version"), r.baselineVersion > 0 ? QJsonValue(r.baselineVersion) : QJsonValue()},
            {QStringLiteral("required_approvals"), r.requiredApprovals},
            {QStringLiteral("decided_at"), r.decidedAt.isEmpty() ? QJsonValue() : QJsonValue(r.decidedAt)},
            {QStringLiteral("decisions"), decisions}};
}

QJsonObject toJson(const ProductionPeriod &p)
{
    return {{QStringLiteral("version"), p.version},
            {QStringLiteral("from"), p.from},
            {QStringLiteral("to"), p.to.isEmpty() ? QJsonValue() : QJsonValue(p.to)},
            {QStringLiteral("entered_kind"), p.enteredKind},
            {QStringLiteral("entered_by"), p.enteredBy},
            {QStringLiteral("entered_reason"), p.enteredReason},
            {QStringLiteral("approval_id"), p.approvalId > 0 ? QJsonValue(double(p.approvalId)) : QJsonValue()},
            {QStringLiteral("approvers"), QJsonArray::fromStringList(p.approvers)},
            {QStringLiteral("left_kind"), p.leftKind},
            {QStringLiteral("left_by"), p.leftBy},
            {QStringLiteral("left_reason"), p.leftReason}};
}

QJsonObject toJson(const Alias &a)
{
    return {{QStringLiteral("alias"), a.alias},
            {QStringLiteral("version"), a.version},
            {QStringLiteral("protected"), a.isProtected},
            {QStringLiteral("follows"), a.followsProduction ? QStringLiteral("production") : QString()},
            {QStringLiteral("updated_at"), a.updatedAt},
            {QStringLiteral("updated_by"), a.updatedBy}};
}

QJsonObject toJson(const Deployment &d)
{
    return {{QStringLiteral("service"), d.service},        {QStringLiteral("environment"), d.environment},
            {QStringLiteral("model"), d.modelName},        {QStringLiteral("version"), d.version},
            {QStringLiteral("stage"), stageName(d.stage)}, {QStringLiteral("reported_at"), d.reportedAt},
            {QStringLiteral("reported_by"), d.reportedBy}, {QStringLiteral("shadow"), d.shadow}};
}

} // namespace md
