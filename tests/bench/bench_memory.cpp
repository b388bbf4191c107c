// Resident memory of the application (README, Architecture: performance targets: "resident memory while browsing the
// large registry", target < 200 MB). memory runs the real modeldesk binary offscreen on the reference registry with
// --memory-report: it opens the registry, selects a model (its version table loads), searches with a filter that
// matches more than 10,000 versions, scrolls the results table to the end (every page fetched and painted), then writes
// its peak resident set size (VmHWM) and quits. Counters: "peak_rss_mb", "rows" (the rows the results table held at the
// end) and "version_rows" (the model's version table).

#include "benchutil.h"

#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <vector>

using namespace md;

namespace {

const QString kFilter = QStringLiteral("metrics.auc > 0.75");

// Runs the real modeldesk offscreen (with a settings folder of its own in `dir`: the benchmark must not change the
// user's last registry or layout) on `url` with `args`, which make it write "key value" lines to `report` and quit.
// Empty (and the benchmark skipped) when it fails.
QHash<QByteArray, double> runApp(benchmark::State &state, const QTemporaryDir &dir, const QString &url,
                                 const QStringList &args, const QString &report, int timeoutMs,
                                 const QString &netns = {})
{
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const QStringList appArgs = QStringList{QStringLiteral("--registry"), url} + args;
    if (netns.isEmpty())
        app.start(QStringLiteral(MODELDESK_APP_PATH), appArgs);
    else // in the network namespace behind the delayed link (packaging/bench.sh --network)
        app.start(QStringLiteral("ip"), QStringList{QStringLiteral("netns"), QStringLiteral("exec"), netns,
                                                    QStringLiteral(MODELDESK_APP_PATH)} +
                                            appArgs);
    if (!app.waitForFinished(timeoutMs) || app.exitStatus() != QProcess::NormalExit || app.exitCode() != 0) {
        app.kill();
        app.waitForFinished();
        bench::skip(state, QStringLiteral("modeldesk %1 failed (exit code %2): %3")
                               .arg(args.join(QLatin1Char(' ')))
                               .arg(app.exitCode())
                               .arg(QString::fromLocal8Bit(app.readAllStandardOutput())));
        return {};
    }
    QFile f(report);
    if (!f.open(QIODevice::ReadOnly)) {
        bench::skip(state, QStringLiteral("modeldesk wrote no report"));
        return {};
    }
    QHash<QByteArray, double> values;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> kv = line.simplified().split(' ');
        if (kv.size() == 2)
            values.insert(kv[0], kv[1].toDouble());
    }
    return values;
}

void memory(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    auto model = RegistryInternals::database(*r).scalar(
        QStringLiteral("SELECT name FROM registered_models ORDER BY id LIMIT 1"));
    if (!model || model->isNull()) {
        bench::skip(state, QStringLiteral("the reference registry has no model"));
        return;
    }
    const QString url = bench::referenceUrl(state, dialect);
    r.reset(); // the application is measured, not this process
    QTemporaryDir dir;
    const QString report = dir.filePath(QStringLiteral("memory.txt"));
    double peakMb = 0;
    double rows = 0;
    double versionRows = 0;
    for (auto _ : state) {
        const QHash<QByteArray, double> values =
            runApp(state, dir, url,
                   {QStringLiteral("--model"), model->toString(), QStringLiteral("--search"), kFilter,
                    QStringLiteral("--memory-report"), report},
                   report, 15 * 60 * 1000);
        if (values.isEmpty())
            return;
        peakMb = values.value("peak_rss_kb") / 1024.0;
        rows = values.value("search_rows");
        versionRows = values.value("version_rows");
    }
    if (peakMb <= 0) {
        bench::skip(state, QStringLiteral("the memory report holds no peak_rss_kb"));
        return;
    }
    state.counters["peak_rss_mb"] = peakMb;
    state.counters["rows"] = rows;
    state.counters["version_rows"] = versionRows;
}

// Cold start (target < 500 ms): the real application with --startup-report on the reference registry, offscreen, its
// own settings folder (so no model is restored). Counters: "interactive_ms" (main() to the first event handled after
// the tree was painted with the models), "process_ms" (the same from the process's start, to 10 ms), "opened_ms",
// "tree_loaded_ms". The median of 5 starts.
void cold_start(benchmark::State &state, Dialect dialect)
{
    const QString url = bench::referenceUrl(state, dialect);
    if (url.isEmpty())
        return;
    QTemporaryDir dir;
    const QString report = dir.filePath(QStringLiteral("startup.txt"));
    std::vector<QHash<QByteArray, double>> runs;
    for (auto _ : state) {
        for (int i = 0; i < 5; ++i) {
            QHash<QByteArray, double> figures =
                runApp(state, dir, url, {QStringLiteral("--startup-report"), report}, report, 3 * 60 * 1000);
            if (figures.isEmpty())
                return;
            runs.push_back(std::move(figures));
        }
    }
    auto median = [&](const QByteArray &key) {
        std::vector<double> values;
        for (const auto &r : runs)
            values.push_back(r.value(key, -1));
        std::sort(values.begin(), values.end());
        return values.empty() ? -1.0 : values[values.size() / 2];
    };
    state.counters["interactive_ms"] = median("interactive_ms");
    state.counters["process_ms"] = median("process_to_interactive_ms");
    state.counters["opened_ms"] = median("registry_opened_ms");
    state.counters["tree_loaded_ms"] = median("tree_loaded_ms");
    state.counters["models"] = median("models");
}

// The GUI actions of the performance table end to end, with their statement counts (modeldesk --action-report): open
// the registry, select a model, select a version, open the approval and rollback dialogs, run the README's search.
// The median of 3 runs of each figure. Over a network: `netns` runs the application in the namespace behind the
// 10 ms link that packaging/bench.sh --network sets up, reaching the server at `host` (HOST:PORT) instead.
void runActions(benchmark::State &state, Dialect dialect, const QString &netns, const QString &host)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    auto model = RegistryInternals::database(*r).scalar(
        QStringLiteral("SELECT m.name FROM registered_models m WHERE EXISTS (SELECT 1 FROM model_versions v WHERE "
                       "v.model_id = m.id AND v.stage = 'Production') ORDER BY m.id LIMIT 1"));
    if (!model || model->isNull()) {
        bench::skip(state, QStringLiteral("the reference registry has no model in Production"));
        return;
    }
    QString url = bench::referenceUrl(state, dialect);
    if (!host.isEmpty()) // HOST:PORT of the delayed link instead of the loopback address and port
        url.replace(QRegularExpression(QStringLiteral("@127\\.0\\.0\\.1:\\d+")), QLatin1Char('@') + host);
    r.reset();
    static const char *kActions[] = {"open",  "select_model", "select_version", "approval_dialog", "rollback_dialog",
                                     "search"};
    std::map<std::string, std::vector<double>> values;
    for (auto _ : state) {
        for (int i = 0; i < 3; ++i) {
            QTemporaryDir dir; // its own settings: no model restored from an earlier run
            const QString report = dir.filePath(QStringLiteral("actions.txt"));
            const QHash<QByteArray, double> figures =
                runApp(state, dir, url,
                       {QStringLiteral("--model"), model->toString(), QStringLiteral("--search"),
                        QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments'"),
                        QStringLiteral("--action-report"), report},
                       report, 10 * 60 * 1000, netns);
            if (figures.isEmpty())
                return;
            for (const char *action : kActions)
                for (const char *what : {"_ms", "_statements"}) {
                    const QByteArray key = QByteArray(action) + what;
                    if (!figures.contains(key)) {
                        bench::skip(state, QStringLiteral("the action report has no %1").arg(QLatin1String(key)));
                        return;
                    }
                    values[key.toStdString()].push_back(figures.value(key));
                }
        }
    }
    for (auto &[key, list] : values) {
        std::sort(list.begin(), list.end());
        state.counters[key] = list[list.size() / 2];
    }
}

void gui_actions(benchmark::State &state, Dialect dialect)
{
    runActions(state, dialect, {}, {});
}

// PostgreSQL over a 10 ms round trip: only when packaging/bench.sh --network set the link up.
void gui_actions_netem(benchmark::State &state, Dialect dialect)
{
    const QString netns = qEnvironmentVariable("MODELDESK_BENCH_NETNS");
    const QString host = qEnvironmentVariable("MODELDESK_BENCH_NETNS_SERVER");
    if (netns.isEmpty() || host.isEmpty()) {
        bench::skip(state, QStringLiteral("no delayed network: run packaging/bench.sh --network (as root)"));
        return;
    }
    runActions(state, dialect, netns, host);
}

} // namespace

BENCHMARK_CAPTURE(gui_actions_netem, postgresql, ::md::Dialect::Postgres)->Unit(benchmark::kMillisecond)->UseRealTime();

// One run of the application is one iteration. Not ->Iterations(1): that renames the runs
// "memory/<dialect>/iterations:1", which the summary table does not find; a run takes well over the default
// minimum time of 0.5 s, so the framework stops after one iteration anyway.
MD_BENCH_BOTH(memory);
MD_BENCH_BOTH(cold_start);
MD_BENCH_BOTH(gui_actions);
