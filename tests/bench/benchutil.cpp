#include "benchutil.h"

#include <QSqlQuery>
#include <QSqlRecord>

#include <map>

namespace md::bench {

namespace {
std::map<Dialect, QString> &referenceUrls()
{
    static std::map<Dialect, QString> urls;
    return urls;
}
} // namespace

void setReferenceUrl(Dialect dialect, const QString &url)
{
    referenceUrls()[dialect] = url;
}

QString referenceUrl(benchmark::State &state, Dialect dialect)
{
    const QString url = referenceUrls()[dialect];
    if (url.isEmpty())
        skip(state, dialect == Dialect::Postgres
                        ? QStringLiteral("no PostgreSQL reference registry: run packaging/bench.sh")
                        : QStringLiteral("no SQLite reference registry"));
    return url;
}

std::unique_ptr<Registry> openReference(benchmark::State &state, Dialect dialect)
{
    const QString url = referenceUrl(state, dialect);
    if (url.isEmpty())
        return nullptr;
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r) {
        skip(state, r.error().message);
        return nullptr;
    }
    return std::move(*r);
}

void skip(benchmark::State &state, const QString &why)
{
    state.SkipWithError(why.toStdString().c_str());
}

bool readAll(benchmark::State &state, Database &db, const QString &sql, const QVariantList &binds, qsizetype *rows)
{
    auto q = db.exec(sql, binds);
    if (!q) {
        skip(state, q.error().message);
        return false;
    }
    const int columns = q->record().count();
    *rows = 0;
    while (q->next()) {
        for (int c = 0; c < columns; ++c)
            benchmark::DoNotOptimize(q->value(c));
        ++*rows;
    }
    return true;
}

bool inTransaction(benchmark::State &state, Database &db, const std::function<Status()> &body)
{
    if (auto s = db.writeTransaction(body); !s) {
        skip(state, s.error().message);
        return false;
    }
    return true;
}

QString freshPostgres(benchmark::State &state, const QString &name)
{
    const QString base = qEnvironmentVariable("MODELDESK_BENCH_PG_URL");
    if (base.isEmpty()) {
        state.SkipWithError("MODELDESK_BENCH_PG_URL is not set: run packaging/bench.sh");
        return {};
    }
    auto admin = Database::open(*parseRegistryUrl(base), Database::Create::No);
    if (!admin) {
        state.SkipWithError(admin.error().message.toStdString().c_str());
        return {};
    }
    (void)(*admin)->exec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(name));
    if (!(*admin)->exec(QStringLiteral("CREATE DATABASE %1 TEMPLATE template0").arg(name))) {
        state.SkipWithError("cannot create the benchmark database");
        return {};
    }
    QUrl u(base);
    u.setPath(QLatin1Char('/') + name);
    return u.toString();
}

std::unique_ptr<Registry> openAsReviewer(benchmark::State &state, const QString &url)
{
    // The registry must exist (and so the roles) before the reviewer can be granted.
    auto owner = Registry::open(url, Registry::Open::CreateIfMissing);
    if (!owner) {
        state.SkipWithError(owner.error().message.toStdString().c_str());
        return nullptr;
    }
    Database &db = RegistryInternals::database(**owner);
    (void)db.exec(QStringLiteral("DO $$ BEGIN CREATE ROLE bench_reviewer LOGIN; EXCEPTION WHEN duplicate_object THEN "
                                 "NULL; END $$"));
    (void)db.exec(QStringLiteral("GRANT modeldesk_reviewer TO bench_reviewer"));
    QUrl u(url);
    u.setUserName(QStringLiteral("bench_reviewer"));
    auto reviewer = Registry::open(u.toString(), Registry::Open::ExistingOnly);
    if (!reviewer) {
        state.SkipWithError(reviewer.error().message.toStdString().c_str());
        return nullptr;
    }
    return std::move(*reviewer);
}

} // namespace md::bench
