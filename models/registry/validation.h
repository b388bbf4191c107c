#pragma once

#include "result.h"
#include "types.h"

#include <QStringList>

namespace md {

// Limits on what a registry accepts. Longer input is refused with a message, never truncated.
inline constexpr int kMaxNameLength = 128;
inline constexpr int kMaxKeyLength = 256;
inline constexpr int kMaxValueLength = 4096;
inline constexpr int kMaxUriLength = 4096;
inline constexpr int kMaxDescriptionLength = 65536;
inline constexpr int kMaxMetricsPerVersion = 10000;

// Checks a model name ("fraud-detector", "payments/fraud-detector"). Returns warnings for names that
// follow the rules but encode a version, date or environment (those belong in versions, tags and stages).
Result<QStringList> validateModelName(const QString &name);

// Splits "payments/fraud-detector" into namespace and model; a name without "/" is in "default".
QString namespaceOf(const QString &modelName);

// A text field: valid UTF-8 (no replacement characters), no control characters other than \n and \t
// (when multiline), at most maxLength characters, not empty when required.
Status validateText(const QString &field, const QString &value, int maxLength, bool required, bool multiline = false);

// An artifact reference: a scheme and a location (never the bytes: no data: URIs), no spaces or invisible
// characters.
Status validateArtifactUri(const QString &uri);

// "auc=0.847", "f1@test=0.79", "auc@test[country=DE]=0.81"
Result<Metric> parseMetricSpec(const QString &spec);
// "lr=0.1"
Result<QPair<QString, QString>> parseKeyValue(const QString &what, const QString &spec);
// "data.dataset_version=clicks@2026-10"
Result<Fact> parseFactSpec(const QString &spec);
Status validateFact(const Fact &fact);
// "dataset:clicks@2026-10", "pipeline:features@2.3", "commit:abc123", "source:eu-clickstream"
Result<LineageInput> parseInputSpec(const QString &spec);
// Any lineage node: the input kinds plus "deployment:SERVICE@ENV", "dataset-family:NAME", "pipeline-family:NAME".
Result<LineageInput> parseLineageNodeSpec(const QString &spec);

// Validates everything about a version before any database work. Returns warnings (name conventions).
Result<QStringList> validateVersionSpec(const VersionSpec &spec);

} // namespace md
