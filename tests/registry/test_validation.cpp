// Input validation that needs no database: names, metric/fact/input specs, manifests.

#include "registry/database.h"
#include "registry/manifest.h"
#include "registry/validation.h"
#include "testdb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace md;
using md::test::refusedAs;

TEST(ModelNames, AcceptsConventionalNamesWithoutWarnings)
{
    for (const char *name : {"fraud-detector", "payments/fraud-detector", "ctr", "search/query-autocomplete"}) {
        auto r = validateModelName(QString::fromLatin1(name));
        ASSERT_TRUE(r) << name << ": " << r.error().message.toStdString();
        EXPECT_TRUE(r->isEmpty()) << name << " warned: " << r->join(QLatin1Char(' ')).toStdString();
    }
}

TEST(ModelNames, WarnsAboutVersionDateAndEnvironmentInNames)
{
    auto v = validateModelName(QStringLiteral("rec_model_v2"));
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->join(QLatin1Char(' ')).contains(QLatin1String("version")))
        << v->join(QLatin1Char('|')).toStdString();
    EXPECT_TRUE(v->join(QLatin1Char(' ')).contains(QLatin1String("'-'")));
    auto d = validateModelName(QStringLiteral("fraud-2026-03"));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->join(QLatin1Char(' ')).contains(QLatin1String("date")));
    auto e = validateModelName(QStringLiteral("prod-fraud"));
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->join(QLatin1Char(' ')).contains(QLatin1String("environment")));
}

TEST(ModelNames, RefusesInvalidNamesWithTheRule)
{
    const QList<std::pair<const char *, QString>> cases = {
        {"", QStringLiteral("The model name is empty.")},
        {"Fraud", QStringLiteral("'Fraud' may only hold lower-case letters, digits and single '-' between words")},
        {"fraud detector", QStringLiteral("'fraud detector' may only hold lower-case letters")},
        {"a/b/c", QStringLiteral("The model name 'a/b/c' has more than one '/'")},
        {"-fraud", QStringLiteral("'-fraud' must start with a lower-case letter")},
        {"9lives", QStringLiteral("'9lives' must start with a lower-case letter")},
        {"fraud--x",
         QStringLiteral("'fraud--x' may only hold lower-case letters, digits and single '-' between words")},
        {"fraud/", QStringLiteral("The model name 'fraud/' has nothing after its '/'")},
        {"fraud;drop table x", QStringLiteral("'fraud;drop table x' may only hold lower-case letters")},
        {"payments/", QStringLiteral("The model name 'payments/' has nothing after its '/'")}};
    for (const auto &[name, reason] : cases)
        EXPECT_TRUE(refusedAs(validateModelName(QString::fromUtf8(name)), Error::Kind::Invalid, reason))
            << "'" << name << "'";
    auto huge = validateModelName(QString(200, QLatin1Char('a')));
    ASSERT_FALSE(huge);
    EXPECT_TRUE(huge.error().message.contains(QLatin1String("at most 128")));
}

TEST(MetricSpecs, ParsesNameDatasetSliceAndValue)
{
    auto m = parseMetricSpec(QStringLiteral("auc@test[country=DE]=0.81"));
    ASSERT_TRUE(m) << m.error().message.toStdString();
    EXPECT_EQ(m->name, QStringLiteral("auc"));
    EXPECT_EQ(m->dataset, QStringLiteral("test"));
    EXPECT_EQ(m->slice, QStringLiteral("country=DE"));
    EXPECT_DOUBLE_EQ(m->value, 0.81);
    auto plain = parseMetricSpec(QStringLiteral("f1=0.79"));
    ASSERT_TRUE(plain);
    EXPECT_TRUE(plain->dataset.isEmpty());
    EXPECT_EQ(plain->key(), QStringLiteral("f1"));
}

TEST(MetricSpecs, RefusesNanInfinityAndGarbage)
{
    const QList<std::pair<const char *, QString>> cases = {
        {"auc=nan", QStringLiteral("The value of metric 'auc' is nan: metrics must be finite numbers")},
        {"auc=NaN", QStringLiteral("The value of metric 'auc' is NaN: metrics must be finite numbers")},
        {"auc=inf", QStringLiteral("The value of metric 'auc' is inf: metrics must be finite numbers")},
        {"auc=-inf", QStringLiteral("The value of metric 'auc' is -inf: metrics must be finite numbers")},
        {"auc=", QStringLiteral("The value of metric 'auc' is not a number: ''")},
        {"auc", QStringLiteral("The metric 'auc' has no value")},
        {"auc=0.8x", QStringLiteral("The value of metric 'auc' is not a number: '0.8x'")},
        {"auc@=1", QStringLiteral("The metric 'auc@=1' has an empty dataset after '@'")},
        {"auc@test[=1", QStringLiteral("The metric 'auc@test[=1' has an unclosed or misplaced slice")},
        {"auc[]=1", QStringLiteral("The metric 'auc[]=1' has an empty slice []")}};
    for (const auto &[spec, reason] : cases)
        EXPECT_TRUE(refusedAs(parseMetricSpec(QString::fromLatin1(spec)), Error::Kind::Invalid, reason)) << spec;
}

TEST(VersionSpecs, RefusesDuplicateMetricKeysAndNonFiniteValues)
{
    VersionSpec s;
    s.modelName = QStringLiteral("fraud-detector");
    s.artifactUri = QStringLiteral("s3://b/m");
    s.metrics << Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.9}
              << Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.8};
    auto dup = validateVersionSpec(s);
    ASSERT_FALSE(dup);
    EXPECT_TRUE(dup.error().message.contains(QLatin1String("auc@test is given twice")));

    s.metrics = {Metric{QStringLiteral("auc"), {}, {}, std::numeric_limits<double>::quiet_NaN()}};
    auto nan = validateVersionSpec(s);
    ASSERT_FALSE(nan);
    EXPECT_TRUE(nan.error().message.contains(QLatin1String("NaN")));
    s.metrics = {Metric{QStringLiteral("auc"), {}, {}, std::numeric_limits<double>::infinity()}};
    EXPECT_TRUE(refusedAs(validateVersionSpec(s), Error::Kind::Invalid,
                          QStringLiteral("The metric auc is infinite: metrics must be finite numbers")));
}

TEST(VersionSpecs, RefusesBadUrisDigestsAndHugeOrBrokenText)
{
    VersionSpec s;
    s.modelName = QStringLiteral("fraud-detector");
    s.artifactUri = QStringLiteral("model.pkl");
    EXPECT_TRUE(refusedAs(validateVersionSpec(s), Error::Kind::Invalid,
                          QStringLiteral("The artifact URI 'model.pkl' is not a URI with a scheme")));
    s.artifactUri = QStringLiteral("s3://b/") + QString(5000, QLatin1Char('x'));
    auto huge = validateVersionSpec(s);
    ASSERT_FALSE(huge);
    EXPECT_TRUE(huge.error().message.contains(QLatin1String("at most 4096")));
    s.artifactUri = QStringLiteral("s3://b/m");
    s.artifactDigest = QStringLiteral("md5:abc");
    EXPECT_TRUE(refusedAs(validateVersionSpec(s), Error::Kind::Invalid,
                          QStringLiteral("The artifact digest 'md5:abc' is not valid: write sha256: followed by 64")));
    s.artifactDigest = QStringLiteral("sha256:") + QString(64, QLatin1Char('a'));
    EXPECT_TRUE(validateVersionSpec(s));
    s.description = QStringLiteral("broken ") + QChar(QChar::ReplacementCharacter);
    auto utf = validateVersionSpec(s);
    ASSERT_FALSE(utf);
    EXPECT_TRUE(utf.error().message.contains(QLatin1String("UTF-8")));
}

TEST(FactSpecs, ChecksCategoryAndTypedValues)
{
    EXPECT_TRUE(parseFactSpec(QStringLiteral("data.dataset_version=clicks@2026-10")));
    EXPECT_TRUE(parseFactSpec(QStringLiteral("data.date_to=2026-10-15")));
    EXPECT_TRUE(refusedAs(parseFactSpec(QStringLiteral("data.date_to=last tuesday")), Error::Kind::Invalid,
                          QStringLiteral("data.date_to must be a date written YYYY-MM-DD, not 'last tuesday'")));
    EXPECT_TRUE(refusedAs(parseFactSpec(QStringLiteral("data.rows=-5")), Error::Kind::Invalid,
                          QStringLiteral("data.rows must be a whole number of rows, not '-5'")));
    EXPECT_TRUE(refusedAs(parseFactSpec(QStringLiteral("code.git_sha=not-a-sha")), Error::Kind::Invalid,
                          QStringLiteral("code.git_sha must be 7 to 40 lower-case hex digits, not 'not-a-sha'")));
    EXPECT_TRUE(refusedAs(parseFactSpec(QStringLiteral("misc.thing=1")), Error::Kind::Invalid,
                          QStringLiteral("The provenance fact 'misc.thing' has an unknown category 'misc'")));
    EXPECT_TRUE(refusedAs(parseFactSpec(QStringLiteral("dataset=clicks")), Error::Kind::Invalid,
                          QStringLiteral("The provenance fact 'dataset=clicks' needs a category")));
}

TEST(InputSpecs, ParsesKindsAndRefusesUnknownOnes)
{
    auto d = parseInputSpec(QStringLiteral("dataset:clicks@2026-10"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, LineageKind::DatasetVersion);
    EXPECT_EQ(d->name, QStringLiteral("clicks"));
    EXPECT_EQ(d->version, QStringLiteral("2026-10"));
    EXPECT_EQ(d->spec(), QStringLiteral("dataset:clicks@2026-10"));
    auto p = parseInputSpec(QStringLiteral("pipeline:features@2.3"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, LineageKind::FeaturePipelineVersion);
    EXPECT_TRUE(parseInputSpec(QStringLiteral("commit:abc123")));
    EXPECT_TRUE(parseInputSpec(QStringLiteral("source:eu-clickstream")));
    EXPECT_TRUE(
        refusedAs(parseInputSpec(QStringLiteral("dataset:clicks")), Error::Kind::Invalid,
                  QStringLiteral("The input 'dataset:clicks' needs a version (NAME@VERSION)"))); // needs a version
    EXPECT_TRUE(refusedAs(parseInputSpec(QStringLiteral("weather:sunny")), Error::Kind::Invalid,
                          QStringLiteral("The input 'weather:sunny' has an unknown kind 'weather'")));
    EXPECT_TRUE(refusedAs(parseInputSpec(QStringLiteral("clicks@2026")), Error::Kind::Invalid,
                          QStringLiteral("The input 'clicks@2026' has no kind")));
}

TEST(Manifests, ParsesEveryField)
{
    const QByteArray json = R"({
      "name": "payments/fraud-detector",
      "artifact": {"uri": "s3://m/fraud/7", "digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
      "description": "weekly retrain", "source_run": "run-17",
      "metrics": [{"name": "auc", "value": 0.91, "dataset": "test", "slice": "country=DE"}, {"name": "f1", "value": 0.8}],
      "params": {"lr": "0.1", "depth": 6},
      "facts": {"data.dataset_version": "clicks@2026-10", "code.git_sha": "abc1234"},
      "tags": {"team": "payments"},
      "inputs": ["dataset:clicks@2026-10", "pipeline:features@2.3"]
    })";
    auto s = parseManifest(json, QStringLiteral("m.json"));
    ASSERT_TRUE(s) << s.error().message.toStdString();
    EXPECT_EQ(s->modelName, QStringLiteral("payments/fraud-detector"));
    EXPECT_EQ(s->artifactUri, QStringLiteral("s3://m/fraud/7"));
    EXPECT_EQ(s->metrics.size(), 2);
    EXPECT_EQ(s->metrics.first().slice, QStringLiteral("country=DE"));
    EXPECT_EQ(s->params.value(QStringLiteral("depth")), QStringLiteral("6"));
    EXPECT_EQ(s->facts.size(), 2);
    EXPECT_EQ(s->inputs.size(), 2);
    EXPECT_EQ(s->tags.value(QStringLiteral("team")), QStringLiteral("payments"));
}

TEST(Manifests, RefusesBrokenJsonUnknownKeysWrongTypesAndBadUtf8)
{
    struct Case
    {
        QByteArray json;
        const char *expect;
    };
    const QList<Case> cases = {
        {R"({"name": "x", )", "not valid JSON"},
        {R"(["a"])", "JSON object"},
        {R"({"name": "x", "metricz": {}})", "unknown key \"metricz\""},
        {R"({"metrics": [{"name": "auc", "value": "high"}]})", "numeric \"value\""},
        {R"({"metrics": {"auc": "0.9"}})", "must be a number"},
        {R"({"inputs": "dataset:x@1"})", "must be a list"},
        {R"({"inputs": ["weather:x"]})", "unknown kind"},
        {R"({"facts": {"data.rows": "many"}})", "whole number"},
        {QByteArray("{\"name\": \"caf\xc3\x28\"}"), "not valid JSON"},
    };
    for (const Case &c : cases) {
        auto s = parseManifest(c.json, QStringLiteral("m.json"));
        ASSERT_FALSE(s) << "accepted " << c.json.toStdString();
        EXPECT_TRUE(s.error().message.contains(QLatin1String(c.expect)))
            << c.json.toStdString() << " -> " << s.error().message.toStdString();
    }
}

TEST(RegistryUrls, ParsesSqliteAndPostgresAndRefusesPasswords)
{
    auto f = parseRegistryUrl(QStringLiteral("sqlite:///tmp/x/reg.db"));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->dialect, Dialect::Sqlite);
    EXPECT_EQ(f->sqlitePath, QStringLiteral("/tmp/x/reg.db"));
    auto p = parseRegistryUrl(QStringLiteral("postgresql://alice@db.example:5433/registry?sslmode=require"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->dialect, Dialect::Postgres);
    EXPECT_EQ(p->user, QStringLiteral("alice"));
    EXPECT_EQ(p->host, QStringLiteral("db.example"));
    EXPECT_EQ(p->port, 5433);
    EXPECT_EQ(p->database, QStringLiteral("registry"));
    EXPECT_TRUE(p->options.contains(QLatin1String("sslmode=require")));
    auto pw = parseRegistryUrl(QStringLiteral("postgresql://alice:secret@db/registry"));
    ASSERT_FALSE(pw);
    EXPECT_TRUE(pw.error().message.contains(QLatin1String("pgpass")));
    EXPECT_TRUE(refusedAs(parseRegistryUrl(QStringLiteral("mysql://x/y")), Error::Kind::Invalid,
                          QStringLiteral("Unsupported registry URL 'mysql://x/y'")));
    EXPECT_TRUE(refusedAs(parseRegistryUrl(QStringLiteral("postgresql://db/registry?evil=1 host=x")),
                          Error::Kind::Invalid,
                          QStringLiteral("The PostgreSQL URL 'postgresql://db/registry?evil=1 host=x' is malformed")));
}

TEST(SqlScripts, SplitsStatementsTriggersAndDollarBodies)
{
    const QString script = QStringLiteral(
        "-- comment\nCREATE TABLE a (x INT);\n\nCREATE TRIGGER t BEFORE DELETE ON a\nBEGIN\n"
        "    SELECT RAISE(ABORT, 'no');\nEND;\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "    RETURN NEW;\nEND;\n$$;\nCREATE INDEX i ON a(x);\n");
    const QStringList s = splitSqlScript(script);
    ASSERT_EQ(s.size(), 4) << s.join(QStringLiteral("\n----\n")).toStdString();
    EXPECT_TRUE(s.at(1).startsWith(QLatin1String("CREATE TRIGGER")));
    EXPECT_TRUE(s.at(1).contains(QLatin1String("RAISE")));
    EXPECT_TRUE(s.at(2).contains(QLatin1String("RETURN NEW")));
}
