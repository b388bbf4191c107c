// Promotion and rollback (one transaction each) on the reference registry. Targets (README, Architecture: performance
// targets): < 20 ms on SQLite, < 50 ms on a local PostgreSQL. The floors do the same writes by hand: the decision, the
// request's status, the transition rows and stage updates, the chained audit entries, in one transaction, with the
// database's own rules (triggers) in force.

#include "benchutil.h"
#include "registry/audit.h"

#include <QJsonDocument>
#include <QSqlQuery>

using namespace md;

namespace {

// Pending requests of the reference registry, oldest first (250 of them: every fourth model).
QList<qint64> pendingRequests(Registry &r)
{
    QList<qint64> ids;
    auto q = RegistryInternals::database(r).exec(
        QStringLiteral("SELECT id FROM approval_requests WHERE status = 'pending' ORDER BY id"));
    while (q && q->next())
        ids << q->value(0).toLongLong();
    return ids;
}

// The reviewer: on PostgreSQL a second login user with the reviewer role (four eyes); on SQLite the
// advisory actor name.
std::unique_ptr<Registry> reviewer(benchmark::State &state, Dialect dialect)
{
    if (dialect == Dialect::Postgres) {
        const QString url = bench::referenceUrl(state, dialect);
        return url.isEmpty() ? nullptr : bench::openAsReviewer(state, url);
    }
    auto r = bench::openReference(state, dialect);
    if (r)
        (void)r->setSqliteActor(QStringLiteral("bench-reviewer"));
    return r;
}

// Appends chained audit entries by hand (the hash is computed here, as any writer must).
bool auditByHand(Database &db, const QString &actor, const QList<std::pair<QString, QString>> &actionsAndKeys)
{
    if (db.dialect() == Dialect::Postgres)
        return true; // the database writes the entries (schema v6): by hand there is nothing to add
    auto last = db.scalar(QStringLiteral("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"));
    if (!last)
        return false;
    AuditEntry e;
    e.prevHash = last->toString();
    for (const auto &[action, key] : actionsAndKeys) {
        e.at = nowUtc();
        e.actor = actor;
        e.action = action;
        e.objectType = QStringLiteral("model_version");
        e.objectKey = key;
        e.details = QStringLiteral("{}");
        e.hash = auditHash(e);
        if (!db.exec(QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, details, "
                                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                     {e.at, e.actor, e.action, e.objectType, e.objectKey, e.details, e.prevHash, e.hash}))
            return false;
        e.prevHash = e.hash;
    }
    return true;
}

// A stage change by hand: the transition row first (the database requires it), then the stage.
bool transitionByHand(Database &db, qint64 versionId, const QString &from, const QString &to, const QString &kind,
                      const QString &actor, const QVariant &approval)
{
    const QString now = nowUtc();
    const bool rolledBackFrom = kind == QLatin1String("rollback") && to == QLatin1String("Archived");
    if (db.dialect() == Dialect::Postgres) // the one way a login changes a stage (schema v6)
        return bool(db.exec(QStringLiteral("SELECT modeldesk_change_stage(?, ?, ?, ?, 'bench', ?)"),
                            {versionId, from, to, kind, approval}));
    return db.exec(QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, "
                                  "reason, approval_id) VALUES (?, ?, ?, ?, ?, ?, 'bench', ?)"),
                   {versionId, from, to, kind, actor, now, approval}) &&
           db.exec(rolledBackFrom
                       ? QStringLiteral("UPDATE model_versions SET stage = ?, stage_changed_at = ?, "
                                        "rollback_excluded = 1 WHERE id = ?")
                       : QStringLiteral("UPDATE model_versions SET stage = ?, stage_changed_at = ? WHERE id = ?"),
                   {to, now, versionId});
}

// The reviewer approves a pending request; the approval completes it, so the version is promoted and the
// previous Production version archived, in one transaction.
void promote(benchmark::State &state, Dialect dialect)
{
    auto r = reviewer(state, dialect);
    if (!r)
        return;
    const QList<qint64> requests = pendingRequests(*r);
    qsizetype next = 0;
    bench::timeEach(state, [&] {
        if (next >= requests.size() / 2) {
            bench::skip(state, QStringLiteral("out of pending requests"));
            return false;
        }
        const qint64 id = requests[next++];
        auto done = r->decide(id, true, QStringLiteral("ok"), QStringLiteral("bench: accepted"));
        if (!done || done->status != QLatin1String("promoted")) {
            bench::skip(state, done ? QStringLiteral("not promoted") : done.error().message);
            return false;
        }
        return true;
    });
}

void promote_sql(benchmark::State &state, Dialect dialect)
{
    auto r = reviewer(state, dialect);
    if (!r)
        return;
    Database &db = RegistryInternals::database(*r);
    const QList<qint64> requests = pendingRequests(*r);
    qsizetype next = requests.size() / 2; // the other half
    const QString actor = r->actor();
    bench::timeEach(state, [&] {
        if (next >= requests.size()) {
            bench::skip(state, QStringLiteral("out of pending requests"));
            return false;
        }
        const qint64 id = requests[next++];
        return bench::inTransaction(state, db, [&]() -> Status {
            if (dialect == Dialect::Postgres) {
                // By hand on PostgreSQL (schema v6) is the write function, then reading back what the product
                // returns: the decided request and what the promotion archived.
                auto status = db.scalar(QStringLiteral("SELECT modeldesk_decide(?, 'approve', 'ok', 'bench')"), {id});
                if (!status || status->toString() != QLatin1String("promoted"))
                    return Error::database(QStringLiteral("a statement failed"));
                auto back =
                    db.exec(QStringLiteral("SELECT r.status, d.actor, d.at, (SELECT string_agg(v.version::text, "
                                           "',') FROM stage_transitions t JOIN model_versions v ON v.id = "
                                           "t.version_id WHERE t.approval_id = r.id AND t.kind = 'archive') "
                                           "FROM approval_requests r JOIN approval_decisions d ON "
                                           "d.request_id = r.id WHERE r.id = ?"),
                            {id});
                if (!back || !back->next())
                    return Error::database(QStringLiteral("a statement failed"));
                return {};
            }
            auto q = db.exec(QStringLiteral("SELECT r.version_id, v.model_id, (SELECT p.id FROM model_versions p WHERE "
                                            "p.model_id = v.model_id AND p.stage = 'Production') FROM "
                                            "approval_requests r JOIN model_versions v ON v.id = r.version_id "
                                            "WHERE r.id = ?"),
                             {id});
            if (!q || !q->next())
                return Error::database(QStringLiteral("request not found"));
            const qint64 version = q->value(0).toLongLong();
            const QVariant current = q->value(2);
            q->finish();
            const QString now = nowUtc();
            // (The product's writeTransaction holds the registry write lock; a trigger locks the model row.)
            bool done = db.exec(QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, "
                                               "override_reason, at) VALUES (?, ?, 'approve', 'ok', 'bench', ?)"),
                                {id, actor, now}) &&
                        db.exec(QStringLiteral("UPDATE approval_requests SET status = 'approved', decided_at = ? "
                                               "WHERE id = ?"),
                                {now, id});
            if (done && !current.isNull())
                done = transitionByHand(db, current.toLongLong(), QStringLiteral("Production"),
                                        QStringLiteral("Archived"), QStringLiteral("archive"), actor, id);
            done = done &&
                   transitionByHand(db, version, QStringLiteral("Staging"), QStringLiteral("Production"),
                                    QStringLiteral("promote"), actor, id) &&
                   db.exec(QStringLiteral("UPDATE approval_requests SET status = 'promoted' WHERE id = ?"), {id}) &&
                   auditByHand(db, actor,
                               {{QStringLiteral("approve"), QString::number(version)},
                                {QStringLiteral("stage_archive"), current.toString()},
                                {QStringLiteral("stage_promote"), QString::number(version)}});
            if (!done)
                return Error::database(QStringLiteral("a statement failed"));
            return {};
        });
    });
}

// Models whose Production version can be rolled back, with the target the product suggests.
QList<std::pair<QString, int>> rollbackCandidates(benchmark::State &state, Registry &r, int wanted)
{
    QList<std::pair<QString, int>> list;
    auto q = RegistryInternals::database(r).exec(QStringLiteral("SELECT name FROM registered_models ORDER BY id"));
    QStringList names;
    while (q && q->next())
        names << q->value(0).toString();
    for (const QString &name : std::as_const(names)) {
        auto target = r.suggestedRollbackTarget(name);
        if (target && *target > 0)
            list.append({name, *target});
        if (list.size() == wanted)
            break;
    }
    if (list.size() < wanted)
        bench::skip(state, QStringLiteral("the reference registry has too few rollback candidates"));
    return list;
}

// On-call rolls back (the registry's owner here; on PostgreSQL a deployer or admin may).
void rollback(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const auto candidates = rollbackCandidates(state, *r, 160);
    if (candidates.size() < 160)
        return;
    qsizetype next = 0;
    bench::timeEach(state, [&] {
        if (next >= 80) {
            bench::skip(state, QStringLiteral("out of rollback candidates"));
            return false;
        }
        const auto &[name, target] = candidates[next++];
        auto done = r->rollback(name, target, QStringLiteral("bench: error rate up"));
        if (!done) {
            bench::skip(state, done.error().message);
            return false;
        }
        return true;
    });
}

void rollback_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const auto candidates = rollbackCandidates(state, *r, 160);
    if (candidates.size() < 160)
        return;
    Database &db = RegistryInternals::database(*r);
    const QString actor = r->actor();
    qsizetype next = 80; // the other half
    bench::timeEach(state, [&] {
        if (next >= candidates.size()) {
            bench::skip(state, QStringLiteral("out of rollback candidates"));
            return false;
        }
        const auto &[name, target] = candidates[next++];
        return bench::inTransaction(state, db, [&]() -> Status {
            auto q = db.exec(QStringLiteral("SELECT (SELECT p.id FROM model_versions p WHERE p.model_id = m.id "
                                            "AND p.stage = 'Production'), (SELECT t.id FROM model_versions t WHERE "
                                            "t.model_id = m.id AND t.version = ?) FROM registered_models m "
                                            "WHERE m.name = ?"),
                             {target, name});
            if (!q || !q->next())
                return Error::database(QStringLiteral("model not found"));
            const qint64 current = q->value(0).toLongLong();
            const qint64 to = q->value(1).toLongLong();
            q->finish();
            const QVariant none(QMetaType(QMetaType::LongLong));
            const bool done = transitionByHand(db, current, QStringLiteral("Production"), QStringLiteral("Archived"),
                                               QStringLiteral("rollback"), actor, none) &&
                              transitionByHand(db, to, QStringLiteral("Archived"), QStringLiteral("Production"),
                                               QStringLiteral("rollback"), actor, none) &&
                              auditByHand(db, actor,
                                          {{QStringLiteral("stage_rollback"), QString::number(current)},
                                           {QStringLiteral("stage_rollback"), QString::number(to)}});
            if (!done)
                return Error::database(QStringLiteral("a statement failed"));
            return {};
        });
    });
}

} // namespace

#define MD_BENCH_WRITES(fn, n)                                                                                         \
    BENCHMARK_CAPTURE(fn, sqlite, ::md::Dialect::Sqlite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(n); \
    BENCHMARK_CAPTURE(fn, postgresql, ::md::Dialect::Postgres)                                                         \
        ->Unit(benchmark::kMillisecond)                                                                                \
        ->UseRealTime()                                                                                                \
        ->Iterations(n)

MD_BENCH_WRITES(promote, 60);
MD_BENCH_WRITES(promote_sql, 60);
MD_BENCH_WRITES(rollback, 60);
MD_BENCH_WRITES(rollback_sql, 60);
