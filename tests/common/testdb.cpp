#include "testdb.h"

#include "registry/bulkgen.h"
#include "registry/internals.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QThread>
#include <QUrl>

#include <map>
#include <optional>

#include <atomic>

namespace md::test {

std::string backendName(const ::testing::TestParamInfo<Backend> &info)
{
    return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL";
}

namespace {
// A URL pgcluster.sh wrote (empty without the file).
QString readUrlFile(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).trimmed() : QString();
}

// The environment variable, else the file.
QString urlFromEnvironmentOrFile(const char *variable, const QString &file)
{
    const QString env = qEnvironmentVariable(variable);
    return env.isEmpty() ? readUrlFile(file) : env;
}
} // namespace

QString postgresBaseUrl()
{
    return urlFromEnvironmentOrFile("MODELDESK_TEST_PG_URL", QStringLiteral(MODELDESK_TEST_PG_URL_FILE));
}

QString postgresStandbyBaseUrl()
{
    return urlFromEnvironmentOrFile("MODELDESK_TEST_PG_STANDBY_URL",
                                    QStringLiteral(MODELDESK_TEST_PG_STANDBY_URL_FILE));
}

QString withDatabase(const QString &baseUrl, const QString &dbname)
{
    QUrl u(baseUrl);
    u.setPath(QLatin1Char('/') + dbname);
    return u.toString();
}

namespace {

QString runScript(const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("bash"), QStringList{QStringLiteral(MODELDESK_PGCLUSTER_SCRIPT)} + args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return QStringLiteral("pgcluster.sh %1 timed out").arg(args.join(QLatin1Char(' ')));
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QStringLiteral("pgcluster.sh %1 failed: %2")
            .arg(args.join(QLatin1Char(' ')), QString::fromUtf8(p.readAll()));
    return {};
}
} // namespace

PgCluster::PgCluster(bool withStandby)
{
    QStringList args{QStringLiteral("start"), m_state.path()};
    if (withStandby)
        args << QStringLiteral("--standby");
    // The script does nothing when MODELDESK_TEST_PG_URL names a server: this cluster is the test's own.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("MODELDESK_TEST_PG_URL"));
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("bash"), QStringList{QStringLiteral(MODELDESK_PGCLUSTER_SCRIPT)} + args);
    if (!p.waitForFinished(180000) || p.exitCode() != 0) {
        m_error = QStringLiteral("cannot start a PostgreSQL cluster: ") + QString::fromUtf8(p.readAll());
        return;
    }
    m_url = readUrlFile(m_state.filePath(QStringLiteral("pg-url.txt")));
    m_standbyUrl = readUrlFile(m_state.filePath(QStringLiteral("pg-standby-url.txt")));
    if (m_url.isEmpty() || (withStandby && m_standbyUrl.isEmpty()))
        m_error = QStringLiteral("pgcluster.sh wrote no URL");
}

PgCluster::~PgCluster()
{
    runScript({QStringLiteral("stop"), m_state.path()});
}

QString PgCluster::url(const QString &dbname) const
{
    return withDatabase(m_url, dbname);
}

QString PgCluster::standbyUrl(const QString &dbname) const
{
    return withDatabase(m_standbyUrl, dbname);
}

int PgCluster::port() const
{
    return QUrl(m_url).port();
}

int PgCluster::standbyPort() const
{
    return QUrl(m_standbyUrl).port();
}

bool PgCluster::run(const QString &command)
{
    const QString error = runScript({command, m_state.path()});
    if (!error.isEmpty())
        ADD_FAILURE() << error.toStdString();
    return error.isEmpty();
}

namespace {
std::atomic<int> g_counter{0};

// Raw SQL through a plain Qt connection, bypassing the registry code entirely.
struct RawConnection
{
    QString name;
    QSqlDatabase db;
    explicit RawConnection(const QString &url)
    {
        name = QStringLiteral("raw-%1").arg(g_counter.fetch_add(1));
        auto loc = parseRegistryUrl(url);
        if (loc->dialect == Dialect::Sqlite) {
            db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(loc->sqlitePath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
            // An attacker who defines the function the write triggers call (as any program can): the guards
            // behind it are what these raw connections test. The sqlite3 shell is tried without it
            // (rawShell).
            if (db.open())
                (void)registerSqliteClientFunction(db.driver()->handle());
        } else {
            db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
            db.setHostName(loc->host);
            db.setPort(loc->port);
            db.setUserName(loc->user);
            db.setDatabaseName(loc->database);
            db.setConnectOptions(QStringLiteral("options='-c client_min_messages=warning'"));
            db.open();
        }
    }
    ~RawConnection()
    {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
};
} // namespace

TestDatabase::TestDatabase(Backend backend) : m_backend(backend)
{
    if (backend == Backend::Sqlite) {
        m_url = m_dir.filePath(QStringLiteral("registry.db"));
        return;
    }
    const QString base = postgresBaseUrl();
    if (base.isEmpty()) {
        m_error = QStringLiteral("No PostgreSQL server for tests: set MODELDESK_TEST_PG_URL or run the suite through "
                                 "ctest (which starts one with tests/pg/pgcluster.sh).");
        return;
    }
    m_pgDatabase = QStringLiteral("md_test_%1_%2").arg(QCoreApplication::applicationPid()).arg(g_counter.fetch_add(1));
    RawConnection admin(base);
    if (!admin.db.isOpen()) {
        m_error = QStringLiteral("Cannot connect to the test PostgreSQL server %1: %2")
                      .arg(base, admin.db.lastError().text());
        return;
    }
    QSqlQuery q(admin.db);
    if (!q.exec(QStringLiteral("CREATE DATABASE %1 TEMPLATE template0").arg(m_pgDatabase))) {
        m_error = q.lastError().text();
        return;
    }
    m_url = withDatabase(base, m_pgDatabase);
}

TestDatabase::~TestDatabase()
{
    closeProbeConnections();
    if (m_pgDatabase.isEmpty())
        return;
    RawConnection admin(postgresBaseUrl());
    QSqlQuery q(admin.db);
    q.exec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_pgDatabase));
}

std::unique_ptr<Registry> TestDatabase::open()
{
    auto r = Registry::open(m_url, Registry::Open::CreateIfMissing);
    if (!r) {
        ADD_FAILURE() << "cannot open registry " << m_url.toStdString() << ": " << r.error().message.toStdString();
        return nullptr;
    }
    return std::move(*r);
}

QString TestDatabase::urlFor(const QString &user) const
{
    if (m_backend == Backend::Sqlite)
        return m_url;
    QUrl u(m_url);
    u.setUserName(user);
    return u.toString();
}

std::unique_ptr<Registry> TestDatabase::openAs(const QString &user, const QString &role)
{
    if (m_backend == Backend::Sqlite) {
        auto r = open();
        if (r && !r->setSqliteActor(user))
            ADD_FAILURE() << "cannot act as " << user.toStdString();
        return r;
    }
    // Login roles are cluster-wide: create once, tolerate a concurrent creator.
    rawExec(QStringLiteral("DO $$ BEGIN CREATE ROLE %1 LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN "
                           "NULL; END $$")
                .arg(user));
    if (!role.isEmpty()) {
        // Tests run in parallel on one cluster: a concurrent GRANT of the same role fails with "tuple
        // concurrently updated", and succeeds when tried again.
        QString error;
        for (int attempt = 0; attempt < 20; ++attempt) {
            error = rawExec(QStringLiteral("GRANT modeldesk_%1 TO %2").arg(role, user));
            if (!error.contains(QLatin1String("concurrently")))
                break;
            QThread::msleep(50);
        }
        if (!error.isEmpty())
            ADD_FAILURE() << "cannot grant " << role.toStdString() << " to " << user.toStdString() << ": "
                          << error.toStdString();
    }
    auto r = Registry::open(urlFor(user), Registry::Open::ExistingOnly);
    if (!r) {
        ADD_FAILURE() << "cannot open registry as " << user.toStdString() << ": " << r.error().message.toStdString();
        return nullptr;
    }
    return std::move(*r);
}

QString TestDatabase::rawExecAs(const QString &user, const QString &sql)
{
    RawConnection c(urlFor(user));
    QSqlQuery q(c.db);
    if (!q.exec(sql))
        return q.lastError().text().isEmpty() ? QStringLiteral("failed") : q.lastError().text();
    return {};
}

QString TestDatabase::rawShell(const QString &sql)
{
    QProcess p;
    p.start(QStringLiteral("sqlite3"), {QStringLiteral("-bail"), m_url, sql});
    if (!p.waitForFinished(30000))
        return QStringLiteral("sqlite3 did not finish");
    const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    if (p.exitCode() == 0 && err.isEmpty())
        return {};
    return err.isEmpty() ? QStringLiteral("sqlite3 exited with %1").arg(p.exitCode()) : err;
}

QString TestDatabase::rawExec(const QString &sql)
{
    RawConnection c(m_url);
    QSqlQuery q(c.db);
    if (!q.exec(sql))
        return q.lastError().text().isEmpty() ? QStringLiteral("failed") : q.lastError().text();
    return {};
}

QVariant TestDatabase::rawScalar(const QString &sql)
{
    RawConnection c(m_url);
    QSqlQuery q(c.db);
    if (!q.exec(sql) || !q.next())
        return {};
    return q.value(0);
}

namespace {
// The rows a query returns, columns joined by '|' (NULL as "<null>").
QStringList rowsOf(QSqlQuery &q)
{
    QStringList rows;
    while (q.next()) {
        QStringList columns;
        for (int i = 0; i < q.record().count(); ++i)
            columns << (q.isNull(i) ? QStringLiteral("<null>") : q.value(i).toString());
        rows << columns.join(QLatin1Char('|'));
    }
    return rows;
}
} // namespace

QString TestDatabase::contentFingerprint()
{
    RawConnection c(m_url);
    QSqlQuery tables(c.db);
    const bool sqlite = m_backend == Backend::Sqlite;
    if (!tables.exec(sqlite ? QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                             "'sqlite_%' ORDER BY name")
                            : QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_type = "
                                             "'BASE TABLE' AND table_schema = current_schema() ORDER BY 1")))
        return QStringLiteral("<error: %1>").arg(tables.lastError().text());
    QStringList names;
    while (tables.next())
        names << tables.value(0).toString();
    QString all;
    for (const QString &table : std::as_const(names)) {
        QSqlQuery q(c.db);
        if (!q.exec(QStringLiteral("SELECT * FROM %1").arg(table)))
            return QStringLiteral("<error: %1: %2>").arg(table, q.lastError().text());
        QStringList rows = rowsOf(q);
        rows.sort();
        all += QStringLiteral("%1 (%2 rows)\n%3\n").arg(table).arg(rows.size()).arg(rows.join(QLatin1Char('\n')));
    }
    return all;
}

QStringList TestDatabase::rawRows(const QString &sql)
{
    RawConnection c(m_url);
    QSqlQuery q(c.db);
    if (!q.exec(sql))
        return {QStringLiteral("<error: %1>").arg(q.lastError().text())};
    return rowsOf(q);
}

namespace {
// "[CODE] message": the SQLSTATE (or SQLite result code) and the server's message without "ERROR:".
QString refusal(const QSqlError &e)
{
    QString text = e.databaseText().trimmed();
    if (text.startsWith(QLatin1String("ERROR:")))
        text = text.mid(6).trimmed();
    if (text.isEmpty())
        text = e.text().isEmpty() ? QStringLiteral("failed") : e.text();
    return QStringLiteral("[%1] %2").arg(e.nativeErrorCode(), text);
}
} // namespace

QString TestDatabase::rawError(const QString &sql, const QString &user)
{
    RawConnection c(user.isEmpty() ? m_url : urlFor(user));
    QSqlQuery q(c.db);
    if (q.exec(sql))
        return {};
    return refusal(q.lastError());
}

QString TestDatabase::rawTrial(const QStringList &statements, const QString &user)
{
    RawConnection c(user.isEmpty() ? m_url : urlFor(user));
    QSqlQuery begin(c.db);
    if (!begin.exec(QStringLiteral("BEGIN")))
        return QStringLiteral("[begin] ") + begin.lastError().text();
    QString failure;
    for (const QString &sql : statements) {
        QSqlQuery q(c.db);
        if (q.exec(sql))
            continue;
        failure = refusal(q.lastError());
        break;
    }
    QSqlQuery(c.db).exec(QStringLiteral("ROLLBACK"));
    return failure;
}

namespace {
// rawProbe keeps one connection per URL for the life of its test database: attack suites run thousands of
// trials, each rolled back, and a new PostgreSQL connection per trial would be most of their time.
std::map<QString, std::unique_ptr<RawConnection>> &probeConnections()
{
    static std::map<QString, std::unique_ptr<RawConnection>> connections;
    return connections;
}
} // namespace

void TestDatabase::closeProbeConnections()
{
    auto &all = probeConnections();
    for (auto it = all.begin(); it != all.end();)
        it = (it->first == m_url || (!m_pgDatabase.isEmpty() && it->first.endsWith(QLatin1Char('/') + m_pgDatabase)))
                 ? all.erase(it)
                 : std::next(it);
}

TestDatabase::Trial TestDatabase::rawProbe(const QStringList &statements, const QString &probe, const QString &user)
{
    Trial trial;
    const QString url = user.isEmpty() ? m_url : urlFor(user);
    auto &slot = probeConnections()[url];
    if (!slot || !slot->db.isOpen())
        slot = std::make_unique<RawConnection>(url);
    RawConnection &c = *slot;
    auto read = [&]() -> QString {
        QSqlQuery q(c.db);
        if (!q.exec(probe) || !q.next())
            return QStringLiteral("<unreadable: %1>").arg(q.lastError().databaseText().trimmed());
        return q.value(0).toString();
    };
    QSqlQuery begin(c.db);
    if (!begin.exec(QStringLiteral("BEGIN"))) {
        trial.error = QStringLiteral("[begin] ") + begin.lastError().text();
        return trial;
    }
    // A failed probe would abort the transaction on PostgreSQL: read it inside a savepoint.
    const bool pg = m_backend == Backend::Postgres;
    auto guarded = [&]() -> QString {
        if (pg)
            QSqlQuery(c.db).exec(QStringLiteral("SAVEPOINT probe"));
        const QString v = read();
        if (pg)
            QSqlQuery(c.db).exec(v.startsWith(QLatin1String("<unreadable"))
                                     ? QStringLiteral("ROLLBACK TO SAVEPOINT probe")
                                     : QStringLiteral("RELEASE SAVEPOINT probe"));
        return v;
    };
    trial.before = guarded();
    for (const QString &sql : statements) {
        QSqlQuery q(c.db);
        if (q.exec(sql))
            continue;
        trial.error = refusal(q.lastError());
        break;
    }
    if (trial.error.isEmpty())
        trial.after = guarded();
    QSqlQuery(c.db).exec(QStringLiteral("ROLLBACK"));
    return trial;
}

::testing::AssertionResult refusedUnchanged(TestDatabase &db, const QString &sql, const QString &reason,
                                            const QString &state, const QString &user)
{
    if (reason.isEmpty())
        return ::testing::AssertionFailure() << "no expected reason given for " << sql.toStdString();
    const QString query = state.contains(QLatin1Char(' ')) ? state : QStringLiteral("SELECT * FROM %1").arg(state);
    QStringList before = db.rawRows(query); // sorted: the comparison must not depend on an unspecified row order
    before.sort();
    if (before.isEmpty() || before.first().startsWith(QLatin1String("<error")))
        return ::testing::AssertionFailure()
               << "the state query " << query.toStdString()
               << " must read something: " << before.join(QLatin1Char('\n')).toStdString();
    const QString error = db.rawError(sql, user);
    if (error.isEmpty())
        return ::testing::AssertionFailure() << "accepted: " << sql.toStdString();
    if (!error.contains(reason))
        return ::testing::AssertionFailure() << "refused for another reason than \"" << reason.toStdString()
                                             << "\": " << error.toStdString() << "\n  statement: " << sql.toStdString();
    QStringList after = db.rawRows(query);
    after.sort();
    if (after != before)
        return ::testing::AssertionFailure() << "refused but changed " << query.toStdString()
                                             << ":\n  before: " << before.join(QLatin1String("; ")).toStdString()
                                             << "\n  after:  " << after.join(QLatin1String("; ")).toStdString();
    return ::testing::AssertionSuccess();
}

void BothDialects::SetUp()
{
    db = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(db->ready()) << db->error().toStdString();
    registry = db->open();
    ASSERT_TRUE(registry);
}

void BothDialects::TearDown()
{
    registry.reset();
    db.reset();
}

VersionSpec sampleSpec(const QString &name)
{
    VersionSpec s;
    s.modelName = name;
    s.artifactUri = QStringLiteral("s3://bucket/%1/model.bin").arg(name);
    s.metrics << Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.9};
    return s;
}

int runModelctl(const QStringList &args, QString *out, QString *err, int timeoutMs, const QByteArray &stdinData)
{
    QProcess p;
    p.start(QStringLiteral(MODELCTL_PATH), args);
    if (!p.waitForStarted())
        return -1;
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return -2;
    }
    if (out)
        *out = QString::fromUtf8(p.readAllStandardOutput());
    if (err)
        *err = QString::fromUtf8(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -3;
}

void fillBare(Registry &registry, int models, int versions)
{
    BulkSpec spec;
    spec.models = models;
    spec.versionsPerModel = versions;
    spec.metricsPerVersion = 1;
    spec.paramsPerVersion = 0;
    spec.factsPerVersion = 0;
    auto generated = generateBulkRegistry(registry, spec);
    ASSERT_TRUE(generated) << generated.error().message.toStdString();
}

bool standbyCaughtUp(const QString &primaryUrl, const QString &standbyUrl, int timeoutMs)
{
    QString lsn;
    {
        RawConnection primary(primaryUrl);
        QSqlQuery q(primary.db);
        if (!q.exec(QString::fromLatin1(kPrimaryPositionSql)) || !q.next())
            return false;
        lsn = q.value(0).toString();
    }
    // The standby may not have replayed the CREATE DATABASE of a fresh test database yet (under load it lags by
    // seconds), and a connection to a database it does not have fails: connect again until it does.
    std::optional<RawConnection> standby;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (!standby || !standby->db.isOpen()) {
            standby.reset();
            standby.emplace(standbyUrl);
            if (!standby->db.isOpen()) {
                QThread::msleep(20);
                continue;
            }
        }
        QSqlQuery q(standby->db);
        q.prepare(QStringLiteral("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn"));
        q.addBindValue(lsn);
        if (q.exec() && q.next() && q.value(0).toBool())
            return true;
        QThread::msleep(20);
    }
    return false;
}

bool PgCluster::waitForStandby(int timeoutMs)
{
    return standbyCaughtUp(m_url, m_standbyUrl, timeoutMs);
}

QString TestDatabase::standbyUrl() const
{
    const QString base = postgresStandbyBaseUrl();
    if (m_pgDatabase.isEmpty() || base.isEmpty())
        return {};
    return withDatabase(base, m_pgDatabase);
}

} // namespace md::test
