// Backup, restore and migrate of a generated registry of 10,000 versions (100 models x 100 versions, 20 metrics, 15
// params, 10 facts each, with lineage and lifecycles), and reads on a streaming standby against the primary.
// Counters: versions_per_s; for the replica, ms per read on each server.

#include "benchutil.h"
#include "registry/bulkgen.h"
#include "registry/transfer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>

#include <functional>

using namespace md;

namespace {

constexpr int kModels = 100;
constexpr int kVersions = 100;

// The source registries, generated once per run of the benchmark binary.
QTemporaryDir &dataDir()
{
    static QTemporaryDir dir;
    return dir;
}

QString generated(benchmark::State &state, Dialect dialect)
{
    static QString urls[2];
    QString &url = urls[dialect == Dialect::Sqlite ? 0 : 1];
    if (!url.isEmpty())
        return url;
    const QString candidate = dialect == Dialect::Sqlite
                                  ? dataDir().filePath(QStringLiteral("source.db"))
                                  : bench::freshPostgres(state, QStringLiteral("bench_transfer"));
    if (candidate.isEmpty())
        return {};
    auto registry = Registry::open(candidate, Registry::Open::CreateIfMissing);
    if (!registry) {
        bench::skip(state, registry.error().message);
        return {};
    }
    BulkSpec spec;
    spec.models = kModels;
    spec.versionsPerModel = kVersions;
    if (auto r = generateBulkRegistry(**registry, spec); !r) {
        bench::skip(state, r.error().message);
        return {};
    }
    url = candidate;
    return url;
}

QString target(benchmark::State &state, Dialect dialect, QTemporaryDir &dir)
{
    return dialect == Dialect::Sqlite ? dir.filePath(QStringLiteral("target.db"))
                                      : bench::freshPostgres(state, QStringLiteral("bench_transfer_target"));
}

void report(benchmark::State &state, const Result<TransferReport> &r, double seconds)
{
    if (!r) {
        bench::skip(state, r.error().message);
        return;
    }
    if (r->versions != kModels * kVersions) {
        bench::skip(state, QStringLiteral("copied %1 versions").arg(r->versions));
        return;
    }
    state.counters["versions_per_s"] = r->versions / seconds;
}

// Each iteration copies into a new, empty target of the dialect (made outside the timing).
void timedCopies(benchmark::State &state, Dialect to,
                 const std::function<Result<TransferReport>(const QString &)> &copy)
{
    for (auto _ : state) {
        state.PauseTiming();
        QTemporaryDir dir;
        const QString url = target(state, to, dir);
        if (url.isEmpty())
            return;
        state.ResumeTiming();
        QElapsedTimer timer;
        timer.start();
        auto r = copy(url);
        report(state, r, timer.nsecsElapsed() / 1e9);
    }
}

void backup(benchmark::State &state, Dialect dialect)
{
    const QString source = generated(state, dialect);
    if (source.isEmpty())
        return;
    auto registry = Registry::open(source, Registry::Open::ExistingOnly);
    if (!registry) {
        bench::skip(state, registry.error().message);
        return;
    }
    for (auto _ : state) {
        state.PauseTiming();
        const QString file = dataDir().filePath(QStringLiteral("timed.backup"));
        QFile::remove(file);
        state.ResumeTiming();
        QElapsedTimer timer;
        timer.start();
        auto r = backupRegistry(**registry, file);
        report(state, r, timer.nsecsElapsed() / 1e9);
        if (r)
            state.counters["MB"] = r->bytes / 1e6;
    }
}

void restore(benchmark::State &state, Dialect from, Dialect to)
{
    const QString source = generated(state, from);
    if (source.isEmpty())
        return;
    const QString file = dataDir().filePath(from == Dialect::Sqlite ? QStringLiteral("sqlite.backup")
                                                                    : QStringLiteral("postgresql.backup"));
    if (!QFile::exists(file)) {
        auto registry = Registry::open(source, Registry::Open::ExistingOnly);
        if (!registry || !backupRegistry(**registry, file)) {
            bench::skip(state, QStringLiteral("cannot write the backup"));
            return;
        }
    }
    timedCopies(state, to, [&](const QString &url) { return restoreRegistry(file, url); });
}

void migrate(benchmark::State &state, Dialect from, Dialect to)
{
    const QString source = generated(state, from);
    if (source.isEmpty())
        return;
    timedCopies(state, to, [&](const QString &url) { return migrateRegistry(source, url); });
}

// One version with everything (the details panel's read), 200 times, on the primary and through a replica.
void replica_read(benchmark::State &state, bool onReplica)
{
    const QString standbyBase = qEnvironmentVariable("MODELDESK_BENCH_PG_STANDBY_URL");
    if (standbyBase.isEmpty()) {
        bench::skip(state, QStringLiteral("MODELDESK_BENCH_PG_STANDBY_URL is not set: run packaging/bench.sh"));
        return;
    }
    const QString source = generated(state, Dialect::Postgres);
    if (source.isEmpty())
        return;
    QUrl standby(standbyBase);
    standby.setPath(QUrl(source).path());
    auto registry = Registry::open(source, Registry::Open::ExistingOnly);
    if (!registry) {
        bench::skip(state, registry.error().message);
        return;
    }
    if (onReplica) {
        // The standby has the generated registry once it has replayed the primary's WAL up to now.
        QElapsedTimer waited;
        waited.start();
        Status attached = (*registry)->attachReplica(standby.toString());
        while (!attached && waited.elapsed() < 120000) {
            QThread::msleep(200);
            attached = (*registry)->attachReplica(standby.toString());
        }
        if (!attached) {
            bench::skip(state, attached.error().message);
            return;
        }
        for (auto lag = (*registry)->replicaLagSeconds(); !lag || *lag > 0; lag = (*registry)->replicaLagSeconds()) {
            if (waited.elapsed() > 300000) {
                bench::skip(state, QStringLiteral("the standby did not catch up"));
                return;
            }
            QThread::msleep(200);
        }
    }
    auto models = (*registry)->models();
    if (!models || models->isEmpty()) {
        bench::skip(state, QStringLiteral("no models"));
        return;
    }
    const QString name = models->first().name;
    for (auto _ : state) {
        QElapsedTimer timer;
        timer.start();
        for (int i = 1; i <= 200; ++i) {
            auto v = (*registry)->version(name, 1 + (i % kVersions));
            if (!v) {
                bench::skip(state, v.error().message);
                return;
            }
        }
        state.counters["ms_per_read"] = timer.nsecsElapsed() / 1e6 / 200;
    }
    state.counters["replica_statements"] = double((*registry)->replicaStatementCount());
}

} // namespace

#define MD_TRANSFER(fn, name, ...)                                                                                     \
    BENCHMARK_CAPTURE(fn, name, __VA_ARGS__)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1)

MD_TRANSFER(backup, sqlite, Dialect::Sqlite);
MD_TRANSFER(backup, postgresql, Dialect::Postgres);
MD_TRANSFER(restore, sqlite_to_sqlite, Dialect::Sqlite, Dialect::Sqlite);
MD_TRANSFER(restore, sqlite_to_postgresql, Dialect::Sqlite, Dialect::Postgres);
MD_TRANSFER(restore, postgresql_to_sqlite, Dialect::Postgres, Dialect::Sqlite);
MD_TRANSFER(restore, postgresql_to_postgresql, Dialect::Postgres, Dialect::Postgres);
MD_TRANSFER(migrate, sqlite_to_postgresql, Dialect::Sqlite, Dialect::Postgres);
BENCHMARK_CAPTURE(replica_read, primary, false)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(replica_read, replica, true)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
