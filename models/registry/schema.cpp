#include "schema.h"

#include <QCryptographicHash>
#include <QFile>

namespace md {

namespace {

struct Migration
{
    int version;
    const char *file;
    const char *description;
};

constexpr Migration kMigrations[] = {
    {1, "001_initial.sql", "models, versions, metadata, lineage, transitions, audit log"},
    {2, "002_lifecycle.sql", "gates, approvals, aliases, deployments, outbox, roles"},
    {3, "003_deployment_lookup.sql", "index of deployments by version"},
    {4, "004_policy.sql", "metric directions, aliases that follow Production, stage guard from the policy table"},
    {5, "005_hardening.sql",
     "fixed search paths and no temporary tables (PostgreSQL), no REPLACE of immutable rows (SQLite)"},
    {6, "006_contract.sql",
     "write functions, database-written audit log, outbox, timestamps and gate reports (PostgreSQL); "
     "append-only outbox, deployments and lineage, version numbers in sequence"},
    {7, "007_feed.sql", "database-written change feed with the documented events, webhooks and their deliveries"},
    {8, "008_import.sql", "stages imported from another registry (transition kind import, by an admin, once)"},
    {9, "009_tags_stay.sql", "a tag stays with its model or version (no re-pointing it to another)"},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "every schema version needs a migration");

QString migrationText(Dialect dialect, const Migration &m)
{
    const QString folder = dialect == Dialect::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("postgresql");
    QFile f(QStringLiteral(":/schema/%1/%2").arg(folder, QLatin1String(m.file)));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

Result<QStringList> tableNames(Database &db)
{
    const QString sql =
        db.dialect() == Dialect::Sqlite
            ? QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")
            : QStringLiteral("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() "
                             "ORDER BY tablename");
    auto q = db.exec(sql);
    if (!q)
        return q.error();
    QStringList names;
    while (q->next())
        names << q->value(0).toString();
    return names;
}

} // namespace

Result<SchemaState> readSchemaState(Database &db)
{
    auto tables = tableNames(db);
    if (!tables)
        return tables.error();
    SchemaState state;
    if (tables->isEmpty())
        return state;
    // A registry has these from its first schema version on; another application's database may share a name or
    // two (an MLflow database has registered_models and model_versions) but not the set, nor schema_version's shape.
    const QStringList required{QStringLiteral("schema_version"), QStringLiteral("registered_models"),
                               QStringLiteral("model_versions"), QStringLiteral("audit_log")};
    const auto notARegistry = [&](const QString &why) {
        const QStringList shown = tables->mid(0, 5);
        return Error{Error::Kind::NotARegistry,
                     QStringLiteral("%1 is a database but not a ModelDesk registry (it has tables %2%3 %4). Choose "
                                    "another database, or an empty one to create a registry in.")
                         .arg(db.location().display(), shown.join(QStringLiteral(", ")),
                              tables->size() > 5 ? QStringLiteral(", ...") : QString(), why),
                     {}};
    };
    if (!tables->contains(required.first()))
        return notARegistry(QStringLiteral("and no schema_version table"));
    for (const QString &t : required)
        if (!tables->contains(t))
            return notARegistry(QStringLiteral("but no %1 table").arg(t));
    auto v = db.scalar(QStringLiteral("SELECT max(version) FROM schema_version"));
    if (!v)
        return notARegistry(
            QStringLiteral("and a schema_version table that is not ModelDesk's: %1").arg(v.error().message.left(200)));
    state.version = v->toInt();
    return state;
}

namespace {
// SQLite cannot alter a CHECK constraint. Its documentation ("Making Other Kinds Of Table Schema Changes") allows
// editing the table's stored definition for a change that does not alter what is on disk, as a CHECK does not:
// in the migration's transaction, with writable_schema on, then the schema cookie bumped so that every
// connection re-reads the schema.
Status allowImportKindOnSqlite(Database &db)
{
    const QString before = QStringLiteral("'rollback', 'demote'))");
    const QString after = QStringLiteral("'rollback', 'demote', 'import'))");
    auto cookie = db.scalar(QStringLiteral("PRAGMA schema_version"));
    if (!cookie)
        return cookie.error();
    for (const QString &sql :
         {QStringLiteral("PRAGMA writable_schema = ON"),
          QStringLiteral("UPDATE sqlite_master SET sql = replace(sql, '%1', '%2') WHERE type = 'table' AND name = "
                         "'stage_transitions' AND instr(sql, '%1') > 0")
              .arg(QString(before).replace(QLatin1String("'"), QLatin1String("''")),
                   QString(after).replace(QLatin1String("'"), QLatin1String("''"))),
          QStringLiteral("PRAGMA schema_version = %1").arg(cookie->toLongLong() + 1),
          QStringLiteral("PRAGMA writable_schema = OFF")})
        if (auto q = db.exec(sql); !q)
            return q.error();
    auto check = db.scalar(QStringLiteral("SELECT instr(sql, '%1') > 0 FROM sqlite_master WHERE type = 'table' AND "
                                          "name = 'stage_transitions'")
                               .arg(QString(after).replace(QLatin1String("'"), QLatin1String("''"))));
    if (!check)
        return check.error();
    if (!check->toBool())
        return Error::database(QStringLiteral("The registry's stage_transitions table is not as ModelDesk created it: "
                                              "its kinds cannot be extended for imports."));
    return {};
}
} // namespace

Result<int> migrate(Database &db, int upTo)
{
    bool appliedAny = false;
    for (const Migration &m : kMigrations) {
        if (upTo > 0 && m.version > upTo)
            break;
        // Each step re-reads the version inside its write transaction, so two clients opening the same
        // fresh registry at once apply every migration exactly once.
        auto applied = db.writeTransaction([&]() -> Result<bool> {
            auto state = readSchemaState(db);
            if (!state)
                return state.error();
            if (state->version >= m.version)
                return false;
            if (state->version + 1 != m.version)
                return Error::database(QStringLiteral("Schema version %1 cannot be upgraded to %2 directly.")
                                           .arg(state->version)
                                           .arg(m.version));
            if (state->version == 0) {
                auto created = db.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                                                      "applied_at TEXT NOT NULL, description TEXT NOT NULL)"));
                if (!created)
                    return created.error();
            }
            const QString script = migrationText(db.dialect(), m);
            if (script.isEmpty())
                return Error::database(
                    QStringLiteral("Migration %1 is missing from this build.").arg(QLatin1String(m.file)));
            if (m.version == 8 && db.dialect() == Dialect::Sqlite)
                if (auto s = allowImportKindOnSqlite(db); !s)
                    return s.error();
            if (auto s = db.execScript(script); !s)
                return s.error();
            auto row = db.exec(
                QStringLiteral("INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)"),
                {m.version, nowUtc(), QString::fromLatin1(m.description)});
            if (!row)
                return row.error();
            return true;
        });
        if (!applied)
            return applied.error();
        appliedAny = appliedAny || *applied;
    }
    auto state = readSchemaState(db);
    if (!state)
        return state.error();
    if (appliedAny) {
        auto recorded = db.writeTransaction([&]() -> Status { return recordGuards(db); });
        if (!recorded)
            return recorded.error();
    }
    return state->version;
}

namespace {
const QString kGuardsKey = QStringLiteral("guards");

// name -> hash of the guard's definition.
Result<QMap<QString, QString>> currentGuards(Database &db)
{
    const QString sql =
        db.dialect() == Dialect::Sqlite
            ? QStringLiteral("SELECT 'trigger ' || tbl_name || '.' || name, sql FROM sqlite_master WHERE type = "
                             "'trigger'")
            : QStringLiteral("SELECT 'trigger ' || c.relname || '.' || t.tgname, t.tgenabled::text || ' ' || "
                             "pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN "
                             "pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = "
                             "current_schema() "
                             "UNION ALL SELECT 'function ' || p.proname || '(' || "
                             "pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid) FROM pg_proc "
                             "p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE 'modeldesk\\_%' "
                             "AND p.prokind = 'f' AND n.nspname = current_schema()");
    auto q = db.exec(sql);
    if (!q)
        return q.error();
    QMap<QString, QString> guards;
    while (q->next())
        guards.insert(
            q->value(0).toString(),
            QString::fromLatin1(QCryptographicHash::hash(q->value(1).toString().toUtf8(), QCryptographicHash::Sha256)
                                    .toHex()
                                    .left(16)));
    return guards;
}
} // namespace

Status recordGuards(Database &db)
{
    auto guards = currentGuards(db);
    if (!guards)
        return guards.error();
    QStringList lines;
    for (auto it = guards->begin(); it != guards->end(); ++it)
        lines << it.key() + QLatin1Char('=') + it.value();
    auto q = db.exec(QStringLiteral("INSERT INTO registry_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                                    "SET value = excluded.value"),
                     {kGuardsKey, lines.join(QLatin1Char('\n'))});
    if (!q)
        return q.error();
    return {};
}

Result<QString> checkGuards(Database &db)
{
    auto stored = db.scalar(QStringLiteral("SELECT value FROM registry_info WHERE key = ?"), {kGuardsKey});
    if (!stored)
        return stored.error();
    if (stored->isNull())
        return QStringLiteral("The registry has no record of its guards (registry_info 'guards' was removed): its "
                              "triggers cannot be checked.");
    QMap<QString, QString> expected;
    for (const QString &line : stored->toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        expected.insert(line.section(QLatin1Char('='), 0, 0), line.section(QLatin1Char('='), 1));
    auto current = currentGuards(db);
    if (!current)
        return current.error();
    QStringList missing, altered, added;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (!current->contains(it.key()))
            missing << it.key();
        else if (current->value(it.key()) != it.value())
            altered << it.key();
    }
    for (auto it = current->begin(); it != current->end(); ++it)
        if (!expected.contains(it.key()))
            added << it.key();
    if (missing.isEmpty() && altered.isEmpty() && added.isEmpty())
        return QString();
    QStringList parts;
    if (!missing.isEmpty())
        parts << QStringLiteral("missing: %1").arg(missing.join(QStringLiteral(", ")));
    if (!altered.isEmpty())
        parts << QStringLiteral("altered or disabled: %1").arg(altered.join(QStringLiteral(", ")));
    if (!added.isEmpty())
        parts << QStringLiteral("not ModelDesk's: %1").arg(added.join(QStringLiteral(", ")));
    return QStringLiteral("The registry's guards were changed outside ModelDesk (%1). Its rules no longer hold for "
                          "plain SQL clients; restore them from a backup or have an admin re-create the registry.")
        .arg(parts.join(QStringLiteral("; ")));
}

} // namespace md
