// Registration into the reference registry: one version with 20 metrics, 15 params and 10 facts per
// transaction, as `modelctl register` does (validation, the next number, the rows, sealing, the audit
// entry). The floor writes the same rows by hand in one transaction.

#include "benchutil.h"
#include "registry/audit.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlQuery>

using namespace md;

namespace {

VersionSpec benchSpec(const QString &model, int i)
{
    VersionSpec s;
    s.modelName = model;
    s.artifactUri = QStringLiteral("s3://bench/%1/%2/model.bin").arg(model).arg(i);
    for (int m = 0; m < 20; ++m)
        s.metrics << Metric{QStringLiteral("metric_%1").arg(m), QStringLiteral("test"), {}, 0.5 + (i % 97) * 0.001 + m};
    for (int p = 0; p < 15; ++p)
        s.params.insert(QStringLiteral("param_%1").arg(p), QString::number(i * p));
    for (int f = 0; f < 10; ++f)
        s.facts << Fact{QStringLiteral("env"), QStringLiteral("fact_%1").arg(f), QStringLiteral("value %1").arg(i)};
    return s;
}

void register_version(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    int i = 0;
    bench::timeEach(state, [&] {
        auto done = r->registerVersion(benchSpec(QStringLiteral("bench/register"), i++));
        if (!done) {
            bench::skip(state, done.error().message);
            return false;
        }
        return true;
    });
}

// By hand: the next number, the version row, 20 metrics, 15 params and 10 facts in three multi-row
// INSERTs, the registration transition, sealing, the chained audit entry.
void register_version_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    Database &db = RegistryInternals::database(*r);
    if (!r->registerVersion(benchSpec(QStringLiteral("bench/register-sql"), 0))) { // creates the model
        bench::skip(state, QStringLiteral("cannot create the model"));
        return;
    }
    auto tuples = [](int n, int columns) {
        QStringList one;
        for (int c = 0; c < columns; ++c)
            one << QStringLiteral("?");
        QStringList all;
        for (int i = 0; i < n; ++i)
            all << QLatin1Char('(') + one.join(QLatin1Char(',')) + QLatin1Char(')');
        return all.join(QLatin1Char(','));
    };
    const QString metricSql =
        QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) VALUES ") + tuples(20, 5);
    const QString paramSql = QStringLiteral("INSERT INTO params (version_id, name, value) VALUES ") + tuples(15, 3);
    const QString factSql =
        QStringLiteral("INSERT INTO facts (version_id, category, name, value) VALUES ") + tuples(10, 4);
    int i = 1;
    bench::timeEach(state, [&] {
        const VersionSpec spec = benchSpec(QStringLiteral("bench/register-sql"), i++);
        return bench::inTransaction(state, db, [&]() -> Status {
            const QString now = nowUtc();
            auto next = db.exec(QStringLiteral("UPDATE registered_models SET last_version = last_version + 1 WHERE "
                                               "name = ? RETURNING id, last_version"),
                                {spec.modelName});
            if (!next || !next->next())
                return Error::database(QStringLiteral("no model"));
            const qint64 model = next->value(0).toLongLong();
            const int number = next->value(1).toInt();
            next->finish();
            auto inserted =
                db.exec(QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, "
                                       "created_at, created_by, stage_changed_at) VALUES (?, ?, ?, ?, ?, ?) "
                                       "RETURNING id"),
                        {model, number, spec.artifactUri, now, r->actor(), now});
            if (!inserted || !inserted->next())
                return Error::database(QStringLiteral("no version"));
            const qint64 vid = inserted->value(0).toLongLong();
            inserted->finish();
            QVariantList metrics;
            for (const Metric &m : spec.metrics)
                metrics << vid << m.name << m.dataset << QString() << m.value;
            QVariantList params;
            for (auto it = spec.params.cbegin(); it != spec.params.cend(); ++it)
                params << vid << it.key() << it.value();
            QVariantList facts;
            for (const Fact &f : spec.facts)
                facts << vid << f.category << f.name << f.value;
            // PostgreSQL (schema v6): the database writes the registration transition and the audit entry.
            const bool pg = dialect == Dialect::Postgres;
            AuditEntry e;
            auto last = pg ? Result<QVariant>(QVariant())
                           : db.scalar(QStringLiteral("SELECT hash FROM audit_log ORDER "
                                                      "BY id DESC LIMIT 1"));
            if (!last)
                return last.error();
            e.prevHash = last->toString();
            e.at = now;
            e.actor = r->actor();
            e.action = QStringLiteral("register_version");
            e.objectType = QStringLiteral("model_version");
            e.objectKey = spec.modelName + QStringLiteral("@v") + QString::number(number);
            e.details = QStringLiteral("{}");
            e.hash = auditHash(e);
            const bool done =
                db.execWrite(metricSql, metrics) && db.execWrite(paramSql, params) && db.execWrite(factSql, facts) &&
                (pg || db.execWrite(QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, "
                                                   "kind, actor, at) VALUES (?, '', 'None', 'register', ?, ?)"),
                                    {vid, r->actor(), now})) &&
                db.execWrite(QStringLiteral("UPDATE model_versions SET sealed = 1 WHERE id = ?"), {vid}) &&
                (pg ||
                 db.execWrite(QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, "
                                             "object_key, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, "
                                             "?, ?)"),
                              {e.at, e.actor, e.action, e.objectType, e.objectKey, e.details, e.prevHash, e.hash}));
            if (!done)
                return Error::database(QStringLiteral("a statement failed"));
            return {};
        });
    });
}

// `modelctl register --batch FILE` end to end (the process, reading and checking the lines, registering): 5,000
// versions of the benchmark's shape (20 metrics, 15 params, 10 facts) into the reference registry, across five
// models. Reports versions per second.
void register_batch(benchmark::State &state, Dialect dialect)
{
    const QString url = bench::referenceUrl(state, dialect);
    if (url.isEmpty())
        return;
    constexpr int kVersions = 5000;
    const QString path = QDir::temp().filePath(QStringLiteral("modeldesk-bench-batch.jsonl"));
    int round = 0;
    for (auto _ : state) {
        state.PauseTiming();
        {
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly)) {
                bench::skip(state, QStringLiteral("cannot write %1").arg(path));
                return;
            }
            for (int i = 0; i < kVersions; ++i) {
                const VersionSpec s = benchSpec(QStringLiteral("bench/batch-%1").arg(QChar(u'a' + i % 5)), i);
                QJsonObject metrics, params, facts;
                for (const Metric &m : s.metrics)
                    metrics.insert(m.name + QLatin1Char('@') + m.dataset, m.value);
                for (auto it = s.params.begin(); it != s.params.end(); ++it)
                    params.insert(it.key(), it.value());
                for (const Fact &fact : s.facts)
                    facts.insert(fact.category + QLatin1Char('.') + fact.name, fact.value);
                const QJsonObject line{{QStringLiteral("name"), s.modelName},
                                       {QStringLiteral("artifact"), QString(s.artifactUri + QString::number(round))},
                                       {QStringLiteral("metrics"), metrics},
                                       {QStringLiteral("params"), params},
                                       {QStringLiteral("facts"), facts}};
                f.write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
            }
        }
        ++round;
        state.ResumeTiming();
        QElapsedTimer timer;
        timer.start();
        QProcess ctl;
        ctl.start(QStringLiteral(MODELCTL_APP_PATH), {QStringLiteral("--registry"), url, QStringLiteral("--json"),
                                                      QStringLiteral("register"), QStringLiteral("--batch"), path});
        const bool finished = ctl.waitForFinished(600000);
        const double seconds = timer.nsecsElapsed() / 1e9;
        const QJsonObject out = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object();
        if (!finished || ctl.exitCode() != 0 || out.value(QStringLiteral("registered")).toInt() != kVersions) {
            bench::skip(state, QStringLiteral("modelctl register --batch failed (exit %1): %2")
                                   .arg(ctl.exitCode())
                                   .arg(QString::fromLocal8Bit(ctl.readAllStandardError()).left(500)));
            return;
        }
        state.counters["versions_per_s"] = kVersions / seconds;
        state.counters["ms_per_version"] = seconds * 1000 / kVersions;
    }
    QFile::remove(path);
}

} // namespace

BENCHMARK_CAPTURE(register_batch, sqlite, ::md::Dialect::Sqlite)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(register_batch, postgresql, ::md::Dialect::Postgres)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

#define MD_BENCH_REGISTER(fn)                                                                                          \
    BENCHMARK_CAPTURE(fn, sqlite, ::md::Dialect::Sqlite)                                                               \
        ->Unit(benchmark::kMillisecond)                                                                                \
        ->UseRealTime()                                                                                                \
        ->Iterations(1000);                                                                                            \
    BENCHMARK_CAPTURE(fn, postgresql, ::md::Dialect::Postgres)                                                         \
        ->Unit(benchmark::kMillisecond)                                                                                \
        ->UseRealTime()                                                                                                \
        ->Iterations(1000)

MD_BENCH_REGISTER(register_version);
MD_BENCH_REGISTER(register_version_sql);
