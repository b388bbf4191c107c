#pragma once

#include "registry.h"
#include "rows.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QSplitter;
class QStackedWidget;

namespace md {

class DetailsPanel;
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

    void openRegistry(const QString &url, Registry::Open mode = Registry::Open::ExistingOnly);
    // Writes every version of the current model (current sort and columns) to a CSV file.
    void exportCsv(const QString &path);
    void showSearch(bool show);
    void openVersion(const QString &modelName, int version);
    void chooseMetricColumns();

    // For tests and the screenshot tool.
    RegistryClient *client() const { return m_client; }
    ModelTreePanel *treePanel() const { return m_treePanel; }
    VersionTableView *versionView() const { return m_versionView; }
    SearchPanel *searchPanel() const { return m_searchPanel; }
    DetailsPanel *detailsPanel() const { return m_detailsPanel; }
    QLabel *banner() const { return m_banner; }
    LifecycleUi *lifecycle() const { return m_lifecycle; }

signals:
    void registryOpened();
    void csvExported(const QString &path, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

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
    LifecycleUi *m_lifecycle = nullptr;
    QStackedWidget *m_centre;
    QLabel *m_modelHeader;
    QSplitter *m_mainSplitter;
    QSplitter *m_centreSplitter;
    QLabel *m_banner;
    QLabel *m_locationLabel;
    QLabel *m_userLabel;
    QMenu *m_recentMenu = nullptr;
    QString m_currentModel;
    QString m_pendingModel;    // to select once the tree has loaded
    int m_pendingVersion = -1; // to select once the version table has loaded
    bool m_columnsApplied = false;
    bool m_restoringSelection = false; // selecting the remembered model must not close the search
    int m_shownVersion = -1;
};

} // namespace md
