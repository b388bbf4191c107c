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

} // namespace

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

void LifecycleClient::loadVersionActions(const QString &model, int version, QObject *receiver,
                                         Done<VersionActions> done)
{
    read<VersionActions>(
        receiver, [model, version](Registry &r) { return r.versionActions(model, version); }, std::move(done));
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
        receiver, [requestId](Registry &r) { return r.reviewData(requestId); }, std::move(done));
}

void LifecycleClient::loadRollback(const QString &model, QObject *receiver, Done<RollbackData> done)
{
    read<RollbackData>(
        receiver, [model](Registry &r) { return r.rollbackData(model); }, std::move(done));
}

void LifecycleClient::loadDeployments(const QString &model, QObject *receiver, Done<QList<Deployment>> done)
{
    read<QList<Deployment>>(
        receiver, [model](Registry &r) { return r.deployments(model); }, std::move(done));
}

void LifecycleClient::loadAudit(const AuditFilter &filter, QObject *receiver, Done<QList<AuditEntry>> done)
{
    read<QList<AuditEntry>>(
        receiver, [filter](Registry &r) { return r.audit(filter); }, std::move(done));
}

void LifecycleClient::verifyAudit(const std::optional<AuditCheckpoint> &expect, QObject *receiver,
                                  Done<AuditVerification> done)
{
    read<AuditVerification>(
        receiver, [expect](Registry &r) { return r.verifyAudit(expect); }, std::move(done));
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

void LifecycleClient::rollback(const QString &model, int target, const QString &reason, Registry::PinnedAliases pinned,
                               QObject *receiver, Done<TransitionOutcome> done)
{
    write<TransitionOutcome>(
        receiver, [=](Registry &r) { return r.rollback(model, target, reason, pinned); }, std::move(done));
}

void LifecycleClient::setAlias(const QString &model, const QString &alias, int version, bool isProtected, bool follows,
                               QObject *receiver, std::function<void(Status)> done)
{
    QPointer<LifecycleClient> self(this);
    m_client->run<Status>(
        this,
        [=](Registry *r) -> Status {
            if (!r)
                return noRegistry();
            return follows ? r->setFollowingAlias(model, alias, isProtected)
                           : r->setAlias(model, alias, version, isProtected);
        },
        [self, guard = QPointer<QObject>(receiver), done = std::move(done)](Status s) {
            const bool ok = s.ok();
            if (guard && done)
                done(std::move(s));
            if (ok && self)
                emit self->changed();
        });
}

void LifecycleClient::withdraw(qint64 requestId, const QString &reason, QObject *receiver, Done<ApprovalRequest> done)
{
    write<ApprovalRequest>(
        receiver, [=](Registry &r) { return r.withdrawRequest(requestId, reason); }, std::move(done));
}

} // namespace md
