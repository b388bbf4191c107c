#pragma once

#include <QProxyStyle>

namespace md {

// The application's style: the platform's (Fusion under X without a desktop theme), with a focus frame a user can
// see. Fusion marks keyboard focus with a one-pixel, half-transparent line that disappears on a selected row or a
// blue button; this draws two opaque pixels in the highlight colour around the focused control, cell and button.
class FocusFrameStyle final : public QProxyStyle
{
    Q_OBJECT

public:
    using QProxyStyle::QProxyStyle;

    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                       const QWidget *widget = nullptr) const override;

    static constexpr int kFrameWidth = 2;
};

} // namespace md
