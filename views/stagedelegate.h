#pragma once

#include <QStyledItemDelegate>

namespace md {

// Paints a stage as a coloured pill. The stage comes from `stageRole` (an int of md::Stage); cells
// without it (rows still loading) paint as plain text.
class StageDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    StageDelegate(int stageRole, QObject *parent);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_stageRole;
};

} // namespace md
