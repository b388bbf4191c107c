#include "stagedelegate.h"

#include "stagestyle.h"

#include <QApplication>
#include <QPainter>

namespace md {

StageDelegate::StageDelegate(int stageRole, QObject *parent) : QStyledItemDelegate(parent), m_stageRole(stageRole) {}

void StageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant stage = index.data(m_stageRole);
    if (!stage.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    const QFontMetrics fm(opt.font);
    const int w = fm.horizontalAdvance(text) + 14;
    const int h = std::min(opt.rect.height() - 4, fm.height() + 4);
    const QRect pill(opt.rect.left() + 4, opt.rect.center().y() - h / 2, std::min(w, opt.rect.width() - 8), h);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(stageColor(Stage(stage.toInt())));
    painter->drawRoundedRect(pill, h / 2.0, h / 2.0);
    painter->setPen(Qt::black);
    painter->drawText(pill, Qt::AlignCenter, text);
    painter->restore();
}

QSize StageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(s.width() + 16);
    s.setHeight(std::max(s.height(), option.fontMetrics.height() + 4)); // room for the pill
    return s;
}

} // namespace md
