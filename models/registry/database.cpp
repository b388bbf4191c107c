#include "database.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QStandardPaths>
#include <QStorageInfo>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>

#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <optional>

#include <pwd.h>
#include <unistd.h>

namespace md {

QString errorKindName(Error::Kind kind)
{
    switch (kind) {
    case Error::Kind::Invalid:
        return QStringLiteral("invalid");
    case Error::Kind::NotFound:
        return QStringLiteral("not_found");
    case Error::Kind::Conflict:
        return QStringLiteral("conflict");
    case Error::Kind::Database:
        return QStringLiteral("database");
    case Error::Kind::Connection:
        return QStringLiteral("connection");
    case Error::Kind::Auth:
        return QStringLiteral("auth");
    case Error::Kind::NotARegistry:
        return QStringLiteral("not_a_registry");
    case Error::Kind::NewerSchema:
        return QStringLiteral("newer_schema");
    case Error::Kind::Permission:
        return QStringLiteral("permission");
    case Error::Kind::ReadOnly:
        return QStringLiteral("read_only");
    }
    return QStringLiteral("unknown");
}

QString RegistryLocation::display() const
{
    if (dialect == Dialect::Sqlite)
        return sqlitePath;
    QString text = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        text += user + QLatin1Char('@');
    if (!ports.isEmpty()) {
        const QStringList hostList = host.split(QLatin1Char(','));
        const QStringList portList = ports.split(QLatin1Char(','));
        QStringList parts;
        for (qsizetype i = 0; i < hostList.size(); ++i)
            parts << hostList[i] + QLatin1Char(':') + portList.value(i, portList.value(0));
        text += parts.join(QLatin1Char(','));
    } else {
        text += host.isEmpty() ? QStringLiteral("localhost") : host;
        if (port > 0)
            text += QLatin1Char(':') + QString::number(port);
    }
    text += QLatin1Char('/') + database;
    return text;
}

namespace {
// libpq's multi-host form, postgresql://user@h1:5432,h2:5433/db: QUrl takes one host only, so the host list is cut
// out here (into hosts and ports) and the rest parsed with a placeholder host. Returns false when the URL has one
// host.
struct HostList
{
    QString hosts;
    QString ports;
    QString error;
};
std::optional<HostList> cutHostList(QString &url)
{
    const qsizetype start = url.indexOf(QLatin1String("://")) + 3;
    qsizetype end = url.size();
    for (const QChar c : {QLatin1Char('/'), QLatin1Char('?'), QLatin1Char('#')}) {
        const qsizetype at = url.indexOf(c, start);
        if (at >= 0 && at < end)
            end = at;
    }
    const QString authority = url.mid(start, end - start);
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    const QString hostPart = authority.mid(at + 1);
    if (!hostPart.contains(QLatin1Char(',')))
        return std::nullopt;
    HostList list;
    QStringList hosts, ports;
    static const QRegularExpression hostPort(
        QStringLiteral(R"(^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?\z)"));
    for (const QString &item : hostPart.split(QLatin1Char(','))) {
        const auto m = hostPort.match(item);
        const int port = m.hasMatch() && !m.captured(2).isEmpty() ? m.captured(2).toInt() : 5432;
        if (!m.hasMatch() || port < 1 || port > 65535) {
            list.error = QStringLiteral("'%1' in the host list of the registry URL is not host or host:port (a port "
                                        "from 1 to 65535).")
                             .arg(item);
            return list;
        }
        QString host = m.captured(1);
        if (host.startsWith(QLatin1Char('[')))
            host = host.mid(1, host.size() - 2);
        hosts << host;
        ports << QString::number(port);
    }
    list.hosts = hosts.join(QLatin1Char(','));
    list.ports = ports.join(QLatin1Char(','));
    url.replace(start + at + 1, hostPart.size(), QStringLiteral("multi-host.invalid"));
    return list;
}
} // namespace

Result<RegistryLocation> parseRegistryUrl(const QString &url)
{
    QString trimmed = url.trimmed();
    if (trimmed.isEmpty())
        return Error::invalid(QStringLiteral("The registry URL is empty. Give a file path, sqlite:///path or "
                                             "postgresql://user@host:port/dbname."));
    RegistryLocation loc;
    if (trimmed.startsWith(QLatin1String("postgresql://")) || trimmed.startsWith(QLatin1String("postgres://"))) {
        const QString original = trimmed;
        const auto hostList = cutHostList(trimmed);
        if (hostList && !hostList->error.isEmpty())
            return Error::invalid(hostList->error);
        const QUrl u(trimmed, QUrl::StrictMode);
        if (!u.isValid())
            return Error::invalid(
                QStringLiteral("The PostgreSQL URL '%1' is malformed: %2. Write postgresql://user@host:port/dbname.")
                    .arg(original, u.errorString().section(QLatin1Char(';'), 0, 0)));
        if (!u.password().isEmpty())
            return Error::invalid(
                QStringLiteral("The registry URL contains a password. ModelDesk never stores passwords: "
                               "remove it from the URL and put it in ~/.pgpass, a service file "
                               "(PGSERVICE) or PGPASSWORD."));
        loc.dialect = Dialect::Postgres;
        loc.host = u.host();
        loc.port = u.port(-1);
        loc.user = u.userName();
        if (hostList) {
            loc.host = hostList->hosts;
            loc.ports = hostList->ports;
            loc.port = -1;
        }
        loc.database = u.path().mid(1);
        if (loc.database.contains(QLatin1Char('/')))
            return Error::invalid(
                QStringLiteral("The PostgreSQL URL '%1' has a path with more than a database name.").arg(original));
        QStringList options;
        bool hasTimeout = false;
        const auto items = QUrlQuery(u).queryItems(QUrl::FullyDecoded);
        for (const auto &[key, value] : items) {
            static const QStringList allowed = {QStringLiteral("host"),
                                                QStringLiteral("hostaddr"),
                                                QStringLiteral("port"),
                                                QStringLiteral("dbname"),
                                                QStringLiteral("user"),
                                                QStringLiteral("sslmode"),
                                                QStringLiteral("sslrootcert"),
                                                QStringLiteral("sslcert"),
                                                QStringLiteral("sslkey"),
                                                QStringLiteral("service"),
                                                QStringLiteral("application_name"),
                                                QStringLiteral("connect_timeout"),
                                                QStringLiteral("target_session_attrs"),
                                                QStringLiteral("options"),
                                                QStringLiteral("passfile")};
            if (!allowed.contains(key))
                return Error::invalid(QStringLiteral("Unknown connection parameter '%1' in the registry URL. "
                                                     "Supported: %2.")
                                          .arg(key, allowed.join(QStringLiteral(", "))));
            if (value.contains(QLatin1Char(' ')) || value.contains(QLatin1Char(';')) ||
                value.contains(QLatin1Char('\'')))
                return Error::invalid(
                    QStringLiteral("The connection parameter '%1' contains a space, quote or ';'.").arg(key));
            if ((key == QLatin1String("host") || key == QLatin1String("port")) && hostList)
                return Error::invalid(QStringLiteral("The registry URL lists several hosts and also has a '%1' "
                                                     "parameter: give the hosts in one place.")
                                          .arg(key));
            if (key == QLatin1String("host"))
                loc.host = value;
            else if (key == QLatin1String("port"))
                loc.port = value.toInt();
            else if (key == QLatin1String("dbname"))
                loc.database = value;
            else if (key == QLatin1String("user"))
                loc.user = value;
            else
                options << key + QLatin1Char('=') + value;
            hasTimeout = hasTimeout || key == QLatin1String("connect_timeout");
        }
        if (!hasTimeout)
            options << QStringLiteral("connect_timeout=5");
        loc.options = options.join(QLatin1Char(';'));
        return loc;
    }
    if (trimmed.contains(QLatin1String("://")) && !trimmed.startsWith(QLatin1String("sqlite://")))
        return Error::invalid(QStringLiteral("Unsupported registry URL '%1'. Use a file path, sqlite:///path or "
                                             "postgresql://user@host:port/dbname.")
                                  .arg(trimmed));
    QString path = trimmed;
    if (path.startsWith(QLatin1String("sqlite://")))
        path = path.mid(9);
    if (path.isEmpty())
        return Error::invalid(QStringLiteral("The SQLite URL '%1' names no file.").arg(trimmed));
    loc.dialect = Dialect::Sqlite;
    loc.sqlitePath = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    return loc;
}

QString defaultRegistryPath()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return base + QStringLiteral("/modeldesk/registry.db");
}

namespace {
thread_local QString t_clockOverride;
}

QDateTime parseTimestamp(const QString &iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(iso, Qt::ISODate);
    if (t.isValid() && t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t;
}

QString nowUtc()
{
    if (!t_clockOverride.isEmpty())
        return t_clockOverride;
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

void setClockOverride(const QString &isoUtc)
{
    t_clockOverride = isoUtc;
}

namespace {
std::atomic<int> g_connectionCounter{0};

QString nextConnectionName()
{
    return QStringLiteral("modeldesk-%1").arg(g_connectionCounter.fetch_add(1));
}

// The advisory lock key that serialises registry writers on PostgreSQL ("mdsk").
constexpr qint64 kWriteLockKey = 0x6d64736b;

QString stripPgPrefix(QString text)
{
    text = text.trimmed();
    for (const char *prefix : {"ERROR:", "FATAL:"}) {
        if (text.startsWith(QLatin1String(prefix)))
            text = text.mid(int(qstrlen(prefix))).trimmed();
    }
    const qsizetype paren = text.lastIndexOf(QLatin1String("\n("));
    if (paren > 0)
        text = text.left(paren).trimmed();
    return text;
}
} // namespace

Database::Database(RegistryLocation location, QString connectionName)
    : m_location(std::move(location)), m_connectionName(std::move(connectionName))
{
}

Database::~Database()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        // End the transaction first: freeing the prepared statements inside a failed one would fail.
        if (db.isOpen() && m_inTransaction && !m_aborted)
            QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        m_preparedWrites.clear();
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QSqlDatabase Database::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<std::unique_ptr<Database>> Database::open(const RegistryLocation &location, Create create)
{
    const QString name = nextConnectionName();
    std::unique_ptr<Database> db(new Database(location, name));
    if (location.dialect == Dialect::Sqlite) {
        if (auto s = db->configureSqlite(create); !s)
            return s.error();
    } else {
        if (auto s = db->configurePostgres(); !s)
            return s.error();
    }
    return db;
}

namespace {
// A copy cut short (a full disk, an interrupted download) is damaged in its last pages, which SQLite reads only when
// it gets there: a write could then succeed on a damaged file. SQLite's page count comes from the header's record
// of the file's length (when valid); a main file shorter than that, or not a whole number of pages, is refused before
// anything else reads or writes it. Not while the WAL holds frames (the pages may be there, or mid-checkpoint), and
// the WAL is looked at after the page count is read, so a writer committing in between cannot make a false alarm.
// (The file is never opened beside SQLite: closing another descriptor of it would drop this process's locks.)
Status checkSqliteFileLength(QSqlDatabase &db, const QString &path)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT page_size * page_count, page_size FROM pragma_page_size, pragma_page_count")) ||
        !q.next())
        return {}; // the probe that follows says what is wrong
    const qint64 expected = q.value(0).toLongLong();
    const qint64 pageSize = q.value(1).toLongLong();
    q.finish();
    if (QFileInfo(path + QStringLiteral("-wal")).size() > 0 || pageSize <= 0)
        return {};
    const qint64 size = QFileInfo(path).size();
    if (size >= expected && size % pageSize == 0)
        return {};
    return Error{Error::Kind::NotARegistry,
                 QStringLiteral("%1 is damaged: the file is %2 bytes long, but %3. It was probably cut short (a full "
                                "disk, an interrupted copy): restore it from a backup.")
                     .arg(path)
                     .arg(size)
                     .arg(size < expected
                              ? QStringLiteral("its header records %1 pages of %2 bytes (%3 bytes)")
                                    .arg(expected / pageSize)
                                    .arg(pageSize)
                                    .arg(expected)
                              : QStringLiteral("that is not a whole number of its %1-byte pages").arg(pageSize)),
                 {}};
}
} // namespace

Status Database::configureSqlite(Create create)
{
    const QString path = m_location.sqlitePath;
    const QFileInfo info(path);
    if (!info.exists()) {
        if (create == Create::No)
            return Error::notFound(QStringLiteral("There is no registry at %1. Create one with `modelctl init` "
                                                  "(or `modelctl --registry %1 init`).")
                                       .arg(path));
        if (!QDir().mkpath(info.absolutePath()))
            return Error::database(
                QStringLiteral("Cannot create the folder %1 for the registry.").arg(info.absolutePath()));
    } else if (info.isDir()) {
        return Error{Error::Kind::NotARegistry, QStringLiteral("%1 is a folder, not a registry file.").arg(path), {}};
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    // A file the user may only read (permissions, a read-only disk) is opened read-only, to browse: SQLite's WAL
    // needs its -shm file, so where that cannot be created either the file is opened as immutable.
    const bool dirWritable = access(QFile::encodeName(info.absolutePath()).constData(), W_OK) == 0;
    const bool fileWritable = !info.exists() || access(QFile::encodeName(path).constData(), W_OK) == 0;
    if (fileWritable && dirWritable) {
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=15000"));
    } else {
        if (!info.exists())
            return Error{Error::Kind::ReadOnly,
                         QStringLiteral("Cannot create a registry at %1: the folder is read-only for you.").arg(path),
                         {}};
        const bool shmExists = QFileInfo::exists(path + QStringLiteral("-shm"));
        QString uri = QUrl::fromLocalFile(path).toString(QUrl::FullyEncoded) + QStringLiteral("?mode=ro");
        if (!dirWritable && !shmExists)
            uri += QStringLiteral("&immutable=1");
        db.setDatabaseName(uri);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=15000;QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
        m_fileReadOnlyReason =
            QStringLiteral("The registry file %1 is read-only for you (its permissions, or a read-only disk): it is "
                           "open for browsing, and changes are refused. Open a writable copy to change it.")
                .arg(path);
    }
    if (!db.open())
        return errorFrom(db.lastError(), QStringLiteral("Cannot open %1").arg(path));
    if (auto s = registerSqliteClientFunction(db.driver()->handle(), &m_sqliteActor); !s)
        return s;
    if (info.exists())
        if (auto s = checkSqliteFileLength(db, path); !s)
            return s;
    // A file that is not a SQLite database opens fine; the first read tells.
    QSqlQuery probe(db);
    if (!probe.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
        // SQLITE_NOTADB or SQLITE_CORRUPT: the message says what the file is not; anything else gets the context.
        const Error e = errorFrom(probe.lastError(), {});
        return e.kind == Error::Kind::NotARegistry
                   ? e
                   : errorFrom(probe.lastError(), QStringLiteral("Cannot read %1").arg(path));
    }
    probe.finish(); // an unfinished statement keeps a read transaction open, and WAL cannot be switched on then
    // Another application's database is refused by Registry::open (readSchemaState): it is not changed first, so
    // its journal mode stays as it was.
    QSqlQuery foreign(db);
    // (Registry::open's readSchemaState tells the user why; this is the same test, before anything is changed.)
    if (!foreign.exec(QStringLiteral(
            "SELECT count(*), sum(name IN ('schema_version', 'registered_models', 'model_versions', 'audit_log')), "
            "(SELECT count(*) FROM pragma_table_info('schema_version') WHERE name = 'version') FROM sqlite_master "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) ||
        !foreign.next())
        return errorFrom(foreign.lastError(), QStringLiteral("Cannot read %1").arg(path));
    const bool isForeign =
        foreign.value(0).toInt() > 0 && (foreign.value(1).toInt() != 4 || foreign.value(2).toInt() != 1);
    // An empty database (an empty file) becomes a registry only by `init`; until then it is not changed either.
    const bool isEmpty = foreign.value(0).toInt() == 0;
    foreign.finish();
    QStringList pragmas{QStringLiteral("PRAGMA foreign_keys = ON")};
    if (!isForeign && !(isEmpty && create == Create::No) && m_fileReadOnlyReason.isEmpty())
        // A WAL left large (a writer killed mid-generation) is checkpointed when the registry opens and kept to
        // 64 MB after each checkpoint.
        pragmas << QStringLiteral("PRAGMA journal_mode = WAL") << QStringLiteral("PRAGMA synchronous = NORMAL")
                << QStringLiteral("PRAGMA journal_size_limit = 67108864")
                << QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)");
    for (const QString &pragma : pragmas) {
        QSqlQuery q(db);
        if (!q.exec(pragma))
            return errorFrom(q.lastError(), QStringLiteral("Cannot configure %1").arg(path));
    }
    return {};
}

namespace {
void noWrite(sqlite3_context *context, int, sqlite3_value **)
{
    sqlite3_result_int(context, 0);
}

// modeldesk_use_modelctl_clock(): the client's clock (and its override, for demo data), as every other timestamp on
// SQLite.
void sqliteNow(sqlite3_context *context, int, sqlite3_value **)
{
    const QByteArray now = nowUtc().toUtf8();
    sqlite3_result_text(context, now.constData(), int(now.size()), SQLITE_TRANSIENT);
}

// modeldesk_lower(text): Unicode's full lower-case mapping (Qt's), for LIKE that ignores case in every script, as
// PostgreSQL's lower() under ICU does (search.cpp).
void sqliteLower(sqlite3_context *context, int, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const auto *text = reinterpret_cast<const char *>(sqlite3_value_text(argv[0]));
    const QByteArray lower = QString::fromUtf8(text, sqlite3_value_bytes(argv[0])).toLower().toUtf8();
    sqlite3_result_text(context, lower.constData(), int(lower.size()), SQLITE_TRANSIENT);
}

// modeldesk_use_modelctl_actor(): who the connection acts as (Database::setSqliteActor), else the OS user.
void sqliteActor(sqlite3_context *context, int, sqlite3_value **)
{
    const auto *actor = static_cast<const QByteArray *>(sqlite3_user_data(context));
    QByteArray name = actor ? *actor : QByteArray();
    if (name.isEmpty()) {
        const passwd *pw = getpwuid(geteuid());
        name = pw && pw->pw_name ? QByteArray(pw->pw_name) : QByteArray("unknown");
    }
    sqlite3_result_text(context, name.constData(), int(name.size()), SQLITE_TRANSIENT);
}
} // namespace

Status registerSqliteClientFunction(const QVariant &handle, const QByteArray *actor)
{
    // Every registry table's write triggers call modeldesk_use_modelctl() (006_contract.sql): a connection
    // that has not defined it (the sqlite3 shell, another program) cannot even prepare a write, and is told
    // by name what to use instead. Advisory: a program that defines the function writes around it.
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return Error::database(QStringLiteral("The SQLite driver gave no connection handle."));
    sqlite3 *connection = *static_cast<sqlite3 *const *>(handle.data());
    if (!connection ||
        sqlite3_create_function_v2(connection, "modeldesk_use_modelctl", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                   &noWrite, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_create_function_v2(connection, "modeldesk_use_modelctl_clock", 0, SQLITE_UTF8, nullptr, &sqliteNow,
                                   nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_create_function_v2(connection, "modeldesk_lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                   &sqliteLower, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_create_function_v2(connection, "modeldesk_use_modelctl_actor", 0, SQLITE_UTF8,
                                   const_cast<QByteArray *>(actor), &sqliteActor, nullptr, nullptr,
                                   nullptr) != SQLITE_OK)
        return Error::database(QStringLiteral("Cannot prepare the SQLite connection for registry writes."));
    return {};
}

void Database::setSqliteActor(const QString &name)
{
    m_sqliteActor = name.toUtf8();
}

Status Database::configurePostgres()
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    if (!m_location.host.isEmpty())
        db.setHostName(m_location.host);
    if (m_location.port > 0)
        db.setPort(m_location.port);
    if (!m_location.user.isEmpty())
        db.setUserName(m_location.user);
    if (!m_location.database.isEmpty())
        db.setDatabaseName(m_location.database);
    // Several hosts: libpq tries them in order. Without target_session_attrs the first that answers would do, a
    // standby included, so the write URL asks for the primary (read-write) and a replica's URL for a standby
    // when there is one (prefer-standby).
    QStringList options;
    if (!m_location.options.isEmpty())
        options << m_location.options;
    if (!m_location.ports.isEmpty())
        options << QStringLiteral("port=") + m_location.ports;
    if (m_location.host.contains(QLatin1Char(',')) &&
        !m_location.options.contains(QLatin1String("target_session_attrs=")))
        options << (m_location.forReads ? QStringLiteral("target_session_attrs=prefer-standby")
                                        : QStringLiteral("target_session_attrs=read-write"));
    db.setConnectOptions(options.join(QLatin1Char(';')));
    if (!db.open()) {
        // A failed connection attempt has no SQLSTATE to classify by: QPSQL takes the SQLSTATE only from a failed
        // PGresult, and a connection attempt produces none (nativeErrorCode() is empty here; libpq offers only
        // the message text). So this one place reads libpq's message. Everything after the connection is
        // established is classified by SQLSTATE in errorFrom().
        const QString text =
            stripPgPrefix(db.lastError().databaseText() + QLatin1Char(' ') + db.lastError().driverText());
        return explainConnectFailure(text, m_location);
    }
    QSqlQuery q(db);
    // Statements with bound values are sent as text with the values inlined (inlineBinds): that relies on
    // standard-conforming strings (a backslash is an ordinary character), which this session asks for.
    // One statement each: QPSQL reads only the first result of a multi-statement string.
    for (const char *set : {"SET client_min_messages = warning", "SET standard_conforming_strings = on"})
        if (!q.exec(QLatin1String(set)))
            return errorFrom(q.lastError(), QStringLiteral("Cannot configure the session"));
    if (!q.exec(QStringLiteral("SELECT session_user::text, pg_is_in_recovery()")) || !q.next())
        return errorFrom(q.lastError(), QStringLiteral("Cannot read the session user"));
    m_sessionUser = q.value(0).toString();
    m_standby = q.value(1).toBool();
    return {};
}

namespace {
// The first line of a (libpq) message: "server closed the connection unexpectedly\n\tThis probably means ..."
QString firstLine(const QString &text)
{
    const qsizetype newline = text.indexOf(QLatin1Char('\n'));
    return (newline < 0 ? text : text.left(newline)).trimmed();
}
} // namespace

// Errors are classified by SQLSTATE (PostgreSQL) or result code (SQLite), never by the English text,
// which depends on the server's lc_messages and changes between versions:
//
//   PostgreSQL SQLSTATE                   SQLite result code (extended % 256)  Kind
//   (none: raised by libpq itself), 08xxx,                                      Connection
//   57P01..57P04, 53300
//   28xxx                                                                      Auth
//   42501 (also our triggers' refusals)                                        Permission
//   23xxx (also our triggers' refusals)   19 CONSTRAINT (also our triggers)    Conflict
//   40001, 40P01, 55P03: retryable        5 BUSY, 6 LOCKED: retryable          Conflict
//   25006                                 8 READONLY                           ReadOnly
//   53xxx (disk full, out of memory)      13 FULL                              Database (resource message)
//                                         11 CORRUPT, 26 NOTADB                NotARegistry
//                                         14 CANTOPEN                          Database (cannot open message)
//   anything else                         anything else (AUTH, IOERR, ...)     Database
//
// The refusals of our own triggers ("modeldesk: ...") are the user-facing text as they are.
Error Database::errorFrom(const QSqlError &error, const QString &context) const
{
    Error e;
    e.code = error.nativeErrorCode();
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    if (m_location.dialect == Dialect::Postgres)
        text = stripPgPrefix(text);
    const QString where = m_location.display();
    auto withContext = [&](const QString &m) { return context.isEmpty() ? m : context + QStringLiteral(": ") + m; };
    e.kind = Error::Kind::Database;
    e.message = withContext(text);

    if (m_location.dialect == Dialect::Postgres) {
        const QString &state = e.code;
        const QString cls = state.left(2);
        // Every error the server reports carries a SQLSTATE, and QPSQL passes it on from the failed PGresult:
        // a session ended by pg_terminate_backend, a restart or a failover fails its next query with the
        // backend's FATAL 57P01 (admin_shutdown). An error without a SQLSTATE was raised by libpq on the client
        // side, and all of those mean the connection is gone: every query after that FATAL ("no connection to
        // the server"), a server that vanished without a word ("server closed the connection unexpectedly",
        // "could not send data to server"). QPSQL's driverText for them ("QPSQL: Unable to create query") is
        // noise and is not shown. test_errors.cpp checks both cases on the real server.
        const bool lost = state.isEmpty() || cls == QLatin1String("08") || state == QLatin1String("57P01") ||
                          state == QLatin1String("57P02") || state == QLatin1String("57P03") ||
                          state == QLatin1String("57P04");
        if (lost) {
            e.kind = Error::Kind::Connection;
            e.message = QStringLiteral("The connection to %1 was lost (%2). Nothing was changed by this action; "
                                       "reconnect and try again.")
                            .arg(where, firstLine(text));
        } else if (state == QLatin1String("53300")) {
            e.kind = Error::Kind::Connection;
            e.message = withContext(
                QStringLiteral("The server at %1 accepts no more connections (%2). Try again later, or ask its "
                               "administrator to raise max_connections.")
                    .arg(where, firstLine(text)));
        } else if (cls == QLatin1String("28")) {
            e.kind = Error::Kind::Auth;
            e.message = withContext(QStringLiteral("Authentication to %1 failed: %2. Check the user name and the "
                                                   "password in ~/.pgpass, PGPASSWORD or your service file.")
                                        .arg(where, firstLine(text)));
        } else if (state == QLatin1String("42501")) {
            e.kind = Error::Kind::Permission;
            if (!text.startsWith(QLatin1String("modeldesk:")))
                e.message = withContext(QStringLiteral("Permission denied: %1 may not do this (%2). A registry admin "
                                                       "can grant a ModelDesk role with `modelctl grant ROLE %1`.")
                                            .arg(m_sessionUser, firstLine(text)));
        } else if (cls == QLatin1String("23")) {
            e.kind = Error::Kind::Conflict;
        } else if (state == QLatin1String("40001") || state == QLatin1String("40P01") ||
                   state == QLatin1String("55P03")) {
            e.kind = Error::Kind::Conflict;
            e.retryable = true;
            e.message = withContext(QStringLiteral("A concurrent change got in the way (%1). Try again.").arg(text));
        } else if (state == QLatin1String("25006")) {
            e.kind = m_readOnlyReason.isEmpty() ? Error::Kind::ReadOnly : m_readOnlyKind;
            e.message = m_readOnlyReason.isEmpty()
                            ? withContext(QStringLiteral("The server %1 is a read-only standby (or the transaction is "
                                                         "read-only); connect to the primary to write. (%2)")
                                              .arg(where, firstLine(text)))
                            : m_readOnlyReason;
        } else if (cls == QLatin1String("53")) {
            e.message = withContext(QStringLiteral("The server is out of disk space or memory: %1").arg(text));
        }
        return e;
    }

    // SQLite: QSQLITE gives the (extended) result code as a number; the primary code is its low byte.
    bool isNumber = false;
    const int primary = e.code.toInt(&isNumber) & 0xff;
    if (!isNumber)
        return e;
    switch (primary) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        e.kind = Error::Kind::Conflict;
        e.retryable = true;
        e.message =
            withContext(QStringLiteral("The registry %1 is busy: another program is writing to it (%2). Try again.")
                            .arg(where, text));
        break;
    case 8: // SQLITE_READONLY
        e.kind = m_readOnlyReason.isEmpty() ? Error::Kind::ReadOnly : m_readOnlyKind;
        e.message = m_readOnlyReason.isEmpty()
                        ? withContext(QStringLiteral("The registry file %1 cannot be written (%2): it is read-only for "
                                                     "you or on a read-only disk. Open a writable copy to change it.")
                                          .arg(where, text))
                        : m_readOnlyReason;
        break;
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
        e.kind = Error::Kind::NotARegistry;
        e.message = withContext(QStringLiteral("%1 is not a SQLite database or is damaged (%2). Choose a ModelDesk "
                                               "registry file, or a new file name to create one.")
                                    .arg(where, text));
        break;
    case 13: // SQLITE_FULL
        e.message = withContext(
            QStringLiteral("The disk holding %1 is full (%2). Free some space and try again.").arg(where, text));
        break;
    case 14: // SQLITE_CANTOPEN
        e.message = withContext(QStringLiteral("Cannot open the registry file %1 (%2). Check that its folder exists "
                                               "and that you may read and write there.")
                                    .arg(where, text));
        break;
    case 19: // SQLITE_CONSTRAINT, also the RAISE(ABORT, 'modeldesk: ...') of our triggers
        e.kind = Error::Kind::Conflict;
        break;
    case 10: { // SQLITE_IOERR: on a full disk, often the -shm or -wal file that could not grow
        const QStorageInfo disk(QFileInfo(m_location.sqlitePath).absolutePath());
        if (disk.isValid() && disk.bytesAvailable() < 256 * 1024)
            e.message = withContext(QStringLiteral("The disk holding %1 is full (%2: %3 bytes free). Free some "
                                                   "space and try again.")
                                        .arg(where, text)
                                        .arg(disk.bytesAvailable()));
        break;
    }
    default: // SQLITE_AUTH, SQLITE_IOERR, SQLITE_PERM, ...: the database failed
        break;
    }
    return e;
}

bool Database::isRetryable(const Error &error)
{
    return error.retryable;
}

void Database::backoff(int attempt)
{
    const int base = std::min(200, 2 << std::min(attempt, 7));
    QThread::msleep(base / 2 + QRandomGenerator::global()->bounded(base));
}

namespace {
QVariant bindable(const QVariant &v)
{
    // Qt binds a null QString as SQL NULL; an empty text value must stay an empty string.
    // A deliberate NULL is passed as a null QVariant instead.
    if (!v.isNull() && v.metaType().id() == QMetaType::QString && v.toString().isNull())
        return QStringLiteral("");
    return v;
}

// PostgreSQL: the statement with its bound values written in as literals, so that it is one round trip. QPSQL
// runs a statement with bound values as PREPARE, EXECUTE and DEALLOCATE: three round trips, each paid in full on
// a network (FACTS.md). Every value is written as a quoted, untyped literal ('42', 'text', '0.5'), which takes
// its type from where it stands, as an unknown-typed parameter does; NULL for a null value. Quotes are doubled
// (the session has standard_conforming_strings on). Returns nothing for a value it cannot write so (a type
// other than text, integers, booleans and doubles; text holding NUL, which PostgreSQL refuses anyway) or when
// the placeholders do not match the values: the statement is then prepared as before.
std::optional<QString> inlineBinds(const QString &sql, const QVariantList &binds)
{
    QString out;
    out.reserve(sql.size() + binds.size() * 16);
    qsizetype next = 0;
    QChar quote;
    for (qsizetype i = 0; i < sql.size(); ++i) {
        const QChar c = sql.at(i);
        if (quote.isNull() && c == QLatin1Char('-') && sql.mid(i, 2) == QLatin1String("--"))
            return std::nullopt; // a comment could hold a quote or a question mark: prepare it
        if (!quote.isNull()) {
            out += c;
            if (c == quote)
                quote = QChar();
            continue;
        }
        if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            out += c;
            continue;
        }
        if (c != QLatin1Char('?')) {
            out += c;
            continue;
        }
        if (next >= binds.size())
            return std::nullopt;
        const QVariant &v = binds.at(next++);
        if (v.isNull()) { // a deliberate NULL (an empty text is a null QString in a valid QVariant: '')
            out += QLatin1String("NULL");
            continue;
        }
        QString text;
        switch (v.metaType().id()) {
        case QMetaType::QString:
            text = v.toString(); // a null QString is empty text, as bindable() binds it
            if (text.contains(QChar(0)))
                return std::nullopt;
            break;
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Long:
        case QMetaType::ULong:
        case QMetaType::Short:
        case QMetaType::UShort:
            text = v.toString();
            break;
        case QMetaType::Bool:
            text = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
            break;
        case QMetaType::Double:
        case QMetaType::Float: {
            const double d = v.toDouble();
            text = std::isnan(d)   ? QStringLiteral("NaN")
                   : std::isinf(d) ? (d > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity"))
                                   : QString::number(d, 'g', 17);
            break;
        }
        default:
            return std::nullopt;
        }
        out += QLatin1Char('\'');
        out += QString(text).replace(QLatin1Char('\''), QLatin1String("''"));
        out += QLatin1Char('\'');
    }
    if (next != binds.size() || !quote.isNull())
        return std::nullopt;
    return out;
}

bool isCacheableWrite(const QString &sql)
{
    return (sql.startsWith(QLatin1String("INSERT")) || sql.startsWith(QLatin1String("UPDATE")) ||
            sql.startsWith(QLatin1String("DELETE"))) &&
           !sql.contains(QLatin1String("RETURNING"));
}
} // namespace

Error Database::statementFailed(const QSqlError &error)
{
    Error e = errorFrom(error, {});
    // After an error PostgreSQL ignores every statement until the transaction ends, and that includes the
    // DEALLOCATE with which QPSQL frees a prepared statement when its QSqlQuery goes away: the driver then
    // prints "Unable to free statement: ERROR: current transaction is aborted ..." on stderr (and the statement
    // stays prepared on the server). So the failed transaction is rolled back at once, before any query of the
    // caller is destroyed, and this connection refuses further statements with the same error until the caller
    // ends the transaction with rollback() or commit(): nothing runs outside the transaction by accident.
    if (m_location.dialect == Dialect::Postgres && m_inTransaction && !m_aborted) {
        QSqlQuery(database()).exec(QStringLiteral("ROLLBACK"));
        m_aborted = true;
        m_abortError = e;
    }
    return e;
}

Result<QSqlQuery> Database::exec(const QString &sql, const QVariantList &binds)
{
    ++m_statements;
    if (m_aborted)
        return m_abortError;
    if (binds.isEmpty()) {
        QSqlQuery q(database());
        q.setForwardOnly(true);
        if (!q.exec(sql))
            return statementFailed(q.lastError());
        return q;
    }
    if (m_location.dialect == Dialect::Postgres)
        if (const auto inlined = inlineBinds(sql, binds)) {
            QSqlQuery q(database());
            q.setForwardOnly(true);
            if (!q.exec(*inlined))
                return statementFailed(q.lastError());
            return q;
        }
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return statementFailed(q.lastError());
    for (const QVariant &v : binds)
        q.addBindValue(bindable(v));
    if (!q.exec())
        return statementFailed(q.lastError());
    return q;
}

Result<int> Database::execWrite(const QString &sql, const QVariantList &binds)
{
    ++m_statements;
    Q_ASSERT(isCacheableWrite(sql));
    if (m_aborted)
        return m_abortError;
    auto it = m_preparedWrites.find(sql);
    if (it == m_preparedWrites.end()) {
        if (m_preparedWrites.size() >= 256)
            m_preparedWrites.clear();
        auto q = std::make_shared<QSqlQuery>(database());
        q->setForwardOnly(true);
        if (!q->prepare(sql))
            return statementFailed(q->lastError());
        it = m_preparedWrites.insert(sql, q);
    }
    QSqlQuery &q = **it;
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, bindable(binds.at(i)));
    if (!q.exec()) {
        const Error e = statementFailed(q.lastError());
        m_preparedWrites.erase(it); // prepare afresh next time (e.g. after a reconnect)
        return e;
    }
    const int affected = q.numRowsAffected();
    q.finish();
    return affected;
}

Result<QVariant> Database::scalar(const QString &sql, const QVariantList &binds)
{
    auto q = exec(sql, binds);
    if (!q)
        return q.error();
    if (!q->next())
        return QVariant();
    return q->value(0);
}

Status Database::execScript(const QString &script)
{
    for (const QString &statement : splitSqlScript(script)) {
        auto q = exec(statement);
        if (!q) {
            Error e = q.error();
            e.message = QStringLiteral("%1\nin statement: %2").arg(e.message, statement.left(200));
            return e;
        }
    }
    return {};
}

Status Database::beginWrite(Lock lock)
{
    if (m_location.dialect == Dialect::Sqlite) {
        if (auto q = exec(QStringLiteral("BEGIN IMMEDIATE")); !q)
            return q.error();
        m_inTransaction = true;
        m_writeTransaction = true;
        return {};
    }
    if (auto q = exec(QStringLiteral("BEGIN")); !q)
        return q.error();
    m_inTransaction = true;
    m_writeTransaction = true;
    if (lock == Lock::None)
        return {};
    // A clock override (demo data) reaches the database's clock, which only a superuser may set
    // (modeldesk_now() in 006_contract.sql).
    if (auto q = t_clockOverride.isEmpty()
                     ? exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kWriteLockKey))
                     : exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1), set_config('modeldesk.clock', ?, true)")
                                .arg(kWriteLockKey),
                            {t_clockOverride});
        !q) {
        rollback();
        return q.error();
    }
    return {};
}

Status Database::joinTransaction()
{
    if (m_location.dialect != Dialect::Postgres || t_clockOverride.isEmpty())
        return {};
    if (auto q = exec(QStringLiteral("SELECT set_config('modeldesk.clock', ?, true)"), {t_clockOverride}); !q)
        return q.error();
    return {};
}

Status Database::beginRead()
{
    if (auto q = exec(QStringLiteral("BEGIN")); !q)
        return q.error();
    m_inTransaction = true;
    return {};
}

Status Database::beginSnapshot()
{
    if (auto q = exec(m_location.dialect == Dialect::Postgres
                          ? QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                          : QStringLiteral("BEGIN"));
        !q)
        return q.error();
    m_inTransaction = true;
    return {};
}

Status Database::commit()
{
    if (m_aborted) { // already rolled back (see statementFailed)
        const Error e = m_abortError;
        rollback();
        return e;
    }
    QSqlQuery q(database());
    if (q.exec(QStringLiteral("COMMIT"))) {
        m_inTransaction = false;
        m_committedWrite = m_committedWrite || m_writeTransaction;
        m_writeTransaction = false;
        return {};
    }
    m_writeTransaction = false;
    // A failed COMMIT has ended the transaction on PostgreSQL; on SQLite (busy) it is still open for rollback().
    if (m_location.dialect == Dialect::Postgres)
        m_inTransaction = false;
    return errorFrom(q.lastError(), {});
}

void Database::rollback()
{
    if (m_inTransaction && !m_aborted) {
        QSqlQuery q(database());
        q.exec(QStringLiteral("ROLLBACK"));
    }
    m_aborted = false;
    m_abortError = {};
    m_inTransaction = false;
    m_writeTransaction = false;
}

void Database::setReadOnly(const QString &reason, Error::Kind kind)
{
    m_readOnlyReason = reason;
    m_readOnlyKind = kind;
    QSqlQuery q(database());
    if (m_location.dialect == Dialect::Sqlite)
        q.exec(QStringLiteral("PRAGMA query_only = ON"));
    else
        q.exec(QStringLiteral("SET default_transaction_read_only = on"));
}

bool Database::isAlive()
{
    QSqlQuery q(database());
    return q.exec(QStringLiteral("SELECT 1")) && q.next();
}

QStringList splitSqlScript(const QString &script)
{
    QStringList statements;
    QString current;
    bool inDollar = false;
    bool inTrigger = false;
    const QStringList lines = script.split(QLatin1Char('\n'));
    for (const QString &rawLine : lines) {
        const QString line = rawLine.trimmed();
        if (current.isEmpty() && (line.isEmpty() || line.startsWith(QLatin1String("--"))))
            continue;
        current += rawLine + QLatin1Char('\n');
        if (line.count(QLatin1String("$$")) % 2 == 1)
            inDollar = !inDollar;
        if (current.trimmed().startsWith(QLatin1String("CREATE TRIGGER"), Qt::CaseInsensitive) &&
            line.compare(QLatin1String("BEGIN"), Qt::CaseInsensitive) == 0)
            inTrigger = true;
        if (inDollar)
            continue;
        if (inTrigger) {
            if (line.compare(QLatin1String("END;"), Qt::CaseInsensitive) == 0) {
                statements << current.trimmed();
                current.clear();
                inTrigger = false;
            }
            continue;
        }
        if (line.endsWith(QLatin1Char(';'))) {
            QString statement = current.trimmed();
            statement.chop(1);
            statements << statement;
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        statements << current.trimmed();
    return statements;
}

Error explainConnectFailure(const QString &text, const RegistryLocation &location)
{
    const QString where = location.display();
    // libpq's text for each cause (fe-connect.c, fe-secure-openssl.c), most specific first. pg_hba.conf is checked
    // before the password and the database, so a refused entry is not a wrong password.
    if (text.contains(QLatin1String("no pg_hba.conf entry")))
        return Error{Error::Kind::Auth,
                     QStringLiteral("The server at %1 does not accept this user, database and connection type: %2. "
                                    "Ask its administrator to allow it in pg_hba.conf.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("password authentication failed")) ||
        text.contains(QLatin1String("no password supplied")) || text.contains(QLatin1String("authentication failed")) ||
        (text.contains(QLatin1String("role \"")) && text.contains(QLatin1String("does not exist"))))
        return Error{Error::Kind::Auth,
                     QStringLiteral("Authentication to %1 failed: %2. Check the user name and the password in "
                                    "~/.pgpass, PGPASSWORD or your service file.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("database \"")) && text.contains(QLatin1String("does not exist")))
        return Error::notFound(QStringLiteral("The server at %1 has no such database: %2. Create it (createdb) "
                                              "and run `modelctl init`.")
                                   .arg(where, text));
    // target_session_attrs=read-write (or primary) found only standbys: the servers are up, none is the primary.
    if (text.contains(QLatin1String("session is read-only")) ||
        text.contains(QLatin1String("server is in hot standby mode")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("No server of %1 accepts writes now: %2 answered as a read-only standby "
                                    "(a failover may be under way). Nothing was changed; try again when a "
                                    "primary is up, or give the primary's URL.")
                         .arg(where, location.host.contains(QLatin1Char(',')) ? QStringLiteral("every one that")
                                                                              : QStringLiteral("it")),
                     {}};
    if (text.contains(QLatin1String("server is not in hot standby mode")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("No server of %1 is a standby (target_session_attrs=standby); use "
                                    "prefer-standby to read from the primary when there is none.")
                         .arg(where),
                     {}};
    if (text.contains(QLatin1String("server does not support SSL")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("The server at %1 does not offer TLS, but the URL requires it (sslmode): %2. "
                                    "Enable ssl on the server, or use sslmode=prefer.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("root certificate file")) ||
        text.contains(QLatin1String("certificate verify failed")) ||
        text.contains(QLatin1String("does not match host name")) || text.contains(QLatin1String("SSL error")) ||
        text.contains(QLatin1String("SSL SYSCALL error")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("The TLS connection to %1 failed: %2. Check sslrootcert (the CA that signed the "
                                    "server's certificate, default ~/.postgresql/root.crt) and that the host name "
                                    "matches the certificate.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("could not translate host name")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("Cannot reach the PostgreSQL server at %1: %2. The host name is unknown; check "
                                    "its spelling.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("Connection refused")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("Cannot reach the PostgreSQL server at %1: %2. Nothing listens on that host and "
                                    "port; check the port, and that the server is running.")
                         .arg(where, text),
                     {}};
    if (text.contains(QLatin1String("timeout expired")))
        return Error{Error::Kind::Connection,
                     QStringLiteral("Cannot reach the PostgreSQL server at %1: %2. It did not answer within the "
                                    "connect timeout; check the host, and that a firewall lets the port through.")
                         .arg(where, text),
                     {}};
    return Error{Error::Kind::Connection,
                 QStringLiteral("Cannot reach the PostgreSQL server at %1: %2. Check the host and port, and that the "
                                "server is running.")
                     .arg(where, text),
                 {}};
}

} // namespace md
