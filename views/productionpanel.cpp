#include "productionpanel.h"

#include "items/auditlogmodel.h"
#include "productiontimeline.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace md {

ProductionPanel::ProductionPanel(LifecycleClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_history(new AuditLogModel(this))
{
    setObjectName(QStringLiteral("productionPanel"));
    m_history->setClient(client);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("productionTabs"));
    auto *timelinePage = new QWidget(m_tabs);
    auto *timelineLayout = new QVBoxLayout(timelinePage);
    timelineLayout->setContentsMargins(4, 4, 4, 4);
    auto *row = new QHBoxLayout;
    m_summary = new QLabel(tr("Select a model."), timelinePage);
    m_summary->setObjectName(QStringLiteral("productionSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true); // a long summary wraps instead of widening the dock (1024-pixel screens)
    row->addWidget(m_summary, 1);
    m_rollback = new QPushButton(tr("Roll back…"), timelinePage);
    m_rollback->setObjectName(QStringLiteral("panelRollbackButton"));
    m_rollback->setEnabled(false);
    row->addWidget(m_rollback);
    timelineLayout->addLayout(row);
    auto *scroll = new QScrollArea(timelinePage);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_timeline = new ProductionTimeline(scroll);
    scroll->setWidget(m_timeline);
    timelineLayout->addWidget(scroll, 1);
    m_tabs->addTab(timelinePage, tr("Production timeline"));
    m_historyView = new QTableView(m_tabs);
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_history);
    m_historyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_historyView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_historyView->verticalHeader()->hide();
    m_historyView->verticalHeader()->setDefaultSectionSize(22);
    m_historyView->horizontalHeader()->setStretchLastSection(true);
    m_historyView->setWordWrap(false);
    m_tabs->addTab(m_historyView, tr("History"));
    layout->addWidget(m_tabs);
    connect(m_history, &AuditLogModel::loaded, this, [this]() {
        m_historyView->resizeColumnsToContents();
        m_historyView->horizontalHeader()->setStretchLastSection(true);
    });
    connect(m_rollback, &QPushButton::clicked, this, [this]() {
        if (!m_model.isEmpty())
            emit rollbackRequested(m_model);
    });
}

void ProductionPanel::setModelName(const QString &name)
{
    if (name == m_model)
        return;
    m_model = name;
    m_loaded = false;
    m_data = {};
    m_timeline->clear();
    m_rollback->setEnabled(false);
    reload();
}

void ProductionPanel::reload()
{
    if (m_model.isEmpty()) {
        m_summary->setText(tr("Select a model."));
        return;
    }
    AuditFilter f;
    f.objectKeyPrefix = m_model;
    f.limit = 500;
    m_history->setFilter(f);
    const quint64 generation = ++m_generation;
    m_client->loadRollback(m_model, this, [this, generation](Result<RollbackData> r) {
        if (generation != m_generation)
            return;
        if (!r) {
            m_summary->setText(r.error().message.toHtmlEscaped());
            m_rollback->setEnabled(false);
            return;
        }
        m_data = *r;
        m_loaded = true;
        m_timeline->setData(m_data);
        m_summary->setText(
            m_data.current > 0
                ? tr("<b>%1</b>: v%2 in Production · %n earlier Production version(s) eligible for rollback", nullptr,
                     int(m_data.eligible.size()))
                      .arg(m_data.modelName.toHtmlEscaped())
                      .arg(m_data.current)
                : tr("<b>%1</b>: nothing in Production").arg(m_data.modelName.toHtmlEscaped()));
        m_rollback->setEnabled(m_data.rollback.enabled);
        m_rollback->setToolTip(m_data.rollback.enabled
                                   ? tr("Roll %1 back to an earlier Production version").arg(m_data.modelName)
                                   : m_data.rollback.why);
        emit dataLoaded();
    });
}

} // namespace md
