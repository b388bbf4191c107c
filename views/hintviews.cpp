#include "hintviews.h"

#include <QPainter>

namespace md {

namespace {
void paintHint(QAbstractItemView *view, const QString &hint)
{
    if (hint.isEmpty() || !view->model() || view->model()->rowCount(view->rootIndex()) > 0)
        return;
    QPainter p(view->viewport());
    p.setPen(view->palette().color(QPalette::PlaceholderText));
    const QRect r = view->viewport()->rect().adjusted(24, 24, -24, -24);
    p.drawText(r, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, hint);
}
} // namespace

void HintTableView::setEmptyHint(const QString &text)
{
    m_hint = text;
    viewport()->update();
}

void HintTableView::paintEvent(QPaintEvent *event)
{
    QTableView::paintEvent(event);
    paintHint(this, m_hint);
}

void HintTreeView::setEmptyHint(const QString &text)
{
    m_hint = text;
    viewport()->update();
}

void HintTreeView::paintEvent(QPaintEvent *event)
{
    QTreeView::paintEvent(event);
    paintHint(this, m_hint);
}

} // namespace md
