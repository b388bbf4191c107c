#pragma once

#include <QWidget>

class QAbstractItemModel;
class QCheckBox;
class QTableView;

namespace md {

class ComparisonFilterProxy;

// Side-by-side diff of the compared versions over a model with ComparisonModel's roles: rows that
// differ are highlighted, metric values that are better or worse than the baseline's are coloured,
// missing values greyed; "differences only" hides identical rows.
class DiffTableView final : public QWidget
{
    Q_OBJECT
public:
    explicit DiffTableView(QAbstractItemModel *comparison, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QCheckBox *differencesOnlyBox() const { return m_differencesOnly; }
    // The background a cell gets (invalid: the style's default), shared by the delegate and tests.
    static QColor cellColor(const QModelIndex &index);
    QList<QStringList> csvRows() const;

private:
    ComparisonFilterProxy *m_proxy;
    QCheckBox *m_differencesOnly;
    QTableView *m_table;
};

} // namespace md
