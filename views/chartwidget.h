#pragma once

#include <QStringList>
#include <QWidget>

class QCustomPlot;
class QVBoxLayout;

namespace md {

// A QCustomPlot with exports: the chart as PNG, PDF or SVG (chosen by the file suffix) and the data
// behind it as CSV. Subclasses build the plot and say what their data rows are.
class ChartWidget : public QWidget
{
    Q_OBJECT
public:
    explicit ChartWidget(QWidget *parent = nullptr);

    QCustomPlot *plot() const { return m_plot; }
    // Writes the chart to path (.png, .pdf or .svg) at the plot's size (or 1200x700 when it has none).
    // Returns an error message, empty on success.
    QString exportImage(const QString &path) const;
    QString exportCsv(const QString &path) const;
    // The chart's data: a header row, then one row per plotted value.
    virtual QList<QStringList> csvRows() const = 0;

protected:
    QVBoxLayout *layout() const { return m_layout; }

private:
    QVBoxLayout *m_layout;
    QCustomPlot *m_plot;
};

// Colour of series i of n: a colour-blind-safe qualitative palette, lighter or darker per round.
QColor seriesColor(int i);
QString csvCell(const QString &text);

} // namespace md
