#pragma once

#include "database.h"

namespace md {

// The newest schema version this program knows. Migrations live in resources/schema/<dialect>/NNN_*.sql.
constexpr int kSchemaVersion = 5;

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

} // namespace md
