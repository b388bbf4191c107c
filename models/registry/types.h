#pragma once

#include <optional>

// Plain value types of the registry. They depend on QtCore only.

#include <QList>
#include <QMap>
#include <QString>

namespace md {

enum class Stage
{
    None,
    Staging,
    Production,
    Archived
};

QString stageName(Stage stage);
bool parseStage(const QString &text, Stage *stage);

struct Metric
{
    QString name;
    QString dataset; // e.g. "test", "validation"; empty when not given
    QString slice;   // e.g. "country=DE" for a subgroup metric; empty for the overall value
    double value = 0.0;

    // The key that must be unique within a version: name@dataset[slice].
    QString key() const;
    friend bool operator==(const Metric &, const Metric &) = default;
};

struct Fact
{
    QString category; // data, code, env, training
    QString name;
    QString value;

    QString key() const { return category + QLatin1Char('.') + name; }
    friend bool operator==(const Fact &, const Fact &) = default;
};

enum class LineageKind
{
    DataSource,
    Dataset,
    DatasetVersion,
    FeaturePipeline,
    FeaturePipelineVersion,
    CodeCommit,
    ModelVersion,
    Deployment,
};

QString lineageKindName(LineageKind kind);
bool parseLineageKind(const QString &text, LineageKind *kind);

// A lineage input of a version as written on the command line: "dataset:clicks@2026-10".
struct LineageInput
{
    LineageKind kind = LineageKind::DatasetVersion;
    QString name;
    QString version;

    QString spec() const; // back to "dataset:clicks@2026-10"
    friend bool operator==(const LineageInput &, const LineageInput &) = default;
};

// Everything a client supplies to register one version.
struct VersionSpec
{
    QString modelName;
    QString artifactUri;
    QString artifactDigest; // "sha256:<64 hex>" or empty
    QString sourceRun;
    QString description;
    QList<Metric> metrics;
    QMap<QString, QString> params;
    QList<Fact> facts;
    QMap<QString, QString> tags;
    QList<LineageInput> inputs;
    // Extra lineage recorded with the version (manifest "lineage"): nodes by spec, and edges between
    // node specs, e.g. {"source:eu-clickstream" -> "dataset:clicks@2026-10", derived_from}.
    QStringList lineageNodes;
    struct Edge
    {
        QString from;
        QString to;
        QString kind;
        friend bool operator==(const Edge &, const Edge &) = default;
    };
    QList<Edge> lineageEdges;
    // Only for imports and demo data: the original registration time (ISO-8601 UTC). Empty: now.
    QString createdAt;
};

struct RegisteredModel
{
    qint64 id = 0;
    QString name;
    QString namespaceName;
    QString description;
    QString owner;
    int maxProduction = 1;
    int versionCount = 0;
    int latestVersion = 0;
    QList<int> productionVersions;
    QString createdAt;
    QString createdBy;
    QMap<QString, QString> tags;
};

struct Transition
{
    qint64 id = 0;
    int version = 0;
    QString fromStage;
    QString toStage;
    QString kind;
    QString actor;
    QString at;
    QString reason;
    qint64 approvalId = 0;
};

struct ModelVersion
{
    qint64 id = 0;
    QString modelName;
    int version = 0;
    QString artifactUri;
    QString artifactDigest;
    QString sourceRun;
    QString description;
    QString createdAt;
    QString createdBy;
    Stage stage = Stage::None;
    QString stageChangedAt;
    bool rollbackExcluded = false; // rolled back from: never suggested as a rollback target
    QList<Metric> metrics;
    QMap<QString, QString> params;
    QList<Fact> facts;
    QMap<QString, QString> tags;
    QList<LineageInput> inputs;
    QList<Transition> transitions;
};

struct ApprovalDecision
{
    qint64 id = 0;
    QString actor;
    QString decision; // approve, reject
    QString comment;
    QString overrideReason;
    QString at;
};

struct ApprovalRequest
{
    qint64 id = 0;
    QString modelName;
    int version = 0;
    QString toStage;
    QString requestedBy;
    QString requestedAt;
    QString reason;
    QString status; // pending, approved, rejected, promoted, cancelled
    bool gatesPassed = false;
    QString gateReport; // JSON (see gates.h)
    int baselineVersion = 0;
    int requiredApprovals = 1;
    QString decidedAt;
    QString registeredBy;
    QList<ApprovalDecision> decisions;
};

struct ArchivedVersion
{
    int version = 0;
    QString reason;
};

struct Alias
{
    QString alias;
    int version = 0;
    bool isProtected = false;
    bool followsProduction = false; // moved by every stage change to the newest Production version
    QString updatedAt;
    QString updatedBy;
};

// An alias that a stage change moved, in the same transaction.
struct AliasMove
{
    QString alias;
    int from = 0;
    int to = 0;
    bool followsProduction = false; // moved because it follows Production (else: moved on request)
};

struct TransitionOutcome
{
    QString modelName;
    int version = 0;
    QString fromStage;
    QString toStage;
    QString kind;
    qint64 approvalId = 0;
    QList<ArchivedVersion> archived; // versions that left Production in the same transaction
    QList<AliasMove> aliasesMoved;   // aliases moved in the same transaction
    QList<Alias> aliasesLeft;        // pinned aliases still on a version that left Production
};

// What a rollback would do, for the confirmation in the dialog and `modelctl rollback --dry-run`.
struct RollbackPlan
{
    QString modelName;
    int current = 0; // the Production version rolled back from
    int target = 0;
    QList<Alias> following;       // move to the target with the rollback
    QList<Alias> pinnedOnCurrent; // stay on `current` unless moved (--move-aliases)
};

struct ProductionPeriod
{
    int version = 0;
    QString from;
    QString to;          // empty: still in Production
    QString enteredKind; // promote or rollback
    QString enteredBy;
    QString enteredReason;
    qint64 approvalId = 0;
    QStringList approvers;
    QString leftKind; // archive or rollback
    QString leftBy;
    QString leftReason;
};

struct Deployment
{
    QString service;
    QString environment;
    QString modelName;
    int version = 0;
    Stage stage = Stage::None;
    QString reportedAt;
    QString reportedBy;
    bool shadow = false; // the service runs a version that is not in Production
};

struct LineageNode
{
    qint64 id = 0;
    LineageKind kind = LineageKind::DatasetVersion;
    QString name;
    QString version;
    int depth = 0;             // hops from the node a query started at
    Stage stage = Stage::None; // model versions only
    bool isModelVersion() const { return kind == LineageKind::ModelVersion; }
    QString spec() const; // "dataset:clicks@2026-10", "model:payments/fraud@3", ...
};

struct LineageEdge
{
    qint64 src = 0; // upstream
    qint64 dst = 0; // derived
    QString kind;   // derived_from, trained_on, uses, deployed_as
};

struct LineageGraph
{
    qint64 root = 0;
    QList<LineageNode> nodes; // the root first
    QList<LineageEdge> edges;
    int maxDepth = 0;
    bool truncated = false; // more nodes lie beyond maxDepth
};

struct ImpactReport
{
    LineageNode root;
    QList<LineageNode> versions;   // affected model versions
    QList<LineageNode> production; // of those, the ones in Production now
    QList<Deployment> deployments; // services running an affected version
    int maxDepth = 0;
    bool truncated = false;
};

struct UsagePath
{
    LineageNode version;     // a Production model version
    QList<LineageNode> path; // from the source to the version
};

struct UsageReport
{
    LineageNode source;
    bool usedInProduction = false;
    QList<UsagePath> productionPaths;
    int versionsUsing = 0; // all versions, any stage
    int maxDepth = 0;
    bool truncated = false;
};

struct AuditEntry
{
    qint64 id = 0;
    QString at;
    QString actor;
    QString action;
    QString objectType;
    QString objectKey;
    QString details; // compact JSON
    QString prevHash;
    QString hash;
};

// The head of the audit log at one moment: how many entries it held and the newest entry's hash.
// Kept outside the registry (a ticket, a CI log, the desktop app's settings), it lets `audit verify`
// notice that the newest entries were deleted, which the chain alone cannot show.
struct AuditCheckpoint
{
    qint64 entries = 0;
    QString hash; // empty for an empty log

    QString token() const; // "ENTRIES:HASH", what `modelctl audit checkpoint` prints
    static std::optional<AuditCheckpoint> parse(const QString &token);
};

struct AuditVerification
{
    bool intact = true;
    qint64 entriesChecked = 0;
    qint64 firstBrokenId = 0;                // 0 when intact
    QString problem;                         // what is wrong with the first broken entry
    AuditCheckpoint head;                    // the log's head now
    std::optional<AuditCheckpoint> expected; // the checkpoint compared against, if one was given
};

} // namespace md
