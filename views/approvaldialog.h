#pragma once

#include "items/lifecycleclient.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTreeWidget;

namespace md {

class GateChecklist;
class MetricDeltaModel;

// The screen a reviewer decides on: the candidate against the current Production version, the gate
// checklist, provenance completeness, who registered and requested it and why, earlier decisions, and
// Approve / Reject with a required comment. Approving with a failing gate needs an override reason.
// The reviewer is whoever the connection belongs to; there is no name field.
class ApprovalDialog final : public QDialog
{
    Q_OBJECT
public:
    ApprovalDialog(LifecycleClient *client, qint64 requestId, QWidget *parent = nullptr);

    QString resultMessage() const { return m_resultMessage; }
    bool isLoaded() const { return m_loaded; }

signals:
    void loaded();
    void failed(const QString &message); // a decision was refused; the dialog stays open

private:
    void load();
    void present(const ReviewData &data);
    void decide(bool approve);
    void updateButtons();
    void showError(const QString &message);

    LifecycleClient *m_client;
    qint64 m_requestId;
    ReviewData m_data;
    bool m_loaded = false;
    bool m_busy = false;
    QLabel *m_title;
    QLabel *m_people;
    QLabel *m_reason;
    QLabel *m_provenance;
    QLabel *m_metricSummary;
    QTableView *m_metrics;
    MetricDeltaModel *m_metricModel;
    GateChecklist *m_gates;
    QTreeWidget *m_decisions;
    QLabel *m_identity;
    QLabel *m_blocked;
    QPlainTextEdit *m_comment;
    QLabel *m_overrideLabel;
    QLineEdit *m_override;
    QLabel *m_error;
    QPushButton *m_approve;
    QPushButton *m_reject;
    QString m_resultMessage;
};

} // namespace md
