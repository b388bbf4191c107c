// Read replicas: a registry's reads on a PostgreSQL hot standby, its writes on the primary, and read-your-writes
// between them by WAL position.

#include "registry.h"

#include "database.h"

#include <QDateTime>

namespace md {

namespace {
// Whether the standby has replayed up to `lsn`. A server that is not in recovery (the replica URL reached a primary,
// e.g. after a failover) has everything.
constexpr const char *kReplayedSql = "SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, true)";
} // namespace

// Everything any transaction has committed so far lies before the insert position, written out or not: a commit
// another session made asynchronously (synchronous_commit = off), whose notification can arrive before its WAL is
// flushed, included. pg_current_wal_lsn (written up to) would miss that commit, and a standby paused just before it
// would look caught up. The insert position is a record's start, though: right after a page header (24 bytes, 40 at
// a segment's start) when the last record ended at the page's end, where a standby's replay position (the last
// record's end) stops. Mapped back to that end, a standby that has replayed everything reports exactly it.
extern const char *const kPrimaryPositionSql =
    "SELECT (CASE WHEN o % pg_size_bytes(current_setting('wal_segment_size')) = 40 THEN l - 40 "
    "WHEN o % current_setting('wal_block_size')::numeric = 24 THEN l - 24 ELSE l END)::text "
    "FROM (SELECT l, l - '0/0'::pg_lsn AS o FROM pg_current_wal_insert_lsn() l) p";

Registry::ReadScope::ReadScope(Registry &registry) : m_registry(registry)
{
    if (!registry.m_replica || registry.m_onReplica || registry.m_db->inTransaction() || !registry.replicaCaughtUp())
        return;
    std::swap(registry.m_db, registry.m_replica);
    registry.m_onReplica = true;
    m_swapped = true;
}

Registry::ReadScope::~ReadScope()
{
    if (!m_swapped)
        return;
    std::swap(m_registry.m_db, m_registry.m_replica);
    m_registry.m_onReplica = false;
}

Status Registry::attachReplica(const QString &url)
{
    if (dialect() != Dialect::Postgres)
        return Error::invalid(QStringLiteral("A read replica is a PostgreSQL standby; %1 is a SQLite file, read "
                                             "directly. Leave out --read-registry (MODELDESK_READ_REGISTRY).")
                                  .arg(locationDisplay()));
    auto location = parseRegistryUrl(url);
    if (!location)
        return location.error();
    if (location->dialect != Dialect::Postgres)
        return Error::invalid(
            QStringLiteral("The read replica '%1' is not a PostgreSQL URL; give the standby's postgresql:// URL.")
                .arg(url));
    location->forReads = true;
    auto replica = Database::open(*location, Database::Create::No);
    if (!replica)
        return replica.error();
    // The same registry: its creation time and schema version as the primary's (a standby of another registry, or
    // one still replaying a migration, would answer other questions).
    const QString sameSql = QStringLiteral(
        "SELECT (SELECT value FROM registry_info WHERE key = 'created_at'), (SELECT max(version) FROM schema_version)");
    auto here = m_db->exec(sameSql);
    if (!here)
        return here.error();
    here->next();
    const QString createdAt = here->value(0).toString();
    const int version = here->value(1).toInt();
    here->finish();
    auto there = (*replica)->exec(sameSql);
    if (!there)
        return Error{Error::Kind::NotARegistry,
                     QStringLiteral("The read replica %1 holds no ModelDesk registry (%2). Give a standby of %3.")
                         .arg(location->display(), there.error().message, locationDisplay()),
                     {}};
    there->next();
    if (there->value(0).toString() != createdAt || there->value(1).toInt() != version)
        return Error{Error::Kind::NotARegistry,
                     QStringLiteral("The read replica %1 is not a copy of %2: it holds a registry created at %3 "
                                    "with schema version %4, the primary one created at %5 with version %6. Give a "
                                    "standby of %2.")
                         .arg(location->display(), locationDisplay(), there->value(0).toString())
                         .arg(there->value(1).toInt())
                         .arg(createdAt)
                         .arg(version),
                     {}};
    there->finish();
    (*replica)->setReadOnly(QStringLiteral("%1 is the read replica: every change goes to the primary %2.")
                                .arg(location->display(), locationDisplay()),
                            Error::Kind::ReadOnly);
    m_replica = std::move(*replica);
    return {};
}

void Registry::detachReplica()
{
    if (!m_onReplica)
        m_replica.reset();
    m_readAfterLsn.clear();
    m_lagTarget.clear();
}

QString Registry::replicaDisplay() const
{
    const Database *replica = m_onReplica ? m_db.get() : m_replica.get();
    return replica ? replica->location().display() : QString();
}

quint64 Registry::replicaStatementCount() const
{
    const Database *replica = m_onReplica ? m_db.get() : m_replica.get();
    return replica ? replica->statementCount() : 0;
}

Result<QString> Registry::primaryPosition()
{
    Database &primary = m_onReplica ? *m_replica : *m_db;
    if (primary.dialect() != Dialect::Postgres)
        return QString();
    auto lsn = primary.scalar(QString::fromLatin1(kPrimaryPositionSql));
    if (!lsn)
        return lsn.error();
    return lsn->toString();
}

void Registry::readAfter(const QString &lsn)
{
    if (!m_replica && !m_onReplica)
        return;
    m_readAfterLsn = lsn;
}

Result<QString> Registry::pendingReadPosition()
{
    Database &primary = m_onReplica ? *m_replica : *m_db;
    if (primary.takeCommittedWrite()) {
        auto position = primaryPosition();
        if (!position)
            return position.error();
        m_readAfterLsn = *position;
    }
    return m_readAfterLsn;
}

bool Registry::replicaCaughtUp()
{
    // The position after this client's last write, read once after it (one statement on the primary).
    auto pending = pendingReadPosition();
    if (!pending)
        return false; // the primary answers the read, and its error, if any
    if (pending->isEmpty())
        return true;
    auto replayed = m_replica->scalar(QString::fromLatin1(kReplayedSql), {*pending});
    if (!replayed || !replayed->toBool())
        return false;
    m_readAfterLsn.clear();
    return true;
}

Result<double> Registry::replicaLagSeconds()
{
    if (!m_replica)
        return 0.0;
    auto primaryLsn = primaryPosition();
    if (!primaryLsn)
        return primaryLsn.error();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Behind the position first seen unreplayed? Then lag counts from then; once it is replayed, from the
    // position now.
    if (!m_lagTarget.isEmpty()) {
        auto replayed = m_replica->scalar(QString::fromLatin1(kReplayedSql), {m_lagTarget});
        if (!replayed)
            return replayed.error();
        if (!replayed->toBool())
            return (now - m_lagSinceMs) / 1000.0;
        m_lagTarget.clear();
    }
    auto replayed = m_replica->scalar(QString::fromLatin1(kReplayedSql), {*primaryLsn});
    if (!replayed)
        return replayed.error();
    if (replayed->toBool())
        return 0.0;
    // Behind, first seen now: a lag of (almost) nothing yet, but not "caught up".
    m_lagTarget = *primaryLsn;
    m_lagSinceMs = now;
    return 0.001;
}

} // namespace md
