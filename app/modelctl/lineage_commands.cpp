// modelctl lineage: add nodes and edges, and query upstream, downstream, impact and erasure.

#include "cli.h"

#include <QJsonArray>

namespace md::cli {

namespace {

QJsonObject nodeJson(const LineageNode &n)
{
    QJsonObject o{{QStringLiteral("spec"), n.spec()},
                  {QStringLiteral("kind"), lineageKindName(n.kind)},
                  {QStringLiteral("name"), n.name},
                  {QStringLiteral("version"), n.version},
                  {QStringLiteral("depth"), n.depth}};
    if (n.isModelVersion())
        o.insert(QStringLiteral("stage"), stageName(n.stage));
    return o;
}

QString nodeText(const LineageNode &n)
{
    return n.isModelVersion() ? QStringLiteral("%1 [%2]").arg(n.spec(), stageName(n.stage)) : n.spec();
}

void setupLineage(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("up | down | impact | uses | add-node | add-edge"),
                            QStringLiteral("ACTION"));
    p.addPositionalArgument(QStringLiteral("NODE"),
                            QStringLiteral("A node: source:NAME, dataset:NAME@V, pipeline:NAME@V, commit:SHA, "
                                           "model:NAME@N, deployment:SERVICE@ENV (add-edge: SRC DST)."),
                            QStringLiteral("NODE [NODE]"));
    p.addOption({QStringLiteral("depth"), QStringLiteral("How many hops to follow (1-50, default 12)."),
                 QStringLiteral("N"), QString::number(Registry::kDefaultLineageDepth)});
    p.addOption({QStringLiteral("kind"), QStringLiteral("add-edge: derived_from, trained_on, uses or deployed_as."),
                 QStringLiteral("KIND")});
    p.addOption({QStringLiteral("attributes"), QStringLiteral("add-node: a JSON object of attributes."),
                 QStringLiteral("JSON")});
}

int runLineage(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    const QString usage =
        QStringLiteral("Use: modelctl lineage up|down|impact|uses NODE [--depth N] | lineage add-node NODE "
                       "| lineage add-edge SRC DST --kind KIND");
    if (pos.size() < 2)
        return ctx.usage(usage);
    const QString action = pos.first();
    bool ok = false;
    const int depth = ctx.args.value(QStringLiteral("depth")).toInt(&ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--depth must be a number."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Registry &reg = **r;
    if (action == QLatin1String("add-node")) {
        if (pos.size() != 2)
            return ctx.usage(usage);
        auto id = reg.addLineageNode(pos.at(1), ctx.args.value(QStringLiteral("attributes")));
        if (!id)
            return ctx.fail(id.error());
        if (ctx.json)
            return ctx.printJson({{QStringLiteral("node"), pos.at(1)}, {QStringLiteral("ok"), true}});
        ctx.out << "Lineage node " << pos.at(1) << " recorded." << Qt::endl;
        return ExitOk;
    }
    if (action == QLatin1String("add-edge")) {
        if (pos.size() != 3 || !ctx.args.isSet(QStringLiteral("kind")))
            return ctx.usage(usage);
        if (auto s = reg.addLineageEdge(pos.at(1), pos.at(2), ctx.args.value(QStringLiteral("kind"))); !s)
            return ctx.fail(s.error());
        if (ctx.json)
            return ctx.printJson({{QStringLiteral("ok"), true}});
        ctx.out << pos.at(1) << " -> " << pos.at(2) << " (" << ctx.args.value(QStringLiteral("kind")) << ")"
                << Qt::endl;
        return ExitOk;
    }
    if (pos.size() != 2)
        return ctx.usage(usage);
    auto node = reg.lineageNode(pos.at(1));
    if (!node)
        return ctx.fail(node.error());
    if (action == QLatin1String("up") || action == QLatin1String("down")) {
        auto g = action == QLatin1String("up") ? reg.lineageUpstream(node->id, depth)
                                               : reg.lineageDownstream(node->id, depth);
        if (!g)
            return ctx.fail(g.error());
        if (ctx.json) {
            QJsonArray nodes;
            for (const LineageNode &n : g->nodes)
                nodes << nodeJson(n);
            QJsonArray edges;
            QHash<qint64, QString> spec;
            for (const LineageNode &n : g->nodes)
                spec.insert(n.id, n.spec());
            for (const LineageEdge &e : g->edges)
                edges << QJsonObject{{QStringLiteral("from"), spec.value(e.src)},
                                     {QStringLiteral("to"), spec.value(e.dst)},
                                     {QStringLiteral("kind"), e.kind}};
            return ctx.printJson({{QStringLiteral("root"), pos.at(1)},
                                  {QStringLiteral("direction"), action},
                                  {QStringLiteral("max_depth"), g->maxDepth},
                                  {QStringLiteral("truncated"), g->truncated},
                                  {QStringLiteral("nodes"), nodes},
                                  {QStringLiteral("edges"), edges}});
        }
        for (const LineageNode &n : g->nodes)
            ctx.out << QString(n.depth * 2, QLatin1Char(' ')) << nodeText(n) << '\n';
        if (g->truncated)
            ctx.out << "(stopped at depth " << g->maxDepth << "; more lies beyond: use --depth)\n";
        ctx.out.flush();
        return ExitOk;
    }
    if (action == QLatin1String("impact")) {
        auto rep = reg.impact(node->id, depth);
        if (!rep)
            return ctx.fail(rep.error());
        if (ctx.json) {
            QJsonArray versions, production, deployments;
            for (const LineageNode &n : rep->versions)
                versions << nodeJson(n);
            for (const LineageNode &n : rep->production)
                production << nodeJson(n);
            for (const Deployment &d : rep->deployments)
                deployments << QJsonObject{{QStringLiteral("service"), d.service},
                                           {QStringLiteral("environment"), d.environment},
                                           {QStringLiteral("model"), d.modelName},
                                           {QStringLiteral("version"), d.version}};
            return ctx.printJson({{QStringLiteral("root"), pos.at(1)},
                                  {QStringLiteral("versions"), versions},
                                  {QStringLiteral("production"), production},
                                  {QStringLiteral("deployments"), deployments},
                                  {QStringLiteral("max_depth"), rep->maxDepth},
                                  {QStringLiteral("truncated"), rep->truncated}});
        }
        ctx.out << rep->versions.size() << " model versions derive from " << pos.at(1) << "; " << rep->production.size()
                << " in Production, " << rep->deployments.size() << " deployments affected.\n";
        for (const LineageNode &n : rep->production)
            ctx.out << "  PRODUCTION  " << n.spec() << '\n';
        for (const Deployment &d : rep->deployments)
            ctx.out << "  DEPLOYED    " << d.service << " in " << d.environment << " runs " << d.modelName << " v"
                    << d.version << '\n';
        for (const LineageNode &n : rep->versions)
            if (n.stage != Stage::Production)
                ctx.out << "  " << stageName(n.stage).leftJustified(11) << ' ' << n.spec() << '\n';
        if (rep->truncated)
            ctx.out << "(stopped at depth " << rep->maxDepth << "; use --depth to look further)\n";
        ctx.out.flush();
        return ExitOk;
    }
    if (action == QLatin1String("uses")) {
        auto rep = reg.erasureCheck(node->id, depth);
        if (!rep)
            return ctx.fail(rep.error());
        if (ctx.json) {
            QJsonArray paths;
            for (const UsagePath &p : rep->productionPaths) {
                QJsonArray path;
                for (const LineageNode &n : p.path)
                    path << n.spec();
                paths << QJsonObject{{QStringLiteral("version"), p.version.spec()}, {QStringLiteral("path"), path}};
            }
            return ctx.printJson({{QStringLiteral("source"), pos.at(1)},
                                  {QStringLiteral("used_in_production"), rep->usedInProduction},
                                  {QStringLiteral("versions_using"), rep->versionsUsing},
                                  {QStringLiteral("production_paths"), paths},
                                  {QStringLiteral("max_depth"), rep->maxDepth},
                                  {QStringLiteral("truncated"), rep->truncated}});
        }
        if (!rep->usedInProduction)
            ctx.out << "No version in Production uses " << pos.at(1) << " (" << rep->versionsUsing
                    << " versions in other stages do).\n";
        for (const UsagePath &p : rep->productionPaths) {
            QStringList steps;
            for (const LineageNode &n : p.path)
                steps << n.spec();
            ctx.out << "USED IN PRODUCTION by " << p.version.spec() << ": " << steps.join(QStringLiteral(" -> "))
                    << '\n';
        }
        if (rep->truncated)
            ctx.out << "(stopped at depth " << rep->maxDepth << "; use --depth to look further)\n";
        ctx.out.flush();
        return ExitOk;
    }
    return ctx.usage(usage);
}

} // namespace

QList<Command> lineageCommands()
{
    return {{QStringLiteral("lineage"),
             QStringLiteral("Lineage: add nodes and edges; upstream, downstream, impact, uses."), setupLineage,
             runLineage}};
}

} // namespace md::cli
