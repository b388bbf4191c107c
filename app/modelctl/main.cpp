// modelctl: the command-line interface to a ModelDesk registry.

#include "cli.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

#include <cstdio>

using namespace md;
using namespace md::cli;

namespace {

void addGlobalOptions(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("registry"),
                 QStringLiteral("Registry URL: a file path, sqlite:///path or postgresql://user@host:port/db "
                                "(default: $MODELDESK_REGISTRY, else the embedded registry)."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("read-registry"),
                 QStringLiteral("PostgreSQL: a read replica (a hot standby) for the read-only commands; writes go to "
                                "--registry (default: $MODELDESK_READ_REGISTRY)."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print machine-readable JSON (format in the README).")});
    p.addOption({QStringLiteral("as"),
                 QStringLiteral("SQLite only: act as this user instead of the OS user (advisory)."),
                 QStringLiteral("USER")});
    p.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help.")});
}

QString globalHelp(const QList<Command> &cmds)
{
    QString text = QStringLiteral("Usage: modelctl [--registry URL] [--read-registry URL] [--json] [--as USER] COMMAND "
                                  "[ARGS]\n\n"
                                  "ModelDesk model registry, command-line interface.\n\nCommands:\n");
    for (const Command &c : cmds)
        text += QStringLiteral("  %1 %2\n").arg(c.name.leftJustified(16), c.summary);
    text += QStringLiteral("\n`modelctl COMMAND --help` describes a command.\n"
                           "Exit codes: 0 ok, 2 usage or invalid input, 3 not found, 4 conflict, 5 database, "
                           "6 permission.\n");
    return text;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("modelctl"));
    QTextStream out(stdout);
    QTextStream err(stderr);

    // Decode arguments ourselves so that invalid UTF-8 is refused instead of silently replaced.
    QStringList args;
    for (int i = 0; i < argc; ++i) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString arg = decoder(QByteArrayView(argv[i]));
        if (decoder.hasError()) {
            err << "modelctl: argument " << i << " is not valid UTF-8. Pass text as UTF-8." << Qt::endl;
            return ExitUsage;
        }
        args << arg;
    }

    const QList<Command> cmds = commands();
    int commandIndex = -1;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--registry") || a == QLatin1String("--read-registry") || a == QLatin1String("--as")) {
            ++i;
            continue;
        }
        if (a.startsWith(QLatin1Char('-')))
            continue;
        commandIndex = i;
        break;
    }
    if (commandIndex < 0 && (args.contains(QStringLiteral("--version")) || args.contains(QStringLiteral("-v")))) {
        out << "modelctl " << MODELDESK_VERSION << Qt::endl;
        return ExitOk;
    }
    if (commandIndex < 0) {
        const bool askedForHelp = args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"));
        (askedForHelp ? out : err) << globalHelp(cmds);
        return askedForHelp ? ExitOk : ExitUsage;
    }
    const QString name = args.at(commandIndex);
    // With --json every error is the documented object on stdout, usage errors included.
    const bool json = args.contains(QStringLiteral("--json"));
    auto usageError = [&](const QString &message) {
        if (json)
            out << QJsonDocument(QJsonObject{{QStringLiteral("error"),
                                              QJsonObject{{QStringLiteral("kind"), errorKindName(Error::Kind::Invalid)},
                                                          {QStringLiteral("message"), message}}}})
                       .toJson(QJsonDocument::Indented);
        out.flush();
        return ExitUsage;
    };
    auto it = std::find_if(cmds.begin(), cmds.end(), [&](const Command &c) { return c.name == name; });
    if (it == cmds.end()) {
        err << "modelctl: unknown command '" << name << "'.\n\n" << globalHelp(cmds);
        return usageError(QStringLiteral("unknown command '%1'; `modelctl --help` lists the commands.").arg(name));
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(it->summary);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    addGlobalOptions(parser);
    it->setup(parser);
    QStringList commandArgs = args;
    commandArgs.removeAt(commandIndex);
    commandArgs[0] = QStringLiteral("modelctl %1").arg(name);
    if (!parser.parse(commandArgs)) {
        err << "modelctl " << name << ": " << parser.errorText() << "\nSee `modelctl " << name << " --help`."
            << Qt::endl;
        QString problem = parser.errorText();
        if (problem.endsWith(QLatin1Char('.')))
            problem.chop(1);
        return usageError(QStringLiteral("%1; see `modelctl %2 --help`.").arg(problem, name));
    }
    if (parser.isSet(QStringLiteral("help"))) {
        // QCommandLineParser names the program by its path; the usage line names the command.
        QString help = parser.helpText();
        const QString program = QCoreApplication::arguments().value(0);
        if (help.startsWith(QLatin1String("Usage: ") + program))
            help.replace(7, program.size(), QStringLiteral("modelctl %1").arg(name));
        out << help;
        return ExitOk;
    }
    Context ctx(parser, out, err);
    // What may read from a replica: commands that only read (lineage's own writes still go to the primary).
    static const QStringList replicaReaders = {
        QStringLiteral("production"), QStringLiteral("show"),        QStringLiteral("versions"),
        QStringLiteral("search"),     QStringLiteral("lineage"),     QStringLiteral("diff"),
        QStringLiteral("history"),    QStringLiteral("watch"),       QStringLiteral("models"),
        QStringLiteral("requests"),   QStringLiteral("deployments"), QStringLiteral("actions")};
    ctx.readsFromReplica = replicaReaders.contains(name);
    const int code = it->run(ctx);
    ctx.finish();
    return code;
}
