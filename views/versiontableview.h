#pragma once

#include "hintviews.h"

class QAction;

namespace md {

// The version table: sortable, multi-select, Ctrl+C copies the selected rows as tab-separated text,
// a context menu on versions. It reads everything through VersionTableModel's roles.
class VersionTableView final : public HintTableView
{
    Q_OBJECT
public:
    explicit VersionTableView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    // The selected rows (or the current row) as text with a header line, tab-separated.
    QString selectedRowsText() const;
    void copySelectedRows() const;
    void copyArtifactUri() const;
    void selectVersion(int row);
    void applyDefaultColumnWidths();
    // The selected versions as (model, version), in row order.
    QList<QPair<QString, int>> selectedVersions() const;
    // Extra actions (promotion, archive, ...) shown in the context menu of a version; owned by the caller.
    void setLifecycleActions(const QList<QAction *> &actions) { m_lifecycleActions = actions; }

signals:
    void versionSelected(const QString &modelName, int version); // -1 when nothing is selected
    void chooseColumnsRequested();
    void exportRequested();
    void compareRequested();

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void emitCurrent();
    void keepSortIndicatorOnSortableColumns(int section, Qt::SortOrder order);

    int m_sortSection = 0;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;

    QList<QAction *> m_lifecycleActions;
};

} // namespace md
