#pragma once

#include "registry/types.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace md {

class GateChecklist;
class LifecycleClient;

// "Request promotion…": the gate report for the next stage previewed live, a required reason, Submit.
// A new version goes to Staging directly (its gates decide); a Staging version gets a request for
// Production that reviewers decide on.
class PromotionDialog final : public QDialog
{
    Q_OBJECT
public:
    PromotionDialog(LifecycleClient *client, const QString &modelName, int version, Stage current,
                    QWidget *parent = nullptr);

    Stage target() const { return m_target; }
    QString resultMessage() const { return m_resultMessage; }
    GateChecklist *checklist() const { return m_checklist; }

signals:
    void previewLoaded();
    void failed(const QString &message); // the action was refused; the dialog stays open

private:
    void refreshPreview();
    void submit();
    void updateButtons();
    void showError(const QString &message);

    LifecycleClient *m_client;
    QString m_model;
    int m_version;
    Stage m_target;
    GateChecklist *m_checklist;
    QLabel *m_baseline;
    QLabel *m_verdict;
    QPlainTextEdit *m_reason;
    QLabel *m_error;
    QPushButton *m_submit;
    bool m_busy = false;
    bool m_previewed = false;
    QString m_resultMessage;
};

} // namespace md
