#pragma once

#include <QFrame>

class QLabel;

namespace md {

// A non-modal notice over the top right of the main window after a promotion, approval or rollback: what is in
// Production now, which aliases moved, which services run a version that is not in Production. It stays until it is
// closed (or the next one replaces it).
class OutcomeNotice final : public QFrame
{
    Q_OBJECT
public:
    explicit OutcomeNotice(QWidget *window);
    void present(const QString &text);
    QString text() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void place();

    QLabel *m_text;
};

} // namespace md
