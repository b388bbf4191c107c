// modelctl backup, restore and migrate: whole-registry copies (models/registry/transfer.h).

#include "cli.h"
#include "registry/transfer.h"

#include <QJsonArray>

#include <unistd.h>

namespace md::cli {

namespace {

void setupBackup(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("FILE"),
                            QStringLiteral("The backup to write (must not exist). SQLite: a registry file; "
                                           "PostgreSQL: ModelDesk's backup format (JSON Lines)."));
}

void setupRestore(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("A backup written by `modelctl backup`."));
    p.addOption({QStringLiteral("to"),
                 QStringLiteral("The new, empty registry to restore into (a new file, or an empty PostgreSQL "
                                "database; PostgreSQL needs a superuser)."),
                 QStringLiteral("URL")});
}

void setupMigrate(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("from"), QStringLiteral("The registry to copy (e.g. sqlite:///path/registry.db)."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("to"),
                 QStringLiteral("The new, empty registry to copy it into (e.g. postgresql://postgres@host/registry; "
                                "a superuser)."),
                 QStringLiteral("URL")});
}

// One line per table on a terminal, rewritten as rows arrive.
TransferProgress progressFor(Context &ctx)
{
    if (ctx.json || !isatty(STDERR_FILENO))
        return {};
    return [&ctx](const QString &table, qint64 rows) {
        ctx.err << "\r\033[K" << table << ": " << rows << " rows" << Qt::flush;
        return true;
    };
}

int report(Context &ctx, const QString &verb, const TransferReport &r)
{
    if (!ctx.json && isatty(STDERR_FILENO))
        ctx.err << "\r\033[K" << Qt::flush;
    const double seconds = std::max<qint64>(r.milliseconds, 1) / 1000.0;
    if (ctx.json) {
        QJsonObject rows;
        for (auto it = r.rows.begin(); it != r.rows.end(); ++it)
            rows.insert(it.key(), it.value());
        QJsonObject object{{QStringLiteral("source"), r.source},
                           {QStringLiteral("target"), r.target},
                           {QStringLiteral("versions"), r.versions},
                           {QStringLiteral("rows"), rows},
                           {QStringLiteral("milliseconds"), r.milliseconds},
                           {QStringLiteral("versions_per_second"), qRound64(r.versions / seconds)},
                           {QStringLiteral("audit"), QJsonObject{{QStringLiteral("intact"), r.audit.intact},
                                                                 {QStringLiteral("entries"), r.audit.head.entries},
                                                                 {QStringLiteral("head"), r.audit.head.hash}}}};
        if (!r.format.isEmpty())
            object.insert(QStringLiteral("format"), r.format);
        if (r.bytes > 0)
            object.insert(QStringLiteral("bytes"), r.bytes);
        return ctx.printJson(object);
    }
    qint64 total = 0;
    for (qint64 n : r.rows)
        total += n;
    ctx.out << verb << ' ' << r.source << " to " << r.target << ": " << r.versions << " versions, " << total
            << " rows in " << r.rows.size() << " tables, in " << r.milliseconds << " ms ("
            << qRound64(r.versions / seconds) << " versions/s)." << Qt::endl;
    ctx.out << "Audit log: " << r.audit.head.entries << " entries, head " << r.audit.head.hash.left(16)
            << (r.audit.intact ? "…, chain verified." : "…, NOT intact.") << Qt::endl;
    if (r.bytes > 0)
        ctx.out << "Backup: " << r.format << ", " << r.bytes << " bytes, readable by you only (it holds the webhooks' "
                << "signing secrets)." << Qt::endl;
    return ExitOk;
}

int runBackup(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1)
        return ctx.usage(QStringLiteral("backup takes the file to write: modelctl backup FILE"));
    auto registry = ctx.registry();
    if (!registry)
        return ctx.fail(registry.error());
    auto r = backupRegistry(**registry, pos.first(), progressFor(ctx));
    if (!r)
        return ctx.fail(r.error());
    return report(ctx, QStringLiteral("Backed up"), *r);
}

int runRestore(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() != 1 || !ctx.args.isSet(QStringLiteral("to")))
        return ctx.usage(QStringLiteral("restore takes the backup and the new registry: modelctl restore FILE --to "
                                        "URL"));
    auto r = restoreRegistry(pos.first(), ctx.args.value(QStringLiteral("to")), progressFor(ctx));
    if (!r)
        return ctx.fail(r.error());
    return report(ctx, QStringLiteral("Restored"), *r);
}

int runMigrate(Context &ctx)
{
    if (!ctx.args.positionalArguments().isEmpty() || !ctx.args.isSet(QStringLiteral("from")) ||
        !ctx.args.isSet(QStringLiteral("to")))
        return ctx.usage(QStringLiteral("migrate takes both registries: modelctl migrate --from URL --to URL"));
    auto r =
        migrateRegistry(ctx.args.value(QStringLiteral("from")), ctx.args.value(QStringLiteral("to")), progressFor(ctx));
    if (!r)
        return ctx.fail(r.error());
    return report(ctx, QStringLiteral("Copied"), *r);
}

} // namespace

QList<Command> transferCommands()
{
    return {
        {QStringLiteral("backup"), QStringLiteral("Write a consistent snapshot of the registry to a file."),
         setupBackup, runBackup},
        {QStringLiteral("restore"), QStringLiteral("Restore a backup into a new, empty registry."), setupRestore,
         runRestore},
        {QStringLiteral("migrate"),
         QStringLiteral("Copy a whole registry (history and audit chain) into a new, empty one."), setupMigrate,
         runMigrate},
    };
}

} // namespace md::cli
