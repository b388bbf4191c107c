#include "modeltreepanel.h"

#include "hintviews.h"
#include "icons.h"
#include "items/modeltreemodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace md {

namespace {

// Teams and models with their icons (the tree model is the items layer's and knows no icons).
class TreeIconDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() != ModelTreeModel::NameColumn)
            return;
        const bool model = !index.data(ModelTreeModel::ModelNameRole).toString().isEmpty();
        option->icon = icon(model ? QStringLiteral("panels/model") : QStringLiteral("panels/namespace"));
        option->features |= QStyleOptionViewItem::HasDecoration;
    }
};

} // namespace

ModelTreePanel::ModelTreePanel(QAbstractItemModel *tree, QWidget *parent)
    : QWidget(parent), m_source(tree), m_proxy(new ModelTreeFilterProxy(this)), m_filter(new QLineEdit(this)),
      m_stack(new QStackedWidget(this)), m_view(new HintTreeView(this)), m_emptyLabel(new QLabel(this)),
      m_demoButton(new QPushButton(tr("Fill with demo data"), this)), m_noRegistryLabel(new QLabel(this))
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
    m_view->setItemDelegate(new TreeIconDelegate(m_view));
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

    auto *none = new QWidget(this);
    auto *noneLayout = new QVBoxLayout(none);
    m_noRegistryLabel->setObjectName(QStringLiteral("treeNoRegistry"));
    m_noRegistryLabel->setWordWrap(true);
    m_noRegistryLabel->setAlignment(Qt::AlignCenter);
    m_noRegistryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    noneLayout->addStretch();
    noneLayout->addWidget(m_noRegistryLabel);
    auto *openButton = new QPushButton(tr("Open Registry File…"), none);
    openButton->setObjectName(QStringLiteral("treeOpenButton"));
    auto *connectButton = new QPushButton(tr("Connect to Server…"), none);
    connectButton->setObjectName(QStringLiteral("treeConnectButton"));
    noneLayout->addWidget(openButton, 0, Qt::AlignHCenter);
    noneLayout->addWidget(connectButton, 0, Qt::AlignHCenter);
    noneLayout->addStretch();
    m_stack->addWidget(none);
    layout->addWidget(m_stack, 1);
    connect(openButton, &QPushButton::clicked, this, &ModelTreePanel::openRequested);
    connect(connectButton, &QPushButton::clicked, this, &ModelTreePanel::connectRequested);

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
    setState(State::NoRegistry);
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

void ModelTreePanel::setState(State state, const QString &reason)
{
    m_state = state;
    switch (state) {
    case State::NoRegistry:
        m_noRegistryLabel->setText(
            (reason.isEmpty() ? QString() : reason + QStringLiteral("\n\n")) +
            tr("No registry is open.\n\nOpen a registry file (a new name creates one) or connect to a "
               "shared registry server."));
        break;
    case State::Loading:
        m_view->setEmptyHint(tr("Loading models…"));
        break;
    case State::Loaded:
        m_view->setEmptyHint(tr("No model matches the filter."));
        break;
    case State::LoadFailed:
        m_view->setEmptyHint(tr("The models could not be loaded: %1\n\nView > Refresh (F5) tries again.").arg(reason));
        break;
    }
    updateEmptyState();
}

void ModelTreePanel::updateEmptyState()
{
    // Pages: 0 the tree (also while loading: empty, with a hint), 1 "no models yet", 2 "no registry open".
    int page = 0;
    if (m_state == State::NoRegistry)
        page = 2;
    else if (m_state == State::Loaded && m_source->rowCount() == 0)
        page = 1;
    m_stack->setCurrentIndex(page);
    m_view->viewport()->update();
}

} // namespace md
