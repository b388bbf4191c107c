#include "compareview.h"

#include "items/registryclient.h"

#include "chartwidget.h"
#include "difftableview.h"
#include "groupedbarchart.h"
#include "items/comparisonmodel.h"
#include "items/metricdirection.h"
#include "metrictrendchart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace md {

CompareView::CompareView(RegistryClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_model(new ComparisonModel(this)), m_title(new QLabel(this)),
      m_baseline(new QComboBox(this)), m_normalise(new QCheckBox(tr("Normalise per metric"), this)),
      m_deltas(new QCheckBox(tr("Deltas vs baseline"), this)), m_directions(new QToolButton(this)),
      m_tabs(new QTabWidget(this))
{
    setObjectName(QStringLiteral("compareView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Two rows, so that the controls fit a small window (1024x640) instead of pushing "Back to versions" off it:
    // the title with the actions that leave or save the comparison, then how the values are shown.
    auto *bar = new QHBoxLayout;
    auto *options = new QHBoxLayout;
    m_title->setObjectName(QStringLiteral("compareTitle"));
    m_title->setTextFormat(Qt::RichText);
    // The title gives way (clipped; the full text is its tooltip) so that the controls fit beside it.
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_title->setMinimumWidth(80);
    bar->addWidget(m_title, 1);
    options->addWidget(new QLabel(tr("Baseline:"), this));
    m_baseline->setObjectName(QStringLiteral("baseline"));
    m_baseline->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_baseline->setMinimumContentsLength(10);
    m_baseline->setToolTip(tr("Deltas and better/worse colours are against this version"));
    options->addWidget(m_baseline);
    m_normalise->setObjectName(QStringLiteral("normalise"));
    m_normalise->setToolTip(tr("Scale each metric to its largest value, so metrics on different scales fit one "
                               "axis (with deltas: change in percent of the baseline)"));
    options->addWidget(m_normalise);
    m_deltas->setObjectName(QStringLiteral("deltas"));
    options->addWidget(m_deltas);
    m_directions->setText(tr("Lower is better"));
    m_directions->setToolTip(tr("Which metrics are better when lower (by convention: loss, latency, error, …)"));
    m_directions->setPopupMode(QToolButton::InstantPopup);
    m_directions->setMenu(new QMenu(m_directions));
    options->addWidget(m_directions);
    options->addStretch(1);
    auto *exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setObjectName(QStringLiteral("compareExport"));
    exportButton->setToolTip(tr("Save the chart shown as PNG, PDF or SVG, or its data as CSV"));
    bar->addWidget(exportButton);
    auto *close = new QPushButton(tr("Back to versions"), this);
    close->setObjectName(QStringLiteral("compareClose"));
    bar->addWidget(close);
    layout->addLayout(bar);
    layout->addLayout(options);

    m_metricBars = new GroupedBarChart(GroupedBarChart::Mode::Metrics, m_tabs);
    m_metricBars->setModel(m_model);
    m_tabs->addTab(m_metricBars, tr("Metrics"));

    auto *trendPage = new QWidget(m_tabs);
    auto *trendLayout = new QVBoxLayout(trendPage);
    trendLayout->setContentsMargins(0, 4, 0, 0);
    m_trendModel = new QComboBox(trendPage);
    m_trendModel->setObjectName(QStringLiteral("trendModel"));
    trendLayout->addWidget(m_trendModel);
    m_trend = new MetricTrendChart(trendPage);
    trendLayout->addWidget(m_trend, 1);
    m_tabs->addTab(trendPage, tr("Trend"));

    auto *slicePage = new QWidget(m_tabs);
    auto *sliceLayout = new QVBoxLayout(slicePage);
    sliceLayout->setContentsMargins(0, 4, 0, 0);
    auto *sliceBar = new QHBoxLayout;
    sliceBar->addWidget(new QLabel(tr("Metric:"), slicePage));
    m_sliceMetric = new QComboBox(slicePage);
    m_sliceMetric->setObjectName(QStringLiteral("sliceMetric"));
    m_sliceMetric->setMinimumContentsLength(18);
    sliceBar->addWidget(m_sliceMetric);
    sliceBar->addStretch(1);
    sliceLayout->addLayout(sliceBar);
    m_sliceBars = new GroupedBarChart(GroupedBarChart::Mode::Slices, slicePage);
    m_sliceBars->setModel(m_model);
    sliceLayout->addWidget(m_sliceBars, 1);
    m_tabs->addTab(slicePage, tr("Subgroups"));

    m_diff = new DiffTableView(m_model, m_tabs);
    m_tabs->addTab(m_diff, tr("Diff"));
    layout->addWidget(m_tabs, 1);

    connect(close, &QPushButton::clicked, this, &CompareView::closeRequested);
    connect(exportButton, &QPushButton::clicked, this, &CompareView::exportDialog);
    connect(m_normalise, &QCheckBox::toggled, this, [this](bool on) {
        m_metricBars->setNormalised(on);
        m_sliceBars->setNormalised(on);
    });
    // Normalised by default: raw values put auc (0.8) next to latency_ms (20) on one axis, and auc is flat.
    m_normalise->setChecked(true);
    connect(m_deltas, &QCheckBox::toggled, this, [this](bool on) {
        m_metricBars->setDeltas(on);
        m_sliceBars->setDeltas(on);
    });
    connect(m_baseline, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0)
            m_model->setBaseline(i);
    });
    connect(m_model, &ComparisonModel::baselineChanged, this, [this](int i) {
        const QSignalBlocker block(m_baseline);
        m_baseline->setCurrentIndex(i);
    });
    connect(m_sliceMetric, &QComboBox::currentTextChanged, m_sliceBars, &GroupedBarChart::setSliceMetric);
    connect(m_trendModel, &QComboBox::currentTextChanged, this, &CompareView::showTrendFor);
}

void CompareView::compare(const QList<VersionRef> &versions)
{
    const quint64 generation = ++m_generation;
    m_title->setText(tr("Loading %n version(s)…", nullptr, int(versions.size())));
    loadComparison(m_client, this, versions, [this, generation](Result<ComparisonData> result) {
        if (generation != m_generation)
            return;
        if (!result) {
            m_title->setText(tr("Could not compare: %1").arg(result.error().message.toHtmlEscaped()));
            m_title->setToolTip(m_title->text());
            emit loadFailed(result.error().message);
            return;
        }
        setData(*result);
        emit loaded();
    });
}

void CompareView::setData(const ComparisonData &data)
{
    m_data = data;
    m_model->setDiff(diffVersions(data.versions, data.directions));
    m_trend->setDirections(data.directions);
    const QStringList models = data.allVersions.keys();
    {
        const QSignalBlocker block(m_baseline);
        m_baseline->clear();
        for (int i = 0; i < m_model->versionCount(); ++i)
            m_baseline->addItem(m_model->versionLabel(i) + QStringLiteral(" · ") + stageName(data.versions[i].stage));
        m_baseline->setCurrentIndex(m_model->baseline());
    }
    QString title =
        models.size() == 1
            ? tr("<b>%1</b>: %n version(s)", nullptr, m_model->versionCount()).arg(models.first().toHtmlEscaped())
            : tr("<b>%n version(s)</b> of %1 models", nullptr, m_model->versionCount()).arg(models.size());
    if (data.addedBaseline >= 0)
        title += tr(" (Production %1 added as baseline)").arg(m_model->versionLabel(data.addedBaseline));
    m_title->setText(title);
    m_title->setToolTip(title);
    {
        const QSignalBlocker block(m_sliceMetric);
        const QString keep = m_sliceMetric->currentText();
        m_sliceMetric->clear();
        const QStringList sliced = GroupedBarChart::slicedMetrics(m_model);
        m_sliceMetric->addItems(sliced);
        m_sliceMetric->setCurrentIndex(std::max(0, int(sliced.indexOf(keep))));
    }
    m_sliceBars->setSliceMetric(m_sliceMetric->currentText());
    {
        const QSignalBlocker block(m_trendModel);
        m_trendModel->clear();
        m_trendModel->addItems(models);
        m_trendModel->setVisible(models.size() > 1);
    }
    showTrendFor(models.value(0));
    rebuildDirectionMenu();
}

void CompareView::showTrendFor(const QString &modelName)
{
    QSet<int> chosen;
    for (const ModelVersion &v : m_data.versions)
        if (v.modelName == modelName)
            chosen.insert(v.version);
    m_trend->setData(modelName, m_data.allVersions.value(modelName), m_data.production.value(modelName));
    m_trend->setHighlighted(chosen);
}

void CompareView::rebuildDirectionMenu()
{
    QMenu *menu = m_directions->menu();
    menu->clear();
    QStringList names;
    for (const DiffRow &r : m_model->diff().rows)
        if (r.section == DiffRow::Section::Metric) {
            const QString name = splitMetricKey(r.key).name;
            if (!names.contains(name))
                names << name;
        }
    for (const QString &name : names) {
        QAction *a = menu->addAction(name);
        a->setCheckable(true);
        a->setChecked(m_data.directions.lowerIsBetter(name));
        const QString source = m_data.directions.sourceOf(name);
        if (source != QLatin1String("default"))
            a->setText(name + (source == QLatin1String("model") ? tr("  (set for this model)")
                                                                : tr("  (set for the registry)")));
        connect(a, &QAction::toggled, this, [this, name](bool lower) { setMetricDirection(name, lower); });
    }
}

void CompareView::setMetricDirection(const QString &metric, bool lower)
{
    if (m_data.versions.isEmpty())
        return;
    const QString model = m_data.versions.first().modelName;
    const MetricDirection wanted = lower ? MetricDirection::LowerIsBetter : MetricDirection::HigherIsBetter;
    // Back to the default when the choice matches what the model would have without its own setting.
    MetricDirections without = m_data.directions;
    without.model.remove(metric);
    const std::optional<MetricDirection> stored =
        without.of(metric) == wanted ? std::nullopt : std::optional<MetricDirection>(wanted);
    m_client->run<Status>(
        this,
        [model, metric, stored](Registry *r) -> Status {
            if (!r)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return r->setMetricDirection(model, metric, stored);
        },
        [this, metric, stored](Status s) {
            if (!s) {
                m_title->setText(
                    tr("Could not change the direction of %1: %2").arg(metric, s.error().message.toHtmlEscaped()));
                m_title->setToolTip(m_title->text());
                rebuildDirectionMenu();
                return;
            }
            if (stored)
                m_data.directions.model.insert(metric, *stored);
            else
                m_data.directions.model.remove(metric);
            m_model->refreshDirections(m_data.directions);
            m_trend->setDirections(m_data.directions);
            m_metricBars->rebuild();
            m_sliceBars->rebuild();
            showTrendFor(m_trendModel->currentText().isEmpty() ? m_data.allVersions.firstKey()
                                                               : m_trendModel->currentText());
            rebuildDirectionMenu();
            emit directionChanged(metric);
        });
}

QString CompareView::exportCurrent(const QString &path) const
{
    const bool csv = QFileInfo(path).suffix().toLower() == QLatin1String("csv");
    const ChartWidget *chart = nullptr;
    switch (m_tabs->currentIndex()) {
    case MetricsTab:
        chart = m_metricBars;
        break;
    case TrendTab:
        chart = m_trend;
        break;
    case SubgroupsTab:
        chart = m_sliceBars;
        break;
    default:
        break;
    }
    if (chart)
        return csv ? chart->exportCsv(path) : chart->exportImage(path);
    if (!csv)
        return tr("The diff exports as CSV.");
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        return f.errorString();
    for (const QStringList &row : m_diff->csvRows()) {
        QStringList cells;
        for (const QString &c : row)
            cells << csvCell(c);
        f.write((cells.join(QLatin1Char(',')) + QLatin1Char('\n')).toUtf8());
    }
    return f.commit() ? QString() : f.errorString();
}

void CompareView::exportDialog()
{
    const bool chart = m_tabs->currentIndex() != DiffTab;
    const QString filters = chart ? tr("PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg);;CSV data (*.csv)")
                                  : tr("CSV data (*.csv)");
    QString selected;
    QString path = QFileDialog::getSaveFileName(this, tr("Export"), QStringLiteral("comparison"), filters, &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + selected.section(QStringLiteral("*."), 1).section(QLatin1Char(')'), 0, 0);
    const QString error = exportCurrent(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export"), error);
}

} // namespace md
