#include "mainwindow.h"

#include "aboutdialog.h"

#include "importdialog.h"
#include "webhooksdialog.h"

#include "compareview.h"
#include "connectdialog.h"
#include "detailspanel.h"
#include "filterlineedit.h"
#include "hintviews.h"
#include "icons.h"
#include "items/modeltreemodel.h"
#include "items/registryclient.h"
#include "items/searchresultsmodel.h"
#include "items/versiondetailsmodel.h"
#include "items/versiontablemodel.h"
#include "lifecycleui.h"
#include "lineageview.h"
#include "metricchooser.h"
#include "modeltreepanel.h"
#include "registry/demo.h"
#include "searchpanel.h"
#include "versiontableview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace md {

namespace {

QString csvField(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
        return text;
    return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

QString settingsKey(const QString &prefix, const QString &name)
{
    // QSettings treats '/' as a group separator; keep one entry per model.
    return prefix + QLatin1Char('/') + QString(name).replace(QLatin1Char('/'), QLatin1Char('|'));
}

constexpr int kMaxRecent = 8;

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_client(new RegistryClient(this)), m_treeModel(new ModelTreeModel(this)),
      m_versionModel(new VersionTableModel(this)), m_searchModel(new SearchResultsModel(this)),
      m_detailsModel(new VersionDetailsModel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("ModelDesk"));
    setWindowIcon(applicationIcon());
    m_treeModel->setClient(m_client);
    m_versionModel->setClient(m_client);
    m_searchModel->setClient(m_client);
    m_detailsModel->setClient(m_client);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);
    // The banner says what is wrong with the registry or the connection; the user can dismiss it. At most four
    // lines (the whole text in its tooltip), so that a long libpq message cannot raise the window's minimum height
    // and, saved with the geometry, start the next launch partly off the screen.
    m_bannerFrame = new QFrame(central);
    m_bannerFrame->setObjectName(QStringLiteral("bannerFrame"));
    auto *bannerLayout = new QHBoxLayout(m_bannerFrame);
    bannerLayout->setContentsMargins(0, 0, 0, 0);
    bannerLayout->setSpacing(0);
    m_banner = new QLabel(m_bannerFrame);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setMargin(6);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setMaximumHeight(fontMetrics().lineSpacing() * 4 + 12);
    m_banner->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    bannerLayout->addWidget(m_banner, 1);
    auto *bannerClose = new QToolButton(m_bannerFrame);
    bannerClose->setObjectName(QStringLiteral("bannerClose"));
    bannerClose->setAutoRaise(true);
    bannerClose->setText(QStringLiteral("✕"));
    bannerClose->setToolTip(tr("Dismiss this message"));
    connect(bannerClose, &QToolButton::clicked, m_bannerFrame, &QWidget::hide);
    bannerLayout->addWidget(bannerClose, 0, Qt::AlignTop);
    m_bannerFrame->hide();
    layout->addWidget(m_bannerFrame);

    m_mainSplitter = new QSplitter(Qt::Horizontal, central);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_treePanel = new ModelTreePanel(m_treeModel, m_mainSplitter);
    m_centreSplitter = new QSplitter(Qt::Vertical, m_mainSplitter);
    m_centreSplitter->setObjectName(QStringLiteral("centreSplitter"));
    m_centre = new QStackedWidget(m_centreSplitter);

    auto *tablePage = new QWidget(m_centre);
    auto *tableLayout = new QVBoxLayout(tablePage);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto *headerRow = new QHBoxLayout;
    m_modelHeader = new QLabel(tr("No model selected"), tablePage);
    m_modelHeader->setObjectName(QStringLiteral("modelHeader"));
    m_modelHeader->setTextFormat(Qt::RichText);
    headerRow->addWidget(m_modelHeader, 1);
    auto *searchButton = new QPushButton(icon(QStringLiteral("actions/find")), tr("Search…"), tablePage);
    searchButton->setToolTip(tr("Search versions across all models (Ctrl+F)"));
    connect(searchButton, &QPushButton::clicked, this, [this]() { showSearch(true); });
    headerRow->addWidget(searchButton);
    auto *columnsButton = new QPushButton(icon(QStringLiteral("actions/columns")), tr("Columns…"), tablePage);
    columnsButton->setToolTip(tr("Choose which metrics appear as columns"));
    connect(columnsButton, &QPushButton::clicked, this, &MainWindow::chooseMetricColumns);
    headerRow->addWidget(columnsButton);
    auto *compareButton = new QPushButton(icon(QStringLiteral("actions/compare")), tr("Compare"), tablePage);
    compareButton->setObjectName(QStringLiteral("compareButton"));
    compareButton->setToolTip(tr("Compare the selected versions (select 2 to 50 rows; Ctrl+D)"));
    connect(compareButton, &QPushButton::clicked, this, &MainWindow::compareSelected);
    headerRow->addWidget(compareButton);
    tableLayout->addLayout(headerRow);
    m_versionView = new VersionTableView(tablePage);
    m_versionView->setModel(m_versionModel);
    m_versionView->sortByColumn(VersionTableModel::VersionColumn, Qt::DescendingOrder);
    m_versionView->applyDefaultColumnWidths();
    tableLayout->addWidget(m_versionView, 1);
    m_centre->addWidget(tablePage);

    m_searchPanel = new SearchPanel(m_searchModel, m_centre);
    m_centre->addWidget(m_searchPanel);
    // In a scroll area: the charts' minimum size must not set the window's (it has to fit 1024x640).
    m_compareView = new CompareView(m_client);
    m_compareScroll = new QScrollArea(m_centre);
    m_compareScroll->setWidgetResizable(true);
    m_compareScroll->setFrameShape(QFrame::NoFrame);
    m_compareScroll->setWidget(m_compareView);
    m_centre->addWidget(m_compareScroll);
    m_centreSplitter->addWidget(m_centre);
    m_detailTabs = new QTabWidget(m_centreSplitter);
    m_detailTabs->setObjectName(QStringLiteral("detailTabs"));
    m_detailTabs->setDocumentMode(true);
    m_detailsPanel = new DetailsPanel(m_detailsModel, m_detailTabs);
    m_detailTabs->addTab(m_detailsPanel, tr("Details"));
    m_lineageView = new LineageView(m_detailTabs);
    m_lineageView->setClient(m_client);
    m_detailTabs->addTab(m_lineageView, tr("Lineage"));
    m_centreSplitter->addWidget(m_detailTabs);
    m_centreSplitter->setStretchFactor(0, 3);
    m_centreSplitter->setStretchFactor(1, 2);
    m_centreSplitter->setSizes({440, 290});
    m_mainSplitter->addWidget(m_treePanel);
    m_mainSplitter->addWidget(m_centreSplitter);
    m_mainSplitter->setStretchFactor(0, 0);
    m_mainSplitter->setStretchFactor(1, 1);
    m_mainSplitter->setSizes({310, 970});
    layout->addWidget(m_mainSplitter, 1);
    setCentralWidget(central);

    m_locationLabel = new QLabel(tr("No registry open"), this);
    m_locationLabel->setObjectName(QStringLiteral("locationLabel"));
    m_userLabel = new QLabel(this);
    m_userLabel->setObjectName(QStringLiteral("userLabel"));
    statusBar()->addPermanentWidget(m_locationLabel, 1);
    statusBar()->addPermanentWidget(m_userLabel);
    m_webhookLabel = new QLabel(this);
    m_webhookLabel->setObjectName(QStringLiteral("webhookTroubleLabel"));
    m_webhookLabel->setStyleSheet(QStringLiteral("color: #b01e1e"));
    m_webhookLabel->setToolTip(tr("Registry > Webhooks… shows the failing deliveries"));
    m_webhookLabel->hide();
    statusBar()->addPermanentWidget(m_webhookLabel);
    m_replicaLabel = new QLabel(this);
    m_replicaLabel->setObjectName(QStringLiteral("replicaLabel"));
    m_replicaLabel->hide();
    statusBar()->addPermanentWidget(m_replicaLabel);
    m_webhookTimer = new QTimer(this);
    m_webhookTimer->setInterval(60000);
    connect(m_webhookTimer, &QTimer::timeout, this, &MainWindow::refreshWebhookStatus);

    buildMenus();
    m_lifecycle = new LifecycleUi(this);
    connect(m_lifecycle, &LifecycleUi::registryChanged, this, &MainWindow::refreshAll);

    connect(m_client, &RegistryClient::opened, this, &MainWindow::onOpened);
    connect(m_client, &RegistryClient::openFailed, this, &MainWindow::onOpenFailed);
    connect(m_client, &RegistryClient::registryChanged, this, &MainWindow::refreshAll);
    connect(m_client, &RegistryClient::connectionLost, this, [this](const QString &message) {
        setBanner(message + QLatin1Char(' ') +
                      tr("ModelDesk keeps showing what it loaded (read-only) and reconnects by itself."),
                  true);
    });
    connect(m_client, &RegistryClient::replicaLag, this, [this](double seconds, const QString &message) {
        const QString replica = m_client->session().replica;
        if (seconds < 0) {
            m_replicaLabel->setText(tr("Replica unreachable · reading from the primary"));
            m_replicaLabel->setStyleSheet(QStringLiteral("color: #b01e1e"));
            m_replicaLabel->setToolTip(message);
        } else if (seconds >= m_replicaLagThreshold) {
            m_replicaLabel->setText(tr("Replica %1 s behind").arg(qRound(seconds)));
            m_replicaLabel->setStyleSheet(QStringLiteral("color: #8a5a00"));
            m_replicaLabel->setToolTip(tr("Reads come from %1, which has not replayed the primary's last %2 s. Your "
                                          "own changes are read from the primary until it has them.")
                                           .arg(replica)
                                           .arg(qRound(seconds)));
        } else {
            m_replicaLabel->setText(tr("Reads: replica"));
            m_replicaLabel->setStyleSheet({});
            m_replicaLabel->setToolTip(
                tr("Browsing reads come from the read replica %1; changes go to the primary.").arg(replica));
        }
        m_replicaLabel->setVisible(!replica.isEmpty() || seconds < 0);
    });
    connect(m_client, &RegistryClient::connectionRestored, this, [this]() {
        setBanner({}, false);
        statusBar()->showMessage(tr("Reconnected."), 5000);
        refreshAll();
    });
    connect(m_treeModel, &ModelTreeModel::loaded, this, [this]() {
        const QString want = !m_pendingModel.isEmpty() ? m_pendingModel : m_currentModel;
        m_restoringSelection = true;
        if (!want.isEmpty() && m_treePanel->currentModel() != want && m_treePanel->selectModel(want))
            m_pendingModel.clear();
        m_restoringSelection = false;
        if (m_currentModel.isEmpty())
            m_versionView->setEmptyHint(m_treeModel->modelCount() == 0
                                            ? tr("The registry is empty: register a model with modelctl, or fill "
                                                 "it with demo data (left).")
                                            : tr("Select a model on the left to see its versions."));
        updateModelHeader();
    });
    connect(m_treeModel, &ModelTreeModel::loaded, this,
            [this]() { m_treePanel->setState(ModelTreePanel::State::Loaded); });
    connect(m_treeModel, &ModelTreeModel::loadFailed, this, [this](const QString &m) {
        setBanner(m, true);
        if (m_treeModel->modelCount() == 0)
            m_treePanel->setState(ModelTreePanel::State::LoadFailed, m);
    });
    connect(m_treePanel, &ModelTreePanel::openRequested, this, &MainWindow::openFileDialog);
    connect(m_treePanel, &ModelTreePanel::connectRequested, this, &MainWindow::connectDialog);
    connect(m_treePanel, &ModelTreePanel::modelSelected, this, &MainWindow::onModelSelected);
    connect(m_treePanel, &ModelTreePanel::demoRequested, this, &MainWindow::fillDemo);
    connect(m_versionModel, &VersionTableModel::keysLoaded, this, &MainWindow::onKeysLoaded);
    connect(m_versionModel, &VersionTableModel::loadFailed, this,
            [this](const QString &m) { statusBar()->showMessage(m, 10000); });
    connect(m_versionView, &VersionTableView::versionSelected, this, [this](const QString &model, int version) {
        if (version < 0) {
            if (m_versionModel->rowCount() == 0) {
                m_detailsModel->clear();
                if (!m_lineagePinned)
                    m_lineageView->clear();
                m_lineageVersion.clear();
                m_shownVersion = -1;
            }
            return;
        }
        // The lineage follows the selected version, except that a node opened on purpose (showLineage) is not
        // replaced by the automatic selection of a first version when a table loads, and a refresh that
        // re-selects the same version keeps where the user has moved the graph to.
        if (!(m_autoSelecting && m_lineagePinned)) {
            m_lineagePinned = false;
            const QString key = model + QLatin1Char('@') + QString::number(version);
            if (key != m_lineageVersion) {
                m_lineageVersion = key;
                m_lineageView->showVersion(model, version);
            }
        }
        if (m_detailsModel->hasVersion() && m_detailsModel->modelName() == model && m_shownVersion == version)
            return;
        m_shownVersion = version;
        m_detailsModel->load(model, version);
    });
    connect(m_versionView, &VersionTableView::chooseColumnsRequested, this, &MainWindow::chooseMetricColumns);
    connect(m_versionView, &VersionTableView::exportRequested, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export versions"),
            QString(m_currentModel).replace(QLatin1Char('/'), QLatin1Char('_')) + QStringLiteral(".csv"),
            tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });
    connect(m_searchPanel, &SearchPanel::searchRequested, this, [this](const QString &filter) {
        statusBar()->showMessage(tr("Searching…"));
        m_searchModel->search(filter);
    });
    connect(m_searchModel, &SearchResultsModel::searchFailed, this, [this](const FilterError &e) {
        statusBar()->clearMessage();
        m_searchPanel->showError(e);
    });
    connect(m_searchModel, &SearchResultsModel::searchFinished, this, [this](int count, bool, qint64 ms) {
        statusBar()->clearMessage();
        m_searchMs = ms;
        m_searchPanel->showResults(count, m_searchModel->matchCount(), m_searchModel->exceedsMaxRows(), ms);
    });
    connect(m_searchModel, &SearchResultsModel::moreFetched, this, [this](int count, bool) {
        m_searchPanel->showResults(count, m_searchModel->matchCount(), m_searchModel->exceedsMaxRows(), m_searchMs);
    });
    connect(m_searchPanel, &SearchPanel::openVersion, this, &MainWindow::openVersion);
    connect(m_lineageView, &LineageView::versionRequested, this, &MainWindow::openVersion);
    connect(m_searchPanel, &SearchPanel::closeRequested, this, [this]() { showSearch(false); });
    connect(m_searchPanel, &SearchPanel::compareRequested, this, &MainWindow::compareSelected);
    connect(m_versionView, &VersionTableView::compareRequested, this, &MainWindow::compareSelected);
    connect(m_compareView, &CompareView::closeRequested, this, [this]() { showSearch(m_showedSearchBeforeCompare); });
    connect(m_compareView, &CompareView::loadFailed, this,
            [this](const QString &m) { statusBar()->showMessage(tr("Compare failed: %1").arg(m), 10000); });

    QSettings settings;
    placeOnScreen(restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()));
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_centreSplitter->restoreState(settings.value(QStringLiteral("window/centreSplitter")).toByteArray());
    if (!settings.contains(QStringLiteral("window/state")))
        QTimer::singleShot(0, this, &MainWindow::applyFirstStartLayout);
}

void MainWindow::applyFirstStartLayout()
{
    // First start: the bottom docks (tabbed) take 30 % of the height below the toolbars, so that the version table
    // and the details keep at least 60 % of it, on a laptop at 2x too.
    QList<QDockWidget *> bottom;
    int docks = 0;
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        if (dockWidgetArea(dock) == Qt::BottomDockWidgetArea && dock->isVisible() && !dock->isFloating()) {
            bottom << dock;
            docks = std::max(docks, dock->height());
        }
    if (bottom.isEmpty())
        return;
    const int room = centralWidget()->height() + docks;
    resizeDocks(bottom, QList<int>(bottom.size(), room * 3 / 10), Qt::Vertical);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(icon(QStringLiteral("actions/open-registry")), tr("&Open Registry…"), this,
                                    &MainWindow::openFileDialog);
    open->setShortcut(QKeySequence::Open);
    QAction *connectAction = file->addAction(icon(QStringLiteral("actions/connect-server")), tr("&Connect to Server…"),
                                             this, &MainWindow::connectDialog);
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(icon(QStringLiteral("actions/recent")), tr("&Recent Registries"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(icon(QStringLiteral("actions/demo-data")), tr("Fill with &Demo Data"), this, &MainWindow::fillDemo);
    file->addAction(icon(QStringLiteral("actions/import-mlflow")), tr("Import from &MLflow…"), this,
                    &MainWindow::showImport)
        ->setObjectName(QStringLiteral("importMlflowAction"));
    QAction *exportAction = file->addAction(icon(QStringLiteral("actions/export-csv")), tr("&Export Versions as CSV…"),
                                            m_versionView, &VersionTableView::exportRequested);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction *quit = file->addAction(icon(QStringLiteral("actions/quit")), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(icon(QStringLiteral("actions/copy")), tr("&Copy Rows\tCtrl+C"), m_versionView,
                    &VersionTableView::copySelectedRows);
    edit->addAction(icon(QStringLiteral("actions/copy-uri")), tr("Copy &Artifact URI"), m_detailsPanel,
                    &DetailsPanel::copyArtifactUri);
    edit->addSeparator();
    QAction *find = edit->addAction(icon(QStringLiteral("actions/find")), tr("&Find Versions…"), this,
                                    [this]() { showSearch(true); });
    find->setShortcut(QKeySequence::Find);
    QAction *findModel =
        edit->addAction(icon(QStringLiteral("actions/find-model")), tr("Find &Model…"), this, [this]() {
            m_treePanel->filterEdit()->setFocus(Qt::ShortcutFocusReason);
            m_treePanel->filterEdit()->selectAll();
        });
    findModel->setObjectName(QStringLiteral("findModelAction"));
    findModel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *refresh =
        view->addAction(icon(QStringLiteral("actions/refresh")), tr("&Refresh"), this, &MainWindow::refreshAll);
    refresh->setShortcut(QKeySequence::Refresh);
    view->addAction(icon(QStringLiteral("actions/columns")), tr("Choose &Metric Columns…"), this,
                    &MainWindow::chooseMetricColumns);
    QAction *lineage = view->addAction(icon(QStringLiteral("actions/lineage")), tr("&Lineage of Selected Version"),
                                       this, [this]() { showLineage(); });
    lineage->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    QAction *back = view->addAction(icon(QStringLiteral("actions/versions")), tr("&Versions of Selected Model"), this,
                                    [this]() { showSearch(false); });
    back->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    QAction *compare = view->addAction(icon(QStringLiteral("actions/compare")), tr("&Compare Selected Versions"), this,
                                       &MainWindow::compareSelected);
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));

    QMenu *registryMenu = menuBar()->addMenu(tr("&Registry"));
    QAction *webhooks = registryMenu->addAction(icon(QStringLiteral("actions/webhooks")), tr("&Webhooks…"), this,
                                                &MainWindow::showWebhooks);
    webhooks->setObjectName(QStringLiteral("webhooksAction"));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(icon(QStringLiteral("actions/help")), tr("&Search Language"), this, [this]() {
        QMessageBox::information(
            this, tr("Search language"),
            tr("<p>Fields: %1</p><p>Operators: <tt>= != &lt; &lt;= &gt; &gt;= LIKE IN (…)</tt>, <tt>AND</tt>, "
               "<tt>OR</tt>, <tt>NOT</tt>, parentheses. Text in quotes; numbers and dates as written.</p>"
               "<p>Examples:<br><tt>metrics.auc &gt; 0.85</tt><br><tt>data.date_to &lt; '2026-10-15'</tt><br>"
               "<tt>lineage.input = 'pipeline:features@2.3'</tt></p>")
                .arg(filterFieldHelp().join(QStringLiteral(", ")).toHtmlEscaped()));
    });
    help->addAction(icon(QStringLiteral("actions/about")), tr("&About ModelDesk"), this, [this]() {
        AboutDialog dialog(m_client, this);
        dialog.exec();
    });
}

void MainWindow::openRegistry(const QString &url, Registry::Open mode, std::optional<QString> readUrl)
{
    statusBar()->showMessage(tr("Opening %1 …").arg(url));
    const QString replica =
        readUrl ? *readUrl : QSettings().value(settingsKey(QStringLiteral("readReplica"), url)).toString();
    m_client->open(url, mode, replica);
}

void MainWindow::onOpened(const SessionInfo &info)
{
    setBanner({}, false);
    statusBar()->showMessage(tr("Opened %1").arg(info.display), 5000);
    setWindowTitle(tr("ModelDesk — %1").arg(info.display));
    m_locationLabel->setText(
        (info.dialect == Dialect::Sqlite ? tr("Registry file: %1") : tr("Server: %1")).arg(info.display) +
        (info.readOnly ? tr("  (read-only)") : QString()));
    m_locationLabel->setToolTip(info.readOnly ? info.readOnlyReason : info.display);
    m_userLabel->setText(tr("User: %1 · %2").arg(info.user, info.role));
    m_replicaLabel->setVisible(!info.replica.isEmpty());
    m_replicaLabel->setText(tr("Reads: replica"));
    m_replicaLabel->setStyleSheet({});
    m_replicaLabel->setToolTip(
        tr("Browsing reads come from the read replica %1; changes go to the primary.").arg(info.replica));
    m_webhookTimer->start();
    refreshWebhookStatus();
    if (!info.guardsProblem.isEmpty())
        setBanner(info.guardsProblem, true);
    else if (info.readOnly)
        setBanner(info.readOnlyReason, false);
    m_treePanel->setDemoOffered(!info.readOnly);
    QSettings settings;
    m_pendingModel = settings.value(settingsKey(QStringLiteral("lastModel"), info.url)).toString();
    m_currentModel.clear();
    m_versionModel->setModelName({});
    m_detailsModel->clear();
    m_searchModel->clear();
    m_treePanel->setState(ModelTreePanel::State::Loading);
    m_treeModel->clear();
    m_treeModel->reload();
    updateModelHeader();
    rememberRecent(info.url);
    settings.setValue(QStringLiteral("lastRegistry"), info.url);
    settings.setValue(settingsKey(QStringLiteral("readReplica"), info.url), info.readUrl);
    m_client->setWatchInterval(info.dialect == Dialect::Sqlite ? 1000 : 2000);
    emit registryOpened();
}

void MainWindow::onOpenFailed(const Error &error)
{
    statusBar()->clearMessage();
    setBanner(tr("Could not open the registry: %1").arg(error.message), true);
    if (!m_client->isOpen())
        m_treePanel->setState(ModelTreePanel::State::NoRegistry, tr("Could not open the registry."));
}

void MainWindow::onModelSelected(const QString &name)
{
    if (!name.isEmpty())
        m_pendingModel.clear(); // whatever was waiting to be selected, this selection supersedes it
    if (name.isEmpty() || (name == m_currentModel && m_versionModel->modelName() == name))
        return;
    m_currentModel = name;
    m_shownVersion = -1;
    QSettings settings;
    const QString key = settingsKey(QStringLiteral("metricColumns"), name);
    m_columnsApplied = settings.contains(key);
    m_versionModel->setModelName({});
    m_versionModel->setMetricColumns(settings.value(key).toStringList());
    m_versionModel->setModelName(name, !m_columnsApplied); // a first look: the load chooses the default columns
    m_versionView->applyDefaultColumnWidths();
    m_detailsModel->clear();
    if (m_client->isOpen())
        settings.setValue(settingsKey(QStringLiteral("lastModel"), m_client->session().url), name);
    if (!m_restoringSelection)
        showSearch(false);
    updateModelHeader();
}

void MainWindow::onKeysLoaded()
{
    if (!m_columnsApplied) {
        m_columnsApplied = true;
        // A first look at a model: its load chose the metrics its gates check, then its others (the newest
        // version's), and loaded the rows with them.
        m_versionView->applyDefaultColumnWidths();
    }
    if (m_pendingVersion > 0) {
        const int row = m_versionModel->rowOfVersion(m_pendingVersion);
        m_pendingVersion = -1;
        m_autoSelecting = true;
        m_versionView->selectVersion(row);
        m_autoSelecting = false;
    } else if (!m_versionView->currentIndex().isValid() && m_versionModel->rowCount() > 0) {
        m_autoSelecting = true;
        m_versionView->selectVersion(0);
        m_autoSelecting = false;
    }
    m_versionView->setEmptyHint(m_versionModel->rowCount() == 0 && !m_currentModel.isEmpty()
                                    ? tr("This model has no versions yet.")
                                    : tr("Select a model on the left to see its versions."));
    updateModelHeader();
}

void MainWindow::updateModelHeader()
{
    if (m_currentModel.isEmpty()) {
        m_modelHeader->setText(m_treeModel->modelCount() > 0 ? tr("Select a model on the left.")
                                                             : tr("No model selected"));
        return;
    }
    const QModelIndex i = m_treeModel->indexOfModel(m_currentModel);
    const QList<int> production = i.data(ModelTreeModel::ProductionVersionsRole).value<QList<int>>();
    QStringList prod;
    for (int v : production)
        prod << QStringLiteral("v%1").arg(v);
    m_modelHeader->setText(
        tr("<b>%1</b> &nbsp;·&nbsp; %n version(s) &nbsp;·&nbsp; Production: %2", nullptr, m_versionModel->rowCount())
            .arg(m_currentModel.toHtmlEscaped(), prod.isEmpty() ? tr("none") : prod.join(QStringLiteral(", "))));
    m_modelHeader->setToolTip(i.data(ModelTreeModel::DescriptionRole).toString());
}

void MainWindow::openVersion(const QString &modelName, int version)
{
    showSearch(false);
    if (modelName == m_currentModel && m_versionModel->modelName() == modelName && !m_versionModel->isLoading()) {
        m_versionView->selectVersion(m_versionModel->rowOfVersion(version));
        return;
    }
    m_pendingVersion = version;
    m_pendingModel = modelName; // in case the tree is still loading
    if (!m_treePanel->selectModel(modelName)) {
        m_treePanel->filterEdit()->clear();
        if (!m_treePanel->selectModel(modelName))
            onModelSelected(modelName);
    }
}

void MainWindow::showLineage(const QString &spec, bool impact)
{
    m_detailTabs->show(); // hidden while the Compare view is open
    m_detailTabs->setCurrentWidget(m_lineageView);
    // A graph needs room: give the lineage at least 60% of the centre's height.
    const QList<int> sizes = m_centreSplitter->sizes();
    if (sizes.size() == 2 && sizes[1] < (sizes[0] + sizes[1]) * 3 / 5) {
        const int total = sizes[0] + sizes[1];
        m_centreSplitter->setSizes({total * 2 / 5, total - total * 2 / 5});
    }
    if (spec.isEmpty()) {
        m_lineageView->setImpactMode(impact);
        return;
    }
    m_lineageView->openNode(spec);
    m_lineageView->setImpactMode(impact);
    const qsizetype at = spec.lastIndexOf(QLatin1Char('@'));
    if (spec.startsWith(QLatin1String("model:")) && at > 6) {
        m_lineagePinned = false;
        openVersion(spec.mid(6, at - 6), spec.mid(at + 1).toInt()); // keep the table on the same version
    } else {
        m_lineagePinned = true;
    }
}

void MainWindow::showSearch(bool show)
{
    m_centre->setCurrentIndex(show ? 1 : 0);
    m_detailTabs->show();
    if (show)
        m_searchPanel->focusEditor();
    else
        m_versionView->setFocus();
}

void MainWindow::chooseMetricColumns()
{
    if (m_currentModel.isEmpty())
        return;
    MetricChooserDialog dialog(m_currentModel, m_versionModel->availableMetrics(), m_versionModel->metricColumns(),
                               this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QStringList chosen = dialog.chosen();
    QSettings().setValue(settingsKey(QStringLiteral("metricColumns"), m_currentModel), chosen);
    m_versionModel->setMetricColumns(chosen);
    m_versionView->applyDefaultColumnWidths();
}

void MainWindow::compareSelected()
{
    const bool fromSearch = m_centre->currentWidget() == m_searchPanel;
    const QList<QPair<QString, int>> chosen =
        fromSearch ? m_searchPanel->selectedVersions() : m_versionView->selectedVersions();
    if (chosen.size() < kMinCompareVersions || chosen.size() > kMaxCompareVersions) {
        statusBar()->showMessage(tr("Select between %1 and %2 versions to compare (%3 selected).")
                                     .arg(kMinCompareVersions)
                                     .arg(kMaxCompareVersions)
                                     .arg(chosen.size()),
                                 8000);
        return;
    }
    m_showedSearchBeforeCompare = fromSearch;
    compareVersions(chosen);
}

void MainWindow::compareVersions(const QList<QPair<QString, int>> &versions)
{
    m_centre->setCurrentWidget(m_compareScroll);
    m_detailTabs->hide(); // the charts need the height
    m_compareView->compare(versions);
}

void MainWindow::exportCsv(const QString &path)
{
    statusBar()->showMessage(tr("Exporting %1 …").arg(path));
    m_versionModel->collectAllRows(this, [this, path](QStringList header, QList<QStringList> rows) {
        QString error;
        if (header.isEmpty()) {
            error = tr("Nothing to export: select a model first.");
        } else {
            QSaveFile f(path);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
                error = f.errorString();
            } else {
                auto line = [](const QStringList &cells) -> QString {
                    QStringList out;
                    for (const QString &c : cells)
                        out << csvField(c);
                    return out.join(QLatin1Char(',')) + QLatin1Char('\n');
                };
                f.write(line(header).toUtf8());
                for (const QStringList &r : rows)
                    f.write(line(r).toUtf8());
                if (!f.commit())
                    error = f.errorString();
            }
        }
        if (error.isEmpty())
            statusBar()->showMessage(tr("Exported %n version(s) to %1", nullptr, int(rows.size())).arg(path), 8000);
        else
            statusBar()->showMessage(tr("Export failed: %1").arg(error), 10000);
        emit csvExported(path, error);
    });
}

void MainWindow::placeOnScreen(bool restored)
{
    // A saved geometry is kept when its centre is on a screen we have now, pulled inside that screen; else (first
    // start, or the screen it was on is gone) the window takes 85 % of the available area, centred, or all of it on
    // a small screen (under 1280x800 logical pixels: a laptop at 2x), where every row of the tables counts. When the
    // window cannot shrink that far (its minimum size), its top left stays on the screen.
    QScreen *screen = restored ? QGuiApplication::screenAt(geometry().center()) : nullptr;
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    if (!screen)
        return;
    const QRect room = screen->availableGeometry();
    QRect g = geometry();
    if (!restored || QGuiApplication::screenAt(g.center()) == nullptr) {
        const bool small = room.width() < 1280 || room.height() < 800;
        g.setSize(small ? room.size() : room.size() * 0.85);
        g.moveCenter(room.center());
    }
    g.setSize(g.size().boundedTo(room.size()).expandedTo(minimumSizeHint()));
    if (g.right() > room.right())
        g.moveRight(room.right());
    if (g.bottom() > room.bottom())
        g.moveBottom(room.bottom());
    if (g.left() < room.left())
        g.moveLeft(room.left());
    if (g.top() < room.top())
        g.moveTop(room.top());
    resize(g.size());
    move(g.topLeft());
}

void MainWindow::showImport()
{
    auto *dialog = new ImportDialog(m_client, this);
    dialog->setObjectName(QStringLiteral("importDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ImportDialog::imported, this, &MainWindow::refreshAll);
    dialog->open();
}

void MainWindow::showWebhooks()
{
    auto *dialog = new WebhooksDialog(m_client, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &WebhooksDialog::changed, this, &MainWindow::refreshWebhookStatus);
    connect(dialog, &QDialog::finished, this, &MainWindow::refreshWebhookStatus);
    dialog->open();
}

void MainWindow::refreshWebhookStatus()
{
    if (!m_client->isOpen())
        return;
    m_client->run<Result<QList<Webhook>>>(
        this,
        [](Registry *r) -> Result<QList<Webhook>> {
            if (!r)
                return Error::notFound(QStringLiteral("No registry is open."));
            return r->webhooks();
        },
        [this](Result<QList<Webhook>> list) {
            // Not an admin (PostgreSQL) or an older registry: nothing to say.
            const QString trouble = list ? webhookTrouble(*list) : QString();
            m_webhookLabel->setText(tr("Webhooks: %1").arg(trouble));
            m_webhookLabel->setVisible(!trouble.isEmpty());
        });
}

void MainWindow::refreshAll()
{
    if (!m_client->isOpen())
        return;
    m_treeModel->reload();
    m_versionModel->refresh();
    if (m_detailsModel->hasVersion())
        m_detailsModel->load(m_detailsModel->modelName(), m_detailsModel->version());
    m_lineageView->refresh();
    m_lifecycle->refresh();
}

void MainWindow::fillDemo()
{
    statusBar()->showMessage(tr("Filling the registry with demo data…"));
    using R = Result<DemoSummary>;
    m_client->run<R>(
        this,
        [](Registry *registry) -> R {
            if (!registry)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return fillDemoRegistry(*registry, 42);
        },
        [this](R result) {
            if (!result) {
                statusBar()->clearMessage();
                QMessageBox::warning(this, tr("Demo data"), result.error().message);
                return;
            }
            statusBar()->showMessage(tr("Added %1 models with %2 versions.").arg(result->models).arg(result->versions),
                                     8000);
            // This connection's own commit changes no change token it watches: every view reloads now (the approval
            // queue said "No pending requests" until F5).
            refreshAll();
        });
}

void MainWindow::rememberRecent(const QString &url)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentRegistries")).toStringList();
    recent.removeAll(url);
    recent.prepend(url);
    settings.setValue(QStringLiteral("recentRegistries"), recent.mid(0, kMaxRecent));
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentRegistries")).toStringList();
    for (const QString &url : recent)
        m_recentMenu->addAction(url, this, [this, url]() { openRegistry(url); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::openFileDialog()
{
    QFileDialog dialog(this, tr("Open or create a registry file"));
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.setNameFilters({tr("Registry files (*.db *.sqlite)"), tr("All files (*)")});
    dialog.setLabelText(QFileDialog::Accept, tr("Open"));
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return;
    openRegistry(dialog.selectedFiles().first(), Registry::Open::CreateIfMissing);
}

void MainWindow::connectDialog()
{
    QSettings settings;
    const QString lastUrl = settings.value(QStringLiteral("lastServerUrl")).toString();
    ConnectDialog dialog(
        [this](const QString &url, std::function<void(bool, QString)> done) { m_client->test(url, this, done); },
        lastUrl, this, settings.value(settingsKey(QStringLiteral("readReplica"), lastUrl)).toString());
    if (dialog.exec() != QDialog::Accepted || dialog.url().isEmpty())
        return;
    settings.setValue(QStringLiteral("lastServerUrl"), dialog.url());
    openRegistry(dialog.url(), Registry::Open::ExistingOnly, dialog.readUrl());
}

void MainWindow::setBanner(const QString &text, bool error)
{
    m_bannerFrame->setStyleSheet(
        error ? QStringLiteral("#bannerFrame { background: #fdecea; border: 1px solid #f5c2c0; } QLabel { color: "
                               "#611a15; }")
              : QStringLiteral("#bannerFrame { background: #fff8e1; border: 1px solid #ffe082; } QLabel { color: "
                               "#5d4037; }"));
    m_banner->setText(text);
    m_banner->setToolTip(text);
    m_bannerFrame->setVisible(!text.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/centreSplitter"), m_centreSplitter->saveState());
    QMainWindow::closeEvent(event);
}

} // namespace md
