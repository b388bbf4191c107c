#pragma once

#include "location.h"
#include "types.h"

#include <QJsonObject>

namespace md {

class Database; // database.h: the registry core's own

// The hash that links an audit entry to its predecessor:
// sha256(prev_hash, at, actor, action, object_type, object_key, details), hex.
QString auditHash(const AuditEntry &entry);
QString auditGenesisHash();

// What a version was registered with (metrics, params, provenance facts), as a SHA-256 hex digest of their
// rows as the database prints them, sorted byte-wise. Recorded in its register_version entry ("content");
// `audit verify` recomputes it, so an edited metric is found even when the guards were lifted for it.
Result<QString> versionContentDigest(Database &db, qint64 versionId);
// A metric value as the dialect's CAST to text prints it (what content digests are made of).
QString realAsText(double value, Dialect dialect);

// Appends an entry to the hash-chained audit log. Must run inside a write transaction
// (which serialises writers, so the chain never forks).
Status appendAudit(Database &db, const QString &actor, const QString &action, const QString &objectType,
                   const QString &objectKey, const QJsonObject &details);

// Walks the whole chain and reports the first entry that was edited, or whose predecessor was deleted.
// With `expect`, the log must still hold that checkpoint's entry at that position.
Result<AuditVerification> verifyAuditChain(Database &db, const std::optional<AuditCheckpoint> &expect = {});

struct AuditFilter
{
    QString actor;
    QString action;
    QString objectKeyPrefix;
    QString since; // ISO timestamp, inclusive
    int limit = 100;
};

Result<QList<AuditEntry>> readAudit(Database &db, const AuditFilter &filter);

} // namespace md
