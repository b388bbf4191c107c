#include "searchpanel.h"

#include "filterlineedit.h"
#include "hintviews.h"
#include "items/searchresultsmodel.h"
#include "stagedelegate.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QShortcut>
#include <QVBoxLayout>

#include <algorithm>

namespace md {

SearchPanel::SearchPanel(QAbstractItemModel *results, QWidget *parent)
    : QWidget(parent), m_edit(new FilterLineEdit(this)), m_message(new QLabel(this)), m_view(new HintTableView(this))
{
    setObjectName(QStringLiteral("searchPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_edit->setObjectName(QStringLiteral("searchEdit"));
    m_edit->setClearButtonEnabled(true);
    m_edit->setPlaceholderText(
        tr("Search all versions, e.g. metrics.auc > 0.85 AND tags.team = 'payments'   (Ctrl+F)"));
    m_edit->setToolTip(tr("Fields: %1\nOperators: = != < <= > >= LIKE IN, AND OR NOT, parentheses")
                           .arg(filterFieldHelp().join(QStringLiteral(", "))));
    bar->addWidget(m_edit, 1);
    auto *go = new QPushButton(tr("Search"), this);
    go->setObjectName(QStringLiteral("searchButton"));
    bar->addWidget(go);
    auto *compare = new QPushButton(tr("Compare"), this);
    compare->setObjectName(QStringLiteral("searchCompare"));
    compare->setToolTip(tr("Compare the selected results (2 to 50 versions, Ctrl+D)"));
    connect(compare, &QPushButton::clicked, this, &SearchPanel::compareRequested);
    bar->addWidget(compare);
    layout->addLayout(bar);
    m_message->setObjectName(QStringLiteral("searchMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    layout->addWidget(m_message);

    auto *proxy = new SearchResultsProxy(this);
    proxy->setSourceModel(results);
    m_view->setObjectName(QStringLiteral("searchResults"));
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SearchResultsModel::ModelColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setItemDelegateForColumn(SearchResultsModel::StageColumn,
                                     new StageDelegate(SearchResultsModel::StageRole, m_view));
    // The columns a filter names (metrics.auc, params.lr) follow Author; a new search may bring other ones.
    auto applyWidths = [this]() {
        const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
        m_view->setColumnWidth(SearchResultsModel::ModelColumn, 22 * em);
        m_view->setColumnWidth(SearchResultsModel::VersionColumn, 6 * em);
        m_view->setColumnWidth(SearchResultsModel::StageColumn, 8 * em);
        m_view->setColumnWidth(SearchResultsModel::CreatedColumn,
                               fontMetrics().horizontalAdvance(QStringLiteral("2026-10-15 12:00")) + 3 * em);
        m_view->setColumnWidth(SearchResultsModel::AuthorColumn, 10 * em);
        for (int c = SearchResultsModel::ColumnCount; c < m_view->model()->columnCount(); ++c)
            m_view->setColumnWidth(c, std::max(8 * em, m_view->horizontalHeader()->sectionSizeHint(c)));
    };
    applyWidths();
    connect(proxy, &QAbstractItemModel::modelReset, this, applyWidths);
    m_view->setEmptyHint(tr("Type a filter above and press Enter. Examples:\n\n"
                            "metrics.auc > 0.85\n"
                            "data.date_to < '2026-10-15'\n"
                            "lineage.input = 'pipeline:features@2.3'\n"
                            "stage = 'Production' AND name LIKE 'payments/%'"));
    layout->addWidget(m_view, 1);

    auto run = [this]() { emit searchRequested(m_edit->text()); };
    connect(m_edit, &QLineEdit::returnPressed, this, run);
    connect(go, &QPushButton::clicked, this, run);
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &i) {
        emit openVersion(i.data(SearchResultsModel::ModelNameRole).toString(),
                         i.data(SearchResultsModel::VersionRole).toInt());
    });
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &i) {
        emit openVersion(i.data(SearchResultsModel::ModelNameRole).toString(),
                         i.data(SearchResultsModel::VersionRole).toInt());
    });
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *compareAction = new QAction(tr("Compare selected versions"), m_view);
    compareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    compareAction->setShortcutContext(Qt::WidgetShortcut);
    connect(compareAction, &QAction::triggered, this, &SearchPanel::compareRequested);
    m_view->addAction(compareAction);
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(escape, &QShortcut::activated, this, &SearchPanel::closeRequested);
}

QString SearchPanel::errorText() const
{
    return m_message->isVisibleTo(this) ? m_message->text() : QString();
}

void SearchPanel::showError(const FilterError &error)
{
    m_edit->setErrorRange(error.position, error.length);
    m_message->setStyleSheet(QStringLiteral("color: #b71c1c"));
    m_message->setText(error.message);
    m_message->show();
}

void SearchPanel::showResults(int loaded, int matched, bool tooMany, qint64 milliseconds)
{
    m_edit->setErrorRange(0, 0);
    m_message->setStyleSheet({});
    const QString count = QLocale().toString(matched);
    if (matched == 0)
        m_message->setText(tr("No version matches this filter (%1 ms).").arg(milliseconds));
    else if (tooMany)
        m_message->setText(tr("More than %1 versions match (%2 ms): the first %1 can be shown; narrow the filter "
                              "to see the rest.")
                               .arg(count)
                               .arg(milliseconds));
    else if (loaded < matched)
        m_message->setText(tr("%1 versions match (%2 ms); the first %3 are shown, more load as you scroll. "
                              "Double-click one to open it.")
                               .arg(count)
                               .arg(milliseconds)
                               .arg(QLocale().toString(loaded)));
    else
        m_message->setText(
            tr("%n version(s) match (%1 ms). Double-click one to open it.", nullptr, matched).arg(milliseconds));
    m_message->show();
}

QList<QPair<QString, int>> SearchPanel::selectedVersions() const
{
    QList<QPair<QString, int>> out;
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &r : rows)
        out << qMakePair(r.data(SearchResultsModel::ModelNameRole).toString(),
                         r.data(SearchResultsModel::VersionRole).toInt());
    return out;
}

void SearchPanel::focusEditor()
{
    m_edit->setFocus(Qt::ShortcutFocusReason);
    m_edit->selectAll();
}

} // namespace md
