// Version comparison: the diff rows, deltas and highlighting, and `modelctl diff` (both dialects).

#include "registry/compare.h"
#include "testdb.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace md;
using namespace md::test;

namespace {
ModelVersion version(int n, QList<Metric> metrics, QMap<QString, QString> params)
{
    ModelVersion v;
    v.modelName = QStringLiteral("fraud");
    v.version = n;
    v.artifactUri = QStringLiteral("s3://m/%1").arg(n);
    v.metrics = std::move(metrics);
    v.params = std::move(params);
    return v;
}

const DiffRow *row(const VersionDiff &d, const QString &key)
{
    for (const DiffRow &r : d.rows)
        if (r.key == key)
            return &r;
    return nullptr;
}
} // namespace

TEST(Compare, DeltasAgainstTheBaselineMissingValuesAndIdenticalRows)
{
    const VersionDiff d = diffVersions(
        {version(1,
                 {{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.80}, {QStringLiteral("logloss"), {}, {}, 0.40}},
                 {{QStringLiteral("lr"), QStringLiteral("0.1")}, {QStringLiteral("depth"), QStringLiteral("6")}}),
         version(2,
                 {{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.85}, {QStringLiteral("logloss"), {}, {}, 0.30}},
                 {{QStringLiteral("lr"), QStringLiteral("0.1")}}),
         version(3, {{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.80}},
                 {{QStringLiteral("lr"), QStringLiteral("0.1")}, {QStringLiteral("depth"), QStringLiteral("8")}})},
        {});
    const DiffRow *auc = row(d, QStringLiteral("auc@test"));
    ASSERT_TRUE(auc);
    EXPECT_TRUE(auc->differs);
    EXPECT_FALSE(auc->lowerIsBetter);
    ASSERT_EQ(auc->deltas.size(), 3);
    EXPECT_NEAR(*auc->deltas[1], 0.05, 1e-12);
    EXPECT_DOUBLE_EQ(*auc->deltas[2], 0.0);
    const DiffRow *loss = row(d, QStringLiteral("logloss"));
    ASSERT_TRUE(loss);
    EXPECT_TRUE(loss->lowerIsBetter);
    EXPECT_FALSE(loss->values[2].has_value()); // v3 has no logloss
    EXPECT_FALSE(loss->deltas[2].has_value());
    EXPECT_TRUE(loss->differs);
    const DiffRow *lr = row(d, QStringLiteral("lr"));
    ASSERT_TRUE(lr);
    EXPECT_FALSE(lr->differs); // identical everywhere
    const DiffRow *depth = row(d, QStringLiteral("depth"));
    ASSERT_TRUE(depth);
    EXPECT_TRUE(depth->differs);
    EXPECT_DOUBLE_EQ(*depth->deltas[2], 2.0);
    EXPECT_EQ(d.differingRows(), 4); // artifact uri, auc, logloss, depth
}

class Diff : public BothDialects
{
};
MD_INSTANTIATE_BOTH(Diff);

TEST_P(Diff, ModelctlDiffShowsTheSameComparison)
{
    VersionSpec a = sampleSpec(QStringLiteral("fraud"));
    a.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
    a.facts << Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("clicks@2026-09")};
    a.inputs << LineageInput{LineageKind::DatasetVersion, QStringLiteral("clicks"), QStringLiteral("2026-09")};
    VersionSpec b = a;
    b.artifactUri = QStringLiteral("s3://bucket/fraud/v2/model.bin");
    b.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.93}};
    b.facts = {Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("clicks@2026-10")}};
    b.inputs = {LineageInput{LineageKind::DatasetVersion, QStringLiteral("clicks"), QStringLiteral("2026-10")}};
    ASSERT_TRUE(registry->registerVersion(a));
    ASSERT_TRUE(registry->registerVersion(b));
    QString out, err;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("--json"), QStringLiteral("diff"),
                           QStringLiteral("fraud"), QStringLiteral("1"), QStringLiteral("2"),
                           QStringLiteral("--differences-only")},
                          &out, &err),
              0)
        << err.toStdString();
    const QJsonObject o = QJsonDocument::fromJson(out.toUtf8()).object();
    QStringList keys;
    for (const QJsonValue &r : o.value(QStringLiteral("rows")).toArray()) {
        keys << r.toObject().value(QStringLiteral("key")).toString();
        if (r.toObject().value(QStringLiteral("key")).toString() == QLatin1String("auc@test")) {
            EXPECT_NEAR(r.toObject().value(QStringLiteral("deltas")).toArray().at(1).toDouble(), 0.03, 1e-9);
        }
    }
    EXPECT_EQ(keys, (QStringList{QStringLiteral("uri"), QStringLiteral("auc@test"),
                                 QStringLiteral("data.dataset_version"), QStringLiteral("dataset:clicks")}));
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("diff"), QStringLiteral("fraud"),
                           QStringLiteral("1"), QStringLiteral("2")},
                          &out, &err),
              0);
    EXPECT_TRUE(out.contains(QLatin1String("+0.03 better"))) << out.toStdString();
    EXPECT_TRUE(out.contains(QLatin1String("4 of"))) << out.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("diff"), QStringLiteral("fraud"),
                           QStringLiteral("1")},
                          &out, &err),
              2);
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("diff"), QStringLiteral("fraud"),
                           QStringLiteral("1"), QStringLiteral("9")},
                          &out, &err),
              3);
}
