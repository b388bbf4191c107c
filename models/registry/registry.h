#pragma once

#include "audit.h"
#include "browse.h"
#include "feed.h"
#include "gates.h"
#include "location.h"
#include "policy.h"
#include "screens.h"
#include "search.h"
#include "types.h"

#include <functional>
#include <memory>
#include <optional>

namespace md {

class Database;           // database.h: QtSql, the registry core's own
struct EditTarget;        // registry.cpp
struct RegistryInternals; // internals.h: raw access for tests and benchmarks

// The registry core is the only place with SQL: items, views and the programs read and write through
// Registry (QtSql is a private dependency of modeldesk_registry, so they cannot include it).

struct RegisterResult
{
    QString modelName;
    int version = 0;
    qint64 versionId = 0;
    bool modelCreated = false;
    QStringList warnings;
};

// The registry: the one place where the GUI and the CLI read and change registry data.
// A Registry owns one database connection and belongs to the thread that opened it.
class Registry final
{
public:
    enum class Open
    {
        ExistingOnly,
        CreateIfMissing
    };

    static Result<std::unique_ptr<Registry>> open(const QString &url, Open mode);
    static Result<std::unique_ptr<Registry>> open(const RegistryLocation &location, Open mode);

    ~Registry();
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;

    Dialect dialect() const;
    const RegistryLocation &location() const;
    QString locationDisplay() const { return location().display(); }
    int schemaVersion() const { return m_schemaVersion; }
    // Written by a newer ModelDesk: opened read-only.
    bool hasNewerSchema() const;
    bool isReadOnly() const { return !m_readOnlyReason.isEmpty(); }
    // Statements run on this registry's connections so far (see Database::statementCount), the replica's included.
    quint64 statementCount() const;

    // ---- read replicas (replica.cpp) ----
    // Sends this registry's reads to a PostgreSQL standby (a multi-host `url` prefers a standby among its hosts);
    // every write stays on the primary. After a write by this client, or a change it was told of (readAfter),
    // reads go to the primary until the standby has replayed it: nobody sees their own change vanish. Refused when
    // `url` is not a copy of this registry (another registry, another schema version) or this one is SQLite.
    Status attachReplica(const QString &url);
    bool hasReplica() const { return m_replica || m_onReplica; }
    // Reads go to the primary again (a replica that went away).
    void detachReplica();
    QString replicaDisplay() const;
    // The primary's WAL position now: past every transaction committed so far, asynchronous commits whose WAL is not
    // written yet included (the insert position); empty on SQLite.
    Result<QString> primaryPosition();
    // Reads go to the primary until the replica has replayed up to `lsn` (from primaryPosition, perhaps of
    // another process: modelctl keeps its last write's position between runs).
    void readAfter(const QString &lsn);
    // The position reads wait for (empty: none); after a write of this client, the primary's position then.
    Result<QString> pendingReadPosition();
    // How far the replica is behind: 0 when it has replayed everything the primary has written, else the seconds
    // since it was first seen behind the position it has still not reached (0.001 at first sight). Unreachable
    // replica: a Connection error.
    Result<double> replicaLagSeconds();
    // Statements run on the replica so far.
    quint64 replicaStatementCount() const;

    // ---- reads for browsing and searching (browse.h, search.h run them on this connection) ----
    Result<VersionKeys> versionKeys(const QString &modelName, const VersionSort &sort);
    Result<QList<VersionRow>> versionPage(qint64 modelId, const VersionSort &sort, const QVariant &afterSortValue,
                                          int afterVersion, int count, const QList<MetricColumn> &columns);
    Result<SearchOutcome> search(const QString &filter, int limit = kDefaultSearchLimit,
                                 FilterError *filterError = nullptr);
    Result<SearchIds> searchIds(const QString &filter, int limit, FilterError *filterError = nullptr);
    Result<QList<SearchHit>> searchHits(const QList<qint64> &ids, const QList<FilterField> &fields = {});
    // What changes when anyone commits (SQLite: PRAGMA data_version; PostgreSQL: the newest audit entry),
    // for live updates; an invalid QVariant when the registry cannot be read any more.
    QVariant changeToken();
    Result<qint64> modelCount();
    // The database engine's version: SQLite's library, or the PostgreSQL server's.
    Result<QString> databaseVersion();
    // PostgreSQL: whether the session user is a superuser (false on SQLite).
    Result<bool> isSuperuser();
    QString readOnlyReason() const { return m_readOnlyReason; }
    // Non-empty when the registry's triggers (and PostgreSQL functions) are not as its migrations left
    // them: checked when the registry is opened; `audit verify` checks again.
    QString guardsProblem() const { return m_guardsProblem; }

    // Who is acting. On PostgreSQL the session user (cannot be changed); on SQLite the OS user,
    // or the name given with setSqliteActor (advisory only: SQLite has no authentication).
    QString actor() const { return m_actor; }
    Status setSqliteActor(const QString &name);

    Result<RegisterResult> registerVersion(const VersionSpec &spec);
    // Many versions at once (`modelctl register --batch`), each still all or nothing, in few transactions.
    // PerVersion: the versions go in one transaction; when one fails, that transaction is rolled back and they are
    // registered one transaction each, so every bad version gets its own error and the good ones are kept.
    // AllOrNothing: one transaction (or the caller's, which it joins); the first failure ends the registration and
    // every version is reported as not registered (rolledBack), the failing one with its error. Versions that fail
    // validation are reported without touching the database, in both modes.
    enum class BatchMode
    {
        PerVersion,
        AllOrNothing
    };
    struct BatchOutcome
    {
        RegisterResult registered;
        std::optional<Error> error; // why this version was refused
        bool rolledBack = false;    // AllOrNothing: it was fine, but another version failed
    };
    QList<BatchOutcome> registerBatch(const QList<VersionSpec> &specs, BatchMode mode);
    // Runs `work` (calls of this registry) in one write transaction: all of it is written, or none.
    Status atomically(const std::function<Status()> &work);

    Result<QList<RegisteredModel>> models();
    Result<RegisteredModel> model(const QString &name);
    // Versions of a model with their metrics and tags (no lineage or transitions).
    Result<QList<ModelVersion>> versions(const QString &modelName);
    // One version with everything: metrics, params, facts, tags, lineage inputs, transitions.
    Result<ModelVersion> version(const QString &modelName, int version);
    // Several versions of one model with everything, in the order given, in a fixed number of queries
    // (not one set per version). Fails with NotFound naming the first missing number.
    Result<QList<ModelVersion>> versions(const QString &modelName, const QList<int> &numbers);

    Status setModelTags(const QString &modelName, const QMap<QString, QString> &set, const QStringList &remove);
    Status setVersionTags(const QString &modelName, int version, const QMap<QString, QString> &set,
                          const QStringList &remove);
    Status describeModel(const QString &modelName, const QString &text);
    Status describeVersion(const QString &modelName, int version, const QString &text);

    // ---- lifecycle (lifecycle.cpp); the rules are policy.h's ----
    // What the current user may do with the version, each action allowed or refused with its reason,
    // from one batched read (2 statements). The GUI's menus and `modelctl actions` use nothing else.
    Result<VersionActions> versionActions(const QString &modelName, int version);

    // None->Staging runs the staging gates (a failing gate refuses with the report in the message).
    // Production is reached only by the approval that completes a request (decide()); promote() to
    // Production refuses and says so. None and Archived are demote and archive.
    Result<TransitionOutcome> promote(const QString &modelName, int version, Stage to, const QString &reason);
    Result<TransitionOutcome> demote(const QString &modelName, int version, const QString &reason);
    // The stage a version had in the registry it was imported from (modelctl import mlflow): kind import, from
    // None, once, on a version that has not moved yet; by an admin on PostgreSQL. `reason` says where from and
    // since when.
    Result<TransitionOutcome> importStage(const QString &modelName, int version, Stage to, const QString &reason);
    Result<TransitionOutcome> archive(const QString &modelName, int version, const QString &reason);
    enum class PinnedAliases
    {
        Stay, // pinned aliases on the version rolled back from stay there (and are reported)
        Move  // they move to the target in the same transaction
    };
    // Rolls back the current Production version to `target` (0: the suggested one) in one transaction.
    // Aliases that follow Production move with it; pinned ones as `pinned` says.
    Result<TransitionOutcome> rollback(const QString &modelName, int target, const QString &reason,
                                       PinnedAliases pinned = PinnedAliases::Stay);
    // What rollback() would do, without changing anything.
    Result<RollbackPlan> planRollback(const QString &modelName, int target);
    // The version rollback() would pick, or NotFound with the reason there is none.
    Result<int> suggestedRollbackTarget(const QString &modelName);
    Status clearRollbackMark(const QString &modelName, int version);
    Status setMaxProduction(const QString &modelName, int maxProduction);

    // Preview of the gates for a transition without changing anything.
    Result<GateReport> evaluateGatesFor(const QString &modelName, int version, Stage to);
    Result<ApprovalRequest> requestPromotion(const QString &modelName, int version, Stage to, const QString &reason);
    // Records an approval or rejection; the approval that completes the request promotes the version.
    Result<ApprovalRequest> decide(qint64 requestId, bool approve, const QString &comment,
                                   const QString &overrideReason, TransitionOutcome *promoted = nullptr);
    // The requester (or an admin) withdraws an open request; the version stays in Staging.
    Result<ApprovalRequest> withdrawRequest(qint64 requestId, const QString &reason);
    Result<QList<ApprovalRequest>> requests(bool pendingOnly, const QString &modelName = {});
    Result<ApprovalRequest> request(qint64 requestId);

    Result<QList<ProductionPeriod>> productionHistory(const QString &modelName);
    // The approval dialog's and the rollback dialog's data, each in at most 5 statements (screens.h).
    Result<ReviewData> reviewData(qint64 requestId);
    Result<RollbackData> rollbackData(const QString &modelName);
    Result<QList<ModelVersion>> production(const QString &modelName);

    // Gate policies: modelName empty = the registry-wide default.
    Result<GatePolicies> gatePolicies(const QString &modelName);
    Status setGatePolicies(const QString &modelName, const GatePolicies &policies);

    // Metric directions: set for a model (modelName) or for the whole registry (empty modelName);
    // nullopt removes the setting so the name's default applies again.
    Result<MetricDirections> metricDirections(const QString &modelName);
    Status setMetricDirection(const QString &modelName, const QString &metric,
                              std::optional<MetricDirection> direction);

    // A pinned alias points at `version`; a following one (version 0) at the newest Production version,
    // and moves with every stage change.
    Status setAlias(const QString &modelName, const QString &alias, int version, bool isProtected);
    Status setFollowingAlias(const QString &modelName, const QString &alias, bool isProtected);
    Status removeAlias(const QString &modelName, const QString &alias);
    Result<QList<Alias>> aliases(const QString &modelName);

    Status reportDeployment(const QString &service, const QString &environment, const QString &modelName, int version);
    Result<QList<Deployment>> deployments(const QString &modelName = {});

    // The ModelDesk roles of the current user (PostgreSQL); on SQLite every role, advisory.
    Result<QStringList> roles();
    Status grantRole(const QString &role, const QString &user);

    // ---- lineage (lineage.cpp) ----
    static constexpr int kDefaultLineageDepth = 12;
    static constexpr int kMaxLineageDepth = 50;
    // A node by spec: "source:NAME", "dataset:NAME@V", "pipeline:NAME@V", "commit:SHA", "model:NAME@N", ...
    Result<LineageNode> lineageNode(const QString &spec);
    Result<LineageNode> lineageNodeForVersion(const QString &modelName, int version);
    Result<qint64> addLineageNode(const QString &spec, const QString &attributesJson = {});
    Status addLineageEdge(const QString &srcSpec, const QString &dstSpec, const QString &kind);
    // Everything upstream (what it came from) or downstream (what derives from it), depth-bounded;
    // cycles in the data never hang a query.
    Result<LineageGraph> lineageUpstream(qint64 nodeId, int maxDepth = kDefaultLineageDepth);
    Result<LineageGraph> lineageDownstream(qint64 nodeId, int maxDepth = kDefaultLineageDepth);
    // Upstream and downstream together, for the graph view.
    Result<LineageGraph> lineageNeighbourhood(qint64 nodeId, int maxDepth);
    // The whole lineage of a model: upstream and downstream of all its versions (up to kMaxLineageDepth hops from
    // the nearest one; its versions are depth 0), at most maxNodes nodes, nearest hops first and newest versions
    // first (truncated says more were cut). root is the node of `version`, or of the newest version when 0. Two
    // statements.
    static constexpr int kMaxOverviewNodes = 2000;
    Result<LineageGraph> lineageOverview(const QString &modelName, int version = 0, int maxNodes = kMaxOverviewNodes);
    Result<ImpactReport> impact(qint64 nodeId, int maxDepth = kDefaultLineageDepth);
    Result<UsageReport> erasureCheck(qint64 nodeId, int maxDepth = kDefaultLineageDepth);

    // ---- change feed and webhooks (feed.cpp) ----
    // The events after `after`, reading at most `limit`; those matching `filter` are returned.
    Result<EventPage> events(qint64 after, int limit, const EventFilter &filter = {});
    Result<qint64> lastEventId();
    // Webhooks (PostgreSQL: admins). A new webhook receives the events from now on.
    Result<Webhook> addWebhook(const WebhookSpec &spec);
    Result<QList<Webhook>> webhooks();
    Result<Webhook> webhook(qint64 id);
    // The HMAC key (PostgreSQL: admins only may read it).
    Result<QByteArray> webhookSecret(qint64 id);
    Status removeWebhook(qint64 id);
    Status setWebhookActive(qint64 id, bool active, const QString &reason);
    // The newest `limit` deliveries of a webhook, each with its attempts.
    Result<QList<WebhookDelivery>> webhookDeliveries(qint64 webhookId, int limit);
    // Queues the delivery's event again for its webhook; returns the new delivery's id.
    Result<qint64> redeliver(qint64 deliveryId);
    // The deliverer's steps (deliverer.h): queue new events; claim due deliveries: for up to `groups` (webhook,
    // model) pairs whose oldest pending delivery is due, that one and up to runLength - 1 after it, in id order;
    // record attempts' outcomes (one transaction), releasing `release` and extending the lease of the claimer's
    // other claims; and release the claims of a deliverer that died.
    Result<int> enqueueWebhookDeliveries();
    Result<QList<ClaimedDelivery>> claimWebhookDeliveries(const QString &claimer, int groups, int runLength,
                                                          int leaseSeconds);
    Status recordWebhookAttempts(const QString &claimer, const QList<FinishedAttempt> &finished,
                                 const QList<qint64> &release, int leaseSeconds);
    Status finishWebhookDelivery(const ClaimedDelivery &d, const QString &claimer, const AttemptResult &attempt,
                                 const DeliveryDecision &decision);
    Result<QStringList> webhookClaimers();
    Result<int> releaseWebhookClaims(const QString &claimer);
    Result<WebhookQueueState> webhookQueueState();

    // With `expect` (a checkpoint taken earlier), also checks that no entry up to it was deleted.
    Result<AuditVerification> verifyAudit(const std::optional<AuditCheckpoint> &expect = {});
    Result<AuditCheckpoint> auditCheckpoint();
    Result<QList<AuditEntry>> audit(const AuditFilter &filter);

private:
    static Result<std::unique_ptr<Registry>> openOrCreate(const RegistryLocation &location, Open mode);
    friend struct RegistryInternals;
    // Every public read starts with one: for its duration the replica stands in for the primary (m_db), when
    // there is a replica, no transaction is open on the primary and the replica has replayed what this client
    // must see (replica.cpp). Nested scopes and reads inside a write transaction stay where they are.
    class ReadScope
    {
    public:
        explicit ReadScope(Registry &registry);
        ~ReadScope();
        ReadScope(const ReadScope &) = delete;
        ReadScope &operator=(const ReadScope &) = delete;

    private:
        Registry &m_registry;
        bool m_swapped = false;
    };
    bool replicaCaughtUp();
    Database &database() { return *m_db; }

    // Tag and description edits of a model (no version) or of one version.
    Result<EditTarget> editTarget(const QString &modelName, std::optional<int> version);
    Status editTags(const QString &modelName, std::optional<int> version, const QMap<QString, QString> &set,
                    const QStringList &remove);
    Status editDescription(const QString &modelName, std::optional<int> version, const QString &text);

    // The latest deployment report of each service and environment among the reports matching
    // `condition` (SQL over the deployments table; empty: all).
    Result<QList<Deployment>> currentDeployments(const QString &condition, const QVariantList &binds);

    explicit Registry(std::unique_ptr<Database> db);
    Status checkWritable() const;
    Result<qint64> modelId(const QString &name);
    Result<qint64> versionId(const QString &modelName, int version);
    Result<qint64> ensureLineageNode(LineageKind kind, const QString &name, const QString &version,
                                     qint64 modelVersionId, const QString &at);
    Status ensureLineageEdge(qint64 src, qint64 dst, const QString &kind, const QString &at);
    Status insertRows(const QString &table, const QStringList &columns, const QList<QVariantList> &rows);
    // registerVersion after validateVersionSpec passed with `warnings` and the registry was found writable.
    Result<RegisterResult> registerValidated(const VersionSpec &spec, const QStringList &warnings);
    Status loadMetrics(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId);
    Status loadTags(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId);

    Status recordTransition(qint64 versionId, const QString &modelName, int version, Stage from, Stage to,
                            TransitionKind kind, const QString &reason, qint64 approvalId);
    Status writeAlias(qint64 modelId, const QString &modelName, const QString &alias, qint64 versionId, int version,
                      bool isProtected, bool follows);
    // The model's aliases keyed by name (one query), and the audit entries for the ones a stage change moved.
    Result<QList<Alias>> aliasesOf(qint64 modelId);
    Result<GatePolicies> gatePoliciesOf(qint64 modelId);
    Result<MetricDirections> metricDirectionsOf(qint64 modelId);
    Status writeMetricDirection(qint64 modelId, const QString &modelName, const QString &metric,
                                std::optional<MetricDirection> direction);
    Result<QList<AliasMove>> recordAliasMoves(const QString &modelName, qint64 modelId, const QList<Alias> &before);
    Result<RollbackPlan> planRollbackIn(qint64 modelId, const QString &modelName, int target);
    Result<TransitionOutcome> promoteToProduction(qint64 requestId);
    // After a promotion: the aliases it moved (audited on SQLite) and the pinned ones left on archived versions.
    Status recordPromotionAliases(TransitionOutcome &outcome, qint64 modelId, const QList<Alias> &before);
    // PostgreSQL: decide() through modeldesk_decide, which also promotes when the decision completes the request.
    Result<ApprovalRequest> decideInDatabase(const ApprovalRequest &req, bool approve, const QString &comment,
                                             const QString &overrideReason, TransitionOutcome *promoted);
    Result<GateReport> evaluateInTransaction(const QString &modelName, int version, Stage to);
    Result<ApprovalRequest> loadRequest(qint64 requestId);
    Result<LineageGraph> walkLineage(qint64 nodeId, int maxDepth, bool downstream, bool withEdges = true);

    std::unique_ptr<Database> m_db;
    // The read replica while a ReadScope does not hold it in m_db (then m_onReplica), and what it must replay
    // before reads go to it.
    std::unique_ptr<Database> m_replica;
    bool m_onReplica = false;
    QString m_readAfterLsn;
    QString m_lagTarget; // replicaLagSeconds: the primary position the replica was first seen behind
    qint64 m_lagSinceMs = 0;
    int m_schemaVersion = 0;
    Error::Kind m_readOnlyKind = Error::Kind::NewerSchema;
    QString m_readOnlyReason;
    QString m_guardsProblem;
    QString m_actor;
};

QString osUserName();

} // namespace md
