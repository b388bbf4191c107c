#pragma once

#include "result.h"
#include "types.h"

#include <QByteArray>

namespace md {

// Reads a version manifest (JSON). The format is documented in the README:
// {
//   "name": "payments/fraud-detector",
//   "artifact": {"uri": "s3://...", "digest": "sha256:..."},   (or "artifact_uri"/"artifact_digest")
//   "description": "...", "source_run": "...",
//   "metrics": [{"name": "auc", "value": 0.91, "dataset": "test", "slice": "country=DE"}]
//              or {"auc": 0.91, "f1@test": 0.8, "auc@test[country=DE]": 0.81},
//   "params": {"lr": "0.1"}, "facts": {"data.dataset_version": "clicks@2026-10"}, "tags": {"team": "payments"},
//   "inputs": ["dataset:clicks@2026-10", "pipeline:features@2.3"]
// }
// Unknown keys are refused (a typo must not silently drop metadata).
Result<VersionSpec> parseManifest(const QByteArray &json, const QString &sourceName);

} // namespace md
