// Promotion and rollback latency (one transaction each) on SQLite and PostgreSQL.
// Targets (ARCHITECTURE.md): < 20 ms on SQLite, < 50 ms on a local PostgreSQL.

#include "benchutil.h"

#include <benchmark/benchmark.h>

using namespace md;

namespace {

VersionSpec spec(int i)
{
    VersionSpec s;
    s.modelName = QStringLiteral("bench/fraud");
    s.artifactUri = QStringLiteral("s3://bench/fraud/%1").arg(i);
    for (int m = 0; m < 20; ++m)
        s.metrics << Metric{QStringLiteral("metric_%1").arg(m), QStringLiteral("test"), {}, 0.5 + m * 0.01};
    s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abcdef1")};
    return s;
}

// The registry has a model with 100 versions and gate policies with a metric and a regression rule, so
// that a promotion evaluates real gates against a Production baseline.
std::unique_ptr<Registry> prepare(benchmark::State &state, const QString &url)
{
    auto opened = Registry::open(url, Registry::Open::CreateIfMissing);
    if (!opened) {
        state.SkipWithError(opened.error().message.toStdString().c_str());
        return nullptr;
    }
    std::unique_ptr<Registry> r = std::move(*opened);
    (void)r->setSqliteActor(QStringLiteral("alice"));
    for (int i = 0; i < 100; ++i)
        if (!r->registerVersion(spec(i))) {
            state.SkipWithError("cannot register");
            return nullptr;
        }
    GatePolicies p;
    GateRule min;
    min.kind = GateRule::Kind::MetricMin;
    min.metric = QStringLiteral("metric_0");
    min.dataset = QStringLiteral("test");
    min.threshold = 0.1;
    GateRule noRegression;
    noRegression.kind = GateRule::Kind::NoRegression;
    noRegression.metric = QStringLiteral("metric_1");
    noRegression.dataset = QStringLiteral("test");
    noRegression.tolerance = 0.05;
    p.staging.rules << min;
    p.production.rules << min << noRegression;
    if (!r->setGatePolicies({}, p)) {
        state.SkipWithError("cannot set policies");
        return nullptr;
    }
    return r;
}

// Approving a request: four-eyes checks, the approval, archiving the old holder and the promotion,
// in one transaction.
void promote(benchmark::State &state, const QString &url, Registry *reviewerOverride)
{
    auto r = prepare(state, url);
    if (!r)
        return;
    std::unique_ptr<Registry> reviewerOwned;
    Registry *reviewer = reviewerOverride;
    if (!reviewer) {
        auto opened = Registry::open(url, Registry::Open::ExistingOnly);
        reviewerOwned = std::move(*opened);
        (void)reviewerOwned->setSqliteActor(QStringLiteral("rita"));
        reviewer = reviewerOwned.get();
    }
    int next = 1;
    for (auto _ : state) {
        state.PauseTiming();
        const int v = next++;
        if (v > 100) {
            state.SkipWithError("out of versions");
            break;
        }
        (void)r->promote(QStringLiteral("bench/fraud"), v, Stage::Staging, {});
        auto req = r->requestPromotion(QStringLiteral("bench/fraud"), v, Stage::Production, QStringLiteral("bench"));
        state.ResumeTiming();
        auto done = reviewer->decide(req->id, true, QStringLiteral("ok"),
                                     req->gatesPassed ? QString() : QStringLiteral("bench"));
        if (!done || done->status != QLatin1String("promoted")) {
            state.SkipWithError(done ? "not promoted" : done.error().message.toStdString().c_str());
            break;
        }
    }
}

void rollback(benchmark::State &state, const QString &url, Registry *approver)
{
    auto r = prepare(state, url);
    if (!r)
        return;
    std::unique_ptr<Registry> reviewerOwned;
    if (!approver) {
        auto opened = Registry::open(url, Registry::Open::ExistingOnly);
        reviewerOwned = std::move(*opened);
        (void)reviewerOwned->setSqliteActor(QStringLiteral("rita"));
        approver = reviewerOwned.get();
    }
    for (int v : {1, 2}) {
        (void)r->promote(QStringLiteral("bench/fraud"), v, Stage::Staging, {});
        auto req = r->requestPromotion(QStringLiteral("bench/fraud"), v, Stage::Production, QStringLiteral("bench"));
        if (!req || !approver->decide(req->id, true, QStringLiteral("ok"), QStringLiteral("bench"))) {
            state.SkipWithError("cannot set up Production history");
            return;
        }
    }
    int target = 1;
    for (auto _ : state) {
        auto done = r->rollback(QStringLiteral("bench/fraud"), target, QStringLiteral("bench"));
        if (!done) {
            state.SkipWithError(done.error().message.toStdString().c_str());
            break;
        }
        target = target == 1 ? 2 : 1;
    }
}

void BM_Promote_SQLite(benchmark::State &state)
{
    QTemporaryDir dir;
    promote(state, dir.filePath(QStringLiteral("bench.db")), nullptr);
    state.counters["target_ms"] = 20;
}

void BM_Rollback_SQLite(benchmark::State &state)
{
    QTemporaryDir dir;
    rollback(state, dir.filePath(QStringLiteral("bench.db")), nullptr);
    state.counters["target_ms"] = 20;
}

// On PostgreSQL the registering user cannot approve (four eyes): a second login user approves.
void BM_Promote_PostgreSQL(benchmark::State &state)
{
    const QString url = bench::freshPostgres(state, QStringLiteral("md_bench_promote"));
    if (url.isEmpty())
        return;
    auto reviewer = bench::openAsReviewer(state, url);
    if (!reviewer)
        return;
    promote(state, url, reviewer.get());
    state.counters["target_ms"] = 50;
}

void BM_Rollback_PostgreSQL(benchmark::State &state)
{
    const QString url = bench::freshPostgres(state, QStringLiteral("md_bench_rollback"));
    if (url.isEmpty())
        return;
    auto reviewer = bench::openAsReviewer(state, url);
    if (!reviewer)
        return;
    rollback(state, url, reviewer.get());
    state.counters["target_ms"] = 50;
}

} // namespace

BENCHMARK(BM_Promote_SQLite)->Iterations(60)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Rollback_SQLite)->Iterations(100)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Promote_PostgreSQL)->Iterations(60)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Rollback_PostgreSQL)->Iterations(100)->Unit(benchmark::kMillisecond)->UseRealTime();
