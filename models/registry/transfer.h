#pragma once

// Whole-registry copies: backup, restore, and moving a registry to another database (SQLite to PostgreSQL, or
// back). Every row keeps its id, numbers and timestamps, and the audit log its hash chain.
//
// The backup format (PostgreSQL registries; "modeldesk-backup" version 1) is JSON Lines, UTF-8:
//   {"format":"modeldesk-backup","format_version":1,"schema_version":8,"dialect":"postgresql",
//    "source":"postgresql://...","taken_at":"...","registry_created_at":"..."}
//   {"table":"namespaces","columns":["id","name","description","created_at"]}
//   [1,"ads","","2026-..."]                                  one line per row, values in column order
//   ...                                                      (bytes as {"base64":"..."}, SQL NULL as null)
//   {"end":true,"rows":{"namespaces":3,...},"audit":{"entries":1234,"head":"<hash>"}}
// Tables come in the order of kTransferTables. A SQLite registry's backup is a registry file itself (VACUUM INTO),
// which restore reads like a backup.

#include "registry.h"

#include <QMap>

#include <functional>

namespace md {

struct TransferReport
{
    QString source;             // what was read (a URL or a backup file)
    QString target;             // what was written
    QMap<QString, qint64> rows; // table -> rows copied
    qint64 versions = 0;        // model_versions rows
    AuditVerification audit;    // of the copy, verified before it was committed (restore, migrate)
    qint64 milliseconds = 0;
    qint64 bytes = 0; // the backup file's size (backup)
    QString format;   // backup: "sqlite" (a registry file) or "modeldesk-backup 1"
};

// Progress: the table being copied and the rows copied of it so far; return false to cancel (nothing is written).
using TransferProgress = std::function<bool(const QString &table, qint64 rows)>;

// The registry's tables in copy order (schema version kSchemaVersion; schema_version itself is the target's own).
QStringList transferTables();

// Writes a consistent snapshot of the registry to `file` (which must not exist): SQLite VACUUM INTO (a registry
// file), PostgreSQL the backup format above, read in one REPEATABLE READ transaction. The file is readable by its
// owner only: it holds the webhooks' signing secrets.
Result<TransferReport> backupRegistry(Registry &registry, const QString &file, const TransferProgress &progress = {});

// Copies a backup (either kind) into the registry at `targetUrl`, which must be new or empty (created when it is a
// new SQLite file or an empty PostgreSQL database; a PostgreSQL target needs a superuser session). In one
// transaction: the rows, the identity sequences, then counts and the audit chain checked before committing.
Result<TransferReport> restoreRegistry(const QString &file, const QString &targetUrl,
                                       const TransferProgress &progress = {});

// Copies the registry at `fromUrl` into the empty registry at `toUrl` (restore's rules), reading the source in one
// snapshot.
Result<TransferReport> migrateRegistry(const QString &fromUrl, const QString &toUrl,
                                       const TransferProgress &progress = {});

} // namespace md
