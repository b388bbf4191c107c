#pragma once

// The lifecycle policy: the one place that says which stage moves exist, what each requires and who
// may make it, the four-eyes rule, and which way a metric is better. Pure functions over values; no
// database access. Everything that asks "may this happen?" asks here: the registry's write paths,
// Registry::versionActions (the GUI's menus and `modelctl actions`), the demo and bulk generators.
// The database's own guards (the triggers in resources/schema/) are held to moves() by a
// conformance test (tests/registry/test_conformance.cpp).

#include "types.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace md {

enum class TransitionKind
{
    Register, // "" -> None, once, while registering
    Promote,
    Demote,
    Archive,
    Rollback,
    Import // None -> the stage another registry had (modelctl import mlflow): by an admin, once, on a version
           // that has not moved
};
QString transitionKindName(TransitionKind kind);
std::optional<TransitionKind> parseTransitionKind(const QString &text);

enum class RequestStatus
{
    Pending,
    Approved, // only inside the transaction of the approval that completes it (it is promoted at once)
    Rejected,
    Promoted,
    Cancelled
};
QString requestStatusName(RequestStatus status);
std::optional<RequestStatus> parseRequestStatus(const QString &text);
// Pending (and, inside a transaction, approved) requests block a second request for the version.
bool isOpen(RequestStatus status);

enum class Decision
{
    Approve,
    Reject
};
QString decisionName(Decision decision);
std::optional<Decision> parseDecision(const QString &text);

// The ModelDesk roles (PostgreSQL roles modeldesk_<name>; on SQLite every role, advisory).
enum class Role
{
    Reader,
    Scientist,
    Reviewer,
    Deployer,
    Admin
};
QString roleName(Role role); // "reader", ...
std::optional<Role> parseRole(const QString &text);
const QList<Role> &allRoles();

enum class MetricDirection
{
    HigherIsBetter,
    LowerIsBetter
};
QString metricDirectionName(MetricDirection direction); // "higher", "lower"
std::optional<MetricDirection> parseMetricDirection(const QString &text);

// What a person can do with one version (Registry::versionActions, the GUI's menus, `modelctl actions`).
enum class VersionAction
{
    RequestPromotion, // Staging -> Production, by request (reviewers approve it)
    PromoteToStaging,
    Approve,
    Reject,
    WithdrawRequest,
    Archive,
    Demote,
    Rollback, // Production: roll back from it; Archived (served before): roll Production back to it
    SetAlias
};
QString versionActionName(VersionAction action); // "request_promotion", ...
std::optional<VersionAction> parseVersionAction(const QString &text);
const QList<VersionAction> &allVersionActions();

struct ActionVerdict
{
    VersionAction action = VersionAction::Archive;
    bool allowed = false;
    QString reason;             // what it does, or why it is refused: a sentence a person reads
    bool needsReason = false;   // the registry asks for a reason (comment for decisions)
    bool needsOverride = false; // approve: the gates failed, an override reason is recorded
    qint64 requestId = 0;       // approve, reject, withdraw: the open request
    int target = 0;             // rollback: the version Production goes back to
};

// What the policy needs to know about a version to say what may be done with it: one batched read.
struct VersionFacts
{
    QString model;
    int version = 0;
    Stage stage = Stage::None;
    QString registeredBy;
    QString actor;
    QList<Role> roles;
    QString readOnlyReason; // non-empty: nothing may be changed
    bool wasInProduction = false;
    bool rollbackExcluded = false;
    int productionCount = 0;
    int newestProduction = 0; // 0: nothing in Production
    int suggestedTarget = 0;  // the rollback target rollback() would pick; 0: none
    qint64 openRequest = 0;   // 0: none
    QString requestedBy;
    bool requestGatesPassed = true;
    QStringList deciders; // who already decided on the open request
};

struct VersionActions
{
    QString model;
    int version = 0;
    Stage stage = Stage::None;
    QString actor;
    QList<Role> roles;
    QList<ActionVerdict> actions; // one per VersionAction, in allVersionActions() order

    const ActionVerdict &of(VersionAction action) const;
};

namespace policy {

// One allowed stage move.
struct Move
{
    Stage from;
    Stage to;
    TransitionKind kind;
    // Made only by the approval that completes a request (the promotion itself and the archive of the
    // Production versions it supersedes); the transition row carries that request's id.
    bool viaApproval = false;
    bool needsApprovedRequest = false;   // the request named by the transition is approved, for this version
    bool needsEarlierProduction = false; // the version was in Production before (rollback target)
    bool runsStagingGates = false;       // None -> Staging runs the staging gate policy first
    bool needsReason = false;            // a person's reason is recorded (the registry asks for it)
    QList<Role> roles;                   // any of these may make the move (PostgreSQL)
    const char *what = "";               // "promote to Staging", for messages
};

// The table of allowed moves. A (from, to, kind) not in it is refused everywhere.
const QList<Move> &moves();
// The move for (from, to, kind), viaApproval distinguishing a superseding archive from a plain one.
const Move *findMove(Stage from, Stage to, TransitionKind kind, bool viaApproval = false);
// "None->Staging, Staging->Production (approved request), ...": for messages and help texts.
QString allowedMovesText();

// Whether one of `held` may make the move. For a viaApproval move the actor must also be the one whose
// approval completes the request (ownApproval).
bool mayMake(const Move &move, const QList<Role> &held, bool ownApproval);
QString rolesText(const QList<Role> &roles); // "modeldesk_scientist or modeldesk_deployer"

// Four eyes: the person deciding on a request is neither its requester nor the version's registrant,
// and decides once. Returns the refusal a person reads, or nothing when the decision may be made.
std::optional<QString> fourEyesRefusal(const QString &actor, const QString &requestedBy, const QString &registeredBy,
                                       const QStringList &earlierDeciders, qint64 requestId, int version);

// The direction a metric has when nothing is set for it: by the words of its name ("val_loss",
// "p99-latency-ms", "error_rate" are lower-is-better; "uptime", "accuracy" are not). Whole words
// only, so that a word merely containing "time" or "mae" is not caught.
MetricDirection defaultMetricDirection(const QString &metricName);

// Every action for the version, allowed or refused with its reason, from the facts alone.
VersionActions versionActions(const VersionFacts &facts);

} // namespace policy

// The metric directions in force for one model: what was set for the model, then what was set for the
// whole registry, then the name's default. A metric is named without dataset or slice ("logloss").
struct MetricDirections
{
    QMap<QString, MetricDirection> model;    // set for this model
    QMap<QString, MetricDirection> registry; // set registry-wide

    MetricDirection of(const QString &metricName) const;
    bool lowerIsBetter(const QString &metricName) const { return of(metricName) == MetricDirection::LowerIsBetter; }
    // "model", "registry" or "default": where of() found the answer.
    QString sourceOf(const QString &metricName) const;
};

} // namespace md
