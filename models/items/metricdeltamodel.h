#pragma once

#include "registry/policy.h"
#include "registry/types.h"

#include <QAbstractTableModel>

#include <optional>

namespace md {

// A candidate's metrics next to the current Production version's: value, baseline and delta, with
// whether the change is better or worse (lower is better for loss, latency, error, ...). Overall
// metrics first, then subgroup (slice) metrics.
class MetricDeltaModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        MetricColumn,
        CandidateColumn,
        BaselineColumn,
        DeltaColumn,
        ColumnCount
    };
    enum Role
    {
        VerdictRole = Qt::UserRole + 1, // int: +1 better, -1 worse, 0 same or not comparable
        IsSubgroupRole,
        MetricKeyRole,
        RoleCount
    };

    explicit MetricDeltaModel(QObject *parent = nullptr);
    // baseline nullptr: nothing in Production, only the candidate's values are shown.
    // directions: the model's (Registry::metricDirections), so the dialog calls the same number better
    // as the gates and Compare.
    void setVersions(const ModelVersion &candidate, const ModelVersion *baseline,
                     const MetricDirections &directions = {});
    int betterCount() const;
    int worseCount() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    MetricDirections m_directions;
    struct Row
    {
        QString key;
        QString name;
        bool subgroup = false;
        std::optional<double> candidate;
        std::optional<double> baseline;
        int verdict = 0;
    };
    QList<Row> m_rows;
    int m_candidateVersion = 0;
    int m_baselineVersion = 0;
};

} // namespace md
