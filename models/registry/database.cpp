#include "database.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSqlDriver>
#include <QSqlError>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>

#include <atomic>

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
    text += host.isEmpty() ? QStringLiteral("localhost") : host;
    if (port > 0)
        text += QLatin1Char(':') + QString::number(port);
    text += QLatin1Char('/') + database;
    return text;
}

Result<RegistryLocation> parseRegistryUrl(const QString &url)
{
    const QString trimmed = url.trimmed();
    if (trimmed.isEmpty())
        return Error::invalid(QStringLiteral("The registry URL is empty. Give a file path, sqlite:///path or "
                                             "postgresql://user@host:port/dbname."));
    RegistryLocation loc;
    if (trimmed.startsWith(QLatin1String("postgresql://")) || trimmed.startsWith(QLatin1String("postgres://"))) {
        const QUrl u(trimmed, QUrl::StrictMode);
        if (!u.isValid())
            return Error::invalid(
                QStringLiteral("The PostgreSQL URL '%1' is malformed: %2").arg(trimmed, u.errorString()));
        if (!u.password().isEmpty())
            return Error::invalid(
                QStringLiteral("The registry URL contains a password. ModelDesk never stores passwords: "
                               "remove it from the URL and put it in ~/.pgpass, a service file "
                               "(PGSERVICE) or PGPASSWORD."));
        loc.dialect = Dialect::Postgres;
        loc.host = u.host();
        loc.port = u.port(-1);
        loc.user = u.userName();
        loc.database = u.path().mid(1);
        if (loc.database.contains(QLatin1Char('/')))
            return Error::invalid(
                QStringLiteral("The PostgreSQL URL '%1' has a path with more than a database name.").arg(trimmed));
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
    m_preparedWrites.clear();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen()) {
            if (m_inTransaction)
                db.rollback();
            db.close();
        }
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
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=15000"));
    if (!db.open())
        return errorFrom(db.lastError(), QStringLiteral("Cannot open %1").arg(path));
    // A file that is not a SQLite database opens fine; the first read tells.
    QSqlQuery probe(db);
    if (!probe.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
        const QString text = probe.lastError().databaseText();
        if (text.contains(QLatin1String("not a database")) || text.contains(QLatin1String("malformed")))
            return Error{Error::Kind::NotARegistry,
                         QStringLiteral("%1 is not a SQLite database (%2). Choose a ModelDesk registry file, or a new "
                                        "file name to create one.")
                             .arg(path, text),
                         {}};
        return errorFrom(probe.lastError(), QStringLiteral("Cannot read %1").arg(path));
    }
    probe.finish(); // an unfinished statement keeps a read transaction open, and WAL cannot be switched on then
    for (const QString &pragma :
         {QStringLiteral("PRAGMA foreign_keys = ON"), QStringLiteral("PRAGMA journal_mode = WAL"),
          QStringLiteral("PRAGMA synchronous = NORMAL")}) {
        QSqlQuery q(db);
        if (!q.exec(pragma))
            return errorFrom(q.lastError(), QStringLiteral("Cannot configure %1").arg(path));
    }
    return {};
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
    db.setConnectOptions(m_location.options);
    if (!db.open()) {
        const QString text =
            stripPgPrefix(db.lastError().databaseText() + QLatin1Char(' ') + db.lastError().driverText());
        const QString where = m_location.display();
        if (text.contains(QLatin1String("password authentication failed")) ||
            text.contains(QLatin1String("no password supplied")) ||
            text.contains(QLatin1String("authentication failed")) ||
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
        return Error{
            Error::Kind::Connection,
            QStringLiteral("Cannot reach the PostgreSQL server at %1: %2. Check the host and port, and that the "
                           "server is running.")
                .arg(where, text),
            {}};
    }
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SET client_min_messages = warning")))
        return errorFrom(q.lastError(), QStringLiteral("Cannot configure the session"));
    if (!q.exec(QStringLiteral("SELECT session_user::text")) || !q.next())
        return errorFrom(q.lastError(), QStringLiteral("Cannot read the session user"));
    m_sessionUser = q.value(0).toString();
    return {};
}

Error Database::errorFrom(const QSqlError &error, const QString &context) const
{
    Error e;
    e.code = error.nativeErrorCode();
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    if (m_location.dialect == Dialect::Postgres)
        text = stripPgPrefix(text);
    e.message = context.isEmpty() ? text : context + QStringLiteral(": ") + text;

    const bool lost = text.contains(QLatin1String("server closed the connection")) ||
                      text.contains(QLatin1String("no connection to the server")) ||
                      text.contains(QLatin1String("terminating connection")) ||
                      text.contains(QLatin1String("connection to server")) ||
                      text.contains(QLatin1String("could not receive data")) ||
                      text.contains(QLatin1String("could not send data"));
    if (lost) {
        e.kind = Error::Kind::Connection;
        e.message = QStringLiteral("The connection to %1 was lost (%2). Nothing was changed by this action; "
                                   "reconnect and try again.")
                        .arg(m_location.display(), text);
    } else if (e.code == QLatin1String("42501") || text.contains(QLatin1String("permission denied"))) {
        e.kind = Error::Kind::Permission;
    } else if (text.contains(QLatin1String("modeldesk:")) ||
               (m_location.dialect == Dialect::Postgres && e.code.startsWith(QLatin1String("23"))) ||
               (m_location.dialect == Dialect::Sqlite && e.code.toInt() % 256 == 19)) {
        e.kind = Error::Kind::Conflict;
    } else if (text.contains(QLatin1String("read-only")) || text.contains(QLatin1String("readonly")) ||
               text.contains(QLatin1String("read only"))) {
        e.kind = Error::Kind::NewerSchema;
    } else {
        e.kind = Error::Kind::Database;
    }
    return e;
}

bool Database::isRetryable(const Error &error)
{
    const QString &c = error.code;
    if (c == QLatin1String("40001") || c == QLatin1String("40P01") || c == QLatin1String("55P03"))
        return true;
    // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), possibly extended. SQLSTATEs always have five
    // characters; SQLite's (extended) result codes have at most four digits.
    bool isNumber = false;
    const int code = c.toInt(&isNumber);
    if (isNumber && c.size() < 5 && (code % 256 == 5 || code % 256 == 6))
        return true;
    return error.message.contains(QLatin1String("database is locked"));
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

bool isCacheableWrite(const QString &sql)
{
    return (sql.startsWith(QLatin1String("INSERT")) || sql.startsWith(QLatin1String("UPDATE")) ||
            sql.startsWith(QLatin1String("DELETE"))) &&
           !sql.contains(QLatin1String("RETURNING"));
}
} // namespace

Result<QSqlQuery> Database::exec(const QString &sql, const QVariantList &binds)
{
    ++m_statements;
    if (binds.isEmpty()) {
        QSqlQuery q(database());
        q.setForwardOnly(true);
        if (!q.exec(sql))
            return errorFrom(q.lastError(), {});
        return q;
    }
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return errorFrom(q.lastError(), {});
    for (const QVariant &v : binds)
        q.addBindValue(bindable(v));
    if (!q.exec())
        return errorFrom(q.lastError(), {});
    return q;
}

Result<int> Database::execWrite(const QString &sql, const QVariantList &binds)
{
    ++m_statements;
    Q_ASSERT(isCacheableWrite(sql));
    auto it = m_preparedWrites.find(sql);
    if (it == m_preparedWrites.end()) {
        if (m_preparedWrites.size() >= 256)
            m_preparedWrites.clear();
        auto q = std::make_shared<QSqlQuery>(database());
        q->setForwardOnly(true);
        if (!q->prepare(sql))
            return errorFrom(q->lastError(), {});
        it = m_preparedWrites.insert(sql, q);
    }
    QSqlQuery &q = **it;
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, bindable(binds.at(i)));
    if (!q.exec()) {
        const Error e = errorFrom(q.lastError(), {});
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

Status Database::beginWrite()
{
    if (m_location.dialect == Dialect::Sqlite) {
        if (auto q = exec(QStringLiteral("BEGIN IMMEDIATE")); !q)
            return q.error();
        m_inTransaction = true;
        return {};
    }
    if (auto q = exec(QStringLiteral("BEGIN")); !q)
        return q.error();
    m_inTransaction = true;
    if (auto q = exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kWriteLockKey)); !q) {
        rollback();
        return q.error();
    }
    return {};
}

Status Database::beginRead()
{
    if (auto q = exec(QStringLiteral("BEGIN")); !q)
        return q.error();
    m_inTransaction = true;
    return {};
}

Status Database::commit()
{
    auto q = exec(QStringLiteral("COMMIT"));
    if (!q)
        return q.error();
    m_inTransaction = false;
    return {};
}

void Database::rollback()
{
    QSqlQuery q(database());
    q.exec(QStringLiteral("ROLLBACK"));
    m_inTransaction = false;
}

void Database::setReadOnly()
{
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

} // namespace md
