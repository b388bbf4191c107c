// Creating, upgrading and refusing registries (both dialects).

#include "schema.h"
#include "testdb.h"

#include <QFile>

using namespace md;
using namespace md::test;

class Schema : public BothDialects
{
};
MD_INSTANTIATE_BOTH(Schema);

TEST_P(Schema, FreshRegistryHasTheCurrentSchemaAndEveryTable)
{
    EXPECT_EQ(registry->schemaVersion(), kSchemaVersion);
    EXPECT_FALSE(registry->isReadOnly());
    for (const char *table : {"schema_version", "namespaces", "registered_models", "model_tags", "model_versions",
                              "metrics", "params", "facts", "version_tags", "lineage_nodes", "lineage_edges",
                              "stage_transitions", "audit_log", "registry_info"}) {
        EXPECT_EQ(db->rawExec(QStringLiteral("SELECT count(*) FROM %1").arg(QLatin1String(table))), QString())
            << "missing table " << table;
    }
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), kSchemaVersion);
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
    auto reg = r.registerVersion(sampleSpec(QStringLiteral("fraud-detector")));
    ASSERT_FALSE(reg);
    EXPECT_EQ(reg.error().kind, Error::Kind::NewerSchema);
    EXPECT_FALSE(r.setModelTags(QStringLiteral("fraud-detector"), {{QStringLiteral("a"), QStringLiteral("b")}}, {}));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 1);
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
    ASSERT_NE(old.rawExec(QStringLiteral("SELECT count(*) FROM approval_requests")), QString()); // not there yet
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
    EXPECT_NE(other.rawExec(QStringLiteral("SELECT count(*) FROM schema_version")), QString());
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
