#pragma once

// Lifecycle actions for the GUI: everything the promotion, approval, rollback and audit screens read
// and change, run on the RegistryClient's worker thread. Results come back as plain values.

#include "registry.h"

#include <QDateTime>
#include <QObject>

#include <functional>

namespace md {

class RegistryClient;

// Who is connected and what their roles allow. On SQLite every role is held (advisory).
struct Permissions
{
    QString actor;
    QStringList roles;
    bool readOnly = false;
    QString readOnlyReason;
    bool has(const QString &role) const { return roles.contains(role); } // inherited roles are listed too
};

// One action on a version and, when it is not possible, why.
struct ActionState
{
    bool enabled = false;
    QString why; // tooltip: what it does, or why it is disabled
};

// Everything the version actions need to be enabled correctly.
struct VersionContext
{
    ModelVersion version;
    Permissions permissions;
    QList<ApprovalRequest> pendingRequests; // for this version
    bool productionGatesPassed = true;
    QString productionGateProblems;
    bool hasApprovedRequest = false;
    bool modelHasProduction = false;

    ActionState requestPromotion() const;
    ActionState promoteToStaging() const;
    ActionState promoteToProduction() const;
    ActionState demote() const;
    ActionState archive() const;
};

// What a reviewer decides on.
struct ReviewData
{
    ApprovalRequest request;
    ModelVersion candidate;
    bool hasBaseline = false;
    ModelVersion baseline; // current Production version
    GateReport gates;      // evaluated now (the request's stored report may be older)
    QDateTime stagingSince;
    Permissions permissions;
    ActionState approve; // four eyes, role
};

struct RollbackData
{
    QString modelName;
    QList<ProductionPeriod> history;
    QMap<int, ModelVersion> versions; // every version in history, with metrics
    int current = 0;                  // 0: nothing in Production
    int suggested = 0;                // 0: none
    QString noSuggestion;             // why there is no suggestion
    QList<int> eligible;              // Archived versions that served in Production before
    Permissions permissions;
    ActionState rollback;
};

class LifecycleClient final : public QObject
{
    Q_OBJECT
public:
    explicit LifecycleClient(RegistryClient *client, QObject *parent = nullptr);
    RegistryClient *registryClient() const { return m_client; }

    template <typename T> using Done = std::function<void(Result<T>)>;

    void loadPermissions(QObject *receiver, Done<Permissions> done);
    void loadVersionContext(const QString &model, int version, QObject *receiver, Done<VersionContext> done);
    void previewGates(const QString &model, int version, Stage to, QObject *receiver, Done<GateReport> done);
    void loadRequests(bool pendingOnly, QObject *receiver, Done<QList<ApprovalRequest>> done);
    void loadReview(qint64 requestId, QObject *receiver, Done<ReviewData> done);
    void loadRollback(const QString &model, QObject *receiver, Done<RollbackData> done);
    void loadAudit(const AuditFilter &filter, QObject *receiver, Done<QList<AuditEntry>> done);
    void verifyAudit(QObject *receiver, Done<AuditVerification> done);

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
    void rollback(const QString &model, int target, const QString &reason, QObject *receiver,
                  Done<TransitionOutcome> done);

signals:
    void changed();

private:
    template <typename T> void write(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done);
    template <typename T> void read(QObject *receiver, std::function<Result<T>(Registry &)> work, Done<T> done);

    RegistryClient *m_client;
};

// "3 h", "2 d 4 h": how long ago an ISO timestamp was.
QString ageText(const QString &isoTimestamp, const QDateTime &now = QDateTime::currentDateTimeUtc());
QDateTime parseTimestamp(const QString &isoTimestamp);

} // namespace md
