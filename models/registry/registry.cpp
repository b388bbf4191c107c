#include "registry.h"

#include "database.h"

#include "schema.h"
#include "validation.h"

#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlRecord>

#include <pwd.h>
#include <unistd.h>

namespace md {

QString osUserName()
{
    if (const passwd *pw = getpwuid(geteuid()); pw && pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
    const QString user = qEnvironmentVariable("USER");
    return user.isEmpty() ? QStringLiteral("unknown") : user;
}

Registry::Registry(std::unique_ptr<Database> db) : m_db(std::move(db)) {}

Registry::~Registry() = default;

bool Registry::hasNewerSchema() const
{
    return m_schemaVersion > kSchemaVersion;
}

Dialect Registry::dialect() const
{
    return m_db->dialect();
}

const RegistryLocation &Registry::location() const
{
    return m_db->location();
}

quint64 Registry::statementCount() const
{
    return m_db->statementCount() + (m_replica ? m_replica->statementCount() : 0);
}

Result<AuditCheckpoint> Registry::auditCheckpoint()
{
    auto q = m_db->exec(QStringLiteral("SELECT count(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM "
                                       "audit_log"));
    if (!q)
        return q.error();
    if (!q->next())
        return AuditCheckpoint{};
    return AuditCheckpoint{q->value(0).toLongLong(), q->value(1).toString()};
}

Result<AuditVerification> Registry::verifyAudit(const std::optional<AuditCheckpoint> &expect)
{
    // A damaged file first: a page nobody reads until a write reaches it is found only by SQLite's own check.
    if (m_db->dialect() == Dialect::Sqlite) {
        auto check = m_db->exec(QStringLiteral("PRAGMA quick_check(5)"));
        QStringList problems;
        if (!check)
            problems << check.error().message;
        else
            while (check->next())
                if (const QString line = check->value(0).toString(); line != QLatin1String("ok"))
                    problems << QString(line).remove(QStringLiteral("*** in database main ***")).trimmed();
        if (!problems.isEmpty()) {
            AuditVerification damaged;
            damaged.intact = false;
            damaged.problem = QStringLiteral("the registry file is damaged (SQLite's quick_check: %1): restore it from "
                                             "a backup")
                                  .arg(problems.join(QStringLiteral("; ")).simplified().left(600));
            return damaged;
        }
    }
    auto result = verifyAuditChain(*m_db, expect);
    if (!result || !result->intact)
        return result;
    // An intact chain over a registry whose guards were switched off proves little: say so.
    auto guards = checkGuards(*m_db);
    if (!guards)
        return guards.error();
    m_guardsProblem = *guards;
    if (!guards->isEmpty()) {
        result->intact = false;
        result->problem = *guards;
    }
    return result;
}

Status Registry::atomically(const std::function<Status()> &work)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status { return work(); });
}

Result<QList<AuditEntry>> Registry::audit(const AuditFilter &filter)
{
    const ReadScope reads(*this);
    return readAudit(*m_db, filter);
}

Result<VersionKeys> Registry::versionKeys(const QString &modelName, const VersionSort &sort)
{
    const ReadScope reads(*this);
    auto keys = loadVersionKeys(*m_db, modelName, sort);
    if (!keys)
        return keys;
    // The metrics its gates check are what a reviewer looks at first: the version table's default columns.
    if (auto policies = gatePoliciesOf(keys->modelId)) {
        for (const GatePolicy *policy : {&policies->staging, &policies->production})
            for (const GateRule &rule : policy->rules) {
                const MetricColumn column{rule.metric, rule.dataset};
                if ((rule.kind == GateRule::Kind::MetricMin || rule.kind == GateRule::Kind::MetricMax ||
                     rule.kind == GateRule::Kind::NoRegression) &&
                    rule.slice.isEmpty() && !keys->gatedMetrics.contains(column))
                    keys->gatedMetrics << column;
            }
    }
    return keys;
}

Result<QList<VersionRow>> Registry::versionPage(qint64 modelId, const VersionSort &sort, const QVariant &afterSortValue,
                                                int afterVersion, int count, const QList<MetricColumn> &columns)
{
    const ReadScope reads(*this);
    return loadVersionPage(*m_db, modelId, sort, afterSortValue, afterVersion, count, columns);
}

Result<SearchOutcome> Registry::search(const QString &filter, int limit, FilterError *filterError)
{
    const ReadScope reads(*this);
    return searchVersions(*m_db, filter, limit, filterError);
}

Result<SearchIds> Registry::searchIds(const QString &filter, int limit, FilterError *filterError)
{
    const ReadScope reads(*this);
    return searchVersionIds(*m_db, filter, limit, filterError);
}

Result<QList<SearchHit>> Registry::searchHits(const QList<qint64> &ids, const QList<FilterField> &fields)
{
    const ReadScope reads(*this);
    return loadSearchHits(*m_db, ids, fields);
}

QVariant Registry::changeToken()
{
    const ReadScope reads(*this);
    // SQLite: data_version changes when another connection commits. PostgreSQL: every write appends an
    // audit entry, and max(id) is one index probe.
    auto q = m_db->exec(dialect() == Dialect::Sqlite ? QStringLiteral("PRAGMA data_version")
                                                     : QStringLiteral("SELECT max(id) FROM audit_log"));
    if (!q || !q->next())
        return {};
    const QVariant v = q->value(0);
    return v.isNull() ? QVariant(0) : v;
}

Result<qint64> Registry::modelCount()
{
    const ReadScope reads(*this);
    auto n = m_db->scalar(QStringLiteral("SELECT count(*) FROM registered_models"));
    if (!n)
        return n.error();
    return n->toLongLong();
}

Result<QString> Registry::databaseVersion()
{
    auto v = m_db->scalar(dialect() == Dialect::Sqlite ? QStringLiteral("SELECT sqlite_version()")
                                                       : QStringLiteral("SHOW server_version"));
    if (!v)
        return v.error();
    return v->toString();
}

Result<bool> Registry::isSuperuser()
{
    if (dialect() == Dialect::Sqlite)
        return false;
    auto s = m_db->scalar(QStringLiteral("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"));
    if (!s)
        return s.error();
    return s->toBool();
}

Result<std::unique_ptr<Registry>> Registry::open(const QString &url, Open mode)
{
    auto location = parseRegistryUrl(url);
    if (!location)
        return location.error();
    return open(*location, mode);
}

Result<std::unique_ptr<Registry>> Registry::open(const RegistryLocation &location, Open mode)
{
    // A registry file that could not be created (a full disk, a folder that went read-only) is not left behind
    // half made: the next `init` would find an empty or damaged file instead of a clear start.
    const bool creating =
        location.dialect == Dialect::Sqlite && mode == Open::CreateIfMissing && !QFileInfo::exists(location.sqlitePath);
    auto result = openOrCreate(location, mode);
    if (!result && creating)
        for (const char *suffix : {"", "-wal", "-shm", "-journal"})
            QFile::remove(location.sqlitePath + QLatin1String(suffix));
    return result;
}

Result<std::unique_ptr<Registry>> Registry::openOrCreate(const RegistryLocation &location, Open mode)
{
    auto db = Database::open(location, mode == Open::CreateIfMissing ? Database::Create::Yes : Database::Create::No);
    if (!db)
        return db.error();
    std::unique_ptr<Registry> registry(new Registry(std::move(*db)));
    Database &d = *registry->m_db;
    auto state = readSchemaState(d);
    if (!state)
        return state.error();
    if (d.isStandby()) {
        // A hot standby: every write is refused by the server, and no migration can run here.
        if (state->isEmpty() || state->version < kSchemaVersion)
            return Error{Error::Kind::ReadOnly,
                         QStringLiteral("%1 is a read-only standby (a replica) and its registry %2: connect to the "
                                        "primary, which creates or upgrades it, and the standby follows.")
                             .arg(location.display(), state->isEmpty()
                                                          ? QStringLiteral("does not exist yet")
                                                          : QStringLiteral("has schema version %1, older than this "
                                                                           "ModelDesk's %2")
                                                                .arg(state->version)
                                                                .arg(kSchemaVersion)),
                         {}};
        registry->m_readOnlyReason =
            QStringLiteral("%1 is a read-only standby (a replica): it is open for browsing, and changes are refused. "
                           "Connect to the primary to change the registry, or give this server as the read replica "
                           "(--read-registry, MODELDESK_READ_REGISTRY) beside the primary.")
                .arg(location.display());
        registry->m_readOnlyKind = Error::Kind::ReadOnly;
        d.setReadOnly(registry->m_readOnlyReason, Error::Kind::ReadOnly);
        registry->m_schemaVersion = state->version;
    } else if (state->isEmpty() && mode == Open::ExistingOnly)
        return Error{Error::Kind::NotARegistry,
                     QStringLiteral("%1 is an empty database, not a registry yet. Create the registry with "
                                    "`modelctl --registry %1 init`.")
                         .arg(location.display()),
                     {}};
    if (!d.readOnlyFileReason().isEmpty()) {
        if (state->version < kSchemaVersion)
            return Error{Error::Kind::ReadOnly,
                         QStringLiteral("%1 has schema version %2 and is read-only for you, so it cannot be upgraded "
                                        "to version %3. Open a writable copy once to upgrade it.")
                             .arg(location.display())
                             .arg(state->version)
                             .arg(kSchemaVersion),
                         {}};
        registry->m_readOnlyReason = state->version > kSchemaVersion
                                         ? QStringLiteral("%1 It also has a newer schema (version %2) than this "
                                                          "ModelDesk understands (version %3).")
                                               .arg(d.readOnlyFileReason())
                                               .arg(state->version)
                                               .arg(kSchemaVersion)
                                         : d.readOnlyFileReason();
        registry->m_schemaVersion = state->version;
    } else if (state->version > kSchemaVersion) {
        registry->m_readOnlyReason =
            QStringLiteral("This registry has schema version %1, newer than this ModelDesk understands (version %2). "
                           "It is open read-only; upgrade ModelDesk to change it.")
                .arg(state->version)
                .arg(kSchemaVersion);
        d.setReadOnly(registry->m_readOnlyReason);
        registry->m_schemaVersion = state->version;
    } else if (state->version < kSchemaVersion) {
        auto migrated = migrate(d);
        if (!migrated)
            return migrated.error();
        registry->m_schemaVersion = *migrated;
        if (state->isEmpty()) {
            auto info = d.writeTransaction([&]() -> Status {
                auto q = d.exec(QStringLiteral("INSERT INTO registry_info (key, value) VALUES ('created_at', ?) "
                                               "ON CONFLICT (key) DO NOTHING"),
                                {nowUtc()});
                if (!q)
                    return q.error();
                return {};
            });
            if (!info)
                return info.error();
        }
    } else {
        registry->m_schemaVersion = state->version;
    }
    if (registry->m_schemaVersion == kSchemaVersion) {
        auto guards = checkGuards(d);
        if (!guards)
            return guards.error();
        registry->m_guardsProblem = *guards;
    }
    registry->m_actor = d.dialect() == Dialect::Postgres ? d.sessionUser() : osUserName();
    d.setSqliteActor(registry->m_actor);
    return registry;
}

Status Registry::setSqliteActor(const QString &name)
{
    if (dialect() == Dialect::Postgres) {
        if (name == m_actor)
            return {};
        return Error::invalid(QStringLiteral("On a PostgreSQL registry the actor is the user you log in as (%1); "
                                             "--as works only on SQLite registries.")
                                  .arg(m_actor));
    }
    if (auto s = validateText(QStringLiteral("The actor name"), name, kMaxNameLength, true); !s)
        return s;
    m_actor = name;
    m_db->setSqliteActor(name);
    return {};
}

Status Registry::checkWritable() const
{
    if (isReadOnly())
        return Error{
            m_db->readOnlyFileReason().isEmpty() ? m_readOnlyKind : Error::Kind::ReadOnly, m_readOnlyReason, {}};
    return {};
}

Status Registry::insertRows(const QString &table, const QStringList &columns, const QList<QVariantList> &rows)
{
    // Multi-row VALUES: one round trip per chunk on both dialects (QPSQL's execBatch is one per row).
    constexpr int kChunk = 400;
    const QString rowPlaceholder =
        QLatin1Char('(') + QStringList(columns.size(), QStringLiteral("?")).join(QLatin1Char(',')) + QLatin1Char(')');
    for (qsizetype start = 0; start < rows.size(); start += kChunk) {
        const qsizetype n = std::min<qsizetype>(kChunk, rows.size() - start);
        QVariantList binds;
        binds.reserve(n * columns.size());
        for (qsizetype i = start; i < start + n; ++i)
            binds += rows.at(i);
        const QString sql =
            QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                .arg(table, columns.join(QLatin1Char(',')), QStringList(n, rowPlaceholder).join(QLatin1Char(',')));
        if (auto q = m_db->execWrite(sql, binds); !q)
            return q.error();
    }
    return {};
}

Result<qint64> Registry::ensureLineageNode(LineageKind kind, const QString &name, const QString &version,
                                           qint64 modelVersionId, const QString &at)
{
    const QString kindName = lineageKindName(kind);
    // A new node is one statement (its id returned); a known one two.
    auto insert =
        m_db->exec(QStringLiteral("INSERT INTO lineage_nodes (kind, name, version, model_version_id, created_at) "
                                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, name, version) DO NOTHING RETURNING id"),
                   {kindName, name, version,
                    modelVersionId > 0 ? QVariant(modelVersionId) : QVariant(QMetaType(QMetaType::LongLong)), at});
    if (!insert)
        return insert.error();
    if (insert->next())
        return insert->value(0).toLongLong();
    insert->finish();
    auto id = m_db->scalar(QStringLiteral("SELECT id FROM lineage_nodes WHERE kind = ? AND name = ? AND version = ?"),
                           {kindName, name, version});
    if (!id)
        return id.error();
    return id->toLongLong();
}

Status Registry::ensureLineageEdge(qint64 src, qint64 dst, const QString &kind, const QString &at)
{
    auto q = m_db->execWrite(
        QStringLiteral("INSERT INTO lineage_edges (src_id, dst_id, kind, created_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (src_id, dst_id, kind) DO NOTHING"),
        {src, dst, kind, at});
    if (!q)
        return q.error();
    return {};
}

Result<RegisterResult> Registry::registerVersion(const VersionSpec &spec)
{
    auto warnings = validateVersionSpec(spec);
    if (!warnings)
        return warnings.error();
    if (auto s = checkWritable(); !s)
        return s.error();
    return registerValidated(spec, *warnings);
}

Result<RegisterResult> Registry::registerValidated(const VersionSpec &spec, const QStringList &warnings)
{
    return m_db->writeTransaction([&]() -> Result<RegisterResult> {
        RegisterResult result;
        result.modelName = spec.modelName;
        result.warnings = warnings;
        const QString now = nowUtc();
        const QString createdAt = spec.createdAt.isEmpty() ? now : spec.createdAt;
        const QString ns = namespaceOf(spec.modelName);
        if (!spec.createdAt.isEmpty() && dialect() == Dialect::Postgres) {
            // The database's clock stamps a registration; only a superuser may set it (imports of history,
            // tests), for this transaction (modeldesk_now() in 006_contract.sql).
            auto super = m_db->scalar(QStringLiteral("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"));
            if (!super)
                return super.error();
            if (!super->toBool())
                return Error::invalid(QStringLiteral("On PostgreSQL the database's clock records when a version was "
                                                     "registered; a creation time (%1) can be given only by a "
                                                     "superuser. Record the original time as a fact instead.")
                                          .arg(spec.createdAt));
            if (auto q = m_db->exec(QStringLiteral("SELECT set_config('modeldesk.clock', ?, true)"), {spec.createdAt});
                !q)
                return q.error();
        }

        // The namespace and the model first (known ones change nothing). Taking the number first and creating the
        // model only when it is new would save two statements, but must wait for a guard: it makes model ids dense,
        // and with dense ids a raw UPDATE of model_tags.model_id moves a tag to another existing model without an
        // audit entry on PostgreSQL (modeldesk_audit_tag skips updates of neither key nor value).
        if (auto q = m_db->execWrite(QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES (?, ?) "
                                                    "ON CONFLICT (name) DO NOTHING"),
                                     {ns, now});
            !q)
            return q.error();
        auto created = m_db->execWrite(
            QStringLiteral("INSERT INTO registered_models (namespace_id, name, owner, created_at, created_by) "
                           "SELECT id, ?, ?, ?, ? FROM namespaces WHERE name = ? ON CONFLICT (name) DO NOTHING"),
            {spec.modelName, m_actor, createdAt, m_actor, ns});
        if (!created)
            return created.error();
        result.modelCreated = *created > 0;
        if (result.modelCreated) {
            if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("create_model"), QStringLiteral("model"),
                                     spec.modelName, QJsonObject{{QStringLiteral("namespace"), ns}});
                !s)
                return s.error();
        }
        // Taking the next number updates (and so locks) the model row: concurrent registrations queue here.
        auto next = m_db->exec(QStringLiteral("UPDATE registered_models SET last_version = last_version + 1 "
                                              "WHERE name = ? RETURNING id, last_version"),
                               {spec.modelName});
        if (!next)
            return next.error();
        if (!next->next())
            return Error::database(QStringLiteral("The model %1 vanished while registering.").arg(spec.modelName));
        const qint64 modelId = next->value(0).toLongLong();
        result.version = next->value(1).toInt();
        next->finish();

        auto versionRow = m_db->exec(
            QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, artifact_digest, source_run, "
                           "description, created_at, created_by, stage, stage_changed_at, sealed) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'None', ?, 0) RETURNING id"),
            {modelId, result.version, spec.artifactUri,
             spec.artifactDigest.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(spec.artifactDigest),
             spec.sourceRun, spec.description, createdAt, m_actor, createdAt});
        if (!versionRow)
            return versionRow.error();
        if (!versionRow->next())
            return Error::database(QStringLiteral("The new version row returned no id."));
        result.versionId = versionRow->value(0).toLongLong();
        versionRow->finish();
        const qint64 vid = result.versionId;

        QList<QVariantList> rows;
        for (const Metric &m : spec.metrics)
            rows << QVariantList{vid, m.name, m.dataset, m.slice, m.value};
        if (auto s = insertRows(QStringLiteral("metrics"),
                                {QStringLiteral("version_id"), QStringLiteral("name"), QStringLiteral("dataset"),
                                 QStringLiteral("slice"), QStringLiteral("value")},
                                rows);
            !s)
            return s.error();
        rows.clear();
        for (auto it = spec.params.begin(); it != spec.params.end(); ++it)
            rows << QVariantList{vid, it.key(), it.value()};
        if (auto s = insertRows(QStringLiteral("params"),
                                {QStringLiteral("version_id"), QStringLiteral("name"), QStringLiteral("value")}, rows);
            !s)
            return s.error();
        rows.clear();
        for (const Fact &f : spec.facts)
            rows << QVariantList{vid, f.category, f.name, f.value};
        if (auto s = insertRows(QStringLiteral("facts"),
                                {QStringLiteral("version_id"), QStringLiteral("category"), QStringLiteral("name"),
                                 QStringLiteral("value")},
                                rows);
            !s)
            return s.error();
        rows.clear();
        for (auto it = spec.tags.begin(); it != spec.tags.end(); ++it)
            rows << QVariantList{vid, it.key(), it.value()};
        if (auto s = insertRows(QStringLiteral("version_tags"),
                                {QStringLiteral("version_id"), QStringLiteral("key"), QStringLiteral("value")}, rows);
            !s)
            return s.error();

        // Lineage: the version is a node; each input is a node with an edge into it.
        auto versionNode =
            ensureLineageNode(LineageKind::ModelVersion, spec.modelName, QString::number(result.version), vid, now);
        if (!versionNode)
            return versionNode.error();
        for (const LineageInput &in : spec.inputs) {
            qint64 linkedVersion = 0;
            if (in.kind == LineageKind::ModelVersion) {
                bool ok = false;
                const int n = in.version.toInt(&ok);
                auto other = ok ? versionId(in.name, n) : Result<qint64>(Error::invalid(QString()));
                if (!other)
                    return Error::notFound(QStringLiteral("The input %1 names a model version that is not in the "
                                                          "registry.")
                                               .arg(in.spec()));
                linkedVersion = *other;
            }
            auto node = ensureLineageNode(in.kind, in.name, in.version, linkedVersion, now);
            if (!node)
                return node.error();
            LineageKind family = in.kind;
            if (in.kind == LineageKind::DatasetVersion)
                family = LineageKind::Dataset;
            else if (in.kind == LineageKind::FeaturePipelineVersion)
                family = LineageKind::FeaturePipeline;
            if (family != in.kind) {
                auto familyNode = ensureLineageNode(family, in.name, QString(), 0, now);
                if (!familyNode)
                    return familyNode.error();
                if (auto s = ensureLineageEdge(*familyNode, *node, QStringLiteral("derived_from"), now); !s)
                    return s.error();
            }
            const bool trainedOn = in.kind == LineageKind::DatasetVersion || in.kind == LineageKind::Dataset ||
                                   in.kind == LineageKind::DataSource;
            const QString edgeKind = in.kind == LineageKind::ModelVersion ? QStringLiteral("derived_from")
                                     : trainedOn                          ? QStringLiteral("trained_on")
                                                                          : QStringLiteral("uses");
            if (auto s = ensureLineageEdge(*node, *versionNode, edgeKind, now); !s)
                return s.error();
        }

        // Extra lineage from the manifest: nodes first, then edges between any known nodes.
        for (const QString &node : spec.lineageNodes) {
            auto parsed = parseLineageNodeSpec(node);
            if (auto id = ensureLineageNode(parsed->kind, parsed->name, parsed->version, 0, now); !id)
                return id.error();
        }
        for (const VersionSpec::Edge &e : spec.lineageEdges) {
            qint64 ends[2] = {0, 0};
            for (int i = 0; i < 2; ++i) {
                auto parsed = parseLineageNodeSpec(i == 0 ? e.from : e.to);
                auto id = m_db->scalar(QStringLiteral("SELECT id FROM lineage_nodes WHERE kind = ? AND name = ? AND "
                                                      "version = ?"),
                                       {lineageKindName(parsed->kind), parsed->name, parsed->version});
                if (!id)
                    return id.error();
                if (id->isNull())
                    return Error::notFound(QStringLiteral("The lineage edge %1 -> %2 names %3, which is not a known "
                                                          "node; list it under lineage.nodes.")
                                               .arg(e.from, e.to, i == 0 ? e.from : e.to));
                ends[i] = id->toLongLong();
            }
            if (auto st = ensureLineageEdge(ends[0], ends[1], e.kind, now); !st)
                return st.error();
        }

        if (dialect() == Dialect::Sqlite) // PostgreSQL: the version's insert trigger records it
            if (auto q = m_db->execWrite(
                    QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, "
                                   "actor, at, reason) VALUES (?, '', 'None', 'register', ?, ?, '')"),
                    {vid, m_actor, createdAt});
                !q)
                return q.error();
        if (auto q = m_db->execWrite(QStringLiteral("UPDATE model_versions SET sealed = 1 WHERE id = ?"), {vid}); !q)
            return q.error();

        QJsonObject details{{QStringLiteral("artifact_uri"), spec.artifactUri},
                            {QStringLiteral("metrics"), int(spec.metrics.size())},
                            {QStringLiteral("params"), int(spec.params.size())},
                            {QStringLiteral("facts"), int(spec.facts.size())}};
        if (!spec.artifactDigest.isEmpty())
            details.insert(QStringLiteral("artifact_digest"), spec.artifactDigest);
        if (dialect() == Dialect::Sqlite) { // PostgreSQL: the sealing trigger records it
            auto content = versionContentDigest(*m_db, vid);
            if (!content)
                return content.error();
            details.insert(QStringLiteral("content"), *content);
        }
        if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("register_version"), QStringLiteral("model_version"),
                                 spec.modelName + QStringLiteral("@v") + QString::number(result.version), details);
            !s)
            return s.error();
        return result;
    });
}

QList<Registry::BatchOutcome> Registry::registerBatch(const QList<VersionSpec> &specs, BatchMode mode)
{
    QList<BatchOutcome> outcomes(specs.size());
    QList<qsizetype> valid;
    QList<QStringList> warnings(specs.size());
    for (qsizetype i = 0; i < specs.size(); ++i) {
        if (auto checked = validateVersionSpec(specs.at(i)); !checked) {
            outcomes[i].error = checked.error();
        } else {
            valid << i;
            warnings[i] = *checked;
        }
    }
    if (auto s = checkWritable(); !s) {
        for (const qsizetype i : valid)
            outcomes[i].error = s.error();
        return outcomes;
    }
    if (mode == BatchMode::AllOrNothing && valid.size() < specs.size()) {
        for (const qsizetype i : valid)
            outcomes[i].rolledBack = true;
        return outcomes;
    }
    // One transaction for all of them; a failure names its version and rolls the transaction back.
    qsizetype failed = -1;
    const Status together = m_db->writeTransaction([&]() -> Status {
        failed = -1;
        for (const qsizetype i : valid) {
            auto r = registerValidated(specs.at(i), warnings.at(i));
            if (!r) {
                failed = i;
                return r.error();
            }
            outcomes[i].registered = *r;
        }
        return {};
    });
    if (together)
        return outcomes;
    if (mode == BatchMode::AllOrNothing || failed < 0) {
        // The failing version carries the error (the first one when the commit itself failed); the rest are undone.
        const qsizetype blamed = failed < 0 ? valid.first() : failed;
        for (const qsizetype i : valid)
            outcomes[i].rolledBack = i != blamed;
        outcomes[blamed].error = together.error();
        return outcomes;
    }
    // PerVersion: the versions before the failing one were fine but are rolled back with it; register each alone.
    for (const qsizetype i : valid) {
        outcomes[i].registered = {};
        if (i == failed) {
            outcomes[i].error = together.error();
            continue;
        }
        if (auto r = registerValidated(specs.at(i), warnings.at(i)))
            outcomes[i].registered = *r;
        else
            outcomes[i].error = r.error();
    }
    return outcomes;
}

Result<qint64> Registry::modelId(const QString &name)
{
    auto id = m_db->scalar(QStringLiteral("SELECT id FROM registered_models WHERE name = ?"), {name});
    if (!id)
        return id.error();
    if (id->isNull())
        return Error::notFound(
            QStringLiteral("There is no model named '%1'. `modelctl models` lists the models.").arg(name));
    return id->toLongLong();
}

Result<qint64> Registry::versionId(const QString &modelName, int version)
{
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto id = m_db->scalar(QStringLiteral("SELECT id FROM model_versions WHERE model_id = ? AND version = ?"),
                           {*mid, version});
    if (!id)
        return id.error();
    if (id->isNull())
        return Error::notFound(QStringLiteral("The model '%1' has no version %2. `modelctl versions %1` lists its "
                                              "versions.")
                                   .arg(modelName)
                                   .arg(version));
    return id->toLongLong();
}

namespace {
const QString kModelColumns = QStringLiteral(
    "m.id, m.name, ns.name, m.description, m.owner, m.max_production, m.created_at, m.created_by, m.last_version, "
    // Versions are never deleted (a trigger refuses it), so the last number is the count; counting them
    // per model cost 12 ms of the 22 ms model-tree load on PostgreSQL at 100,000 versions.
    "m.last_version");

RegisteredModel modelFrom(const QSqlQuery &q)
{
    RegisteredModel m;
    m.id = q.value(0).toLongLong();
    m.name = q.value(1).toString();
    m.namespaceName = q.value(2).toString();
    m.description = q.value(3).toString();
    m.owner = q.value(4).toString();
    m.maxProduction = q.value(5).toInt();
    m.createdAt = q.value(6).toString();
    m.createdBy = q.value(7).toString();
    m.latestVersion = q.value(8).toInt();
    m.versionCount = q.value(9).toInt();
    return m;
}

const QString kVersionColumns = QStringLiteral(
    "v.id, m.name, v.version, v.artifact_uri, v.artifact_digest, v.source_run, v.description, v.created_at, "
    "v.created_by, v.stage, v.stage_changed_at, v.rollback_excluded");

ModelVersion versionFrom(const QSqlQuery &q)
{
    ModelVersion v;
    v.id = q.value(0).toLongLong();
    v.modelName = q.value(1).toString();
    v.version = q.value(2).toInt();
    v.artifactUri = q.value(3).toString();
    v.artifactDigest = q.value(4).toString();
    v.sourceRun = q.value(5).toString();
    v.description = q.value(6).toString();
    v.createdAt = q.value(7).toString();
    v.createdBy = q.value(8).toString();
    parseStage(q.value(9).toString(), &v.stage);
    v.stageChangedAt = q.value(10).toString();
    v.rollbackExcluded = q.value(11).toInt() != 0;
    return v;
}
} // namespace

Result<QList<RegisteredModel>> Registry::models()
{
    const ReadScope reads(*this);
    auto q =
        m_db->exec(QStringLiteral("SELECT %1 FROM registered_models m JOIN namespaces ns ON ns.id = m.namespace_id "
                                  "ORDER BY ns.name, m.name")
                       .arg(kModelColumns));
    if (!q)
        return q.error();
    QList<RegisteredModel> list;
    QHash<qint64, qsizetype> index;
    while (q->next()) {
        index.insert(q->value(0).toLongLong(), list.size());
        list << modelFrom(*q);
    }
    auto prod = m_db->exec(QStringLiteral("SELECT model_id, version FROM model_versions WHERE stage = 'Production' "
                                          "ORDER BY model_id, version"));
    if (!prod)
        return prod.error();
    while (prod->next())
        if (auto it = index.find(prod->value(0).toLongLong()); it != index.end())
            list[*it].productionVersions << prod->value(1).toInt();
    auto tags = m_db->exec(QStringLiteral("SELECT model_id, key, value FROM model_tags"));
    if (!tags)
        return tags.error();
    while (tags->next())
        if (auto it = index.find(tags->value(0).toLongLong()); it != index.end())
            list[*it].tags.insert(tags->value(1).toString(), tags->value(2).toString());
    return list;
}

Result<RegisteredModel> Registry::model(const QString &name)
{
    const ReadScope reads(*this);
    auto q =
        m_db->exec(QStringLiteral("SELECT %1 FROM registered_models m JOIN namespaces ns ON ns.id = m.namespace_id "
                                  "WHERE m.name = ?")
                       .arg(kModelColumns),
                   {name});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(
            QStringLiteral("There is no model named '%1'. `modelctl models` lists the models.").arg(name));
    RegisteredModel m = modelFrom(*q);
    q->finish();
    auto prod =
        m_db->exec(QStringLiteral("SELECT version FROM model_versions WHERE model_id = ? AND stage = 'Production' "
                                  "ORDER BY version"),
                   {m.id});
    if (!prod)
        return prod.error();
    while (prod->next())
        m.productionVersions << prod->value(0).toInt();
    auto tags = m_db->exec(QStringLiteral("SELECT key, value FROM model_tags WHERE model_id = ?"), {m.id});
    if (!tags)
        return tags.error();
    while (tags->next())
        m.tags.insert(tags->value(0).toString(), tags->value(1).toString());
    return m;
}

Status Registry::loadMetrics(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId)
{
    auto q = m_db->exec(QStringLiteral("SELECT version_id, name, dataset, slice, value FROM metrics WHERE %1 "
                                       "ORDER BY version_id, name, dataset, slice")
                            .arg(where),
                        binds);
    if (!q)
        return q.error();
    while (q->next()) {
        if (ModelVersion *v = byId.value(q->value(0).toLongLong()))
            v->metrics << Metric{q->value(1).toString(), q->value(2).toString(), q->value(3).toString(),
                                 q->value(4).toDouble()};
    }
    return {};
}

Status Registry::loadTags(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId)
{
    auto q = m_db->exec(QStringLiteral("SELECT version_id, key, value FROM version_tags WHERE %1").arg(where), binds);
    if (!q)
        return q.error();
    while (q->next()) {
        if (ModelVersion *v = byId.value(q->value(0).toLongLong()))
            v->tags.insert(q->value(1).toString(), q->value(2).toString());
    }
    return {};
}

Result<QList<ModelVersion>> Registry::versions(const QString &modelName)
{
    const ReadScope reads(*this);
    auto mid = modelId(modelName);
    if (!mid)
        return mid.error();
    auto q = m_db->exec(QStringLiteral("SELECT %1 FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
                                       "WHERE v.model_id = ? ORDER BY v.version")
                            .arg(kVersionColumns),
                        {*mid});
    if (!q)
        return q.error();
    QList<ModelVersion> list;
    while (q->next())
        list << versionFrom(*q);
    QHash<qint64, ModelVersion *> byId;
    for (ModelVersion &v : list)
        byId.insert(v.id, &v);
    const QString where = QStringLiteral("version_id IN (SELECT id FROM model_versions WHERE model_id = ?)");
    if (auto s = loadMetrics(where, {*mid}, byId); !s)
        return s.error();
    if (auto s = loadTags(where, {*mid}, byId); !s)
        return s.error();
    return list;
}

Result<ModelVersion> Registry::version(const QString &modelName, int number)
{
    const ReadScope reads(*this);
    auto list = versions(modelName, QList<int>{number});
    if (!list)
        return list.error();
    return list->first();
}

Result<QList<ModelVersion>> Registry::versions(const QString &modelName, const QList<int> &numbers)
{
    const ReadScope reads(*this);
    // Two statements whatever the number of versions (a click in the GUI pays a round trip for each):
    // the version rows, then every child row (metrics, params, facts, tags, lineage inputs,
    // transitions) in one UNION ALL, told apart by its first column.
    if (numbers.isEmpty()) {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        return QList<ModelVersion>{};
    }
    QVariantList binds{modelName};
    QStringList marks;
    for (int n : numbers) {
        binds << n;
        marks << QStringLiteral("?");
    }
    auto q = m_db->exec(QStringLiteral("SELECT %1 FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
                                       "WHERE m.name = ? AND v.version IN (%2)")
                            .arg(kVersionColumns, marks.join(QStringLiteral(", "))),
                        binds);
    if (!q)
        return q.error();
    QHash<int, ModelVersion> byNumber;
    while (q->next()) {
        ModelVersion v = versionFrom(*q);
        byNumber.insert(v.version, v);
    }
    q->finish();
    QList<ModelVersion> list;
    for (int n : numbers) {
        if (!byNumber.contains(n)) {
            if (byNumber.isEmpty())
                if (auto mid = modelId(modelName); !mid)
                    return mid.error();
            return Error::notFound(QStringLiteral("The model '%1' has no version %2. `modelctl versions %1` lists its "
                                                  "versions.")
                                       .arg(modelName)
                                       .arg(n));
        }
        list << byNumber.value(n);
    }
    QHash<qint64, ModelVersion *> byId;
    QVariantList ids;
    QStringList idMarks;
    for (ModelVersion &v : list)
        if (!byId.contains(v.id)) {
            byId.insert(v.id, &v);
            ids << v.id;
            idMarks << QStringLiteral("?");
        }
    // Repeated numbers share one row; their copies are filled at the end.
    const QString in = QStringLiteral(" IN (") + idMarks.join(QStringLiteral(", ")) + QLatin1Char(')');
    const QString t = QStringLiteral("CAST(NULL AS TEXT)");
    const QString n = QStringLiteral("CAST(NULL AS DOUBLE PRECISION)");
    const QString i = QStringLiteral("CAST(NULL AS BIGINT)");
    // part: 0 metric, 1 param, 2 fact, 3 tag, 4 input, 5 transition. Columns: version, part, six texts,
    // a number, two integers (transition id and approval id).
    const QString sql =
        QStringLiteral("SELECT version_id, 0 AS part, name, dataset, slice, %1, %1, %1, value, %3, %3 FROM metrics "
                       "WHERE version_id%4 "
                       "UNION ALL SELECT version_id, 1, name, value, %1, %1, %1, %1, %2, %3, %3 FROM params WHERE "
                       "version_id%4 "
                       "UNION ALL SELECT version_id, 2, category, name, value, %1, %1, %1, %2, %3, %3 FROM facts WHERE "
                       "version_id%4 "
                       "UNION ALL SELECT version_id, 3, key, value, %1, %1, %1, %1, %2, %3, %3 FROM version_tags WHERE "
                       "version_id%4 "
                       "UNION ALL SELECT me.model_version_id, 4, n.kind, n.name, n.version, %1, %1, %1, %2, %3, %3 "
                       "FROM lineage_edges e JOIN lineage_nodes n ON n.id = e.src_id JOIN lineage_nodes me ON me.id = "
                       "e.dst_id WHERE me.model_version_id%4 "
                       "UNION ALL SELECT version_id, 5, from_stage, to_stage, kind, actor, reason, at, %2, id, "
                       "approval_id FROM stage_transitions WHERE version_id%4 "
                       "ORDER BY 2, 1, 3, 4, 5, 10")
            .arg(t, n, i, in);
    QVariantList childBinds;
    for (int k = 0; k < 6; ++k)
        childBinds << ids;
    auto c = m_db->exec(sql, childBinds);
    if (!c)
        return c.error();
    while (c->next()) {
        ModelVersion *v = byId.value(c->value(0).toLongLong());
        if (!v)
            continue;
        const auto text = [&](int col) { return c->value(col).toString(); };
        switch (c->value(1).toInt()) {
        case 0:
            v->metrics << Metric{text(2), text(3), text(4), c->value(8).toDouble()};
            break;
        case 1:
            v->params.insert(text(2), text(3));
            break;
        case 2:
            v->facts << Fact{text(2), text(3), text(4)};
            break;
        case 3:
            v->tags.insert(text(2), text(3));
            break;
        case 4: {
            LineageInput input;
            parseLineageKind(text(2), &input.kind);
            input.name = text(3);
            input.version = text(4);
            v->inputs << input;
            break;
        }
        case 5: {
            Transition tr;
            tr.id = c->value(9).toLongLong();
            tr.version = v->version;
            tr.fromStage = text(2);
            tr.toStage = text(3);
            tr.kind = text(4);
            tr.actor = text(5);
            tr.reason = text(6);
            tr.at = text(7);
            tr.approvalId = c->value(10).toLongLong();
            v->transitions << tr;
            break;
        }
        }
    }
    for (ModelVersion *v : std::as_const(byId))
        std::sort(v->transitions.begin(), v->transitions.end(),
                  [](const Transition &a, const Transition &b) { return a.id < b.id; });
    for (ModelVersion &v : list)
        if (byId.value(v.id) != &v)
            v = *byId.value(v.id);
    return list;
}

namespace {
Status validateTagEdits(const QMap<QString, QString> &set, const QStringList &remove)
{
    if (set.isEmpty() && remove.isEmpty())
        return Error::invalid(QStringLiteral("No tags given: write KEY=VALUE to set a tag, or --remove KEY."));
    static const QRegularExpression keyRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.:/-]*\\z"));
    for (auto it = set.begin(); it != set.end(); ++it) {
        if (!keyRe.match(it.key()).hasMatch() || it.key().size() > kMaxKeyLength)
            return Error::invalid(QStringLiteral("The tag name '%1' is not valid: use letters, digits, '_', '.', ':', "
                                                 "'/' and '-'.")
                                      .arg(it.key()));
        if (auto s = validateText(QStringLiteral("The value of the tag '%1'").arg(it.key()), it.value(),
                                  kMaxValueLength, false);
            !s)
            return s;
    }
    for (const QString &key : remove)
        if (set.contains(key))
            return Error::invalid(QStringLiteral("The tag %1 is both set and removed.").arg(key));
    return {};
}
} // namespace

// What a tag or description edit applies to: one model or one version.
struct EditTarget
{
    QString tagTable;   // model_tags or version_tags
    QString idColumn;   // model_id or version_id
    QString ownerTable; // registered_models or model_versions (the description)
    qint64 id = 0;
    QString name;       // "The model NAME" or "Version N of NAME", for messages
    QString objectType; // audit
    QString objectKey;  // audit
};

namespace {
// Inside a write transaction: sets and removes tags, audited with the tags before and after.
Status applyTagEdits(Database &db, const QString &actor, const EditTarget &t, const QString &action,
                     const QMap<QString, QString> &set, const QStringList &remove)
{
    QJsonObject before;
    auto old = db.exec(QStringLiteral("SELECT key, value FROM %1 WHERE %2 = ?").arg(t.tagTable, t.idColumn), {t.id});
    if (!old)
        return old.error();
    while (old->next())
        before.insert(old->value(0).toString(), old->value(1).toString());
    for (const QString &key : remove)
        if (!before.contains(key))
            return Error::notFound(QStringLiteral("%1 has no tag '%2'.").arg(t.name, key));
    for (auto it = set.begin(); it != set.end(); ++it)
        if (auto q = db.exec(QStringLiteral("INSERT INTO %1 (%2, key, value) VALUES (?, ?, ?) ON CONFLICT (%2, key) DO "
                                            "UPDATE SET value = excluded.value")
                                 .arg(t.tagTable, t.idColumn),
                             {t.id, it.key(), it.value()});
            !q)
            return q.error();
    for (const QString &key : remove)
        if (auto q = db.exec(QStringLiteral("DELETE FROM %1 WHERE %2 = ? AND key = ?").arg(t.tagTable, t.idColumn),
                             {t.id, key});
            !q)
            return q.error();
    QJsonObject after = before;
    for (const QString &key : remove)
        after.remove(key);
    for (auto it = set.begin(); it != set.end(); ++it)
        after.insert(it.key(), it.value());
    return appendAudit(db, actor, action, t.objectType, t.objectKey,
                       QJsonObject{{QStringLiteral("before"), before}, {QStringLiteral("after"), after}});
}

// Inside a write transaction: replaces the description, audited with the text before and after.
Status applyDescription(Database &db, const QString &actor, const EditTarget &t, const QString &action,
                        const QString &text)
{
    auto before = db.scalar(QStringLiteral("SELECT description FROM %1 WHERE id = ?").arg(t.ownerTable), {t.id});
    if (!before)
        return before.error();
    if (auto q = db.exec(QStringLiteral("UPDATE %1 SET description = ? WHERE id = ?").arg(t.ownerTable), {text, t.id});
        !q)
        return q.error();
    return appendAudit(db, actor, action, t.objectType, t.objectKey,
                       QJsonObject{{QStringLiteral("before"), before->toString()}, {QStringLiteral("after"), text}});
}
} // namespace

Result<EditTarget> Registry::editTarget(const QString &modelName, std::optional<int> version)
{
    if (!version) {
        auto mid = modelId(modelName);
        if (!mid)
            return mid.error();
        return EditTarget{QStringLiteral("model_tags"),
                          QStringLiteral("model_id"),
                          QStringLiteral("registered_models"),
                          *mid,
                          QStringLiteral("The model %1").arg(modelName),
                          QStringLiteral("model"),
                          modelName};
    }
    auto vid = versionId(modelName, *version);
    if (!vid)
        return vid.error();
    return EditTarget{QStringLiteral("version_tags"),
                      QStringLiteral("version_id"),
                      QStringLiteral("model_versions"),
                      *vid,
                      QStringLiteral("Version %1 of %2").arg(*version).arg(modelName),
                      QStringLiteral("model_version"),
                      modelName + QStringLiteral("@v") + QString::number(*version)};
}

Status Registry::editTags(const QString &modelName, std::optional<int> version, const QMap<QString, QString> &set,
                          const QStringList &remove)
{
    if (auto s = validateTagEdits(set, remove); !s)
        return s;
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto target = editTarget(modelName, version);
        if (!target)
            return target.error();
        return applyTagEdits(*m_db, m_actor, *target,
                             version ? QStringLiteral("set_version_tags") : QStringLiteral("set_model_tags"), set,
                             remove);
    });
}

Status Registry::editDescription(const QString &modelName, std::optional<int> version, const QString &text)
{
    if (auto s = validateText(QStringLiteral("The description"), text, kMaxDescriptionLength, false, true); !s)
        return s;
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto target = editTarget(modelName, version);
        if (!target)
            return target.error();
        return applyDescription(*m_db, m_actor, *target,
                                version ? QStringLiteral("describe_version") : QStringLiteral("describe_model"), text);
    });
}

Status Registry::setModelTags(const QString &modelName, const QMap<QString, QString> &set, const QStringList &remove)
{
    return editTags(modelName, std::nullopt, set, remove);
}

Status Registry::setVersionTags(const QString &modelName, int version, const QMap<QString, QString> &set,
                                const QStringList &remove)
{
    return editTags(modelName, version, set, remove);
}

Status Registry::describeModel(const QString &modelName, const QString &text)
{
    return editDescription(modelName, std::nullopt, text);
}

Status Registry::describeVersion(const QString &modelName, int version, const QString &text)
{
    return editDescription(modelName, version, text);
}

} // namespace md
