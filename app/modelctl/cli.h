#pragma once

#include "registry/registry.h"

#include <QCommandLineParser>
#include <QJsonObject>
#include <QTextStream>

#include <functional>
#include <memory>

namespace md::cli {

// Exit codes of modelctl (documented in the README).
enum ExitCode
{
    ExitOk = 0,
    ExitFailure = 1,    // unexpected failure
    ExitUsage = 2,      // bad command line or invalid input: nothing was changed
    ExitNotFound = 3,   // unknown model, version, ...
    ExitConflict = 4,   // refused by a registry rule or a concurrent change; audit chain broken
    ExitDatabase = 5,   // cannot connect, authentication, not a registry, newer schema, database error
    ExitPermission = 6, // the connected user's role may not do this
};

int exitCodeFor(const Error &error);

class Context
{
public:
    Context(QCommandLineParser &parser, QTextStream &out, QTextStream &err);

    QCommandLineParser &args;
    bool json = false;
    QTextStream &out;
    QTextStream &err;

    QString registryUrl() const;
    // The read replica's URL (--read-registry, MODELDESK_READ_REGISTRY); empty: reads go to the registry.
    QString readRegistryUrl() const;
    // Read-only commands (production, show, search, ...) read from the replica when one is given.
    bool readsFromReplica = false;
    // Opens the registry on first use. Errors are reported by fail().
    Result<Registry *> registry(Registry::Open mode = Registry::Open::ExistingOnly);

    int fail(const Error &error);
    int usage(const QString &message);
    void warn(const QStringList &warnings);
    int printJson(const QJsonObject &object);
    // After the command: with a replica given, the position of this run's writes is kept (in the user's state
    // folder), so that the next read-only command reads them from the primary until the replica has them.
    void finish();

private:
    std::unique_ptr<Registry> m_registry;
};

struct Command
{
    QString name;
    QString summary;
    std::function<void(QCommandLineParser &)> setup;
    std::function<int(Context &)> run;
};

QList<Command> commands();
QList<Command> lifecycleCommands();
QList<Command> lineageCommands();
QList<Command> diffCommands();
QList<Command> feedCommands();
QList<Command> importCommands();
QList<Command> transferCommands();

// "3" or "v3".
Result<int> parseVersionNumber(const QString &text);

// Prints rows as aligned columns.
void printTable(QTextStream &out, const QStringList &header, const QList<QStringList> &rows);

} // namespace md::cli
