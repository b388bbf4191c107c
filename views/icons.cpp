#include "icons.h"

#include <QFile>
#include <QHash>

namespace md {

namespace {

// Our icon -> the theme's name for the same concept (resources/icons/README.md lists the same).
const QHash<QString, QString> &themeNames()
{
    static const QHash<QString, QString> names{
        {QStringLiteral("actions/open-registry"), QStringLiteral("document-open")},
        {QStringLiteral("actions/connect-server"), QStringLiteral("network-server")},
        {QStringLiteral("actions/recent"), QStringLiteral("document-open-recent")},
        {QStringLiteral("actions/demo-data"), QStringLiteral("tools-wizard")},
        {QStringLiteral("actions/import-mlflow"), QStringLiteral("document-import")},
        {QStringLiteral("actions/export-csv"), QStringLiteral("document-export")},
        {QStringLiteral("actions/quit"), QStringLiteral("application-exit")},
        {QStringLiteral("actions/copy"), QStringLiteral("edit-copy")},
        {QStringLiteral("actions/find"), QStringLiteral("edit-find")},
        {QStringLiteral("actions/find-model"), QStringLiteral("system-search")},
        {QStringLiteral("actions/refresh"), QStringLiteral("view-refresh")},
        {QStringLiteral("actions/columns"), QStringLiteral("view-list-details")},
        {QStringLiteral("actions/promote-staging"), QStringLiteral("go-up")},
        {QStringLiteral("actions/approve"), QStringLiteral("dialog-ok-apply")},
        {QStringLiteral("actions/reject"), QStringLiteral("dialog-cancel")},
        {QStringLiteral("actions/withdraw"), QStringLiteral("edit-undo")},
        {QStringLiteral("actions/demote"), QStringLiteral("go-down")},
        {QStringLiteral("actions/archive"), QStringLiteral("archive-insert")},
        {QStringLiteral("actions/rollback"), QStringLiteral("document-revert")},
        {QStringLiteral("actions/set-alias"), QStringLiteral("tag")},
        {QStringLiteral("actions/verify-audit"), QStringLiteral("security-high")},
        {QStringLiteral("actions/about"), QStringLiteral("help-about")},
        {QStringLiteral("actions/help"), QStringLiteral("help-contents")},
        {QStringLiteral("actions/copy-uri"), QStringLiteral("insert-link")},
    };
    return names;
}

} // namespace

QIcon icon(const QString &name)
{
    static QHash<QString, QIcon> cache;
    if (auto it = cache.constFind(name); it != cache.constEnd())
        return *it;
    const QString file = QStringLiteral(":/icons/") + name + QStringLiteral(".svg");
    if (!QFile::exists(file)) // a misspelt name is no icon, not an empty one that draws nothing
        return QIcon();
    const QIcon ours(file);
    const QString theme = themeNames().value(name);
    const QIcon result = theme.isEmpty() ? ours : QIcon::fromTheme(theme, ours);
    cache.insert(name, result);
    return result;
}

QIcon applicationIcon()
{
    QIcon result;
    for (int size : {16, 24, 32, 48, 128, 256})
        result.addFile(QStringLiteral(":/icons/app/modeldesk-%1.svg").arg(size), QSize(size, size));
    return result;
}

} // namespace md
