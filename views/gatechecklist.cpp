#include "gatechecklist.h"

#include <QHeaderView>

namespace md {

GateChecklist::GateChecklist(QWidget *parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("gateChecklist"));
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::NoSelection);
    setHeaderLabels({tr("Gate"), tr("Rule"), tr("Candidate has"), tr("Rule expects")});
    header()->setStretchLastSection(true);
    setColumnWidth(0, 70);
    setColumnWidth(1, 230);
    setColumnWidth(2, 150);
}

void GateChecklist::setMessage(const QString &text)
{
    clear();
    m_failing = 0;
    auto *item = new QTreeWidgetItem(this, {QString(), text});
    item->setFirstColumnSpanned(true);
}

void GateChecklist::setReport(const GateReport &report)
{
    clear();
    m_failing = 0;
    QFont bold = font();
    bold.setBold(true);
    for (const GateResult &g : report.results) {
        auto *item = new QTreeWidgetItem(this, {g.passed ? tr("✔ PASS") : tr("✘ FAIL"), g.rule, g.actual, g.expected});
        item->setForeground(0, g.passed ? QColor(0x1b, 0x5e, 0x20) : QColor(0xb7, 0x1c, 0x1c));
        item->setFont(0, bold);
        if (!g.passed) {
            ++m_failing;
            for (int c = 0; c < columnCount(); ++c)
                item->setBackground(c, QColor(0xff, 0xeb, 0xee));
        }
        item->setToolTip(1, g.rule);
        item->setToolTip(2, g.actual);
        item->setToolTip(3, g.expected);
    }
    if (report.results.isEmpty())
        new QTreeWidgetItem(this, {tr("—"), tr("No gate policy applies to this transition.")});
}

} // namespace md
