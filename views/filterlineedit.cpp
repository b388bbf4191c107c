#include "filterlineedit.h"

#include <QPainter>
#include <QPainterPath>
#include <QStyle>
#include <QStyleOptionFrame>

namespace md {

FilterLineEdit::FilterLineEdit(QWidget *parent) : QLineEdit(parent)
{
    // Any edit makes the old error position meaningless.
    connect(this, &QLineEdit::textEdited, this, [this]() { setErrorRange(0, 0); });
}

void FilterLineEdit::setErrorRange(qsizetype position, qsizetype length)
{
    m_errorPosition = position;
    m_errorLength = length;
    update();
}

void FilterLineEdit::paintEvent(QPaintEvent *event)
{
    QLineEdit::paintEvent(event);
    if (m_errorLength <= 0)
        return;
    // cursorRect() gives the x position of the text cursor; move it to the error's ends to measure.
    auto *self = const_cast<FilterLineEdit *>(this);
    const int saved = cursorPosition();
    const QSignalBlocker block(self);
    const int from = int(std::min<qsizetype>(m_errorPosition, text().size()));
    const int to = int(std::min<qsizetype>(m_errorPosition + m_errorLength, text().size()));
    self->setCursorPosition(from);
    int x1 = cursorRect().center().x();
    self->setCursorPosition(to);
    int x2 = cursorRect().center().x();
    self->setCursorPosition(saved);
    if (x2 - x1 < 8) // an error at the end of the text: mark a short stretch after it
        x2 = x1 + 8;
    const int y = cursorRect().bottom() + 1;
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(QColor(0xd3, 0x2f, 0x2f), 1.5));
    QPainterPath wave;
    wave.moveTo(x1, y);
    bool up = true;
    for (int x = x1 + 2; x <= x2; x += 2, up = !up)
        wave.lineTo(x, up ? y - 2 : y);
    p.drawPath(wave);
}

} // namespace md
