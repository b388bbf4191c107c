#include "modeltreepanel.h"

#include "hintviews.h"
#include "items/modeltreemodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace md {

ModelTreePanel::ModelTreePanel(QAbstractItemModel *tree, QWidget *parent)
    : QWidget(parent), m_source(tree), m_proxy(new ModelTreeFilterProxy(this)), m_filter(new QLineEdit(this)),
      m_stack(new QStackedWidget(this)), m_view(new HintTreeView(this)), m_emptyLabel(new QLabel(this)),
      m_demoButton(new QPushButton(tr("Fill with demo data"), this))
{
    setObjectName(QStringLiteral("modelTreePanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_filter->setObjectName(QStringLiteral("modelFilter"));
    m_filter->setPlaceholderText(tr("Filter models"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);

    m_proxy->setSourceModel(tree);
    m_view->setObjectName(QStringLiteral("modelTree"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ModelTreeModel::NameColumn, Qt::AscendingOrder);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setIndentation(fontMetrics().horizontalAdvance(QLatin1Char('M')));
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setMinimumSectionSize(20);
    m_view->header()->setSectionResizeMode(ModelTreeModel::NameColumn, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(ModelTreeModel::ProductionColumn, QHeaderView::Fixed);
    m_view->header()->setSectionResizeMode(ModelTreeModel::VersionsColumn, QHeaderView::Fixed);
    m_view->header()->resizeSection(ModelTreeModel::ProductionColumn,
                                    fontMetrics().horizontalAdvance(tr("Production")) + 16);
    m_view->header()->resizeSection(ModelTreeModel::VersionsColumn,
                                    fontMetrics().horizontalAdvance(tr("Versions")) + 16);
    m_view->setEmptyHint(tr("No model matches the filter."));
    m_stack->addWidget(m_view);

    auto *empty = new QWidget(this);
    auto *emptyLayout = new QVBoxLayout(empty);
    m_emptyLabel->setObjectName(QStringLiteral("treeEmpty"));
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setText(
        tr("This registry has no models yet.\n\nRegister one from a training script:\n"
           "modelctl register NAME --artifact URI --metric auc=0.91\n\nor look around with demo data."));
    m_emptyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    emptyLayout->addStretch();
    emptyLayout->addWidget(m_emptyLabel);
    m_demoButton->setObjectName(QStringLiteral("demoButton"));
    emptyLayout->addWidget(m_demoButton, 0, Qt::AlignHCenter);
    emptyLayout->addStretch();
    m_stack->addWidget(empty);
    layout->addWidget(m_stack, 1);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterText(text);
        if (!text.isEmpty())
            m_view->expandAll();
    });
    connect(m_demoButton, &QPushButton::clicked, this, &ModelTreePanel::demoRequested);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
        emit modelSelected(current.data(ModelTreeModel::ModelNameRole).toString());
    });
    connect(m_source, &QAbstractItemModel::modelReset, this, &ModelTreePanel::updateEmptyState);
    connect(m_source, &QAbstractItemModel::rowsInserted, this, &ModelTreePanel::updateEmptyState);
    connect(m_source, &QAbstractItemModel::modelReset, m_view, &QTreeView::expandAll);
    updateEmptyState();
}

QString ModelTreePanel::currentModel() const
{
    return m_view->currentIndex().data(ModelTreeModel::ModelNameRole).toString();
}

bool ModelTreePanel::selectModel(const QString &fullName)
{
    if (fullName.isEmpty())
        return false;
    for (int i = 0; i < m_proxy->rowCount(); ++i) {
        const QModelIndex team = m_proxy->index(i, 0);
        for (int j = 0; j < m_proxy->rowCount(team); ++j) {
            const QModelIndex model = m_proxy->index(j, 0, team);
            if (model.data(ModelTreeModel::ModelNameRole).toString() == fullName) {
                m_view->expand(team);
                m_view->setCurrentIndex(model);
                m_view->scrollTo(model);
                return true;
            }
        }
    }
    return false;
}

void ModelTreePanel::setDemoOffered(bool offered)
{
    m_demoOffered = offered;
    m_demoButton->setVisible(offered);
}

void ModelTreePanel::updateEmptyState()
{
    m_stack->setCurrentIndex(m_source->rowCount() == 0 ? 1 : 0);
}

} // namespace md
