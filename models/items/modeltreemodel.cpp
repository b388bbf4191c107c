#include "modeltreemodel.h"

#include "registryclient.h"

#include <QFont>

namespace md {

namespace {
// internalId: 0 for namespace rows; namespace row + 1 for model rows.
constexpr quintptr kNamespaceId = 0;
} // namespace

ModelTreeModel::ModelTreeModel(QObject *parent) : QAbstractItemModel(parent) {}

void ModelTreeModel::setClient(RegistryClient *client)
{
    m_client = client;
}

void ModelTreeModel::reload()
{
    if (!m_client)
        return;
    const quint64 generation = ++m_generation;
    using R = Result<QList<RegisteredModel>>;
    m_client->run<R>(
        this,
        [](Registry *registry) -> R {
            if (!registry)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return registry->models();
        },
        [this, generation](R result) {
            if (generation != m_generation)
                return; // a newer reload is on its way
            if (!result) {
                emit loadFailed(result.error().message);
                return;
            }
            setModels(*result);
            emit loaded();
        });
}

QList<ModelTreeModel::Namespace> ModelTreeModel::group(const QList<RegisteredModel> &models)
{
    QList<Namespace> out;
    QList<RegisteredModel> sorted = models;
    std::stable_sort(sorted.begin(), sorted.end(), [](const RegisteredModel &a, const RegisteredModel &b) {
        return std::tie(a.namespaceName, a.name) < std::tie(b.namespaceName, b.name);
    });
    for (const RegisteredModel &m : sorted) {
        if (out.isEmpty() || out.last().name != m.namespaceName)
            out.append(Namespace{m.namespaceName, {}});
        out.last().models.append(m);
    }
    return out;
}

void ModelTreeModel::setModels(const QList<RegisteredModel> &models)
{
    QList<Namespace> next = group(models);
    bool sameShape = next.size() == m_namespaces.size();
    for (qsizetype i = 0; sameShape && i < next.size(); ++i) {
        sameShape = next[i].name == m_namespaces[i].name && next[i].models.size() == m_namespaces[i].models.size();
        for (qsizetype j = 0; sameShape && j < next[i].models.size(); ++j)
            sameShape = next[i].models[j].name == m_namespaces[i].models[j].name;
    }
    if (!sameShape) {
        // Models were added: rebuild (views restore their selection by ModelNameRole).
        beginResetModel();
        m_namespaces = std::move(next);
        endResetModel();
        return;
    }
    // Same models: update values in place, so selection and scroll position stay.
    m_namespaces = std::move(next);
    for (int i = 0; i < m_namespaces.size(); ++i) {
        emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
        if (!m_namespaces[i].models.isEmpty())
            emit dataChanged(index(0, 0, index(i, 0)),
                             index(int(m_namespaces[i].models.size()) - 1, ColumnCount - 1, index(i, 0)));
    }
}

void ModelTreeModel::clear()
{
    ++m_generation;
    beginResetModel();
    m_namespaces.clear();
    endResetModel();
}

int ModelTreeModel::modelCount() const
{
    int n = 0;
    for (const Namespace &ns : m_namespaces)
        n += int(ns.models.size());
    return n;
}

QModelIndex ModelTreeModel::indexOfModel(const QString &fullName) const
{
    for (int i = 0; i < m_namespaces.size(); ++i)
        for (int j = 0; j < m_namespaces[i].models.size(); ++j)
            if (m_namespaces[i].models[j].name == fullName)
                return index(j, 0, index(i, 0));
    return {};
}

QModelIndex ModelTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < m_namespaces.size() ? createIndex(row, column, kNamespaceId) : QModelIndex();
    if (parent.internalId() != kNamespaceId || parent.column() != 0 || parent.row() >= m_namespaces.size())
        return {};
    if (row >= m_namespaces[parent.row()].models.size())
        return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex ModelTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kNamespaceId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kNamespaceId);
}

int ModelTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_namespaces.size());
    if (parent.column() != 0 || parent.internalId() != kNamespaceId)
        return 0;
    return int(m_namespaces.value(parent.row()).models.size());
}

int ModelTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ModelTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == kNamespaceId) {
        const Namespace &ns = m_namespaces.at(index.row());
        int versions = 0;
        for (const RegisteredModel &m : ns.models)
            versions += m.versionCount;
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return ns.name;
            if (index.column() == VersionsColumn)
                return versions;
            return {};
        case Qt::ToolTipRole:
            return tr("Team %1: %n model(s)", nullptr, int(ns.models.size())).arg(ns.name);
        case Qt::TextAlignmentRole:
            return index.column() == VersionsColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        case Qt::FontRole: {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        case NamespaceRole:
            return ns.name;
        case IsNamespaceRole:
            return true;
        case ModelNameRole:
            return QString();
        case VersionCountRole:
            return versions;
        case SortRole:
            return index.column() == VersionsColumn ? QVariant(versions) : QVariant(ns.name);
        default:
            return {};
        }
    }
    const RegisteredModel &m = m_namespaces.at(index.internalId() - 1).models.at(index.row());
    QStringList production;
    for (int v : m.productionVersions)
        production << QStringLiteral("v%1").arg(v);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return m.name.section(QLatin1Char('/'), -1);
        case ProductionColumn:
            return production.isEmpty() ? QStringLiteral("—") : production.join(QStringLiteral(", "));
        case VersionsColumn:
            return m.versionCount;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return m.description.isEmpty() ? m.name : m.name + QLatin1Char('\n') + m.description;
    case Qt::TextAlignmentRole:
        return index.column() == VersionsColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case ModelNameRole:
        return m.name;
    case NamespaceRole:
        return m.namespaceName;
    case IsNamespaceRole:
        return false;
    case VersionCountRole:
        return m.versionCount;
    case ProductionVersionsRole:
        return QVariant::fromValue(m.productionVersions);
    case DescriptionRole:
        return m.description;
    case SortRole:
        switch (index.column()) {
        case VersionsColumn:
            return m.versionCount;
        case ProductionColumn:
            return m.productionVersions.isEmpty() ? 0 : m.productionVersions.last();
        default:
            return m.name;
        }
    default:
        return {};
    }
}

QVariant ModelTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Model");
    case ProductionColumn:
        return tr("Production");
    case VersionsColumn:
        return tr("Versions");
    default:
        return {};
    }
}

// ---- proxy ----------------------------------------------------------------------------------------

ModelTreeFilterProxy::ModelTreeFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ModelTreeModel::SortRole);
    setRecursiveFilteringEnabled(true);
}

void ModelTreeFilterProxy::setFilterText(const QString &text)
{
    m_text = text.trimmed();
    invalidateRowsFilter();
}

bool ModelTreeFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (i.data(ModelTreeModel::IsNamespaceRole).toBool())
        return i.data(ModelTreeModel::NamespaceRole).toString().contains(m_text, Qt::CaseInsensitive);
    // A model matches by its full name (so "payments/" shows a team) or its description.
    return i.data(ModelTreeModel::ModelNameRole).toString().contains(m_text, Qt::CaseInsensitive) ||
           i.data(ModelTreeModel::DescriptionRole).toString().contains(m_text, Qt::CaseInsensitive);
}

bool ModelTreeFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(ModelTreeModel::SortRole), r = right.data(ModelTreeModel::SortRole);
    if (l.typeId() == QMetaType::Int && r.typeId() == QMetaType::Int)
        return l.toInt() < r.toInt();
    return QString::compare(l.toString(), r.toString(), Qt::CaseInsensitive) < 0;
}

} // namespace md
