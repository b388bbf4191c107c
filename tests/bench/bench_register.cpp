// Registration into the reference registry: one version with 20 metrics, 15 params and 10 facts per
// transaction, as `modelctl register` does (validation, the next number, the rows, sealing, the audit
// entry). The floor writes the same rows by hand in one transaction.

#include "benchutil.h"
#include "registry/audit.h"

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

} // namespace

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
