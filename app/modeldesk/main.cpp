// modeldesk: the desktop application. Only the entry point lives here; the window is in views/.

#include "compareview.h"
#include "database.h"
#include "difftableview.h"
#include "filterlineedit.h"
#include "lifecycleui.h"
#include "mainwindow.h"
#include "modeltreepanel.h"
#include "searchpanel.h"

#include <QApplication>
#include <QCheckBox>
#include <QCommandLineParser>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace {

void setupParser(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral(
        "ModelDesk: browse and search a model registry.\n\n"
        "Without --registry it opens $MODELDESK_REGISTRY, else the registry opened last, else the embedded\n"
        "registry in your data folder (created on first start; it offers demo data while empty)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("registry"),
                      QStringLiteral("Registry to open: a file path, sqlite:///path or "
                                     "postgresql://user@host:port/dbname."),
                      QStringLiteral("URL")});
    parser.addOption(
        {QStringLiteral("model"), QStringLiteral("Select this model after opening."), QStringLiteral("NAME")});
    parser.addOption(
        {QStringLiteral("search"), QStringLiteral("Run this search after opening."), QStringLiteral("FILTER")});
    parser.addOption({QStringLiteral("compare"),
                      QStringLiteral("Open the Compare view for these versions: numbers and ranges of --model "
                                     "(e.g. 3,7,10-15), or NAME@N items."),
                      QStringLiteral("VERSIONS")});
    parser.addOption({QStringLiteral("compare-tab"),
                      QStringLiteral("The Compare tab to show: metrics, trend, subgroups or diff."),
                      QStringLiteral("TAB")});
    parser.addOption({QStringLiteral("compare-options"),
                      QStringLiteral("Comma-separated: normalise, deltas, differences (only, in the diff)."),
                      QStringLiteral("OPTIONS")});
    parser.addOption({QStringLiteral("lineage"),
                      QStringLiteral("Show the Lineage tab centred on this node, e.g. pipeline:features@2.3 or "
                                     "model:NAME@VERSION."),
                      QStringLiteral("NODE")});
    parser.addOption({QStringLiteral("impact"), QStringLiteral("With --lineage: start in impact mode.")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Window size, e.g. 1280x800."), QStringLiteral("WxH")});
    parser.addOption({QStringLiteral("rollback"),
                      QStringLiteral("Open the rollback dialog of this model after opening (a link for alerts)."),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("review"),
                      QStringLiteral("Open the approval dialog of this promotion request after opening."),
                      QStringLiteral("ID")});
    parser.addOption({QStringLiteral("screenshot"),
                      QStringLiteral("Save a PNG of the window (or of the dialog it opened) once it has loaded, "
                                     "then quit."),
                      QStringLiteral("FILE")});
}

bool wantsTextOnly(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        for (const char *a : {"--help", "-h", "-?", "--help-all", "--version", "-v"})
            if (std::strcmp(argv[i], a) == 0)
                return true;
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication::setOrganizationName(QStringLiteral("ModelDesk"));
    QCoreApplication::setApplicationName(QStringLiteral("modeldesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    if (wantsTextOnly(argc, argv)) {
        QCoreApplication app(argc, argv);
        QCommandLineParser parser;
        setupParser(parser);
        parser.process(app); // prints help or version and exits
        return 0;
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        std::fprintf(stderr,
                     "modeldesk: no display is available (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                     "Run it in a desktop session, or under a virtual X server:\n"
                     "  xvfb-run -a -s \"-screen 0 1280x800x24\" %s [--registry URL]\n"
                     "The command-line tool modelctl needs no display.\n",
                     argv[0]);
        return 1;
    }
    QApplication app(argc, argv);
    QCommandLineParser parser;
    setupParser(parser);
    parser.process(app);

    md::MainWindow window;
    const QString size = parser.value(QStringLiteral("size"));
    if (!size.isEmpty()) {
        const QStringList wh = size.split(QLatin1Char('x'));
        if (wh.size() != 2 || wh[0].toInt() < 320 || wh[1].toInt() < 240) {
            std::fprintf(stderr, "modeldesk: --size takes WIDTHxHEIGHT, e.g. 1280x800.\n");
            return 2;
        }
        window.resize(wh[0].toInt(), wh[1].toInt());
    }
    window.show();

    QString url = parser.value(QStringLiteral("registry"));
    if (url.isEmpty())
        url = qEnvironmentVariable("MODELDESK_REGISTRY");
    if (url.isEmpty())
        url = QSettings().value(QStringLiteral("lastRegistry")).toString();
    const bool embedded = url.isEmpty();
    if (embedded)
        url = md::defaultRegistryPath();
    window.openRegistry(url, embedded || !url.contains(QLatin1String("://")) ? md::Registry::Open::CreateIfMissing
                                                                             : md::Registry::Open::ExistingOnly);

    const QString model = parser.value(QStringLiteral("model"));
    const QString search = parser.value(QStringLiteral("search"));
    const QString lineage = parser.value(QStringLiteral("lineage"));
    const bool impact = parser.isSet(QStringLiteral("impact"));
    if (!model.isEmpty() || !search.isEmpty() || !lineage.isEmpty()) {
        QObject::connect(&window, &md::MainWindow::registryOpened, &window,
                         [&window, model, search, lineage, impact]() {
                             if (!model.isEmpty())
                                 window.openVersion(model, -1);
                             if (!lineage.isEmpty())
                                 window.showLineage(lineage, impact);
                             if (!search.isEmpty()) {
                                 window.showSearch(true);
                                 window.searchPanel()->editor()->setText(search);
                                 emit window.searchPanel()->searchRequested(search);
                             }
                         });
    }
    const QString compare = parser.value(QStringLiteral("compare"));
    if (!compare.isEmpty()) {
        QList<QPair<QString, int>> refs;
        for (const QString &item : compare.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString name = item.contains(QLatin1Char('@')) ? item.section(QLatin1Char('@'), 0, -2) : model;
            const QString numbers = item.section(QLatin1Char('@'), -1);
            const int from = numbers.section(QLatin1Char('-'), 0, 0).toInt();
            const int to = numbers.contains(QLatin1Char('-')) ? numbers.section(QLatin1Char('-'), 1).toInt() : from;
            if (name.isEmpty() || from <= 0 || to < from) {
                std::fprintf(stderr, "modeldesk: --compare takes version numbers of --model or NAME@N items.\n");
                return 2;
            }
            for (int v = from; v <= to; ++v)
                refs << qMakePair(name, v);
        }
        const QStringList tabs = {QStringLiteral("metrics"), QStringLiteral("trend"), QStringLiteral("subgroups"),
                                  QStringLiteral("diff")};
        const int tab = std::max(0, int(tabs.indexOf(parser.value(QStringLiteral("compare-tab")))));
        const QStringList options = parser.value(QStringLiteral("compare-options")).split(QLatin1Char(','));
        QObject::connect(&window, &md::MainWindow::registryOpened, &window, [&window, refs, tab, options]() {
            md::CompareView *view = window.compareView();
            view->normaliseBox()->setChecked(options.contains(QLatin1String("normalise")));
            view->deltasBox()->setChecked(options.contains(QLatin1String("deltas")));
            view->diffView()->differencesOnlyBox()->setChecked(options.contains(QLatin1String("differences")));
            window.compareVersions(refs);
            view->tabs()->setCurrentIndex(tab);
        });
    }
    const QString rollback = parser.value(QStringLiteral("rollback"));
    const qint64 review = parser.value(QStringLiteral("review")).toLongLong();
    if (!rollback.isEmpty() || review > 0) {
        QObject::connect(
            &window, &md::MainWindow::registryOpened, &window,
            [&window, rollback, review]() {
                // Queued: the dialogs are modal and must not run inside the signal.
                QTimer::singleShot(0, &window, [&window, rollback, review]() {
                    if (!rollback.isEmpty())
                        window.lifecycle()->rollBack(rollback);
                    else
                        window.lifecycle()->reviewRequest(review);
                });
            },
            Qt::SingleShotConnection);
    }
    const QString shot = parser.value(QStringLiteral("screenshot"));
    if (!shot.isEmpty()) {
        QTimer::singleShot(2500, &window, [&window, shot]() {
            QWidget *dialog = QApplication::activeModalWidget();
            const bool ok = (dialog ? dialog : static_cast<QWidget *>(&window))->grab().save(shot);
            if (dialog)
                dialog->close();
            std::fprintf(ok ? stdout : stderr, ok ? "Saved %s\n" : "modeldesk: cannot write %s\n",
                         shot.toLocal8Bit().constData());
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
