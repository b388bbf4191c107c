#pragma once

#include "registry/types.h"

#include <QAbstractItemModel>
#include <QPointer>

#include <memory>
#include <vector>

namespace md {

class RegistryClient;

// Everything about one version as a tree: a summary, metrics grouped by dataset (with subgroup slices),
// params, provenance facts, tags, lineage inputs and the stage history.
class VersionDetailsModel final : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Section
    {
        SummarySection,
        MetricsSection,
        ParamsSection,
        ProvenanceSection,
        TagsSection,
        LineageSection,
        HistorySection,
        SectionCount
    };
    // Rows of the summary section, in this order.
    enum SummaryRow
    {
        ModelRow,
        VersionNumberRow,
        StageRow,
        ArtifactRow,
        DigestRow,
        RegisteredRow,
        SourceRunRow,
        DescriptionRow,
        SummaryRowCount
    };
    enum Column
    {
        KeyColumn,
        ValueColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role
    {
        SectionRole = Qt::UserRole + 1, // the Section an item belongs to
        ValueRole,                      // the full value (the display may be shortened)
        IsHeaderRole,                   // section and dataset rows
        StageRole,                      // on the stage row: int(md::Stage)
        RoleCount
    };

    explicit VersionDetailsModel(QObject *parent = nullptr);
    ~VersionDetailsModel() override;

    void setClient(RegistryClient *client);
    void load(const QString &modelName, int version);
    void setVersion(const ModelVersion &version);
    void clear();
    bool hasVersion() const { return m_hasVersion; }
    QString modelName() const { return m_version.modelName; }
    int version() const { return m_version.version; }

    QModelIndex sectionIndex(Section section, int column = KeyColumn) const;
    QModelIndex summaryIndex(SummaryRow row, int column = ValueColumn) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void loaded();
    void loadFailed(const QString &message);

private:
    struct Node
    {
        QString key;
        QString value;
        QString detail;
        Section section = SummarySection;
        bool header = false;
        int stage = -1;
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;

        Node *add(QString k, QString v, QString d = {}, bool isHeader = false);
    };
    Node *nodeOf(const QModelIndex &index) const;

    QPointer<RegistryClient> m_client;
    std::unique_ptr<Node> m_root;
    ModelVersion m_version;
    bool m_hasVersion = false;
    quint64 m_generation = 0;
};

} // namespace md
