#include "mlflowfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

namespace md::test {

QString execAll(QSqlDatabase &db, const QStringList &statements)
{
    for (const QString &sql : statements) {
        QSqlQuery q(db);
        if (!q.exec(sql))
            return sql.left(200) + QStringLiteral(": ") + q.lastError().text();
    }
    return {};
}

namespace {

// The tables of MLflow's SQLAlchemy store that a registry import reads, as MLflow's migrations leave them.
const QStringList kSchema{
    QStringLiteral("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"),
    QStringLiteral("CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(256) NOT NULL "
                   "UNIQUE, artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, "
                   "last_update_time BIGINT)"),
    QStringLiteral("CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(250), source_type "
                   "VARCHAR(20), source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status "
                   "VARCHAR(9), start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage "
                   "VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER REFERENCES experiments "
                   "(experiment_id), deleted_time BIGINT)"),
    QStringLiteral("CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, "
                   "run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid), step BIGINT DEFAULT 0 NOT NULL, is_nan "
                   "BOOLEAN DEFAULT FALSE NOT NULL, PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan))"),
    QStringLiteral("CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, "
                   "step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL REFERENCES runs "
                   "(run_uuid), PRIMARY KEY (key, run_uuid))"),
    QStringLiteral("CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid "
                   "VARCHAR(32) NOT NULL REFERENCES runs (run_uuid), PRIMARY KEY (key, run_uuid))"),
    QStringLiteral("CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL "
                   "REFERENCES runs (run_uuid), PRIMARY KEY (key, run_uuid))"),
    QStringLiteral("CREATE TABLE datasets (dataset_uuid VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL "
                   "REFERENCES experiments (experiment_id), name VARCHAR(500) NOT NULL, digest VARCHAR(36) NOT NULL, "
                   "dataset_source_type VARCHAR(36) NOT NULL, dataset_source TEXT NOT NULL, dataset_schema TEXT, "
                   "dataset_profile TEXT, PRIMARY KEY (experiment_id, name, digest))"),
    QStringLiteral("CREATE TABLE inputs (input_uuid VARCHAR(36) NOT NULL, source_type VARCHAR(36) NOT NULL, source_id "
                   "VARCHAR(36) NOT NULL, destination_type VARCHAR(36) NOT NULL, destination_id VARCHAR(36) NOT NULL, "
                   "PRIMARY KEY (source_type, source_id, destination_type, destination_id))"),
    QStringLiteral("CREATE TABLE registered_models (name VARCHAR(256) NOT NULL PRIMARY KEY, creation_time BIGINT, "
                   "last_updated_time BIGINT, description VARCHAR(5000))"),
    QStringLiteral("CREATE TABLE registered_model_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), name "
                   "VARCHAR(256) NOT NULL REFERENCES registered_models (name), PRIMARY KEY (key, name))"),
    QStringLiteral("CREATE TABLE registered_model_aliases (alias VARCHAR(256) NOT NULL, version INTEGER NOT NULL, "
                   "name VARCHAR(256) NOT NULL REFERENCES registered_models (name), PRIMARY KEY (name, alias))"),
    QStringLiteral("CREATE TABLE model_versions (name VARCHAR(256) NOT NULL REFERENCES registered_models (name), "
                   "version INTEGER NOT NULL, creation_time BIGINT, last_updated_time BIGINT, description "
                   "VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20), source VARCHAR(500), run_id "
                   "VARCHAR(32), status VARCHAR(20), status_message VARCHAR(500), run_link VARCHAR(500), "
                   "storage_location VARCHAR(500), PRIMARY KEY (name, version))"),
    QStringLiteral("CREATE TABLE model_version_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), name VARCHAR(256) "
                   "NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (key, name, version))"),
    QStringLiteral("INSERT INTO alembic_version VALUES ('1b5f0d9ad7c1')"),
};

QString version(const QString &name, int number, qint64 created, const QString &stage, const QString &source,
                const QString &run, const QString &status, const QString &user)
{
    return QStringLiteral("INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
                          "user_id, current_stage, source, run_id, status) VALUES ('%1', %2, %3, %4, 'v%2 of %1', "
                          "'%5', '%6', '%7', %8, '%9')")
        .arg(name)
        .arg(number)
        .arg(created)
        .arg(created + 3600000)
        .arg(user, stage, source, run.isEmpty() ? QStringLiteral("NULL") : QStringLiteral("'%1'").arg(run), status);
}

} // namespace

QString createMlflowFixture(QSqlDatabase &db)
{
    const qint64 t0 = 1767225600000; // 2026-01-01T00:00:00Z
    QStringList sql = kSchema;
    sql << QStringLiteral("INSERT INTO experiments VALUES (1, 'fraud', 's3://mlflow/1', 'active', %1, %1)").arg(t0)
        << QStringLiteral("INSERT INTO experiments VALUES (2, 'ranking', 's3://mlflow/2', 'active', %1, %1)").arg(t0);
    const QStringList runs{QStringLiteral("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
                           QStringLiteral("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
                           QStringLiteral("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3")};
    for (int i = 0; i < 3; ++i)
        sql << QStringLiteral("INSERT INTO runs VALUES ('%1', 'run-%2', 'LOCAL', 'train.py', 'main', 'alice', "
                              "'FINISHED', %3, %4, 'abc', 'active', 's3://mlflow/%5/%1/artifacts', %5, NULL)")
                   .arg(runs[i])
                   .arg(i + 1)
                   .arg(t0 + i * 86400000)
                   .arg(t0 + i * 86400000 + 600000)
                   .arg(i < 2 ? 1 : 2);
    // Metric history: auc rises; val_loss ends NaN; f1 has two rows at the same timestamp (the later step wins, as
    // latest_metrics records).
    sql << QStringLiteral("INSERT INTO metrics VALUES ('auc', 0.80, %1, '%2', 0, FALSE)").arg(t0).arg(runs[0])
        << QStringLiteral("INSERT INTO metrics VALUES ('auc', 0.85, %1, '%2', 1, FALSE)").arg(t0 + 60000).arg(runs[0])
        << QStringLiteral("INSERT INTO metrics VALUES ('val_loss', 0.4, %1, '%2', 0, FALSE)").arg(t0).arg(runs[0])
        << QStringLiteral("INSERT INTO metrics VALUES ('val_loss', 0, %1, '%2', 1, TRUE)").arg(t0 + 60000).arg(runs[0])
        << QStringLiteral("INSERT INTO metrics VALUES ('f1', 0.70, %1, '%2', 0, FALSE)").arg(t0).arg(runs[0])
        << QStringLiteral("INSERT INTO metrics VALUES ('f1', 0.72, %1, '%2', 1, FALSE)").arg(t0).arg(runs[0])
        << QStringLiteral("INSERT INTO latest_metrics VALUES ('auc', 0.85, %1, 1, FALSE, '%2')")
               .arg(t0 + 60000)
               .arg(runs[0])
        << QStringLiteral("INSERT INTO latest_metrics VALUES ('val_loss', 0, %1, 1, TRUE, '%2')")
               .arg(t0 + 60000)
               .arg(runs[0])
        << QStringLiteral("INSERT INTO latest_metrics VALUES ('f1', 0.72, %1, 1, FALSE, '%2')").arg(t0).arg(runs[0])
        << QStringLiteral("INSERT INTO latest_metrics VALUES ('auc', 0.88, %1, 3, FALSE, '%2')").arg(t0).arg(runs[1])
        << QStringLiteral("INSERT INTO latest_metrics VALUES ('ndcg', 0.61, %1, 0, FALSE, '%2')").arg(t0).arg(runs[2]);
    sql << QStringLiteral("INSERT INTO params VALUES ('learning_rate', '0.1', '%1')").arg(runs[0])
        << QStringLiteral("INSERT INTO params VALUES ('max_depth', '6', '%1')").arg(runs[0])
        << QStringLiteral("INSERT INTO params VALUES ('learning_rate', '0.05', '%1')").arg(runs[1])
        << QStringLiteral("INSERT INTO tags VALUES ('mlflow.source.git.commit', "
                          "'0123456789abcdef0123456789abcdef01234567', '%1')")
               .arg(runs[0])
        << QStringLiteral("INSERT INTO tags VALUES ('mlflow.source.name', 'train.py', '%1')").arg(runs[0])
        << QStringLiteral("INSERT INTO tags VALUES ('mlflow.user', 'alice', '%1')").arg(runs[0])
        << QStringLiteral("INSERT INTO tags VALUES ('team', 'payments', '%1')").arg(runs[0])
        << QStringLiteral("INSERT INTO tags VALUES ('notes', '%1', '%2')").arg(QString(5200, QLatin1Char('n')), runs[0])
        << QStringLiteral("INSERT INTO tags VALUES ('mlflow.source.git.commit', "
                          "'89abcdef0123456789abcdef0123456789abcdef', '%1')")
               .arg(runs[1])
        << QStringLiteral("INSERT INTO datasets VALUES ('d-1', 1, 'clicks', 'd41d8cd9', 'code', "
                          "'{\"uri\": \"s3://data/clicks\"}', NULL, NULL)")
        << QStringLiteral("INSERT INTO inputs VALUES ('i-1', 'DATASET', 'd-1', 'RUN', '%1')").arg(runs[1]);
    sql << QStringLiteral("INSERT INTO registered_models VALUES ('Fraud Detector', %1, %1, 'Card fraud scoring')")
               .arg(t0)
        << QStringLiteral("INSERT INTO registered_models VALUES ('ranker', %1, %1, '')").arg(t0)
        << QStringLiteral("INSERT INTO registered_models VALUES ('support-prompt', %1, %1, '')").arg(t0)
        << QStringLiteral("INSERT INTO registered_model_tags VALUES ('owner', 'risk-team', 'Fraud Detector')")
        << QStringLiteral("INSERT INTO registered_model_tags VALUES ('mlflow.prompt.is_prompt', 'true', "
                          "'support-prompt')")
        << QStringLiteral("INSERT INTO registered_model_aliases VALUES ('champion', 2, 'Fraud Detector')");
    const QString fd = QStringLiteral("Fraud Detector");
    sql << version(fd, 1, t0, QStringLiteral("Archived"),
                   QStringLiteral("s3://mlflow/1/%1/artifacts/model").arg(runs[0]), runs[0], QStringLiteral("READY"),
                   QStringLiteral("alice"))
        << version(fd, 2, t0 + 86400000, QStringLiteral("Production"), QStringLiteral("runs:/%1/model").arg(runs[1]),
                   runs[1], QStringLiteral("READY"), QStringLiteral("bob"))
        << version(fd, 3, t0 + 2 * 86400000, QStringLiteral("Staging"),
                   QStringLiteral("s3://mlflow/1/%1/artifacts/model").arg(runs[1]), runs[1], QStringLiteral("READY"),
                   QStringLiteral("bob"))
        << version(fd, 4, t0 + 3 * 86400000, QStringLiteral("None"), QStringLiteral("models:/m-0f1e2d3c"), QString(),
                   QStringLiteral("READY"), QStringLiteral("carol"))
        << version(fd, 5, t0 + 4 * 86400000, QStringLiteral("Deleted_Internal"), QStringLiteral("REDACTED"), runs[1],
                   QStringLiteral("READY"), QStringLiteral("bob"))
        << version(fd, 6, t0 + 5 * 86400000, QStringLiteral("None"), QStringLiteral("s3://mlflow/broken"), QString(),
                   QStringLiteral("FAILED_REGISTRATION"), QStringLiteral("bob"))
        << version(QStringLiteral("ranker"), 1, t0, QStringLiteral("Production"),
                   QStringLiteral("s3://mlflow/2/%1/artifacts/model").arg(runs[2]), runs[2], QStringLiteral("READY"),
                   QStringLiteral("dana"))
        << version(QStringLiteral("support-prompt"), 1, t0, QStringLiteral("None"), QStringLiteral("prompts:/x/1"),
                   QString(), QStringLiteral("READY"), QStringLiteral("erin"))
        << QStringLiteral("INSERT INTO model_version_tags VALUES ('validated', 'true', 'Fraud Detector', 2)");
    return execAll(db, sql);
}

QString createMlflowFixtureFile(const QString &connectionName, const QString &path, int bulkModels, int bulkVersions,
                                int bulkMetrics)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db.setDatabaseName(path);
    if (!db.open())
        return db.lastError().text();
    if (const QString e = createMlflowFixture(db); !e.isEmpty())
        return e;
    return bulkModels > 0 ? addMlflowBulk(db, bulkModels, bulkVersions, bulkMetrics) : QString();
}

QString addMlflowBulk(QSqlDatabase &db, int count, int versions, int metrics)
{
    if (!db.transaction())
        return db.lastError().text();
    QSqlQuery run(db), metric(db), model(db), version(db);
    run.prepare(QStringLiteral("INSERT INTO runs VALUES (?, 'bulk', 'LOCAL', 'train.py', 'main', 'bulk', 'FINISHED', "
                               "1767225600000, 1767225700000, 'abc', 'active', 's3://bulk', 1, NULL)"));
    metric.prepare(QStringLiteral("INSERT INTO latest_metrics VALUES (?, ?, 1767225600000, 0, FALSE, ?)"));
    model.prepare(QStringLiteral("INSERT INTO registered_models VALUES (?, 1767225600000, 1767225600000, '')"));
    version.prepare(QStringLiteral("INSERT INTO model_versions (name, version, creation_time, last_updated_time, "
                                   "user_id, current_stage, source, run_id, status) VALUES (?, ?, 1767225600000, "
                                   "1767225600000, 'bulk', 'None', ?, ?, 'READY')"));
    for (int m = 0; m < count; ++m) {
        const QString name = QStringLiteral("bulk-model-%1").arg(m);
        model.addBindValue(name);
        if (!model.exec())
            return model.lastError().text();
        for (int v = 1; v <= versions; ++v) {
            const QString id = QStringLiteral("%1%2").arg(m, 16, 10, QLatin1Char('0')).arg(v, 16, 10, QLatin1Char('0'));
            run.addBindValue(id);
            if (!run.exec())
                return run.lastError().text();
            for (int k = 0; k < metrics; ++k) {
                metric.addBindValue(QStringLiteral("metric_%1").arg(k));
                metric.addBindValue(0.5 + k / 100.0);
                metric.addBindValue(id);
                if (!metric.exec())
                    return metric.lastError().text();
            }
            version.addBindValue(name);
            version.addBindValue(v);
            version.addBindValue(QStringLiteral("s3://bulk/%1/%2").arg(m).arg(v));
            version.addBindValue(id);
            if (!version.exec())
                return version.lastError().text();
        }
    }
    return db.commit() ? QString() : db.lastError().text();
}

namespace {

QJsonArray keyValues(QSqlDatabase &db, const QString &sql, const QVariantList &binds)
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant &b : binds)
        q.addBindValue(b);
    q.exec();
    QJsonArray list;
    while (q.next())
        list.append(QJsonObject{{QStringLiteral("key"), q.value(0).toString()},
                                {QStringLiteral("value"), q.value(1).toString()}});
    return list;
}

void putIfSet(QJsonObject &o, const QString &key, const QString &value)
{
    if (!value.isEmpty()) // MLflow omits empty fields
        o.insert(key, value);
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

void serveMlflow(HttpReceiver &server, const QString &connectionName, int pageSize)
{
    server.setResponder([connectionName, pageSize](const ReceivedRequest &request, int) -> ScriptedResponse {
        QSqlDatabase db = QSqlDatabase::database(connectionName);
        const QUrl url(QString::fromUtf8(request.path));
        const QUrlQuery query(url);
        const QString path = url.path();
        const int offset = query.queryItemValue(QStringLiteral("page_token")).toInt();
        ScriptedResponse r;
        r.headers << qMakePair(QByteArray("Content-Type"), QByteArray("application/json"));
        if (path.endsWith(QLatin1String("/registered-models/search"))) {
            QSqlQuery q(db);
            q.exec(QStringLiteral("SELECT name, creation_time, last_updated_time, description FROM registered_models "
                                  "ORDER BY name LIMIT %1 OFFSET %2")
                       .arg(pageSize + 1)
                       .arg(offset));
            QJsonArray models;
            int n = 0;
            bool more = false;
            while (q.next()) {
                if (++n > pageSize) {
                    more = true;
                    break;
                }
                const QString name = q.value(0).toString();
                QJsonObject m{{QStringLiteral("name"), name},
                              {QStringLiteral("creation_timestamp"), q.value(1).toLongLong()},
                              {QStringLiteral("last_updated_timestamp"), q.value(2).toLongLong()}};
                putIfSet(m, QStringLiteral("description"), q.value(3).toString());
                const QJsonArray tags = keyValues(
                    db, QStringLiteral("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key"),
                    {name});
                if (!tags.isEmpty())
                    m.insert(QStringLiteral("tags"), tags);
                QSqlQuery a(db);
                a.prepare(QStringLiteral("SELECT alias, version FROM registered_model_aliases WHERE name = ?"));
                a.addBindValue(name);
                a.exec();
                QJsonArray aliases;
                while (a.next())
                    aliases.append(QJsonObject{{QStringLiteral("alias"), a.value(0).toString()},
                                               {QStringLiteral("version"), a.value(1).toString()}});
                if (!aliases.isEmpty())
                    m.insert(QStringLiteral("aliases"), aliases);
                models.append(m);
            }
            QJsonObject body{{QStringLiteral("registered_models"), models}};
            if (more)
                body.insert(QStringLiteral("next_page_token"), QString::number(offset + pageSize));
            r.body = json(body);
        } else if (path.endsWith(QLatin1String("/model-versions/search"))) {
            QString name = query.queryItemValue(QStringLiteral("filter"), QUrl::FullyDecoded);
            name = name.mid(6, name.size() - 7).replace(QStringLiteral("\\'"), QStringLiteral("'")); // name='...'
            const int size = pageSize + 1;
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT version, creation_time, last_updated_time, user_id, current_stage, "
                                     "description, source, run_id, status FROM model_versions WHERE name = ? ORDER BY "
                                     "version DESC LIMIT %1 OFFSET %2")
                          .arg(size + 1)
                          .arg(offset));
            q.addBindValue(name);
            q.exec();
            QJsonArray versions;
            int n = 0;
            bool more = false;
            while (q.next()) {
                if (++n > size) {
                    more = true;
                    break;
                }
                QJsonObject v{{QStringLiteral("name"), name},
                              {QStringLiteral("version"), q.value(0).toString()},
                              {QStringLiteral("creation_timestamp"), q.value(1).toLongLong()},
                              {QStringLiteral("last_updated_timestamp"), q.value(2).toLongLong()}};
                putIfSet(v, QStringLiteral("user_id"), q.value(3).toString());
                putIfSet(v, QStringLiteral("current_stage"), q.value(4).toString());
                putIfSet(v, QStringLiteral("description"), q.value(5).toString());
                putIfSet(v, QStringLiteral("source"), q.value(6).toString());
                putIfSet(v, QStringLiteral("run_id"), q.value(7).toString());
                putIfSet(v, QStringLiteral("status"), q.value(8).toString());
                const QJsonArray tags = keyValues(db,
                                                  QStringLiteral("SELECT key, value FROM model_version_tags WHERE name "
                                                                 "= ? AND version = ? ORDER BY key"),
                                                  {name, q.value(0)});
                if (!tags.isEmpty())
                    v.insert(QStringLiteral("tags"), tags);
                versions.append(v);
            }
            QJsonObject body{{QStringLiteral("model_versions"), versions}};
            if (more)
                body.insert(QStringLiteral("next_page_token"), QString::number(offset + size));
            r.body = json(body);
        } else if (path.endsWith(QLatin1String("/runs/get"))) {
            const QString id = query.queryItemValue(QStringLiteral("run_id"));
            QSqlQuery exists(db);
            exists.prepare(QStringLiteral("SELECT count(*) FROM runs WHERE run_uuid = ?"));
            exists.addBindValue(id);
            exists.exec();
            if (!exists.next() || exists.value(0).toInt() == 0) {
                r.status = 404;
                r.body = json({{QStringLiteral("error_code"), QStringLiteral("RESOURCE_DOES_NOT_EXIST")},
                               {QStringLiteral("message"), QStringLiteral("Run '%1' not found").arg(id)}});
                return r;
            }
            QSqlQuery m(db);
            m.prepare(QStringLiteral("SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = "
                                     "? ORDER BY key"));
            m.addBindValue(id);
            m.exec();
            QJsonArray metrics;
            while (m.next())
                metrics.append(
                    QJsonObject{{QStringLiteral("key"), m.value(0).toString()},
                                {QStringLiteral("value"), m.value(4).toBool() ? QJsonValue(QStringLiteral("NaN"))
                                                                              : QJsonValue(m.value(1).toDouble())},
                                {QStringLiteral("timestamp"), m.value(2).toLongLong()},
                                {QStringLiteral("step"), m.value(3).toLongLong()}});
            QJsonObject data{{QStringLiteral("metrics"), metrics},
                             {QStringLiteral("params"),
                              keyValues(db, QStringLiteral("SELECT key, value FROM params WHERE run_uuid = ?"), {id})},
                             {QStringLiteral("tags"),
                              keyValues(db, QStringLiteral("SELECT key, value FROM tags WHERE run_uuid = ?"), {id})}};
            QSqlQuery d(db);
            d.prepare(QStringLiteral("SELECT d.name, d.digest, d.dataset_source_type, d.dataset_source FROM inputs i "
                                     "JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.destination_id = ?"));
            d.addBindValue(id);
            d.exec();
            QJsonArray inputs;
            while (d.next())
                inputs.append(QJsonObject{
                    {QStringLiteral("dataset"), QJsonObject{{QStringLiteral("name"), d.value(0).toString()},
                                                            {QStringLiteral("digest"), d.value(1).toString()},
                                                            {QStringLiteral("source_type"), d.value(2).toString()},
                                                            {QStringLiteral("source"), d.value(3).toString()}}}});
            QJsonObject run{{QStringLiteral("info"), QJsonObject{{QStringLiteral("run_id"), id}}},
                            {QStringLiteral("data"), data}};
            if (!inputs.isEmpty())
                run.insert(QStringLiteral("inputs"), QJsonObject{{QStringLiteral("dataset_inputs"), inputs}});
            r.body = json({{QStringLiteral("run"), run}});
        } else {
            r.status = 404;
            r.body = json({{QStringLiteral("error_code"), QStringLiteral("ENDPOINT_NOT_FOUND")}});
        }
        return r;
    });
}

} // namespace md::test
