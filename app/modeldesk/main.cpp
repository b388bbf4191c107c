// modeldesk: the desktop application. Only the entry point lives here; the window is in views/.

#include "actionreport.h"
#include "items/modeltreemodel.h"
#include "items/searchresultsmodel.h"
#include "items/versiontablemodel.h"
#include "registry/location.h"
#include "reportfile.h"
#include "views/compareview.h"
#include "views/difftableview.h"
#include "views/filterlineedit.h"
#include "views/focusstyle.h"
#include "views/hintviews.h"
#include "views/icons.h"
#include "views/lifecycleui.h"
#include "views/lineageview.h"
#include "views/mainwindow.h"
#include "views/modeltreepanel.h"
#include "views/searchpanel.h"

#include <QAbstractProxyModel>
#include <QApplication>
#include <QCheckBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>

#include <cstdio>
#include <cstring>
#include <optional>

#include <unistd.h>

namespace {

void setupParser(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral(
        "ModelDesk: browse and search a model registry.\n\n"
        "Without --registry it opens $MODELDESK_REGISTRY, else the registry opened last, else the embedded\n"
        "registry in your data folder (created on first start; it offers demo data while empty)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("read-registry"),
                      QStringLiteral("PostgreSQL: a read replica (hot standby) for browsing; changes go to --registry "
                                     "(default: $MODELDESK_READ_REGISTRY, else the one last used with the registry)."),
                      QStringLiteral("URL")});
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
    parser.addOption(
        {QStringLiteral("compare-options"),
         QStringLiteral("Comma-separated: raw (not normalised per metric, the default), deltas, differences "
                        "(only, in the diff)."),
         QStringLiteral("OPTIONS")});
    parser.addOption({QStringLiteral("lineage"),
                      QStringLiteral("Show the Lineage tab centred on this node, e.g. pipeline:features@2.3 or "
                                     "model:NAME@VERSION."),
                      QStringLiteral("NODE")});
    parser.addOption({QStringLiteral("impact"), QStringLiteral("With --lineage: start in impact mode.")});
    parser.addOption({QStringLiteral("whole-model"),
                      QStringLiteral("With --lineage model:NAME@VERSION: show the lineage of every version of the "
                                     "model (the Whole model button).")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Window size, e.g. 1280x800."), QStringLiteral("WxH")});
    parser.addOption({QStringLiteral("rollback"),
                      QStringLiteral("Open the rollback dialog of this model after opening (a link for alerts)."),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("review"),
                      QStringLiteral("Open the approval dialog of this promotion request after opening."),
                      QStringLiteral("ID")});
    parser.addOption({QStringLiteral("startup-report"),
                      QStringLiteral("Measure the cold start: write when the window showed, the registry opened, the "
                                     "model tree was loaded and painted and input was accepted (ms since main), then "
                                     "quit."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("memory-report"),
                      QStringLiteral("Measure memory while browsing, then quit: after opening, select --model (its "
                                     "version table loads), run --search and scroll its results to the end (every "
                                     "page loaded and drawn), then write 'peak_rss_kb N' (peak resident memory, "
                                     "VmHWM), 'version_rows N' and 'search_rows N' lines to FILE."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("action-report"),
                      QStringLiteral("Measure the GUI actions end to end with their statement counts, then quit: open "
                                     "the registry, select --model, select another version, open the first pending "
                                     "request's approval dialog, open the model's rollback dialog, run --search; "
                                     "writes 'ACTION_ms N' and 'ACTION_statements N' lines to FILE."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("screenshot"),
                      QStringLiteral("Save a PNG of the window (or of the dialog it opened) once it has loaded, "
                                     "then quit."),
                      QStringLiteral("FILE")});
}

// --memory-report: drives the window through a browsing session, step by step on a timer (every step waits
// for the worker thread's answer), then writes the process's peak resident memory and quits.
class MemoryReport final : public QObject
{
public:
    MemoryReport(md::MainWindow *window, QString file, QString model, QString search)
        : QObject(window), m_window(window), m_file(std::move(file)), m_model(std::move(model)),
          m_search(std::move(search))
    {
        m_timer.setInterval(20);
        connect(&m_timer, &QTimer::timeout, this, &MemoryReport::step);
        md::SearchResultsModel *results = window->searchModel();
        connect(results, &md::SearchResultsModel::searchFinished, this, [this]() { m_searchDone = true; });
        connect(results, &md::SearchResultsModel::searchFailed, this,
                [this](const md::FilterError &e) { fail(QStringLiteral("the search failed: ") + e.message); });
        m_clock.start();
        m_timer.start(); // also while the registry opens: an open that fails gives up below
    }

    void start()
    {
        if (!m_model.isEmpty())
            m_window->openVersion(m_model, -1);
        m_phase = m_model.isEmpty() ? Phase::StartSearch : Phase::VersionTable;
    }

private:
    enum class Phase
    {
        Open,
        VersionTable,
        StartSearch,
        Search,
        Scroll,
        Report
    };

    void step()
    {
        if (m_clock.elapsed() > 30 * 60 * 1000) {
            fail(QStringLiteral("gave up after 30 minutes"));
            return;
        }
        md::VersionTableModel *versions = m_window->versionModel();
        md::SearchResultsModel *results = m_window->searchModel();
        QTableView *view = m_window->searchPanel()->resultsView();
        switch (m_phase) {
        case Phase::Open:
            if (m_clock.elapsed() > 2 * 60 * 1000)
                fail(QStringLiteral("the registry did not open"));
            return;
        case Phase::VersionTable:
            // Loaded: the row order is known and the rows the table shows have arrived.
            if (versions->modelName() != m_model || versions->isLoading() || versions->cachedRowCount() == 0)
                return;
            m_versionRows = versions->rowCount();
            m_phase = Phase::StartSearch;
            return;
        case Phase::StartSearch:
            if (m_search.isEmpty()) {
                m_phase = Phase::Report;
                return;
            }
            m_window->showSearch(true);
            m_window->searchPanel()->editor()->setText(m_search);
            emit m_window->searchPanel()->searchRequested(m_search);
            m_phase = Phase::Search;
            return;
        case Phase::Search:
            if (m_searchDone)
                m_phase = Phase::Scroll;
            return;
        case Phase::Scroll:
            if (results->isFetching())
                return;
            view->scrollToBottom(); // at the end of the scroll bar the view asks the model for more
            if (results->canFetchMore({})) {
                if (!results->isFetching())
                    view->model()->fetchMore({}); // the scroll bar was at its end already
                return;
            }
            view->viewport()->repaint();
            m_phase = Phase::Report;
            return;
        case Phase::Report:
            report(results->rowCount());
            return;
        }
    }

    void report(int searchRows)
    {
        m_timer.stop();
        qint64 peakKb = -1;
        QFile status(QStringLiteral("/proc/self/status"));
        if (status.open(QIODevice::ReadOnly))
            for (const QByteArray &line : status.readAll().split('\n'))
                if (line.startsWith("VmHWM:"))
                    peakKb = line.mid(6).trimmed().split(' ').value(0).toLongLong();
        if (peakKb <= 0) {
            fail(QStringLiteral("cannot read VmHWM from /proc/self/status"));
            return;
        }
        finishReport("--memory-report", m_file,
                     QStringLiteral("peak_rss_kb %1\nversion_rows %2\nsearch_rows %3\n")
                         .arg(peakKb)
                         .arg(m_versionRows)
                         .arg(searchRows)
                         .toUtf8());
    }

    void fail(const QString &why)
    {
        m_timer.stop();
        failReport("--memory-report", why);
    }

    md::MainWindow *m_window;
    QString m_file;
    QString m_model;
    QString m_search;
    QTimer m_timer;
    QElapsedTimer m_clock;
    Phase m_phase = Phase::Open;
    bool m_searchDone = false;
    int m_versionRows = 0;
};

bool wantsTextOnly(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        for (const char *a : {"--help", "-h", "-?", "--help-all", "--version", "-v"})
            if (std::strcmp(argv[i], a) == 0)
                return true;
    return false;
}

} // namespace

// --startup-report: the milestones of a cold start, in ms since main() began (and the process's own start, from
// /proc, to 10 ms): the window shown, the registry open, the model tree loaded, the tree painted with it, and the
// first event handled after that paint (input is accepted from then on). Writes them and quits.
class StartupReport final : public QObject
{
public:
    StartupReport(md::MainWindow *window, QString file, const QElapsedTimer &sinceMain)
        : QObject(window), m_window(window), m_file(std::move(file)), m_clock(sinceMain)
    {
        m_shownMs = m_clock.elapsed();
        connect(window, &md::MainWindow::registryOpened, this, [this]() { m_openedMs = m_clock.elapsed(); });
        auto *tree = qobject_cast<md::ModelTreeModel *>(window->treePanel()->view()->model());
        if (!tree) {
            // A proxy in between: the source model is the tree model.
            if (auto *proxy = qobject_cast<QAbstractProxyModel *>(window->treePanel()->view()->model()))
                tree = qobject_cast<md::ModelTreeModel *>(proxy->sourceModel());
        }
        if (tree)
            connect(tree, &md::ModelTreeModel::loaded, this, [this, tree]() {
                if (m_loadedMs >= 0 || m_openedMs < 0)
                    return;
                m_loadedMs = m_clock.elapsed();
                m_models = tree->modelCount();
                m_window->treePanel()->view()->viewport()->update();
            });
        window->treePanel()->view()->viewport()->installEventFilter(this);
        connect(&m_deadline, &QTimer::timeout, this,
                [this]() { finish(QStringLiteral("not interactive after 2 minutes")); });
        m_deadline.setSingleShot(true);
        m_deadline.start(120000);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && m_loadedMs >= 0 && m_paintedMs < 0) {
            // This paint shows the loaded tree; what the event loop handles next is the first input it can take.
            m_paintedMs = m_clock.elapsed();
            QTimer::singleShot(0, this, [this]() {
                m_interactiveMs = m_clock.elapsed();
                finish({});
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    static qint64 processStartToNowMs()
    {
        // Field 22 of /proc/self/stat: the start time in clock ticks after boot; /proc/uptime: seconds since boot.
        QFile stat(QStringLiteral("/proc/self/stat"));
        QFile uptime(QStringLiteral("/proc/uptime"));
        if (!stat.open(QIODevice::ReadOnly) || !uptime.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        const double started = fields.value(19).toDouble() / double(sysconf(_SC_CLK_TCK));
        const double now = uptime.readAll().split(' ').value(0).toDouble();
        return qint64((now - started) * 1000);
    }

    void finish(const QString &failure)
    {
        m_deadline.stop();
        if (!failure.isEmpty()) {
            failReport("--startup-report", failure);
            return;
        }
        const qint64 sinceProcess = processStartToNowMs();
        const QByteArray text = QStringLiteral("window_shown_ms %1\nregistry_opened_ms %2\ntree_loaded_ms %3\n"
                                               "tree_painted_ms %4\ninteractive_ms %5\nprocess_to_interactive_ms %6\n"
                                               "models %7\n")
                                    .arg(m_shownMs)
                                    .arg(m_openedMs)
                                    .arg(m_loadedMs)
                                    .arg(m_paintedMs)
                                    .arg(m_interactiveMs)
                                    .arg(sinceProcess)
                                    .arg(m_models)
                                    .toUtf8();
        finishReport("--startup-report", m_file, text);
    }

    md::MainWindow *m_window;
    QString m_file;
    const QElapsedTimer &m_clock;
    QTimer m_deadline;
    qint64 m_shownMs = -1;
    qint64 m_openedMs = -1;
    qint64 m_loadedMs = -1;
    qint64 m_paintedMs = -1;
    qint64 m_interactiveMs = -1;
    int m_models = 0;
};

int main(int argc, char **argv)
{
    static QElapsedTimer sinceMain; // --startup-report's clock
    sinceMain.start();
    QCoreApplication::setOrganizationName(QStringLiteral("ModelDesk"));
    QCoreApplication::setApplicationName(QStringLiteral("modeldesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MODELDESK_VERSION));
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
    QApplication::setStyle(new md::FocusFrameStyle); // the platform's style, with a focus frame one can see
    QApplication::setWindowIcon(md::applicationIcon());
    QApplication::setDesktopFileName(QStringLiteral("org.modeldesk.ModelDesk"));
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
    const QString actionReport = parser.value(QStringLiteral("action-report"));
    if (!actionReport.isEmpty()) {
        if (parser.value(QStringLiteral("model")).isEmpty() || parser.value(QStringLiteral("search")).isEmpty()) {
            std::fprintf(stderr, "modeldesk: --action-report needs --model NAME and --search FILTER.\n");
            return 2;
        }
        new ActionReport(&window, actionReport, parser.value(QStringLiteral("model")),
                         parser.value(QStringLiteral("search")));
    }
    const QString startupReport = parser.value(QStringLiteral("startup-report"));
    if (!startupReport.isEmpty())
        new StartupReport(&window, startupReport, sinceMain);

    QString url = parser.value(QStringLiteral("registry"));
    if (url.isEmpty())
        url = qEnvironmentVariable("MODELDESK_REGISTRY");
    if (url.isEmpty())
        url = QSettings().value(QStringLiteral("lastRegistry")).toString();
    const bool embedded = url.isEmpty();
    if (embedded)
        url = md::defaultRegistryPath();
    QString readUrl = parser.value(QStringLiteral("read-registry"));
    if (readUrl.isEmpty())
        readUrl = qEnvironmentVariable("MODELDESK_READ_REGISTRY");
    window.openRegistry(url,
                        embedded || !url.contains(QLatin1String("://")) ? md::Registry::Open::CreateIfMissing
                                                                        : md::Registry::Open::ExistingOnly,
                        readUrl.isEmpty() ? std::optional<QString>() : std::optional<QString>(readUrl));

    if (!startupReport.isEmpty() || !actionReport.isEmpty())
        return app.exec();
    const QString model = parser.value(QStringLiteral("model"));
    const QString lineage = parser.value(QStringLiteral("lineage"));
    const bool impact = parser.isSet(QStringLiteral("impact"));
    const bool wholeModel = parser.isSet(QStringLiteral("whole-model"));
    const QString memoryReport = parser.value(QStringLiteral("memory-report"));
    if (!memoryReport.isEmpty()) {
        // Replaces the plain --model/--search handling below: the search starts once the table has loaded.
        auto *driver = new MemoryReport(&window, memoryReport, model, parser.value(QStringLiteral("search")));
        QObject::connect(&window, &md::MainWindow::registryOpened, driver, &MemoryReport::start,
                         Qt::SingleShotConnection);
        return app.exec();
    }
    const QString search = parser.value(QStringLiteral("search"));
    if (!model.isEmpty() || !search.isEmpty() || !lineage.isEmpty()) {
        QObject::connect(&window, &md::MainWindow::registryOpened, &window,
                         [&window, model, search, lineage, impact, wholeModel]() {
                             if (!model.isEmpty())
                                 window.openVersion(model, -1);
                             if (!lineage.isEmpty()) {
                                 window.showLineage(lineage, impact);
                                 window.lineageView()->setOverview(wholeModel);
                             }
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
            view->normaliseBox()->setChecked(!options.contains(QLatin1String("raw")));
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
