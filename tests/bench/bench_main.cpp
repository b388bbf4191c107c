// Benchmarks: run through packaging/bench.sh, which starts a throwaway PostgreSQL server and sets
// MODELDESK_BENCH_PG_URL. Without it only the SQLite benchmarks run (and say so).

#include <QCoreApplication>

#include <benchmark/benchmark.h>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
