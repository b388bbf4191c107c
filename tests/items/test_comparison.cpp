// The comparison model and its "differences only" proxy over hand-made versions: missing metrics,
// identical values, baseline changes and per-metric direction settings. QAbstractItemModelTester is
// attached to both.

#include "items/comparisondata.h"
#include "items/comparisonmodel.h"
#include "items/metricdirection.h"
#include "modeltester.h"
#include "testdb.h"

#include <QSettings>

using namespace md;
using namespace md::test;

namespace {

ModelVersion makeVersion(int n, Stage stage, QList<Metric> metrics, QMap<QString, QString> params)
{
    ModelVersion v;
    v.modelName = QStringLiteral("payments/fraud");
    v.version = n;
    v.stage = stage;
    v.artifactUri = QStringLiteral("s3://m/%1").arg(n);
    v.metrics = std::move(metrics);
    v.params = std::move(params);
    v.tags = {{QStringLiteral("team"), QStringLiteral("payments")}};
    return v;
}

Metric m(const QString &name, double value, const QString &slice = {})
{
    return Metric{name, QStringLiteral("test"), slice, value};
}

// v1 (None), v2 (Production), v3 (Staging, no logloss); lr identical everywhere.
QList<ModelVersion> threeVersions()
{
    return {
        makeVersion(1, Stage::None, {m(QStringLiteral("auc"), 0.80), m(QStringLiteral("logloss"), 0.40)},
                    {{QStringLiteral("lr"), QStringLiteral("0.1")}, {QStringLiteral("depth"), QStringLiteral("6")}}),
        makeVersion(2, Stage::Production,
                    {m(QStringLiteral("auc"), 0.85), m(QStringLiteral("logloss"), 0.30),
                     m(QStringLiteral("auc"), 0.83, QStringLiteral("country=DE"))},
                    {{QStringLiteral("lr"), QStringLiteral("0.1")}, {QStringLiteral("depth"), QStringLiteral("8")}}),
        makeVersion(3, Stage::Staging,
                    {m(QStringLiteral("auc"), 0.85), m(QStringLiteral("auc"), 0.79, QStringLiteral("country=DE"))},
                    {{QStringLiteral("lr"), QStringLiteral("0.1")}, {QStringLiteral("depth"), QStringLiteral("8")}})};
}

QModelIndex cell(const ComparisonModel &model, DiffRow::Section section, const QString &key, int version)
{
    const int row = model.rowOfKey(section, key);
    return row < 0 ? QModelIndex() : model.index(row, ComparisonModel::FirstVersionColumn + version);
}

QStringList keysShown(const QAbstractItemModel &model)
{
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r)
        out << model.index(r, 0).data().toString();
    return out;
}

} // namespace

TEST(ComparisonModel, RowsGroupedBySectionWithBaselineDeltasAndMissingValues)
{
    ComparisonModel model;
    CheckedModel checked(&model);
    model.setDiff(diffVersions(threeVersions(), {}));
    EXPECT_EQ(model.columnCount(), 4);
    EXPECT_EQ(model.baseline(), 1); // the Production version
    EXPECT_EQ(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("v2\nProduction · baseline"));
    EXPECT_EQ(model.headerData(3, Qt::Horizontal, ComparisonModel::StageRole).toInt(), int(Stage::Staging));

    // Section headers come first in each group, in the order artifact, metrics, params, tags.
    EXPECT_EQ(keysShown(model),
              (QStringList{QStringLiteral("Artifact"), QStringLiteral("uri"), QStringLiteral("Metrics"),
                           QStringLiteral("auc@test"), QStringLiteral("auc@test[country=DE]"),
                           QStringLiteral("logloss@test"), QStringLiteral("Params"), QStringLiteral("depth"),
                           QStringLiteral("lr"), QStringLiteral("Tags"), QStringLiteral("team")}));
    EXPECT_TRUE(model.index(2, 0).data(ComparisonModel::IsSectionHeaderRole).toBool());
    EXPECT_FALSE(model.index(3, 0).data(ComparisonModel::IsSectionHeaderRole).toBool());

    const QModelIndex auc1 = cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test"), 0);
    EXPECT_DOUBLE_EQ(auc1.data(ComparisonModel::NumberRole).toDouble(), 0.80);
    EXPECT_NEAR(auc1.data(ComparisonModel::DeltaRole).toDouble(), -0.05, 1e-12);
    EXPECT_EQ(auc1.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Worse));
    EXPECT_EQ(auc1.data().toString(), QStringLiteral("0.8  (-0.05)"));
    EXPECT_EQ(auc1.data(ComparisonModel::MetricNameRole).toString(), QStringLiteral("auc"));
    EXPECT_EQ(auc1.data(ComparisonModel::DatasetRole).toString(), QStringLiteral("test"));
    // Identical to the baseline: same, no delta text.
    const QModelIndex auc3 = cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test"), 2);
    EXPECT_EQ(auc3.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Same));
    EXPECT_EQ(auc3.data().toString(), QStringLiteral("0.85"));
    // Lower is better for logloss: v1's higher loss is worse.
    const QModelIndex loss1 = cell(model, DiffRow::Section::Metric, QStringLiteral("logloss@test"), 0);
    EXPECT_TRUE(loss1.data(ComparisonModel::LowerIsBetterRole).toBool());
    EXPECT_EQ(loss1.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Worse));
    // v3 has no logloss: missing, no number, no delta, no comparison.
    const QModelIndex loss3 = cell(model, DiffRow::Section::Metric, QStringLiteral("logloss@test"), 2);
    EXPECT_TRUE(loss3.data(ComparisonModel::MissingRole).toBool());
    EXPECT_FALSE(loss3.data(ComparisonModel::NumberRole).isValid());
    EXPECT_FALSE(loss3.data(ComparisonModel::DeltaRole).isValid());
    EXPECT_FALSE(loss3.data(ComparisonModel::ComparisonRole).isValid());
    EXPECT_EQ(loss3.data().toString(), QStringLiteral("—"));
    // v1 has no DE slice.
    const QModelIndex de3 = cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test[country=DE]"), 2);
    EXPECT_EQ(de3.data(ComparisonModel::SliceRole).toString(), QStringLiteral("country=DE"));
    EXPECT_EQ(de3.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Worse));
    EXPECT_TRUE(cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test[country=DE]"), 0)
                    .data(ComparisonModel::MissingRole)
                    .toBool());
    // Identical param: does not differ; text params compare no numbers for better/worse.
    EXPECT_FALSE(
        cell(model, DiffRow::Section::Param, QStringLiteral("lr"), 0).data(ComparisonModel::DiffersRole).toBool());
    EXPECT_TRUE(
        cell(model, DiffRow::Section::Param, QStringLiteral("depth"), 0).data(ComparisonModel::DiffersRole).toBool());
    EXPECT_FALSE(cell(model, DiffRow::Section::Param, QStringLiteral("depth"), 0)
                     .data(ComparisonModel::ComparisonRole)
                     .isValid());
}

TEST(ComparisonModel, ChangingTheBaselineRecomputesDeltas)
{
    ComparisonModel model;
    CheckedModel checked(&model);
    model.setDiff(diffVersions(threeVersions(), {}));
    model.setBaseline(0);
    EXPECT_EQ(model.baseline(), 0);
    const QModelIndex auc2 = cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test"), 1);
    EXPECT_NEAR(auc2.data(ComparisonModel::DeltaRole).toDouble(), 0.05, 1e-12);
    EXPECT_EQ(auc2.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Better));
    EXPECT_TRUE(model.headerData(1, Qt::Horizontal, ComparisonModel::IsBaselineRole).toBool());
    EXPECT_FALSE(model.headerData(2, Qt::Horizontal, ComparisonModel::IsBaselineRole).toBool());
    model.setBaseline(7); // out of range: ignored
    EXPECT_EQ(model.baseline(), 0);
}

TEST(ComparisonModel, RegistryMetricDirectionOverridesTheConvention)
{
    ComparisonModel model;
    CheckedModel checked(&model);
    model.setDiff(diffVersions(threeVersions(), {}));
    const QModelIndex auc1 = cell(model, DiffRow::Section::Metric, QStringLiteral("auc@test"), 0);
    EXPECT_FALSE(auc1.data(ComparisonModel::LowerIsBetterRole).toBool());
    EXPECT_EQ(auc1.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Worse));
    MetricDirections lower;
    lower.model.insert(QStringLiteral("auc"), MetricDirection::LowerIsBetter);
    model.refreshDirections(lower);
    EXPECT_TRUE(auc1.data(ComparisonModel::LowerIsBetterRole).toBool());
    EXPECT_EQ(auc1.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Better));
    model.refreshDirections({});
    EXPECT_FALSE(auc1.data(ComparisonModel::LowerIsBetterRole).toBool());
    EXPECT_EQ(auc1.data(ComparisonModel::ComparisonRole).toInt(), int(ComparisonModel::Comparison::Worse));
}

TEST(ComparisonModel, DifferencesOnlyHidesIdenticalRowsAndEmptySections)
{
    ComparisonModel model;
    ComparisonFilterProxy proxy;
    proxy.setSourceModel(&model);
    CheckedModel checkedModel(&model);
    CheckedModel checkedProxy(&proxy);
    model.setDiff(diffVersions(threeVersions(), {}));
    EXPECT_EQ(proxy.rowCount(), model.rowCount());
    proxy.setDifferencesOnly(true);
    // lr and the tag are identical everywhere; the Tags section has nothing left.
    EXPECT_EQ(keysShown(proxy),
              (QStringList{QStringLiteral("Artifact"), QStringLiteral("uri"), QStringLiteral("Metrics"),
                           QStringLiteral("auc@test"), QStringLiteral("auc@test[country=DE]"),
                           QStringLiteral("logloss@test"), QStringLiteral("Params"), QStringLiteral("depth")}));
    proxy.setDifferencesOnly(false);
    EXPECT_EQ(proxy.rowCount(), model.rowCount());

    // Two identical versions: nothing differs at all.
    QList<ModelVersion> same = threeVersions().mid(2, 1);
    same << same.first();
    same.last().version = 4;
    same.last().artifactUri = same.first().artifactUri;
    model.setDiff(diffVersions(same, {}));
    proxy.setDifferencesOnly(true);
    EXPECT_EQ(proxy.rowCount(), 0);
    EXPECT_EQ(model.versionLabel(1), QStringLiteral("v4"));
}

TEST(ComparisonModel, VersionsOfSeveralModelsAreLabelledWithTheirModel)
{
    QList<ModelVersion> versions = threeVersions().mid(0, 2);
    versions[1].modelName = QStringLiteral("search/ranker");
    ComparisonModel model;
    CheckedModel checked(&model);
    model.setDiff(diffVersions(versions, {}));
    EXPECT_EQ(model.versionLabel(0), QStringLiteral("fraud v1"));
    EXPECT_EQ(model.versionLabel(1), QStringLiteral("ranker v2"));
    EXPECT_EQ(model.headerData(2, Qt::Horizontal, ComparisonModel::ModelNameRole).toString(),
              QStringLiteral("search/ranker"));
    model.setDiff({});
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(model.columnCount(), 1);
}

// Loading a comparison from a real registry (both dialects): full metadata, model then version order,
// duplicates dropped, the 2..50 limit, and every version of each model for the trend.
class ComparisonLoad : public BothDialects
{
};

TEST_P(ComparisonLoad, LoadsChosenVersionsAndEachModelsHistory)
{
    for (const QString &name : {QStringLiteral("team/a"), QStringLiteral("team/b")})
        for (int i = 0; i < 3; ++i) {
            VersionSpec spec = sampleSpec(name);
            spec.params.insert(QStringLiteral("seed"), QString::number(i));
            spec.metrics << Metric{QStringLiteral("auc"), QStringLiteral("test"), QStringLiteral("country=DE"),
                                   0.8 + i * 0.01};
            ASSERT_TRUE(registry->registerVersion(spec));
        }
    auto loaded = loadComparison(*registry, {{QStringLiteral("team/b"), 2},
                                             {QStringLiteral("team/a"), 3},
                                             {QStringLiteral("team/a"), 1},
                                             {QStringLiteral("team/a"), 3}});
    ASSERT_TRUE(loaded) << loaded.error().message.toStdString();
    ASSERT_EQ(loaded->versions.size(), 3);
    EXPECT_EQ(loaded->versions[0].modelName, QStringLiteral("team/a"));
    EXPECT_EQ(loaded->versions[0].version, 1);
    EXPECT_EQ(loaded->versions[1].version, 3);
    EXPECT_EQ(loaded->versions[2].modelName, QStringLiteral("team/b"));
    EXPECT_EQ(loaded->versions[2].params.value(QStringLiteral("seed")), QStringLiteral("1"));
    EXPECT_EQ(loaded->versions[2].metrics.size(), 2);
    EXPECT_EQ(loaded->addedBaseline, -1); // no Production version anywhere
    EXPECT_EQ(loaded->allVersions.keys(), (QStringList{QStringLiteral("team/a"), QStringLiteral("team/b")}));
    EXPECT_EQ(loaded->allVersions.value(QStringLiteral("team/a")).size(), 3);
    EXPECT_TRUE(loaded->production.value(QStringLiteral("team/a")).isEmpty());

    EXPECT_TRUE(refusedAs(loadComparison(*registry, {{QStringLiteral("team/a"), 1}, {QStringLiteral("team/a"), 1}}),
                          Error::Kind::Invalid,
                          QStringLiteral("Choose between 2 and 50 versions to compare (1 chosen)")));
    EXPECT_TRUE(refusedAs(loadComparison(*registry, {{QStringLiteral("team/a"), 1}, {QStringLiteral("team/a"), 9}}),
                          Error::Kind::NotFound, QStringLiteral("no version 9")));
}

MD_INSTANTIATE_BOTH(ComparisonLoad);
