// Importing an MLflow registry of 10,000 versions (100 models x 100 versions, 20 metrics each, one run per version):
// from the MLflow database (SQLite) and from the REST API (served from that database by tests/common/mlflowfixture),
// into a registry on each dialect. Counter: versions_per_s.

#include "benchutil.h"
#include "httpreceiver.h"
#include "mlflowfixture.h"
#include "registry/mlflow.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace md;

namespace {

constexpr int kModels = 100;
constexpr int kVersions = 100;
constexpr int kMetrics = 20;

// The MLflow database, made once per run of the benchmark binary.
QString mlflowDatabase()
{
    static QTemporaryDir dir;
    static QString path;
    if (!path.isEmpty())
        return path;
    const QString file = dir.filePath(QStringLiteral("mlflow.db"));
    if (md::test::createMlflowFixtureFile(QStringLiteral("bench-mlflow"), file, kModels, kVersions, kMetrics).isEmpty())
        path = file;
    return path;
}

void importMlflow(benchmark::State &state, Dialect dialect, bool rest)
{
    const QString mlflow = mlflowDatabase();
    if (mlflow.isEmpty()) {
        bench::skip(state, QStringLiteral("could not build the MLflow database"));
        return;
    }
    md::test::HttpReceiver server;
    if (rest) {
        // The stand-in server answers runs/get by run: give it the indexes a tracking server's store would use.
        QSqlDatabase db = QSqlDatabase::database(QStringLiteral("bench-mlflow"));
        for (const char *table : {"latest_metrics", "params", "tags"})
            QSqlQuery(db).exec(
                QStringLiteral("CREATE INDEX IF NOT EXISTS %1_by_run ON %1 (run_uuid)").arg(QLatin1String(table)));
        md::test::serveMlflow(server, QStringLiteral("bench-mlflow"), 100);
    }
    for (auto _ : state) {
        state.PauseTiming();
        QTemporaryDir dir;
        const QString url = dialect == Dialect::Sqlite ? dir.filePath(QStringLiteral("import.db"))
                                                       : bench::freshPostgres(state, QStringLiteral("bench_import"));
        if (url.isEmpty())
            return;
        auto registry = Registry::open(url, Registry::Open::CreateIfMissing);
        if (!registry) {
            bench::skip(state, registry.error().message);
            return;
        }
        auto source = mlflow::openSource(rest ? server.url(QString()) : QStringLiteral("sqlite:///") + mlflow);
        if (!source) {
            bench::skip(state, source.error().message);
            return;
        }
        mlflow::ImportOptions options;
        options.glob = QStringLiteral("bulk-*");
        state.ResumeTiming();
        QElapsedTimer timer;
        timer.start();
        auto report = mlflow::importRegistry(**registry, **source, options);
        const double seconds = timer.nsecsElapsed() / 1e9;
        if (!report || report->versionsNew != kModels * kVersions) {
            bench::skip(state, report ? QStringLiteral("imported %1 versions").arg(report->versionsNew)
                                      : report.error().message);
            return;
        }
        state.counters["versions_per_s"] = report->versionsNew / seconds;
    }
}

void import_mlflow_database(benchmark::State &state, Dialect dialect)
{
    importMlflow(state, dialect, false);
}

void import_mlflow_rest(benchmark::State &state, Dialect dialect)
{
    importMlflow(state, dialect, true);
}

} // namespace

BENCHMARK_CAPTURE(import_mlflow_database, sqlite, Dialect::Sqlite)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(import_mlflow_database, postgresql, Dialect::Postgres)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(import_mlflow_rest, sqlite, Dialect::Sqlite)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
