#include "detailspanel.h"

#include "hintviews.h"
#include "items/versiondetailsmodel.h"
#include "stagedelegate.h"
#include "stagestyle.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace md {

DetailsPanel::DetailsPanel(QAbstractItemModel *details, QWidget *parent)
    : QWidget(parent), m_model(details), m_stack(new QStackedWidget(this)), m_title(new QLabel(this)),
      m_artifact(new QLineEdit(this)), m_copy(new QToolButton(this)), m_tree(new HintTreeView(this))
{
    setObjectName(QStringLiteral("detailsPanel"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_stack);

    auto *empty =
        new QLabel(tr("Select a version to see its metrics, params, provenance, tags and stage history."), this);
    empty->setObjectName(QStringLiteral("detailsEmpty"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(empty);

    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 0);
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    auto *row = new QHBoxLayout;
    auto *artifactLabel = new QLabel(tr("Artifact:"), page);
    row->addWidget(artifactLabel);
    m_artifact->setObjectName(QStringLiteral("artifactUri"));
    m_artifact->setReadOnly(true);
    row->addWidget(m_artifact, 1);
    m_copy->setObjectName(QStringLiteral("copyArtifact"));
    m_copy->setText(tr("Copy"));
    m_copy->setToolTip(tr("Copy the artifact URI to the clipboard"));
    connect(m_copy, &QToolButton::clicked, this, &DetailsPanel::copyArtifactUri);
    row->addWidget(m_copy);
    layout->addLayout(row);
    m_tree->setObjectName(QStringLiteral("detailsTree"));
    m_tree->setModel(m_model);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setItemDelegateForColumn(VersionDetailsModel::ValueColumn,
                                     new StageDelegate(VersionDetailsModel::StageRole, m_tree));
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(VersionDetailsModel::KeyColumn, 190);
    m_tree->setColumnWidth(VersionDetailsModel::ValueColumn, 320);
    layout->addWidget(m_tree, 1);
    m_stack->addWidget(page);

    connect(m_model, &QAbstractItemModel::modelReset, this, &DetailsPanel::update);
    update();
}

QString DetailsPanel::artifactUri() const
{
    return m_artifact->text();
}

void DetailsPanel::copyArtifactUri()
{
    if (!m_artifact->text().isEmpty())
        QApplication::clipboard()->setText(m_artifact->text());
}

void DetailsPanel::update()
{
    if (m_model->rowCount() == 0) {
        m_stack->setCurrentIndex(0);
        m_artifact->clear();
        return;
    }
    auto summary = [this](VersionDetailsModel::SummaryRow row) {
        const QModelIndex section = m_model->index(VersionDetailsModel::SummarySection, 0);
        return m_model->index(row, VersionDetailsModel::ValueColumn, section);
    };
    const QModelIndex stage = summary(VersionDetailsModel::StageRow);
    const QColor colour = stageColor(Stage(stage.data(VersionDetailsModel::StageRole).toInt()));
    m_title->setText(
        QStringLiteral("<b>%1</b> &nbsp;version %2 &nbsp;<span style=\"background:%3\">&nbsp;%4&nbsp;</span>")
            .arg(summary(VersionDetailsModel::ModelRow).data().toString().toHtmlEscaped(),
                 summary(VersionDetailsModel::VersionNumberRow).data().toString(), colour.name(),
                 stage.data().toString().toHtmlEscaped()));
    m_artifact->setText(summary(VersionDetailsModel::ArtifactRow).data(VersionDetailsModel::ValueRole).toString());
    m_artifact->setCursorPosition(0);
    m_tree->expandAll();
    m_tree->collapse(m_model->index(VersionDetailsModel::SummarySection, 0));
    m_tree->expand(m_model->index(VersionDetailsModel::SummarySection, 0));
    m_stack->setCurrentIndex(1);
}

} // namespace md
