// Lineage queries on both dialects: upstream, downstream, impact, erasure; diamonds, cycles, long chains.

#include "registry/manifest.h"
#include "registry/validation.h"
#include "testdb.h"

#include <QSet>

using namespace md;
using namespace md::test;

class Lineage : public BothDialects
{
protected:
    QSet<QString> specs(const QList<LineageNode> &nodes)
    {
        QSet<QString> s;
        for (const LineageNode &n : nodes)
            s.insert(n.spec());
        return s;
    }
    qint64 node(const QString &spec)
    {
        auto n = registry->lineageNode(spec);
        EXPECT_TRUE(n) << spec.toStdString() << ": " << (n ? std::string() : n.error().message.toStdString());
        return n ? n->id : 0;
    }
    void reg(const QString &model, const QStringList &inputs)
    {
        VersionSpec s = sampleSpec(model);
        for (const QString &i : inputs)
            s.inputs << *parseInputSpec(i);
        auto r = registry->registerVersion(s);
        ASSERT_TRUE(r) << r.error().message.toStdString();
    }
};
MD_INSTANTIATE_BOTH(Lineage);

TEST_P(Lineage, UpstreamOfAVersionIsEverythingItCameFrom)
{
    ASSERT_TRUE(registry->addLineageNode(QStringLiteral("source:eu-clickstream")));
    ASSERT_TRUE(registry->addLineageNode(QStringLiteral("dataset:clicks@2026-10")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("source:eu-clickstream"),
                                         QStringLiteral("dataset:clicks@2026-10"), QStringLiteral("derived_from")));
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:clicks@2026-10"), QStringLiteral("pipeline:features@2.3"),
                                  QStringLiteral("commit:abc1234")});
    auto up = registry->lineageUpstream(node(QStringLiteral("model:fraud@1")));
    ASSERT_TRUE(up) << up.error().message.toStdString();
    EXPECT_EQ(specs(up->nodes),
              (QSet<QString>{QStringLiteral("model:fraud@1"), QStringLiteral("dataset:clicks@2026-10"),
                             QStringLiteral("pipeline:features@2.3"), QStringLiteral("commit:abc1234"),
                             QStringLiteral("source:eu-clickstream"), QStringLiteral("dataset-family:clicks"),
                             QStringLiteral("pipeline-family:features")}));
    EXPECT_EQ(up->nodes.first().spec(), QStringLiteral("model:fraud@1"));
    EXPECT_FALSE(up->truncated);
    const auto source = std::find_if(up->nodes.begin(), up->nodes.end(), [](const LineageNode &n) {
        return n.spec() == QLatin1String("source:eu-clickstream");
    });
    ASSERT_NE(source, up->nodes.end());
    EXPECT_EQ(source->depth, 2);
    EXPECT_EQ(up->edges.size(), 6);
    // Bad input: unknown node, unknown kind, bad depth.
    EXPECT_EQ(registry->lineageNode(QStringLiteral("dataset:nope@1")).error().kind, Error::Kind::NotFound);
    EXPECT_EQ(registry->lineageNode(QStringLiteral("weather:sunny")).error().kind, Error::Kind::Invalid);
    EXPECT_TRUE(refusedAs(registry->lineageUpstream(node(QStringLiteral("model:fraud@1")), 0), Error::Kind::Invalid,
                          QStringLiteral("The lineage depth must be between 1 and")));
    const int edges = db->rawScalar(QStringLiteral("SELECT count(*) FROM lineage_edges")).toInt();
    EXPECT_TRUE(refusedAs(registry->addLineageEdge(QStringLiteral("source:eu-clickstream"),
                                                   QStringLiteral("model:fraud@1"), QStringLiteral("inspired_by")),
                          Error::Kind::Invalid, QStringLiteral("Unknown edge kind 'inspired_by'")));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM lineage_edges")).toInt(), edges);
}

TEST_P(Lineage, DiamondsAreReachedOnceAtTheirShortestDepth)
{
    // source -> a, source -> b, a -> c, b -> c, c -> model
    for (const char *n : {"source:s", "dataset:a@1", "dataset:b@1", "dataset:c@1"})
        ASSERT_TRUE(registry->addLineageNode(QString::fromLatin1(n)));
    for (const auto &[src, dst] : {std::pair{"source:s", "dataset:a@1"}, std::pair{"source:s", "dataset:b@1"},
                                   std::pair{"dataset:a@1", "dataset:c@1"}, std::pair{"dataset:b@1", "dataset:c@1"}})
        ASSERT_TRUE(registry->addLineageEdge(QString::fromLatin1(src), QString::fromLatin1(dst),
                                             QStringLiteral("derived_from")));
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:c@1")});
    auto down = registry->lineageDownstream(node(QStringLiteral("source:s")));
    ASSERT_TRUE(down);
    EXPECT_EQ(down->nodes.size(), 5); // s, a, b, c and the model version, each once
    QHash<QString, int> depth;
    for (const LineageNode &n : down->nodes)
        depth.insert(n.spec(), n.depth);
    EXPECT_EQ(depth.value(QStringLiteral("dataset:c@1")), 2);
    EXPECT_EQ(depth.value(QStringLiteral("model:fraud@1")), 3);
    EXPECT_EQ(down->edges.size(), 5);
}

TEST_P(Lineage, CyclesNeverHangAndDepthIsBoundedAndReported)
{
    // A cycle in the data (a -> b -> c -> a) plus a long chain of 40 datasets.
    for (const char *n : {"dataset:a@1", "dataset:b@1", "dataset:c@1"})
        ASSERT_TRUE(registry->addLineageNode(QString::fromLatin1(n)));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("dataset:a@1"), QStringLiteral("dataset:b@1"),
                                         QStringLiteral("derived_from")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("dataset:b@1"), QStringLiteral("dataset:c@1"),
                                         QStringLiteral("derived_from")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("dataset:c@1"), QStringLiteral("dataset:a@1"),
                                         QStringLiteral("derived_from")));
    auto cyc = registry->lineageDownstream(node(QStringLiteral("dataset:a@1")), 50);
    ASSERT_TRUE(cyc);
    EXPECT_EQ(cyc->nodes.size(), 3);
    EXPECT_EQ(cyc->edges.size(), 3);
    auto up = registry->lineageUpstream(node(QStringLiteral("dataset:a@1")), 50);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->nodes.size(), 3);

    QString previous = QStringLiteral("dataset:chain@0");
    ASSERT_TRUE(registry->addLineageNode(previous));
    for (int i = 1; i <= 40; ++i) {
        const QString next = QStringLiteral("dataset:chain@%1").arg(i);
        ASSERT_TRUE(registry->addLineageNode(next));
        ASSERT_TRUE(registry->addLineageEdge(previous, next, QStringLiteral("derived_from")));
        previous = next;
    }
    auto shallow = registry->lineageDownstream(node(QStringLiteral("dataset:chain@0")), 10);
    ASSERT_TRUE(shallow);
    EXPECT_EQ(shallow->nodes.size(), 11);
    EXPECT_TRUE(shallow->truncated);
    auto deep = registry->lineageDownstream(node(QStringLiteral("dataset:chain@0")), 40);
    ASSERT_TRUE(deep);
    EXPECT_EQ(deep->nodes.size(), 41);
    EXPECT_FALSE(deep->truncated);
}

TEST_P(Lineage, ImpactListsAffectedProductionVersionsAndDeployments)
{
    auto alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
    auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
    auto dave = db->openAs(QStringLiteral("dave"), QStringLiteral("deployer"));
    ASSERT_TRUE(alice && rita && dave);
    auto make = [&](const QString &model, const QString &pipeline) {
        VersionSpec s = sampleSpec(model);
        s.inputs << *parseInputSpec(pipeline);
        auto r = alice->registerVersion(s);
        EXPECT_TRUE(r);
        return r ? r->version : 0;
    };
    const int f1 = make(QStringLiteral("fraud"), QStringLiteral("pipeline:features@2.3"));
    make(QStringLiteral("fraud"), QStringLiteral("pipeline:features@2.4"));
    const int r1 = make(QStringLiteral("ranker"), QStringLiteral("pipeline:features@2.3"));
    // fraud v1 goes to Production and is deployed; ranker v1 stays in None.
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), f1, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), f1, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req);
    ASSERT_TRUE(rita->decide(req->id, true, QStringLiteral("ok"), {}));
    ASSERT_TRUE(
        dave->reportDeployment(QStringLiteral("fraud-api"), QStringLiteral("prod-eu"), QStringLiteral("fraud"), f1));
    auto rep = registry->impact(node(QStringLiteral("pipeline:features@2.3")));
    ASSERT_TRUE(rep) << rep.error().message.toStdString();
    EXPECT_EQ(specs(rep->versions),
              (QSet<QString>{QStringLiteral("model:fraud@%1").arg(f1), QStringLiteral("model:ranker@%1").arg(r1)}));
    ASSERT_EQ(rep->production.size(), 1);
    EXPECT_EQ(rep->production.first().spec(), QStringLiteral("model:fraud@1"));
    ASSERT_EQ(rep->deployments.size(), 1);
    EXPECT_EQ(rep->deployments.first().service, QStringLiteral("fraud-api"));
    // The deployment is a node downstream of the version.
    auto down = registry->lineageDownstream(node(QStringLiteral("model:fraud@1")));
    ASSERT_TRUE(down);
    EXPECT_TRUE(specs(down->nodes).contains(QStringLiteral("deployment:fraud-api@prod-eu")));
}

TEST_P(Lineage, ErasureCheckProvesUseWithAPath)
{
    ASSERT_TRUE(registry->addLineageNode(QStringLiteral("source:eu-users")));
    ASSERT_TRUE(registry->addLineageNode(QStringLiteral("dataset:profiles@7")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("source:eu-users"), QStringLiteral("dataset:profiles@7"),
                                         QStringLiteral("derived_from")));
    auto alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
    auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
    ASSERT_TRUE(alice && rita);
    VersionSpec s = sampleSpec(QStringLiteral("churn"));
    s.inputs << *parseInputSpec(QStringLiteral("dataset:profiles@7"));
    ASSERT_TRUE(alice->registerVersion(s));
    auto before = registry->erasureCheck(node(QStringLiteral("source:eu-users")));
    ASSERT_TRUE(before);
    EXPECT_FALSE(before->usedInProduction);
    EXPECT_EQ(before->versionsUsing, 1);
    ASSERT_TRUE(alice->promote(QStringLiteral("churn"), 1, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("churn"), 1, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req);
    ASSERT_TRUE(rita->decide(req->id, true, QStringLiteral("ok"), {}));
    auto after = registry->erasureCheck(node(QStringLiteral("source:eu-users")));
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->usedInProduction);
    ASSERT_EQ(after->productionPaths.size(), 1);
    QStringList path;
    for (const LineageNode &n : after->productionPaths.first().path)
        path << n.spec();
    EXPECT_EQ(path, (QStringList{QStringLiteral("source:eu-users"), QStringLiteral("dataset:profiles@7"),
                                 QStringLiteral("model:churn@1")}));
    // From the command line too.
    QString out;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("lineage"), QStringLiteral("uses"),
                           QStringLiteral("source:eu-users")},
                          &out),
              0);
    EXPECT_TRUE(out.contains(QLatin1String("source:eu-users -> dataset:profiles@7 -> model:churn@1")))
        << out.toStdString();
}

TEST_P(Lineage, ManifestRecordsNodesAndEdgesWithTheVersion)
{
    const QByteArray json = R"({"name": "churn", "artifact": "s3://m/churn/1",
        "inputs": ["dataset:profiles@7"],
        "lineage": {"nodes": ["source:crm", "dataset:profiles@7"],
                    "edges": [{"from": "source:crm", "to": "dataset:profiles@7", "kind": "derived_from"}]}})";
    auto spec = parseManifest(json, QStringLiteral("m.json"));
    ASSERT_TRUE(spec) << spec.error().message.toStdString();
    auto r = registry->registerVersion(*spec);
    ASSERT_TRUE(r) << r.error().message.toStdString();
    auto up = registry->lineageUpstream(node(QStringLiteral("model:churn@1")));
    ASSERT_TRUE(up);
    EXPECT_TRUE(specs(up->nodes).contains(QStringLiteral("source:crm")));

    // An edge to an unknown node, or of an unknown kind, is refused and writes nothing.
    const int versions = db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt();
    VersionSpec bad = *spec;
    bad.lineageNodes.clear();
    bad.lineageEdges = {VersionSpec::Edge{QStringLiteral("source:nowhere"), QStringLiteral("dataset:profiles@7"),
                                          QStringLiteral("derived_from")}};
    EXPECT_TRUE(refusedAs(registry->registerVersion(bad), Error::Kind::NotFound, QStringLiteral("source:nowhere")));
    bad.lineageEdges.first().kind = QStringLiteral("inspired_by");
    EXPECT_TRUE(refusedAs(
        registry->registerVersion(bad), Error::Kind::Invalid,
        QStringLiteral("The lineage edge source:nowhere -> dataset:profiles@7 has an unknown kind 'inspired_by'")));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), versions);
    EXPECT_TRUE(refusedAs(parseManifest(R"({"lineage": {"nodes": "source:x"}})", QStringLiteral("m.json")),
                          Error::Kind::Invalid, QStringLiteral("m.json: \"lineage\" must be {\"nodes\": [")));
}

TEST_P(Lineage, OverviewIsEveryVersionsUpstreamAndDownstreamInTwoStatements)
{
    // source -> clicks@1 -> fraud@1; clicks@2 -> fraud@2; fraud@1 -> fraud@2 (fine-tuned); fraud@3 alone;
    // fraud@2 -> scorer@1 (another model, downstream) -> deployment; an unrelated dataset stays out.
    for (const char *n :
         {"source:eu", "dataset:clicks@1", "dataset:clicks@2", "dataset:other@1", "deployment:api@prod"})
        ASSERT_TRUE(registry->addLineageNode(QString::fromLatin1(n)));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("source:eu"), QStringLiteral("dataset:clicks@1"),
                                         QStringLiteral("derived_from")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("source:eu"), QStringLiteral("dataset:other@1"),
                                         QStringLiteral("derived_from")));
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:clicks@1")});
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:clicks@2")});
    reg(QStringLiteral("fraud"), {});
    reg(QStringLiteral("scorer"), {QStringLiteral("model:fraud@2")});
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"),
                                         QStringLiteral("derived_from")));
    ASSERT_TRUE(registry->addLineageEdge(QStringLiteral("model:scorer@1"), QStringLiteral("deployment:api@prod"),
                                         QStringLiteral("deployed_as")));

    const quint64 before = registry->statementCount();
    auto g = registry->lineageOverview(QStringLiteral("fraud"));
    ASSERT_TRUE(g) << g.error().message.toStdString();
    EXPECT_EQ(registry->statementCount() - before, 2u);
    EXPECT_EQ(specs(g->nodes),
              (QSet<QString>{QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"),
                             QStringLiteral("model:fraud@3"), QStringLiteral("dataset:clicks@1"),
                             QStringLiteral("dataset:clicks@2"), QStringLiteral("dataset-family:clicks"),
                             QStringLiteral("source:eu"), QStringLiteral("model:scorer@1"),
                             QStringLiteral("deployment:api@prod")}));
    EXPECT_FALSE(g->truncated);
    // The root is the newest version, first; every version of the model is at depth 0.
    EXPECT_EQ(g->nodes.first().spec(), QStringLiteral("model:fraud@3"));
    EXPECT_EQ(g->root, g->nodes.first().id);
    QHash<QString, int> depth;
    for (const LineageNode &n : g->nodes)
        depth.insert(n.spec(), n.depth);
    EXPECT_EQ(depth.value(QStringLiteral("model:fraud@2")), 0);
    EXPECT_EQ(depth.value(QStringLiteral("dataset:clicks@1")), 1);
    EXPECT_EQ(depth.value(QStringLiteral("source:eu")), 2);
    EXPECT_EQ(depth.value(QStringLiteral("deployment:api@prod")), 2);
    // The edges among them, the fine-tuning one between two versions included; none to the unrelated dataset.
    QSet<QString> edges;
    QHash<qint64, QString> spec;
    for (const LineageNode &n : g->nodes)
        spec.insert(n.id, n.spec());
    for (const LineageEdge &e : g->edges)
        edges.insert(spec.value(e.src) + QStringLiteral(" -> ") + spec.value(e.dst));
    EXPECT_TRUE(edges.contains(QStringLiteral("model:fraud@1 -> model:fraud@2")));
    EXPECT_TRUE(edges.contains(QStringLiteral("source:eu -> dataset:clicks@1")));
    EXPECT_TRUE(edges.contains(QStringLiteral("dataset:clicks@2 -> model:fraud@2")));
    EXPECT_TRUE(edges.contains(QStringLiteral("model:scorer@1 -> deployment:api@prod")));
    for (const QString &e : std::as_const(edges))
        EXPECT_FALSE(e.contains(QStringLiteral("other"))) << e.toStdString();

    // Rooted at a given version.
    auto at1 = registry->lineageOverview(QStringLiteral("fraud"), 1);
    ASSERT_TRUE(at1);
    EXPECT_EQ(at1->nodes.first().spec(), QStringLiteral("model:fraud@1"));

    // Cut at three nodes: the versions (depth 0) stay, newest first, and the cut is reported.
    auto cut = registry->lineageOverview(QStringLiteral("fraud"), 0, 3);
    ASSERT_TRUE(cut);
    EXPECT_TRUE(cut->truncated);
    EXPECT_EQ(specs(cut->nodes), (QSet<QString>{QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"),
                                                QStringLiteral("model:fraud@3")}));
    EXPECT_EQ(cut->edges.size(), 1);
    auto older = registry->lineageOverview(QStringLiteral("fraud"), 1, 2);
    EXPECT_TRUE(refusedAs(older, Error::Kind::Invalid, QStringLiteral("version 1 is not among the first 2")));

    // Bad input: an unknown model, a version it does not have, SQL in the name.
    EXPECT_TRUE(refusedAs(registry->lineageOverview(QStringLiteral("nope")), Error::Kind::NotFound,
                          QStringLiteral("There is no model named 'nope'.")));
    EXPECT_TRUE(refusedAs(registry->lineageOverview(QStringLiteral("fraud"), 9), Error::Kind::NotFound,
                          QStringLiteral("fraud has no version 9.")));
    EXPECT_TRUE(refusedAs(registry->lineageOverview(QStringLiteral("fraud' OR '1'='1")), Error::Kind::NotFound,
                          QStringLiteral("There is no model named")));
}
