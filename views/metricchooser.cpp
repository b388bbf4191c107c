#include "metricchooser.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace md {

MetricChooserDialog::MetricChooserDialog(const QString &modelName, const QStringList &available,
                                         const QStringList &chosen, QWidget *parent)
    : QDialog(parent), m_list(new QListWidget(this))
{
    setWindowTitle(tr("Metric columns"));
    auto *layout = new QVBoxLayout(this);
    auto *label = new QLabel(
        tr("Metrics shown as columns for <b>%1</b> (drag to reorder):").arg(modelName.toHtmlEscaped()), this);
    label->setWordWrap(true);
    layout->addWidget(label);
    QStringList all = chosen;
    for (const QString &m : available)
        if (!all.contains(m))
            all << m;
    for (const QString &m : all) {
        auto *item = new QListWidgetItem(m, m_list);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsDragEnabled);
        item->setCheckState(chosen.contains(m) ? Qt::Checked : Qt::Unchecked);
    }
    m_list->setDragDropMode(QAbstractItemView::InternalMove);
    layout->addWidget(m_list);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(360, 420);
}

QStringList MetricChooserDialog::chosen() const
{
    QStringList out;
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->checkState() == Qt::Checked)
            out << m_list->item(i)->text();
    return out;
}

} // namespace md
