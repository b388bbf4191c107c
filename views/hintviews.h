#pragma once

#include <QTableView>
#include <QTreeView>

namespace md {

// Item views that say what to do when they are empty, instead of showing a blank area.
class HintTableView : public QTableView
{
    Q_OBJECT
public:
    // Tab leaves the table for the next widget (cell-by-cell Tab moved the current row, and so the selection).
    explicit HintTableView(QWidget *parent = nullptr) : QTableView(parent) { setTabKeyNavigation(false); }
    void setEmptyHint(const QString &text);
    QString emptyHint() const { return m_hint; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_hint;
};

class HintTreeView : public QTreeView
{
    Q_OBJECT
public:
    explicit HintTreeView(QWidget *parent = nullptr) : QTreeView(parent) {}
    void setEmptyHint(const QString &text);
    QString emptyHint() const { return m_hint; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_hint;
};

} // namespace md
