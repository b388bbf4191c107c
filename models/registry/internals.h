#pragma once

// Raw access to a Registry's connection, for tests and benchmarks that check the database itself or
// measure hand-written SQL floors. Not for items, views or the programs: they go through Registry
// (and cannot compile this header, which needs QtSql, a private dependency of the registry core).

#include "database.h"
#include "registry.h"

namespace md {

// The primary's WAL position, past every committed transaction (replica.cpp: Registry::primaryPosition).
extern const char *const kPrimaryPositionSql;

struct RegistryInternals
{
    static Database &database(Registry &registry) { return registry.database(); }
    // The read replica's connection (attachReplica), outside a read; nullptr without one.
    static Database *replica(Registry &registry) { return registry.m_replica.get(); }
};

} // namespace md
