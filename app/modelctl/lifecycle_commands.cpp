// modelctl commands for stages, gates, approvals, rollback, aliases, deployments and roles.

#include "cli.h"

#include "registry/serialize.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace md::cli {

namespace {

void nameVersion(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addPositionalArgument(QStringLiteral("VERSION"), QStringLiteral("Version number."));
}

void reasonOption(QCommandLineParser &p, const QString &help)
{
    p.addOption({QStringLiteral("reason"), help, QStringLiteral("TEXT")});
}

struct NameVersion
{
    QString name;
    int version = 0;
};

Result<NameVersion> takeNameVersion(Context &ctx, const QString &usage)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 2)
        return Error::invalid(usage);
    auto n = parseVersionNumber(pos.at(1));
    if (!n)
        return n.error();
    return NameVersion{pos.at(0), *n};
}

void printOutcome(Context &ctx, const TransitionOutcome &o)
{
    for (const ArchivedVersion &a : o.archived)
        ctx.out << o.modelName << " v" << a.version << ": Production -> Archived (" << a.reason << ")\n";
    ctx.out << o.modelName << " v" << o.version << ": " << o.fromStage << " -> " << o.toStage << " (" << o.kind << ")"
            << Qt::endl;
    for (const AliasMove &m : o.aliasesMoved)
        ctx.out << "alias " << m.alias << ": v" << m.from << " -> v" << m.to
                << (m.followsProduction ? " (follows Production)" : " (moved with the rollback)") << Qt::endl;
    for (const Alias &a : o.aliasesLeft)
        ctx.err << "warning: alias " << a.alias << (a.isProtected ? " (protected)" : "") << " still points at v"
                << a.version << ", which is no longer in Production; move it with `modelctl alias set " << o.modelName
                << " " << a.alias << " VERSION` or `--follows production`" << Qt::endl;
}

int finishTransition(Context &ctx, const Result<TransitionOutcome> &r)
{
    if (!r)
        return ctx.fail(r.error());
    if (ctx.json)
        return ctx.printJson(toJson(*r));
    printOutcome(ctx, *r);
    return ExitOk;
}

// ---- promote / demote / archive ---------------------------------------------------------------

void setupPromote(QCommandLineParser &p)
{
    nameVersion(p);
    p.addOption({QStringLiteral("to"),
                 QStringLiteral("Target stage: Staging (gates run), None (demote) or Archived. Production is reached "
                                "by approving a request (modelctl request, modelctl approve)."),
                 QStringLiteral("STAGE")});
    reasonOption(p, QStringLiteral("Why (recorded in the history and audit log)."));
}

int runPromote(Context &ctx)
{
    auto nv = takeNameVersion(ctx, QStringLiteral("promote takes a model and a version: modelctl promote NAME VERSION "
                                                  "--to STAGE [--reason TEXT]"));
    if (!nv)
        return ctx.fail(nv.error());
    Stage to;
    if (!ctx.args.isSet(QStringLiteral("to")) || !parseStage(ctx.args.value(QStringLiteral("to")), &to))
        return ctx.usage(QStringLiteral("Give the target stage with --to Staging|Production|None|Archived."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    return finishTransition(ctx, (*r)->promote(nv->name, nv->version, to, ctx.args.value(QStringLiteral("reason"))));
}

void setupSimpleTransition(QCommandLineParser &p)
{
    nameVersion(p);
    reasonOption(p, QStringLiteral("Why (recorded in the history and audit log)."));
}

int runDemote(Context &ctx)
{
    auto nv = takeNameVersion(ctx, QStringLiteral("demote takes a model and a version: modelctl demote NAME VERSION"));
    if (!nv)
        return ctx.fail(nv.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    return finishTransition(ctx, (*r)->demote(nv->name, nv->version, ctx.args.value(QStringLiteral("reason"))));
}

int runArchive(Context &ctx)
{
    auto nv =
        takeNameVersion(ctx, QStringLiteral("archive takes a model and a version: modelctl archive NAME VERSION"));
    if (!nv)
        return ctx.fail(nv.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    return finishTransition(ctx, (*r)->archive(nv->name, nv->version, ctx.args.value(QStringLiteral("reason"))));
}

// ---- rollback / history / production ----------------------------------------------------------

void setupRollback(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addOption({QStringLiteral("to"), QStringLiteral("Target version (default: the last good Production version)."),
                 QStringLiteral("VERSION")});
    reasonOption(p, QStringLiteral("Why (required)."));
    p.addOption({QStringLiteral("clear-mark"),
                 QStringLiteral("Instead of rolling back: make VERSION a rollback "
                                "candidate again after it was rolled back from."),
                 QStringLiteral("VERSION")});
    p.addOption({QStringLiteral("dry-run"),
                 QStringLiteral("Only print what would happen: the target, and which aliases move or stay.")});
    p.addOption({QStringLiteral("move-aliases"),
                 QStringLiteral("Move pinned aliases that point at the version rolled back from to the target, in the "
                                "same transaction (aliases that follow Production always move).")});
}

void printPlan(Context &ctx, const RollbackPlan &plan)
{
    ctx.out << "Would roll " << plan.modelName << " back from v" << plan.current << " to v" << plan.target << Qt::endl;
    for (const Alias &a : plan.following)
        ctx.out << "  alias " << a.alias << " follows Production: moves to v" << plan.target << Qt::endl;
    for (const Alias &a : plan.pinnedOnCurrent)
        ctx.out << "  alias " << a.alias << " is pinned to v" << plan.current
                << ": stays there unless --move-aliases moves it to v" << plan.target << Qt::endl;
}

int runRollback(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(
            QStringLiteral("rollback takes a model name: modelctl rollback NAME [--to VERSION] --reason TEXT"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (ctx.args.isSet(QStringLiteral("clear-mark"))) {
        auto n = parseVersionNumber(ctx.args.value(QStringLiteral("clear-mark")));
        if (!n)
            return ctx.fail(n.error());
        if (auto s = (*r)->clearRollbackMark(pos.first(), *n); !s)
            return ctx.fail(s.error());
        if (ctx.json)
            return ctx.printJson({{QStringLiteral("ok"), true}});
        ctx.out << pos.first() << " v" << *n << " can be a rollback target again." << Qt::endl;
        return ExitOk;
    }
    int target = 0;
    if (ctx.args.isSet(QStringLiteral("to"))) {
        auto n = parseVersionNumber(ctx.args.value(QStringLiteral("to")));
        if (!n)
            return ctx.fail(n.error());
        target = *n;
    }
    if (ctx.args.isSet(QStringLiteral("dry-run"))) {
        auto plan = (*r)->planRollback(pos.first(), target);
        if (!plan)
            return ctx.fail(plan.error());
        if (ctx.json)
            return ctx.printJson(toJson(*plan));
        printPlan(ctx, *plan);
        return ExitOk;
    }
    return finishTransition(ctx, (*r)->rollback(pos.first(), target, ctx.args.value(QStringLiteral("reason")),
                                                ctx.args.isSet(QStringLiteral("move-aliases"))
                                                    ? Registry::PinnedAliases::Move
                                                    : Registry::PinnedAliases::Stay));
}

void setupName(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
}

int runHistory(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(QStringLiteral("history takes a model name: modelctl history NAME"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto periods = (*r)->productionHistory(pos.first());
    if (!periods)
        return ctx.fail(periods.error());
    if (ctx.json) {
        QJsonArray list;
        for (const ProductionPeriod &p : *periods)
            list << toJson(p);
        return ctx.printJson({{QStringLiteral("model"), pos.first()}, {QStringLiteral("periods"), list}});
    }
    if (periods->isEmpty()) {
        ctx.out << pos.first() << " has never been in Production." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const ProductionPeriod &p : *periods) {
        QString how = p.enteredKind + QStringLiteral(" by ") + p.enteredBy;
        if (!p.approvers.isEmpty())
            how += QStringLiteral(", approved by ") + p.approvers.join(QStringLiteral(", "));
        if (!p.enteredReason.isEmpty())
            how += QStringLiteral(": ") + p.enteredReason;
        QString end = p.to.isEmpty() ? QStringLiteral("(current)") : p.leftKind + QStringLiteral(" by ") + p.leftBy;
        if (!p.to.isEmpty() && !p.leftReason.isEmpty())
            end += QStringLiteral(": ") + p.leftReason;
        rows << QStringList{
            QStringLiteral("v%1").arg(p.version), p.from.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')),
            p.to.isEmpty() ? QStringLiteral("now") : p.to.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')), how,
            end};
    }
    printTable(ctx.out,
               {QStringLiteral("VERSION"), QStringLiteral("FROM (UTC)"), QStringLiteral("TO"),
                QStringLiteral("ENTERED"), QStringLiteral("LEFT")},
               rows);
    return ExitOk;
}

int runProduction(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(QStringLiteral("production takes a model name: modelctl production NAME"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto prod = (*r)->production(pos.first());
    if (!prod)
        return ctx.fail(prod.error());
    if (ctx.json) {
        QJsonArray list;
        for (const ModelVersion &v : *prod)
            list << QJsonObject{{QStringLiteral("version"), v.version},
                                {QStringLiteral("artifact_uri"), v.artifactUri},
                                {QStringLiteral("artifact_digest"),
                                 v.artifactDigest.isEmpty() ? QJsonValue() : QJsonValue(v.artifactDigest)},
                                {QStringLiteral("since"), v.stageChangedAt}};
        QJsonObject o{{QStringLiteral("model"), pos.first()}, {QStringLiteral("production"), list}};
        if (!prod->isEmpty()) {
            o.insert(QStringLiteral("version"), prod->last().version);
            o.insert(QStringLiteral("artifact_uri"), prod->last().artifactUri);
        }
        ctx.printJson(o);
        return prod->isEmpty() ? ExitNotFound : ExitOk;
    }
    if (prod->isEmpty()) {
        ctx.err << "modelctl: " << pos.first() << " has no version in Production." << Qt::endl;
        return ExitNotFound;
    }
    for (const ModelVersion &v : *prod)
        ctx.out << "v" << v.version << '\t' << v.artifactUri << '\n';
    ctx.out.flush();
    return ExitOk;
}

// ---- requests and decisions -------------------------------------------------------------------

void setupRequest(QCommandLineParser &p)
{
    nameVersion(p);
    p.addOption({QStringLiteral("to"), QStringLiteral("Target stage (Production)."), QStringLiteral("STAGE"),
                 QStringLiteral("Production")});
    reasonOption(p, QStringLiteral("Why this version should go to Production (required)."));
}

void printRequest(Context &ctx, const ApprovalRequest &q)
{
    ctx.out << "Request #" << q.id << ": " << q.modelName << " v" << q.version << " -> " << q.toStage << "  ["
            << q.status << "]\n";
    ctx.out << "  requested by " << q.requestedBy << " at " << q.requestedAt << ": " << q.reason << '\n';
    ctx.out << "  registered by " << q.registeredBy << "; approvals required: " << q.requiredApprovals << '\n';
    auto report = gateReportFromJson(QJsonDocument::fromJson(q.gateReport.toUtf8()).object());
    if (report)
        ctx.out << "  " << report->summary().replace(QLatin1Char('\n'), QStringLiteral("\n  ")) << '\n';
    for (const ApprovalDecision &d : q.decisions) {
        ctx.out << "  " << d.decision << " by " << d.actor << " at " << d.at << ": " << d.comment;
        if (!d.overrideReason.isEmpty())
            ctx.out << " (gate override: " << d.overrideReason << ")";
        ctx.out << '\n';
    }
    ctx.out.flush();
}

int runRequest(Context &ctx)
{
    auto nv = takeNameVersion(ctx, QStringLiteral("request takes a model and a version: modelctl request NAME VERSION "
                                                  "--to Production --reason TEXT"));
    if (!nv)
        return ctx.fail(nv.error());
    Stage to;
    if (!parseStage(ctx.args.value(QStringLiteral("to")), &to))
        return ctx.usage(QStringLiteral("--to must be a stage name (Production)."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto q = (*r)->requestPromotion(nv->name, nv->version, to, ctx.args.value(QStringLiteral("reason")));
    if (!q)
        return ctx.fail(q.error());
    if (ctx.json)
        return ctx.printJson(toJson(*q));
    printRequest(ctx, *q);
    return ExitOk;
}

void setupDecide(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("REQUEST"), QStringLiteral("Request number (see modelctl requests)."));
    p.addOption({QStringLiteral("comment"), QStringLiteral("Your comment (required)."), QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("override"), QStringLiteral("Approve despite failing gates, for this recorded reason."),
                 QStringLiteral("REASON")});
}

int runDecision(Context &ctx, bool approve)
{
    const QStringList pos = ctx.args.positionalArguments();
    bool ok = false;
    const qint64 id = pos.size() == 1 ? pos.first().toLongLong(&ok) : 0;
    if (!ok || id <= 0)
        return ctx.usage(QStringLiteral("Give one request number: modelctl %1 REQUEST --comment TEXT")
                             .arg(approve ? QStringLiteral("approve") : QStringLiteral("reject")));
    if (!approve && ctx.args.isSet(QStringLiteral("override")))
        return ctx.usage(QStringLiteral("--override is for approving; a rejection needs only a comment."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    TransitionOutcome promoted;
    auto q = (*r)->decide(id, approve, ctx.args.value(QStringLiteral("comment")),
                          ctx.args.value(QStringLiteral("override")), &promoted);
    if (!q)
        return ctx.fail(q.error());
    if (ctx.json) {
        QJsonObject o = toJson(*q);
        if (q->status == QLatin1String("promoted"))
            o.insert(QStringLiteral("promotion"), toJson(promoted));
        return ctx.printJson(o);
    }
    printRequest(ctx, *q);
    if (q->status == QLatin1String("promoted"))
        printOutcome(ctx, promoted);
    return ExitOk;
}

void setupRequests(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("pending"), QStringLiteral("Only requests waiting for a decision.")});
    p.addOption({QStringLiteral("model"), QStringLiteral("Only requests for this model."), QStringLiteral("NAME")});
}

int runRequests(Context &ctx)
{
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto list = (*r)->requests(ctx.args.isSet(QStringLiteral("pending")), ctx.args.value(QStringLiteral("model")));
    if (!list)
        return ctx.fail(list.error());
    if (ctx.json) {
        QJsonArray a;
        for (const ApprovalRequest &q : *list)
            a << toJson(q);
        return ctx.printJson({{QStringLiteral("requests"), a}});
    }
    QList<QStringList> rows;
    for (const ApprovalRequest &q : *list)
        rows << QStringList{QStringLiteral("#%1").arg(q.id),
                            q.modelName,
                            QStringLiteral("v%1").arg(q.version),
                            q.status,
                            q.gatesPassed ? QStringLiteral("pass") : QStringLiteral("FAIL"),
                            q.requestedBy,
                            q.requestedAt.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')),
                            q.reason};
    if (rows.isEmpty()) {
        ctx.out << "No requests." << Qt::endl;
        return ExitOk;
    }
    printTable(ctx.out,
               {QStringLiteral("ID"), QStringLiteral("MODEL"), QStringLiteral("VERSION"), QStringLiteral("STATUS"),
                QStringLiteral("GATES"), QStringLiteral("BY"), QStringLiteral("AT (UTC)"), QStringLiteral("REASON")},
               rows);
    return ExitOk;
}

// ---- gates ------------------------------------------------------------------------------------

void setupGates(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("show or set."), QStringLiteral("show|set"));
    p.addOption({QStringLiteral("model"), QStringLiteral("The model's policy (default: the registry-wide default)."),
                 QStringLiteral("NAME")});
    p.addOption(
        {QStringLiteral("file"), QStringLiteral("set: the policy file (JSON, see README)."), QStringLiteral("FILE")});
}

int runGates(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1 || (pos.first() != QLatin1String("show") && pos.first() != QLatin1String("set")))
        return ctx.usage(
            QStringLiteral("gates takes show or set: modelctl gates show [--model NAME] | modelctl gates set "
                           "[--model NAME] --file policy.json"));
    const QString model = ctx.args.value(QStringLiteral("model"));
    if (pos.first() == QLatin1String("set")) {
        if (!ctx.args.isSet(QStringLiteral("file")))
            return ctx.usage(QStringLiteral("gates set needs --file policy.json."));
        QFile f(ctx.args.value(QStringLiteral("file")));
        if (!f.open(QIODevice::ReadOnly))
            return ctx.usage(QStringLiteral("Cannot read %1: %2.").arg(f.fileName(), f.errorString()));
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
        if (perr.error != QJsonParseError::NoError || !doc.isObject())
            return ctx.usage(QStringLiteral("%1 is not a JSON object: %2 at byte %3.")
                                 .arg(f.fileName(), perr.errorString())
                                 .arg(perr.offset));
        auto policies = parseGatePolicies(doc.object());
        if (!policies)
            return ctx.fail(policies.error());
        auto r = ctx.registry();
        if (!r)
            return ctx.fail(r.error());
        if (auto s = (*r)->setGatePolicies(model, *policies); !s)
            return ctx.fail(s.error());
    }
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto p = (*r)->gatePolicies(model);
    if (!p)
        return ctx.fail(p.error());
    const QJsonObject o{{QStringLiteral("model"), model.isEmpty() ? QJsonValue() : QJsonValue(model)},
                        {QStringLiteral("source"), p->source},
                        {QStringLiteral("staging"), toJson(p->staging)},
                        {QStringLiteral("production"), toJson(p->production)}};
    return ctx.printJson(o);
}

// ---- model settings, aliases, deployments, roles ----------------------------------------------

void setupModel(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("set"), QStringLiteral("set"));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addOption({QStringLiteral("max-production"), QStringLiteral("How many versions may be in Production at once."),
                 QStringLiteral("N")});
}

int runModel(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 2 || pos.first() != QLatin1String("set") || !ctx.args.isSet(QStringLiteral("max-production")))
        return ctx.usage(QStringLiteral("Use: modelctl model set NAME --max-production N"));
    bool ok = false;
    const int n = ctx.args.value(QStringLiteral("max-production")).toInt(&ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--max-production must be a number."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (auto s = (*r)->setMaxProduction(pos.at(1), n); !s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("model"), pos.at(1)}, {QStringLiteral("max_production"), n}});
    ctx.out << pos.at(1) << ": at most " << n << " version(s) in Production." << Qt::endl;
    return ExitOk;
}

void setupAlias(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("set, rm or list."),
                            QStringLiteral("set|rm|list"));
    p.addPositionalArgument(QStringLiteral("ARGS"),
                            QStringLiteral("set NAME ALIAS VERSION | rm NAME ALIAS | list NAME"),
                            QStringLiteral("ARGS..."));
    p.addOption({QStringLiteral("protected"), QStringLiteral("set: only deployers may move or remove this alias.")});
    p.addOption({QStringLiteral("follows"),
                 QStringLiteral("set: the alias follows a stage instead of a version (only 'production': it always "
                                "points at the newest Production version and moves with every promotion, archive and "
                                "rollback)."),
                 QStringLiteral("STAGE")});
}

int runAlias(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    const QString usage =
        QStringLiteral("Use: modelctl alias set NAME ALIAS (VERSION | --follows production) [--protected] | alias rm "
                       "NAME ALIAS | alias list NAME");
    if (pos.isEmpty())
        return ctx.usage(usage);
    const QString action = pos.first();
    const bool follows = ctx.args.isSet(QStringLiteral("follows"));
    if (follows && (action != QLatin1String("set") ||
                    ctx.args.value(QStringLiteral("follows")).toLower() != QLatin1String("production")))
        return ctx.usage(QStringLiteral("--follows takes 'production', with alias set: modelctl alias set NAME ALIAS "
                                        "--follows production"));
    if (!((action == QLatin1String("set") && pos.size() == (follows ? 3 : 4)) ||
          (action == QLatin1String("rm") && pos.size() == 3) || (action == QLatin1String("list") && pos.size() == 2)))
        return ctx.usage(usage);
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (action == QLatin1String("set") && follows) {
        if (auto s = (*r)->setFollowingAlias(pos.at(1), pos.at(2), ctx.args.isSet(QStringLiteral("protected"))); !s)
            return ctx.fail(s.error());
    } else if (action == QLatin1String("set")) {
        auto n = parseVersionNumber(pos.at(3));
        if (!n)
            return ctx.fail(n.error());
        if (auto s = (*r)->setAlias(pos.at(1), pos.at(2), *n, ctx.args.isSet(QStringLiteral("protected"))); !s)
            return ctx.fail(s.error());
    } else if (action == QLatin1String("rm")) {
        if (auto s = (*r)->removeAlias(pos.at(1), pos.at(2)); !s)
            return ctx.fail(s.error());
    }
    auto list = (*r)->aliases(pos.at(1));
    if (!list)
        return ctx.fail(list.error());
    if (ctx.json) {
        QJsonArray a;
        for (const Alias &al : *list)
            a << toJson(al);
        return ctx.printJson({{QStringLiteral("model"), pos.at(1)}, {QStringLiteral("aliases"), a}});
    }
    QList<QStringList> rows;
    for (const Alias &al : *list)
        rows << QStringList{al.alias,
                            QStringLiteral("v%1").arg(al.version),
                            al.followsProduction ? QStringLiteral("production") : QStringLiteral("pinned"),
                            al.isProtected ? QStringLiteral("yes") : QStringLiteral("no"),
                            al.updatedBy,
                            al.updatedAt};
    printTable(ctx.out,
               {QStringLiteral("ALIAS"), QStringLiteral("VERSION"), QStringLiteral("FOLLOWS"),
                QStringLiteral("PROTECTED"), QStringLiteral("BY"), QStringLiteral("AT")},
               rows);
    return ExitOk;
}

void setupDeployment(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("report"), QStringLiteral("report"));
    p.addOption({QStringLiteral("service"), QStringLiteral("Service name (e.g. rec-api)."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("env"), QStringLiteral("Environment (e.g. prod-eu)."), QStringLiteral("ENV")});
    p.addOption({QStringLiteral("model"), QStringLiteral("Model name."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("version"), QStringLiteral("The version the service runs."), QStringLiteral("N")});
}

int runDeployment(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    for (const char *opt : {"service", "env", "model", "version"})
        if (!ctx.args.isSet(QLatin1String(opt)))
            return ctx.usage(
                QStringLiteral("Use: modelctl deployment report --service NAME --env ENV --model NAME --version N"));
    if (pos.size() != 1 || pos.first() != QLatin1String("report"))
        return ctx.usage(
            QStringLiteral("Use: modelctl deployment report --service NAME --env ENV --model NAME --version N"));
    auto n = parseVersionNumber(ctx.args.value(QStringLiteral("version")));
    if (!n)
        return ctx.fail(n.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (auto s =
            (*r)->reportDeployment(ctx.args.value(QStringLiteral("service")), ctx.args.value(QStringLiteral("env")),
                                   ctx.args.value(QStringLiteral("model")), *n);
        !s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("ok"), true}});
    ctx.out << "Recorded: " << ctx.args.value(QStringLiteral("service")) << " in "
            << ctx.args.value(QStringLiteral("env")) << " runs " << ctx.args.value(QStringLiteral("model")) << " v"
            << *n << Qt::endl;
    return ExitOk;
}

int runDeployments(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() > 1)
        return ctx.usage(QStringLiteral("Use: modelctl deployments [NAME]"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto list = (*r)->deployments(pos.value(0));
    if (!list)
        return ctx.fail(list.error());
    if (ctx.json) {
        QJsonArray a;
        for (const Deployment &d : *list)
            a << toJson(d);
        return ctx.printJson({{QStringLiteral("deployments"), a}});
    }
    QList<QStringList> rows;
    for (const Deployment &d : *list)
        rows << QStringList{d.service,          d.environment,
                            d.modelName,        QStringLiteral("v%1").arg(d.version),
                            stageName(d.stage), d.shadow ? QStringLiteral("SHADOW: not in Production") : QString(),
                            d.reportedAt};
    printTable(ctx.out,
               {QStringLiteral("SERVICE"), QStringLiteral("ENV"), QStringLiteral("MODEL"), QStringLiteral("VERSION"),
                QStringLiteral("STAGE"), QStringLiteral("FLAG"), QStringLiteral("REPORTED")},
               rows);
    return ExitOk;
}

void setupGrant(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("ROLE"), QStringLiteral("reader, scientist, reviewer, deployer or admin."));
    p.addPositionalArgument(QStringLiteral("USER"), QStringLiteral("PostgreSQL login user."));
}

int runGrant(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 2)
        return ctx.usage(QStringLiteral("Use: modelctl grant ROLE USER"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (auto s = (*r)->grantRole(pos.at(0), pos.at(1)); !s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("ok"), true}});
    ctx.out << "Granted modeldesk_" << pos.at(0) << " to " << pos.at(1) << Qt::endl;
    return ExitOk;
}

int runWhoami(Context &ctx)
{
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto roles = (*r)->roles();
    if (!roles)
        return ctx.fail(roles.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("actor"), (*r)->actor()},
                              {QStringLiteral("registry"), (*r)->locationDisplay()},
                              {QStringLiteral("roles"), QJsonArray::fromStringList(*roles)}});
    ctx.out << (*r)->actor() << " on " << (*r)->locationDisplay()
            << " (roles: " << (roles->isEmpty() ? QStringLiteral("none") : roles->join(QStringLiteral(", ")))
            << ((*r)->dialect() == Dialect::Sqlite ? QStringLiteral("; SQLite: advisory only") : QString()) << ")"
            << Qt::endl;
    return ExitOk;
}

} // namespace

int runActions(Context &ctx)
{
    auto nv =
        takeNameVersion(ctx, QStringLiteral("actions takes a model and a version: modelctl actions NAME VERSION"));
    if (!nv)
        return ctx.fail(nv.error());
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto actions = (*r)->versionActions(nv->name, nv->version);
    if (!actions)
        return ctx.fail(actions.error());
    if (ctx.json)
        return ctx.printJson(toJson(*actions));
    QStringList roles;
    for (Role role : actions->roles)
        roles << roleName(role);
    ctx.out << nv->name << " v" << nv->version << " (" << stageName(actions->stage) << "), for " << actions->actor
            << " (" << (roles.isEmpty() ? QStringLiteral("no ModelDesk role") : roles.join(QStringLiteral(", ")))
            << "):" << Qt::endl;
    QList<QStringList> rows;
    for (const ActionVerdict &a : actions->actions)
        rows << QStringList{versionActionName(a.action), a.allowed ? QStringLiteral("yes") : QStringLiteral("no"),
                            a.reason};
    printTable(ctx.out, {QStringLiteral("ACTION"), QStringLiteral("ALLOWED"), QStringLiteral("WHY")}, rows);
    return ExitOk;
}

void setupWithdraw(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("REQUEST"), QStringLiteral("Request number (see modelctl requests)."));
    reasonOption(p, QStringLiteral("Why (required)."));
}

int runWithdraw(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    bool ok = false;
    const qint64 id = pos.size() == 1 ? pos.first().toLongLong(&ok) : 0;
    if (!ok || id <= 0)
        return ctx.usage(QStringLiteral("withdraw takes a request number: modelctl withdraw REQUEST --reason TEXT"));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    auto q = (*r)->withdrawRequest(id, ctx.args.value(QStringLiteral("reason")));
    if (!q)
        return ctx.fail(q.error());
    if (ctx.json)
        return ctx.printJson(toJson(*q));
    ctx.out << "Request #" << id << " for " << q->modelName << " v" << q->version << " is withdrawn." << Qt::endl;
    return ExitOk;
}

void setupMetricDirection(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name, or '*' for the whole registry."));
    p.addPositionalArgument(QStringLiteral("METRIC"), QStringLiteral("Metric name (without dataset or slice)."),
                            QStringLiteral("[METRIC"));
    p.addPositionalArgument(QStringLiteral("DIRECTION"),
                            QStringLiteral("higher, lower, or default (the name's convention); omit to show."),
                            QStringLiteral("[higher|lower|default]]"));
}

int runMetricDirection(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.isEmpty() || pos.size() > 3)
        return ctx.usage(
            QStringLiteral("Use: modelctl metric-direction NAME [METRIC [higher|lower|default]] (NAME '*': "
                           "the whole registry)"));
    const QString model = pos.first() == QLatin1String("*") ? QString() : pos.first();
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    if (pos.size() == 3) {
        std::optional<MetricDirection> direction = parseMetricDirection(pos.at(2));
        if (!direction && pos.at(2) != QLatin1String("default"))
            return ctx.usage(QStringLiteral("The direction is higher, lower or default, not '%1'.").arg(pos.at(2)));
        if (auto s = (*r)->setMetricDirection(model, pos.at(1), direction); !s)
            return ctx.fail(s.error());
    }
    auto d = (*r)->metricDirections(model);
    if (!d)
        return ctx.fail(d.error());
    QStringList metrics = d->model.keys() + d->registry.keys();
    if (pos.size() >= 2)
        metrics = {pos.at(1)};
    metrics.removeDuplicates();
    metrics.sort();
    if (ctx.json) {
        QJsonArray list;
        for (const QString &m : metrics)
            list << QJsonObject{{QStringLiteral("metric"), m},
                                {QStringLiteral("direction"), metricDirectionName(d->of(m))},
                                {QStringLiteral("source"), d->sourceOf(m)}};
        return ctx.printJson({{QStringLiteral("model"), model.isEmpty() ? QStringLiteral("*") : model},
                              {QStringLiteral("directions"), list}});
    }
    if (metrics.isEmpty()) {
        ctx.out << "No metric directions are set; every metric has its name's default (loss, error, latency, ...: "
                   "lower is better)."
                << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const QString &m : metrics)
        rows << QStringList{m, metricDirectionName(d->of(m)) + QStringLiteral(" is better"), d->sourceOf(m)};
    printTable(ctx.out, {QStringLiteral("METRIC"), QStringLiteral("DIRECTION"), QStringLiteral("SET FOR")}, rows);
    return ExitOk;
}

QList<Command> lifecycleCommands()
{
    auto none = [](QCommandLineParser &) {};
    return {
        {QStringLiteral("promote"), QStringLiteral("Move a version to another stage (gates and approvals apply)."),
         setupPromote, runPromote},
        {QStringLiteral("demote"), QStringLiteral("Move a version from Staging back to None."), setupSimpleTransition,
         runDemote},
        {QStringLiteral("archive"), QStringLiteral("Archive a Staging or Production version."), setupSimpleTransition,
         runArchive},
        {QStringLiteral("rollback"), QStringLiteral("Roll Production back to an earlier Production version."),
         setupRollback, runRollback},
        {QStringLiteral("history"), QStringLiteral("The production timeline of a model."), setupName, runHistory},
        {QStringLiteral("production"), QStringLiteral("The version(s) in Production and their artifact URIs."),
         setupName, runProduction},
        {QStringLiteral("request"), QStringLiteral("Request promotion of a Staging version to Production."),
         setupRequest, runRequest},
        {QStringLiteral("approve"), QStringLiteral("Approve a promotion request."), setupDecide,
         [](Context &c) { return runDecision(c, true); }},
        {QStringLiteral("reject"), QStringLiteral("Reject a promotion request."), setupDecide,
         [](Context &c) { return runDecision(c, false); }},
        {QStringLiteral("requests"), QStringLiteral("List promotion requests."), setupRequests, runRequests},
        {QStringLiteral("gates"), QStringLiteral("Show or set gate policies."), setupGates, runGates},
        {QStringLiteral("model"), QStringLiteral("Change model settings (max Production versions)."), setupModel,
         runModel},
        {QStringLiteral("alias"), QStringLiteral("Named pointers to versions (champion, challenger, ...)."), setupAlias,
         runAlias},
        {QStringLiteral("deployment"), QStringLiteral("Record which version a service runs."), setupDeployment,
         runDeployment},
        {QStringLiteral("deployments"), QStringLiteral("What services run, flagging shadow models."), setupName,
         runDeployments},
        {QStringLiteral("grant"), QStringLiteral("PostgreSQL: give a user a ModelDesk role."), setupGrant, runGrant},
        {QStringLiteral("whoami"), QStringLiteral("Who you act as and your roles."), none, runWhoami},
        {QStringLiteral("actions"), QStringLiteral("What you may do with a version, and why not."), nameVersion,
         runActions},
        {QStringLiteral("withdraw"), QStringLiteral("Withdraw your open promotion request."), setupWithdraw,
         runWithdraw},
        {QStringLiteral("metric-direction"),
         QStringLiteral("Whether higher or lower is better for a metric (gates, diff, the app)."), setupMetricDirection,
         runMetricDirection},
    };
}

} // namespace md::cli
