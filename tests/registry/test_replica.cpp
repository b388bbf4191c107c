// Read replicas and failover on real PostgreSQL standbys: the suite's fixture standby for reads, clusters of the
// tests' own where replay is paused or the primary dies.

#include "testdb.h"

#include "registry/internals.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlQuery>
#include <QThread>

namespace md::test {
namespace {

bool inRecovery(Database &db)
{
    auto r = db.scalar(QStringLiteral("SELECT pg_is_in_recovery()"));
    return r && r->toBool();
}

// A registry on the fixture's primary with one model, and the same database on its standby once replayed.
class Replica : public ::testing::Test
{
protected:
    void SetUp() override
    {
        pg = std::make_unique<TestDatabase>(Backend::Postgres);
        ASSERT_TRUE(pg->ready()) << pg->error().toStdString();
        ASSERT_FALSE(pg->standbyUrl().isEmpty()) << "the fixture has no standby (pgcluster.sh start --standby)";
        registry = pg->open();
        ASSERT_TRUE(registry);
        ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/served"))));
        ASSERT_TRUE(standbyCaughtUp(pg->url(), pg->standbyUrl()));
    }

    std::unique_ptr<TestDatabase> pg;
    std::unique_ptr<Registry> registry;
};

TEST_F(Replica, ReadsGoToTheStandbyAndWritesToThePrimary)
{
    ASSERT_TRUE(registry->attachReplica(pg->standbyUrl()));
    Database *replica = RegistryInternals::replica(*registry);
    ASSERT_TRUE(replica);
    Database &primary = RegistryInternals::database(*registry);
    EXPECT_TRUE(inRecovery(*replica)) << "the read connection is on the standby";
    EXPECT_FALSE(inRecovery(primary));
    // Until the standby has replayed this client's registration, its reads go to the primary (read-your-writes;
    // the test cluster commits asynchronously, so the standby can be behind the position SetUp waited for). Wait,
    // bounded, until a read is served by the standby alone.
    bool servedByStandby = false;
    for (int attempt = 0; attempt < 250 && !servedByStandby; ++attempt) {
        const quint64 before = primary.statementCount();
        ASSERT_TRUE(registry->models());
        servedByStandby = primary.statementCount() == before;
        if (!servedByStandby)
            QThread::msleep(20);
    }
    ASSERT_TRUE(servedByStandby) << "the standby never replayed this client's registration";
    const quint64 primaryBefore = primary.statementCount();
    const quint64 replicaBefore = replica->statementCount();
    auto models = registry->models();
    ASSERT_TRUE(models);
    ASSERT_EQ(models->size(), 1);
    auto shown = registry->version(QStringLiteral("team/served"), 1);
    ASSERT_TRUE(shown) << shown.error().message.toStdString();
    auto found = registry->search(QStringLiteral("metrics.auc > 0.5"));
    ASSERT_TRUE(found);
    EXPECT_EQ(primary.statementCount(), primaryBefore) << "no read went to the primary";
    EXPECT_GT(replica->statementCount(), replicaBefore);

    // A write goes to the primary (the standby would refuse it) and is read back at once.
    const quint64 replicaBeforeWrite = replica->statementCount();
    auto added = registry->registerVersion(sampleSpec(QStringLiteral("team/served")));
    ASSERT_TRUE(added) << added.error().message.toStdString();
    EXPECT_EQ(replica->statementCount(), replicaBeforeWrite);
    EXPECT_EQ(pg->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 2);
    auto versions = registry->versions(QStringLiteral("team/served"));
    ASSERT_TRUE(versions);
    EXPECT_EQ(versions->size(), 2);
}

TEST_F(Replica, OnlyTheStandbyGivenRefusesWritesAndSaysWhere)
{
    const QString standby = pg->standbyUrl();
    auto onStandby = Registry::open(standby, Registry::Open::ExistingOnly);
    ASSERT_TRUE(onStandby) << onStandby.error().message.toStdString();
    EXPECT_TRUE((*onStandby)->isReadOnly());
    auto refused = (*onStandby)->registerVersion(sampleSpec(QStringLiteral("team/served")));
    EXPECT_TRUE(refusedAs(refused, Error::Kind::ReadOnly, QStringLiteral("is a read-only standby (a replica)")));
    // Browsing works.
    auto models = (*onStandby)->models();
    ASSERT_TRUE(models);
    EXPECT_EQ(models->size(), 1);

    // modelctl: the specific refusal, exit 5, and the version is still not in Staging on the primary.
    QString out, err;
    EXPECT_EQ(
        runModelctl({QStringLiteral("--registry"), standby, QStringLiteral("promote"), QStringLiteral("team/served"),
                     QStringLiteral("1"), QStringLiteral("--to"), QStringLiteral("Staging")},
                    &out, &err),
        5);
    EXPECT_TRUE(err.contains(QStringLiteral("is a read-only standby"))) << err.toStdString();
    EXPECT_FALSE(err.contains(QStringLiteral("newer"))) << err.toStdString();
    EXPECT_EQ(pg->rawScalar(QStringLiteral("SELECT stage FROM model_versions")).toString(), QStringLiteral("None"));
    EXPECT_EQ(pg->rawScalar(QStringLiteral("SELECT count(*) FROM stage_transitions")).toInt(), 1);

    // A replica of another registry is refused as the read URL.
    TestDatabase other(Backend::Postgres);
    ASSERT_TRUE(other.open());
    ASSERT_TRUE(standbyCaughtUp(other.url(), other.standbyUrl()));
    const Status foreign = registry->attachReplica(other.standbyUrl());
    ASSERT_FALSE(foreign);
    EXPECT_EQ(foreign.error().kind, Error::Kind::NotARegistry);
    EXPECT_TRUE(foreign.error().message.contains(QStringLiteral("is not a copy of")))
        << foreign.error().message.toStdString();
    EXPECT_FALSE(registry->hasReplica());
    // ...and so is a SQLite registry's.
    TestDatabase file(Backend::Sqlite);
    auto local = file.open();
    ASSERT_TRUE(local);
    const Status sqlite = local->attachReplica(standby);
    ASSERT_FALSE(sqlite);
    EXPECT_TRUE(sqlite.error().message.contains(QStringLiteral("is a SQLite file")))
        << sqlite.error().message.toStdString();
}

// A primary and standby of this test's own: replay is paused to make the standby lag.
class ReplicaLag : public ::testing::Test
{
protected:
    void SetUp() override
    {
        cluster = std::make_unique<PgCluster>(true);
        ASSERT_TRUE(cluster->ready()) << cluster->error().toStdString();
        auto r = Registry::open(cluster->url(), Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r) << r.error().message.toStdString();
        registry = std::move(*r);
        ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/served"))));
        ASSERT_TRUE(cluster->waitForStandby());
    }

    QString standbyTag()
    {
        auto s = Registry::open(cluster->standbyUrl(), Registry::Open::ExistingOnly);
        if (!s)
            return QStringLiteral("<%1>").arg(s.error().message);
        auto m = (*s)->model(QStringLiteral("team/served"));
        return m ? m->tags.value(QStringLiteral("owner")) : QStringLiteral("<no model>");
    }

    std::unique_ptr<PgCluster> cluster;
    std::unique_ptr<Registry> registry;
};

TEST_F(ReplicaLag, ReadYourWritesWhileTheStandbyLagsThenBackToTheStandby)
{
    ASSERT_TRUE(registry->attachReplica(cluster->standbyUrl()));
    ASSERT_TRUE(registry->models());
    ASSERT_TRUE(cluster->run(QStringLiteral("pause-replay")));
    ASSERT_TRUE(
        registry->setModelTags(QStringLiteral("team/served"), {{QStringLiteral("owner"), QStringLiteral("ana")}}, {}));
    // The standby has not replayed the change...
    EXPECT_EQ(standbyTag(), QString());
    // ...and this client reads it anyway, from the primary.
    Database *replica = RegistryInternals::replica(*registry);
    const quint64 primaryBefore = RegistryInternals::database(*registry).statementCount();
    auto model = registry->model(QStringLiteral("team/served"));
    ASSERT_TRUE(model);
    EXPECT_EQ(model->tags.value(QStringLiteral("owner")), QStringLiteral("ana"));
    EXPECT_GT(RegistryInternals::database(*registry).statementCount(), primaryBefore);

    // The lag shows: first sight of the unreplayed position, then the time since.
    auto lag = registry->replicaLagSeconds();
    ASSERT_TRUE(lag) << lag.error().message.toStdString();
    QThread::msleep(1200);
    lag = registry->replicaLagSeconds();
    ASSERT_TRUE(lag);
    EXPECT_GE(*lag, 1.0);

    ASSERT_TRUE(cluster->run(QStringLiteral("resume-replay")));
    ASSERT_TRUE(cluster->waitForStandby());
    EXPECT_EQ(standbyTag(), QStringLiteral("ana"));
    const quint64 replicaBefore = replica->statementCount();
    const quint64 primaryAfter = RegistryInternals::database(*registry).statementCount();
    model = registry->model(QStringLiteral("team/served"));
    ASSERT_TRUE(model);
    EXPECT_EQ(model->tags.value(QStringLiteral("owner")), QStringLiteral("ana"));
    EXPECT_GT(replica->statementCount(), replicaBefore) << "caught up: reads are back on the standby";
    model = registry->model(QStringLiteral("team/served"));
    EXPECT_EQ(RegistryInternals::database(*registry).statementCount(), primaryAfter);
    lag = registry->replicaLagSeconds();
    ASSERT_TRUE(lag);
    EXPECT_EQ(*lag, 0.0);
}

TEST_F(ReplicaLag, ModelctlReadsItsOwnLastWriteFromThePrimaryAcrossRuns)
{
    QTemporaryDir state;
    qputenv("XDG_STATE_HOME", QFile::encodeName(state.path()));
    ASSERT_TRUE(cluster->run(QStringLiteral("pause-replay")));
    const QStringList urls{QStringLiteral("--registry"), cluster->url(), QStringLiteral("--read-registry"),
                           cluster->standbyUrl()};
    QString out, err;
    ASSERT_EQ(
        runModelctl(urls + QStringList{QStringLiteral("tag"), QStringLiteral("team/served"),
                                       QStringLiteral("--version"), QStringLiteral("1"), QStringLiteral("owner=ben")},
                    &out, &err),
        0)
        << err.toStdString();
    EXPECT_TRUE(QFile::exists(state.filePath(QStringLiteral("modeldesk/read-positions.json"))))
        << out.toStdString() << err.toStdString() << state.path().toStdString();
    ASSERT_EQ(runModelctl(urls + QStringList{QStringLiteral("show"), QStringLiteral("team/served"), QStringLiteral("1"),
                                             QStringLiteral("--json")},
                          &out, &err),
              0)
        << err.toStdString();
    QFile positions(state.filePath(QStringLiteral("modeldesk/read-positions.json")));
    positions.open(QIODevice::ReadOnly);
    EXPECT_TRUE(out.contains(QStringLiteral("ben")))
        << out.toStdString() << err.toStdString() << positions.readAll().toStdString();
    // Without the kept position the standby answers, and it has not replayed the change: the position is what made
    // the difference.
    QDir(state.path()).removeRecursively();
    ASSERT_EQ(runModelctl(urls + QStringList{QStringLiteral("show"), QStringLiteral("team/served"), QStringLiteral("1"),
                                             QStringLiteral("--json")},
                          &out, &err),
              0);
    EXPECT_FALSE(out.contains(QStringLiteral("ben"))) << out.toStdString();
    ASSERT_TRUE(cluster->run(QStringLiteral("resume-replay")));
    qunsetenv("XDG_STATE_HOME");
}

// Failover with libpq's multi-host URL: the old primary dies, writes fail clearly until the standby is promoted, then
// succeed on the new primary with the same URL.
TEST(Failover, MultiHostUrlWritesToWhicheverServerIsPrimary)
{
    PgCluster cluster(true);
    ASSERT_TRUE(cluster.ready()) << cluster.error().toStdString();
    const QString url = QStringLiteral("postgresql://postgres@127.0.0.1:%1,127.0.0.1:%2/postgres")
                            .arg(cluster.standbyPort())
                            .arg(cluster.port());
    {
        // The standby is listed first: target_session_attrs=read-write (the default for several hosts) skips it.
        auto r = Registry::open(url, Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r) << r.error().message.toStdString();
        EXPECT_FALSE(inRecovery(RegistryInternals::database(**r)));
        ASSERT_TRUE((*r)->registerVersion(sampleSpec(QStringLiteral("team/ha"))));
    }
    ASSERT_TRUE(cluster.waitForStandby());
    ASSERT_TRUE(cluster.run(QStringLiteral("stop-primary")));

    QString out, err;
    const QStringList tag{QStringLiteral("--registry"), url, QStringLiteral("tag"), QStringLiteral("team/ha"),
                          QStringLiteral("phase=failover")};
    EXPECT_EQ(runModelctl(tag, &out, &err), 5);
    EXPECT_TRUE(err.contains(QStringLiteral("accepts writes now"))) << err.toStdString();
    EXPECT_TRUE(err.contains(QStringLiteral("Nothing was changed"))) << err.toStdString();
    {
        auto standby = Registry::open(cluster.standbyUrl(), Registry::Open::ExistingOnly);
        ASSERT_TRUE(standby);
        auto m = (*standby)->model(QStringLiteral("team/ha"));
        ASSERT_TRUE(m);
        EXPECT_FALSE(m->tags.contains(QStringLiteral("phase")));
    }

    ASSERT_TRUE(cluster.run(QStringLiteral("promote")));
    // The retry succeeds once the new primary accepts writes.
    int code = -1;
    for (int attempt = 0; attempt < 50 && code != 0; ++attempt) {
        code = runModelctl(tag, &out, &err);
        if (code != 0)
            QThread::msleep(200);
    }
    ASSERT_EQ(code, 0) << err.toStdString();
    auto now = Registry::open(url, Registry::Open::ExistingOnly);
    ASSERT_TRUE(now);
    EXPECT_FALSE(inRecovery(RegistryInternals::database(**now)));
    auto m = (*now)->model(QStringLiteral("team/ha"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tags.value(QStringLiteral("phase")), QStringLiteral("failover"));
    auto verified = (*now)->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
}

TEST(MultiHostUrl, ParsesHostsAndPortsAndRefusesMixedForms)
{
    auto loc = parseRegistryUrl(QStringLiteral("postgresql://ana@db1:5433,db2,[::1]:6000/registry?sslmode=require"));
    ASSERT_TRUE(loc) << loc.error().message.toStdString();
    EXPECT_EQ(loc->host, QStringLiteral("db1,db2,::1"));
    EXPECT_EQ(loc->ports, QStringLiteral("5433,5432,6000"));
    EXPECT_EQ(loc->user, QStringLiteral("ana"));
    EXPECT_EQ(loc->database, QStringLiteral("registry"));
    EXPECT_TRUE(loc->options.contains(QStringLiteral("sslmode=require")));
    EXPECT_EQ(loc->display(), QStringLiteral("postgresql://ana@db1:5433,db2:5432,::1:6000/registry"));
    auto mixed = parseRegistryUrl(QStringLiteral("postgresql://db1,db2/registry?port=5432"));
    EXPECT_TRUE(refusedAs(mixed, Error::Kind::Invalid, QStringLiteral("lists several hosts and also has a 'port'")));
    auto badPort = parseRegistryUrl(QStringLiteral("postgresql://db1:99999,db2/registry"));
    EXPECT_TRUE(refusedAs(badPort, Error::Kind::Invalid, QStringLiteral("'db1:99999' in the host list")));
    auto password = parseRegistryUrl(QStringLiteral("postgresql://ana:pw@db1,db2/registry"));
    EXPECT_TRUE(refusedAs(password, Error::Kind::Invalid, QStringLiteral("contains a password")));
}

} // namespace
} // namespace md::test
