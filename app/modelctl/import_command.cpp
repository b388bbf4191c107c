// modelctl import mlflow: a whole MLflow registry, from its tracking server or its database.

#include "cli.h"
#include "registry/mlflow.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>
#include <unistd.h>

namespace md::cli {

namespace {

void setupImport(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("SOURCE"), QStringLiteral("mlflow (the only source so far)."));
    p.addOption({QStringLiteral("from"),
                 QStringLiteral("The MLflow tracking server (http://host:5000) or its database (sqlite:///mlflow.db, "
                                "postgresql://user@host:port/db)."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("token-env"),
                 QStringLiteral("REST: the environment variable holding a bearer token (default "
                                "MLFLOW_TRACKING_TOKEN; else MLFLOW_TRACKING_USERNAME/PASSWORD for basic auth)."),
                 QStringLiteral("VAR")});
    p.addOption({QStringLiteral("workspace"), QStringLiteral("The MLflow workspace (X-MLFLOW-WORKSPACE)."),
                 QStringLiteral("NAME")});
    p.addOption({QStringLiteral("namespace"), QStringLiteral("Import the models into this namespace (NS/model)."),
                 QStringLiteral("NS")});
    p.addOption({QStringLiteral("models"),
                 QStringLiteral("Only MLflow models whose names match this pattern (* and ?)."),
                 QStringLiteral("GLOB")});
    p.addOption(
        {QStringLiteral("dry-run"), QStringLiteral("Print what would be imported and skipped; write nothing.")});
}

QJsonArray strings(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

int runImport(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos != QStringList{QStringLiteral("mlflow")} || !ctx.args.isSet(QStringLiteral("from")))
        return ctx.usage(QStringLiteral("import takes the source and where it is: modelctl import mlflow --from URL "
                                        "[--namespace NS] [--models GLOB] [--dry-run]"));
    mlflow::SourceOptions sourceOptions;
    sourceOptions.tokenEnv = ctx.args.value(QStringLiteral("token-env"));
    sourceOptions.workspace = ctx.args.value(QStringLiteral("workspace"));
    auto source = mlflow::openSource(ctx.args.value(QStringLiteral("from")), sourceOptions);
    if (!source)
        return ctx.fail(source.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    mlflow::ImportOptions options;
    options.ns = ctx.args.value(QStringLiteral("namespace"));
    options.glob = ctx.args.value(QStringLiteral("models"));
    options.dryRun = ctx.args.isSet(QStringLiteral("dry-run"));
    const bool tty = isatty(fileno(stderr)) != 0;
    int lastPercent = -1;
    options.progress = [&](const QString &model, int done, int total) {
        const int percent = total > 0 ? done * 100 / total : 100;
        if (ctx.json) {
            if (percent != lastPercent)
                ctx.err << QJsonDocument(
                               QJsonObject{{QStringLiteral("progress"), QJsonObject{{QStringLiteral("model"), model},
                                                                                    {QStringLiteral("done"), done},
                                                                                    {QStringLiteral("total"), total}}}})
                               .toJson(QJsonDocument::Compact)
                        << Qt::endl;
        } else if (tty) {
            const int filled = percent * 30 / 100;
            ctx.err << "\r[" << QString(filled, QLatin1Char('#')) << QString(30 - filled, QLatin1Char('.')) << "] "
                    << done << "/" << total << " versions " << model.left(30) << "\x1b[K" << Qt::flush;
        } else if (percent / 10 != lastPercent / 10) {
            ctx.err << "import: " << done << "/" << total << " versions (" << percent << "%)" << Qt::endl;
        }
        lastPercent = percent;
    };
    QElapsedTimer timer;
    timer.start();
    auto report = mlflow::importRegistry(**r, **source, options);
    if (tty && !ctx.json && lastPercent >= 0)
        ctx.err << Qt::endl;
    if (!report)
        return ctx.fail(report.error());
    const qint64 ms = timer.elapsed();
    if (ctx.json) {
        QJsonArray models;
        for (const mlflow::ModelPlan &m : std::as_const(report->models))
            models.append(QJsonObject{{QStringLiteral("mlflow_name"), m.mlflowName},
                                      {QStringLiteral("name"), m.name},
                                      {QStringLiteral("new_model"), m.newModel},
                                      {QStringLiteral("new_versions"), strings(m.newVersions)},
                                      {QStringLiteral("stage_changes"), strings(m.stageChanges)},
                                      {QStringLiteral("alias_changes"), strings(m.aliasChanges)},
                                      {QStringLiteral("skipped"), strings(m.skipped)},
                                      {QStringLiteral("imported"), m.imported},
                                      {QStringLiteral("error"), m.error.isEmpty() ? QJsonValue() : m.error}});
        ctx.printJson({{QStringLiteral("source"), report->source},
                       {QStringLiteral("dry_run"), report->dryRun},
                       {QStringLiteral("cancelled"), report->cancelled},
                       {QStringLiteral("versions_new"), report->versionsNew},
                       {QStringLiteral("versions_skipped"), report->versionsSkipped},
                       {QStringLiteral("models_failed"), report->modelsFailed},
                       {QStringLiteral("seconds"), double(ms) / 1000.0},
                       {QStringLiteral("models"), models}});
    } else {
        ctx.out << (report->dryRun ? "Plan (dry run, nothing written) for " : "Imported from ") << report->source << ":"
                << Qt::endl;
        QList<QStringList> rows;
        for (const mlflow::ModelPlan &m : std::as_const(report->models))
            rows << QStringList{m.mlflowName,
                                m.name.isEmpty() ? QStringLiteral("-") : m.name,
                                QString::number(m.newVersions.size()),
                                QString::number(m.stageChanges.size()),
                                QString::number(m.aliasChanges.size()),
                                QString::number(m.skipped.size()),
                                !m.error.isEmpty()                         ? QStringLiteral("FAILED")
                                : m.name.isEmpty() && !m.skipped.isEmpty() ? QStringLiteral("skipped")
                                : m.imported                               ? QStringLiteral("imported")
                                : report->dryRun                           ? QStringLiteral("planned")
                                                                           : QStringLiteral("up to date")};
        printTable(ctx.out,
                   {QStringLiteral("MLFLOW MODEL"), QStringLiteral("MODELDESK"), QStringLiteral("NEW"),
                    QStringLiteral("STAGES"), QStringLiteral("ALIASES"), QStringLiteral("SKIPPED"),
                    QStringLiteral("RESULT")},
                   rows);
        for (const mlflow::ModelPlan &m : std::as_const(report->models)) {
            for (const QString &c : m.stageChanges)
                ctx.out << "  " << m.mlflowName << ": " << c << Qt::endl;
            for (const QString &s : m.skipped)
                ctx.out << "  " << m.mlflowName << ": skipped " << s << Qt::endl;
            if (!m.error.isEmpty())
                ctx.err << "modelctl: " << m.mlflowName << " was not imported (nothing of it was written): " << m.error
                        << Qt::endl;
        }
        ctx.out << (report->dryRun ? "Would import " : "Imported ") << report->versionsNew << " version(s); skipped "
                << report->versionsSkipped << "; " << report->modelsFailed << " model(s) failed"
                << (report->cancelled ? "; cancelled" : "") << " (" << ms << " ms)." << Qt::endl;
    }
    return report->modelsFailed > 0 ? ExitConflict : ExitOk;
}

} // namespace

QList<Command> importCommands()
{
    return {{QStringLiteral("import"), QStringLiteral("Import a whole MLflow registry (server or database)."),
             setupImport, runImport}};
}

} // namespace md::cli
