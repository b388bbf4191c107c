#pragma once

#include "items/rows.h"
#include "registry/registry.h"

#include <QMainWindow>

#include <optional>

class QFrame;
class QLabel;
class QTimer;
class QMenu;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTabWidget;

namespace md {

class CompareView;
class DetailsPanel;
class LineageView;
class LifecycleUi;
class ModelTreeModel;
class ModelTreePanel;
class RegistryClient;
class SearchPanel;
class SearchResultsModel;
class VersionDetailsModel;
class VersionTableModel;
class VersionTableView;

// The ModelDesk main window: model tree and filter on the left, the version table (or search results)
// in the centre, details of the selected version below, status bar and menus.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // `readUrl`: a PostgreSQL read replica for browsing (empty: none); not given: the one last used with `url`.
    void openRegistry(const QString &url, Registry::Open mode = Registry::Open::ExistingOnly,
                      std::optional<QString> readUrl = std::nullopt);
    // The status bar shows the replica's lag from this many seconds on (5).
    void setReplicaLagThreshold(double seconds) { m_replicaLagThreshold = seconds; }
    QLabel *replicaLabel() const { return m_replicaLabel; }
    // Writes every version of the current model (current sort and columns) to a CSV file.
    void exportCsv(const QString &path);
    void showSearch(bool show);
    void openVersion(const QString &modelName, int version);
    void chooseMetricColumns();
    // Opens the Compare view for the versions selected in the version table or the search results.
    void compareSelected();
    void compareVersions(const QList<QPair<QString, int>> &versions);
    // Switches to the Lineage tab; with a spec, centres it on that lineage node (e.g. "pipeline:f@2.3").
    void showLineage(const QString &spec = {}, bool impact = false);
    // The first start's dock sizes (done by itself when no saved layout exists; public for tests).
    void applyFirstStartLayout();

    // For tests and the screenshot tool.
    RegistryClient *client() const { return m_client; }
    ModelTreePanel *treePanel() const { return m_treePanel; }
    VersionTableView *versionView() const { return m_versionView; }
    SearchPanel *searchPanel() const { return m_searchPanel; }
    DetailsPanel *detailsPanel() const { return m_detailsPanel; }
    CompareView *compareView() const { return m_compareView; }
    LineageView *lineageView() const { return m_lineageView; }
    QTabWidget *detailTabs() const { return m_detailTabs; }
    QLabel *banner() const { return m_banner; }
    LifecycleUi *lifecycle() const { return m_lifecycle; }
    VersionTableModel *versionModel() const { return m_versionModel; }
    SearchResultsModel *searchModel() const { return m_searchModel; }
    VersionDetailsModel *detailsModel() const { return m_detailsModel; }

signals:
    void registryOpened();
    void csvExported(const QString &path, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

public:
    // Registry > Webhooks…; and the status bar's summary of failing webhooks (also every minute).
    void showWebhooks();
    void refreshWebhookStatus();
    void showImport();
    void placeOnScreen(bool restored);
    QLabel *webhookStatusLabel() const { return m_webhookLabel; }

private:
    void buildMenus();
    void onOpened(const SessionInfo &info);
    void onOpenFailed(const Error &error);
    void onModelSelected(const QString &name);
    void onKeysLoaded();
    void refreshAll();
    void fillDemo();
    void rememberRecent(const QString &url);
    void rebuildRecentMenu();
    void openFileDialog();
    void connectDialog();
    void setBanner(const QString &text, bool error);
    void updateModelHeader();

    RegistryClient *m_client;
    ModelTreeModel *m_treeModel;
    VersionTableModel *m_versionModel;
    SearchResultsModel *m_searchModel;
    VersionDetailsModel *m_detailsModel;
    ModelTreePanel *m_treePanel;
    VersionTableView *m_versionView;
    SearchPanel *m_searchPanel;
    DetailsPanel *m_detailsPanel;
    CompareView *m_compareView;
    QScrollArea *m_compareScroll;
    LineageView *m_lineageView;
    QTabWidget *m_detailTabs;
    LifecycleUi *m_lifecycle = nullptr;
    QStackedWidget *m_centre;
    QLabel *m_modelHeader;
    QSplitter *m_mainSplitter;
    QSplitter *m_centreSplitter;
    QFrame *m_bannerFrame;
    QLabel *m_banner;
    QLabel *m_locationLabel;
    QLabel *m_userLabel;
    QLabel *m_webhookLabel;
    QLabel *m_replicaLabel;
    double m_replicaLagThreshold = 5.0;
    QTimer *m_webhookTimer;
    QMenu *m_recentMenu = nullptr;
    QString m_currentModel;
    QString m_pendingModel;    // to select once the tree has loaded
    int m_pendingVersion = -1; // to select once the version table has loaded
    bool m_columnsApplied = false;
    bool m_restoringSelection = false; // selecting the remembered model must not close the search
    int m_shownVersion = -1;
    qint64 m_searchMs = 0; // how long the first page of the current search took
    bool m_showedSearchBeforeCompare = false;
    QString m_lineageVersion;     // "model@version" last given to the lineage tab
    bool m_lineagePinned = false; // the lineage tab shows a node opened on purpose
    bool m_autoSelecting = false; // the window (not the user) is selecting a version
};

} // namespace md
