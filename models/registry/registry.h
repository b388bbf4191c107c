#pragma once

#include "audit.h"
#include "database.h"
#include "types.h"

#include <memory>

namespace md {

struct RegisterResult
{
    QString modelName;
    int version = 0;
    qint64 versionId = 0;
    bool modelCreated = false;
    QStringList warnings;
};

// The registry: the one place where the GUI and the CLI read and change registry data.
// A Registry owns one database connection and belongs to the thread that opened it.
class Registry final
{
public:
    enum class Open
    {
        ExistingOnly,
        CreateIfMissing
    };

    static Result<std::unique_ptr<Registry>> open(const QString &url, Open mode);
    static Result<std::unique_ptr<Registry>> open(const RegistryLocation &location, Open mode);

    Database &database() { return *m_db; }
    Dialect dialect() const { return m_db->dialect(); }
    QString locationDisplay() const { return m_db->location().display(); }
    int schemaVersion() const { return m_schemaVersion; }
    bool isReadOnly() const { return !m_readOnlyReason.isEmpty(); }
    QString readOnlyReason() const { return m_readOnlyReason; }

    // Who is acting. On PostgreSQL the session user (cannot be changed); on SQLite the OS user,
    // or the name given with setSqliteActor (advisory only: SQLite has no authentication).
    QString actor() const { return m_actor; }
    Status setSqliteActor(const QString &name);

    Result<RegisterResult> registerVersion(const VersionSpec &spec);

    Result<QList<RegisteredModel>> models();
    Result<RegisteredModel> model(const QString &name);
    // Versions of a model with their metrics and tags (no lineage or transitions).
    Result<QList<ModelVersion>> versions(const QString &modelName);
    // One version with everything: metrics, params, facts, tags, lineage inputs, transitions.
    Result<ModelVersion> version(const QString &modelName, int version);

    Status setModelTags(const QString &modelName, const QMap<QString, QString> &set, const QStringList &remove);
    Status setVersionTags(const QString &modelName, int version, const QMap<QString, QString> &set,
                          const QStringList &remove);
    Status describeModel(const QString &modelName, const QString &text);
    Status describeVersion(const QString &modelName, int version, const QString &text);

    Result<AuditVerification> verifyAudit() { return verifyAuditChain(*m_db); }
    Result<QList<AuditEntry>> audit(const AuditFilter &filter) { return readAudit(*m_db, filter); }

private:
    explicit Registry(std::unique_ptr<Database> db);
    Status checkWritable() const;
    Result<qint64> modelId(const QString &name);
    Result<qint64> versionId(const QString &modelName, int version);
    Result<qint64> ensureLineageNode(LineageKind kind, const QString &name, const QString &version,
                                     qint64 modelVersionId, const QString &at);
    Status ensureLineageEdge(qint64 src, qint64 dst, const QString &kind, const QString &at);
    Status insertRows(const QString &table, const QStringList &columns, const QList<QVariantList> &rows);
    Status loadMetrics(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId);
    Status loadTags(const QString &where, const QVariantList &binds, QHash<qint64, ModelVersion *> &byId);

    std::unique_ptr<Database> m_db;
    int m_schemaVersion = 0;
    QString m_readOnlyReason;
    QString m_actor;
};

QString osUserName();

} // namespace md
