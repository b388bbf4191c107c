// Item models over a real registry (both dialects), each checked by QAbstractItemModelTester.

#include "items/modeltreemodel.h"
#include "items/registryclient.h"
#include "items/searchresultsmodel.h"
#include "items/versiondetailsmodel.h"
#include "items/versiontablemodel.h"
#include "modeltester.h"
#include "registry/bulkgen.h"
#include "registry/demo.h"
#include "testdb.h"

#include <QSignalSpy>
#include <QTest>

using namespace md;
using namespace md::test;

class Items : public BothDialects
{
protected:
    void openClient()
    {
        QSignalSpy opened(&client, &RegistryClient::opened);
        client.open(db->url(), Registry::Open::ExistingOnly);
        ASSERT_TRUE(opened.wait(10000));
        ASSERT_TRUE(client.isOpen());
    }
    void TearDown() override
    {
        m_client.reset(); // closes the worker's connection before the test database goes
        BothDialects::TearDown();
    }

    std::unique_ptr<RegistryClient> m_client = std::make_unique<RegistryClient>();
    RegistryClient &client = *m_client;
};

TEST_P(Items, ModelTreeGroupsByNamespaceAndFilters)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 3));
    openClient();
    ModelTreeModel tree;
    CheckedModel checked(&tree);
    tree.setClient(&client);
    QSignalSpy loaded(&tree, &ModelTreeModel::loaded);
    tree.reload();
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_EQ(tree.modelCount(), 12);
    EXPECT_EQ(tree.rowCount(), 6); // teams
    const QModelIndex fraud = tree.indexOfModel(QStringLiteral("payments/fraud-detector"));
    ASSERT_TRUE(fraud.isValid());
    EXPECT_EQ(fraud.data().toString(), QStringLiteral("fraud-detector"));
    EXPECT_EQ(fraud.parent().data().toString(), QStringLiteral("payments"));
    auto versions = registry->versions(QStringLiteral("payments/fraud-detector"));
    ASSERT_TRUE(versions);
    EXPECT_EQ(fraud.siblingAtColumn(ModelTreeModel::VersionsColumn).data().toInt(), versions->size());
    auto fraudModel = registry->model(QStringLiteral("payments/fraud-detector"));
    ASSERT_TRUE(fraudModel);
    QStringList production;
    for (int v : fraudModel->productionVersions)
        production << QStringLiteral("v%1").arg(v);
    EXPECT_EQ(fraud.siblingAtColumn(ModelTreeModel::ProductionColumn).data().toString(),
              production.isEmpty() ? QStringLiteral("—") : production.join(QStringLiteral(", ")));
    EXPECT_EQ(fraud.data(ModelTreeModel::ProductionVersionsRole).value<QList<int>>(), fraudModel->productionVersions);

    ModelTreeFilterProxy proxy;
    CheckedModel checkedProxy(&proxy);
    proxy.setSourceModel(&tree);
    proxy.setFilterText(QStringLiteral("FRAUD"));
    ASSERT_EQ(proxy.rowCount(), 1);
    EXPECT_EQ(proxy.index(0, 0).data().toString(), QStringLiteral("payments"));
    ASSERT_EQ(proxy.rowCount(proxy.index(0, 0)), 1);
    EXPECT_EQ(proxy.index(0, 0, proxy.index(0, 0)).data(ModelTreeModel::ModelNameRole).toString(),
              QStringLiteral("payments/fraud-detector"));
    proxy.setFilterText(QStringLiteral("no-such-model"));
    EXPECT_EQ(proxy.rowCount(), 0);
    proxy.setFilterText(QString());
    EXPECT_EQ(proxy.rowCount(), 6);
    proxy.sort(ModelTreeModel::VersionsColumn, Qt::DescendingOrder);
    const QModelIndex firstTeam = proxy.index(0, 0);
    for (int r = 1; r < proxy.rowCount(firstTeam); ++r)
        EXPECT_GE(proxy.index(r - 1, ModelTreeModel::VersionsColumn, firstTeam).data().toInt(),
                  proxy.index(r, ModelTreeModel::VersionsColumn, firstTeam).data().toInt());

    // A new version elsewhere updates counts in place: persistent indexes (the selection) stay.
    const QPersistentModelIndex kept(fraud);
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("payments/fraud-detector"))));
    tree.reload();
    ASSERT_TRUE(loaded.wait(10000));
    ASSERT_TRUE(kept.isValid());
    EXPECT_EQ(QModelIndex(kept).siblingAtColumn(ModelTreeModel::VersionsColumn).data().toInt(), versions->size() + 1);
    // A new model rebuilds the tree.
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("newteam/brand-new"))));
    tree.reload();
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_EQ(tree.modelCount(), 13);
    EXPECT_TRUE(tree.indexOfModel(QStringLiteral("newteam/brand-new")).isValid());
}

class VersionTable : public Items
{
protected:
    void SetUp() override
    {
        Items::SetUp();
        if (HasFatalFailure())
            return;
        BulkSpec spec;
        spec.models = 2;
        spec.versionsPerModel = 250;
        spec.metricsPerVersion = 5;
        spec.paramsPerVersion = 2;
        auto r = generateBulkRegistry(*registry, spec);
        ASSERT_TRUE(r) << r.error().message.toStdString();
        openClient();
    }

    // Asks for every row and waits until all are loaded.
    static bool loadAll(VersionTableModel &table)
    {
        return waitFor([&]() {
            bool all = true;
            for (int r = 0; r < table.rowCount(); ++r)
                all = table.index(r, 0).data(VersionTableModel::LoadedRole).toBool() && all;
            return all && !table.isLoading();
        });
    }
};

TEST_P(VersionTable, LoadsLazilyInPagesWithPlaceholders)
{
    auto alias = registry->setAlias(QStringLiteral("payments/model-0000"), QStringLiteral("champion"), 70, false);
    ASSERT_TRUE(alias) << alias.error().message.toStdString();
    VersionTableModel table;
    CheckedModel checked(&table);
    table.setClient(&client);
    table.setMetricColumns({QStringLiteral("auc@test"), QStringLiteral("f1@test")});
    QSignalSpy keys(&table, &VersionTableModel::keysLoaded);
    table.setModelName(QStringLiteral("payments/model-0000"));
    ASSERT_TRUE(keys.wait(10000));
    ASSERT_EQ(table.rowCount(), 250);
    EXPECT_EQ(table.columnCount(), VersionTableModel::ColumnCount + 2);
    EXPECT_EQ(table.headerData(5, Qt::Horizontal).toString(), QStringLiteral("auc@test"));
    EXPECT_EQ(table.headerData(7, Qt::Horizontal).toString(), QStringLiteral("Data version"));
    EXPECT_EQ(table.availableMetrics().size(), 5);
    // The first page comes with the key list; the rest are placeholders until a view asks for them.
    EXPECT_TRUE(table.index(0, 0).data(VersionTableModel::LoadedRole).toBool());
    EXPECT_EQ(table.index(0, 0).data().toInt(), 250);
    EXPECT_EQ(table.index(0, 0).data(VersionTableModel::ModelNameRole).toString(),
              QStringLiteral("payments/model-0000"));
    const QModelIndex far = table.index(180, VersionTableModel::StageColumn);
    EXPECT_FALSE(far.data(VersionTableModel::LoadedRole).toBool());
    EXPECT_EQ(far.data().toString(), QStringLiteral("…"));
    ASSERT_TRUE(waitFor([&]() { return far.data(VersionTableModel::LoadedRole).toBool(); }));
    // The generated history decided v70's stage; the table shows what the database holds.
    EXPECT_EQ(far.data().toString(),
              RegistryInternals::database(*registry)
                  .scalar(QStringLiteral("SELECT v.stage FROM model_versions v JOIN registered_models m ON m.id = "
                                         "v.model_id WHERE m.name = 'payments/model-0000' AND v.version = 70"))
                  ->toString());
    EXPECT_EQ(table.index(180, 0).data().toInt(), 70);
    EXPECT_FALSE(table.index(180, 5).data().toString().isEmpty()); // auc@test
    // Numbers as a person writes them: no padding zeros, whole numbers whole.
    EXPECT_EQ(formatMetricValue(12.0), QStringLiteral("12"));
    EXPECT_EQ(formatMetricValue(0.85), QStringLiteral("0.85"));
    EXPECT_EQ(formatMetricValue(0.847123), QStringLiteral("0.8471"));
    EXPECT_EQ(formatMetricValue(-3.5), QStringLiteral("-3.5"));
    EXPECT_EQ(formatMetricValue(0.000015), QStringLiteral("1.5e-05"));
    EXPECT_EQ(formatMetricValue(123.4567), QStringLiteral("123.5")); // four significant digits
    EXPECT_EQ(formatMetricValue(12.3456), QStringLiteral("12.35"));
    EXPECT_EQ(formatMetricValue(98765.4321), QStringLiteral("98765"));
    EXPECT_EQ(formatMetricValue(1.5), QStringLiteral("1.5"));
    EXPECT_FALSE(table.index(180, 5).data().toString().endsWith(QLatin1Char('0')));
    EXPECT_EQ(table.index(180, VersionTableModel::AliasesColumn).data().toString(), QStringLiteral("champion"));
    EXPECT_EQ(table.index(179, VersionTableModel::AliasesColumn).data().toString(), QString());
    EXPECT_TRUE(table.index(180, table.sectionOf(VersionTableModel::DataVersionColumn))
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("payments-labels@")));
    EXPECT_EQ(table.index(180, table.sectionOf(VersionTableModel::TagsColumn)).data().toString(),
              QStringLiteral("team=payments"));
    EXPECT_TRUE(table.index(180, 0)
                    .data(VersionTableModel::ArtifactUriRole)
                    .toString()
                    .endsWith(QStringLiteral("/v70/model.bin")));
    ASSERT_TRUE(loadAll(table));
    for (int r = 1; r < table.rowCount(); ++r)
        ASSERT_EQ(table.index(r - 1, 0).data().toInt(), table.index(r, 0).data().toInt() + 1);
}

TEST_P(VersionTable, SortsInTheDatabaseAcrossPageBoundaries)
{
    VersionTableModel table;
    CheckedModel checked(&table);
    table.setClient(&client);
    table.setMetricColumns({QStringLiteral("auc@test")});
    QSignalSpy keys(&table, &VersionTableModel::keysLoaded);
    table.setModelName(QStringLiteral("payments/model-0000"));
    ASSERT_TRUE(keys.wait(10000));
    const QPersistentModelIndex selected = table.index(10, 0); // version 240
    table.sort(5, Qt::AscendingOrder);                         // auc@test
    ASSERT_TRUE(keys.wait(10000));
    ASSERT_TRUE(loadAll(table));
    double previous = -1;
    for (int r = 0; r < table.rowCount(); ++r) {
        const double auc = table.index(r, 5).data(VersionTableModel::SortValueRole).toDouble();
        ASSERT_GE(auc, previous) << "row " << r;
        previous = auc;
    }
    // The selection follows its version through the re-sort.
    ASSERT_TRUE(selected.isValid());
    EXPECT_EQ(selected.data().toInt(), 240);

    table.sort(VersionTableModel::CreatedColumn, Qt::AscendingOrder);
    ASSERT_TRUE(keys.wait(10000));
    ASSERT_TRUE(loadAll(table));
    EXPECT_EQ(table.index(0, 0).data().toInt(), 1);
    EXPECT_EQ(table.index(249, 0).data().toInt(), 250);
    EXPECT_EQ(selected.data().toInt(), 240);
}

TEST_P(VersionTable, DropsStaleResultsAndBoundsTheCache)
{
    VersionTableModel table;
    CheckedModel checked(&table);
    table.setClient(&client);
    table.setMaxCachedRows(120);
    QSignalSpy keys(&table, &VersionTableModel::keysLoaded);
    table.setModelName(QStringLiteral("payments/model-0000"));
    table.setModelName(QStringLiteral("ads/model-0001")); // the first model's results arrive stale
    ASSERT_TRUE(keys.wait(10000));
    ASSERT_TRUE(waitFor([&]() { return !table.isLoading(); }));
    EXPECT_EQ(keys.count(), 1);
    EXPECT_TRUE(table.index(0, 0)
                    .data(VersionTableModel::ArtifactUriRole)
                    .toString()
                    .contains(QStringLiteral("ads/model-0001")));
    for (int r = 0; r < table.rowCount(); r += 50) {
        (void)table.index(r, 1).data();
        ASSERT_TRUE(waitFor([&]() { return table.index(r, 1).data(VersionTableModel::LoadedRole).toBool(); }));
        EXPECT_LE(table.cachedRowCount(), 120);
    }
    EXPECT_FALSE(table.index(0, 1).data(VersionTableModel::LoadedRole).toBool() &&
                 table.index(249, 1).data(VersionTableModel::LoadedRole).toBool() &&
                 table.index(120, 1).data(VersionTableModel::LoadedRole).toBool());
}

TEST_P(VersionTable, RefreshInsertsNewVersionsAndKeepsTheSelection)
{
    VersionTableModel table;
    CheckedModel checked(&table);
    table.setClient(&client);
    QSignalSpy keys(&table, &VersionTableModel::keysLoaded);
    table.setModelName(QStringLiteral("payments/model-0000"));
    ASSERT_TRUE(keys.wait(10000));
    const QPersistentModelIndex selected = table.index(3, 0); // version 247
    QSignalSpy inserted(&table, &QAbstractItemModel::rowsInserted);
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("payments/model-0000")));
    ASSERT_TRUE(r) << r.error().message.toStdString();
    table.refresh();
    ASSERT_TRUE(keys.wait(10000));
    EXPECT_EQ(inserted.count(), 1);
    EXPECT_EQ(table.rowCount(), 251);
    EXPECT_EQ(table.index(0, 0).data().toInt(), 251);
    ASSERT_TRUE(selected.isValid());
    EXPECT_EQ(selected.row(), 4);
    EXPECT_EQ(selected.data().toInt(), 247);
}

TEST_P(VersionTable, CollectsAllRowsForExport)
{
    VersionTableModel table;
    table.setClient(&client);
    table.setMetricColumns({QStringLiteral("auc@test")});
    QSignalSpy keys(&table, &VersionTableModel::keysLoaded);
    table.setModelName(QStringLiteral("ads/model-0001"));
    ASSERT_TRUE(keys.wait(10000));
    QStringList header;
    QList<QStringList> rows;
    bool done = false;
    table.collectAllRows(&table, [&](QStringList h, QList<QStringList> r) {
        header = h;
        rows = r;
        done = true;
    });
    ASSERT_TRUE(waitFor([&]() { return done; }));
    EXPECT_EQ(header.size(), table.columnCount());
    ASSERT_EQ(rows.size(), 250);
    EXPECT_EQ(rows.first().first(), QStringLiteral("250"));
    EXPECT_EQ(rows.first().at(table.sectionOf(VersionTableModel::GitShaColumn)).size(), 12);
}

TEST_P(Items, SearchResultsReportErrorsAndHits)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 3));
    openClient();
    SearchResultsModel results;
    CheckedModel checked(&results);
    results.setClient(&client);
    QSignalSpy failed(&results, &SearchResultsModel::searchFailed);
    QSignalSpy finished(&results, &SearchResultsModel::searchFinished);
    results.search(QStringLiteral("metrics.auc > AND"));
    ASSERT_EQ(failed.count(), 1); // syntax errors are reported at once, without the database
    const auto error = failed.first().first().value<FilterError>();
    EXPECT_EQ(error.position, 14);
    EXPECT_TRUE(error.message.contains(QStringLiteral("expected a value")));

    results.search(QStringLiteral("metrics.auc > 0.8 AND tags.team = 'payments'"));
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_GT(results.rowCount(), 0);
    for (int r = 0; r < results.rowCount(); ++r)
        EXPECT_TRUE(results.index(r, 0).data().toString().startsWith(QStringLiteral("payments/")));

    SearchResultsProxy proxy;
    CheckedModel checkedProxy(&proxy);
    proxy.setSourceModel(&results);
    proxy.sort(SearchResultsModel::VersionColumn, Qt::AscendingOrder);
    for (int r = 1; r < proxy.rowCount(); ++r)
        EXPECT_LE(proxy.index(r - 1, SearchResultsModel::VersionColumn).data().toInt(),
                  proxy.index(r, SearchResultsModel::VersionColumn).data().toInt());

    results.search(QStringLiteral("name = 'nothing-like-this'"));
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_EQ(results.rowCount(), 0);
}

// A search matching 10,000 versions: the first page arrives, the rest loads page by page as a view asks for
// more (keyset pagination), in the search order, each version once.
TEST_P(Items, SearchResultsFetchMorePagesUpToTenThousandRows)
{
    fillBare(*registry, 5, 2100);
    ASSERT_FALSE(HasFatalFailure());
    openClient();
    SearchResultsModel results;
    CheckedModel checked(&results);
    results.setClient(&client);
    QSignalSpy finished(&results, &SearchResultsModel::searchFinished);
    results.search(QStringLiteral("version > 100"));
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_EQ(results.rowCount(), SearchResultsModel::kPageSize); // one page, not everything
    EXPECT_EQ(results.matchCount(), 10000);                       // but the count of all matches
    EXPECT_FALSE(results.exceedsMaxRows());
    EXPECT_TRUE(results.isTruncated());
    ASSERT_TRUE(results.canFetchMore({}));

    int pages = 1;
    while (results.canFetchMore({})) {
        const int before = results.rowCount();
        results.fetchMore({});
        results.fetchMore({}); // a second request while one is on its way changes nothing
        ASSERT_TRUE(waitFor([&]() { return !results.isFetching(); }, 30000));
        ASSERT_GT(results.rowCount(), before);
        ++pages;
    }
    EXPECT_EQ(pages, 10);
    ASSERT_EQ(results.rowCount(), 10000);
    EXPECT_FALSE(results.isTruncated());
    for (int r = 1; r < results.rowCount(); ++r) {
        const QString prevName = results.index(r - 1, SearchResultsModel::ModelColumn).data().toString();
        const QString name = results.index(r, SearchResultsModel::ModelColumn).data().toString();
        const int prevVersion = results.index(r - 1, 0).data(SearchResultsModel::VersionRole).toInt();
        const int version = results.index(r, 0).data(SearchResultsModel::VersionRole).toInt();
        ASSERT_TRUE(prevName < name || (prevName == name && prevVersion > version))
            << "row " << r << ": " << name.toStdString() << " v" << version << " after " << prevName.toStdString()
            << " v" << prevVersion;
    }
    EXPECT_EQ(results.index(9999, 0).data(SearchResultsModel::VersionRole).toInt(), 101);

    // At most maxRows rows are loaded.
    results.search(QStringLiteral("version > 100"), 1500);
    ASSERT_TRUE(finished.wait(30000));
    while (results.canFetchMore({})) {
        results.fetchMore({});
        ASSERT_TRUE(waitFor([&]() { return !results.isFetching(); }, 30000));
    }
    EXPECT_EQ(results.rowCount(), 1500);
    EXPECT_TRUE(results.isTruncated());
    EXPECT_TRUE(results.exceedsMaxRows());
    EXPECT_EQ(results.matchCount(), 1500);
}

TEST_P(Items, VersionDetailsShowEverything)
{
    VersionSpec s = sampleSpec(QStringLiteral("payments/fraud-detector"));
    s.metrics << Metric{QStringLiteral("auc"), QStringLiteral("test"), QStringLiteral("country=DE"), 0.81}
              << Metric{QStringLiteral("auc"), QStringLiteral("validation"), {}, 0.88};
    s.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
    s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
    s.tags.insert(QStringLiteral("team"), QStringLiteral("payments"));
    s.inputs << LineageInput{LineageKind::FeaturePipelineVersion, QStringLiteral("features"), QStringLiteral("2.3")};
    s.description = QStringLiteral("First line\nsecond line");
    ASSERT_TRUE(registry->registerVersion(s));
    openClient();
    VersionDetailsModel details;
    CheckedModel checked(&details);
    details.setClient(&client);
    QSignalSpy loaded(&details, &VersionDetailsModel::loaded);
    details.load(QStringLiteral("payments/fraud-detector"), 1);
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_EQ(details.rowCount(), VersionDetailsModel::SectionCount);
    EXPECT_EQ(details.summaryIndex(VersionDetailsModel::ArtifactRow).data(VersionDetailsModel::ValueRole).toString(),
              s.artifactUri);
    EXPECT_EQ(details.summaryIndex(VersionDetailsModel::DescriptionRow).data().toString(),
              QStringLiteral("First line"));
    EXPECT_EQ(details.summaryIndex(VersionDetailsModel::DescriptionRow).data(VersionDetailsModel::ValueRole).toString(),
              s.description);
    const QModelIndex metrics = details.sectionIndex(VersionDetailsModel::MetricsSection);
    ASSERT_EQ(details.rowCount(metrics), 2); // datasets: test, validation
    const QModelIndex test = details.index(0, 0, metrics);
    EXPECT_EQ(test.data().toString(), QStringLiteral("test"));
    ASSERT_EQ(details.rowCount(test), 2);
    EXPECT_EQ(details.index(1, VersionDetailsModel::DetailColumn, test).data().toString(),
              QStringLiteral("country=DE"));
    EXPECT_EQ(details.rowCount(details.sectionIndex(VersionDetailsModel::ParamsSection)), 1);
    EXPECT_EQ(details.rowCount(details.sectionIndex(VersionDetailsModel::LineageSection)), 1);
    EXPECT_GE(details.rowCount(details.sectionIndex(VersionDetailsModel::HistorySection)), 1);

    QSignalSpy failed(&details, &VersionDetailsModel::loadFailed);
    details.load(QStringLiteral("payments/fraud-detector"), 99);
    ASSERT_TRUE(failed.wait(10000));
    EXPECT_TRUE(details.hasVersion()); // the previous version stays on show
}

TEST_P(Items, ClientNoticesChangesByOtherClients)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/watched"))));
    openClient();
    QSignalSpy changed(&client, &RegistryClient::registryChanged);
    client.setWatchInterval(50);
    QTest::qWait(200);
    EXPECT_EQ(changed.count(), 0);
    ASSERT_TRUE(
        registry->setModelTags(QStringLiteral("team/watched"), {{QStringLiteral("k"), QStringLiteral("v")}}, {}));
    ASSERT_TRUE(changed.wait(5000));
}

MD_INSTANTIATE_BOTH(Items);
MD_INSTANTIATE_BOTH(VersionTable);

TEST(ItemsNotify, PostgresChangesArriveByListenNotifyWithoutPolling)
{
    TestDatabase pg(Backend::Postgres);
    ASSERT_TRUE(pg.ready()) << pg.error().toStdString();
    auto writer = pg.open();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->registerVersion(sampleSpec(QStringLiteral("team/listened"))));
    RegistryClient client;
    QSignalSpy opened(&client, &RegistryClient::opened);
    client.open(pg.url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(opened.wait(10000));
    client.setWatchInterval(0); // no polling: only the notification can tell
    QSignalSpy changed(&client, &RegistryClient::registryChanged);
    QTest::qWait(300);
    EXPECT_EQ(changed.count(), 0);
    ASSERT_TRUE(writer->registerVersion(sampleSpec(QStringLiteral("team/listened"))));
    ASSERT_TRUE(changed.wait(5000));
}

TEST(ItemsConnection, ReportsALostServerConnectionAndReconnects)
{
    TestDatabase pg(Backend::Postgres);
    ASSERT_TRUE(pg.ready()) << pg.error().toStdString();
    {
        auto reg = pg.open();
        ASSERT_TRUE(reg);
    }
    RegistryClient client;
    QSignalSpy opened(&client, &RegistryClient::opened);
    client.open(pg.url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(opened.wait(10000));
    QSignalSpy lost(&client, &RegistryClient::connectionLost);
    QSignalSpy restored(&client, &RegistryClient::connectionRestored);
    client.setWatchInterval(50);
    EXPECT_EQ(pg.rawExec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")),
              QString());
    ASSERT_TRUE(lost.wait(5000));
    EXPECT_TRUE(lost.first().first().toString().contains(QStringLiteral("lost")));
    ASSERT_TRUE(restored.wait(5000));
}
