#pragma once

// Gate policies and their evaluation. Pure functions: no database access.

#include "policy.h"
#include "result.h"
#include "types.h"

#include <QDateTime>
#include <QJsonObject>

namespace md {

struct GateRule
{
    enum class Kind
    {
        MetricMin,
        MetricMax,
        NoRegression,
        RequiredFacts,
        RequiredTags,
        MinStagingHours
    };
    Kind kind = Kind::MetricMin;
    QString metric;  // metric rules
    QString dataset; // metric rules
    QString slice;   // metric rules
    double threshold = 0.0;
    double tolerance = 0.0; // no_regression
    // no_regression, as written in a policy file: -1 = not given. Registry::setGatePolicies stores a given
    // direction as the model's metric direction (one answer for gates, Compare and the approval dialog).
    int higherIsBetter = -1;
    QStringList names;  // required facts / tags
    double hours = 0.0; // min_staging_hours
};

struct GatePolicy
{
    QList<GateRule> rules;
    int approvals = 1; // Staging -> Production only
    bool isEmpty() const { return rules.isEmpty(); }
};

// One policy per transition. "staging" = None -> Staging, "production" = Staging -> Production.
struct GatePolicies
{
    GatePolicy staging;
    GatePolicy production;
    QString source; // "model" or "registry default" or "none"
};

struct GateResult
{
    QString rule; // human description, e.g. "auc@test >= 0.8"
    bool passed = false;
    QString actual;   // what the candidate has
    QString expected; // what the rule asks for
};

struct GateReport
{
    bool passed = true;
    int baselineVersion = 0; // 0: no Production baseline
    QList<GateResult> results;
    int approvalsRequired = 1;

    QString summary() const; // multi-line text for people
};

Result<GatePolicies> parseGatePolicies(const QJsonObject &json);
Result<GatePolicy> parseGatePolicy(const QJsonObject &json, const QString &where);
QJsonObject toJson(const GatePolicy &policy);
QJsonObject toJson(const GateReport &report);
Result<GateReport> gateReportFromJson(const QJsonObject &json);

// Evaluates a policy for a candidate. baseline is the current Production version (nullptr: none);
// stagingSince is when the candidate entered Staging (invalid: not in Staging). No-regression rules
// compare in the metric's direction (directions: the model's, see Registry::metricDirections).
GateReport evaluateGates(const GatePolicy &policy, const ModelVersion &candidate, const ModelVersion *baseline,
                         const QDateTime &stagingSince, const QDateTime &now, const MetricDirections &directions);

} // namespace md
