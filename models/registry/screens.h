#pragma once

// What the GUI's lifecycle screens show, each read by the registry in at most five statements (a
// click pays a round trip per statement on a remote server). Which actions are allowed comes from
// policy::versionActions, as everywhere.

#include "gates.h"
#include "policy.h"
#include "types.h"

#include <QDateTime>
#include <QMap>

namespace md {

// Who is connected and what their roles allow. On SQLite every role is held (advisory).
struct Permissions
{
    QString actor;
    QStringList roles;
    bool readOnly = false;
    QString readOnlyReason;
    bool has(const QString &role) const { return roles.contains(role); } // inherited roles are listed too
};

// One action as a screen shows it: enabled, and what it does or why it is disabled.
struct ActionState
{
    bool enabled = false;
    QString why;
    static ActionState from(const ActionVerdict &v) { return {v.allowed, v.reason}; }
};

// What a reviewer decides on (the approval dialog).
struct ReviewData
{
    ApprovalRequest request;
    ModelVersion candidate;
    bool hasBaseline = false;
    ModelVersion baseline; // the newest Production version other than the candidate
    GateReport gates;      // evaluated now while the candidate is in Staging (else the stored report)
    QDateTime stagingSince;
    MetricDirections directions;
    Permissions permissions;
    ActionState approve; // policy: role, four eyes, request state
    bool needsOverride = false;
};

// The production timeline and the rollback dialog.
struct RollbackData
{
    QString modelName;
    QList<ProductionPeriod> history;
    QMap<int, ModelVersion> versions; // every version in history, with metrics
    int current = 0;                  // the newest Production version; 0: nothing in Production
    int suggested = 0;                // 0: none
    QString noSuggestion;             // why there is no suggestion
    QList<int> eligible;              // Archived versions that served in Production before, newest first
    QList<Alias> following;           // aliases that follow Production: they move with a rollback
    QList<Alias> pinnedOnCurrent;     // pinned aliases on the current version: they stay unless moved
    MetricDirections directions;
    Permissions permissions;
    ActionState rollback;
};

} // namespace md
