#include "versiontablemodel.h"

#include "registryclient.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace md {

namespace {

struct KeysAndPage
{
    Result<VersionKeys> keys = Error::database({});
    Result<QList<VersionRow>> page = Error::database({});
    QList<MetricColumn> chosenColumns; // the default columns, when the load chose them
};

QString formatTime(const QString &iso)
{
    return iso.left(16).replace(QLatin1Char('T'), QLatin1Char(' '));
}

QString formatTags(const QMap<QString, QString> &tags)
{
    QStringList parts;
    for (auto it = tags.begin(); it != tags.end(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value();
    return parts.join(QStringLiteral(", "));
}

} // namespace

VersionTableModel::VersionTableModel(QObject *parent) : QAbstractTableModel(parent)
{
    // data() only notes which pages are wanted; one zero-delay timer turns them into requests, so a
    // view painting 40 rows asks for each page once.
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(0);
    connect(&m_requestTimer, &QTimer::timeout, this, &VersionTableModel::issueRequests);
}

void VersionTableModel::setClient(RegistryClient *client)
{
    m_client = client;
}

void VersionTableModel::setModelName(const QString &name, bool withDefaultColumns)
{
    ++m_generation;
    m_chooseDefaultColumns = withDefaultColumns && m_columns.isEmpty();
    beginResetModel();
    m_modelName = name;
    m_keys = VersionKeys{};
    m_rowOfVersion.clear();
    m_cache.clear();
    m_lastUse.clear();
    m_freshPages.clear();
    m_wantedPages.clear();
    m_pendingPages.clear();
    m_lastError.clear();
    endResetModel();
    if (!name.isEmpty())
        loadKeys(false);
}

void VersionTableModel::refresh()
{
    if (!m_modelName.isEmpty())
        loadKeys(true);
}

void VersionTableModel::loadKeys(bool keepRows)
{
    if (!m_client)
        return;
    const quint64 generation = ++m_generation;
    m_freshPages.clear();
    m_pendingPages.clear();
    m_loadingKeys = true;
    emit loadingChanged(true);
    const QString name = m_modelName;
    const VersionSort sort = m_sort;
    const QList<MetricColumn> columns = m_columns;
    const bool chooseColumns = m_chooseDefaultColumns && columns.isEmpty();
    m_client->run<KeysAndPage>(
        this,
        [name, sort, columns, chooseColumns](Registry *registry) {
            KeysAndPage out;
            if (!registry) {
                out.keys = Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
                return out;
            }
            out.keys = registry->versionKeys(name, sort);
            if (!out.keys)
                return out;
            if (chooseColumns)
                out.chosenColumns = defaultMetricColumns(*out.keys);
            out.page = registry->versionPage(out.keys->modelId, sort, {}, 0, kPageSize,
                                             chooseColumns ? out.chosenColumns : columns);
            return out;
        },
        [this, generation, keepRows](KeysAndPage result) {
            if (generation != m_generation)
                return;
            m_loadingKeys = false;
            if (!result.keys || !result.page) {
                m_lastError = result.keys ? result.page.error().message : result.keys.error().message;
                emit loadFailed(m_lastError);
                emit loadingChanged(isLoading());
                return;
            }
            m_lastError.clear();
            if (m_chooseDefaultColumns && m_columns.isEmpty() && !result.chosenColumns.isEmpty()) {
                beginInsertColumns({}, AuthorColumn + 1, AuthorColumn + int(result.chosenColumns.size()));
                m_columns = result.chosenColumns;
                endInsertColumns();
            }
            m_chooseDefaultColumns = false;
            applyKeys(std::move(*result.keys), keepRows);
            emit keysLoaded();
            receivePage(generation, 0, std::move(*result.page));
            emit loadingChanged(isLoading());
        });
}

void VersionTableModel::applyKeys(VersionKeys keys, bool keepRows)
{
    const QList<int> old = m_keys.versions;
    const QList<int> &next = keys.versions;
    auto rebuildIndex = [this]() {
        m_rowOfVersion.clear();
        m_rowOfVersion.reserve(m_keys.versions.size());
        for (int i = 0; i < m_keys.versions.size(); ++i)
            m_rowOfVersion.insert(m_keys.versions[i], i);
    };
    if (!keepRows || old.isEmpty()) {
        beginResetModel();
        m_keys = std::move(keys);
        rebuildIndex();
        if (!keepRows) {
            m_cache.clear();
            m_lastUse.clear();
        }
        endResetModel();
        return;
    }
    if (old == next) {
        m_keys = std::move(keys);
        if (!m_keys.versions.isEmpty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        return;
    }
    const QSet<int> oldSet(old.begin(), old.end());
    QList<int> withoutAdded;
    for (int v : next)
        if (oldSet.contains(v))
            withoutAdded << v;
    if (withoutAdded == old) {
        // New versions only (versions are never deleted): insert them where they belong, so the
        // selection and the scroll position stay on the same versions.
        for (int i = 0; i < next.size();) {
            if (oldSet.contains(next[i])) {
                ++i;
                continue;
            }
            int j = i;
            while (j < next.size() && !oldSet.contains(next[j]))
                ++j;
            beginInsertRows({}, i, j - 1);
            for (int k = i; k < j; ++k)
                m_keys.versions.insert(k, next[k]);
            rebuildIndex();
            endInsertRows();
            i = j;
        }
        m_keys = std::move(keys);
        rebuildIndex();
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        return;
    }
    if (old.size() == next.size() && QSet<int>(next.begin(), next.end()) == oldSet) {
        // Same versions in a new order (a new sort, or a stage change under a stage sort).
        emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        QHash<int, int> newRow;
        for (int i = 0; i < next.size(); ++i)
            newRow.insert(next[i], i);
        const QModelIndexList persistent = persistentIndexList();
        QModelIndexList to;
        to.reserve(persistent.size());
        for (const QModelIndex &p : persistent)
            to << index(newRow.value(old.value(p.row())), p.column());
        changePersistentIndexList(persistent, to);
        m_keys = std::move(keys);
        rebuildIndex();
        emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
        return;
    }
    beginResetModel();
    m_keys = std::move(keys);
    rebuildIndex();
    endResetModel();
}

void VersionTableModel::issueRequests()
{
    if (!m_client || m_modelName.isEmpty())
        return;
    const QSet<int> wanted = std::exchange(m_wantedPages, {});
    for (int page : wanted) {
        if (m_pendingPages.contains(page))
            continue;
        const int start = page * kPageSize;
        if (start >= m_keys.versions.size())
            continue;
        m_pendingPages.insert(page);
        const quint64 generation = m_generation;
        const qint64 modelId = m_keys.modelId;
        const VersionSort sort = m_sort;
        const QList<MetricColumn> columns = m_columns;
        const int afterVersion = start > 0 ? m_keys.versions.at(start - 1) : 0;
        const QVariant afterValue = start > 0 ? m_keys.sortValues.at(start - 1) : QVariant();
        const int count = std::min<int>(kPageSize, int(m_keys.versions.size()) - start);
        using R = Result<QList<VersionRow>>;
        m_client->run<R>(
            this,
            [modelId, sort, columns, afterVersion, afterValue, count](Registry *registry) -> R {
                if (!registry)
                    return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
                return registry->versionPage(modelId, sort, afterValue, afterVersion, count, columns);
            },
            [this, generation, page](R result) {
                if (generation != m_generation)
                    return; // stale: the model, sort or columns changed meanwhile
                m_pendingPages.remove(page);
                if (!result) {
                    m_lastError = result.error().message;
                    emit loadFailed(m_lastError);
                    emit loadingChanged(isLoading());
                    return;
                }
                receivePage(generation, page, std::move(*result));
                emit loadingChanged(isLoading());
            });
    }
    emit loadingChanged(isLoading());
}

void VersionTableModel::receivePage(quint64 generation, int page, QList<VersionRow> rows)
{
    if (generation != m_generation)
        return;
    m_freshPages.insert(page);
    const quint64 tick = ++m_tick;
    for (VersionRow &r : rows) {
        m_lastUse.insert(r.version, tick);
        m_cache.insert(r.version, std::move(r));
    }
    const int first = page * kPageSize;
    const int last = std::min<int>(first + kPageSize, rowCount()) - 1;
    evictIfNeeded();
    if (last >= first) {
        emit dataChanged(index(first, 0), index(last, columnCount() - 1));
        emit pageLoaded(first, last - first + 1);
    }
}

void VersionTableModel::evictIfNeeded()
{
    if (m_cache.size() <= m_maxCachedRows)
        return;
    QList<std::pair<quint64, int>> byAge;
    byAge.reserve(m_cache.size());
    for (auto it = m_cache.cbegin(); it != m_cache.cend(); ++it)
        byAge.append({m_lastUse.value(it.key()), it.key()});
    std::sort(byAge.begin(), byAge.end());
    const qsizetype drop = m_cache.size() - m_maxCachedRows * 8 / 10;
    for (qsizetype i = 0; i < drop; ++i) {
        m_cache.remove(byAge[i].second);
        m_lastUse.remove(byAge[i].second);
    }
}

void VersionTableModel::setMetricColumns(const QStringList &keys)
{
    QList<MetricColumn> next;
    for (const QString &k : keys) {
        const MetricColumn c = MetricColumn::fromKey(k.trimmed());
        if (!c.name.isEmpty() && !next.contains(c))
            next << c;
    }
    if (next == m_columns)
        return;
    if (!m_columns.isEmpty()) {
        beginRemoveColumns({}, AuthorColumn + 1, AuthorColumn + int(m_columns.size()));
        m_columns.clear();
        endRemoveColumns();
    }
    if (m_sort.key == VersionSort::Key::Metric && !next.contains(m_sort.metric))
        m_sort = VersionSort{};
    if (!next.isEmpty()) {
        beginInsertColumns({}, AuthorColumn + 1, AuthorColumn + int(next.size()));
        m_columns = next;
        endInsertColumns();
    }
    // Cached rows lack the new metric values: reload what is shown.
    refresh();
}

QStringList VersionTableModel::metricColumns() const
{
    QStringList out;
    for (const MetricColumn &c : m_columns)
        out << c.key();
    return out;
}

QStringList VersionTableModel::availableMetrics() const
{
    QStringList out;
    for (const MetricColumn &c : m_keys.availableMetrics)
        out << c.key();
    return out;
}

QStringList VersionTableModel::defaultMetricColumns() const
{
    QStringList out;
    for (const MetricColumn &c : defaultMetricColumns(m_keys))
        out << c.key();
    return out;
}

QList<MetricColumn> VersionTableModel::defaultMetricColumns(const VersionKeys &keys)
{
    QList<MetricColumn> out;
    for (const MetricColumn &c : keys.gatedMetrics)
        if (keys.availableMetrics.contains(c) && !out.contains(c) && out.size() < 5)
            out << c;
    for (const MetricColumn &c : keys.availableMetrics)
        if (out.size() < 3 && !out.contains(c))
            out << c;
    return out;
}

int VersionTableModel::columnKind(int section) const
{
    if (section <= AuthorColumn)
        return section;
    const int metrics = int(m_columns.size());
    if (section <= AuthorColumn + metrics)
        return MetricColumnKind;
    return section - metrics;
}

int VersionTableModel::sectionOf(Column column) const
{
    return column <= AuthorColumn ? int(column) : int(column) + int(m_columns.size());
}

int VersionTableModel::rowOfVersion(int version) const
{
    return m_rowOfVersion.value(version, -1);
}

int VersionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_keys.versions.size());
}

int VersionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount + int(m_columns.size());
}

QString VersionTableModel::displayText(const VersionRow &row, int section) const
{
    switch (columnKind(section)) {
    case VersionColumn:
        return QString::number(row.version);
    case StageColumn:
        return stageName(row.stage);
    case AliasesColumn:
        return row.aliases.join(QStringLiteral(", "));
    case CreatedColumn:
        return formatTime(row.createdAt);
    case AuthorColumn:
        return row.createdBy;
    case DataVersionColumn:
        return row.dataVersion;
    case GitShaColumn:
        return row.gitSha.left(10);
    case TagsColumn:
        return formatTags(row.tags);
    case MetricColumnKind: {
        const QString key = m_columns.at(section - AuthorColumn - 1).key();
        const auto it = row.metrics.constFind(key);
        return it == row.metrics.cend() ? QString() : formatMetricValue(*it);
    }
    default:
        return {};
    }
}

QVariant VersionTableModel::sortValueOf(const VersionRow &row, int section) const
{
    switch (columnKind(section)) {
    case VersionColumn:
        return row.version;
    case MetricColumnKind: {
        const auto it = row.metrics.constFind(m_columns.at(section - AuthorColumn - 1).key());
        return it == row.metrics.cend() ? QVariant() : QVariant(*it);
    }
    default:
        return displayText(row, section);
    }
}

QVariant VersionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int version = m_keys.versions.at(index.row());
    const auto it = m_cache.constFind(version);
    const bool loaded = it != m_cache.cend();
    const int page = index.row() / kPageSize;
    if ((!loaded || !m_freshPages.contains(page)) && !m_pendingPages.contains(page) &&
        (role == Qt::DisplayRole || role == LoadedRole || role == StageRole)) {
        m_wantedPages.insert(page);
        if (!m_requestTimer.isActive())
            m_requestTimer.start();
    }
    if (loaded)
        m_lastUse.insert(version, ++m_tick);
    const int kind = columnKind(index.column());
    switch (role) {
    case Qt::DisplayRole:
        if (kind == VersionColumn)
            return version;
        return loaded ? displayText(*it, index.column()) : QStringLiteral("…");
    case Qt::ToolTipRole:
        if (!loaded)
            return tr("Loading…");
        if (kind == GitShaColumn)
            return it->gitSha;
        if (kind == TagsColumn)
            return formatTags(it->tags);
        if (kind == CreatedColumn)
            return it->createdAt;
        return {};
    case Qt::TextAlignmentRole:
        if (kind == VersionColumn || kind == MetricColumnKind)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case VersionRole:
        return version;
    case ModelNameRole:
        return m_modelName;
    case StageRole: // on the stage column only, so a delegate can draw it there
        return loaded && kind == StageColumn ? QVariant(int(it->stage)) : QVariant();
    case ArtifactUriRole:
        return loaded ? it->artifactUri : QString();
    case LoadedRole:
        return loaded;
    case SortValueRole:
        return loaded ? sortValueOf(*it, index.column()) : QVariant();
    default:
        return {};
    }
}

QVariant VersionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return QAbstractTableModel::headerData(section, orientation, role);
    const int kind = columnKind(section);
    if (role == MetricKeyRole)
        return kind == MetricColumnKind ? m_columns.at(section - AuthorColumn - 1).key() : QVariant();
    if (role == SortableRole)
        return kind == VersionColumn || kind == StageColumn || kind == CreatedColumn || kind == AuthorColumn ||
               kind == MetricColumnKind;
    if (role == Qt::ToolTipRole && kind == MetricColumnKind)
        return tr("Metric %1 (overall value)").arg(m_columns.at(section - AuthorColumn - 1).key());
    if (role != Qt::DisplayRole)
        return {};
    switch (kind) {
    case VersionColumn:
        return tr("Version");
    case StageColumn:
        return tr("Stage");
    case AliasesColumn:
        return tr("Aliases");
    case CreatedColumn:
        return tr("Created (UTC)");
    case AuthorColumn:
        return tr("Author");
    case DataVersionColumn:
        return tr("Data version");
    case GitShaColumn:
        return tr("Git SHA");
    case TagsColumn:
        return tr("Tags");
    case MetricColumnKind:
        return m_columns.at(section - AuthorColumn - 1).key();
    default:
        return {};
    }
}

void VersionTableModel::sort(int column, Qt::SortOrder order)
{
    VersionSort next;
    next.descending = order == Qt::DescendingOrder;
    switch (columnKind(column)) {
    case VersionColumn:
        next.key = VersionSort::Key::Version;
        break;
    case StageColumn:
        next.key = VersionSort::Key::Stage;
        break;
    case CreatedColumn:
        next.key = VersionSort::Key::Created;
        break;
    case AuthorColumn:
        next.key = VersionSort::Key::Author;
        break;
    case MetricColumnKind:
        next.key = VersionSort::Key::Metric;
        next.metric = m_columns.at(column - AuthorColumn - 1);
        break;
    default:
        return; // data version, git SHA and tags are not sortable
    }
    if (next.key == m_sort.key && next.metric == m_sort.metric && next.descending == m_sort.descending)
        return;
    m_sort = next;
    refresh();
}

void VersionTableModel::collectAllRows(QObject *receiver,
                                       std::function<void(QStringList header, QList<QStringList> rows)> done)
{
    if (!m_client || m_modelName.isEmpty()) {
        done({}, {});
        return;
    }
    const qint64 modelId = m_keys.modelId;
    const VersionSort sort = m_sort;
    const QList<MetricColumn> columns = m_columns;
    const int total = int(m_keys.versions.size());
    using R = Result<QList<VersionRow>>;
    QPointer<VersionTableModel> self(this);
    m_client->run<R>(
        receiver,
        [modelId, sort, columns, total](Registry *registry) -> R {
            if (!registry)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return registry->versionPage(modelId, sort, {}, 0, total + 1000, columns);
        },
        [self, done](R result) {
            if (!self || !result) {
                done({}, {});
                return;
            }
            QStringList header;
            for (int c = 0; c < self->columnCount(); ++c)
                header << self->headerData(c, Qt::Horizontal).toString();
            QList<QStringList> rows;
            for (const VersionRow &r : *result) {
                QStringList cells;
                for (int c = 0; c < self->columnCount(); ++c)
                    cells << (self->columnKind(c) == GitShaColumn ? r.gitSha : self->displayText(r, c));
                rows << cells;
            }
            done(header, rows);
        });
}

} // namespace md
