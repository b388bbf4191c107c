#pragma once

// Lifecycle actions for the GUI: everything the promotion, approval, rollback and audit screens read
// and change, run on the RegistryClient's worker thread. Results come back as plain values.

#include "registry/registry.h"

#include <QDateTime>
#include <QObject>

#include <functional>

namespace md {

class RegistryClient;

// Permissions, ActionState, ReviewData and RollbackData are the core's (screens.h); what a version
// allows is Registry::versionActions (policy.h). This client only moves the reads and writes to the
// worker thread.

class LifecycleClient final : public QObject
{
    Q_OBJECT
public:
    explicit LifecycleClient(RegistryClient *client, QObject *parent = nullptr);
    RegistryClient *registryClient() const { return m_client; }

    template <typename T> using Done = std::function<void(Result<T>)>;

    void loadPermissions(QObject *receiver, Done<Permissions> done);
    void loadVersionActions(const QString &model, int version, QObject *receiver, Done<VersionActions> done);
    void previewGates(const QString &model, int version, Stage to, QObject *receiver, Done<GateReport> done);
    void loadRequests(bool pendingOnly, QObject *receiver, Done<QList<ApprovalRequest>> done);
    void loadReview(qint64 requestId, QObject *receiver, Done<ReviewData> done);
    void loadRollback(const QString &model, QObject *receiver, Done<RollbackData> done);
    void loadAudit(const AuditFilter &filter, QObject *receiver, Done<QList<AuditEntry>> done);
    void loadDeployments(const QString &model, QObject *receiver, Done<QList<Deployment>> done);
    void verifyAudit(const std::optional<AuditCheckpoint> &expect, QObject *receiver, Done<AuditVerification> done);

    // Writes. On success changed() is emitted after done() so every open view reloads.
    void requestPromotion(const QString &model, int version, Stage to, const QString &reason, QObject *receiver,
                          Done<ApprovalRequest> done);
    void promote(const QString &model, int version, Stage to, const QString &reason, QObject *receiver,
                 Done<TransitionOutcome> done);
    void demote(const QString &model, int version, const QString &reason, QObject *receiver,
                Done<TransitionOutcome> done);
    void archive(const QString &model, int version, const QString &reason, QObject *receiver,
                 Done<TransitionOutcome> done);
    // outcome.version is 0 when the decision did not (yet) promote.
    void decide(qint64 requestId, bool approve, const QString &comment, const QString &overrideReason,
                QObject *receiver, Done<TransitionOutcome> done);
    void rollback(const QString &model, int target, const QString &reason, Registry::PinnedAliases pinned,
                  QObject *receiver, Done<TransitionOutcome> done);
    void withdraw(qint64 requestId, const QString &reason, QObject *receiver, Done<ApprovalRequest> done);
    // follows: the alias follows Production (version is then only where the user chose it from).
    void setAlias(const QString &model, const QString &alias, int version, bool isProtected, bool follows,
                  QObject *receiver, std::function<void(Status)> done);

signals:
    void changed();

private:
    template <typename T> void write(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done);
    template <typename T> void read(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done);

    RegistryClient *m_client;
};

// "3 h", "2 d 4 h": how long ago an ISO timestamp was.
QString ageText(const QString &isoTimestamp, const QDateTime &now = QDateTime::currentDateTimeUtc());

} // namespace md
