#pragma once

#include "database.h"

namespace md {

// The newest schema version this program knows. Migrations live in resources/schema/<dialect>/NNN_*.sql.
constexpr int kSchemaVersion = 9;

struct SchemaState
{
    int version = 0; // 0: empty database
    bool isEmpty() const { return version == 0; }
};

// Reads the schema version; refuses a database that has tables but is not a ModelDesk registry.
Result<SchemaState> readSchemaState(Database &db);

// Applies every missing migration, each in its own transaction with its schema_version row.
// Returns the version after migration. Refuses a schema newer than kSchemaVersion.
// upTo limits the target version (tests build older registries with it); 0 means kSchemaVersion.
Result<int> migrate(Database &db, int upTo = 0);

// The guards (triggers, and on PostgreSQL the modeldesk_* functions and whether each trigger is enabled)
// as migrations left them: recorded in registry_info after every migration, compared on open and by
// `audit verify`. Someone who can write the file (SQLite) or owns the tables (PostgreSQL) can always
// drop or disable a trigger; this makes sure it does not go unnoticed.
Status recordGuards(Database &db);
// Empty when the guards are as recorded; else what is missing, altered or added, for people.
Result<QString> checkGuards(Database &db);

} // namespace md
