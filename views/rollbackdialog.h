#pragma once

#include "items/lifecycleclient.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace md {

class ProductionTimeline;

// "Roll back…": the production timeline with the suggested target preselected and why it is suggested
// (when it served, its metrics against the current version, who approved it); other eligible targets
// can be picked on the timeline or in the list. A reason and one confirm; the rollback is one
// transaction in the registry.
class RollbackDialog final : public QDialog
{
    Q_OBJECT
public:
    // initialTarget: the version chosen at first (0: the suggested one).
    RollbackDialog(LifecycleClient *client, const QString &modelName, QWidget *parent = nullptr, int initialTarget = 0);

    int target() const { return m_target; }
    bool isLoaded() const { return m_loaded; }
    QString resultMessage() const { return m_resultMessage; }
    const TransitionOutcome &outcome() const { return m_outcome; }
    ProductionTimeline *timeline() const { return m_timeline; }
    // The aliases summary ("champion follows Production: moves to v22") and the offer to move pinned ones.
    QLabel *aliasesLabel() const { return m_aliases; }
    QCheckBox *moveAliasesBox() const { return m_moveAliases; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    void loaded();
    void failed(const QString &message);

private:
    void present(const RollbackData &data);
    void choose(int version);
    void confirm();
    void updateButtons();

    LifecycleClient *m_client;
    QString m_model;
    int m_initialTarget = 0;
    RollbackData m_data;
    int m_target = 0;
    bool m_loaded = false;
    bool m_busy = false;
    QLabel *m_title;
    ProductionTimeline *m_timeline;
    QComboBox *m_targets;
    QLabel *m_why;
    QLineEdit *m_reason;
    QLabel *m_error;
    QPushButton *m_confirm;
    QLabel *m_aliases;
    QCheckBox *m_moveAliases;
    QString m_resultMessage;
    TransitionOutcome m_outcome;
};

} // namespace md
