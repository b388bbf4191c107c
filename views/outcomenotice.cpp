#include "outcomenotice.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace md {

OutcomeNotice::OutcomeNotice(QWidget *window) : QFrame(window), m_text(new QLabel(this))
{
    setObjectName(QStringLiteral("outcomeNotice"));
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(
        QStringLiteral("#outcomeNotice { background: #e8f5e9; border: 1px solid #81c784; border-radius: 4px; }"
                       "#outcomeNotice QLabel { color: #1b5e20; }"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 8, 6, 8);
    m_text->setObjectName(QStringLiteral("outcomeText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_text, 1);
    auto *close = new QToolButton(this);
    close->setObjectName(QStringLiteral("outcomeClose"));
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close"));
    close->setAutoRaise(true);
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    layout->addWidget(close, 0, Qt::AlignTop);
    window->installEventFilter(this);
    hide();
}

void OutcomeNotice::present(const QString &text)
{
    m_text->setText(text);
    place();
    show();
    raise();
}

QString OutcomeNotice::text() const
{
    return m_text->text();
}

bool OutcomeNotice::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == parent() && event->type() == QEvent::Resize && isVisible())
        place();
    return QFrame::eventFilter(watched, event);
}

void OutcomeNotice::place()
{
    const QWidget *window = parentWidget();
    const int width = std::min(460, window->width() - 24);
    setFixedWidth(width);
    adjustSize();
    move(window->width() - width - 12, 56);
}

} // namespace md
