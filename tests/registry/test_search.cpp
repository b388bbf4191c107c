// The search filter language: parsing, errors with positions, SQL with bound values only, and the same
// results on SQLite and PostgreSQL.

#include "registry/demo.h"
#include "registry/search.h"
#include "testdb.h"

#include <QSet>

using namespace md;
using namespace md::test;

namespace {

QString tree(const QString &filter)
{
    const ParsedFilter p = parseFilter(filter);
    if (!p.ok())
        return QStringLiteral("error@%1: %2").arg(p.error->position).arg(p.error->message);
    return p.root->toString();
}

FilterError syntaxError(const QString &filter)
{
    const CompiledFilter c = compileFilter(filter, Dialect::Sqlite);
    EXPECT_FALSE(c.ok()) << filter.toStdString();
    return c.error.value_or(FilterError{});
}

QStringList keys(const QList<SearchHit> &hits)
{
    QStringList out;
    for (const SearchHit &h : hits)
        out << QStringLiteral("%1@%2").arg(h.modelName).arg(h.version);
    return out;
}

} // namespace

TEST(FilterParser, PrecedenceAndShapes)
{
    EXPECT_EQ(tree(QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments'")),
              QStringLiteral("(AND (> metrics.auc 0.85) (= tags.team 'payments'))"));
    // AND binds tighter than OR; NOT tighter than AND; parentheses override.
    EXPECT_EQ(tree(QStringLiteral("name = 'a' OR name = 'b' AND version = 2")),
              QStringLiteral("(OR (= name 'a') (AND (= name 'b') (= version 2)))"));
    EXPECT_EQ(tree(QStringLiteral("(name = 'a' OR name = 'b') AND NOT version = 2")),
              QStringLiteral("(AND (OR (= name 'a') (= name 'b')) (NOT (= version 2)))"));
    EXPECT_EQ(tree(QStringLiteral("metrics.auc@test[country=DE] >= 0.8")),
              QStringLiteral("(>= metrics.auc@test[country=DE] 0.8)"));
    EXPECT_EQ(tree(QStringLiteral("stage in ('Staging', Production)")),
              QStringLiteral("(IN stage ('Staging', 'Production'))"));
    EXPECT_EQ(tree(QStringLiteral("name NOT LIKE 'fraud%' and version not in (1,2)")),
              QStringLiteral("(AND (NOT LIKE name 'fraud%') (NOT IN version (1, 2)))"));
    EXPECT_EQ(tree(QStringLiteral("created_at >= 2026-10-01 AND data.date_to < \"2026-10-15\"")),
              QStringLiteral("(AND (>= created_at '2026-10-01') (< data.date_to '2026-10-15'))"));
    EXPECT_EQ(tree(QStringLiteral("name = 'it''s' OR version <> 3 OR version != -1e2")),
              QStringLiteral("(OR (OR (= name 'it''s') (!= version 3)) (!= version -1e2))"));
    EXPECT_EQ(tree(QStringLiteral("lineage.input = 'pipeline:features@2.3'")),
              QStringLiteral("(= lineage.input 'pipeline:features@2.3')"));
    EXPECT_EQ(tree(QStringLiteral("code.git_sha LIKE 'abc%' OR env.python = '3.11' OR training.compute = 'gpu'")),
              QStringLiteral("(OR (OR (LIKE code.git_sha 'abc%') (= env.python '3.11')) (= training.compute 'gpu'))"));
}

TEST(FilterParser, SyntaxErrorsNamePositionAndExpectation)
{
    struct Case
    {
        QString filter;
        qsizetype position;
        QString expected; // part of the message
    };
    const QList<Case> cases = {
        {QStringLiteral(""), 0, QStringLiteral("empty")},
        {QStringLiteral("metrics.auc >"), 13, QStringLiteral("expected a value")},
        {QStringLiteral("metrics.auc 0.85"), 12, QStringLiteral("expected an operator")},
        {QStringLiteral("auc > 0.85"), 0, QStringLiteral("unknown field 'auc'")},
        {QStringLiteral("name = 'open"), 7, QStringLiteral("not closed")},
        {QStringLiteral("(name = 'a'"), 11, QStringLiteral("expected ')' to close the '(' at column 1")},
        {QStringLiteral("name = 'a')"), 10, QStringLiteral("no '(' to close")},
        {QStringLiteral("name = 'a' name = 'b'"), 11, QStringLiteral("expected AND, OR")},
        {QStringLiteral("name = 'a' AND"), 14, QStringLiteral("expected a field")},
        {QStringLiteral("stage IN 'Production'"), 9, QStringLiteral("expected '(' after IN")},
        {QStringLiteral("stage IN ('a' 'b')"), 14, QStringLiteral("expected ',' or ')'")},
        {QStringLiteral("name ; DROP"), 5, QStringLiteral("unexpected character ';'")},
        {QStringLiteral("metrics. > 1"), 0, QStringLiteral("expected a name after 'metrics.'")},
        {QStringLiteral("metrics.auc@ > 1"), 13, QStringLiteral("dataset name")},
        {QStringLiteral("metrics.auc[country=DE > 1"), 11, QStringLiteral("expected ']'")},
        {QStringLiteral("name@test = 'a'"), 4, QStringLiteral("only metrics")},
        // Meaning errors carry positions too.
        {QStringLiteral("metrics.auc > 'high'"), 14, QStringLiteral("expected a number")},
        {QStringLiteral("metrics.auc LIKE '0.8%'"), 0, QStringLiteral("not LIKE")},
        {QStringLiteral("version = 1.5"), 10, QStringLiteral("whole number")},
        {QStringLiteral("stage = 'Prod'"), 8, QStringLiteral("unknown stage 'Prod'")},
        {QStringLiteral("stage > 'None'"), 0, QStringLiteral("no order")},
        {QStringLiteral("lineage.input = 'nonsense'"), 16, QStringLiteral("The input 'nonsense' has no kind")},
        {QStringLiteral("lineage.input > 'pipeline:x@1'"), 0, QStringLiteral("=, != or IN")},
    };
    for (const Case &c : cases) {
        const FilterError e = syntaxError(c.filter);
        EXPECT_EQ(e.position, c.position) << c.filter.toStdString() << " -> " << e.message.toStdString();
        EXPECT_TRUE(e.message.contains(c.expected)) << c.filter.toStdString() << " -> " << e.message.toStdString();
        EXPECT_TRUE(e.message.contains(QStringLiteral("column %1").arg(c.position + 1))) << e.message.toStdString();
        EXPECT_GE(e.length, 1);
    }
}

TEST(FilterParser, ValuesAreNeverSqlText)
{
    const QString evil = QStringLiteral("x'; DROP TABLE model_versions; --");
    const CompiledFilter c = compileFilter(
        QStringLiteral("name = 'x''; DROP TABLE model_versions; --' OR tags.team = 'a\" OR 1=1'"), Dialect::Postgres);
    ASSERT_TRUE(c.ok()) << c.error->message.toStdString();
    EXPECT_FALSE(c.condition.sql.contains(QStringLiteral("DROP")));
    EXPECT_FALSE(c.condition.sql.contains(QStringLiteral("1=1")));
    EXPECT_TRUE(c.condition.binds.contains(evil));
    EXPECT_TRUE(c.condition.binds.contains(QStringLiteral("a\" OR 1=1")));
    // Field names are never SQL text either: the metric name is bound.
    const CompiledFilter m = compileFilter(QStringLiteral("metrics.x--y > 1"), Dialect::Sqlite);
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE(m.condition.sql.contains(QStringLiteral("x--y")));
    EXPECT_TRUE(m.condition.binds.contains(QStringLiteral("x--y")));
}

TEST(FilterParser, ASelectiveConditionDrivesAndTheOthersProbe)
{
    const CompiledFilter c = compileFilter(
        QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments' AND params.lr != '0.1'"), Dialect::Sqlite);
    ASSERT_TRUE(c.ok());
    // The tag equality drives (first, as an IN over its index); the metric range and the param are probes.
    EXPECT_TRUE(c.condition.sql.startsWith(QStringLiteral("(v.id IN (SELECT x.version_id FROM version_tags x")))
        << c.condition.sql.toStdString();
    EXPECT_EQ(c.condition.sql.count(QStringLiteral("v.id IN")), 1);
    EXPECT_EQ(c.condition.sql.count(QStringLiteral("EXISTS (SELECT 1 FROM")), 2);
    EXPECT_EQ(c.condition.binds.first().toString(), QStringLiteral("team"));
    // A single condition, or an OR, keeps IN (an index can serve it).
    EXPECT_FALSE(compileFilter(QStringLiteral("metrics.auc > 0.85 OR tags.team = 'x'"), Dialect::Sqlite)
                     .condition.sql.contains(QStringLiteral("EXISTS")));
}

// A small registry whose answers are known exactly.
class Search : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        if (HasFatalFailure())
            return;
        add(QStringLiteral("payments/fraud-detector"), 0.80, QStringLiteral("payments"), QStringLiteral("2.2"),
            QStringLiteral("2026-09-30"), QStringLiteral("0.1"));
        add(QStringLiteral("payments/fraud-detector"), 0.86, QStringLiteral("payments"), QStringLiteral("2.3"),
            QStringLiteral("2026-10-14"), QStringLiteral("0.05"));
        add(QStringLiteral("payments/fraud-detector"), 0.91, QStringLiteral("payments"), QStringLiteral("2.3"),
            QStringLiteral("2026-10-20"), QStringLiteral("0.05"));
        add(QStringLiteral("ads/ctr-predictor"), 0.88, QStringLiteral("ads"), QStringLiteral("2.3"),
            QStringLiteral("2026-10-01"), QStringLiteral("0.2"));
        add(QStringLiteral("ads/bid-optimizer"), 0.70, QStringLiteral("Ads"), QStringLiteral("2.4"),
            QStringLiteral("2026-11-01"), QStringLiteral("0.2"));
    }

    void add(const QString &name, double auc, const QString &team, const QString &pipeline, const QString &dateTo,
             const QString &lr)
    {
        VersionSpec s = sampleSpec(name);
        s.metrics.clear();
        s.metrics << Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, auc}
                  << Metric{QStringLiteral("auc"), QStringLiteral("validation"), {}, auc - 0.01}
                  << Metric{QStringLiteral("auc"), QStringLiteral("test"), QStringLiteral("country=DE"), auc - 0.2};
        s.tags.insert(QStringLiteral("team"), team);
        s.params.insert(QStringLiteral("lr"), lr);
        s.facts << Fact{QStringLiteral("data"), QStringLiteral("date_to"), dateTo};
        s.inputs << LineageInput{LineageKind::FeaturePipelineVersion, QStringLiteral("features"), pipeline};
        s.createdAt = QStringLiteral("%1T12:00:00.000Z").arg(dateTo);
        auto r = registry->registerVersion(s);
        ASSERT_TRUE(r) << r.error().message.toStdString();
    }

    QStringList run(const QString &filter)
    {
        auto r = registry->search(filter);
        EXPECT_TRUE(r) << filter.toStdString() << ": " << r.error().message.toStdString();
        return r ? keys(r->hits) : QStringList{QStringLiteral("<error>")};
    }
};

TEST_P(Search, ReadmeExamples)
{
    // "All models with AUC above 0.85" (overall value on any dataset; subgroup slices do not count).
    EXPECT_EQ(run(QStringLiteral("metrics.auc > 0.85")),
              (QStringList{QStringLiteral("ads/ctr-predictor@1"), QStringLiteral("payments/fraud-detector@3"),
                           QStringLiteral("payments/fraud-detector@2")}));
    // "Trained on data from before 2026-10-15".
    EXPECT_EQ(run(QStringLiteral("data.date_to < '2026-10-15'")),
              (QStringList{QStringLiteral("ads/ctr-predictor@1"), QStringLiteral("payments/fraud-detector@2"),
                           QStringLiteral("payments/fraud-detector@1")}));
    // "Versions that used feature pipeline v2.3".
    EXPECT_EQ(run(QStringLiteral("lineage.input = 'pipeline:features@2.3'")),
              (QStringList{QStringLiteral("ads/ctr-predictor@1"), QStringLiteral("payments/fraud-detector@3"),
                           QStringLiteral("payments/fraud-detector@2")}));
}

TEST_P(Search, EveryOperator)
{
    const QString fraud = QStringLiteral("payments/fraud-detector");
    EXPECT_EQ(run(QStringLiteral("version = 2")).size(), 1);
    EXPECT_EQ(run(QStringLiteral("version != 1")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("version < 2")).size(), 3);
    EXPECT_EQ(run(QStringLiteral("version <= 2")).size(), 4);
    EXPECT_EQ(run(QStringLiteral("version > 2")), QStringList{fraud + QStringLiteral("@3")});
    EXPECT_EQ(run(QStringLiteral("version >= 2")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("metrics.auc@validation >= 0.865")),
              QStringList{QStringLiteral("ads/ctr-predictor@1")} + QStringList{fraud + QStringLiteral("@3")});
    EXPECT_EQ(run(QStringLiteral("metrics.auc@test[country=DE] < 0.65")),
              (QStringList{QStringLiteral("ads/bid-optimizer@1"), fraud + QStringLiteral("@1")}));
    EXPECT_EQ(run(QStringLiteral("metrics.auc = 0.86")), QStringList{fraud + QStringLiteral("@2")});
    EXPECT_EQ(run(QStringLiteral("metrics.auc@test IN (0.7, 0.8)")),
              (QStringList{QStringLiteral("ads/bid-optimizer@1"), fraud + QStringLiteral("@1")}));
    EXPECT_EQ(run(QStringLiteral("metrics.missing > 0")), QStringList{});
    // LIKE is case-insensitive on both dialects; % and _ are wildcards.
    EXPECT_EQ(run(QStringLiteral("name LIKE 'ads/bid%'")), QStringList{QStringLiteral("ads/bid-optimizer@1")});
    EXPECT_EQ(run(QStringLiteral("name NOT LIKE 'ads/%'")).size(), 3);
    EXPECT_EQ(run(QStringLiteral("name LIKE 'ads/ctr_predictor'")), QStringList{QStringLiteral("ads/ctr-predictor@1")});
    EXPECT_EQ(run(QStringLiteral("tags.team LIKE 'ADS'")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("namespace = 'ads'")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("namespace IN ('ads', 'nobody')")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("namespace NOT IN ('ads')")).size(), 3);
    // Text ordering is byte order on both dialects ('Ads' < 'a' < 'ads').
    EXPECT_EQ(run(QStringLiteral("name < 'ads/c'")), QStringList{QStringLiteral("ads/bid-optimizer@1")});
    EXPECT_EQ(run(QStringLiteral("tags.team < 'a'")), QStringList{QStringLiteral("ads/bid-optimizer@1")});
    EXPECT_EQ(run(QStringLiteral("tags.team > 'a'")).size(), 4);
    EXPECT_EQ(run(QStringLiteral("params.lr = 0.05")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("params.lr >= '0.1'")).size(), 3);
    EXPECT_EQ(run(QStringLiteral("tags.team != 'payments'")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("stage = 'none'")).size(), 5);
    EXPECT_EQ(run(QStringLiteral("stage IN ('Production', 'Staging')")).size(), 0);
    EXPECT_EQ(run(QStringLiteral("created_at >= 2026-10-14 AND created_at < '2026-10-21'")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("created_by = '%1'").arg(registry->actor())).size(), 5);
    EXPECT_EQ(run(QStringLiteral("lineage.input != 'pipeline:features@2.3'")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("lineage.input IN ('pipeline:features@2.2', 'pipeline:features@2.4')")).size(), 2);
    EXPECT_EQ(run(QStringLiteral("NOT (tags.team = 'payments' OR metrics.auc < 0.75)")),
              QStringList{QStringLiteral("ads/ctr-predictor@1")});
    EXPECT_EQ(run(QStringLiteral("tags.team = 'payments' AND (version = 1 OR version = 3)")),
              (QStringList{fraud + QStringLiteral("@3"), fraud + QStringLiteral("@1")}));
}

TEST_P(Search, InjectionAttemptsChangeNothing)
{
    const QVariant before = db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions"));
    // Each attempt is either plain text compared as a value (no hits) or a filter error, never SQL.
    struct Attempt
    {
        QString filter;
        QString error; // empty: a valid filter that matches nothing
    };
    const QList<Attempt> attempts = {
        {QStringLiteral("name = 'x''; DROP TABLE model_versions; --'"), {}},
        {QStringLiteral("name = 'x'' OR ''1''=''1'"), {}},
        {QStringLiteral("tags.team = 'a\"; DELETE FROM metrics; --'"), {}},
        {QStringLiteral("metrics.auc'; DROP TABLE metrics; -- > 1"),
         QStringLiteral("column 12: the text that starts here is not closed")},
        {QStringLiteral("params.lr = 'x'') UNION SELECT 1, 2, 3 --'"), {}},
    };
    for (const Attempt &attempt : attempts) {
        auto r = registry->search(attempt.filter);
        if (attempt.error.isEmpty()) {
            ASSERT_TRUE(r) << attempt.filter.toStdString() << ": " << r.error().message.toStdString();
            EXPECT_TRUE(r->hits.isEmpty()) << attempt.filter.toStdString();
        } else {
            EXPECT_TRUE(refusedAs(r, Error::Kind::Invalid, attempt.error)) << attempt.filter.toStdString();
        }
    }
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), before.toInt());
    EXPECT_EQ(before.toInt(), 5);
    EXPECT_EQ(run(QStringLiteral("metrics.auc > 0")).size(), 5);
}

TEST_P(Search, LimitAndErrors)
{
    auto r = registry->search(QStringLiteral("version >= 1"), 2);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hits.size(), 2);
    EXPECT_TRUE(r->truncated);
    FilterError where;
    auto bad = registry->search(QStringLiteral("metrics.auc >> 1"), 10, &where);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, Error::Kind::Invalid);
    EXPECT_EQ(where.position, 13);
}

// The ids a search returns page the same rows, in the same order, as the search itself.
TEST_P(Search, IdsThenPagesGiveTheSameRowsInOrder)
{
    const QString filter = QStringLiteral("metrics.auc > 0.75");
    auto direct = registry->search(filter, 100);
    ASSERT_TRUE(direct);
    auto ids = registry->searchIds(filter, 100);
    ASSERT_TRUE(ids) << ids.error().message.toStdString();
    EXPECT_FALSE(ids->truncated);
    ASSERT_EQ(ids->ids.size(), direct->hits.size());
    QList<SearchHit> paged;
    for (qsizetype from = 0; from < ids->ids.size(); from += 2) {
        auto page = registry->searchHits(ids->ids.mid(from, 2));
        ASSERT_TRUE(page) << page.error().message.toStdString();
        paged += *page;
    }
    EXPECT_EQ(keys(paged), keys(direct->hits));
    EXPECT_EQ(keys(paged).first(), QStringLiteral("ads/ctr-predictor@1"));

    // Reversed ids come back reversed; an unknown id is skipped.
    QList<qint64> reversed(ids->ids.crbegin(), ids->ids.crend());
    reversed.insert(1, 987654321);
    auto back = registry->searchHits(reversed);
    ASSERT_TRUE(back);
    QStringList expected = keys(direct->hits);
    std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(keys(*back), expected);

    // A limit truncates; a filter error says where, and nothing runs.
    auto two = registry->searchIds(filter, 2);
    ASSERT_TRUE(two);
    EXPECT_EQ(two->ids.size(), 2);
    EXPECT_TRUE(two->truncated);
    FilterError where;
    auto bad = registry->searchIds(QStringLiteral("metrics.auc >> 1"), 10, &where);
    ASSERT_FALSE(bad);
    EXPECT_EQ(where.position, 13);
}

MD_INSTANTIATE_BOTH(Search);

// The demo registry filled with the same seed on both dialects answers every filter identically.
TEST(SearchDialects, SameResultsOnSqliteAndPostgres)
{
    TestDatabase lite(Backend::Sqlite), pg(Backend::Postgres);
    ASSERT_TRUE(lite.ready()) << lite.error().toStdString();
    ASSERT_TRUE(pg.ready()) << pg.error().toStdString();
    auto a = lite.open(), b = pg.open();
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(fillDemoRegistry(*a, 7));
    ASSERT_TRUE(fillDemoRegistry(*b, 7));
    // Each filter with its number of hits in the seed-7 demo registry (306 versions, the same on both
    // dialects): every filter selects some versions but not all, so "both empty" or "both everything"
    // cannot pass.
    struct Case
    {
        QString filter;
        qsizetype hits;
    };
    const QList<Case> cases = {
        {QStringLiteral("metrics.auc > 0.85"), 31}, // the demo's ROI model no longer has AUCs of 0.99
        {QStringLiteral("metrics.auc > 0.8 AND tags.team = 'payments'"), 34},
        {QStringLiteral("stage IN ('Production', 'Staging') OR stage = 'archived'"), 122},
        {QStringLiteral("metrics.auc@test[country=DE] <= 0.8 OR metrics.ndcg@validation > 0.4"), 178},
        {QStringLiteral("data.date_to < '2026-03-01'"), 57},
        {QStringLiteral("lineage.input = 'pipeline:features@2.3'"), 9},
        {QStringLiteral("name LIKE '%FRAUD%' OR namespace IN ('ads', 'recsys')"), 164},
        {QStringLiteral("NOT tags.team = 'ads' AND version > 20"), 64},
        {QStringLiteral("created_at >= '2026-03-01' AND version != 3"), 252},
        {QStringLiteral("code.branch LIKE 'main%' AND env.framework NOT IN ('xgboost')"), 215},
        {QStringLiteral("name > 'payments' AND name <= 'support/z'"), 254},
        {QStringLiteral("params.learning_rate < '0.1'"), 233},
        {QStringLiteral("metrics.latency_ms@test < 20 AND training.compute LIKE '%gpu%'"), 133},
    };
    auto all = a->search(QStringLiteral("version >= 1"), 100000);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->hits.size(), 306);
    for (const Case &c : cases) {
        auto ra = a->search(c.filter, 100000), rb = b->search(c.filter, 100000);
        ASSERT_TRUE(ra) << c.filter.toStdString() << ": " << ra.error().message.toStdString();
        ASSERT_TRUE(rb) << c.filter.toStdString() << ": " << rb.error().message.toStdString();
        EXPECT_FALSE(ra->truncated);
        EXPECT_EQ(ra->hits.size(), c.hits) << "SQLite: " << c.filter.toStdString();
        EXPECT_EQ(rb->hits.size(), c.hits) << "PostgreSQL: " << c.filter.toStdString();
        EXPECT_EQ(keys(ra->hits), keys(rb->hits)) << c.filter.toStdString();
    }

    // Cross-check one filter against the data read through the registry API.
    auto models = a->models();
    ASSERT_TRUE(models);
    QSet<QString> expected;
    for (const RegisteredModel &m : *models) {
        auto versions = a->versions(m.name);
        ASSERT_TRUE(versions);
        for (const ModelVersion &v : *versions) {
            bool high = false;
            for (const Metric &metric : v.metrics)
                high = high || (metric.name == QLatin1String("auc") && metric.slice.isEmpty() && metric.value > 0.8);
            if (high && v.tags.value(QStringLiteral("team")) == QLatin1String("payments"))
                expected.insert(QStringLiteral("%1@%2").arg(v.modelName).arg(v.version));
        }
    }
    auto r = a->search(QStringLiteral("metrics.auc > 0.8 AND tags.team = 'payments'"));
    ASSERT_TRUE(r);
    const QStringList got = keys(r->hits);
    EXPECT_EQ(QSet<QString>(got.begin(), got.end()), expected);
    EXPECT_FALSE(expected.isEmpty());
}

TEST(SearchCli, PrintsResultsAndPointsAtErrors)
{
    TestDatabase lite(Backend::Sqlite);
    ASSERT_TRUE(lite.ready());
    {
        auto reg = lite.open();
        ASSERT_TRUE(reg);
        ASSERT_TRUE(reg->registerVersion(sampleSpec(QStringLiteral("team/model-a"))));
    }
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), lite.url(), QStringLiteral("--json"), QStringLiteral("search"),
                           QStringLiteral("metrics.auc@test >= 0.9")},
                          &out, &err),
              0)
        << err.toStdString();
    EXPECT_TRUE(out.contains(QStringLiteral("\"model\": \"team/model-a\""))) << out.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), lite.url(), QStringLiteral("search"),
                           QStringLiteral("metrics.auc >= 0.9 AND")},
                          &out, &err),
              2);
    EXPECT_TRUE(err.contains(QStringLiteral("column 23"))) << err.toStdString();
    EXPECT_TRUE(err.contains(QStringLiteral("                      ^"))) << err.toStdString();
}
