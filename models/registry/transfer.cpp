#include "transfer.h"

#include "audit.h"
#include "database.h"
#include "internals.h"
#include "schema.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QScopeGuard>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
#include <QSqlRecord>

#include <cmath>

#include <sys/stat.h>

namespace md {

namespace {

constexpr int kFormatVersion = 1;
const QString kFormat = QStringLiteral("modeldesk-backup");
// registry_info's record of the guards describes the database it is in (its triggers and functions): the target
// keeps its own.
const QString kGuardsKey = QStringLiteral("guards");
constexpr qint64 kMaxLine = 64 << 20;

Error invalidBackup(const QString &file, const QString &problem)
{
    return Error::invalid(
        QStringLiteral("%1 is not a usable ModelDesk backup: %2. Nothing was restored.").arg(file, problem));
}

// ---- sources -------------------------------------------------------------------------------------------------

class RowSource
{
public:
    virtual ~RowSource() = default;
    // Starts `table`; returns its columns.
    virtual Result<QStringList> begin(const QString &table) = 0;
    // The next row of the table begun, or false at its end.
    virtual Result<bool> next(QVariantList &row) = 0;
};

// A registry database read in one snapshot (the caller holds the read transaction).
class DatabaseSource final : public RowSource
{
public:
    explicit DatabaseSource(Database &db) : m_db(db) {}

    Result<QStringList> begin(const QString &table) override
    {
        m_query.reset();
        auto q = m_db.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1").arg(table));
        if (!q)
            return q.error();
        m_query = std::make_unique<QSqlQuery>(std::move(*q));
        QStringList columns;
        const QSqlRecord record = m_query->record();
        for (int i = 0; i < record.count(); ++i)
            columns << record.fieldName(i);
        m_columns = int(columns.size());
        return columns;
    }

    Result<bool> next(QVariantList &row) override
    {
        if (!m_query->next()) {
            if (m_query->lastError().isValid())
                return m_db.errorFrom(m_query->lastError(), QStringLiteral("Cannot read the registry"));
            m_query.reset();
            return false;
        }
        row.clear();
        for (int i = 0; i < m_columns; ++i)
            row << (m_query->isNull(i) ? QVariant() : m_query->value(i));
        return true;
    }

private:
    Database &m_db;
    std::unique_ptr<QSqlQuery> m_query;
    int m_columns = 0;
};

QJsonValue toJson(const QVariant &value)
{
    if (value.isNull())
        return QJsonValue::Null;
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return value.toLongLong();
    case QMetaType::Double:
        return value.toDouble();
    case QMetaType::QByteArray:
        return QJsonObject{{QStringLiteral("base64"), QString::fromLatin1(value.toByteArray().toBase64())}};
    default:
        return value.toString();
    }
}

QVariant fromJson(const QJsonValue &value)
{
    if (value.isNull())
        return QVariant();
    if (value.isObject())
        return QByteArray::fromBase64(value.toObject().value(QStringLiteral("base64")).toString().toLatin1());
    return value.toVariant();
}

// A backup file in the format of transfer.h.
class FileSource final : public RowSource
{
public:
    FileSource(QString path) : m_path(std::move(path)), m_file(m_path) {}

    Result<QJsonObject> open()
    {
        if (!m_file.open(QIODevice::ReadOnly))
            return Error::notFound(QStringLiteral("Cannot read the backup %1: %2.").arg(m_path, m_file.errorString()));
        auto header = readObject();
        if (!header)
            return header.error();
        if (header->value(QStringLiteral("format")).toString() != kFormat)
            return invalidBackup(m_path, QStringLiteral("its first line is not a ModelDesk backup header"));
        if (header->value(QStringLiteral("format_version")).toInt() != kFormatVersion)
            return invalidBackup(m_path, QStringLiteral("it is in backup format version %1; this ModelDesk reads "
                                                        "version %2 (a newer ModelDesk wrote it)")
                                             .arg(header->value(QStringLiteral("format_version")).toInt())
                                             .arg(kFormatVersion));
        return *header;
    }

    Result<QStringList> begin(const QString &table) override
    {
        auto header = readObject();
        if (!header)
            return header.error();
        if (header->value(QStringLiteral("table")).toString() != table)
            return invalidBackup(m_path, QStringLiteral("line %1 should start table %2 but is %3")
                                             .arg(m_line)
                                             .arg(table, QString::fromUtf8(m_current.left(80))));
        QStringList columns;
        for (const QJsonValue &c : header->value(QStringLiteral("columns")).toArray())
            columns << c.toString();
        if (columns.isEmpty() || columns.contains(QString()))
            return invalidBackup(m_path,
                                 QStringLiteral("line %1 names no columns for table %2").arg(m_line).arg(table));
        m_columns = int(columns.size());
        m_rows = 0;
        return columns;
    }

    Result<bool> next(QVariantList &row) override
    {
        if (auto s = readLine(); !s)
            return s.error();
        if (!m_current.startsWith('[')) {
            m_pushedBack = true;
            return false;
        }
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(m_current, &error);
        if (error.error != QJsonParseError::NoError || !doc.isArray())
            return invalidBackup(
                m_path,
                QStringLiteral("line %1 is not a JSON array of values (%2)").arg(m_line).arg(error.errorString()));
        const QJsonArray values = doc.array();
        if (values.size() != m_columns)
            return invalidBackup(
                m_path,
                QStringLiteral("line %1 has %2 values for %3 columns").arg(m_line).arg(values.size()).arg(m_columns));
        row.clear();
        for (const QJsonValue &v : values)
            row << fromJson(v);
        ++m_rows;
        return true;
    }

    // The end record, after the last table.
    Result<QJsonObject> end()
    {
        auto trailer = readObject();
        if (!trailer)
            return trailer.error();
        if (!trailer->value(QStringLiteral("end")).toBool())
            return invalidBackup(m_path, QStringLiteral("line %1 should end the backup").arg(m_line));
        return *trailer;
    }

private:
    Status readLine()
    {
        if (m_pushedBack) {
            m_pushedBack = false;
            return {};
        }
        if (m_file.atEnd())
            return invalidBackup(m_path, QStringLiteral("it ends after line %1 without its end record: it was cut "
                                                        "short (a full disk, an interrupted copy)")
                                             .arg(m_line));
        m_current = m_file.readLine(kMaxLine);
        ++m_line;
        if (!m_current.endsWith('\n'))
            return invalidBackup(
                m_path, m_current.size() >= kMaxLine - 1
                            ? QStringLiteral("line %1 is longer than 64 MB").arg(m_line)
                            : QStringLiteral("it ends in the middle of line %1: it was cut short").arg(m_line));
        m_current.chop(1);
        return {};
    }

    Result<QJsonObject> readObject()
    {
        if (auto s = readLine(); !s)
            return s.error();
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(m_current, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return invalidBackup(
                m_path, QStringLiteral("line %1 is not a JSON object (%2)")
                            .arg(m_line)
                            .arg(error.error != QJsonParseError::NoError ? error.errorString() : QStringLiteral("")));
        return doc.object();
    }

    QString m_path;
    QFile m_file;
    QByteArray m_current;
    bool m_pushedBack = false;
    qint64 m_line = 0;
    int m_columns = 0;
    qint64 m_rows = 0;
};

// ---- the target ------------------------------------------------------------------------------------------------

// Inserts rows into one table of the target in multi-row statements, converting values to the target's column types
// (booleans on PostgreSQL are 0/1 integers on SQLite).
class TableLoader
{
public:
    TableLoader(Database &db, QString table, const QStringList &columns, const QList<QMetaType> &types)
        : m_db(db), m_table(std::move(table)), m_columns(columns), m_types(types)
    {
        m_chunk = std::max(1, std::min(400, 30000 / int(columns.size())));
    }

    Status add(QVariantList row)
    {
        for (int i = 0; i < row.size(); ++i) {
            QVariant &v = row[i];
            if (v.isNull())
                continue;
            switch (m_types[i].id()) {
            case QMetaType::Bool:
                v = v.toBool();
                break;
            case QMetaType::QByteArray:
                v = v.toByteArray();
                break;
            case QMetaType::Double:
                v = v.toDouble();
                break;
            default:
                break;
            }
        }
        if (m_db.dialect() == Dialect::Sqlite) {
            // In process, one prepared statement run per row is the fastest (a statement of thousands of "?" costs
            // SQLite a search per placeholder to parse).
            if (m_single.isEmpty())
                m_single = QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                               .arg(m_table, m_columns.join(QLatin1Char(',')),
                                    QStringList(m_columns.size(), QStringLiteral("?")).join(QLatin1Char(',')));
            if (auto n = m_db.execWrite(m_single, row); !n) {
                Error e = n.error();
                e.message = QStringLiteral("Cannot write the rows of %1: %2").arg(m_table, e.message);
                return e;
            }
            return {};
        }
        m_pending << row;
        if (m_pending.size() >= m_chunk)
            return flush();
        return {};
    }

    Status flush()
    {
        if (m_pending.isEmpty())
            return {};
        const QString one = QLatin1Char('(') +
                            QStringList(m_columns.size(), QStringLiteral("?")).join(QLatin1Char(',')) +
                            QLatin1Char(')');
        QString sql = QStringLiteral("INSERT INTO %1 (%2) VALUES ").arg(m_table, m_columns.join(QLatin1Char(',')));
        QVariantList binds;
        binds.reserve(m_pending.size() * m_columns.size());
        for (qsizetype r = 0; r < m_pending.size(); ++r) {
            sql += r == 0 ? one : QLatin1Char(',') + one;
            binds += m_pending[r];
        }
        m_pending.clear();
        auto q = m_db.exec(sql, binds);
        if (!q) {
            Error e = q.error();
            e.message = QStringLiteral("Cannot write the rows of %1: %2").arg(m_table, e.message);
            return e;
        }
        return {};
    }

private:
    Database &m_db;
    QString m_table;
    QStringList m_columns;
    QList<QMetaType> m_types;
    QList<QVariantList> m_pending;
    QString m_single;
    int m_chunk = 400;
};

struct Target
{
    std::unique_ptr<Registry> registry;
    bool createdFile = false;
    QString sqlitePath;

    void discard()
    {
        registry.reset();
        if (createdFile)
            for (const char *suffix : {"", "-wal", "-shm", "-journal"})
                QFile::remove(sqlitePath + QLatin1String(suffix));
    }
};

Result<Target> openTarget(const QString &url)
{
    auto location = parseRegistryUrl(url);
    if (!location)
        return location.error();
    Target target;
    target.sqlitePath = location->sqlitePath;
    target.createdFile = location->dialect == Dialect::Sqlite && !QFileInfo::exists(location->sqlitePath);
    auto registry = Registry::open(*location, Registry::Open::CreateIfMissing);
    if (!registry)
        return registry.error();
    target.registry = std::move(*registry);
    Registry &r = *target.registry;
    auto fail = [&](Error e) -> Result<Target> {
        target.discard();
        return e;
    };
    if (r.isReadOnly())
        return fail(Error{Error::Kind::ReadOnly,
                          QStringLiteral("Cannot restore into %1: %2").arg(r.locationDisplay(), r.readOnlyReason()),
                          {}});
    Database &db = RegistryInternals::database(r);
    // Empty: nothing a user made. (A new registry holds its creation record, and on PostgreSQL the audit entries
    // of its migrations; both are replaced by the source's.)
    auto held = db.exec(QStringLiteral(
        "SELECT (SELECT count(*) FROM registered_models), (SELECT count(*) FROM model_versions), (SELECT count(*) "
        "FROM lineage_nodes), (SELECT count(*) FROM webhooks), (SELECT count(*) FROM gate_policies), (SELECT "
        "count(*) FROM metric_directions), (SELECT count(*) FROM namespaces)"));
    if (!held)
        return fail(held.error());
    held->next();
    QStringList what;
    const char *names[] = {"models",        "versions",          "lineage nodes", "webhooks",
                           "gate policies", "metric directions", "namespaces"};
    for (int i = 0; i < 7; ++i)
        if (const qint64 n = held->value(i).toLongLong(); n > 0)
            what << QStringLiteral("%1 %2").arg(n).arg(QLatin1String(names[i]));
    held->finish();
    if (!what.isEmpty())
        return fail(Error{Error::Kind::Conflict,
                          QStringLiteral("%1 is not empty (it holds %2): a registry is restored or moved only into a "
                                         "new, empty one, so that nothing is mixed or lost. Create an empty database "
                                         "for it (createdb, or a new file name).")
                              .arg(r.locationDisplay(), what.join(QStringLiteral(", "))),
                          {}});
    if (r.dialect() == Dialect::Postgres) {
        auto super = r.isSuperuser();
        if (!super)
            return fail(super.error());
        if (!*super)
            return fail(Error{Error::Kind::Permission,
                              QStringLiteral("Restoring into %1 needs a superuser session (you are %2): the "
                                             "registry's guards accept rows only through ModelDesk's functions, and "
                                             "only a superuser may load rows as they were recorded, audit log "
                                             "included. Connect as the superuser who ran `modelctl init`.")
                                  .arg(r.locationDisplay(), r.actor()),
                              {}});
    }
    return target;
}

// Copies every table from `source` into the target in one transaction, with the target's guards off for it
// (PostgreSQL: session_replication_role = replica; SQLite: its triggers dropped and created again), then checks
// counts, the audit chain, the guards and `beforeCommit` (given the rows read of each table) before committing.
using CommitCheck = std::function<Status(const QMap<QString, qint64> &rowsRead)>;
Status load(RowSource &source, Target &target, TransferReport &report, const TransferProgress &progress,
            const CommitCheck &beforeCommit = {})
{
    Database &db = RegistryInternals::database(*target.registry);
    const bool pg = db.dialect() == Dialect::Postgres;
    const QStringList tables = transferTables();
    const auto restoreCacheSize = qScopeGuard([&] {
        if (!pg)
            (void)db.exec(QStringLiteral("PRAGMA cache_size = -2000")); // SQLite's default
    });
    return db.writeTransaction([&]() -> Status {
        report.rows.clear();
        QMap<QString, qint64> read;
        QList<std::pair<QString, QString>> triggers;
        if (pg) {
            if (auto q = db.exec(QStringLiteral("SET LOCAL session_replication_role = replica")); !q)
                return q.error();
        } else {
            // The whole copy is one transaction: a page cache large enough for it keeps SQLite from spilling pages
            // to the WAL halfway (set back for the connection after the copy).
            if (auto q = db.exec(QStringLiteral("PRAGMA defer_foreign_keys = ON")); !q)
                return q.error();
            if (auto q = db.exec(QStringLiteral("PRAGMA cache_size = -262144")); !q)
                return q.error();
            auto t = db.exec(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY "
                                            "rowid"));
            if (!t)
                return t.error();
            while (t->next())
                triggers << std::pair{t->value(0).toString(), t->value(1).toString()};
            t->finish();
            for (const auto &[name, sql] : triggers)
                if (auto q = db.exec(QStringLiteral("DROP TRIGGER \"%1\"").arg(name)); !q)
                    return q.error();
        }
        for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
            const QString sql = *it == QLatin1String("registry_info")
                                    ? QStringLiteral("DELETE FROM registry_info WHERE key <> '%1'").arg(kGuardsKey)
                                    : QStringLiteral("DELETE FROM %1").arg(*it);
            if (auto q = db.exec(sql); !q)
                return q.error();
        }
        for (const QString &table : tables) {
            auto columns = source.begin(table);
            if (!columns)
                return columns.error();
            auto shape = db.exec(QStringLiteral("SELECT * FROM %1 WHERE 1 = 0").arg(table));
            if (!shape)
                return shape.error();
            const QSqlRecord record = shape->record();
            shape->finish();
            QList<QMetaType> types;
            for (const QString &column : *columns) {
                const int index = record.indexOf(column);
                if (index < 0)
                    return Error::invalid(QStringLiteral("The source's table %1 has a column %2 that %3 does not "
                                                         "have: they are not the same schema. Nothing was written.")
                                              .arg(table, column, target.registry->locationDisplay()));
                types << record.field(index).metaType();
            }
            const int keyColumn =
                table == QLatin1String("registry_info") ? int(columns->indexOf(QStringLiteral("key"))) : -1;
            TableLoader loader(db, table, *columns, types);
            qint64 rows = 0;
            QVariantList row;
            for (;;) {
                auto more = source.next(row);
                if (!more)
                    return more.error();
                if (!*more)
                    break;
                ++read[table];
                if (keyColumn >= 0 && row.value(keyColumn).toString() == kGuardsKey)
                    continue;
                if (auto s = loader.add(row); !s)
                    return s;
                if (++rows % 5000 == 0 && progress && !progress(table, rows))
                    return Error::invalid(QStringLiteral("Cancelled: nothing was written."));
            }
            if (auto s = loader.flush(); !s)
                return s;
            report.rows.insert(table, rows);
            if (progress && !progress(table, rows))
                return Error::invalid(QStringLiteral("Cancelled: nothing was written."));
        }
        if (pg) {
            // Identity columns continue after the highest id copied.
            auto identities = db.exec(QStringLiteral(
                "SELECT table_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND "
                "column_name = 'id' AND is_identity = 'YES' ORDER BY 1"));
            if (!identities)
                return identities.error();
            QStringList withIdentity;
            while (identities->next())
                withIdentity << identities->value(0).toString();
            identities->finish();
            for (const QString &table : withIdentity)
                if (auto q = db.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), (SELECT "
                                                    "coalesce(max(id), 0) + 1 FROM %1), false)")
                                         .arg(table));
                    !q)
                    return q.error();
            if (auto q = db.exec(QStringLiteral("SET LOCAL session_replication_role = origin")); !q)
                return q.error();
        } else {
            for (const auto &[name, sql] : triggers)
                if (auto q = db.exec(sql); !q)
                    return q.error();
        }
        // What was written is what was read.
        QStringList counts;
        for (const QString &table : tables)
            counts << (table == QLatin1String("registry_info")
                           ? QStringLiteral("(SELECT count(*) FROM registry_info WHERE key <> '%1')").arg(kGuardsKey)
                           : QStringLiteral("(SELECT count(*) FROM %1)").arg(table));
        auto counted = db.exec(QStringLiteral("SELECT ") + counts.join(QStringLiteral(", ")));
        if (!counted)
            return counted.error();
        counted->next();
        for (qsizetype i = 0; i < tables.size(); ++i)
            if (counted->value(int(i)).toLongLong() != report.rows.value(tables[i]))
                return Error::database(QStringLiteral("The copy of %1 holds %2 rows, but %3 were read: nothing was "
                                                      "written.")
                                           .arg(tables[i])
                                           .arg(counted->value(int(i)).toLongLong())
                                           .arg(report.rows.value(tables[i])));
        counted->finish();
        report.versions = report.rows.value(QStringLiteral("model_versions"));
        auto audit = verifyAuditChain(db, std::nullopt);
        if (!audit)
            return audit.error();
        report.audit = *audit;
        if (!audit->intact)
            return Error{
                Error::Kind::Conflict,
                QStringLiteral("The copy's audit log does not verify (%1), so it was not written: the source's "
                               "log is broken the same way. Check it with `modelctl audit verify`.")
                    .arg(audit->problem),
                {}};
        auto guards = checkGuards(db);
        if (!guards)
            return guards.error();
        if (!guards->isEmpty())
            return Error::database(QStringLiteral("The copy's guards are not as its migrations made them (%1): "
                                                  "nothing was written.")
                                       .arg(*guards));
        return beforeCommit ? beforeCommit(read) : Status{};
    });
}

bool isSqliteFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) && f.read(16) == QByteArray("SQLite format 3\0", 16);
}

Status checkSourceVersion(Registry &source, const QString &what)
{
    if (source.schemaVersion() != kSchemaVersion)
        return Error::invalid(QStringLiteral("%1 has schema version %2; this ModelDesk copies version %3 only. %4")
                                  .arg(what)
                                  .arg(source.schemaVersion())
                                  .arg(kSchemaVersion)
                                  .arg(source.schemaVersion() > kSchemaVersion
                                           ? QStringLiteral("Use the newer ModelDesk that wrote it.")
                                           : QStringLiteral("Open it once with this ModelDesk to upgrade it.")));
    return {};
}

Result<TransferReport> copyRegistry(Registry &source, const QString &toUrl, const TransferProgress &progress)
{
    QElapsedTimer timer;
    timer.start();
    if (auto s = checkSourceVersion(source, source.locationDisplay()); !s)
        return s.error();
    auto target = openTarget(toUrl);
    if (!target)
        return target.error();
    TransferReport report;
    report.source = source.locationDisplay();
    report.target = target->registry->locationDisplay();
    Database &db = RegistryInternals::database(source);
    if (auto s = db.beginSnapshot(); !s) {
        target->discard();
        return s.error();
    }
    DatabaseSource rows(db);
    auto loaded = load(rows, *target, report, progress);
    db.rollback();
    if (!loaded) {
        target->discard();
        return loaded.error();
    }
    report.milliseconds = timer.elapsed();
    return report;
}

} // namespace

QStringList transferTables()
{
    return {QStringLiteral("registry_info"),
            QStringLiteral("namespaces"),
            QStringLiteral("registered_models"),
            QStringLiteral("model_tags"),
            QStringLiteral("model_versions"),
            QStringLiteral("metrics"),
            QStringLiteral("params"),
            QStringLiteral("facts"),
            QStringLiteral("version_tags"),
            QStringLiteral("lineage_nodes"),
            QStringLiteral("lineage_edges"),
            QStringLiteral("gate_policies"),
            QStringLiteral("approval_requests"),
            QStringLiteral("approval_decisions"),
            QStringLiteral("stage_transitions"),
            QStringLiteral("aliases"),
            QStringLiteral("deployments"),
            QStringLiteral("metric_directions"),
            QStringLiteral("outbox_events"),
            QStringLiteral("webhooks"),
            QStringLiteral("webhook_secrets"),
            QStringLiteral("webhook_deliveries"),
            QStringLiteral("webhook_attempts"),
            QStringLiteral("audit_log")};
}

Result<TransferReport> backupRegistry(Registry &registry, const QString &file, const TransferProgress &progress)
{
    QElapsedTimer timer;
    timer.start();
    if (auto s = checkSourceVersion(registry, registry.locationDisplay()); !s)
        return s.error();
    if (QFileInfo::exists(file))
        return Error{
            Error::Kind::Conflict,
            QStringLiteral("%1 exists already: a backup never overwrites a file. Choose a new file name.").arg(file),
            {}};
    TransferReport report;
    report.source = registry.locationDisplay();
    report.target = QFileInfo(file).absoluteFilePath();
    Database &db = RegistryInternals::database(registry);
    if (db.dialect() == Dialect::Sqlite) {
        // SQLite's own consistent copy, compacted: a registry file that opens as one.
        report.format = QStringLiteral("sqlite");
        if (auto q = db.exec(QStringLiteral("VACUUM INTO ?"), {report.target}); !q) {
            QFile::remove(report.target);
            Error e = q.error();
            e.message = QStringLiteral("Cannot write the backup %1: %2").arg(report.target, e.message);
            return e;
        }
        QFile::setPermissions(report.target, QFile::ReadOwner | QFile::WriteOwner);
        auto copy = Database::open(*parseRegistryUrl(report.target), Database::Create::No);
        if (!copy)
            return copy.error();
        for (const QString &table : transferTables()) {
            auto n = (*copy)->scalar(QStringLiteral("SELECT count(*) FROM %1").arg(table));
            if (!n)
                return n.error();
            report.rows.insert(table, n->toLongLong());
        }
        auto audit = verifyAuditChain(**copy, std::nullopt);
        if (!audit)
            return audit.error();
        report.audit = *audit;
    } else {
        report.format = QStringLiteral("%1 %2").arg(kFormat).arg(kFormatVersion);
        QSaveFile out(report.target);
        // Written where only its owner can read it from the first byte (the secrets), and kept so after the rename.
        const mode_t umask = ::umask(077);
        const bool opened = out.open(QIODevice::WriteOnly);
        ::umask(umask);
        if (!opened)
            return Error::database(
                QStringLiteral("Cannot write the backup %1: %2.").arg(report.target, out.errorString()));
        if (auto s = db.beginSnapshot(); !s)
            return s.error();
        auto finish = [&](Error e) -> Result<TransferReport> {
            db.rollback();
            out.cancelWriting();
            return e;
        };
        auto info = db.exec(QStringLiteral("SELECT (SELECT value FROM registry_info WHERE key = 'created_at'), "
                                           "(SELECT count(*) FROM audit_log), (SELECT hash FROM audit_log ORDER BY id "
                                           "DESC LIMIT 1)"));
        if (!info)
            return finish(info.error());
        info->next();
        const QString createdAt = info->value(0).toString();
        report.audit.entriesChecked = info->value(1).toLongLong();
        report.audit.head = AuditCheckpoint{info->value(1).toLongLong(), info->value(2).toString()};
        info->finish();
        auto line = [&](const QJsonDocument &doc) {
            out.write(doc.toJson(QJsonDocument::Compact));
            out.write("\n", 1);
        };
        line(QJsonDocument(QJsonObject{{QStringLiteral("format"), kFormat},
                                       {QStringLiteral("format_version"), kFormatVersion},
                                       {QStringLiteral("schema_version"), kSchemaVersion},
                                       {QStringLiteral("dialect"), QStringLiteral("postgresql")},
                                       {QStringLiteral("source"), report.source},
                                       {QStringLiteral("taken_at"), nowUtc()},
                                       {QStringLiteral("registry_created_at"), createdAt}}));
        DatabaseSource rows(db);
        QJsonObject counts;
        for (const QString &table : transferTables()) {
            auto columns = rows.begin(table);
            if (!columns) {
                Error e = columns.error();
                if (e.kind == Error::Kind::Permission)
                    e.message = QStringLiteral("A backup reads every table, the webhooks' secrets included, and %1 "
                                               "may not read %2: run it as the registry's owner or a superuser. (%3)")
                                    .arg(registry.actor(), table, e.message);
                return finish(e);
            }
            line(QJsonDocument(QJsonObject{{QStringLiteral("table"), table},
                                           {QStringLiteral("columns"), QJsonArray::fromStringList(*columns)}}));
            qint64 n = 0;
            QVariantList row;
            for (;;) {
                auto more = rows.next(row);
                if (!more)
                    return finish(more.error());
                if (!*more)
                    break;
                QJsonArray values;
                for (const QVariant &v : row)
                    values << toJson(v);
                line(QJsonDocument(values));
                if (++n % 5000 == 0 && progress && !progress(table, n))
                    return finish(Error::invalid(QStringLiteral("Cancelled: no backup was written.")));
            }
            counts.insert(table, n);
            report.rows.insert(table, n);
            if (progress && !progress(table, n))
                return finish(Error::invalid(QStringLiteral("Cancelled: no backup was written.")));
        }
        db.rollback();
        line(QJsonDocument(
            QJsonObject{{QStringLiteral("end"), true},
                        {QStringLiteral("rows"), counts},
                        {QStringLiteral("audit"), QJsonObject{{QStringLiteral("entries"), report.audit.head.entries},
                                                              {QStringLiteral("head"), report.audit.head.hash}}}}));
        if (!out.commit())
            return Error::database(QStringLiteral("Cannot write the backup %1: %2. No backup was written.")
                                       .arg(report.target, out.errorString()));
        QFile::setPermissions(report.target, QFile::ReadOwner | QFile::WriteOwner);
    }
    report.versions = report.rows.value(QStringLiteral("model_versions"));
    report.bytes = QFileInfo(report.target).size();
    report.milliseconds = timer.elapsed();
    return report;
}

Result<TransferReport> restoreRegistry(const QString &file, const QString &targetUrl, const TransferProgress &progress)
{
    QElapsedTimer timer;
    timer.start();
    if (!QFileInfo(file).isFile())
        return Error::notFound(QStringLiteral("There is no backup file %1.").arg(file));
    if (isSqliteFile(file)) {
        // A SQLite registry's backup is a registry file: copied as a registry is moved.
        auto source = Registry::open(file, Registry::Open::ExistingOnly);
        if (!source)
            return source.error();
        auto report = copyRegistry(**source, targetUrl, progress);
        if (report)
            report->milliseconds = timer.elapsed();
        return report;
    }
    FileSource source(file);
    auto header = source.open();
    if (!header)
        return header.error();
    const int schema = header->value(QStringLiteral("schema_version")).toInt();
    if (schema != kSchemaVersion)
        return invalidBackup(file, QStringLiteral("it holds a registry of schema version %1; this ModelDesk restores "
                                                  "version %2 only (restore it with the ModelDesk that wrote it, "
                                                  "then open it with this one to upgrade)")
                                       .arg(schema)
                                       .arg(kSchemaVersion));
    auto target = openTarget(targetUrl);
    if (!target)
        return target.error();
    TransferReport report;
    report.source = QFileInfo(file).absoluteFilePath();
    report.target = target->registry->locationDisplay();
    report.format = QStringLiteral("%1 %2").arg(kFormat).arg(kFormatVersion);
    // The end record is read inside the transaction, before the commit: a backup cut short writes nothing.
    class Checked final : public RowSource
    {
    public:
        Checked(FileSource &inner, const QString &file) : m_inner(inner), m_file(file) {}
        Result<QStringList> begin(const QString &table) override
        {
            if (!m_previous.isEmpty() && m_previous == transferTables().constLast())
                return invalidBackup(m_file, QStringLiteral("it has tables after audit_log"));
            m_previous = table;
            return m_inner.begin(table);
        }
        Result<bool> next(QVariantList &row) override
        {
            auto more = m_inner.next(row);
            if (more && !*more && m_previous == transferTables().constLast()) {
                auto end = m_inner.end();
                if (!end)
                    return end.error();
                m_end = *end;
            }
            return more;
        }
        QJsonObject m_end;

    private:
        FileSource &m_inner;
        QString m_file;
        QString m_previous;
    } checked(source, file);
    // The end record's counts must match what was read: rows cut out of the middle of the file write nothing.
    auto matchesEndRecord = [&](const QMap<QString, qint64> &read) -> Status {
        const QJsonObject declared = checked.m_end.value(QStringLiteral("rows")).toObject();
        for (const QString &table : transferTables())
            if (const qint64 n = declared.value(table).toInteger(-1); n != read.value(table))
                return invalidBackup(file, QStringLiteral("its end record counts %1 rows of %2, but the file holds %3")
                                               .arg(n)
                                               .arg(table)
                                               .arg(read.value(table)));
        return {};
    };
    if (auto loaded = load(checked, *target, report, progress, matchesEndRecord); !loaded) {
        target->discard();
        return loaded.error();
    }
    report.milliseconds = timer.elapsed();
    return report;
}

Result<TransferReport> migrateRegistry(const QString &fromUrl, const QString &toUrl, const TransferProgress &progress)
{
    auto from = parseRegistryUrl(fromUrl);
    if (!from)
        return from.error();
    auto to = parseRegistryUrl(toUrl);
    if (!to)
        return to.error();
    if (from->display() == to->display())
        return Error::invalid(QStringLiteral("--from and --to are the same registry (%1).").arg(from->display()));
    auto source = Registry::open(*from, Registry::Open::ExistingOnly);
    if (!source)
        return source.error();
    return copyRegistry(**source, toUrl, progress);
}

} // namespace md
