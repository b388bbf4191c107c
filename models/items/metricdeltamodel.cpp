#include "metricdeltamodel.h"

#include "registry/gates.h"

#include <QBrush>
#include <QColor>
#include <QFont>

#include <algorithm>
#include <cmath>
#include <map>

namespace md {

namespace {

QString number(double v)
{
    return QString::number(v, 'g', 5);
}

} // namespace

MetricDeltaModel::MetricDeltaModel(QObject *parent) : QAbstractTableModel(parent) {}

void MetricDeltaModel::setVersions(const ModelVersion &candidate, const ModelVersion *baseline,
                                   const MetricDirections &directions)
{
    beginResetModel();
    m_directions = directions;
    m_rows.clear();
    m_candidateVersion = candidate.version;
    m_baselineVersion = baseline ? baseline->version : 0;
    // Overall metrics sort before subgroups; within each, by key.
    std::map<std::pair<bool, QString>, Row> rows;
    auto add = [&rows](const Metric &m, bool isCandidate) {
        Row &r = rows[{!m.slice.isEmpty(), m.key()}];
        r.key = m.key();
        r.name = m.name;
        r.subgroup = !m.slice.isEmpty();
        (isCandidate ? r.candidate : r.baseline) = m.value;
    };
    for (const Metric &m : candidate.metrics)
        add(m, true);
    if (baseline)
        for (const Metric &m : baseline->metrics)
            add(m, false);
    for (auto &[key, row] : rows) {
        if (row.candidate && row.baseline) {
            const double delta = *row.candidate - *row.baseline;
            const double scale = std::max({std::fabs(*row.candidate), std::fabs(*row.baseline), 1e-12});
            if (std::fabs(delta) / scale > 1e-9)
                row.verdict = ((delta > 0) != m_directions.lowerIsBetter(row.name)) ? 1 : -1;
        }
        m_rows << row;
    }
    endResetModel();
}

int MetricDeltaModel::betterCount() const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [](const Row &r) { return r.verdict > 0; }));
}

int MetricDeltaModel::worseCount() const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [](const Row &r) { return r.verdict < 0; }));
}

int MetricDeltaModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MetricDeltaModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricDeltaModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case VerdictRole:
        return r.verdict;
    case IsSubgroupRole:
        return r.subgroup;
    case MetricKeyRole:
        return r.key;
    case Qt::DisplayRole:
        switch (index.column()) {
        case MetricColumn:
            return r.subgroup ? QString(QStringLiteral("   ") + r.key) : r.key;
        case CandidateColumn:
            return r.candidate ? number(*r.candidate) : tr("—");
        case BaselineColumn:
            return r.baseline ? number(*r.baseline) : tr("—");
        case DeltaColumn: {
            if (!r.candidate || !r.baseline)
                return tr("—");
            const double d = *r.candidate - *r.baseline;
            const QString arrow = r.verdict > 0 ? tr(" better") : r.verdict < 0 ? tr(" worse") : QString();
            return QString((d > 0 ? QStringLiteral("+") : QString()) + number(d) + arrow);
        }
        default:
            return {};
        }
    case Qt::ForegroundRole:
        if (index.column() == DeltaColumn || index.column() == CandidateColumn) {
            if (r.verdict > 0)
                return QBrush(QColor(0x1b, 0x5e, 0x20));
            if (r.verdict < 0)
                return QBrush(QColor(0xb7, 0x1c, 0x1c));
        }
        return {};
    case Qt::BackgroundRole:
        if (index.column() == DeltaColumn) {
            if (r.verdict > 0)
                return QBrush(QColor(0xe8, 0xf5, 0xe9));
            if (r.verdict < 0)
                return QBrush(QColor(0xff, 0xeb, 0xee));
        }
        return {};
    case Qt::FontRole:
        if (index.column() == DeltaColumn && r.verdict != 0) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == MetricColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return m_directions.lowerIsBetter(r.name) ? tr("%1: lower is better").arg(r.name)
                                                  : tr("%1: higher is better").arg(r.name);
    default:
        break;
    }
    return {};
}

QVariant MetricDeltaModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case MetricColumn:
        return tr("Metric");
    case CandidateColumn:
        return tr("Candidate v%1").arg(m_candidateVersion);
    case BaselineColumn:
        return m_baselineVersion ? tr("Production v%1").arg(m_baselineVersion) : tr("Production (none)");
    case DeltaColumn:
        return tr("Change");
    default:
        return {};
    }
}

} // namespace md
