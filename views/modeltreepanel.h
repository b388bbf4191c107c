#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QLabel;

namespace md {

class HintTreeView;
class ModelTreeFilterProxy;

// The models of the registry by team, with a filter box. When the registry has no models it says so
// and offers demo data.
class ModelTreePanel final : public QWidget
{
    Q_OBJECT
public:
    ModelTreePanel(QAbstractItemModel *tree, QWidget *parent = nullptr);

    QLineEdit *filterEdit() const { return m_filter; }
    HintTreeView *view() const { return m_view; }
    QString currentModel() const;
    // Selects a model by its full name; returns false when it is not (or not visibly) in the tree.
    bool selectModel(const QString &fullName);
    void setDemoOffered(bool offered);

signals:
    void modelSelected(const QString &fullName); // empty when a team or nothing is selected
    void demoRequested();

private:
    void updateEmptyState();

    QAbstractItemModel *m_source;
    ModelTreeFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QStackedWidget *m_stack;
    HintTreeView *m_view;
    QLabel *m_emptyLabel;
    QPushButton *m_demoButton;
    bool m_demoOffered = true;
};

} // namespace md
