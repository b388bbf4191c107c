#include "cli.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

namespace md::cli {

int exitCodeFor(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::Invalid:
        return ExitUsage;
    case Error::Kind::NotFound:
        return ExitNotFound;
    case Error::Kind::Conflict:
        return ExitConflict;
    case Error::Kind::Permission:
        return ExitPermission;
    case Error::Kind::Database:
    case Error::Kind::Connection:
    case Error::Kind::Auth:
    case Error::Kind::NotARegistry:
    case Error::Kind::NewerSchema:
    case Error::Kind::ReadOnly:
        return ExitDatabase;
    }
    return ExitFailure;
}

Context::Context(QCommandLineParser &parser, QTextStream &o, QTextStream &e) : args(parser), out(o), err(e)
{
    json = args.isSet(QStringLiteral("json"));
}

QString Context::registryUrl() const
{
    if (args.isSet(QStringLiteral("registry")))
        return args.value(QStringLiteral("registry"));
    const QString env = qEnvironmentVariable("MODELDESK_REGISTRY");
    return env.isEmpty() ? defaultRegistryPath() : env;
}

QString Context::readRegistryUrl() const
{
    if (args.isSet(QStringLiteral("read-registry")))
        return args.value(QStringLiteral("read-registry"));
    return qEnvironmentVariable("MODELDESK_READ_REGISTRY");
}

namespace {
// The primary's WAL position after the last write of a modelctl run, per primary, for read-your-writes across
// runs: $XDG_STATE_HOME/modeldesk/read-positions.json (~/.local/state).
QString readPositionsPath()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/modeldesk/read-positions.json");
}

QJsonObject loadReadPositions()
{
    QFile f(readPositionsPath());
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.read(1 << 20)).object();
}
} // namespace

Result<Registry *> Context::registry(Registry::Open mode)
{
    if (m_registry)
        return m_registry.get();
    auto opened = Registry::open(registryUrl(), mode);
    if (!opened)
        return opened.error();
    m_registry = std::move(*opened);
    if (const QString readUrl = readRegistryUrl(); !readUrl.isEmpty() && readsFromReplica) {
        if (auto s = m_registry->attachReplica(readUrl); !s)
            return s.error();
        m_registry->readAfter(loadReadPositions().value(m_registry->locationDisplay()).toString());
    }
    if (!m_registry->guardsProblem().isEmpty())
        err << "modelctl: warning: " << m_registry->guardsProblem() << Qt::endl;
    if (args.isSet(QStringLiteral("as"))) {
        if (auto s = m_registry->setSqliteActor(args.value(QStringLiteral("as"))); !s)
            return s.error();
    }
    return m_registry.get();
}

void Context::finish()
{
    if (!m_registry || readsFromReplica || readRegistryUrl().isEmpty() || m_registry->dialect() != Dialect::Postgres)
        return;
    auto position = m_registry->pendingReadPosition();
    if (!position || position->isEmpty())
        return;
    QJsonObject positions = loadReadPositions();
    positions.insert(m_registry->locationDisplay(), *position);
    const QString path = readPositionsPath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (f.open(QIODevice::WriteOnly)) {
        f.write(QJsonDocument(positions).toJson(QJsonDocument::Compact));
        if (!f.commit())
            err << "modelctl: warning: cannot keep this write's position in " << path
                << ": the next read from the replica may not show it yet." << Qt::endl;
    }
}

int Context::fail(const Error &error)
{
    if (json) {
        out << QString::fromUtf8(
            QJsonDocument(
                QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("kind"), errorKindName(error.kind)},
                                                                  {QStringLiteral("message"), error.message}}}})
                .toJson(QJsonDocument::Indented));
        out.flush();
    }
    err << "modelctl: " << error.message << Qt::endl;
    return exitCodeFor(error);
}

int Context::usage(const QString &message)
{
    return fail(Error::invalid(message));
}

void Context::warn(const QStringList &warnings)
{
    for (const QString &w : warnings)
        err << "warning: " << w << Qt::endl;
}

int Context::printJson(const QJsonObject &object)
{
    out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    out.flush();
    return ExitOk;
}

void printTable(QTextStream &out, const QStringList &header, const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QString &h : header)
        widths << h.size();
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], std::min<qsizetype>(row[i].size(), 60));
    auto line = [&](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            QString cell = cells[i];
            if (cell.size() > 60)
                cell = cell.left(59) + QChar(0x2026);
            text += i + 1 < cells.size() ? cell.leftJustified(widths[i] + 2) : cell;
        }
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        out << text << '\n';
    };
    line(header);
    for (const QStringList &row : rows)
        line(row);
    out.flush();
}

} // namespace md::cli
