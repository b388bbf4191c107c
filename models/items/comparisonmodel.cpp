#include "comparisonmodel.h"

#include "metricdirection.h"

#include <cmath>

namespace md {

namespace {

QString sectionTitle(DiffRow::Section section)
{
    switch (section) {
    case DiffRow::Section::Artifact:
        return ComparisonModel::tr("Artifact");
    case DiffRow::Section::Metric:
        return ComparisonModel::tr("Metrics");
    case DiffRow::Section::Param:
        return ComparisonModel::tr("Params");
    case DiffRow::Section::Fact:
        return ComparisonModel::tr("Provenance");
    case DiffRow::Section::Tag:
        return ComparisonModel::tr("Tags");
    case DiffRow::Section::Input:
        return ComparisonModel::tr("Lineage inputs");
    }
    return {};
}

QString signedNumber(double d)
{
    const QString text = QString::number(d, 'g', 4);
    return d > 0 ? QString(QLatin1Char('+') + text) : text;
}

// Differences smaller than this are rounding noise of values stored as text.
constexpr double kSameEpsilon = 1e-12;

} // namespace

ComparisonModel::ComparisonModel(QObject *parent) : QAbstractTableModel(parent) {}

int ComparisonModel::defaultBaseline(const QList<ModelVersion> &versions)
{
    for (qsizetype i = 0; i < versions.size(); ++i)
        if (versions[i].stage == Stage::Production)
            return int(i);
    return 0;
}

void ComparisonModel::setDiff(const VersionDiff &diff)
{
    beginResetModel();
    m_diff = diff;
    m_rows.clear();
    QString firstModel;
    m_severalModels = false;
    for (const ModelVersion &v : m_diff.versions) {
        if (firstModel.isEmpty())
            firstModel = v.modelName;
        else if (v.modelName != firstModel)
            m_severalModels = true;
    }
    for (qsizetype i = 0; i < m_diff.rows.size(); ++i) {
        const DiffRow &r = m_diff.rows[i];
        if (m_rows.isEmpty() || m_rows.last().section != r.section)
            m_rows << Row{r.section, -1, false};
        Row row{r.section, int(i), false};
        row.lowerIsBetter = r.lowerIsBetter;
        m_rows << row;
    }
    m_baseline = defaultBaseline(m_diff.versions);
    endResetModel();
    emit baselineChanged(m_baseline);
}

void ComparisonModel::setBaseline(int versionIndex)
{
    if (versionIndex < 0 || versionIndex >= versionCount() || versionIndex == m_baseline)
        return;
    m_baseline = versionIndex;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    emit headerDataChanged(Qt::Horizontal, FirstVersionColumn, columnCount() - 1);
    emit baselineChanged(m_baseline);
}

void ComparisonModel::refreshDirections(const MetricDirections &directions)
{
    bool changed = false;
    for (Row &row : m_rows) {
        if (row.diffRow < 0 || row.section != DiffRow::Section::Metric)
            continue;
        const bool lower = directions.lowerIsBetter(splitMetricKey(m_diff.rows[row.diffRow].key).name);
        m_diff.rows[row.diffRow].lowerIsBetter = lower;
        changed = changed || lower != row.lowerIsBetter;
        row.lowerIsBetter = lower;
    }
    if (changed && !m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

QString ComparisonModel::versionLabel(int versionIndex) const
{
    if (versionIndex < 0 || versionIndex >= versionCount())
        return {};
    const ModelVersion &v = m_diff.versions[versionIndex];
    if (!m_severalModels)
        return QStringLiteral("v%1").arg(v.version);
    return v.modelName.section(QLatin1Char('/'), -1) + QStringLiteral(" v%1").arg(v.version);
}

int ComparisonModel::rowOfKey(DiffRow::Section section, const QString &key) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].diffRow >= 0 && m_rows[i].section == section && m_diff.rows[m_rows[i].diffRow].key == key)
            return int(i);
    return -1;
}

std::optional<double> ComparisonModel::delta(const DiffRow &row, int versionIndex) const
{
    if (versionIndex >= row.numbers.size() || m_baseline >= row.numbers.size())
        return std::nullopt;
    const auto &n = row.numbers[versionIndex];
    const auto &b = row.numbers[m_baseline];
    if (!n || !b)
        return std::nullopt;
    return *n - *b;
}

int ComparisonModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ComparisonModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstVersionColumn + versionCount();
}

QVariant ComparisonModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[index.row()];
    const int v = index.column() - FirstVersionColumn;
    if (row.diffRow < 0) {
        switch (role) {
        case Qt::DisplayRole:
            return index.column() == KeyColumn ? sectionTitle(row.section) : QVariant();
        case SectionRole:
            return int(row.section);
        case IsSectionHeaderRole:
            return true;
        case IsBaselineRole:
            return v == m_baseline;
        default:
            return {};
        }
    }
    const DiffRow &d = m_diff.rows[row.diffRow];
    const bool metric = row.section == DiffRow::Section::Metric;
    switch (role) {
    case Qt::DisplayRole: {
        if (index.column() == KeyColumn)
            return d.key;
        const auto &value = d.values[v];
        if (!value)
            return QStringLiteral("—");
        QString text = d.numbers[v] ? QString::number(*d.numbers[v], 'g', 6) : *value;
        if (v != m_baseline)
            if (const auto dd = delta(d, v); dd && std::abs(*dd) > kSameEpsilon)
                text += QStringLiteral("  (") + signedNumber(*dd) + QLatin1Char(')');
        return text;
    }
    case Qt::ToolTipRole:
        if (index.column() == KeyColumn)
            return metric ? QString(d.key + (row.lowerIsBetter ? tr(" (lower is better)") : tr(" (higher is better)")))
                          : d.key;
        return d.values[v] ? QVariant(*d.values[v]) : QVariant(tr("%1 has no %2").arg(versionLabel(v), d.key));
    case Qt::TextAlignmentRole:
        if (index.column() != KeyColumn && d.numbers[v])
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case SectionRole:
        return int(row.section);
    case IsSectionHeaderRole:
        return false;
    case KeyRole:
        return d.key;
    case MetricNameRole:
    case DatasetRole:
    case SliceRole: {
        if (!metric)
            return {};
        const MetricKeyParts p = splitMetricKey(d.key);
        return role == MetricNameRole ? p.name : role == DatasetRole ? p.dataset : p.slice;
    }
    case DiffersRole:
        return d.differs;
    case LowerIsBetterRole:
        return metric ? QVariant(row.lowerIsBetter) : QVariant();
    case NumberRole:
        return index.column() != KeyColumn && d.numbers[v] ? QVariant(*d.numbers[v]) : QVariant();
    case DeltaRole:
        if (index.column() == KeyColumn)
            return {};
        if (const auto dd = delta(d, v))
            return *dd;
        return {};
    case ComparisonRole: {
        if (index.column() == KeyColumn || !metric)
            return {};
        const auto dd = delta(d, v);
        if (!dd)
            return {};
        if (std::abs(*dd) <= kSameEpsilon)
            return int(Comparison::Same);
        const bool better = row.lowerIsBetter ? *dd < 0 : *dd > 0;
        return int(better ? Comparison::Better : Comparison::Worse);
    }
    case MissingRole:
        return index.column() != KeyColumn && !d.values[v];
    case IsBaselineRole:
        return v == m_baseline;
    default:
        return {};
    }
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return {};
    if (section == KeyColumn)
        return role == Qt::DisplayRole ? QVariant(tr("Name")) : QVariant();
    const int v = section - FirstVersionColumn;
    const ModelVersion &mv = m_diff.versions[v];
    switch (role) {
    case Qt::DisplayRole:
        return QString(versionLabel(v) + QStringLiteral("\n") + stageName(mv.stage) +
                       (v == m_baseline ? tr(" · baseline") : QString()));
    case Qt::ToolTipRole:
        return tr("%1 version %2 (%3), registered %4 by %5")
            .arg(mv.modelName)
            .arg(mv.version)
            .arg(stageName(mv.stage), mv.createdAt.left(10), mv.createdBy);
    case ModelNameRole:
        return mv.modelName;
    case VersionRole:
        return mv.version;
    case StageRole:
        return int(mv.stage);
    case IsBaselineRole:
        return v == m_baseline;
    default:
        return {};
    }
}

// ---- proxy -------------------------------------------------------------------------------------------

ComparisonFilterProxy::ComparisonFilterProxy(QObject *parent) : QSortFilterProxyModel(parent) {}

void ComparisonFilterProxy::setDifferencesOnly(bool on)
{
    if (on == m_differencesOnly)
        return;
    m_differencesOnly = on;
    invalidateRowsFilter();
}

bool ComparisonFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_differencesOnly)
        return true;
    const QAbstractItemModel *m = sourceModel();
    const QModelIndex i = m->index(sourceRow, 0, sourceParent);
    if (!i.data(ComparisonModel::IsSectionHeaderRole).toBool())
        return i.data(ComparisonModel::DiffersRole).toBool();
    // A header stays while any row of its section differs.
    for (int r = sourceRow + 1; r < m->rowCount(sourceParent); ++r) {
        const QModelIndex j = m->index(r, 0, sourceParent);
        if (j.data(ComparisonModel::IsSectionHeaderRole).toBool())
            break;
        if (j.data(ComparisonModel::DiffersRole).toBool())
            return true;
    }
    return false;
}

} // namespace md
