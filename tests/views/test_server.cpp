// The desktop app against a PostgreSQL server that restarts under it, and with a read replica: on clusters of the
// tests' own (pgcluster.sh), so the suite's shared server never goes away.

#include "items/lifecycleclient.h"
#include "items/registryclient.h"
#include "testdb.h"
#include "views/connectdialog.h"
#include "views/mainwindow.h"
#include "views/modeltreepanel.h"
#include "views/promotiondialog.h"
#include "views/versiontableview.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

namespace md::test {
namespace {

const QString kModel = QStringLiteral("team/served");

VersionSpec stagedSpec()
{
    VersionSpec s = sampleSpec(kModel);
    s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")}
            << Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("clicks@2026-10")};
    return s;
}

// Other sessions on the server matching `condition` (SQL over pg_stat_activity).
int sessions(const QString &url, const QString &condition)
{
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r)
        return -1;
    auto n = RegistryInternals::database(**r).scalar(
        QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE %1 AND pid <> pg_backend_pid()").arg(condition));
    return n ? n->toInt() : -1;
}

// Sessions whose last statement was a LISTEN: the app's change listener.
int listeners(const QString &url)
{
    return sessions(url, QStringLiteral("query ILIKE 'LISTEN%'"));
}

TEST(ServerRestart, TheAppReconnectsResubscribesAndAnOpenDialogKeepsWhatWasTyped)
{
    PgCluster cluster(false);
    ASSERT_TRUE(cluster.ready()) << cluster.error().toStdString();
    const QString url = cluster.url();
    {
        auto r = Registry::open(url, Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r) << r.error().message.toStdString();
        ASSERT_TRUE((*r)->registerVersion(stagedSpec()));
        auto staged = (*r)->promote(kModel, 1, Stage::Staging, QStringLiteral("try"));
        ASSERT_TRUE(staged) << staged.error().message.toStdString();
    }
    auto window = std::make_unique<MainWindow>();
    window->show();
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(url);
    ASSERT_TRUE(opened.wait(15000));
    ASSERT_TRUE(waitFor([&]() { return window->treePanel()->view()->model()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(kModel));
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 1; }));
    ASSERT_TRUE(waitFor([&]() { return listeners(url) >= 1; }));

    // A reviewer's request half written in the promotion dialog (its own client, as the app's dialogs have).
    RegistryClient client;
    QSignalSpy clientOpened(&client, &RegistryClient::opened);
    client.open(url, Registry::Open::ExistingOnly);
    ASSERT_TRUE(clientOpened.wait(15000));
    client.setWatchInterval(500);
    LifecycleClient lifecycle(&client);
    PromotionDialog dialog(&lifecycle, kModel, 1, Stage::Staging);
    QSignalSpy previewed(&dialog, &PromotionDialog::previewLoaded);
    dialog.show();
    ASSERT_TRUE(previewed.wait(15000));
    auto *reason = dialog.findChild<QPlainTextEdit *>(QStringLiteral("reasonEdit"));
    ASSERT_TRUE(reason);
    QTest::keyClicks(reason, QStringLiteral("beats v0 on DE traffic"));

    QSignalSpy lost(&client, &RegistryClient::connectionLost);
    QSignalSpy restored(&client, &RegistryClient::connectionRestored);
    ASSERT_TRUE(cluster.run(QStringLiteral("restart")));
    // The app says the server went away, then comes back by itself.
    ASSERT_TRUE(waitFor([&]() { return window->banner()->isVisible(); }));
    EXPECT_TRUE(window->banner()->text().contains(QStringLiteral("lost"))) << window->banner()->text().toStdString();
    ASSERT_TRUE(waitFor([&]() { return !window->banner()->isVisible(); }, 30000));
    // It listens again: another client's change arrives.
    ASSERT_TRUE(waitFor([&]() { return listeners(url) >= 1; }));
    {
        auto r = Registry::open(url, Registry::Open::ExistingOnly);
        ASSERT_TRUE(r && (*r)->registerVersion(stagedSpec()));
    }
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 2; }));

    // The dialog stayed open with what was typed, and its request goes through on the new connection.
    ASSERT_TRUE(waitFor([&]() { return restored.count() >= 1; }, 30000));
    EXPECT_GE(lost.count(), 1);
    EXPECT_TRUE(dialog.isVisible());
    EXPECT_EQ(reason->toPlainText(), QStringLiteral("beats v0 on DE traffic"));
    auto *submit = dialog.findChild<QPushButton *>(QStringLiteral("submitButton"));
    ASSERT_TRUE(submit && submit->isEnabled());
    QTest::mouseClick(submit, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    ASSERT_TRUE(r);
    auto requests = (*r)->requests(true);
    ASSERT_TRUE(requests);
    ASSERT_EQ(requests->size(), 1);
    EXPECT_EQ(requests->first().reason, QStringLiteral("beats v0 on DE traffic"));
    window.reset();
}

TEST(ServerFailover, TheAppReconnectsToWhicheverHostIsPrimary)
{
    PgCluster cluster(true);
    ASSERT_TRUE(cluster.ready()) << cluster.error().toStdString();
    const QString url = QStringLiteral("postgresql://postgres@127.0.0.1:%1,127.0.0.1:%2/postgres")
                            .arg(cluster.port())
                            .arg(cluster.standbyPort());
    {
        auto r = Registry::open(url, Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r && (*r)->registerVersion(stagedSpec()));
    }
    ASSERT_TRUE(cluster.waitForStandby());
    auto window = std::make_unique<MainWindow>();
    window->show();
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(url);
    ASSERT_TRUE(opened.wait(15000));
    ASSERT_TRUE(waitFor([&]() { return window->treePanel()->view()->model()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(kModel));
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 1; }));

    ASSERT_TRUE(cluster.run(QStringLiteral("stop-primary")));
    ASSERT_TRUE(waitFor([&]() { return window->banner()->isVisible(); }));
    ASSERT_TRUE(cluster.run(QStringLiteral("promote")));
    // Back on the promoted standby by itself: the banner goes, and a change made there shows up.
    ASSERT_TRUE(waitFor([&]() { return !window->banner()->isVisible(); }, 30000))
        << window->banner()->text().toStdString();
    {
        auto r = Registry::open(cluster.standbyUrl(), Registry::Open::ExistingOnly);
        ASSERT_TRUE(r) << r.error().message.toStdString();
        ASSERT_FALSE((*r)->isReadOnly()) << "the standby was promoted";
        ASSERT_TRUE((*r)->registerVersion(stagedSpec()));
    }
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 2; }));
    window.reset();
}

TEST(ReadReplica, TheAppBrowsesTheStandbyAndShowsItsLag)
{
    PgCluster cluster(true);
    ASSERT_TRUE(cluster.ready()) << cluster.error().toStdString();
    {
        auto r = Registry::open(cluster.url(), Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r && (*r)->registerVersion(stagedSpec()));
    }
    ASSERT_TRUE(cluster.waitForStandby());
    auto window = std::make_unique<MainWindow>();
    window->setReplicaLagThreshold(1.0);
    window->show();
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(cluster.url(), Registry::Open::ExistingOnly, cluster.standbyUrl());
    ASSERT_TRUE(opened.wait(15000));
    EXPECT_TRUE(window->replicaLabel()->isVisible());
    EXPECT_EQ(window->replicaLabel()->text(), QStringLiteral("Reads: replica"));
    EXPECT_TRUE(window->replicaLabel()->toolTip().contains(QString::number(cluster.standbyPort())));
    ASSERT_TRUE(waitFor([&]() { return window->treePanel()->view()->model()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(kModel));
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 1; }));
    // The app's browsing connection is on the standby.
    EXPECT_GE(sessions(cluster.standbyUrl(), QStringLiteral("datname = current_database()")), 1);

    // The standby stops replaying; a change on the primary makes it lag, and the status bar says so.
    ASSERT_TRUE(cluster.run(QStringLiteral("pause-replay")));
    {
        auto r = Registry::open(cluster.url(), Registry::Open::ExistingOnly);
        ASSERT_TRUE(r && (*r)->registerVersion(stagedSpec()));
    }
    ASSERT_TRUE(waitFor([&]() { return window->replicaLabel()->text().contains(QStringLiteral("s behind")); }, 30000))
        << window->replicaLabel()->text().toStdString();
    // The notification came from the primary: the new version is shown although the standby does not have it yet.
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 2; }));
    ASSERT_TRUE(cluster.run(QStringLiteral("resume-replay")));
    ASSERT_TRUE(waitFor([&]() { return window->replicaLabel()->text() == QStringLiteral("Reads: replica"); }, 30000))
        << window->replicaLabel()->text().toStdString();
    window.reset();
}

TEST(ReadReplica, TheConnectDialogTakesAReadReplica)
{
    ConnectDialog dialog([](const QString &, std::function<void(bool, QString)> done) { done(true, {}); },
                         QStringLiteral("postgresql://ana@db1/registry"), nullptr,
                         QStringLiteral("postgresql://ana@db2/registry"));
    dialog.show();
    auto *read = dialog.findChild<QLineEdit *>(QStringLiteral("connectReadUrl"));
    ASSERT_TRUE(read);
    EXPECT_EQ(dialog.readUrl(), QStringLiteral("postgresql://ana@db2/registry"));
    read->clear();
    QTest::keyClicks(read, QStringLiteral(" postgresql://ana@db3:5433,db4/registry "));
    EXPECT_EQ(dialog.readUrl(), QStringLiteral("postgresql://ana@db3:5433,db4/registry"));
}

} // namespace
} // namespace md::test
