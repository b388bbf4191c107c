#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QPushButton;
class QTableView;

namespace md {

// The approval queue: pending requests across all models with age and gate status. Double-click or
// Review… opens the approval dialog. Reads an ApprovalQueueModel through its roles.
class ApprovalQueuePanel final : public QWidget
{
    Q_OBJECT
public:
    explicit ApprovalQueuePanel(QAbstractItemModel *queue, QWidget *parent = nullptr);
    QTableView *view() const { return m_view; }
    QPushButton *reviewButton() const { return m_review; }
    qint64 currentRequestId() const;

signals:
    void reviewRequested(qint64 requestId);

private:
    void updateState();

    QAbstractItemModel *m_model;
    QLabel *m_summary;
    QTableView *m_view;
    QPushButton *m_review;
};

} // namespace md
