#pragma once

// An MLflow registry built the way MLflow's own schema lays it out (the tables of its SQLAlchemy store, with an
// alembic_version), on SQLite or PostgreSQL, and an HTTP server on 127.0.0.1 that answers MLflow's REST API 2.0
// from such a database (versions as strings, int64 as numbers, empty fields omitted, paged).

#include "httpreceiver.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace md::test {

// Creates the fixture in `db` (empty):
//  - "Fraud Detector": v1 Archived, v2 Production (alias champion, dataset input clicks), v3 Staging, v4 None
//    registered from a logged model (run_id NULL), v5 soft-deleted (Deleted_Internal, source redacted), v6
//    FAILED_REGISTRATION; its runs have metric history with a NaN latest value and a timestamp tie, params, a git
//    commit, and a tag of 5,200 characters;
//  - "ranker": v1 Production, in a second experiment;
//  - "support-prompt": a prompt (mlflow.prompt.is_prompt = 'true'), to be skipped.
// Returns "" or the failing statement and error.
QString createMlflowFixture(QSqlDatabase &db);

// The fixture in a new SQLite file at `path`, through a connection named `connectionName` that stays open (for
// serveMlflow and for changes a test makes later; QSqlDatabase::removeDatabase closes it), with `bulkModels` x
// `bulkVersions` bulk models of `bulkMetrics` metrics added. Returns "" or what failed.
QString createMlflowFixtureFile(const QString &connectionName, const QString &path, int bulkModels = 0,
                                int bulkVersions = 0, int bulkMetrics = 0);

// Adds `count` models x `versions` versions with `metrics` latest metrics each (benchmarks).
QString addMlflowBulk(QSqlDatabase &db, int count, int versions, int metrics);

// Runs statements; "" or the first failure.
QString execAll(QSqlDatabase &db, const QStringList &statements);

// Answers /api/2.0/mlflow/{registered-models/search, model-versions/search, runs/get} from the database of the named
// connection (pages of `pageSize` models, and of pageSize + 1 versions, so that both page).
void serveMlflow(HttpReceiver &server, const QString &connectionName, int pageSize = 2);

} // namespace md::test
