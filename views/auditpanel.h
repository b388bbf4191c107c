#pragma once

#include "registry/types.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace md {

class AuditLogModel;
class LifecycleClient;

// The audit log with filters (actor, action, model, time) and "Verify integrity", which walks the
// hash chain and says whether any entry was edited or deleted.
class AuditPanel final : public QWidget
{
    Q_OBJECT
public:
    AuditPanel(LifecycleClient *client, AuditLogModel *model, QWidget *parent = nullptr);

    void applyFilter();
    void verify();
    QLineEdit *actorEdit() const { return m_actor; }
    QComboBox *actionCombo() const { return m_action; }
    QLineEdit *modelEdit() const { return m_model; }
    QComboBox *sinceCombo() const { return m_since; }
    QPushButton *verifyButton() const { return m_verify; }
    QLabel *verifyLabel() const { return m_result; }
    QTableView *view() const { return m_view; }
    // The checkpoint the next verification compares against (saved by the last intact one), if any.
    std::optional<AuditCheckpoint> savedCheckpoint(QString *takenAt = nullptr) const;

signals:
    void verified(bool intact);

private:
    LifecycleClient *m_client;
    AuditLogModel *m_auditModel;
    QLineEdit *m_actor;
    QComboBox *m_action;
    QLineEdit *m_model;
    QComboBox *m_since;
    QPushButton *m_verify;
    QLabel *m_result;
    QLabel *m_count;
    QTableView *m_view;
};

} // namespace md
