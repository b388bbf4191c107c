#include "cli.h"

#include "registry/bulkgen.h"
#include "registry/demo.h"
#include "registry/manifest.h"
#include "registry/search.h"
#include "registry/serialize.h"
#include "registry/validation.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSet>

#include <optional>

#include <cstdio>
#include <unistd.h>

namespace md::cli {

namespace {

QCommandLineOption repeated(const QString &name, const QString &valueName, const QString &help)
{
    return QCommandLineOption(name, help, valueName);
}

Result<int> versionNumber(const QString &text)
{
    return parseVersionNumber(text);
}

QString metricSummary(const ModelVersion &v, int max)
{
    QStringList parts;
    for (const Metric &m : v.metrics) {
        if (!m.slice.isEmpty())
            continue;
        parts << QStringLiteral("%1=%2").arg(m.key()).arg(m.value, 0, 'g', 6);
        if (parts.size() == max)
            break;
    }
    return parts.join(QLatin1Char(' '));
}

// ---- init -------------------------------------------------------------------------------------

int runInit(Context &ctx)
{
    auto r = ctx.registry(Registry::Open::CreateIfMissing);
    if (!r)
        return ctx.fail(r.error());
    Registry *reg = *r;
    // A registry init cannot bring up to date (newer schema, read-only file or server) is not "ready".
    if (reg->isReadOnly())
        return ctx.fail(
            Error{reg->hasNewerSchema() ? Error::Kind::NewerSchema : Error::Kind::ReadOnly,
                  QStringLiteral("%1 is not ready for writing: %2").arg(reg->locationDisplay(), reg->readOnlyReason()),
                  {}});
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("registry"), reg->locationDisplay()},
                              {QStringLiteral("schema_version"), reg->schemaVersion()},
                              {QStringLiteral("read_only"), reg->isReadOnly()}});
    ctx.out << "Registry ready at " << reg->locationDisplay() << " (schema version " << reg->schemaVersion() << ")"
            << Qt::endl;
    return ExitOk;
}

// ---- register ---------------------------------------------------------------------------------

void setupRegister(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"),
                            QStringLiteral("Model name, e.g. payments/fraud-detector "
                                           "(may come from the manifest instead)."),
                            QStringLiteral("[NAME]"));
    p.addOption({QStringLiteral("artifact"), QStringLiteral("Artifact URI (s3://..., gs://..., file:///...)."),
                 QStringLiteral("URI")});
    p.addOption({QStringLiteral("digest"), QStringLiteral("Artifact digest: sha256:<64 hex digits>."),
                 QStringLiteral("DIGEST")});
    p.addOption(repeated(
        QStringLiteral("metric"), QStringLiteral("NAME[@DATASET][[SLICE]]=VALUE"),
        QStringLiteral("A metric; repeat for more. E.g. auc=0.847, f1@test=0.79, auc@test[country=DE]=0.81.")));
    p.addOption(repeated(QStringLiteral("param"), QStringLiteral("KEY=VALUE"),
                         QStringLiteral("A training parameter; repeat for more.")));
    p.addOption(repeated(QStringLiteral("fact"), QStringLiteral("CATEGORY.NAME=VALUE"),
                         QStringLiteral("A provenance fact (data.*, code.*, env.*, training.*); repeat for more.")));
    p.addOption(repeated(QStringLiteral("tag"), QStringLiteral("KEY=VALUE"),
                         QStringLiteral("A version tag; repeat for more.")));
    p.addOption(repeated(QStringLiteral("input"), QStringLiteral("KIND:NAME[@VERSION]"),
                         QStringLiteral("A lineage input: source:NAME, dataset:NAME@VERSION, pipeline:NAME@VERSION, "
                                        "commit:SHA, model:NAME@VERSION; repeat for more.")));
    p.addOption({QStringLiteral("manifest"),
                 QStringLiteral("Read the version from a JSON manifest (see README); flags add to it."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("description"), QStringLiteral("Free-text description."), QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("source-run"), QStringLiteral("The training run that produced the artifact."),
                 QStringLiteral("RUN")});
    p.addOption({QStringLiteral("batch"),
                 QStringLiteral("Register many versions: one JSON manifest per line of FILE (- reads standard input). "
                                "Each version is all or nothing; a bad line is reported with its number and the "
                                "others are registered."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("atomic"),
                 QStringLiteral("With --batch: all lines or none (one transaction; the file is read whole first).")});
}

Result<VersionSpec> specFromArgs(Context &ctx)
{
    VersionSpec spec;
    QCommandLineParser &a = ctx.args;
    if (a.isSet(QStringLiteral("manifest"))) {
        const QString path = a.value(QStringLiteral("manifest"));
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return Error::invalid(QStringLiteral("Cannot read the manifest %1: %2.").arg(path, f.errorString()));
        const QByteArray data = f.read(16 * 1024 * 1024 + 1);
        if (data.size() > 16 * 1024 * 1024)
            return Error::invalid(QStringLiteral("The manifest %1 is larger than 16 MiB.").arg(path));
        auto parsed = parseManifest(data, path);
        if (!parsed)
            return parsed.error();
        spec = *parsed;
    }
    const QStringList pos = a.positionalArguments();
    if (pos.size() > 1)
        return Error::invalid(QStringLiteral("register takes one model name; got %1 (%2).")
                                  .arg(pos.size())
                                  .arg(pos.join(QLatin1Char(' '))));
    if (!pos.isEmpty()) {
        if (!spec.modelName.isEmpty() && spec.modelName != pos.first())
            return Error::invalid(QStringLiteral("The manifest names model '%1' but the command line names '%2'.")
                                      .arg(spec.modelName, pos.first()));
        spec.modelName = pos.first();
    }
    if (spec.modelName.isEmpty())
        return Error::invalid(QStringLiteral("Name the model: modelctl register NAME --artifact URI ..."));
    auto overrideText = [&](const QString &opt, QString *field) -> Status {
        if (!a.isSet(opt))
            return {};
        if (a.values(opt).size() > 1)
            return Error::invalid(QStringLiteral("--%1 is given more than once.").arg(opt));
        *field = a.value(opt);
        return {};
    };
    for (const auto &[opt, field] : {std::pair{QStringLiteral("artifact"), &spec.artifactUri},
                                     std::pair{QStringLiteral("digest"), &spec.artifactDigest},
                                     std::pair{QStringLiteral("description"), &spec.description},
                                     std::pair{QStringLiteral("source-run"), &spec.sourceRun}})
        if (auto s = overrideText(opt, field); !s)
            return s.error();
    if (spec.artifactUri.isEmpty())
        return Error::invalid(QStringLiteral("Give the artifact URI with --artifact (or in the manifest)."));
    for (const QString &m : a.values(QStringLiteral("metric"))) {
        auto metric = parseMetricSpec(m);
        if (!metric)
            return metric.error();
        spec.metrics << *metric;
    }
    auto addPairs = [&](const QString &opt, const QString &what, QMap<QString, QString> *map) -> Status {
        for (const QString &v : a.values(opt)) {
            auto kv = parseKeyValue(what, v);
            if (!kv)
                return kv.error();
            if (map->contains(kv->first))
                return Error::invalid(QStringLiteral("The %1 %2 is given twice.").arg(what, kv->first));
            map->insert(kv->first, kv->second);
        }
        return {};
    };
    if (auto s = addPairs(QStringLiteral("param"), QStringLiteral("param"), &spec.params); !s)
        return s.error();
    if (auto s = addPairs(QStringLiteral("tag"), QStringLiteral("tag"), &spec.tags); !s)
        return s.error();
    for (const QString &f : a.values(QStringLiteral("fact"))) {
        auto fact = parseFactSpec(f);
        if (!fact)
            return fact.error();
        spec.facts << *fact;
    }
    for (const QString &i : a.values(QStringLiteral("input"))) {
        auto in = parseInputSpec(i);
        if (!in)
            return in.error();
        spec.inputs << *in;
    }
    return spec;
}

// ---- register --batch ---------------------------------------------------------------------------

// One line of a batch file: its number and either the version it describes or why it cannot be one.
struct BatchLine
{
    qint64 number = 0;
    VersionSpec spec;
    std::optional<Error> error;
};

// Reads a JSON-lines batch line by line; blank lines are skipped.
class BatchReader
{
public:
    static constexpr qint64 kMaxLine = 16 * 1024 * 1024;

    Status open(const QString &path)
    {
        m_name = path == QLatin1String("-") ? QStringLiteral("stdin") : path;
        const bool opened = path == QLatin1String("-") ? m_file.open(stdin, QIODevice::ReadOnly)
                                                       : (m_file.setFileName(path), m_file.open(QIODevice::ReadOnly));
        if (!opened)
            return Error::invalid(QStringLiteral("Cannot read the batch file %1: %2.").arg(path, m_file.errorString()));
        return {};
    }
    QString name() const { return m_name; }

    // The next non-blank line, or nothing at the end of the file.
    std::optional<BatchLine> next()
    {
        while (!m_file.atEnd()) {
            QByteArray text = m_file.readLine(kMaxLine + 1);
            ++m_number;
            BatchLine line;
            line.number = m_number;
            if (text.size() >= kMaxLine && !text.endsWith('\n')) { // cut at kMaxLine: the line goes on
                while (!m_file.atEnd() && !m_file.readLine(1024 * 1024).endsWith('\n')) {
                }
                line.error = Error::invalid(
                    QStringLiteral("%1 is longer than 16 MiB; a manifest line must be shorter.").arg(where(m_number)));
                return line;
            }
            if (text.trimmed().isEmpty())
                continue;
            // Validation comes with registering (Registry::registerBatch checks every version before it writes).
            auto spec = parseManifest(text, where(m_number));
            if (!spec) {
                line.error = spec.error();
            } else {
                line.spec = std::move(*spec);
                if (line.spec.modelName.isEmpty())
                    line.error = Error::invalid(
                        QStringLiteral("%1: the manifest names no model; give it a \"name\".").arg(where(m_number)));
            }
            return line;
        }
        return std::nullopt;
    }
    QString where(qint64 number) const { return QStringLiteral("%1 line %2").arg(m_name).arg(number); }

private:
    QFile m_file;
    QString m_name;
    qint64 m_number = 0;
};

int runRegisterBatch(Context &ctx)
{
    static const QStringList perVersion = {QStringLiteral("artifact"),    QStringLiteral("digest"),
                                           QStringLiteral("metric"),      QStringLiteral("param"),
                                           QStringLiteral("fact"),        QStringLiteral("tag"),
                                           QStringLiteral("input"),       QStringLiteral("manifest"),
                                           QStringLiteral("description"), QStringLiteral("source-run")};
    for (const QString &opt : perVersion)
        if (ctx.args.isSet(opt))
            return ctx.usage(QStringLiteral("--batch takes every version from its file; --%1 cannot be combined with "
                                            "it (put it in each line's manifest).")
                                 .arg(opt));
    if (!ctx.args.positionalArguments().isEmpty())
        return ctx.usage(QStringLiteral("--batch takes the model names from its file's lines; drop %1.")
                             .arg(ctx.args.positionalArguments().join(QLatin1Char(' '))));
    const bool atomic = ctx.args.isSet(QStringLiteral("atomic"));
    BatchReader reader;
    if (auto s = reader.open(ctx.args.value(QStringLiteral("batch"))); !s)
        return ctx.fail(s.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Registry *reg = *r;

    QElapsedTimer timer;
    timer.start();
    QJsonArray registeredJson, errorsJson;
    qint64 registered = 0, refused = 0, newModels = 0;
    std::optional<Error> firstError;
    QSet<QString> warned;
    auto refuse = [&](qint64 number, const Error &e) {
        ++refused;
        if (!firstError)
            firstError = e;
        ctx.err << "modelctl: " << e.message << Qt::endl;
        errorsJson << QJsonObject{{QStringLiteral("line"), number},
                                  {QStringLiteral("kind"), errorKindName(e.kind)},
                                  {QStringLiteral("message"), e.message}};
    };
    // Registers the valid lines of `lines` (in order) and reports every line.
    auto registerLines = [&](QList<BatchLine> &lines, Registry::BatchMode mode) {
        QList<VersionSpec> specs;
        QList<qsizetype> at;
        for (qsizetype i = 0; i < lines.size(); ++i)
            if (!lines.at(i).error) {
                specs << std::move(lines[i].spec);
                at << i;
            }
        const auto outcomes = reg->registerBatch(specs, mode);
        for (qsizetype k = 0; k < outcomes.size(); ++k) {
            const BatchLine &line = lines.at(at.at(k));
            if (outcomes.at(k).error) {
                Error e = *outcomes.at(k).error;
                e.message = reader.where(line.number) + QStringLiteral(": ") + e.message;
                lines[at.at(k)].error = e;
            } else if (!outcomes.at(k).rolledBack) {
                const RegisterResult &done = outcomes.at(k).registered;
                ++registered;
                newModels += done.modelCreated ? 1 : 0;
                for (const QString &w : done.warnings) // once each, not once a line
                    if (!warned.contains(w)) {
                        warned.insert(w);
                        ctx.warn({w});
                    }
                registeredJson << QJsonObject{{QStringLiteral("line"), line.number},
                                              {QStringLiteral("model"), done.modelName},
                                              {QStringLiteral("version"), done.version},
                                              {QStringLiteral("model_created"), done.modelCreated}};
            }
        }
        for (const BatchLine &line : lines)
            if (line.error)
                refuse(line.number, *line.error);
    };

    if (atomic) {
        // All or nothing: read the whole file first, so a bad line anywhere registers nothing.
        QList<BatchLine> lines;
        bool anyBad = false;
        while (auto line = reader.next()) {
            anyBad = anyBad || line->error.has_value();
            lines << std::move(*line);
        }
        if (anyBad) {
            // Nothing is written; the other lines are still checked, so that one run names every bad line.
            for (BatchLine &line : lines) {
                if (!line.error)
                    if (auto checked = validateVersionSpec(line.spec); !checked) {
                        line.error = checked.error();
                        line.error->message = reader.where(line.number) + QStringLiteral(": ") + line.error->message;
                    }
                if (line.error)
                    refuse(line.number, *line.error);
            }
        } else {
            registerLines(lines, Registry::BatchMode::AllOrNothing);
        }
        if (refused > 0)
            registered = 0, newModels = 0, registeredJson = {};
    } else {
        // Streaming, a chunk of lines per transaction: memory stays flat for any size of file.
        constexpr int kChunk = 500;
        QList<BatchLine> chunk;
        for (;;) {
            auto line = reader.next();
            if (line)
                chunk << std::move(*line);
            if (chunk.size() == kChunk || (!line && !chunk.isEmpty())) {
                registerLines(chunk, Registry::BatchMode::PerVersion);
                chunk.clear();
            }
            if (!line)
                break;
        }
    }
    const double seconds = timer.nsecsElapsed() / 1e9;
    if (ctx.json) {
        ctx.printJson({{QStringLiteral("registered"), registered},
                       {QStringLiteral("refused"), refused},
                       {QStringLiteral("models_created"), newModels},
                       {QStringLiteral("atomic"), atomic},
                       {QStringLiteral("seconds"), seconds},
                       {QStringLiteral("versions"), registeredJson},
                       {QStringLiteral("errors"), errorsJson}});
    } else if (atomic && refused > 0) {
        ctx.out << "Registered nothing from " << reader.name() << ": " << refused << (refused == 1 ? " line" : " lines")
                << " refused, and --atomic registers all lines or none." << Qt::endl;
    } else {
        ctx.out << "Registered " << registered << (registered == 1 ? " version" : " versions");
        if (newModels > 0)
            ctx.out << " (" << newModels << (newModels == 1 ? " new model" : " new models") << ")";
        ctx.out << " from " << reader.name() << " in " << QString::number(seconds, 'f', 2) << " s";
        if (refused > 0)
            ctx.out << "; " << refused << (refused == 1 ? " line" : " lines") << " refused (see above)";
        ctx.out << "." << Qt::endl;
    }
    return firstError ? exitCodeFor(*firstError) : ExitOk;
}

int runRegister(Context &ctx)
{
    if (ctx.args.isSet(QStringLiteral("batch")))
        return runRegisterBatch(ctx);
    if (ctx.args.isSet(QStringLiteral("atomic")))
        return ctx.usage(QStringLiteral("--atomic applies to --batch FILE only."));
    auto spec = specFromArgs(ctx);
    if (!spec)
        return ctx.fail(spec.error());
    // Validate before touching the database, so bad input never needs a connection.
    auto checked = validateVersionSpec(*spec);
    if (!checked)
        return ctx.fail(checked.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto result = (*r)->registerVersion(*spec);
    if (!result)
        return ctx.fail(result.error());
    ctx.warn(result->warnings);
    if (ctx.json) {
        QJsonArray warnings;
        for (const QString &w : result->warnings)
            warnings << w;
        return ctx.printJson({{QStringLiteral("model"), result->modelName},
                              {QStringLiteral("version"), result->version},
                              {QStringLiteral("model_created"), result->modelCreated},
                              {QStringLiteral("warnings"), warnings}});
    }
    ctx.out << "Registered " << result->modelName << " version " << result->version
            << (result->modelCreated ? " (new model)" : "") << Qt::endl;
    return ExitOk;
}

// ---- models / versions / show -----------------------------------------------------------------

int runModels(Context &ctx)
{
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto models = (*r)->models();
    if (!models)
        return ctx.fail(models.error());
    if (ctx.json) {
        QJsonArray list;
        for (const RegisteredModel &m : *models)
            list << toJson(m);
        return ctx.printJson({{QStringLiteral("models"), list}});
    }
    if (models->isEmpty()) {
        ctx.out << "No models in " << (*r)->locationDisplay()
                << ". Register one with `modelctl register NAME --artifact URI`, or try `modelctl demo`." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const RegisteredModel &m : *models) {
        QStringList prod;
        for (int v : m.productionVersions)
            prod << QStringLiteral("v%1").arg(v);
        rows << QStringList{m.namespaceName,
                            m.name,
                            QString::number(m.versionCount),
                            QStringLiteral("v%1").arg(m.latestVersion),
                            prod.isEmpty() ? QStringLiteral("-") : prod.join(QLatin1Char(',')),
                            m.description};
    }
    printTable(ctx.out,
               {QStringLiteral("NAMESPACE"), QStringLiteral("MODEL"), QStringLiteral("VERSIONS"),
                QStringLiteral("LATEST"), QStringLiteral("PRODUCTION"), QStringLiteral("DESCRIPTION")},
               rows);
    return ExitOk;
}

void setupVersions(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
}

int runVersions(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(QStringLiteral("versions takes one model name: modelctl versions NAME"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto versions = (*r)->versions(pos.first());
    if (!versions)
        return ctx.fail(versions.error());
    if (ctx.json) {
        QJsonArray list;
        for (const ModelVersion &v : *versions)
            list << toJson(v, false);
        return ctx.printJson({{QStringLiteral("model"), pos.first()}, {QStringLiteral("versions"), list}});
    }
    QList<QStringList> rows;
    for (const ModelVersion &v : *versions)
        rows << QStringList{QString::number(v.version), stageName(v.stage),
                            v.createdAt.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')), v.createdBy,
                            metricSummary(v, 3)};
    printTable(ctx.out,
               {QStringLiteral("VERSION"), QStringLiteral("STAGE"), QStringLiteral("CREATED (UTC)"),
                QStringLiteral("BY"), QStringLiteral("METRICS")},
               rows);
    return ExitOk;
}

void setupShow(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addPositionalArgument(QStringLiteral("VERSION"), QStringLiteral("Version number."));
}

int runShow(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 2)
        return ctx.usage(QStringLiteral("show takes a model name and a version: modelctl show NAME VERSION"));
    auto number = versionNumber(pos.at(1));
    if (!number)
        return ctx.fail(number.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto v = (*r)->version(pos.first(), *number);
    if (!v)
        return ctx.fail(v.error());
    if (ctx.json)
        return ctx.printJson(toJson(*v, true));
    QTextStream &o = ctx.out;
    o << v->modelName << " version " << v->version << "  [" << stageName(v->stage) << "]\n";
    o << "  artifact:    " << v->artifactUri << '\n';
    if (!v->artifactDigest.isEmpty())
        o << "  digest:      " << v->artifactDigest << '\n';
    o << "  registered:  " << v->createdAt << " by " << v->createdBy << '\n';
    if (!v->sourceRun.isEmpty())
        o << "  source run:  " << v->sourceRun << '\n';
    if (!v->description.isEmpty())
        o << "  description: " << v->description << '\n';
    o << "metrics:\n";
    for (const Metric &m : v->metrics)
        o << "  " << m.key().leftJustified(36) << ' ' << QString::number(m.value, 'g', 10) << '\n';
    if (!v->params.isEmpty()) {
        o << "params:\n";
        for (auto it = v->params.begin(); it != v->params.end(); ++it)
            o << "  " << it.key().leftJustified(36) << ' ' << it.value() << '\n';
    }
    if (!v->facts.isEmpty()) {
        o << "provenance:\n";
        for (const Fact &f : v->facts)
            o << "  " << f.key().leftJustified(36) << ' ' << f.value << '\n';
    }
    if (!v->tags.isEmpty()) {
        o << "tags:\n";
        for (auto it = v->tags.begin(); it != v->tags.end(); ++it)
            o << "  " << it.key().leftJustified(36) << ' ' << it.value() << '\n';
    }
    if (!v->inputs.isEmpty()) {
        o << "lineage inputs:\n";
        for (const LineageInput &in : v->inputs)
            o << "  " << in.spec() << '\n';
    }
    o << "stage history:\n";
    for (const Transition &t : v->transitions)
        o << "  " << t.at << "  " << (t.fromStage.isEmpty() ? QStringLiteral("-") : t.fromStage) << " -> " << t.toStage
          << "  (" << t.kind << " by " << t.actor << (t.reason.isEmpty() ? QString() : QStringLiteral(": ") + t.reason)
          << ")\n";
    o.flush();
    return ExitOk;
}

// ---- tag / describe ---------------------------------------------------------------------------

void setupTag(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addPositionalArgument(QStringLiteral("KEY=VALUE"), QStringLiteral("Tags to set."),
                            QStringLiteral("[KEY=VALUE...]"));
    p.addOption(
        {QStringLiteral("version"), QStringLiteral("Tag this version instead of the model."), QStringLiteral("N")});
    p.addOption(
        repeated(QStringLiteral("remove"), QStringLiteral("KEY"), QStringLiteral("Remove a tag; repeat for more.")));
}

int runTag(Context &ctx)
{
    QStringList pos = ctx.args.positionalArguments();
    if (pos.isEmpty())
        return ctx.usage(
            QStringLiteral("tag needs a model name: modelctl tag NAME [--version N] KEY=VALUE... [--remove KEY]"));
    const QString name = pos.takeFirst();
    QMap<QString, QString> set;
    for (const QString &p : pos) {
        auto kv = parseKeyValue(QStringLiteral("tag"), p);
        if (!kv)
            return ctx.fail(kv.error());
        if (set.contains(kv->first))
            return ctx.usage(QStringLiteral("The tag %1 is given twice.").arg(kv->first));
        set.insert(kv->first, kv->second);
    }
    const QStringList remove = ctx.args.values(QStringLiteral("remove"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Status s;
    int version = 0;
    if (ctx.args.isSet(QStringLiteral("version"))) {
        auto n = versionNumber(ctx.args.value(QStringLiteral("version")));
        if (!n)
            return ctx.fail(n.error());
        version = *n;
        s = (*r)->setVersionTags(name, version, set, remove);
    } else {
        s = (*r)->setModelTags(name, set, remove);
    }
    if (!s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("model"), name},
                              {QStringLiteral("version"), version > 0 ? QJsonValue(version) : QJsonValue()},
                              {QStringLiteral("ok"), true}});
    ctx.out << "Tags updated on " << name << (version > 0 ? QStringLiteral(" version %1").arg(version) : QString())
            << Qt::endl;
    return ExitOk;
}

void setupDescribe(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addPositionalArgument(QStringLiteral("TEXT"), QStringLiteral("The new description."));
    p.addOption({QStringLiteral("version"), QStringLiteral("Describe this version instead of the model."),
                 QStringLiteral("N")});
}

int runDescribe(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 2)
        return ctx.usage(QStringLiteral("describe takes a model name and one text (quote it): "
                                        "modelctl describe NAME [--version N] \"TEXT\""));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Status s;
    if (ctx.args.isSet(QStringLiteral("version"))) {
        auto n = versionNumber(ctx.args.value(QStringLiteral("version")));
        if (!n)
            return ctx.fail(n.error());
        s = (*r)->describeVersion(pos.at(0), *n, pos.at(1));
    } else {
        s = (*r)->describeModel(pos.at(0), pos.at(1));
    }
    if (!s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("ok"), true}});
    ctx.out << "Description updated." << Qt::endl;
    return ExitOk;
}

// ---- audit ------------------------------------------------------------------------------------

void setupAudit(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"),
                            QStringLiteral("verify: check the hash chain, the log's completeness and the guards; "
                                           "checkpoint: print the log's head (keep it, pass it to verify --expect); "
                                           "log: show entries."),
                            QStringLiteral("verify|checkpoint|log"));
    p.addOption({QStringLiteral("expect"),
                 QStringLiteral("verify: a checkpoint printed by `audit checkpoint` earlier; the log must still hold "
                                "every entry up to it (detects deleted newest entries)."),
                 QStringLiteral("ENTRIES:HASH")});
    p.addOption({QStringLiteral("limit"), QStringLiteral("log: how many entries (default 50)."), QStringLiteral("N"),
                 QStringLiteral("50")});
    p.addOption({QStringLiteral("actor"), QStringLiteral("log: only entries by this actor."), QStringLiteral("USER")});
    p.addOption({QStringLiteral("action"), QStringLiteral("log: only this action (e.g. register_version)."),
                 QStringLiteral("ACTION")});
    p.addOption(
        {QStringLiteral("model"), QStringLiteral("log: only entries about this model."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("since"), QStringLiteral("log: only entries at or after this time (ISO-8601)."),
                 QStringLiteral("TIME")});
}

int runAudit(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    const QStringList actions{QStringLiteral("verify"), QStringLiteral("checkpoint"), QStringLiteral("log")};
    if (pos.size() != 1 || !actions.contains(pos.first()))
        return ctx.usage(QStringLiteral("audit takes one action: modelctl audit verify [--expect ENTRIES:HASH] | "
                                        "modelctl audit checkpoint | modelctl audit log"));
    std::optional<AuditCheckpoint> expect;
    if (ctx.args.isSet(QStringLiteral("expect"))) {
        expect = AuditCheckpoint::parse(ctx.args.value(QStringLiteral("expect")));
        if (!expect)
            return ctx.usage(QStringLiteral("--expect takes a checkpoint as `modelctl audit checkpoint` prints it: "
                                            "ENTRIES:HASH (a count, a colon, 64 hex digits)."));
    }
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (pos.first() == QLatin1String("checkpoint")) {
        auto c = (*r)->auditCheckpoint();
        if (!c)
            return ctx.fail(c.error());
        if (ctx.json)
            return ctx.printJson({{QStringLiteral("checkpoint"), c->token()},
                                  {QStringLiteral("entries"), double(c->entries)},
                                  {QStringLiteral("hash"), c->hash}});
        ctx.out << c->token() << Qt::endl;
        return ExitOk;
    }
    if (pos.first() == QLatin1String("verify")) {
        auto v = (*r)->verifyAudit(expect);
        if (!v)
            return ctx.fail(v.error());
        if (ctx.json)
            ctx.printJson(toJson(*v));
        else if (v->intact)
            ctx.out << "Audit log intact: " << v->entriesChecked << " entries checked"
                    << (expect ? QStringLiteral(", checkpoint %1 present").arg(expect->token()) : QString())
                    << ". Head: " << v->head.token() << Qt::endl;
        else if (v->firstBrokenId == 0) // the file, or the guards that protect the log
            ctx.out << "Registry NOT intact: " << v->problem << '.' << Qt::endl;
        else
            ctx.out << "Audit log BROKEN at entry " << v->firstBrokenId << ": " << v->problem << '.' << Qt::endl;
        return v->intact ? ExitOk : ExitConflict;
    }
    AuditFilter filter;
    bool ok = false;
    filter.limit = ctx.args.value(QStringLiteral("limit")).toInt(&ok);
    if (!ok || filter.limit < 1)
        return ctx.usage(QStringLiteral("--limit must be a positive number."));
    filter.actor = ctx.args.value(QStringLiteral("actor"));
    filter.action = ctx.args.value(QStringLiteral("action"));
    filter.objectKeyPrefix = ctx.args.value(QStringLiteral("model"));
    filter.since = ctx.args.value(QStringLiteral("since"));
    auto entries = (*r)->audit(filter);
    if (!entries)
        return ctx.fail(entries.error());
    if (ctx.json) {
        QJsonArray list;
        for (const AuditEntry &e : *entries)
            list << toJson(e);
        return ctx.printJson({{QStringLiteral("entries"), list}});
    }
    QList<QStringList> rows;
    for (const AuditEntry &e : *entries)
        rows << QStringList{QString::number(e.id), e.at, e.actor, e.action, e.objectKey};
    printTable(ctx.out,
               {QStringLiteral("ID"), QStringLiteral("AT"), QStringLiteral("ACTOR"), QStringLiteral("ACTION"),
                QStringLiteral("OBJECT")},
               rows);
    return ExitOk;
}

// ---- search -------------------------------------------------------------------------------------

void setupSearch(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("FILTER"),
                            QStringLiteral("A filter, e.g. \"metrics.auc > 0.85 AND tags.team = 'payments'\" "
                                           "(quote it for the shell)."));
    p.addOption({QStringLiteral("limit"), QStringLiteral("At most this many versions (default 1000)."),
                 QStringLiteral("N"), QStringLiteral("1000")});
}

int runSearch(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(QStringLiteral("search takes one filter (quote it): modelctl search \"metrics.auc > 0.85\". "
                                        "Fields: %1.")
                             .arg(filterFieldHelp().join(QStringLiteral(", "))));
    bool ok = false;
    const int limit = ctx.args.value(QStringLiteral("limit")).toInt(&ok);
    if (!ok || limit < 1)
        return ctx.usage(QStringLiteral("--limit must be a positive number."));
    // Check the filter before touching the registry, so a typo never waits for a server.
    if (const CompiledFilter c = compileFilter(pos.first(), Dialect::Sqlite); !c.ok()) {
        if (!ctx.json) {
            // The filter around the error (at most 40 characters either side), with a caret under it.
            const QString &text = pos.first();
            const qsizetype from = std::max<qsizetype>(0, c.error->position - 40);
            const qsizetype to = std::min<qsizetype>(text.size(), c.error->position + c.error->length + 40);
            const QString before = from > 0 ? QStringLiteral("...") : QString();
            ctx.err << "  " << before << text.mid(from, to - from) << (to < text.size() ? "..." : "") << '\n'
                    << "  " << QString(before.size() + c.error->position - from, QLatin1Char(' '))
                    << QString(std::min<qsizetype>(c.error->length, 40), QLatin1Char('^')) << '\n';
        }
        return ctx.fail(c.error->toError());
    }
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto outcome = (*r)->search(pos.first(), limit);
    if (!outcome)
        return ctx.fail(outcome.error());
    if (ctx.json) {
        QJsonArray list;
        for (const SearchHit &h : outcome->hits)
            list << QJsonObject{
                {QStringLiteral("model"), h.modelName},         {QStringLiteral("namespace"), h.namespaceName},
                {QStringLiteral("version"), h.version},         {QStringLiteral("stage"), stageName(h.stage)},
                {QStringLiteral("created_at"), h.createdAt},    {QStringLiteral("created_by"), h.createdBy},
                {QStringLiteral("artifact_uri"), h.artifactUri}};
        return ctx.printJson({{QStringLiteral("filter"), pos.first()},
                              {QStringLiteral("versions"), list},
                              {QStringLiteral("truncated"), outcome->truncated}});
    }
    if (outcome->hits.isEmpty()) {
        ctx.out << "No version matches." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const SearchHit &h : outcome->hits)
        rows << QStringList{h.modelName, QString::number(h.version), stageName(h.stage),
                            h.createdAt.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')), h.createdBy};
    printTable(ctx.out,
               {QStringLiteral("MODEL"), QStringLiteral("VERSION"), QStringLiteral("STAGE"),
                QStringLiteral("CREATED (UTC)"), QStringLiteral("BY")},
               rows);
    ctx.out << outcome->hits.size() << " version(s)"
            << (outcome->truncated ? QStringLiteral("; more match: raise --limit") : QString()) << Qt::endl;
    return ExitOk;
}

// ---- demo -------------------------------------------------------------------------------------

void setupDemo(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("seed"), QStringLiteral("Random seed (same seed, same registry)."), QStringLiteral("N"),
                 QStringLiteral("42")});
    p.addOption({QStringLiteral("scale"),
                 QStringLiteral("demo: a dozen hand-shaped models (default). large: the reference registry of the "
                                "benchmarks, 1,000 models x 100 versions with full lifecycles and ~116,000 lineage "
                                "nodes. medium: 100 models x 100 versions. custom: --models x --versions."),
                 QStringLiteral("demo|medium|large|custom"), QStringLiteral("demo")});
    p.addOption({QStringLiteral("models"), QStringLiteral("With --scale custom: number of models (1-100000)."),
                 QStringLiteral("N"), QStringLiteral("10")});
    p.addOption({QStringLiteral("versions"), QStringLiteral("With --scale custom: versions per model (1-10000)."),
                 QStringLiteral("N"), QStringLiteral("100")});
}

// A progress bar on a terminal, a line per 10% otherwise (logs, CI).
class ProgressBar
{
public:
    explicit ProgressBar(QTextStream &err) : m_err(err), m_tty(isatty(fileno(stderr)) != 0) {}

    void show(int percent, const QString &step)
    {
        if (m_tty) {
            const int filled = percent * 30 / 100;
            m_err << "\r[" << QString(filled, QLatin1Char('#')) << QString(30 - filled, QLatin1Char('.')) << "] "
                  << qSetFieldWidth(3) << percent << qSetFieldWidth(0) << "% " << qSetFieldWidth(-24) << step
                  << qSetFieldWidth(0) << (percent >= 100 ? "\n" : "") << Qt::flush;
        } else if (percent / 10 != m_last / 10 || percent == 100) {
            m_err << "generate: " << percent << "% " << step << Qt::endl;
        }
        m_last = percent;
    }

private:
    QTextStream &m_err;
    bool m_tty = false;
    int m_last = -1;
};

int runScaledDemo(Context &ctx, BulkSpec spec)
{
    auto r = ctx.registry(Registry::Open::CreateIfMissing);
    if (!r)
        return ctx.fail(r.error());
    QElapsedTimer timer;
    timer.start();
    ProgressBar bar(ctx.err);
    auto summary = generateBulkRegistry(**r, spec, [&](int percent, const QString &step) {
        if (!ctx.json)
            bar.show(percent, step);
    });
    if (!summary)
        return ctx.fail(summary.error());
    const qint64 ms = timer.elapsed();
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("registry"), (*r)->locationDisplay()},
                              {QStringLiteral("spec"), describeBulkSpec(spec)},
                              {QStringLiteral("models"), summary->models},
                              {QStringLiteral("versions"), double(summary->versions)},
                              {QStringLiteral("metric_rows"), double(summary->metricRows)},
                              {QStringLiteral("lineage_nodes"), double(summary->lineageNodes)},
                              {QStringLiteral("lineage_edges"), double(summary->lineageEdges)},
                              {QStringLiteral("transitions"), double(summary->transitions)},
                              {QStringLiteral("approval_requests"), double(summary->requests)},
                              {QStringLiteral("audit_entries"), double(summary->auditEntries)},
                              {QStringLiteral("seconds"), double(ms) / 1000.0}});
    ctx.out << "Generated " << (*r)->locationDisplay() << " (" << describeBulkSpec(spec) << ") in "
            << QString::number(double(ms) / 1000.0, 'f', 1) << " s: " << summary->models << " models, "
            << summary->versions << " versions, " << summary->metricRows << " metric values, " << summary->lineageNodes
            << " lineage nodes, " << summary->lineageEdges << " edges, " << summary->transitions
            << " stage transitions, " << summary->requests << " approval requests, " << summary->auditEntries
            << " audit entries." << Qt::endl;
    return ExitOk;
}

int runDemo(Context &ctx)
{
    bool ok = false;
    const uint seed = ctx.args.value(QStringLiteral("seed")).toUInt(&ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--seed must be a non-negative number."));
    const QString scale = ctx.args.value(QStringLiteral("scale"));
    if (scale != QLatin1String("demo")) {
        BulkSpec spec = BulkSpec::large();
        spec.seed = seed;
        if (scale == QLatin1String("medium")) {
            spec.models = 100;
        } else if (scale == QLatin1String("custom")) {
            bool modelsOk = false;
            bool versionsOk = false;
            spec.models = ctx.args.value(QStringLiteral("models")).toInt(&modelsOk);
            spec.versionsPerModel = ctx.args.value(QStringLiteral("versions")).toInt(&versionsOk);
            if (!modelsOk || !versionsOk || spec.models < 1 || spec.models > 100000 || spec.versionsPerModel < 1 ||
                spec.versionsPerModel > 10000)
                return ctx.usage(QStringLiteral("--models takes 1-100000 and --versions 1-10000."));
        } else if (scale != QLatin1String("large")) {
            return ctx.usage(QStringLiteral("--scale takes demo, medium, large or custom, not '%1'.").arg(scale));
        }
        return runScaledDemo(ctx, spec);
    }
    auto r = ctx.registry(Registry::Open::CreateIfMissing);
    if (!r)
        return ctx.fail(r.error());
    QElapsedTimer timer;
    timer.start();
    auto summary = fillDemoRegistry(**r, seed, [&](int done, int total) {
        if (!ctx.json && (done % 25 == 0 || done == total))
            ctx.err << "\rdemo: " << done << "/" << total << " versions" << (done == total ? "\n" : "") << Qt::flush;
    });
    if (!summary)
        return ctx.fail(summary.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("registry"), (*r)->locationDisplay()},
                              {QStringLiteral("models"), summary->models},
                              {QStringLiteral("versions"), summary->versions}});
    ctx.out << "Demo registry at " << (*r)->locationDisplay() << ": " << summary->models << " models, "
            << summary->versions << " versions (" << timer.elapsed() << " ms)." << Qt::endl;
    return ExitOk;
}

} // namespace

Result<int> parseVersionNumber(const QString &text)
{
    QString t = text;
    if (t.startsWith(QLatin1Char('v')))
        t = t.mid(1);
    bool ok = false;
    const int n = t.toInt(&ok);
    if (!ok || n < 1)
        return Error::invalid(QStringLiteral("'%1' is not a version number (1, 2, ... or v1, v2, ...).").arg(text));
    return n;
}

QList<Command> commands()
{
    auto none = [](QCommandLineParser &) {};
    QList<Command> list = {
        {QStringLiteral("init"), QStringLiteral("Create a registry (or upgrade an older one)."), none, runInit},
        {QStringLiteral("register"), QStringLiteral("Register a new version of a model."), setupRegister, runRegister},
        {QStringLiteral("models"), QStringLiteral("List the models."), none, runModels},
        {QStringLiteral("versions"), QStringLiteral("List the versions of a model."), setupVersions, runVersions},
        {QStringLiteral("show"), QStringLiteral("Show one version with all its metadata."), setupShow, runShow},
        {QStringLiteral("search"), QStringLiteral("Find versions across all models with a filter."), setupSearch,
         runSearch},
        {QStringLiteral("tag"), QStringLiteral("Set or remove tags on a model or a version."), setupTag, runTag},
        {QStringLiteral("describe"), QStringLiteral("Set the description of a model or a version."), setupDescribe,
         runDescribe},
        {QStringLiteral("audit"), QStringLiteral("Verify the audit log's hash chain, or list entries."), setupAudit,
         runAudit},
        {QStringLiteral("demo"), QStringLiteral("Fill an empty registry with realistic demo data."), setupDemo,
         runDemo},
    };
    list += lifecycleCommands();
    list += lineageCommands();
    list += diffCommands();
    list += feedCommands();
    list += importCommands();
    list += transferCommands();
    return list;
}

} // namespace md::cli
