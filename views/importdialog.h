#pragma once

// File > Import from MLflow…: an MLflow registry (its tracking server or its database) into the open registry. Preview
// is the dry run (a table of what each model would get, and what is skipped and why); Import writes, one model per
// transaction, with a progress bar; Cancel stops after the model being written (whole models only).

#include "registry/mlflow.h"

#include <QDialog>

#include <atomic>
#include <memory>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace md {

class RegistryClient;

class ImportDialog final : public QDialog
{
    Q_OBJECT
public:
    ImportDialog(RegistryClient *client, QWidget *parent = nullptr);

    QLineEdit *sourceField() const { return m_from; }
    QLineEdit *namespaceField() const { return m_namespace; }
    QLineEdit *modelsField() const { return m_models; }
    QPushButton *previewButton() const { return m_preview; }
    QPushButton *importButton() const { return m_import; }
    QPushButton *cancelButton() const { return m_cancel; }
    QTableWidget *planTable() const { return m_table; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *statusLabel() const { return m_status; }
    bool running() const { return m_running; }

signals:
    void imported(); // something was written: the registry's views reload

private:
    void start(bool dryRun);
    void showReport(const mlflow::ImportReport &report);
    void setRunning(bool running);

    RegistryClient *m_client;
    QLineEdit *m_from;
    QLineEdit *m_namespace;
    QLineEdit *m_models;
    QPushButton *m_preview;
    QPushButton *m_import;
    QPushButton *m_cancel;
    QPushButton *m_close;
    QTableWidget *m_table;
    QProgressBar *m_progress;
    QLabel *m_status;
    bool m_running = false;
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
};

} // namespace md
