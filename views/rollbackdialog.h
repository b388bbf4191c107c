#pragma once

#include "lifecycleclient.h"

#include <QDialog>

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
    RollbackDialog(LifecycleClient *client, const QString &modelName, QWidget *parent = nullptr);

    int target() const { return m_target; }
    bool isLoaded() const { return m_loaded; }
    QString resultMessage() const { return m_resultMessage; }
    ProductionTimeline *timeline() const { return m_timeline; }

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
    QString m_resultMessage;
};

} // namespace md
