#include "chartwidget.h"

#include <qcustomplot.h>

#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QVBoxLayout>

namespace md {

QColor seriesColor(int i)
{
    // Okabe-Ito and Tableau colours, readable on white and distinguishable with deuteranopia.
    static const QList<QColor> palette = {QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73),
                                          QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9), QColor(0xd5, 0x5e, 0x00),
                                          QColor(0x59, 0x4f, 0x8f), QColor(0x8c, 0x6d, 0x31), QColor(0x6b, 0x6e, 0xcf),
                                          QColor(0x7f, 0x7f, 0x7f)};
    const int n = int(palette.size());
    const QColor base = palette[i % n];
    switch ((i / n) % 5) {
    case 1:
        return base.lighter(140);
    case 2:
        return base.darker(150);
    case 3:
        return base.lighter(175);
    case 4:
        return base.darker(200);
    default:
        return base;
    }
}

QString csvCell(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
        return text;
    return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

ChartWidget::ChartWidget(QWidget *parent)
    : QWidget(parent), m_layout(new QVBoxLayout(this)), m_plot(new QCustomPlot(this))
{
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(4);
    m_plot->setObjectName(QStringLiteral("plot"));
    m_plot->setMinimumSize(320, 240);
    // Antialiasing costs more than it adds to bars and thin lines (see FACTS.md); text stays smooth.
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    m_plot->setAntialiasedElement(QCP::aeScatters, true);
    m_plot->setNoAntialiasingOnDrag(true);
    m_layout->addWidget(m_plot, 1);
}

QString ChartWidget::exportImage(const QString &path) const
{
    // A chart that was never shown has not been laid out: take the size it was given, or a default.
    const QSize given = m_plot->isVisible() ? m_plot->size() : size();
    const int w = given.width() > 100 ? given.width() : 1200;
    const int h = given.height() > 100 ? given.height() : 700;
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, w, h);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, w, h, QCP::epNoCosmetic, QStringLiteral("ModelDesk"), windowTitle());
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(windowTitle());
        svg.setDescription(tr("Chart exported by ModelDesk"));
        QCPPainter painter;
        if (painter.begin(&svg)) {
            m_plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        return tr("Unknown image format '%1': use .png, .pdf or .svg.").arg(suffix);
    }
    if (!ok || QFileInfo(path).size() == 0)
        return tr("Could not write %1.").arg(path);
    return {};
}

QString ChartWidget::exportCsv(const QString &path) const
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        return f.errorString();
    for (const QStringList &row : csvRows()) {
        QStringList cells;
        for (const QString &c : row)
            cells << csvCell(c);
        f.write((cells.join(QLatin1Char(',')) + QLatin1Char('\n')).toUtf8());
    }
    if (!f.commit())
        return f.errorString();
    return {};
}

} // namespace md
