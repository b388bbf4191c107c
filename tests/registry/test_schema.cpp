// Creating, upgrading and refusing registries (both dialects).

#include "registry/schema.h"
#include "testdb.h"

#include <QFile>

using namespace md;
using namespace md::test;

class Schema : public BothDialects
{
};
MD_INSTANTIATE_BOTH(Schema);

// Every table the migrations in resources/schema/{sqlite,postgresql}/00*.sql create, and schema_version.
TEST_P(Schema, FreshRegistryHasTheCurrentSchemaAndEveryTable)
{
    EXPECT_EQ(registry->schemaVersion(), kSchemaVersion);
    EXPECT_EQ(kSchemaVersion, 9);
    EXPECT_FALSE(registry->isReadOnly());
    QStringList expected = {
        // schema.cpp
        QStringLiteral("schema_version"),
        // 001_initial.sql
        QStringLiteral("registry_info"), QStringLiteral("namespaces"), QStringLiteral("registered_models"),
        QStringLiteral("model_tags"), QStringLiteral("model_versions"), QStringLiteral("metrics"),
        QStringLiteral("params"), QStringLiteral("facts"), QStringLiteral("version_tags"),
        QStringLiteral("lineage_nodes"), QStringLiteral("lineage_edges"), QStringLiteral("stage_transitions"),
        QStringLiteral("audit_log"),
        // 002_lifecycle.sql
        QStringLiteral("gate_policies"), QStringLiteral("approval_requests"), QStringLiteral("approval_decisions"),
        QStringLiteral("aliases"), QStringLiteral("deployments"), QStringLiteral("outbox_events"),
        // 004_policy.sql
        QStringLiteral("metric_directions"),
        // 007_feed.sql
        QStringLiteral("webhooks"), QStringLiteral("webhook_secrets"), QStringLiteral("webhook_deliveries"),
        QStringLiteral("webhook_attempts")};
    expected.sort();
    // Exactly these tables, read from the catalog (no fewer, and none the list forgot).
    QStringList tables =
        db->rawRows(GetParam() == Backend::Sqlite
                        ? QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                         "'sqlite_%'")
                        : QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                         "'public' AND table_type = 'BASE TABLE'"));
    tables.sort();
    EXPECT_EQ(tables, expected);
    for (const QString &table : expected)
        EXPECT_EQ(db->rawExec(QStringLiteral("SELECT count(*) FROM %1").arg(table)), QString())
            << "cannot read table " << table.toStdString();
    // 003_deployment_lookup.sql adds an index only.
    EXPECT_EQ(db->rawScalar(GetParam() == Backend::Sqlite
                                ? QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                                                 "'deployments_version'")
                                : QStringLiteral("SELECT count(*) FROM pg_indexes WHERE indexname = "
                                                 "'deployments_version'"))
                  .toInt(),
              1);
    // One schema_version row per migration, in order.
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT version, description FROM schema_version ORDER BY version")),
              (QStringList{QStringLiteral("1|models, versions, metadata, lineage, transitions, audit log"),
                           QStringLiteral("2|gates, approvals, aliases, deployments, outbox, roles"),
                           QStringLiteral("3|index of deployments by version"),
                           QStringLiteral("4|metric directions, aliases that follow Production, stage guard from the "
                                          "policy table"),
                           QStringLiteral("5|fixed search paths and no temporary tables (PostgreSQL), no REPLACE of "
                                          "immutable rows (SQLite)"),
                           QStringLiteral("6|write functions, database-written audit log, outbox, timestamps and gate "
                                          "reports (PostgreSQL); append-only outbox, deployments and lineage, "
                                          "version numbers in sequence"),
                           QStringLiteral("7|database-written change feed with the documented events, webhooks and "
                                          "their deliveries"),
                           QStringLiteral("8|stages imported from another registry (transition kind import, by an "
                                          "admin, once)"),
                           QStringLiteral("9|a tag stays with its model or version (no re-pointing it to another)")}));
    // 004_policy.sql: aliases say whether they follow Production.
    EXPECT_EQ(db->rawExec(QStringLiteral("SELECT follows FROM aliases")), QString());
}

TEST_P(Schema, ReopeningDoesNotMigrateAgainAndKeepsData)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud-detector"))));
    registry.reset();
    auto again = Registry::open(db->url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(again) << again.error().message.toStdString();
    EXPECT_EQ((*again)->schemaVersion(), kSchemaVersion);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), kSchemaVersion);
    auto versions = (*again)->versions(QStringLiteral("fraud-detector"));
    ASSERT_TRUE(versions);
    EXPECT_EQ(versions->size(), 1);
}

TEST_P(Schema, NewerSchemaOpensReadOnlyAndRefusesWritesNamingBothVersions)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud-detector"))));
    registry.reset();
    ASSERT_EQ(db->rawExec(QStringLiteral("INSERT INTO schema_version (version, applied_at, description) "
                                         "VALUES (99, '2030-01-01T00:00:00.000Z', 'from the future')")),
              QString());
    auto opened = Registry::open(db->url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(opened) << opened.error().message.toStdString();
    Registry &r = **opened;
    EXPECT_TRUE(r.isReadOnly());
    EXPECT_TRUE(r.readOnlyReason().contains(QLatin1String("99")));
    EXPECT_TRUE(r.readOnlyReason().contains(QStringLiteral("version %1").arg(kSchemaVersion)));
    // Reading still works.
    auto versions = r.versions(QStringLiteral("fraud-detector"));
    ASSERT_TRUE(versions);
    EXPECT_EQ(versions->size(), 1);
    // Writing is refused and changes nothing.
    EXPECT_TRUE(refusedAs(r.registerVersion(sampleSpec(QStringLiteral("fraud-detector"))), Error::Kind::NewerSchema,
                          r.readOnlyReason()));
    EXPECT_TRUE(
        refusedAs(r.setModelTags(QStringLiteral("fraud-detector"), {{QStringLiteral("a"), QStringLiteral("b")}}, {}),
                  Error::Kind::NewerSchema, r.readOnlyReason()));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 1);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_tags")).toInt(), 0);
}

TEST_P(Schema, OlderRegistryIsUpgradedOnOpenAndKeepsItsData)
{
    registry.reset();
    TestDatabase old(GetParam());
    ASSERT_TRUE(old.ready()) << old.error().toStdString();
    {
        // Build a registry with schema version 1 only, as the first ModelDesk release left it.
        auto loc = parseRegistryUrl(old.url());
        auto db = Database::open(*loc, Database::Create::Yes);
        ASSERT_TRUE(db) << db.error().message.toStdString();
        auto v = migrate(**db, 1);
        ASSERT_TRUE(v) << v.error().message.toStdString();
        ASSERT_EQ(*v, 1);
    }
    const QString noTable = GetParam() == Backend::Sqlite
                                ? QStringLiteral("no such table: approval_requests")
                                : QStringLiteral("[42P01] relation \"approval_requests\" does "
                                                 "not exist");
    ASSERT_TRUE(old.rawError(QStringLiteral("SELECT count(*) FROM approval_requests")).contains(noTable)); // not yet
    auto reopened = Registry::open(old.url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(reopened) << reopened.error().message.toStdString();
    EXPECT_EQ((*reopened)->schemaVersion(), kSchemaVersion);
    EXPECT_EQ(old.rawExec(QStringLiteral("SELECT count(*) FROM approval_requests")), QString());
    EXPECT_EQ(old.rawScalar(QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), kSchemaVersion);
    ASSERT_TRUE((*reopened)->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    EXPECT_FALSE((*reopened)->version(QStringLiteral("fraud"), 1)->rollbackExcluded);
}

TEST_P(Schema, DatabaseWithForeignTablesIsNotARegistry)
{
    registry.reset();
    TestDatabase other(GetParam());
    ASSERT_TRUE(other.ready()) << other.error().toStdString();
    ASSERT_EQ(other.rawExec(QStringLiteral("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")), QString());
    for (auto mode : {Registry::Open::ExistingOnly, Registry::Open::CreateIfMissing}) {
        auto r = Registry::open(other.url(), mode);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry);
        EXPECT_TRUE(r.error().message.contains(QLatin1String("customers"))) << r.error().message.toStdString();
    }
    // Nothing was created in it.
    const QString tables = GetParam() == Backend::Sqlite
                               ? QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'")
                               : QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                                "'public'");
    EXPECT_EQ(other.rawRows(tables), QStringList{QStringLiteral("customers")});
}

TEST_P(Schema, EmptyDatabaseOpenedAsExistingSaysHowToCreateIt)
{
    registry.reset();
    TestDatabase other(GetParam());
    ASSERT_TRUE(other.ready());
    if (GetParam() == Backend::Sqlite) {
        // A missing file is not silently created.
        auto missing = Registry::open(other.url(), Registry::Open::ExistingOnly);
        ASSERT_FALSE(missing);
        EXPECT_EQ(missing.error().kind, Error::Kind::NotFound);
        EXPECT_TRUE(missing.error().message.contains(QLatin1String("modelctl init")));
        EXPECT_FALSE(QFile::exists(other.url()));
        QFile f(other.url());
        ASSERT_TRUE(f.open(QIODevice::WriteOnly)); // an empty file is an empty SQLite database
    }
    auto r = Registry::open(other.url(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry);
    EXPECT_TRUE(r.error().message.contains(QLatin1String("init")));
}

TEST(SchemaSqlite, FileThatIsNotSqliteIsRefusedAndLeftUntouched)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.db"));
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    const QByteArray junk = QByteArray("These are my notes, not a database.\n").repeated(200);
    f.write(junk);
    f.close();
    auto r = Registry::open(path, Registry::Open::CreateIfMissing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry);
    EXPECT_TRUE(r.error().message.contains(QLatin1String("not a SQLite database"))) << r.error().message.toStdString();
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), junk);
}
