#include "focusstyle.h"

#include <QPainter>
#include <QStyleOption>

namespace md {

namespace {

void drawFrame(const QStyleOption *option, QPainter *painter, QRect rect)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    QColor colour = option->palette.color(QPalette::Highlight);
    // On a selected (highlight-coloured) cell the frame is the highlighted text's colour, so it still shows.
    if (option->state & QStyle::State_Selected)
        colour = option->palette.color(QPalette::HighlightedText);
    painter->setPen(QPen(colour, FocusFrameStyle::kFrameWidth, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    painter->setBrush(Qt::NoBrush);
    const int inset = FocusFrameStyle::kFrameWidth / 2;
    painter->drawRect(rect.adjusted(inset, inset, -inset, -inset));
    painter->restore();
}

} // namespace

void FocusFrameStyle::drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                                    const QWidget *widget) const
{
    if (element == PE_FrameFocusRect) {
        drawFrame(option, painter, option->rect);
        return;
    }
    QProxyStyle::drawPrimitive(element, option, painter, widget);
    // Buttons: the base style draws their panel; the frame goes on top when the focus came by keyboard.
    if ((element == PE_PanelButtonCommand || element == PE_PanelButtonTool) && (option->state & State_HasFocus) &&
        (option->state & State_KeyboardFocusChange))
        drawFrame(option, painter, option->rect);
}

} // namespace md
