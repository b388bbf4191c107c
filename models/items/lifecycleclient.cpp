#include "lifecycleclient.h"

#include "registryclient.h"

#include <QJsonDocument>
#include <QPointer>
#include <QSet>

#include <algorithm>

namespace md {

namespace {

Error noRegistry()
{
    return Error{Error::Kind::Connection, QStringLiteral("No registry is open (or the connection was lost)."), {}};
}

Result<Permissions> permissionsOf(Registry &registry)
{
    auto roles = registry.roles();
    if (!roles)
        return roles.error();
    Permissions p;
    p.actor = registry.actor();
    p.roles = *roles;
    p.readOnly = registry.isReadOnly();
    p.readOnlyReason = registry.readOnlyReason();
    return p;
}

ActionState needRole(const Permissions &p, const QStringList &anyOf, const QString &what)
{
    if (p.readOnly)
        return {false, p.readOnlyReason};
    for (const QString &role : anyOf)
        if (p.has(role))
            return {true, {}};
    return {false,
            QStringLiteral("%1 needs the %2 role; you (%3) have: %4.")
                .arg(what, anyOf.join(QStringLiteral(" or ")), p.actor,
                     p.roles.isEmpty() ? QStringLiteral("no ModelDesk role") : p.roles.join(QStringLiteral(", ")))};
}

ActionState needRole(const Permissions &p, const QString &role, const QString &what)
{
    return needRole(p, QStringList{role}, what);
}

QDateTime stagingSinceOf(const ModelVersion &v)
{
    if (v.stage != Stage::Staging)
        return {};
    QDateTime since;
    for (const Transition &t : v.transitions)
        if (t.toStage == QLatin1String("Staging"))
            since = parseTimestamp(t.at);
    return since.isValid() ? since : parseTimestamp(v.stageChangedAt);
}

} // namespace

QDateTime parseTimestamp(const QString &iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(iso, Qt::ISODate);
    if (t.isValid() && t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t;
}

QString ageText(const QString &iso, const QDateTime &now)
{
    const QDateTime t = parseTimestamp(iso);
    if (!t.isValid())
        return {};
    const qint64 minutes = std::max<qint64>(0, t.secsTo(now) / 60);
    if (minutes < 60)
        return QStringLiteral("%1 min").arg(minutes);
    const qint64 hours = minutes / 60;
    if (hours < 48)
        return QStringLiteral("%1 h").arg(hours);
    return QStringLiteral("%1 d %2 h").arg(hours / 24).arg(hours % 24);
}

// ---- what a version's actions allow ----------------------------------------------------------------

ActionState VersionContext::requestPromotion() const
{
    // None -> Staging is a direct promotion (its gates run then); Staging -> Production is a request.
    if (version.stage == Stage::None)
        return promoteToStaging();
    ActionState s = needRole(permissions, QStringLiteral("scientist"), QStringLiteral("Requesting a promotion"));
    if (!s.enabled)
        return s;
    if (version.stage != Stage::Staging)
        return {false, QStringLiteral("v%1 is %2: only new or Staging versions can be promoted.")
                           .arg(version.version)
                           .arg(stageName(version.stage))};
    if (!pendingRequests.isEmpty())
        return {false, QStringLiteral("v%1 already has a pending request (#%2).")
                           .arg(version.version)
                           .arg(pendingRequests.first().id)};
    if (hasApprovedRequest)
        return {false,
                QStringLiteral("v%1 already has an approved request; a deployer promotes it.").arg(version.version)};
    return {true, QStringLiteral("Ask reviewers to promote v%1 to Production, with the gate report attached.")
                      .arg(version.version)};
}

ActionState VersionContext::promoteToStaging() const
{
    ActionState s = needRole(permissions, {QStringLiteral("scientist"), QStringLiteral("deployer")},
                             QStringLiteral("Promoting to Staging"));
    if (!s.enabled)
        return s;
    if (version.stage != Stage::None)
        return {false, QStringLiteral("v%1 is %2, not new.").arg(version.version).arg(stageName(version.stage))};
    return {true, QStringLiteral("Move v%1 to Staging (the staging gates run first).").arg(version.version)};
}

ActionState VersionContext::promoteToProduction() const
{
    ActionState s = needRole(permissions, QStringLiteral("deployer"), QStringLiteral("Promoting to Production"));
    if (!s.enabled)
        return s;
    if (version.stage != Stage::Staging)
        return {false, QStringLiteral("v%1 is %2: only Staging versions go to Production.")
                           .arg(version.version)
                           .arg(stageName(version.stage))};
    if (!hasApprovedRequest) {
        if (!productionGatesPassed)
            return {false, QStringLiteral("Failing gate: %1 Request a promotion; a reviewer must approve with an "
                                          "override reason.")
                               .arg(productionGateProblems)};
        return {false, QStringLiteral("Four eyes: v%1 needs an approved request by a reviewer who is neither the "
                                      "requester nor the registrant.")
                           .arg(version.version)};
    }
    return {true, QStringLiteral("Promote the approved v%1 to Production.").arg(version.version)};
}

ActionState VersionContext::demote() const
{
    ActionState s =
        needRole(permissions, {QStringLiteral("scientist"), QStringLiteral("deployer")}, QStringLiteral("Demoting"));
    if (!s.enabled)
        return s;
    if (version.stage != Stage::Staging)
        return {false, QStringLiteral("Only Staging versions can be demoted; v%1 is %2.")
                           .arg(version.version)
                           .arg(stageName(version.stage))};
    return {true, QStringLiteral("Send v%1 back from Staging to None.").arg(version.version)};
}

ActionState VersionContext::archive() const
{
    ActionState s = needRole(permissions, QStringLiteral("deployer"), QStringLiteral("Archiving"));
    if (!s.enabled)
        return s;
    if (version.stage == Stage::Archived)
        return {false, QStringLiteral("v%1 is already Archived.").arg(version.version)};
    if (version.stage == Stage::Production)
        return {true, QStringLiteral("Take v%1 out of Production (nothing replaces it; use Roll back… to go back "
                                     "to an earlier version).")
                          .arg(version.version)};
    return {true, QStringLiteral("Archive v%1.").arg(version.version)};
}

// ---- client ---------------------------------------------------------------------------------------

LifecycleClient::LifecycleClient(RegistryClient *client, QObject *parent) : QObject(parent), m_client(client) {}

template <typename T>
void LifecycleClient::read(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done)
{
    m_client->run<Result<T>>(
        receiver,
        [work = std::move(work)](Registry *registry) -> Result<T> {
            if (!registry)
                return noRegistry();
            return work(*registry);
        },
        std::move(done));
}

template <typename T>
void LifecycleClient::write(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done)
{
    QPointer<LifecycleClient> self(this);
    m_client->run<Result<T>>(
        this,
        [work = std::move(work)](Registry *registry) -> Result<T> {
            if (!registry)
                return noRegistry();
            return work(*registry);
        },
        [self, guard = QPointer<QObject>(receiver), done = std::move(done)](Result<T> result) {
            const bool ok = result.ok();
            if (guard && done)
                done(std::move(result));
            if (ok && self)
                emit self->changed();
        });
}

void LifecycleClient::loadPermissions(QObject *receiver, Done<Permissions> done)
{
    read<Permissions>(
        receiver, [](Registry &r) { return permissionsOf(r); }, std::move(done));
}

void LifecycleClient::loadVersionContext(const QString &model, int version, QObject *receiver,
                                         Done<VersionContext> done)
{
    read<VersionContext>(
        receiver,
        [model, version](Registry &r) -> Result<VersionContext> {
            VersionContext c;
            auto v = r.version(model, version);
            if (!v)
                return v.error();
            c.version = std::move(*v);
            auto p = permissionsOf(r);
            if (!p)
                return p.error();
            c.permissions = std::move(*p);
            auto requests = r.requests(false, model);
            if (!requests)
                return requests.error();
            for (const ApprovalRequest &q : *requests) {
                if (q.version != version)
                    continue;
                if (q.status == QLatin1String("pending"))
                    c.pendingRequests << q;
                else if (q.status == QLatin1String("approved"))
                    c.hasApprovedRequest = true;
            }
            auto prod = r.production(model);
            if (!prod)
                return prod.error();
            c.modelHasProduction = !prod->isEmpty();
            if (c.version.stage == Stage::Staging) {
                auto gates = r.evaluateGatesFor(model, version, Stage::Production);
                if (!gates)
                    return gates.error();
                c.productionGatesPassed = gates->passed;
                QStringList failing;
                for (const GateResult &g : gates->results)
                    if (!g.passed)
                        failing << QStringLiteral("%1 (is %2).").arg(g.rule, g.actual);
                c.productionGateProblems = failing.join(QLatin1Char(' '));
            }
            return c;
        },
        std::move(done));
}

void LifecycleClient::previewGates(const QString &model, int version, Stage to, QObject *receiver,
                                   Done<GateReport> done)
{
    read<GateReport>(
        receiver, [model, version, to](Registry &r) { return r.evaluateGatesFor(model, version, to); },
        std::move(done));
}

void LifecycleClient::loadRequests(bool pendingOnly, QObject *receiver, Done<QList<ApprovalRequest>> done)
{
    read<QList<ApprovalRequest>>(
        receiver, [pendingOnly](Registry &r) { return r.requests(pendingOnly); }, std::move(done));
}

void LifecycleClient::loadReview(qint64 requestId, QObject *receiver, Done<ReviewData> done)
{
    read<ReviewData>(
        receiver,
        [requestId](Registry &r) -> Result<ReviewData> {
            ReviewData d;
            auto q = r.request(requestId);
            if (!q)
                return q.error();
            d.request = std::move(*q);
            auto candidate = r.version(d.request.modelName, d.request.version);
            if (!candidate)
                return candidate.error();
            d.candidate = std::move(*candidate);
            d.stagingSince = stagingSinceOf(d.candidate);
            auto prod = r.production(d.request.modelName);
            if (!prod)
                return prod.error();
            for (const ModelVersion &p : *prod) {
                if (p.version == d.request.version)
                    continue;
                auto full = r.version(d.request.modelName, p.version);
                if (!full)
                    return full.error();
                d.baseline = std::move(*full);
                d.hasBaseline = true;
                break;
            }
            if (d.candidate.stage == Stage::Staging) {
                auto gates = r.evaluateGatesFor(d.request.modelName, d.request.version, Stage::Production);
                if (!gates)
                    return gates.error();
                d.gates = std::move(*gates);
            } else {
                auto stored = gateReportFromJson(QJsonDocument::fromJson(d.request.gateReport.toUtf8()).object());
                if (stored)
                    d.gates = std::move(*stored);
            }
            auto p = permissionsOf(r);
            if (!p)
                return p.error();
            d.permissions = std::move(*p);
            const QString me = d.permissions.actor;
            d.approve = needRole(d.permissions, QStringLiteral("reviewer"), QStringLiteral("Deciding on a request"));
            if (d.approve.enabled) {
                if (d.request.status != QLatin1String("pending"))
                    d.approve = {false, QStringLiteral("Request #%1 is %2; nothing left to decide.")
                                            .arg(d.request.id)
                                            .arg(d.request.status)};
                else if (me == d.request.requestedBy)
                    d.approve = {false, QStringLiteral("Four eyes: you (%1) requested this promotion; someone else "
                                                       "must decide.")
                                            .arg(me)};
                else if (me == d.request.registeredBy)
                    d.approve = {false, QStringLiteral("Four eyes: you (%1) registered v%2; someone else must "
                                                       "decide.")
                                            .arg(me)
                                            .arg(d.request.version)};
                else
                    for (const ApprovalDecision &dec : d.request.decisions)
                        if (dec.actor == me)
                            d.approve = {false, QStringLiteral("You (%1) already decided on this request.").arg(me)};
            }
            return d;
        },
        std::move(done));
}

void LifecycleClient::loadRollback(const QString &model, QObject *receiver, Done<RollbackData> done)
{
    read<RollbackData>(
        receiver,
        [model](Registry &r) -> Result<RollbackData> {
            RollbackData d;
            d.modelName = model;
            auto history = r.productionHistory(model);
            if (!history)
                return history.error();
            d.history = std::move(*history);
            auto versions = r.versions(model);
            if (!versions)
                return versions.error();
            QSet<int> served;
            for (const ProductionPeriod &p : d.history)
                served.insert(p.version);
            for (const ModelVersion &v : *versions) {
                if (!served.contains(v.version))
                    continue;
                d.versions.insert(v.version, v);
                if (v.stage == Stage::Production)
                    d.current = std::max(d.current, v.version);
                else if (v.stage == Stage::Archived)
                    d.eligible << v.version;
            }
            std::sort(d.eligible.begin(), d.eligible.end(), std::greater<int>());
            auto suggested = r.suggestedRollbackTarget(model);
            if (suggested)
                d.suggested = *suggested;
            else
                d.noSuggestion = suggested.error().message;
            auto p = permissionsOf(r);
            if (!p)
                return p.error();
            d.permissions = std::move(*p);
            d.rollback = needRole(d.permissions, QStringLiteral("deployer"), QStringLiteral("Rolling back"));
            if (d.rollback.enabled && d.current == 0)
                d.rollback = {false, QStringLiteral("%1 has nothing in Production to roll back.").arg(model)};
            else if (d.rollback.enabled && d.eligible.isEmpty())
                d.rollback = {false, QStringLiteral("%1 has no earlier Production version to go back to.").arg(model)};
            return d;
        },
        std::move(done));
}

void LifecycleClient::loadAudit(const AuditFilter &filter, QObject *receiver, Done<QList<AuditEntry>> done)
{
    read<QList<AuditEntry>>(
        receiver, [filter](Registry &r) { return r.audit(filter); }, std::move(done));
}

void LifecycleClient::verifyAudit(QObject *receiver, Done<AuditVerification> done)
{
    read<AuditVerification>(
        receiver, [](Registry &r) { return r.verifyAudit(); }, std::move(done));
}

void LifecycleClient::requestPromotion(const QString &model, int version, Stage to, const QString &reason,
                                       QObject *receiver, Done<ApprovalRequest> done)
{
    write<ApprovalRequest>(
        receiver, [=](Registry &r) { return r.requestPromotion(model, version, to, reason); }, std::move(done));
}

void LifecycleClient::promote(const QString &model, int version, Stage to, const QString &reason, QObject *receiver,
                              Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver, [=](Registry &r) { return r.promote(model, version, to, reason); }, std::move(done));
}

void LifecycleClient::demote(const QString &model, int version, const QString &reason, QObject *receiver,
                             Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver, [=](Registry &r) { return r.demote(model, version, reason); }, std::move(done));
}

void LifecycleClient::archive(const QString &model, int version, const QString &reason, QObject *receiver,
                              Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver, [=](Registry &r) { return r.archive(model, version, reason); }, std::move(done));
}

void LifecycleClient::decide(qint64 requestId, bool approve, const QString &comment, const QString &overrideReason,
                             QObject *receiver, Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver,
        [=](Registry &r) -> Result<TransitionOutcome> {
            TransitionOutcome outcome;
            auto d = r.decide(requestId, approve, comment, overrideReason, &outcome);
            if (!d)
                return d.error();
            return outcome;
        },
        std::move(done));
}

void LifecycleClient::rollback(const QString &model, int target, const QString &reason, QObject *receiver,
                               Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver, [=](Registry &r) { return r.rollback(model, target, reason); }, std::move(done));
}

} // namespace md
