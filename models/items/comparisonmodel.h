#pragma once

#include "registry/compare.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace md {

// Versions side by side: one row per diff row (metrics, params, provenance, tags, lineage inputs,
// artifact), grouped under a header row per section; column 0 names the row, then one column per
// version. Deltas are taken against a chosen baseline version (by default the first version in
// Production, else the first one); whether lower is better comes from the diff (the registry's metric directions).
class ComparisonModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        KeyColumn,
        FirstVersionColumn
    };
    enum Role
    {
        SectionRole = Qt::UserRole + 1, // int(DiffRow::Section)
        IsSectionHeaderRole,
        KeyRole,        // "auc@test[country=DE]"
        MetricNameRole, // metric rows: "auc"
        DatasetRole,    // metric rows: "test"
        SliceRole,      // metric rows: "country=DE", empty for the overall value
        NumberRole,     // the value as a double (metrics, numeric params); invalid when missing or text
        DeltaRole,      // number minus the baseline's number; invalid when either is missing
        DiffersRole,    // the row's values are not all the same (a missing value counts as different)
        ComparisonRole, // versus the baseline: int(Comparison); invalid when not comparable
        LowerIsBetterRole,
        MissingRole,    // this version has no value in this row
        IsBaselineRole, // on version columns (data and header)
        // headerData (horizontal) of version columns:
        ModelNameRole,
        VersionRole,
        StageRole, // int(md::Stage)
        RoleCount
    };
    enum class Comparison
    {
        Worse = -1,
        Same = 0,
        Better = 1
    };

    explicit ComparisonModel(QObject *parent = nullptr);

    void setDiff(const VersionDiff &diff);
    const VersionDiff &diff() const { return m_diff; }
    int versionCount() const { return int(m_diff.versions.size()); }
    // Index into the versions (0-based, not a column).
    void setBaseline(int versionIndex);
    int baseline() const { return m_baseline; }
    static int defaultBaseline(const QList<ModelVersion> &versions);
    // "v12", or "fraud-detector v12" when the versions come from several models.
    QString versionLabel(int versionIndex) const;
    // Applies new metric directions to every metric row (after the user changed one).
    void refreshDirections(const MetricDirections &directions);
    // The row of a diff key (e.g. "auc@test"), -1 if none.
    int rowOfKey(DiffRow::Section section, const QString &key) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void baselineChanged(int versionIndex);

private:
    struct Row
    {
        DiffRow::Section section = DiffRow::Section::Metric;
        int diffRow = -1; // -1: the section's header row
        bool lowerIsBetter = false;
    };
    std::optional<double> delta(const DiffRow &row, int versionIndex) const;

    VersionDiff m_diff;
    QList<Row> m_rows;
    int m_baseline = 0;
    bool m_severalModels = false;
};

// "Differences only": hides rows whose values are the same in every version, and section headers
// with nothing left under them. Works on any model with ComparisonModel's roles.
class ComparisonFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ComparisonFilterProxy(QObject *parent = nullptr);
    void setDifferencesOnly(bool on);
    bool differencesOnly() const { return m_differencesOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_differencesOnly = false;
};

} // namespace md
