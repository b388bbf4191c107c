#include "mlflow.h"

#include "location.h"
#include "policy.h"
#include "validation.h"

#include <QAtomicInt>
#include <QDateTime>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTimer>
#include <QUrlQuery>

#include <cmath>

namespace md::mlflow {

namespace {

QString isoOf(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// MLflow names against --models: * and ? anywhere (names may hold '/'); no pattern matches every name.
class NameFilter
{
public:
    explicit NameFilter(const QString &glob)
        : m_all(glob.isEmpty()),
          m_re(QRegularExpression::anchoredPattern(
              QRegularExpression::wildcardToRegularExpression(glob, QRegularExpression::UnanchoredWildcardConversion)))
    {
    }
    bool operator()(const QString &name) const { return m_all || m_re.match(name).hasMatch(); }

private:
    bool m_all;
    QRegularExpression m_re;
};

// ---- the database (MLflow's SQLAlchemy schema, as its migrations leave it) ----

QAtomicInt g_connections;

class DatabaseSource : public Source
{
public:
    DatabaseSource(QString display, QSqlDatabase db, QString workspace)
        : m_display(std::move(display)), m_db(std::move(db)), m_workspace(std::move(workspace))
    {
    }
    ~DatabaseSource() override
    {
        const QString name = m_db.connectionName();
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }

    QString describe() const override { return QStringLiteral("the MLflow database %1").arg(m_display); }

    Status detect()
    {
        const QStringList tables = m_db.tables();
        QStringList missing;
        for (const char *t : {"alembic_version", "registered_models", "model_versions", "registered_model_tags",
                              "model_version_tags", "runs", "latest_metrics", "params", "tags"})
            if (!tables.contains(QLatin1String(t)))
                missing << QLatin1String(t);
        if (!missing.isEmpty())
            return Error{Error::Kind::NotARegistry,
                         QStringLiteral("%1 is not an MLflow database: it has no %2 table%3. Give the database an "
                                        "MLflow tracking server uses (its --backend-store-uri), or the server's "
                                        "http:// URL.")
                             .arg(m_display, missing.join(QStringLiteral(", ")),
                                  missing.size() > 1 ? QStringLiteral("s") : QString()),
                         {}};
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("SELECT version_num FROM alembic_version")) || !q.next())
            return Error::database(
                QStringLiteral("%1 has no MLflow schema version (alembic_version is empty).").arg(m_display));
        m_schema = q.value(0).toString();
        m_hasAliases = tables.contains(QLatin1String("registered_model_aliases"));
        m_hasDatasets = tables.contains(QLatin1String("datasets")) && tables.contains(QLatin1String("inputs"));
        m_hasWorkspace = m_db.record(QStringLiteral("model_versions")).contains(QStringLiteral("workspace"));
        return {};
    }

    Result<QList<Model>> models(const QString &glob) override
    {
        const NameFilter wanted(glob);
        // A workspace-aware MLflow has a workspace column; each table is asked (not every table may have it).
        auto where = [this](const char *table) {
            return m_hasWorkspace && m_db.record(QLatin1String(table)).contains(QStringLiteral("workspace"))
                       ? QStringLiteral(" WHERE workspace = :ws")
                       : QString();
        };
        QMap<QString, Model> byName;
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        auto run = [&](const QString &sql) -> Status {
            q.prepare(sql);
            if (sql.contains(QLatin1String(":ws")))
                q.bindValue(QStringLiteral(":ws"), m_workspace.isEmpty() ? QStringLiteral("default") : m_workspace);
            if (!q.exec())
                return Error::database(QStringLiteral("Cannot read %1: %2").arg(describe(), q.lastError().text()));
            return {};
        };
        if (auto s = run(QStringLiteral("SELECT name, creation_time, description FROM registered_models") +
                         where("registered_models"));
            !s)
            return s.error();
        while (q.next()) {
            const QString name = q.value(0).toString();
            if (!wanted(name))
                continue;
            Model &m = byName[name];
            m.name = name;
            m.createdMs = q.value(1).toLongLong();
            m.description = q.value(2).toString();
        }
        if (auto s = run(QStringLiteral("SELECT name, key, value FROM registered_model_tags") +
                         where("registered_model_tags"));
            !s)
            return s.error();
        while (q.next())
            if (auto it = byName.find(q.value(0).toString()); it != byName.end())
                it->tags.insert(q.value(1).toString(), q.value(2).toString());
        if (m_hasAliases) {
            if (auto s = run(QStringLiteral("SELECT name, alias, version FROM registered_model_aliases") +
                             where("registered_model_aliases"));
                !s)
                return s.error();
            while (q.next())
                if (auto it = byName.find(q.value(0).toString()); it != byName.end())
                    it->aliases.insert(q.value(1).toString(), q.value(2).toInt());
        }
        QHash<QString, QHash<int, qsizetype>> index;
        if (auto s = run(QStringLiteral("SELECT name, version, creation_time, last_updated_time, user_id, "
                                        "current_stage, description, source, run_id, status FROM model_versions") +
                         where("model_versions") + QStringLiteral(" ORDER BY name, version"));
            !s)
            return s.error();
        while (q.next()) {
            auto it = byName.find(q.value(0).toString());
            if (it == byName.end())
                continue;
            Version v;
            v.number = q.value(1).toInt();
            v.createdMs = q.value(2).toLongLong();
            v.updatedMs = q.value(3).toLongLong();
            v.userId = q.value(4).toString();
            v.stage = q.value(5).toString();
            v.description = q.value(6).toString();
            v.source = q.value(7).toString();
            v.runId = q.value(8).toString();
            v.status = q.value(9).toString();
            index[it->name].insert(v.number, it->versions.size());
            it->versions << v;
        }
        if (auto s = run(QStringLiteral("SELECT name, version, key, value FROM model_version_tags") +
                         where("model_version_tags"));
            !s)
            return s.error();
        while (q.next()) {
            auto it = byName.find(q.value(0).toString());
            if (it == byName.end())
                continue;
            const qsizetype at = index.value(it->name).value(q.value(1).toInt(), -1);
            if (at >= 0)
                it->versions[at].tags.insert(q.value(2).toString(), q.value(3).toString());
        }
        return byName.values();
    }

    // The runs of every registered version, read in one pass per table (MLflow's tables are keyed by (key, run)
    // and need not have an index by run: a query per run would scan them once per version).
    Result<Run> run(const QString &runId) override
    {
        if (runId.isEmpty())
            return Run{};
        if (!m_runsLoaded)
            if (auto s = loadRuns(); !s)
                return s.error();
        return m_runs.value(runId);
    }

private:
    Status loadRuns()
    {
        const QString needed =
            QStringLiteral("(SELECT run_id FROM model_versions WHERE run_id IS NOT NULL AND run_id <> '')");
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        auto read = [&](const QString &sql) -> Status {
            if (!q.exec(sql))
                return Error::database(
                    QStringLiteral("Cannot read the runs from %1: %2").arg(describe(), q.lastError().text()));
            return {};
        };
        if (auto s = read(QStringLiteral("SELECT run_uuid FROM runs WHERE run_uuid IN ") + needed); !s)
            return s;
        while (q.next())
            m_runs[q.value(0).toString()].found = true;
        if (auto s = read(QStringLiteral("SELECT run_uuid, key, value, is_nan FROM latest_metrics WHERE run_uuid IN ") +
                          needed);
            !s)
            return s;
        while (q.next()) {
            Run &r = m_runs[q.value(0).toString()];
            const double value = q.value(2).toDouble();
            if (q.value(3).toBool() || !std::isfinite(value))
                r.nanMetrics << q.value(1).toString();
            else
                r.metrics.insert(q.value(1).toString(), value);
        }
        if (auto s = read(QStringLiteral("SELECT run_uuid, key, value FROM params WHERE run_uuid IN ") + needed); !s)
            return s;
        while (q.next())
            m_runs[q.value(0).toString()].params.insert(q.value(1).toString(), q.value(2).toString());
        if (auto s = read(QStringLiteral("SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ") + needed); !s)
            return s;
        while (q.next())
            m_runs[q.value(0).toString()].tags.insert(q.value(1).toString(), q.value(2).toString());
        if (m_hasDatasets) {
            if (auto s = read(QStringLiteral("SELECT i.destination_id, d.name, d.digest, d.dataset_source FROM inputs "
                                             "i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.source_type = "
                                             "'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ") +
                              needed + QStringLiteral(" ORDER BY d.name"));
                !s)
                return s;
            while (q.next())
                m_runs[q.value(0).toString()].datasets
                    << Dataset{q.value(1).toString(), q.value(2).toString(), q.value(3).toString()};
        }
        for (auto it = m_runs.begin(); it != m_runs.end();)
            it = it->found ? std::next(it) : m_runs.erase(it); // rows of a run that is gone
        m_runsLoaded = true;
        return {};
    }

    QString m_display;
    QSqlDatabase m_db;
    QString m_workspace;
    QString m_schema;
    bool m_hasAliases = false;
    bool m_hasDatasets = false;
    bool m_hasWorkspace = false;
    bool m_runsLoaded = false;
    QHash<QString, Run> m_runs;
};

Result<std::unique_ptr<Source>> openDatabase(const QString &from, const SourceOptions &options)
{
    auto loc = parseRegistryUrl(from);
    if (!loc)
        return loc.error();
    const QString name = QStringLiteral("mlflow-%1").arg(g_connections.fetchAndAddRelaxed(1));
    QSqlDatabase db;
    if (loc->dialect == Dialect::Sqlite) {
        if (!QFileInfo::exists(loc->sqlitePath))
            return Error::notFound(QStringLiteral("There is no MLflow database at %1.").arg(loc->sqlitePath));
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(loc->sqlitePath);
        // Read-only: an import never changes the MLflow side.
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=15000"));
    } else {
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(loc->host);
        if (loc->port > 0)
            db.setPort(loc->port);
        db.setUserName(loc->user);
        db.setDatabaseName(loc->database);
        db.setConnectOptions(QStringLiteral("connect_timeout=10;options='-c default_transaction_read_only=on'"));
    }
    if (!db.open()) {
        const QString text = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return Error::database(QStringLiteral("Cannot open the MLflow database %1: %2").arg(loc->display(), text));
    }
    auto source = std::make_unique<DatabaseSource>(loc->display(), db, options.workspace);
    db = QSqlDatabase(); // the source holds the only handle, so that it can remove the connection
    if (auto s = source->detect(); !s)
        return s.error();
    return std::unique_ptr<Source>(std::move(source));
}

// ---- the tracking server (REST API 2.0) ----

class RestSource : public Source
{
public:
    RestSource(QUrl base, SourceOptions options) : m_base(std::move(base)), m_options(std::move(options))
    {
        const QString token = qEnvironmentVariable(
            m_options.tokenEnv.isEmpty() ? "MLFLOW_TRACKING_TOKEN" : m_options.tokenEnv.toLocal8Bit().constData());
        if (!token.isEmpty()) {
            m_auth = "Bearer " + token.toUtf8();
        } else if (qEnvironmentVariableIsSet("MLFLOW_TRACKING_USERNAME")) {
            m_auth = "Basic " + (qEnvironmentVariable("MLFLOW_TRACKING_USERNAME") + QLatin1Char(':') +
                                 qEnvironmentVariable("MLFLOW_TRACKING_PASSWORD"))
                                    .toUtf8()
                                    .toBase64();
        }
    }

    QString describe() const override
    {
        return QStringLiteral("the MLflow server %1").arg(m_base.toString(QUrl::RemoveUserInfo));
    }

    Result<QList<Model>> models(const QString &glob) override
    {
        const NameFilter wanted(glob);
        QList<Model> list;
        QString token;
        do { // registered-models/search, page by page
            QUrlQuery query{{QStringLiteral("max_results"), QStringLiteral("100")}};
            if (!token.isEmpty())
                query.addQueryItem(QStringLiteral("page_token"), token);
            auto page = get(QStringLiteral("registered-models/search"), query);
            if (!page)
                return page.error();
            for (const QJsonValue &m : page->value(QLatin1String("registered_models")).toArray()) {
                const QJsonObject o = m.toObject();
                Model model;
                model.name = o.value(QLatin1String("name")).toString();
                if (!wanted(model.name))
                    continue;
                model.description = o.value(QLatin1String("description")).toString();
                model.createdMs = integer(o.value(QLatin1String("creation_timestamp")));
                for (const QJsonValue &t : o.value(QLatin1String("tags")).toArray())
                    model.tags.insert(t[QLatin1String("key")].toString(), t[QLatin1String("value")].toString());
                for (const QJsonValue &a : o.value(QLatin1String("aliases")).toArray())
                    model.aliases.insert(a[QLatin1String("alias")].toString(),
                                         int(integer(a[QLatin1String("version")])));
                list << model;
            }
            token = page->value(QLatin1String("next_page_token")).toString();
        } while (!token.isEmpty());
        for (Model &model : list) {
            QString vtoken;
            do {
                QString quoted = model.name;
                quoted.replace(QLatin1Char('\''), QStringLiteral("\\'"));
                QUrlQuery query{{QStringLiteral("filter"), QStringLiteral("name='%1'").arg(quoted)},
                                {QStringLiteral("max_results"), QStringLiteral("200")}};
                if (!vtoken.isEmpty())
                    query.addQueryItem(QStringLiteral("page_token"), vtoken);
                auto page = get(QStringLiteral("model-versions/search"), query);
                if (!page)
                    return page.error();
                for (const QJsonValue &value : page->value(QLatin1String("model_versions")).toArray()) {
                    const QJsonObject o = value.toObject();
                    Version v;
                    v.number = int(integer(o.value(QLatin1String("version"))));
                    v.createdMs = integer(o.value(QLatin1String("creation_timestamp")));
                    v.updatedMs = integer(o.value(QLatin1String("last_updated_timestamp")));
                    v.userId = o.value(QLatin1String("user_id")).toString();
                    v.stage = o.value(QLatin1String("current_stage")).toString(QStringLiteral("None"));
                    v.description = o.value(QLatin1String("description")).toString();
                    v.source = o.value(QLatin1String("source")).toString();
                    v.runId = o.value(QLatin1String("run_id")).toString();
                    v.status = o.value(QLatin1String("status")).toString(QStringLiteral("READY"));
                    for (const QJsonValue &t : o.value(QLatin1String("tags")).toArray())
                        v.tags.insert(t[QLatin1String("key")].toString(), t[QLatin1String("value")].toString());
                    model.versions << v;
                }
                vtoken = page->value(QLatin1String("next_page_token")).toString();
            } while (!vtoken.isEmpty());
            std::sort(model.versions.begin(), model.versions.end(),
                      [](const Version &a, const Version &b) { return a.number < b.number; });
        }
        std::sort(list.begin(), list.end(), [](const Model &a, const Model &b) { return a.name < b.name; });
        return list;
    }

    Result<Run> run(const QString &runId) override
    {
        Run r;
        if (runId.isEmpty())
            return r;
        int status = 0;
        auto answer = get(QStringLiteral("runs/get"), QUrlQuery{{QStringLiteral("run_id"), runId}}, &status);
        if (!answer && status == 404)
            return r; // a deleted run (MLflow says RESOURCE_DOES_NOT_EXIST)
        if (!answer)
            return answer.error();
        const QJsonObject run = answer->value(QLatin1String("run")).toObject();
        r.found = !run.isEmpty();
        const QJsonObject data = run.value(QLatin1String("data")).toObject();
        for (const QJsonValue &m : data.value(QLatin1String("metrics")).toArray()) {
            const QJsonValue value = m[QLatin1String("value")];
            // Protobuf's JSON writes NaN and the infinities as strings.
            const double v = value.isString() ? value.toString().toDouble() : value.toDouble();
            if (value.isString() || !std::isfinite(v))
                r.nanMetrics << m[QLatin1String("key")].toString();
            else
                r.metrics.insert(m[QLatin1String("key")].toString(), v);
        }
        for (const QJsonValue &p : data.value(QLatin1String("params")).toArray())
            r.params.insert(p[QLatin1String("key")].toString(), p[QLatin1String("value")].toString());
        for (const QJsonValue &t : data.value(QLatin1String("tags")).toArray())
            r.tags.insert(t[QLatin1String("key")].toString(), t[QLatin1String("value")].toString());
        for (const QJsonValue &i :
             run.value(QLatin1String("inputs")).toObject().value(QLatin1String("dataset_inputs")).toArray()) {
            const QJsonObject d = i[QLatin1String("dataset")].toObject();
            r.datasets << Dataset{d.value(QLatin1String("name")).toString(),
                                  d.value(QLatin1String("digest")).toString(),
                                  d.value(QLatin1String("source")).toString()};
        }
        return r;
    }

private:
    // MLflow writes int64 fields as numbers, and versions as strings.
    static qint64 integer(const QJsonValue &v)
    {
        return v.isString() ? v.toString().toLongLong() : qint64(v.toDouble());
    }

    Result<QJsonObject> get(const QString &endpoint, const QUrlQuery &query, int *statusOut = nullptr)
    {
        QUrl url = m_base;
        url.setPath(m_base.path().chopped(m_base.path().endsWith(QLatin1Char('/')) ? 1 : 0) +
                    QStringLiteral("/api/2.0/mlflow/") + endpoint);
        url.setQuery(query);
        QNetworkRequest request(url);
        request.setRawHeader("Accept", "application/json");
        request.setRawHeader("User-Agent", "modeldesk-import");
        if (!m_auth.isEmpty())
            request.setRawHeader("Authorization", m_auth);
        if (!m_options.workspace.isEmpty())
            request.setRawHeader("X-MLFLOW-WORKSPACE", m_options.workspace.toUtf8());
        request.setTransferTimeout(m_options.timeoutMs);
        QNetworkReply *reply = m_network.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (statusOut)
            *statusOut = status;
        const QByteArray body = reply->readAll();
        const QString where = QStringLiteral("GET %1").arg(url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery));
        if (status == 401 || status == 403)
            return Error{Error::Kind::Permission,
                         QStringLiteral("%1 refused the credentials (HTTP %2 on %3). Put a token in a variable and "
                                        "name it with --token-env VAR (or set MLFLOW_TRACKING_TOKEN, or "
                                        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD).")
                             .arg(describe())
                             .arg(status)
                             .arg(where),
                         {}};
        if (reply->error() != QNetworkReply::NoError && status == 0)
            return Error::database(QStringLiteral("Cannot reach %1: %2 (%3). Check the URL and that the server "
                                                  "runs.")
                                       .arg(describe(), reply->errorString(), where));
        QJsonParseError parse;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &parse);
        if (status < 200 || status >= 300) {
            const QString message = doc.object().value(QLatin1String("message")).toString();
            return Error::database(QStringLiteral("%1 answered HTTP %2 to %3%4")
                                       .arg(describe())
                                       .arg(status)
                                       .arg(where, message.isEmpty() ? QStringLiteral(".")
                                                                     : QStringLiteral(": %1").arg(message.left(300))));
        }
        if (!doc.isObject())
            return Error::database(
                QStringLiteral("%1 answered %2 with something that is not MLflow's JSON (%3 at "
                               "byte %4). Is the URL an MLflow tracking server?")
                    .arg(describe(), where, doc.isNull() ? parse.errorString() : QStringLiteral("not an object"))
                    .arg(parse.offset));
        return doc.object();
    }

    QUrl m_base;
    SourceOptions m_options;
    QByteArray m_auth;
    QNetworkAccessManager m_network;
};

} // namespace

Result<std::unique_ptr<Source>> openSource(const QString &from, const SourceOptions &options)
{
    const QString text = from.trimmed();
    if (text.startsWith(QLatin1String("http://")) || text.startsWith(QLatin1String("https://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return Error::invalid(
                QStringLiteral("'%1' is not an MLflow server URL: write e.g. http://mlflow:5000.").arg(text.left(200)));
        return std::unique_ptr<Source>(std::make_unique<RestSource>(url, options));
    }
    if (text.startsWith(QLatin1String("sqlite:")) || text.startsWith(QLatin1String("postgresql:")) ||
        text.startsWith(QLatin1String("postgres:")) || text.startsWith(QLatin1Char('/')))
        return openDatabase(text.startsWith(QLatin1String("sqlite:")) && !text.startsWith(QLatin1String("sqlite:///"))
                                ? QStringLiteral("sqlite:///") + text.mid(7)
                                : text,
                            options);
    return Error::invalid(QStringLiteral("--from '%1' is neither an MLflow server (http://host:5000) nor an MLflow "
                                         "database (sqlite:///mlflow.db, postgresql://user@host/db).")
                              .arg(text.left(200)));
}

Result<QString> modelNameFor(const QString &mlflowName, const QString &ns)
{
    QString name = mlflowName.trimmed().toLower();
    // CamelCase words are separate words: "FraudDetector" -> "fraud-detector".
    static const QRegularExpression camel(QStringLiteral("([a-z0-9])([A-Z])"));
    name = QString(mlflowName.trimmed()).replace(camel, QStringLiteral("\\1-\\2")).toLower();
    static const QRegularExpression separators(QStringLiteral("[^a-z0-9]+"));
    name.replace(separators, QStringLiteral("-"));
    while (name.startsWith(QLatin1Char('-')))
        name.remove(0, 1);
    while (name.endsWith(QLatin1Char('-')))
        name.chop(1);
    if (name.isEmpty())
        return Error::invalid(QStringLiteral("The MLflow model '%1' has no letters or digits to make a ModelDesk name "
                                             "of.")
                                  .arg(mlflowName.left(200)));
    if (name.at(0).isDigit())
        name.prepend(QStringLiteral("model-"));
    if (!ns.isEmpty())
        name = ns + QLatin1Char('/') + name;
    if (auto v = validateModelName(name); !v)
        return Error::invalid(QStringLiteral("The MLflow model '%1' maps to '%2', which is not a valid ModelDesk "
                                             "name: %3")
                                  .arg(mlflowName.left(200), name.left(200), v.error().message));
    return name;
}

namespace {

std::optional<Stage> stageOf(const QString &mlflowStage)
{
    Stage s;
    if (parseStage(mlflowStage, &s))
        return s;
    return std::nullopt;
}

// What the MLflow version becomes, or the reason it is skipped.
struct Mapped
{
    VersionSpec spec;
    QStringList dropped; // metadata not imported, and why
};

Result<Mapped> mapVersion(Source &source, const QString &modelName, const Model &model, const Version &v)
{
    Mapped m;
    VersionSpec &spec = m.spec;
    spec.modelName = modelName;
    spec.artifactUri = v.source;
    spec.sourceRun = v.runId;
    spec.description = v.description;
    const QString where = QStringLiteral("version %1").arg(v.number);
    auto fact = [&](const QString &category, const QString &name, const QString &value) {
        if (value.isEmpty())
            return;
        Fact f{category, name, value};
        if (auto s = validateFact(f); !s) {
            m.dropped
                << QStringLiteral("%1: fact %2.%3 not imported (%4)").arg(where, category, name, s.error().message);
            return;
        }
        spec.facts << f;
    };
    fact(QStringLiteral("training"), QStringLiteral("mlflow_registered_by"), v.userId);
    fact(QStringLiteral("training"), QStringLiteral("mlflow_created_at"), isoOf(v.createdMs));
    auto run = source.run(v.runId);
    if (!run)
        return run.error();
    for (auto it = run->metrics.begin(); it != run->metrics.end(); ++it)
        spec.metrics << Metric{it.key(), {}, {}, it.value()};
    for (const QString &key : std::as_const(run->nanMetrics))
        m.dropped << QStringLiteral("%1: metric %2 is NaN in MLflow").arg(where, key);
    for (auto it = run->params.begin(); it != run->params.end(); ++it)
        spec.params.insert(it.key(), it.value());
    // Run tags MLflow itself writes become provenance; the rest stay tags.
    const QMap<QString, std::pair<QString, QString>> known{
        {QStringLiteral("mlflow.source.git.commit"), {QStringLiteral("code"), QStringLiteral("git_sha")}},
        {QStringLiteral("mlflow.source.name"), {QStringLiteral("code"), QStringLiteral("source_name")}},
        {QStringLiteral("mlflow.source.branch"), {QStringLiteral("code"), QStringLiteral("branch")}},
        {QStringLiteral("mlflow.source.type"), {QStringLiteral("code"), QStringLiteral("source_type")}},
        {QStringLiteral("mlflow.user"), {QStringLiteral("training"), QStringLiteral("user")}},
        {QStringLiteral("mlflow.runName"), {QStringLiteral("training"), QStringLiteral("run_name")}}};
    QMap<QString, QString> tags;
    for (auto it = run->tags.begin(); it != run->tags.end(); ++it) {
        if (auto k = known.find(it.key()); k != known.end())
            fact(k->first, k->second, it.value());
        else if (it.key() != QLatin1String("mlflow.log-model.history")) // MLflow's bookkeeping, not metadata
            tags.insert(it.key(), it.value());
    }
    for (auto it = v.tags.begin(); it != v.tags.end(); ++it)
        tags.insert(it.key(), it.value()); // the version's own tags win over its run's
    for (auto it = tags.begin(); it != tags.end(); ++it)
        spec.tags.insert(it.key(), it.value());
    spec.tags.insert(QStringLiteral("mlflow.name"), model.name);
    spec.tags.insert(QStringLiteral("mlflow.version"), QString::number(v.number));
    for (const Dataset &d : std::as_const(run->datasets))
        spec.inputs << LineageInput{LineageKind::DatasetVersion, d.name,
                                    d.digest.isEmpty() ? QStringLiteral("unknown") : d.digest};
    // Each piece the registry would refuse (a value over its length limit, a key with spaces) is dropped with the
    // registry's own reason, not the whole version: each is tried alone in a spec that is otherwise valid.
    const auto dropRefused = [&](auto &items, const QString &what, auto nameOf, auto put) {
        items.removeIf([&](const auto &item) {
            VersionSpec probe;
            probe.modelName = modelName;
            probe.artifactUri = QStringLiteral("s3://probe/x");
            put(probe, item);
            const auto valid = validateVersionSpec(probe);
            if (!valid)
                m.dropped << QStringLiteral("%1: %2 %3 not imported (%4)")
                                 .arg(where, what, nameOf(item).left(80), valid.error().message);
            return !valid;
        });
    };
    dropRefused(
        spec.metrics, QStringLiteral("metric"), [](const Metric &x) { return x.name; },
        [](VersionSpec &p, const Metric &x) { p.metrics << x; });
    dropRefused(
        spec.params, QStringLiteral("param"), [](auto it) { return it.key(); },
        [](VersionSpec &p, auto it) { p.params.insert(it.key(), it.value()); });
    dropRefused(
        spec.tags, QStringLiteral("tag"), [](auto it) { return it.key(); },
        [](VersionSpec &p, auto it) { p.tags.insert(it.key(), it.value()); });
    dropRefused(
        spec.inputs, QStringLiteral("dataset input"), [](const LineageInput &x) { return x.name; },
        [](VersionSpec &p, const LineageInput &x) { p.inputs << x; });
    if (auto s = validateVersionSpec(spec); !s)
        return s.error();
    return m;
}

// Why an MLflow version is not imported at all, or "".
QString skipReason(const Version &v)
{
    if (v.stage == QLatin1String("Deleted_Internal"))
        return QStringLiteral("soft-deleted in MLflow (Deleted_Internal)");
    if (v.status == QLatin1String("FAILED_REGISTRATION"))
        return QStringLiteral("its registration failed in MLflow (FAILED_REGISTRATION)");
    if (v.status == QLatin1String("PENDING_REGISTRATION"))
        return QStringLiteral("its registration is still pending in MLflow");
    if (v.source.isEmpty())
        return QStringLiteral("it has no source (artifact location) in MLflow");
    if (!stageOf(v.stage))
        return QStringLiteral("its stage '%1' is not one ModelDesk knows").arg(v.stage.left(40));
    return {};
}

} // namespace

Result<ImportReport> importRegistry(Registry &registry, Source &source, const ImportOptions &options)
{
    if (!options.ns.isEmpty())
        if (auto v = validateModelName(options.ns + QStringLiteral("/x")); !v)
            return Error::invalid(
                QStringLiteral("The namespace '%1' is not valid: %2").arg(options.ns, v.error().message));
    ImportReport report;
    report.source = source.describe();
    report.dryRun = options.dryRun;
    auto models = source.models(options.glob);
    if (!models)
        return models.error();
    int total = 0;
    for (const Model &m : std::as_const(*models))
        total += int(m.versions.size());
    int done = 0;
    QHash<QString, QString> taken; // ModelDesk name -> the MLflow name that maps to it
    for (const Model &model : std::as_const(*models)) {
        if (options.cancel && options.cancel->load()) {
            report.cancelled = true;
            break;
        }
        ModelPlan plan;
        plan.mlflowName = model.name;
        auto finish = [&] {
            done += int(model.versions.size());
            if (options.progress)
                options.progress(model.name, done, total);
            if (!plan.error.isEmpty())
                ++report.modelsFailed;
            report.models << plan;
        };
        if (model.tags.value(QStringLiteral("mlflow.prompt.is_prompt")) == QLatin1String("true")) {
            plan.skipped << QStringLiteral("a prompt (mlflow.prompt.is_prompt), not a model");
            report.versionsSkipped += int(model.versions.size());
            finish();
            continue;
        }
        auto name = modelNameFor(model.name, options.ns);
        if (!name) {
            plan.error = name.error().message;
            finish();
            continue;
        }
        plan.name = *name;
        if (taken.contains(*name)) {
            plan.error = QStringLiteral("'%1' and '%2' both map to '%3'; import one of them with --models or into "
                                        "another --namespace")
                             .arg(taken.value(*name), model.name, *name);
            finish();
            continue;
        }
        taken.insert(*name, model.name);
        // What is there already: the versions imported before, by MLflow number.
        QHash<int, std::pair<int, Stage>> existing; // MLflow number -> (ModelDesk number, stage)
        auto current = registry.model(*name);
        if (current) {
            if (current->tags.value(QStringLiteral("mlflow.name")) != model.name) {
                plan.error = QStringLiteral("ModelDesk already has a model '%1' that was not imported from MLflow's "
                                            "'%2': import into another --namespace")
                                 .arg(*name, model.name);
                finish();
                continue;
            }
            auto versions = registry.versions(*name);
            if (!versions)
                return versions.error();
            for (const ModelVersion &v : std::as_const(*versions))
                if (bool ok = false; v.tags.contains(QStringLiteral("mlflow.version"))) {
                    const int number = v.tags.value(QStringLiteral("mlflow.version")).toInt(&ok);
                    if (ok)
                        existing.insert(number, {v.version, v.stage});
                }
        } else if (current.error().kind != Error::Kind::NotFound) {
            return current.error();
        }
        plan.newModel = !current;
        // The plan, read entirely before anything is written.
        struct NewVersion
        {
            int mlflowNumber;
            Stage stage;
            QString since;
            VersionSpec spec;
        };
        QList<NewVersion> fresh;
        struct StageChange
        {
            int number;
            Stage from;
            Stage to;
            QString since;
        };
        QList<StageChange> changes;
        int nextNumber = current ? current->latestVersion + 1 : 1;
        QHash<int, int> numberOf; // MLflow number -> ModelDesk number (existing and planned)
        for (auto it = existing.begin(); it != existing.end(); ++it)
            numberOf.insert(it.key(), it->first);
        for (const Version &v : std::as_const(model.versions)) {
            if (const QString why = skipReason(v); !why.isEmpty()) {
                plan.skipped << QStringLiteral("version %1: %2").arg(v.number).arg(why);
                ++report.versionsSkipped;
                continue;
            }
            const Stage stage = *stageOf(v.stage);
            const QString since = isoOf(v.updatedMs ? v.updatedMs : v.createdMs);
            if (auto it = existing.find(v.number); it != existing.end()) {
                if (it->second != stage) {
                    changes << StageChange{it->first, it->second, stage, since};
                    plan.stageChanges
                        << QStringLiteral("v%1: %2 -> %3").arg(it->first).arg(stageName(it->second), stageName(stage));
                }
                continue;
            }
            auto mapped = mapVersion(source, *name, model, v);
            if (!mapped) {
                if (mapped.error().kind != Error::Kind::Invalid)
                    return mapped.error(); // the source failed: stop, nothing of this model was written
                plan.skipped << QStringLiteral("version %1: %2").arg(v.number).arg(mapped.error().message);
                ++report.versionsSkipped;
                continue;
            }
            plan.skipped << mapped->dropped;
            numberOf.insert(v.number, nextNumber);
            plan.newVersions << QStringLiteral("v%1 (MLflow %2, %3)").arg(nextNumber).arg(v.number).arg(v.stage);
            ++nextNumber;
            fresh << NewVersion{v.number, stage, since, mapped->spec};
        }
        QMap<QString, int> aliases; // alias -> ModelDesk number
        for (auto it = model.aliases.begin(); it != model.aliases.end(); ++it) {
            const QString alias = it.key().toLower();
            if (!numberOf.contains(it.value())) {
                plan.skipped
                    << QStringLiteral("alias %1: its version %2 is not imported").arg(it.key()).arg(it.value());
                continue;
            }
            aliases.insert(alias, numberOf.value(it.value()));
        }
        QList<Alias> currentAliases;
        if (current) {
            auto list = registry.aliases(*name);
            if (!list)
                return list.error();
            currentAliases = *list;
        }
        for (auto it = aliases.begin(); it != aliases.end();) {
            bool same = false;
            for (const Alias &a : std::as_const(currentAliases))
                same = same || (a.alias == it.key() && a.version == it.value() && !a.followsProduction);
            if (same) {
                it = aliases.erase(it);
            } else {
                plan.aliasChanges << QStringLiteral("%1 -> v%2").arg(it.key()).arg(it.value());
                ++it;
            }
        }
        if (options.dryRun)
            report.versionsNew += int(fresh.size());
        if (options.dryRun || (fresh.isEmpty() && changes.isEmpty() && aliases.isEmpty() && current)) {
            finish();
            continue;
        }
        // One transaction per model: all of it, or none of it (the report says why).
        int production = 0;
        for (const NewVersion &n : std::as_const(fresh))
            production += n.stage == Stage::Production;
        QStringList outcomes;
        const Status written = registry.atomically([&]() -> Status {
            int registered = 0;
            for (const NewVersion &n : std::as_const(fresh)) {
                auto r = registry.registerVersion(n.spec);
                if (!r)
                    return r.error();
                if (options.progress)
                    options.progress(model.name, done + ++registered, total);
            }
            if (plan.newModel) {
                if (!model.description.isEmpty())
                    if (auto s = registry.describeModel(*name, model.description.left(kMaxDescriptionLength)); !s)
                        return s;
                QMap<QString, QString> tags{{QStringLiteral("mlflow.name"), model.name}};
                for (auto it = model.tags.begin(); it != model.tags.end(); ++it)
                    if (it.value().size() <= kMaxValueLength)
                        tags.insert(it.key(), it.value());
                if (auto s = registry.setModelTags(*name, tags, {}); !s)
                    return s;
            }
            auto info = registry.model(*name);
            if (!info)
                return info.error();
            const int wanted = int(info->productionVersions.size()) + production;
            if (wanted > info->maxProduction)
                if (auto s = registry.setMaxProduction(*name, wanted); !s)
                    return s;
            for (const NewVersion &n : std::as_const(fresh))
                if (n.stage != Stage::None)
                    if (auto t = registry.importStage(*name, numberOf.value(n.mlflowNumber), n.stage,
                                                      QStringLiteral("imported from %1: %2 there since %3")
                                                          .arg(report.source, stageName(n.stage), n.since));
                        !t)
                        return t.error();
            // A stage MLflow changed since the last import is an ordinary change here, with its rules.
            for (const StageChange &c : std::as_const(changes)) {
                const QString why = QStringLiteral("MLflow moved it to %1 at %2").arg(stageName(c.to), c.since);
                if (c.to == Stage::Production) {
                    if (c.from == Stage::None)
                        if (auto t = registry.promote(*name, c.number, Stage::Staging, why); !t)
                            return t.error();
                    auto q = registry.requestPromotion(*name, c.number, Stage::Production, why);
                    if (!q)
                        return q.error();
                    outcomes
                        << QStringLiteral("v%1: request #%2 for Production awaits approval").arg(c.number).arg(q->id);
                    continue;
                }
                Result<TransitionOutcome> t =
                    c.to == Stage::Staging && c.from == Stage::None
                        ? registry.promote(*name, c.number, Stage::Staging, why)
                    : c.to == Stage::None && c.from == Stage::Staging ? registry.demote(*name, c.number, why)
                    : c.to == Stage::Archived
                        ? registry.archive(*name, c.number, why)
                        : Result<TransitionOutcome>(Error::conflict(QStringLiteral("v%1 cannot move from %2 "
                                                                                   "to %3 here")
                                                                        .arg(c.number)
                                                                        .arg(stageName(c.from), stageName(c.to))));
                if (!t)
                    return t.error();
            }
            for (auto it = aliases.begin(); it != aliases.end(); ++it)
                if (auto s = registry.setAlias(*name, it.key(), it.value(), false); !s)
                    return s;
            return {};
        });
        if (!written) {
            plan.error = written.error().message;
        } else {
            plan.imported = true;
            report.versionsNew += int(fresh.size());
            plan.stageChanges << outcomes;
        }
        finish();
    }
    return report;
}

} // namespace md::mlflow
