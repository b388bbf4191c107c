#include "approvalqueuepanel.h"

#include "items/approvalqueuemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace md {

ApprovalQueuePanel::ApprovalQueuePanel(QAbstractItemModel *queue, QWidget *parent) : QWidget(parent), m_model(queue)
{
    setObjectName(QStringLiteral("approvalQueuePanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *row = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("queueSummary"));
    row->addWidget(m_summary, 1);
    m_review = new QPushButton(tr("Review…"), this);
    m_review->setObjectName(QStringLiteral("reviewButton"));
    m_review->setToolTip(tr("Open the selected request to approve or reject it"));
    row->addWidget(m_review);
    layout->addLayout(row);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("approvalQueueView"));
    m_view->setModel(queue);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(22);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    layout->addWidget(m_view);
    connect(m_review, &QPushButton::clicked, this, [this]() {
        if (const qint64 id = currentRequestId(); id > 0)
            emit reviewRequested(id);
    });
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        emit reviewRequested(index.data(ApprovalQueueModel::RequestIdRole).toLongLong());
    });
    connect(queue, &QAbstractItemModel::modelReset, this, [this]() {
        m_view->resizeColumnsToContents();
        updateState();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ApprovalQueuePanel::updateState);
    updateState();
}

qint64 ApprovalQueuePanel::currentRequestId() const
{
    const QModelIndex i = m_view->currentIndex();
    return i.isValid() ? i.data(ApprovalQueueModel::RequestIdRole).toLongLong() : 0;
}

void ApprovalQueuePanel::updateState()
{
    const int n = m_model->rowCount();
    int failing = 0;
    for (int r = 0; r < n; ++r)
        failing += m_model->index(r, 0).data(ApprovalQueueModel::GatesPassedRole).toBool() ? 0 : 1;
    m_summary->setText(n == 0 ? tr("No pending requests.")
                              : tr("%n pending request(s)", nullptr, n) +
                                    (failing ? tr(", %n with failing gates", nullptr, failing) : QString()));
    m_review->setEnabled(currentRequestId() > 0);
}

} // namespace md
