// Database errors are classified by SQLSTATE (PostgreSQL) and result code (SQLite), not by their English
// text. Each test causes the real error on the real dialect and checks the kind, the code and the message.

#include "testdb.h"

#include <QFile>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

using namespace md;
using namespace md::test;

namespace {

std::atomic<int> g_rawCounter{0};

// A plain QSQLITE connection to a registry file, outside the registry code (another program, as it were).
struct RawSqlite
{
    QString name = QStringLiteral("errors-raw-%1").arg(g_rawCounter.fetch_add(1));
    QSqlDatabase db;
    RawSqlite(const QString &path, const QString &options)
    {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(options);
        // As ModelDesk's own connections: the write triggers' function is defined (006_contract.sql).
        if (db.open())
            (void)registerSqliteClientFunction(db.driver()->handle());
    }
    ~RawSqlite()
    {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
};

int sqlitePrimary(const Error &e)
{
    return e.code.toInt() & 0xff;
}

} // namespace

// Both dialects ---------------------------------------------------------------------------------------------

class Errors : public BothDialects
{
};
MD_INSTANTIATE_BOTH(Errors);

TEST_P(Errors, UniqueViolationIsAConflict)
{
    Database &d = RegistryInternals::database(*registry);
    const QString insert = QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('dup', 'now')");
    ASSERT_TRUE(d.exec(insert));
    auto again = d.exec(insert);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, Error::Kind::Conflict) << again.error().message.toStdString();
    EXPECT_FALSE(again.error().retryable);
    if (GetParam() == Backend::Postgres)
        EXPECT_EQ(again.error().code, QStringLiteral("23505"));
    else
        EXPECT_EQ(again.error().code, QStringLiteral("2067")); // SQLITE_CONSTRAINT_UNIQUE
    EXPECT_TRUE(again.error().message.contains(QLatin1String("namespaces"))) << again.error().message.toStdString();
}

TEST_P(Errors, TriggerRefusalIsAConflictWithTheTriggersMessage)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    auto deleted = RegistryInternals::database(*registry).exec(QStringLiteral("DELETE FROM model_versions"));
    ASSERT_FALSE(deleted);
    EXPECT_EQ(deleted.error().kind, Error::Kind::Conflict) << deleted.error().message.toStdString();
    if (GetParam() == Backend::Postgres)
        EXPECT_EQ(deleted.error().code, QStringLiteral("23000")); // integrity_constraint_violation
    else
        EXPECT_EQ(sqlitePrimary(deleted.error()), 19); // SQLITE_CONSTRAINT (_TRIGGER)
    EXPECT_TRUE(deleted.error().message.startsWith(QLatin1String("modeldesk: model versions cannot be deleted")))
        << deleted.error().message.toStdString();
}

TEST_P(Errors, WriteRefusedByTheDatabaseOnANewerSchemaRegistryStaysNewerSchema)
{
    Database &d = RegistryInternals::database(*registry);
    d.setReadOnly(QStringLiteral("This registry has schema version 99 (test)."));
    auto insert = d.exec(QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('x', 'now')"));
    ASSERT_FALSE(insert);
    EXPECT_EQ(insert.error().kind, Error::Kind::NewerSchema) << insert.error().message.toStdString();
    EXPECT_EQ(insert.error().message, QStringLiteral("This registry has schema version 99 (test)."));
}

// PostgreSQL ------------------------------------------------------------------------------------------------

class PgErrors : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Postgres);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        registry = db->open();
        ASSERT_TRUE(registry);
    }
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
};

TEST_F(PgErrors, ReaderInsertingIsAPermissionErrorBySqlstate)
{
    auto randy = db->openAs(QStringLiteral("randy"), QStringLiteral("reader"));
    ASSERT_TRUE(randy);
    auto r = randy->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Permission) << r.error().message.toStdString();
    EXPECT_EQ(r.error().code, QStringLiteral("42501"));
    EXPECT_EQ(r.error().message,
              QStringLiteral("Permission denied: randy may not do this (permission denied for table namespaces). A "
                             "registry admin can grant a ModelDesk role with `modelctl grant ROLE randy`."));
    // The connection is usable afterwards: the failed transaction was ended.
    EXPECT_FALSE(RegistryInternals::database(*randy).inTransaction());
    auto models = randy->models();
    EXPECT_TRUE(models) << models.error().message.toStdString();
}

TEST_F(PgErrors, TriggerRefusalWithInsufficientPrivilegeIsAPermissionErrorWithTheTriggersMessage)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
    ASSERT_TRUE(rita);
    // The write function lets every lifecycle role in; the stage guard behind it refuses the reviewer.
    auto moved = RegistryInternals::database(*rita).exec(QStringLiteral(
        "SELECT modeldesk_change_stage(id, 'None', 'Staging', 'promote', '', NULL) FROM model_versions"));
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().kind, Error::Kind::Permission) << moved.error().message.toStdString();
    EXPECT_EQ(moved.error().code, QStringLiteral("42501"));
    EXPECT_TRUE(moved.error().message.startsWith(
        QLatin1String("modeldesk: rita may not move versions between None and Staging")))
        << moved.error().message.toStdString();
}

TEST_F(PgErrors, TerminatedSessionIsAConnectionErrorWithAndWithoutSqlstate)
{
    Database &d = RegistryInternals::database(*registry);
    const QString pid = d.scalar(QStringLiteral("SELECT pg_backend_pid()"))->toString();
    ASSERT_EQ(db->rawExec(QStringLiteral("SELECT pg_terminate_backend(%1, 5000)").arg(pid)), QString());
    const QString lost = QStringLiteral("The connection to %1 was lost (").arg(registry->locationDisplay());
    // The next query reads the FATAL the backend sent when it was terminated: SQLSTATE 57P01 (admin_shutdown).
    auto first = d.exec(QStringLiteral("SELECT count(*) FROM model_versions"));
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, QStringLiteral("57P01")) << first.error().message.toStdString();
    EXPECT_EQ(first.error().kind, Error::Kind::Connection) << first.error().message.toStdString();
    EXPECT_TRUE(first.error().message.startsWith(lost)) << first.error().message.toStdString();
    EXPECT_FALSE(first.error().retryable);
    // Every query after that fails inside libpq ("no connection to the server"), and QPSQL has no SQLSTATE
    // to pass on: an error without one is a lost connection too (see Database::errorFrom).
    auto second = d.exec(QStringLiteral("SELECT count(*) FROM model_versions"));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, QString()) << second.error().message.toStdString();
    EXPECT_EQ(second.error().kind, Error::Kind::Connection) << second.error().message.toStdString();
    EXPECT_TRUE(second.error().message.startsWith(lost)) << second.error().message.toStdString();
    EXPECT_FALSE(second.error().message.contains(QLatin1String("QPSQL"))) << second.error().message.toStdString();
    // Also inside a write transaction, where the failed transaction must not leave the connection stuck.
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Connection) << r.error().message.toStdString();
    EXPECT_FALSE(d.inTransaction());
}

TEST_F(PgErrors, ReadOnlySessionIsReadOnlyNotNewerSchema)
{
    ASSERT_TRUE(RegistryInternals::database(*registry).exec(QStringLiteral("SET default_transaction_read_only = on")));
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::ReadOnly) << r.error().message.toStdString();
    EXPECT_EQ(r.error().code, QStringLiteral("25006"));
    EXPECT_TRUE(r.error().message.contains(
        QLatin1String("is a read-only standby (or the transaction is read-only); connect to the primary to write.")))
        << r.error().message.toStdString();
    EXPECT_EQ(errorKindName(r.error().kind), QStringLiteral("read_only"));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 0);
}

TEST_F(PgErrors, ReadOnlyTransactionCharacteristicsAreReadOnly)
{
    Database &d = RegistryInternals::database(*registry);
    ASSERT_TRUE(d.exec(QStringLiteral("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")));
    auto insert = d.exec(QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('x', 'now')"));
    ASSERT_FALSE(insert);
    EXPECT_EQ(insert.error().kind, Error::Kind::ReadOnly) << insert.error().message.toStdString();
    EXPECT_TRUE(insert.error().message.contains(QLatin1String("read-only standby")));
}

TEST_F(PgErrors, SerializationFailureIsRetryable)
{
    Database &d = RegistryInternals::database(*registry);
    ASSERT_TRUE(d.exec(QStringLiteral("CREATE TABLE counter (id int PRIMARY KEY, n int)")));
    ASSERT_TRUE(d.exec(QStringLiteral("INSERT INTO counter VALUES (1, 0)")));
    ASSERT_TRUE(d.exec(QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ")));
    ASSERT_TRUE(d.scalar(QStringLiteral("SELECT n FROM counter WHERE id = 1"))); // takes the snapshot
    ASSERT_EQ(db->rawExec(QStringLiteral("UPDATE counter SET n = n + 1 WHERE id = 1")), QString());
    auto update = d.exec(QStringLiteral("UPDATE counter SET n = n + 1 WHERE id = 1"));
    ASSERT_FALSE(update);
    EXPECT_EQ(update.error().code, QStringLiteral("40001"));
    EXPECT_EQ(update.error().kind, Error::Kind::Conflict) << update.error().message.toStdString();
    EXPECT_TRUE(Database::isRetryable(update.error()));
    EXPECT_TRUE(update.error().message.contains(QLatin1String("A concurrent change got in the way")));
    ASSERT_TRUE(d.exec(QStringLiteral("ROLLBACK")));
}

TEST_F(PgErrors, ResourceLimitSaysTheServerIsOutOfDiskOrMemory)
{
    Database &d = RegistryInternals::database(*registry);
    // temp_file_limit is class 53 (insufficient resources), like disk_full and out_of_memory.
    ASSERT_TRUE(d.exec(QStringLiteral("SET work_mem = '64kB'")));
    ASSERT_TRUE(d.exec(QStringLiteral("SET temp_file_limit = '64kB'")));
    auto sorted = d.exec(
        QStringLiteral("SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC OFFSET 1) s"));
    ASSERT_FALSE(sorted);
    EXPECT_EQ(sorted.error().code, QStringLiteral("53400"));
    EXPECT_EQ(sorted.error().kind, Error::Kind::Database);
    EXPECT_TRUE(sorted.error().message.startsWith(QLatin1String("The server is out of disk space or memory: ")))
        << sorted.error().message.toStdString();
    EXPECT_TRUE(sorted.error().message.contains(QLatin1String("temp_file_limit")));
}

// SQLite ----------------------------------------------------------------------------------------------------

class SqliteErrors : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Sqlite);
        registry = db->open();
        ASSERT_TRUE(registry);
        path = registry->locationDisplay();
    }
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    QString path;
};

TEST_F(SqliteErrors, QueryOnlyConnectionIsReadOnly)
{
    // chmod 0444 does not stop root (tests may run as root), so the read-only state comes from SQLite itself.
    ASSERT_TRUE(RegistryInternals::database(*registry).exec(QStringLiteral("PRAGMA query_only = ON")));
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::ReadOnly) << r.error().message.toStdString();
    EXPECT_EQ(sqlitePrimary(r.error()), 8); // SQLITE_READONLY
    EXPECT_TRUE(r.error().message.contains(QStringLiteral("The registry file %1 cannot be written").arg(path)))
        << r.error().message.toStdString();
}

TEST_F(SqliteErrors, FileOpenedReadOnlyRefusesWritesAsReadOnly)
{
    registry.reset();
    RawSqlite ro(path, QStringLiteral("QSQLITE_OPEN_READONLY"));
    ASSERT_TRUE(ro.db.isOpen()) << ro.db.lastError().text().toStdString();
    QSqlQuery q(ro.db);
    ASSERT_FALSE(q.exec(QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('x', 'now')")));
    auto loc = parseRegistryUrl(path);
    auto d = Database::open(*loc, Database::Create::No);
    ASSERT_TRUE(d) << d.error().message.toStdString();
    const Error e = (*d)->errorFrom(q.lastError(), {});
    EXPECT_EQ(e.kind, Error::Kind::ReadOnly) << e.message.toStdString();
    EXPECT_EQ(sqlitePrimary(e), 8);
    EXPECT_TRUE(e.message.contains(QLatin1String("cannot be written"))) << e.message.toStdString();
}

TEST_F(SqliteErrors, LockedByAnotherWriterIsRetryable)
{
    Database &d = RegistryInternals::database(*registry);
    ASSERT_TRUE(d.exec(QStringLiteral("PRAGMA busy_timeout = 50")));
    RawSqlite other(path, QStringLiteral("QSQLITE_BUSY_TIMEOUT=50"));
    ASSERT_TRUE(other.db.isOpen());
    QSqlQuery hold(other.db);
    ASSERT_TRUE(hold.exec(QStringLiteral("BEGIN IMMEDIATE"))) << hold.lastError().text().toStdString();
    auto begun = d.beginWrite();
    ASSERT_FALSE(begun);
    EXPECT_EQ(sqlitePrimary(begun.error()), 5) << begun.error().code.toStdString(); // SQLITE_BUSY
    EXPECT_EQ(begun.error().kind, Error::Kind::Conflict) << begun.error().message.toStdString();
    EXPECT_TRUE(Database::isRetryable(begun.error()));
    EXPECT_TRUE(begun.error().message.contains(QStringLiteral("The registry %1 is busy").arg(path)))
        << begun.error().message.toStdString();
    ASSERT_TRUE(hold.exec(QStringLiteral("ROLLBACK")));
    // Once the other writer is gone the same connection writes again.
    EXPECT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
}

TEST_F(SqliteErrors, FullDatabaseSaysTheDiskIsFull)
{
    Database &d = RegistryInternals::database(*registry);
    const int pages = d.scalar(QStringLiteral("PRAGMA page_count"))->toInt();
    ASSERT_TRUE(d.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages + 2)));
    auto filled = d.exec(QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                                        "5000) INSERT INTO namespaces (name, created_at) SELECT 'ns-' || i || "
                                        "printf('%.200c', 'x'), 'now' FROM n"));
    ASSERT_FALSE(filled);
    EXPECT_EQ(sqlitePrimary(filled.error()), 13) << filled.error().code.toStdString(); // SQLITE_FULL
    EXPECT_EQ(filled.error().kind, Error::Kind::Database);
    EXPECT_TRUE(filled.error().message.startsWith(QStringLiteral("The disk holding %1 is full").arg(path)))
        << filled.error().message.toStdString();
}

TEST_F(SqliteErrors, NotADatabaseIsNotARegistryByResultCode)
{
    const QString junkPath = db->tempPath(QStringLiteral("notes.db"));
    QFile f(junkPath);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("These are my notes, not a database.\n").repeated(200));
    f.close();
    auto r = Registry::open(junkPath, Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry) << r.error().message.toStdString();
    EXPECT_EQ(r.error().code, QStringLiteral("26")); // SQLITE_NOTADB
    EXPECT_TRUE(r.error().message.contains(QLatin1String("is not a SQLite database")))
        << r.error().message.toStdString();
}

TEST_F(SqliteErrors, CannotOpenSaysSo)
{
    RawSqlite missing(db->tempPath(QStringLiteral("no-such-folder/registry.db")),
                      QStringLiteral("QSQLITE_OPEN_READONLY"));
    ASSERT_FALSE(missing.db.isOpen());
    const Error e = RegistryInternals::database(*registry).errorFrom(missing.db.lastError(), {});
    EXPECT_EQ(sqlitePrimary(e), 14) << e.code.toStdString(); // SQLITE_CANTOPEN
    EXPECT_EQ(e.kind, Error::Kind::Database);
    EXPECT_TRUE(e.message.startsWith(QLatin1String("Cannot open the registry file"))) << e.message.toStdString();
}
