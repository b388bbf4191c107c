#include "gates.h"

#include <QJsonArray>

#include <cmath>

namespace md {

QString GateReport::summary() const
{
    QStringList lines;
    lines << (passed ? QStringLiteral("Gates passed") : QStringLiteral("Gates FAILED"));
    if (baselineVersion > 0)
        lines.last() += QStringLiteral(" (baseline: Production v%1)").arg(baselineVersion);
    for (const GateResult &r : results)
        lines << QStringLiteral("  [%1] %2: actual %3, expected %4")
                     .arg(r.passed ? QStringLiteral("pass") : QStringLiteral("FAIL"), r.rule, r.actual, r.expected);
    return lines.join(QLatin1Char('\n'));
}

namespace {
struct KindName
{
    GateRule::Kind kind;
    const char *name;
};
constexpr KindName kRuleKinds[] = {
    {GateRule::Kind::MetricMin, "metric_min"},       {GateRule::Kind::MetricMax, "metric_max"},
    {GateRule::Kind::NoRegression, "no_regression"}, {GateRule::Kind::RequiredFacts, "required_facts"},
    {GateRule::Kind::RequiredTags, "required_tags"}, {GateRule::Kind::MinStagingHours, "min_staging_hours"},
};

QString ruleKindName(GateRule::Kind k)
{
    for (const auto &e : kRuleKinds)
        if (e.kind == k)
            return QLatin1String(e.name);
    return {};
}

QString metricKey(const GateRule &r)
{
    return Metric{r.metric, r.dataset, r.slice, 0}.key();
}

const Metric *findMetric(const ModelVersion &v, const GateRule &r)
{
    for (const Metric &m : v.metrics)
        if (m.name == r.metric && m.dataset == r.dataset && m.slice == r.slice)
            return &m;
    return nullptr;
}

QString num(double v)
{
    return QString::number(v, 'g', 6);
}
} // namespace

Result<GatePolicy> parseGatePolicy(const QJsonObject &json, const QString &where)
{
    GatePolicy policy;
    for (auto it = json.begin(); it != json.end(); ++it)
        if (it.key() != QLatin1String("rules") && it.key() != QLatin1String("approvals"))
            return Error::invalid(
                QStringLiteral("%1: unknown key \"%2\" (use rules and approvals).").arg(where, it.key()));
    if (json.contains(QStringLiteral("approvals"))) {
        const QJsonValue a = json.value(QStringLiteral("approvals"));
        if (!a.isDouble() || a.toDouble() < 1 || a.toDouble() > 10 || a.toDouble() != std::floor(a.toDouble()))
            return Error::invalid(QStringLiteral("%1: approvals must be a whole number from 1 to 10.").arg(where));
        policy.approvals = a.toInt();
    }
    if (!json.value(QStringLiteral("rules")).isArray() && json.contains(QStringLiteral("rules")))
        return Error::invalid(QStringLiteral("%1: rules must be a list.").arg(where));
    int index = 0;
    for (const QJsonValue &value : json.value(QStringLiteral("rules")).toArray()) {
        const QString at = QStringLiteral("%1: rules[%2]").arg(where).arg(index++);
        if (!value.isObject())
            return Error::invalid(QStringLiteral("%1 must be an object with a \"kind\".").arg(at));
        const QJsonObject o = value.toObject();
        GateRule rule;
        bool known = false;
        for (const auto &e : kRuleKinds) {
            if (o.value(QStringLiteral("kind")).toString() == QLatin1String(e.name)) {
                rule.kind = e.kind;
                known = true;
            }
        }
        if (!known)
            return Error::invalid(QStringLiteral("%1: unknown kind \"%2\"; use metric_min, metric_max, no_regression, "
                                                 "required_facts, required_tags or min_staging_hours.")
                                      .arg(at, o.value(QStringLiteral("kind")).toString()));
        auto number = [&](const char *key, double *out, bool required) -> Status {
            const QJsonValue v = o.value(QLatin1String(key));
            if (v.isUndefined() && !required)
                return {};
            if (!v.isDouble() || !std::isfinite(v.toDouble()))
                return Error::invalid(QStringLiteral("%1: \"%2\" must be a number.").arg(at, QLatin1String(key)));
            *out = v.toDouble();
            return {};
        };
        switch (rule.kind) {
        case GateRule::Kind::MetricMin:
        case GateRule::Kind::MetricMax:
        case GateRule::Kind::NoRegression:
            rule.metric = o.value(QStringLiteral("metric")).toString();
            rule.dataset = o.value(QStringLiteral("dataset")).toString();
            rule.slice = o.value(QStringLiteral("slice")).toString();
            if (rule.metric.isEmpty())
                return Error::invalid(QStringLiteral("%1: \"metric\" is required.").arg(at));
            if (rule.kind == GateRule::Kind::NoRegression) {
                if (auto s = number("tolerance", &rule.tolerance, false); !s)
                    return s.error();
                if (rule.tolerance < 0)
                    return Error::invalid(QStringLiteral("%1: tolerance must not be negative.").arg(at));
                if (o.contains(QStringLiteral("higher_is_better")))
                    rule.higherIsBetter = o.value(QStringLiteral("higher_is_better")).toBool() ? 1 : 0;
            } else if (auto s = number("threshold", &rule.threshold, true); !s) {
                return s.error();
            }
            break;
        case GateRule::Kind::RequiredFacts:
        case GateRule::Kind::RequiredTags: {
            const char *key = rule.kind == GateRule::Kind::RequiredFacts ? "facts" : "tags";
            const QJsonValue list = o.value(QLatin1String(key));
            if (!list.isArray() || list.toArray().isEmpty())
                return Error::invalid(
                    QStringLiteral("%1: \"%2\" must be a non-empty list of names.").arg(at, QLatin1String(key)));
            for (const QJsonValue &n : list.toArray()) {
                if (!n.isString() || n.toString().isEmpty())
                    return Error::invalid(
                        QStringLiteral("%1: every entry of \"%2\" must be a name.").arg(at, QLatin1String(key)));
                rule.names << n.toString();
            }
            break;
        }
        case GateRule::Kind::MinStagingHours:
            if (auto s = number("hours", &rule.hours, true); !s)
                return s.error();
            if (rule.hours < 0)
                return Error::invalid(QStringLiteral("%1: hours must not be negative.").arg(at));
            break;
        }
        policy.rules << rule;
    }
    return policy;
}

Result<GatePolicies> parseGatePolicies(const QJsonObject &json)
{
    GatePolicies p;
    for (auto it = json.begin(); it != json.end(); ++it)
        if (it.key() != QLatin1String("staging") && it.key() != QLatin1String("production"))
            return Error::invalid(
                QStringLiteral("Unknown key \"%1\" in the gate policy: use \"staging\" (None->Staging) "
                               "and \"production\" (Staging->Production).")
                    .arg(it.key()));
    for (const char *key : {"staging", "production"}) {
        const QJsonValue v = json.value(QLatin1String(key));
        if (v.isUndefined())
            continue;
        if (!v.isObject())
            return Error::invalid(QStringLiteral("\"%1\" must be an object with rules.").arg(QLatin1String(key)));
        auto policy = parseGatePolicy(v.toObject(), QLatin1String(key));
        if (!policy)
            return policy.error();
        (QLatin1String(key) == QLatin1String("staging") ? p.staging : p.production) = *policy;
    }
    return p;
}

QJsonObject toJson(const GatePolicy &policy)
{
    QJsonArray rules;
    for (const GateRule &r : policy.rules) {
        QJsonObject o{{QStringLiteral("kind"), ruleKindName(r.kind)}};
        switch (r.kind) {
        case GateRule::Kind::MetricMin:
        case GateRule::Kind::MetricMax:
            o.insert(QStringLiteral("threshold"), r.threshold);
            [[fallthrough]];
        case GateRule::Kind::NoRegression:
            o.insert(QStringLiteral("metric"), r.metric);
            if (!r.dataset.isEmpty())
                o.insert(QStringLiteral("dataset"), r.dataset);
            if (!r.slice.isEmpty())
                o.insert(QStringLiteral("slice"), r.slice);
            if (r.kind == GateRule::Kind::NoRegression) {
                o.insert(QStringLiteral("tolerance"), r.tolerance);
                if (r.higherIsBetter >= 0)
                    o.insert(QStringLiteral("higher_is_better"), r.higherIsBetter == 1);
            }
            break;
        case GateRule::Kind::RequiredFacts:
            o.insert(QStringLiteral("facts"), QJsonArray::fromStringList(r.names));
            break;
        case GateRule::Kind::RequiredTags:
            o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(r.names));
            break;
        case GateRule::Kind::MinStagingHours:
            o.insert(QStringLiteral("hours"), r.hours);
            break;
        }
        rules << o;
    }
    return {{QStringLiteral("rules"), rules}, {QStringLiteral("approvals"), policy.approvals}};
}

QJsonObject toJson(const GateReport &report)
{
    QJsonArray results;
    for (const GateResult &r : report.results)
        results << QJsonObject{{QStringLiteral("rule"), r.rule},
                               {QStringLiteral("passed"), r.passed},
                               {QStringLiteral("actual"), r.actual},
                               {QStringLiteral("expected"), r.expected}};
    return {{QStringLiteral("passed"), report.passed},
            {QStringLiteral("baseline_version"),
             report.baselineVersion > 0 ? QJsonValue(report.baselineVersion) : QJsonValue()},
            {QStringLiteral("approvals_required"), report.approvalsRequired},
            {QStringLiteral("results"), results}};
}

Result<GateReport> gateReportFromJson(const QJsonObject &json)
{
    GateReport r;
    r.passed = json.value(QStringLiteral("passed")).toBool();
    r.baselineVersion = json.value(QStringLiteral("baseline_version")).toInt();
    r.approvalsRequired = json.value(QStringLiteral("approvals_required")).toInt(1);
    for (const QJsonValue &v : json.value(QStringLiteral("results")).toArray()) {
        const QJsonObject o = v.toObject();
        r.results << GateResult{o.value(QStringLiteral("rule")).toString(), o.value(QStringLiteral("passed")).toBool(),
                                o.value(QStringLiteral("actual")).toString(),
                                o.value(QStringLiteral("expected")).toString()};
    }
    return r;
}

GateReport evaluateGates(const GatePolicy &policy, const ModelVersion &candidate, const ModelVersion *baseline,
                         const QDateTime &stagingSince, const QDateTime &now, const MetricDirections &directions)
{
    GateReport report;
    report.approvalsRequired = policy.approvals;
    report.baselineVersion = baseline ? baseline->version : 0;
    for (const GateRule &rule : policy.rules) {
        GateResult res;
        switch (rule.kind) {
        case GateRule::Kind::MetricMin:
        case GateRule::Kind::MetricMax: {
            const bool min = rule.kind == GateRule::Kind::MetricMin;
            res.rule =
                QStringLiteral("%1 %2 %3")
                    .arg(metricKey(rule), min ? QStringLiteral(">=") : QStringLiteral("<="), num(rule.threshold));
            res.expected =
                QStringLiteral("%1 %2").arg(min ? QStringLiteral(">=") : QStringLiteral("<="), num(rule.threshold));
            const Metric *m = findMetric(candidate, rule);
            res.actual = m ? num(m->value) : QStringLiteral("missing");
            res.passed = m && (min ? m->value >= rule.threshold : m->value <= rule.threshold);
            break;
        }
        case GateRule::Kind::NoRegression: {
            // A direction written into a policy stored before schema v4 counts only where the registry sets none
            // (setGatePolicies now stores it as the model's metric direction).
            const bool higher = rule.higherIsBetter >= 0 && directions.sourceOf(rule.metric) == QLatin1String("default")
                                    ? rule.higherIsBetter == 1
                                    : !directions.lowerIsBetter(rule.metric);
            res.rule = QStringLiteral("%1 no regression vs Production (tolerance %2, %3 is better)")
                           .arg(metricKey(rule), num(rule.tolerance),
                                higher ? QStringLiteral("higher") : QStringLiteral("lower"));
            const Metric *m = findMetric(candidate, rule);
            const Metric *b = baseline ? findMetric(*baseline, rule) : nullptr;
            res.actual = m ? num(m->value) : QStringLiteral("missing");
            if (!baseline) {
                res.expected = QStringLiteral("no Production baseline");
                res.passed = m != nullptr;
            } else if (!b) {
                res.expected = QStringLiteral("baseline v%1 has no %2").arg(baseline->version).arg(metricKey(rule));
                res.passed = m != nullptr;
            } else {
                const double bound = higher ? b->value - rule.tolerance : b->value + rule.tolerance;
                res.expected = QStringLiteral("%1 %2 (v%3 has %4)")
                                   .arg(higher ? QStringLiteral(">=") : QStringLiteral("<="), num(bound))
                                   .arg(baseline->version)
                                   .arg(num(b->value));
                res.passed = m && (higher ? m->value >= bound : m->value <= bound);
            }
            break;
        }
        case GateRule::Kind::RequiredFacts: {
            res.rule = QStringLiteral("provenance facts present: %1").arg(rule.names.join(QStringLiteral(", ")));
            res.expected = QStringLiteral("all present");
            QStringList missing;
            for (const QString &name : rule.names) {
                bool found = false;
                for (const Fact &f : candidate.facts)
                    found = found || f.key() == name;
                if (!found)
                    missing << name;
            }
            res.passed = missing.isEmpty();
            res.actual = missing.isEmpty() ? QStringLiteral("all present")
                                           : QStringLiteral("missing ") + missing.join(QStringLiteral(", "));
            break;
        }
        case GateRule::Kind::RequiredTags: {
            res.rule = QStringLiteral("tags present: %1").arg(rule.names.join(QStringLiteral(", ")));
            res.expected = QStringLiteral("all present");
            QStringList missing;
            for (const QString &name : rule.names)
                if (!candidate.tags.contains(name))
                    missing << name;
            res.passed = missing.isEmpty();
            res.actual = missing.isEmpty() ? QStringLiteral("all present")
                                           : QStringLiteral("missing ") + missing.join(QStringLiteral(", "));
            break;
        }
        case GateRule::Kind::MinStagingHours: {
            res.rule = QStringLiteral("at least %1 h in Staging").arg(num(rule.hours));
            res.expected = QStringLiteral(">= %1 h").arg(num(rule.hours));
            if (!stagingSince.isValid()) {
                res.actual = QStringLiteral("not in Staging");
                res.passed = false;
            } else {
                const double h = stagingSince.secsTo(now) / 3600.0;
                res.actual = QStringLiteral("%1 h").arg(QString::number(h, 'f', 1));
                res.passed = h >= rule.hours;
            }
            break;
        }
        }
        report.passed = report.passed && res.passed;
        report.results << res;
    }
    return report;
}

} // namespace md
