#include "versiontableview.h"

#include "items/versiontablemodel.h"
#include "stagedelegate.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QMenu>

namespace md {

VersionTableView::VersionTableView(QWidget *parent) : HintTableView(parent)
{
    setObjectName(QStringLiteral("versionTable"));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSortingEnabled(true);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setTextElideMode(Qt::ElideRight);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionsMovable(true);
    setItemDelegate(new StageDelegate(VersionTableModel::StageRole, this));
    connect(horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            &VersionTableView::keepSortIndicatorOnSortableColumns);
    setEmptyHint(tr("Select a model on the left to see its versions."));

    auto *copy = new QAction(tr("&Copy rows"), this);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copy, &QAction::triggered, this, &VersionTableView::copySelectedRows);
    addAction(copy);
}

void VersionTableView::setModel(QAbstractItemModel *model)
{
    HintTableView::setModel(model);
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, &VersionTableView::emitCurrent);
    connect(model, &QAbstractItemModel::modelReset, this, &VersionTableView::emitCurrent);
}

void VersionTableView::applyDefaultColumnWidths()
{
    if (!model())
        return;
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    for (int c = 0; c < model()->columnCount(); ++c) {
        const QString title = model()->headerData(c, Qt::Horizontal).toString();
        const bool metric = model()->headerData(c, Qt::Horizontal, VersionTableModel::MetricKeyRole).isValid();
        int w = fontMetrics().horizontalAdvance(title) + 3 * em; // room for the sort arrow
        if (metric)
            w = std::max(w, 6 * em);
        else if (c == 0)
            w = std::max(w, 5 * em);
        else if (title == tr("Stage"))
            w = std::max(w, 8 * em);
        else if (title == tr("Created (UTC)"))
            w = std::max(w, fontMetrics().horizontalAdvance(QStringLiteral("2026-10-15 12:00")) + 2 * em);
        else if (title == tr("Data version"))
            w = std::max(w, fontMetrics().horizontalAdvance(QStringLiteral("transactions@2026-10-09")) + 2 * em);
        else if (title == tr("Git SHA"))
            w = std::max(w, fontMetrics().horizontalAdvance(QStringLiteral("abcdef1234")) + 2 * em);
        else
            w = std::max(w, 6 * em);
        setColumnWidth(c, w);
    }
}

QString VersionTableView::selectedRowsText() const
{
    if (!model() || !selectionModel())
        return {};
    QModelIndexList rows = selectionModel()->selectedRows();
    if (rows.isEmpty() && currentIndex().isValid())
        rows << currentIndex().siblingAtColumn(0);
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList lines;
    QStringList header;
    const int columns = model()->columnCount();
    for (int c = 0; c < columns; ++c)
        header << model()->headerData(horizontalHeader()->logicalIndex(c), Qt::Horizontal).toString();
    lines << header.join(QLatin1Char('\t'));
    for (const QModelIndex &r : rows) {
        QStringList cells;
        for (int c = 0; c < columns; ++c)
            cells << r.siblingAtColumn(horizontalHeader()->logicalIndex(c)).data().toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QList<QPair<QString, int>> VersionTableView::selectedVersions() const
{
    QList<QPair<QString, int>> out;
    if (!selectionModel())
        return out;
    QModelIndexList rows = selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &r : rows)
        out << qMakePair(r.data(VersionTableModel::ModelNameRole).toString(),
                         r.data(VersionTableModel::VersionRole).toInt());
    return out;
}

void VersionTableView::copySelectedRows() const
{
    const QString text = selectedRowsText();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void VersionTableView::copyArtifactUri() const
{
    const QString uri = currentIndex().data(VersionTableModel::ArtifactUriRole).toString();
    if (!uri.isEmpty())
        QApplication::clipboard()->setText(uri);
}

void VersionTableView::selectVersion(int row)
{
    if (!model() || row < 0 || row >= model()->rowCount())
        return;
    const QModelIndex i = model()->index(row, 0);
    selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    scrollTo(i, QAbstractItemView::PositionAtCenter);
}

void VersionTableView::keepSortIndicatorOnSortableColumns(int section, Qt::SortOrder order)
{
    // The database sorts; columns it cannot sort by (tags, aliases, ...) keep the previous order, and
    // the arrow must say so.
    if (model() && !model()->headerData(section, Qt::Horizontal, VersionTableModel::SortableRole).toBool()) {
        const QSignalBlocker block(horizontalHeader());
        horizontalHeader()->setSortIndicator(m_sortSection, m_sortOrder);
        return;
    }
    m_sortSection = section;
    m_sortOrder = order;
}

void VersionTableView::emitCurrent()
{
    const QModelIndex i = currentIndex();
    if (!i.isValid()) {
        emit versionSelected(QString(), -1);
        return;
    }
    emit versionSelected(i.data(VersionTableModel::ModelNameRole).toString(),
                         i.data(VersionTableModel::VersionRole).toInt());
}

void VersionTableView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    const QModelIndex at = indexAt(viewport()->mapFromGlobal(event->globalPos()));
    const bool onRow = at.isValid();
    if (onRow && !selectionModel()->isRowSelected(at.row(), {}))
        selectVersion(at.row());
    QAction *copy = menu.addAction(tr("Copy rows"), QKeySequence::Copy, this, &VersionTableView::copySelectedRows);
    copy->setEnabled(onRow);
    QAction *uri = menu.addAction(tr("Copy artifact URI"), this, &VersionTableView::copyArtifactUri);
    uri->setEnabled(onRow && !at.data(VersionTableModel::ArtifactUriRole).toString().isEmpty());
    if (!m_lifecycleActions.isEmpty()) {
        menu.addSeparator();
        menu.addActions(m_lifecycleActions);
        menu.setToolTipsVisible(true);
    }
    menu.addSeparator();
    const qsizetype chosen = selectionModel()->selectedRows().size();
    QAction *compare = menu.addAction(tr("Compare %n selected version(s)", nullptr, int(chosen)),
                                      QKeySequence(Qt::CTRL | Qt::Key_D), this, &VersionTableView::compareRequested);
    compare->setEnabled(chosen >= 2 && chosen <= 50);
    menu.addSeparator();
    menu.addAction(tr("Choose metric columns…"), this, &VersionTableView::chooseColumnsRequested);
    menu.addAction(tr("Export versions as CSV…"), this, &VersionTableView::exportRequested);
    menu.exec(event->globalPos());
}

} // namespace md
