#pragma once

#include "location.h"
#include "result.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

#include <memory>
#include <utility>

namespace md {

// SQLite: defines the SQL functions the registry's write triggers require on the connection behind a
// QSqlDriver::handle() (a connection without them cannot write; see 006_contract.sql): modeldesk_use_modelctl(),
// and modeldesk_use_modelctl_clock() and _actor() with which the triggers write the change feed (007_feed.sql).
// `actor` (may be null: the OS user) must outlive the connection.
Status registerSqliteClientFunction(const QVariant &handle, const QByteArray *actor = nullptr);

// One connection to a registry database. A connection belongs to the thread that opened it.
class Database final
{
public:
    enum class Create
    {
        No,
        Yes
    };

    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    static Result<std::unique_ptr<Database>> open(const RegistryLocation &location, Create create);

    Dialect dialect() const { return m_location.dialect; }
    const RegistryLocation &location() const { return m_location; }
    QSqlDatabase database() const;
    // The login user of a PostgreSQL session; empty on SQLite.
    QString sessionUser() const { return m_sessionUser; }
    // PostgreSQL: the server was a hot standby (in recovery) when the connection was made.
    bool isStandby() const { return m_standby; }
    // A write transaction was committed since the last call (Registry's read-your-writes with a replica).
    bool takeCommittedWrite() { return std::exchange(m_committedWrite, false); }

    // Runs one statement with positional "?" parameters. The query is forward-only.
    Result<QSqlQuery> exec(const QString &sql, const QVariantList &binds = {});
    // An INSERT, UPDATE or DELETE (without RETURNING) through a cached prepared statement; returns the
    // number of rows affected. For the hot paths (registration, transitions, audit).
    Result<int> execWrite(const QString &sql, const QVariantList &binds);
    // Convenience: the first column of the first row, or a null QVariant when there is no row.
    Result<QVariant> scalar(const QString &sql, const QVariantList &binds = {});
    // How many statements exec() and execWrite() ran on this connection (each is a round trip on
    // PostgreSQL): the tests hold every GUI action to a budget with it.
    quint64 statementCount() const { return m_statements; }
    // Runs a script of statements (see splitSqlScript).
    Status execScript(const QString &script);

    // A write transaction: BEGIN IMMEDIATE on SQLite; on PostgreSQL BEGIN plus a transaction-level
    // advisory lock that serialises registry writers (so the audit hash chain never forks). Lock::None: no
    // advisory lock, for bookkeeping that writes no audit entry (webhook deliveries: row locks serialise them).
    enum class Lock
    {
        Registry,
        None
    };
    Status beginWrite(Lock lock = Lock::Registry);
    Status beginRead();
    // A read transaction that sees one snapshot of the whole database throughout: REPEATABLE READ READ ONLY on
    // PostgreSQL; on SQLite (WAL) every read transaction does, from its first read.
    Status beginSnapshot();
    Status commit();
    void rollback();
    bool inTransaction() const { return m_inTransaction; }

    // Runs body() in a write transaction, retrying on serialization failures, deadlocks and busy
    // databases. body returns a Result or Status; on error the transaction is rolled back.
    template <typename F> auto writeTransaction(F &&body, Lock lock = Lock::Registry) -> decltype(body());

    // Classifies a driver error by SQLSTATE (PostgreSQL) or result code (SQLite); see database.cpp for the table.
    Error errorFrom(const QSqlError &error, const QString &context) const;
    // A serialization failure, deadlock or busy database: the transaction may succeed when tried again.
    static bool isRetryable(const Error &error);

    // Marks the connection read-only (newer schema): SQLite query_only, PostgreSQL read-only sessions. A write
    // the database refuses because of it is reported as Error::Kind::NewerSchema with `reason`.
    void setReadOnly(const QString &reason, Error::Kind kind = Error::Kind::NewerSchema);
    bool isAlive();
    // SQLite: non-empty when the file could only be opened read-only (permissions, a read-only disk), and why.
    QString readOnlyFileReason() const { return m_fileReadOnlyReason; }
    // SQLite: who the change feed's triggers name as the actor (modeldesk_actor()).
    void setSqliteActor(const QString &name);

private:
    Database(RegistryLocation location, QString connectionName);
    Status configureSqlite(Create create);
    Status configurePostgres();
    // A nested writeTransaction: on PostgreSQL it passes the clock override on, as beginWrite does.
    Status joinTransaction();
    // The error of a failed statement; on PostgreSQL inside a transaction it also ends the (failed) transaction.
    Error statementFailed(const QSqlError &error);
    static void backoff(int attempt);

    RegistryLocation m_location;
    QString m_connectionName;
    // Prepared writes (INSERT/UPDATE/DELETE without RETURNING) are kept and re-executed: preparing is
    // a round trip on PostgreSQL and a parse on SQLite. Reads are not cached, since a caller may still be
    // reading a result when the same statement runs again.
    QHash<QString, std::shared_ptr<QSqlQuery>> m_preparedWrites;
    QString m_sessionUser;
    QByteArray m_sqliteActor;
    QString m_fileReadOnlyReason;
    QString m_readOnlyReason;
    Error::Kind m_readOnlyKind = Error::Kind::NewerSchema;
    bool m_standby = false;
    bool m_writeTransaction = false;
    bool m_committedWrite = false;
    bool m_inTransaction = false;
    quint64 m_statements = 0;
    // PostgreSQL: a statement failed inside the transaction, which was rolled back at once (see statementFailed);
    // until rollback() or commit() every statement returns m_abortError.
    bool m_aborted = false;
    Error m_abortError;
};

// Splits a migration script into statements: a statement ends with ";" at the end of a line,
// except inside $$-quoted bodies (PostgreSQL) and CREATE TRIGGER ... END; blocks (SQLite).
QStringList splitSqlScript(const QString &script);

// A failed PostgreSQL connection attempt, from libpq's message text (a connection attempt has no SQLSTATE): one
// sentence for the cause (host name, port, server down, timeout, pg_hba.conf, password, database, TLS, standby)
// and what to do about it, with libpq's own text kept in it.
Error explainConnectFailure(const QString &libpqText, const RegistryLocation &location);

template <typename F> auto Database::writeTransaction(F &&body, Lock lock) -> decltype(body())
{
    // Inside a transaction already (a whole demo is one), the body joins it: the caller commits or rolls back
    // everything, and retries it as a whole.
    if (m_inTransaction) {
        if (auto joined = joinTransaction(); !joined)
            return joined.error();
        return body();
    }
    constexpr int kMaxAttempts = 25;
    for (int attempt = 1;; ++attempt) {
        if (auto started = beginWrite(lock); !started) {
            if (isRetryable(started.error()) && attempt < kMaxAttempts) {
                backoff(attempt);
                continue;
            }
            return started.error();
        }
        auto result = body();
        Error failure;
        if (result) {
            auto committed = commit();
            if (committed)
                return result;
            failure = committed.error();
        } else {
            failure = result.error();
        }
        rollback();
        if (!isRetryable(failure) || attempt >= kMaxAttempts)
            return failure;
        backoff(attempt);
    }
}

} // namespace md
