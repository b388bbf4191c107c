#pragma once

// Where a registry lives and the registry's clock: QtCore only, so that every layer may include it
// (database.h, with QtSql, is the registry core's own).

#include "result.h"

#include <QDateTime>
#include <QString>

namespace md {

enum class Dialect
{
    Sqlite,
    Postgres
};

// Where a registry lives, parsed from a URL:
//   /abs/path/registry.db, sqlite:///abs/path/registry.db,
//   postgresql://user@host:port/dbname?sslmode=require&host=/run/postgresql ...
//   postgresql://user@h1:5432,h2:5433/dbname?target_session_attrs=read-write (libpq's multi-host form: the first
//   host that answers and has the session attributes asked for; see Database for the defaults)
// A password is never part of it: libpq finds it in ~/.pgpass, PGPASSWORD or a service file.
struct RegistryLocation
{
    Dialect dialect = Dialect::Sqlite;
    QString sqlitePath;
    QString host;          // one host, or several separated by commas (multi-host)
    int port = -1;         // one host
    QString ports;         // multi-host: the ports, comma-separated, one per host
    bool forReads = false; // a read replica's URL (Registry::attachReplica): prefers a standby
    QString user;
    QString database;
    QString options; // libpq keywords, "key=value;key=value"

    QString display() const; // for status bars and messages
};

Result<RegistryLocation> parseRegistryUrl(const QString &url);

// The embedded registry in the user's data folder (MODELDESK_REGISTRY overrides it in the tools).
QString defaultRegistryPath();

QString nowUtc();
// A registry timestamp (ISO-8601, UTC; with or without milliseconds) as a UTC QDateTime; invalid if unreadable.
QDateTime parseTimestamp(const QString &isoTimestamp);
// Demo data and imports only: makes nowUtc() return this time on the calling thread (empty: the real clock).
void setClockOverride(const QString &isoUtc);

} // namespace md
