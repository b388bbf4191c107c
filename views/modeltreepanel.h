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

// The models of the registry by team, with a filter box. It says "this registry has no models" (and offers demo
// data) only when a registry is open and its models have loaded and there are none: before that it says that no
// registry is open (with why, and buttons to open one), that the models are loading, or that loading failed.
class ModelTreePanel final : public QWidget
{
    Q_OBJECT
public:
    enum class State
    {
        NoRegistry,
        Loading,
        Loaded,
        LoadFailed
    };

    ModelTreePanel(QAbstractItemModel *tree, QWidget *parent = nullptr);

    QLineEdit *filterEdit() const { return m_filter; }
    HintTreeView *view() const { return m_view; }
    QString currentModel() const;
    // Selects a model by its full name; returns false when it is not (or not visibly) in the tree.
    bool selectModel(const QString &fullName);
    void setDemoOffered(bool offered);
    // reason: why no registry is open (NoRegistry) or why the models did not load (LoadFailed).
    void setState(State state, const QString &reason = {});
    State state() const { return m_state; }

signals:
    void modelSelected(const QString &fullName); // empty when a team or nothing is selected
    void demoRequested();
    void openRequested();
    void connectRequested();

private:
    void updateEmptyState();

    QAbstractItemModel *m_source;
    ModelTreeFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QStackedWidget *m_stack;
    HintTreeView *m_view;
    QLabel *m_emptyLabel;
    QPushButton *m_demoButton;
    QLabel *m_noRegistryLabel;
    bool m_demoOffered = true;
    State m_state = State::NoRegistry;
};

} // namespace md
