#pragma once

#include "registry/internals.h"
#include "registry/registry.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <ostream>

QT_BEGIN_NAMESPACE
inline void PrintTo(const QString &s, std::ostream *os)
{
    *os << '"' << s.toStdString() << '"';
}
QT_END_NAMESPACE

namespace md {
inline void PrintTo(const Metric &m, std::ostream *os)
{
    *os << m.key().toStdString() << '=' << m.value;
}
} // namespace md

namespace md::test {

enum class Backend
{
    Sqlite,
    Postgres
};

std::string backendName(const ::testing::TestParamInfo<Backend> &info);

// The base URL of the test PostgreSQL server: MODELDESK_TEST_PG_URL, else the URL written by
// tests/pg/pgcluster.sh. Empty when neither exists.
QString postgresBaseUrl();
// The fixture's streaming standby of that server (pgcluster.sh start --standby): MODELDESK_TEST_PG_STANDBY_URL, else
// the URL the script wrote. Empty when there is none.
QString postgresStandbyBaseUrl();
// `url` with another database name.
QString withDatabase(const QString &url, const QString &dbname);

// Waits until the standby at `standbyUrl` has replayed all the primary at `primaryUrl` has written (any database of
// each).
bool standbyCaughtUp(const QString &primaryUrl, const QString &standbyUrl, int timeoutMs = 20000);

// A PostgreSQL primary (and optionally its streaming standby) of a test's own, for what the shared server must
// not suffer: restarts, failovers, paused replay. Stopped and removed at the end.
class PgCluster
{
public:
    explicit PgCluster(bool withStandby);
    ~PgCluster();
    bool ready() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    QString url(const QString &dbname = QStringLiteral("postgres")) const;
    QString standbyUrl(const QString &dbname = QStringLiteral("postgres")) const;
    int port() const;
    int standbyPort() const;
    // pgcluster.sh's commands: restart, stop-primary, start-primary, promote, pause-replay, resume-replay.
    bool run(const QString &command);
    // Waits until the standby has replayed everything the primary has written.
    bool waitForStandby(int timeoutMs = 20000);

private:
    QTemporaryDir m_state;
    QString m_url;
    QString m_standbyUrl;
    QString m_error;
};

// A fresh, empty registry database for one test: a file in a temporary folder, or a new database on
// the test PostgreSQL server (dropped again at the end).
class TestDatabase
{
public:
    explicit TestDatabase(Backend backend);
    ~TestDatabase();

    bool ready() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    QString url() const { return m_url; }
    // PostgreSQL: the same database on the fixture's standby (empty without one).
    QString standbyUrl() const;
    Backend backend() const { return m_backend; }
    QString tempPath(const QString &name) const { return m_dir.filePath(name); }

    // Opens (and creates) the registry.
    std::unique_ptr<Registry> open();
    // Opens the registry as `user`: on SQLite the advisory actor; on PostgreSQL a login user that is
    // created if needed and granted modeldesk_<role> (role empty: no ModelDesk role).
    std::unique_ptr<Registry> openAs(const QString &user, const QString &role);
    // Raw SQL as `user` (PostgreSQL: that login user; SQLite: the file owner). Returns the error text or "".
    QString rawExecAs(const QString &user, const QString &sql);
    QString urlFor(const QString &user) const;
    // Runs raw SQL on a separate connection, as someone with a SQL client would. Returns the error text or "".
    QString rawExec(const QString &sql);
    // SQLite: runs SQL with the sqlite3 shell, which does not define the function ModelDesk's write triggers
    // call. Returns sqlite3's error text or "".
    QString rawShell(const QString &sql);
    // First column of the first row of a raw query.
    QVariant rawScalar(const QString &sql);
    // Every row of a raw query, its columns joined by '|' (NULL as "<null>"); {"<error: ...>"} when it fails.
    QStringList rawRows(const QString &sql);
    // Raw SQL as `user` (empty: the test's own connection user). Returns "" on success, else
    // "[CODE] message" (the server's message without "ERROR:"): CODE is the SQLSTATE on PostgreSQL (42501
    // permission denied or a ModelDesk role check, 23000 a ModelDesk guard), the SQLite result code on SQLite.
    QString rawError(const QString &sql, const QString &user = {});
    // Runs the statements in order on one connection as `user`, inside a transaction that is always rolled
    // back: "" when every statement succeeded, else rawError's "[CODE] message" of the first that failed.
    QString rawTrial(const QStringList &statements, const QString &user = {});
    // Like rawTrial, and reads `probe` (first column of its first row) in the same transaction before the
    // first and after the last statement: what the statements changed, seen by the one who made them.
    struct Trial
    {
        QString error; // "" or "[CODE] message"
        QString before;
        QString after;
    };
    Trial rawProbe(const QStringList &statements, const QString &probe, const QString &user = {});
    // Every row of every table of the registry, in a stable order: equal before and after means nothing was
    // written (for small test registries; one connection).
    QString contentFingerprint();
    void closeProbeConnections();

private:
    Backend m_backend;
    QTemporaryDir m_dir;
    QString m_url;
    QString m_pgDatabase;
    QString m_error;
};

// Runs `sql` (as `user`, or the test's connection user) and succeeds only when the database refuses it for
// `reason` (a fragment of "[SQLSTATE] message", e.g. "modeldesk: the audit log is append-only" or "[42501]")
// and the rows of `state` (a query, or a table name for all its rows) read the same before and after and
// are not empty (so "unchanged" cannot hold vacuously).
::testing::AssertionResult refusedUnchanged(TestDatabase &db, const QString &sql, const QString &reason,
                                            const QString &state, const QString &user = {});

// Succeeds only when `r` failed with `kind` and a message containing `fragment` (never empty: "it failed
// somehow" is not a refusal test).
template <typename T>::testing::AssertionResult refusedAs(const Result<T> &r, Error::Kind kind, const QString &fragment)
{
    if (r)
        return ::testing::AssertionFailure()
               << "allowed, expected a refusal containing \"" << fragment.toStdString() << "\"";
    if (fragment.isEmpty())
        return ::testing::AssertionFailure() << "no expected reason given";
    if (r.error().kind != kind || !r.error().message.contains(fragment))
        return ::testing::AssertionFailure()
               << "refused as " << errorKindName(r.error().kind).toStdString() << ": "
               << r.error().message.toStdString() << "\n  expected " << errorKindName(kind).toStdString()
               << " containing \"" << fragment.toStdString() << "\"";
    return ::testing::AssertionSuccess();
}

// Fixture base for tests that run on both dialects.
class BothDialects : public ::testing::TestWithParam<Backend>
{
protected:
    void SetUp() override;
    void TearDown() override;
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
};

// Audit entries about models and versions: on PostgreSQL the database also records the migrations, its
// registry_info and new namespaces (object types schema, registry, namespace), which SQLite's log leaves out.
constexpr const char *kModelAuditEntries =
    "SELECT count(*) FROM audit_log WHERE object_type NOT IN ('schema', 'registry', 'namespace')";

// Fills an empty registry with `models` x `versions` generated versions carrying one metric each and no
// params or facts (for paging tests). Fails the test on error.
void fillBare(Registry &registry, int models, int versions);

// Processes events until condition() holds; false if it still does not after timeoutMs.
template <typename F> bool waitFor(F condition, int timeoutMs = 20000)
{
    QElapsedTimer t;
    t.start();
    while (!condition()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QTest::qWait(10);
    }
    return true;
}

// A minimal valid version spec for model `name`.
VersionSpec sampleSpec(const QString &name);

// Runs modelctl with the given arguments; returns exit code, and fills stdout/stderr.
int runModelctl(const QStringList &args, QString *out = nullptr, QString *err = nullptr, int timeoutMs = 60000,
                const QByteArray &stdinData = {});

#define MD_INSTANTIATE_BOTH(Suite)                                                                                     \
    INSTANTIATE_TEST_SUITE_P(Dialects, Suite,                                                                          \
                             ::testing::Values(::md::test::Backend::Sqlite, ::md::test::Backend::Postgres),            \
                             ::md::test::backendName)

} // namespace md::test
