#pragma once

#include "registry/search.h"

#include <QWidget>

class QAbstractItemModel;
class QLabel;

namespace md {

class FilterLineEdit;
class HintTableView;

// The search bar and the results across all models. Emits searchRequested; shows errors (with the
// spot underlined) and results given to it. Double-clicking a result asks to open that version.
class SearchPanel final : public QWidget
{
    Q_OBJECT
public:
    SearchPanel(QAbstractItemModel *results, QWidget *parent = nullptr);

    FilterLineEdit *editor() const { return m_edit; }
    HintTableView *resultsView() const { return m_view; }
    QString errorText() const;
    void showError(const FilterError &error);
    // truncated: more versions match than the count shown; loadsMore: they load as the table is scrolled.
    // loaded: rows shown so far; matched: versions that match (the first maxRows when tooMany).
    void showResults(int loaded, int matched, bool tooMany, qint64 milliseconds);
    void focusEditor();
    QList<QPair<QString, int>> selectedVersions() const;

signals:
    void searchRequested(const QString &filter);
    void openVersion(const QString &modelName, int version);
    void closeRequested();
    void compareRequested();

private:
    FilterLineEdit *m_edit;
    QLabel *m_message;
    HintTableView *m_view;
};

} // namespace md
