#pragma once

// Moving in from MLflow (`modelctl import mlflow`): an MLflow model registry read from its tracking server's REST API
// 2.0 or straight from its database (SQLite or PostgreSQL, through Qt SQL), mapped onto ModelDesk's models and
// versions (README, "Import from MLflow", has the table), and written through the registry's ordinary registration
// and lifecycle paths, one model per transaction. Matched by (MLflow name, version) through the tags mlflow.name and
// mlflow.version, so importing again only adds what is new.

#include "registry.h"
#include "result.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

namespace md::mlflow {

struct Dataset
{
    QString name;
    QString digest;
    QString source;
};

// A run's latest metrics (MLflow's own choice among the history: latest step, then time, then value), params, tags
// and the datasets logged as its inputs.
struct Run
{
    bool found = false;
    QMap<QString, double> metrics;
    QStringList nanMetrics; // latest value NaN: not imported
    QMap<QString, QString> params;
    QMap<QString, QString> tags;
    QList<Dataset> datasets;
};

struct Version
{
    int number = 0;
    qint64 createdMs = 0;
    qint64 updatedMs = 0;
    QString userId;
    QString stage; // None, Staging, Production, Archived, Deleted_Internal
    QString description;
    QString source;
    QString runId;
    QString status; // READY, PENDING_REGISTRATION, FAILED_REGISTRATION
    QMap<QString, QString> tags;
};

struct Model
{
    QString name;
    QString description;
    qint64 createdMs = 0;
    QMap<QString, QString> tags;
    QMap<QString, int> aliases;
    QList<Version> versions; // by number
};

struct SourceOptions
{
    QString tokenEnv;  // a variable holding a bearer token (REST); else MLFLOW_TRACKING_TOKEN, or
                       // MLFLOW_TRACKING_USERNAME/PASSWORD for basic auth
    QString workspace; // X-MLFLOW-WORKSPACE (REST); the workspace column (database)
    int timeoutMs = 30000;
};

// Where the registry is read from.
class Source
{
public:
    virtual ~Source() = default;
    virtual QString describe() const = 0; // "the MLflow server http://...", "the MLflow database ..."
    // The registered models whose names match `glob` (empty: all), with their versions, tags and aliases.
    virtual Result<QList<Model>> models(const QString &glob) = 0;
    // One run; found = false when it does not exist (a version registered from a logged model has none).
    virtual Result<Run> run(const QString &runId) = 0;
};

// http(s)://host:port: the REST API; sqlite:///path or postgresql://...: the database.
Result<std::unique_ptr<Source>> openSource(const QString &from, const SourceOptions &options = {});

// ModelDesk's name for an MLflow model name (lower-case words joined by '-', optionally under `ns/`), or the reason
// there is none.
Result<QString> modelNameFor(const QString &mlflowName, const QString &ns);

struct ImportOptions
{
    QString ns;   // the namespace the models go to ("" = default)
    QString glob; // MLflow model names to import ("" = all)
    bool dryRun = false;
    // Called after each version is read or written (done of total), from the importing thread.
    std::function<void(const QString &model, int done, int total)> progress;
    const std::atomic<bool> *cancel = nullptr; // set: stop after the model being imported (whole models only)
};

struct ModelPlan
{
    QString mlflowName;
    QString name; // ModelDesk's name (empty when the name could not be mapped)
    bool newModel = false;
    QStringList newVersions;  // "v3 (MLflow 3, Production)"
    QStringList stageChanges; // "v2: Staging -> Production (request #4 awaits approval)"
    QStringList aliasChanges; // "champion -> v3"
    QStringList skipped;      // "version 2: soft-deleted in MLflow (Deleted_Internal)"
    QString error;            // the model was not imported, and why
    bool imported = false;    // written (not in a dry run)
};

struct ImportReport
{
    QString source;
    bool dryRun = false;
    bool cancelled = false;
    QList<ModelPlan> models;
    int versionsNew = 0;
    int versionsSkipped = 0;
    int modelsFailed = 0;
};

Result<ImportReport> importRegistry(Registry &registry, Source &source, const ImportOptions &options);

} // namespace md::mlflow
