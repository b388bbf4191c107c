#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QToolButton;

namespace md {

class HintTreeView;

// Details of one version: a title, the artifact URI with a copy button, and a tree of metrics by
// dataset and slice, params, provenance, tags, lineage inputs and stage history. It reads a
// VersionDetailsModel through its roles and fixed summary rows.
class DetailsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit DetailsPanel(QAbstractItemModel *details, QWidget *parent = nullptr);
    QString artifactUri() const;
    void copyArtifactUri();

private:
    void update();

    QAbstractItemModel *m_model;
    QStackedWidget *m_stack;
    QLabel *m_title;
    QLineEdit *m_artifact;
    QToolButton *m_copy;
    HintTreeView *m_tree;
};

} // namespace md
