// Registration throughput: 10,000 versions with 20 metrics each, on SQLite and PostgreSQL.

#include "benchutil.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>

#include <benchmark/benchmark.h>

using namespace md;

namespace {

VersionSpec benchSpec(int i)
{
    VersionSpec s;
    s.modelName = QStringLiteral("bench/model-%1").arg(i % 10);
    s.artifactUri = QStringLiteral("s3://bench/%1/model.bin").arg(i);
    for (int m = 0; m < 20; ++m)
        s.metrics << Metric{QStringLiteral("metric_%1").arg(m), QStringLiteral("test"), {}, 0.5 + (i % 97) * 0.001 + m};
    s.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
    s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abcdef1")};
    return s;
}

void registerVersions(benchmark::State &state, const QString &url)
{
    constexpr int kVersions = 10000;
    for (auto _ : state) {
        auto registry = Registry::open(url, Registry::Open::CreateIfMissing);
        if (!registry) {
            state.SkipWithError(registry.error().message.toStdString().c_str());
            return;
        }
        for (int i = 0; i < kVersions; ++i) {
            auto r = (*registry)->registerVersion(benchSpec(i));
            if (!r) {
                state.SkipWithError(r.error().message.toStdString().c_str());
                return;
            }
        }
    }
    state.counters["versions_per_s"] =
        benchmark::Counter(double(kVersions) * double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["metric_rows_per_s"] =
        benchmark::Counter(double(kVersions) * 20 * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Register10kVersions_SQLite(benchmark::State &state)
{
    QTemporaryDir dir;
    registerVersions(state, dir.filePath(QStringLiteral("bench.db")));
}

void BM_Register10kVersions_PostgreSQL(benchmark::State &state)
{
    const QString url = bench::freshPostgres(state, QStringLiteral("md_bench_register"));
    if (url.isEmpty())
        return;
    registerVersions(state, url);
}

} // namespace

BENCHMARK(BM_Register10kVersions_SQLite)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_Register10kVersions_PostgreSQL)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
