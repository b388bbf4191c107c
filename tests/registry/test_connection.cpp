// Connecting to PostgreSQL: libpq conventions, clear errors, and a server that goes away.

#include "registry/database.h"
#include "testdb.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QUrl>

using namespace md;
using namespace md::test;

namespace {
QUrl baseUrl()
{
    return QUrl(postgresBaseUrl());
}

// Sets an environment variable for the lifetime of the object.
struct ScopedEnv
{
    QByteArray name;
    QByteArray old;
    bool had;
    ScopedEnv(const char *n, const QByteArray &value) : name(n), old(qgetenv(n)), had(qEnvironmentVariableIsSet(n))
    {
        qputenv(n, value);
    }
    ~ScopedEnv()
    {
        if (had)
            qputenv(name.constData(), old);
        else
            qunsetenv(name.constData());
    }
};
} // namespace

TEST(PostgresConnection, UnreachableServerSaysSoAndNamesTheHost)
{
    // A port that nothing listens on: bind one, then free it.
    QTcpServer probe;
    ASSERT_TRUE(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    auto r = Registry::open(QStringLiteral("postgresql://postgres@127.0.0.1:%1/registry").arg(port),
                            Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Connection);
    EXPECT_TRUE(r.error().message.contains(QStringLiteral("127.0.0.1:%1").arg(port)))
        << r.error().message.toStdString();
    EXPECT_TRUE(r.error().message.contains(QLatin1String("Cannot reach")));
    EXPECT_TRUE(r.error().message.contains(QLatin1String("Nothing listens on that host and port")))
        << r.error().message.toStdString();
}

// The test server has no TLS: a URL that requires it is told so, with the way out.
TEST(PostgresConnection, RequiredTlsThatTheServerLacksSaysSo)
{
    QUrl u = baseUrl();
    ASSERT_FALSE(u.isEmpty()) << "no test PostgreSQL server";
    u.setQuery(QStringLiteral("sslmode=require"));
    auto r = Registry::open(u.toString(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Connection);
    EXPECT_TRUE(r.error().message.contains(QLatin1String("does not offer TLS, but the URL requires it")))
        << r.error().message.toStdString();
    EXPECT_TRUE(r.error().message.contains(QLatin1String("sslmode=prefer")));
}

// libpq's text for the causes a test cannot provoke here (DNS, firewalls, certificates), as libpq 15 words them:
// each gets its own sentence and keeps libpq's text.
TEST(PostgresConnection, EachLibpqFailureGetsItsOwnExplanation)
{
    auto location = parseRegistryUrl(QStringLiteral("postgresql://ml@db.example.org:5433/registry"));
    ASSERT_TRUE(location);
    struct Case
    {
        const char *libpq;
        Error::Kind kind;
        const char *explanation;
    };
    const Case cases[] = {
        {"could not translate host name \"db.example.org\" to address: Name or service not known",
         Error::Kind::Connection, "The host name is unknown"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: timeout expired",
         Error::Kind::Connection, "did not answer within the connect timeout"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: Connection refused",
         Error::Kind::Connection, "Nothing listens on that host and port"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: FATAL:  no pg_hba.conf entry "
         "for host \"10.0.0.9\", user \"ml\", database \"registry\", no encryption",
         Error::Kind::Auth, "Ask its administrator to allow it in pg_hba.conf"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: FATAL:  password "
         "authentication failed for user \"ml\"",
         Error::Kind::Auth, "~/.pgpass"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: FATAL:  database "
         "\"registry\" does not exist",
         Error::Kind::NotFound, "Create it (createdb)"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: root certificate file "
         "\"/home/ml/.postgresql/root.crt\" does not exist",
         Error::Kind::Connection, "Check sslrootcert"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: SSL error: certificate "
         "verify failed",
         Error::Kind::Connection, "Check sslrootcert"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: server certificate for "
         "\"db.internal\" does not match host name \"db.example.org\"",
         Error::Kind::Connection, "the host name matches the certificate"},
        {"connection to server at \"db.example.org\" (10.0.0.5), port 5433 failed: server does not support SSL, "
         "but SSL was required",
         Error::Kind::Connection, "does not offer TLS"},
    };
    for (const Case &c : cases) {
        const Error e = explainConnectFailure(QString::fromUtf8(c.libpq), *location);
        EXPECT_EQ(e.kind, c.kind) << c.libpq;
        EXPECT_TRUE(e.message.contains(QString::fromUtf8(c.explanation))) << e.message.toStdString();
        EXPECT_TRUE(e.message.contains(QString::fromUtf8(c.libpq))) << "keeps libpq's text: " << c.libpq;
        EXPECT_TRUE(e.message.contains(QLatin1String("db.example.org:5433"))) << e.message.toStdString();
    }
}

TEST(PostgresConnection, WrongPasswordIsAnAuthenticationError)
{
    const QString base = postgresBaseUrl();
    ASSERT_FALSE(base.isEmpty()) << "no test PostgreSQL server";
    QUrl u = baseUrl();
    u.setUserName(QStringLiteral("md_pw_user"));
    ScopedEnv pw("PGPASSWORD", "wrong-password");
    auto r = Registry::open(u.toString(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Auth) << r.error().message.toStdString();
    EXPECT_TRUE(r.error().message.contains(QLatin1String("pgpass")));
}

TEST(PostgresConnection, PasswordFromPgpasswordEnvironmentIsUsed)
{
    const QString base = postgresBaseUrl();
    ASSERT_FALSE(base.isEmpty()) << "no test PostgreSQL server";
    QUrl u = baseUrl();
    u.setUserName(QStringLiteral("md_pw_user"));
    ScopedEnv pw("PGPASSWORD", "correct-horse");
    // The postgres database is not a registry; getting that far proves authentication worked.
    auto r = Registry::open(u.toString(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry) << r.error().message.toStdString();
}

TEST(PostgresConnection, PasswordFromPgpassFileIsUsed)
{
    QTemporaryDir dir;
    const QUrl u = baseUrl();
    const QString passfile = dir.filePath(QStringLiteral("pgpass"));
    QFile f(passfile);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral("%1:%2:*:md_pw_user:correct-horse\n").arg(u.host()).arg(u.port()).toUtf8());
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    ScopedEnv pass("PGPASSFILE", passfile.toUtf8());
    QUrl withUser = u;
    withUser.setUserName(QStringLiteral("md_pw_user"));
    auto r = Registry::open(withUser.toString(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotARegistry) << r.error().message.toStdString();
}

TEST(PostgresConnection, MissingDatabaseSaysHowToCreateIt)
{
    QUrl u = baseUrl();
    ASSERT_FALSE(u.isEmpty());
    u.setPath(QStringLiteral("/no_such_registry_db"));
    auto r = Registry::open(u.toString(), Registry::Open::ExistingOnly);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotFound) << r.error().message.toStdString();
    EXPECT_TRUE(r.error().message.contains(QLatin1String("no_such_registry_db")));
}

TEST(PostgresConnection, ServerGoingAwayGivesAConnectionErrorAndNoPartialWrite)
{
    TestDatabase db(Backend::Postgres);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    auto registry = db.open();
    ASSERT_TRUE(registry);
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    // An administrator kills our session (as a restart or failover would).
    const QString pid =
        RegistryInternals::database(*registry).scalar(QStringLiteral("SELECT pg_backend_pid()"))->toString();
    ASSERT_EQ(db.rawExec(QStringLiteral("SELECT pg_terminate_backend(%1)").arg(pid)), QString());
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Connection) << r.error().message.toStdString();
    EXPECT_TRUE(r.error().message.contains(QLatin1String("lost")));
    EXPECT_FALSE(RegistryInternals::database(*registry).isAlive());
    EXPECT_EQ(db.rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 1);
}
