#include "difftableview.h"

#include "items/comparisonmodel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace md {

namespace {

const QColor kHeader(0xec, 0xef, 0xf1);
const QColor kDiffers(0xff, 0xf4, 0xc4);
const QColor kBetter(0xc8, 0xe6, 0xc9);
const QColor kWorse(0xff, 0xcc, 0xbc);
const QColor kMissing(0xf0, 0xf0, 0xf0);

class DiffDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const QColor c = DiffTableView::cellColor(index);
        if (c.isValid()) {
            option->backgroundBrush = c;
            option->palette.setColor(QPalette::Text, Qt::black);
        }
        if (index.data(ComparisonModel::IsSectionHeaderRole).toBool())
            option->font.setBold(true);
        if (index.data(ComparisonModel::MissingRole).toBool()) {
            option->font.setItalic(true);
            option->palette.setColor(QPalette::Text, QColor(0x75, 0x75, 0x75));
        }
        if (index.column() >= ComparisonModel::FirstVersionColumn &&
            index.data(ComparisonModel::IsBaselineRole).toBool() &&
            !index.data(ComparisonModel::IsSectionHeaderRole).toBool())
            option->font.setBold(true);
    }
};

} // namespace

QColor DiffTableView::cellColor(const QModelIndex &index)
{
    if (!index.isValid())
        return {};
    if (index.data(ComparisonModel::IsSectionHeaderRole).toBool())
        return kHeader;
    if (index.column() >= ComparisonModel::FirstVersionColumn) {
        const QVariant cmp = index.data(ComparisonModel::ComparisonRole);
        if (cmp.isValid() && cmp.toInt() > 0)
            return kBetter;
        if (cmp.isValid() && cmp.toInt() < 0)
            return kWorse;
        if (index.data(ComparisonModel::MissingRole).toBool())
            return kMissing;
    }
    if (index.data(ComparisonModel::DiffersRole).toBool())
        return kDiffers;
    return {};
}

DiffTableView::DiffTableView(QAbstractItemModel *comparison, QWidget *parent)
    : QWidget(parent), m_proxy(new ComparisonFilterProxy(this)),
      m_differencesOnly(new QCheckBox(tr("Differences only"), this)), m_table(new QTableView(this))
{
    setObjectName(QStringLiteral("diffView"));
    m_proxy->setSourceModel(comparison);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_differencesOnly->setObjectName(QStringLiteral("differencesOnly"));
    m_differencesOnly->setToolTip(tr("Hide rows whose values are the same in every version"));
    bar->addWidget(m_differencesOnly);
    auto *legend = new QLabel(tr("<span style='background:#fff4c4'>&nbsp;differs&nbsp;</span> "
                                 "<span style='background:#c8e6c9'>&nbsp;better than baseline&nbsp;</span> "
                                 "<span style='background:#ffccbc'>&nbsp;worse than baseline&nbsp;</span> "
                                 "<span style='background:#f0f0f0'>&nbsp;<i>missing</i>&nbsp;</span>"),
                              this);
    bar->addStretch(1);
    bar->addWidget(legend);
    layout->addLayout(bar);
    m_table->setObjectName(QStringLiteral("diffTable"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new DiffDelegate(m_table));
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignCenter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_table->horizontalHeader()->setDefaultSectionSize(11 * em);
    m_table->horizontalHeader()->setMinimumSectionSize(5 * em);
    // Values with their deltas stay readable: columns fit their contents, within limits.
    auto fitFirst = [this, em]() {
        m_table->resizeColumnsToContents();
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            m_table->setColumnWidth(c, std::clamp(m_table->columnWidth(c) + em, 7 * em,
                                                  c == ComparisonModel::KeyColumn ? 18 * em : 15 * em));
        m_table->horizontalHeader()->setFixedHeight(2 * fontMetrics().height() + 10);
    };
    connect(m_proxy, &QAbstractItemModel::modelReset, this, fitFirst);
    fitFirst();
    layout->addWidget(m_table, 1);
    connect(m_differencesOnly, &QCheckBox::toggled, m_proxy, &ComparisonFilterProxy::setDifferencesOnly);
}

QList<QStringList> DiffTableView::csvRows() const
{
    QList<QStringList> rows;
    QStringList header;
    for (int c = 0; c < m_proxy->columnCount(); ++c)
        header << m_proxy->headerData(c, Qt::Horizontal).toString().replace(QLatin1Char('\n'), QLatin1Char(' '));
    rows << header;
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            cells << m_proxy->index(r, c).data().toString();
        rows << cells;
    }
    return rows;
}

} // namespace md
