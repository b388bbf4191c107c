#include "searchresultsmodel.h"

#include "registryclient.h"

#include <QElapsedTimer>

#include <algorithm>

namespace md {

SearchResultsModel::SearchResultsModel(QObject *parent) : QAbstractTableModel(parent) {}

void SearchResultsModel::setClient(RegistryClient *client)
{
    m_client = client;
}

void SearchResultsModel::search(const QString &filter, int maxRows)
{
    ++m_generation;
    m_fetching = false;
    m_more = false; // the loaded rows belong to the previous filter: no page may follow them
    m_filter = filter;
    m_maxRows = std::max(1, maxRows);
    const Dialect dialect = m_client && m_client->isOpen() ? m_client->session().dialect : Dialect::Sqlite;
    if (const CompiledFilter c = compileFilter(filter, dialect); !c.ok()) {
        emit searchFailed(*c.error);
        return;
    }
    if (!m_client) {
        emit searchFailed(FilterError{0, 0, tr("No registry is open.")});
        return;
    }
    loadPage(true);
}

void SearchResultsModel::loadPage(bool first)
{
    struct Outcome
    {
        Result<SearchIds> ids = Error::database({});
        Result<QList<SearchHit>> hits = Error::database({});
        FilterError where;
        qint64 ms = 0;
    };
    const quint64 generation = m_generation;
    const QString filter = m_filter;
    const QList<FilterField> fields = first ? filterColumns(m_filter) : m_fields;
    const int maxRows = m_maxRows;
    // A further page: the next ids after the rows loaded so far.
    const QList<qint64> pageIds = first ? QList<qint64>() : m_ids.mid(m_hits.size(), kPageSize);
    m_fetching = true;
    m_client->run<Outcome>(
        this,
        [filter, fields, maxRows, first, pageIds](Registry *registry) {
            Outcome out;
            if (!registry) {
                const Error closed{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
                out.ids = closed;
                out.hits = closed;
                return out;
            }
            QElapsedTimer timer;
            timer.start();
            out.where.length = 0;
            if (first) {
                out.ids = registry->searchIds(filter, maxRows, &out.where);
                if (!out.ids) {
                    out.hits = out.ids.error();
                    return out;
                }
                out.hits = registry->searchHits(out.ids->ids.mid(0, kPageSize), fields);
            } else {
                out.ids = SearchIds{};
                out.hits = registry->searchHits(pageIds, fields);
            }
            out.ms = timer.elapsed();
            return out;
        },
        [this, generation, first, fields](Outcome out) {
            if (generation != m_generation)
                return;
            if (!out.hits) {
                m_fetching = false;
                m_more = false;
                FilterError e = out.where;
                e.message = out.hits.error().message;
                emit searchFailed(e);
                return;
            }
            const QList<SearchHit> &hits = *out.hits;
            // The state is complete before views hear of the new rows, and m_fetching stays set until the
            // end: a view (or a model tester) that asks for more while handling the insertion must not
            // request a page after the rows that are not there yet.
            auto update = [&](qsizetype rows) { m_more = rows < m_ids.size(); };
            if (first) {
                beginResetModel();
                m_fields = fields;
                m_ids = out.ids->ids;
                m_truncated = out.ids->truncated;
                m_hits = hits;
                update(m_hits.size());
                endResetModel();
            } else if (!hits.isEmpty()) {
                const int from = int(m_hits.size());
                beginInsertRows({}, from, from + int(hits.size()) - 1);
                m_hits += hits;
                update(m_hits.size());
                endInsertRows();
            } else {
                // The page's versions are gone (cannot happen: versions are never deleted); stop paging.
                m_more = false;
            }
            m_fetching = false;
            if (first)
                emit searchFinished(int(m_hits.size()), isTruncated(), out.ms);
            else
                emit moreFetched(int(m_hits.size()), isTruncated());
        });
}

bool SearchResultsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_more;
}

void SearchResultsModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_more || m_fetching || !m_client)
        return;
    loadPage(false);
}

void SearchResultsModel::setHits(const QList<SearchHit> &hits, const QList<FilterField> &fields)
{
    beginResetModel();
    m_hits = hits;
    m_fields = fields;
    m_ids.clear();
    m_truncated = false;
    m_more = false;
    endResetModel();
}

void SearchResultsModel::clear()
{
    ++m_generation;
    m_fetching = false;
    m_filter.clear();
    setHits({});
}

int SearchResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hits.size());
}

int SearchResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount + int(m_fields.size());
}

QVariant SearchResultsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SearchHit &h = m_hits.at(index.row());
    if (index.column() >= ColumnCount) {
        const qsizetype f = index.column() - ColumnCount;
        const FieldValue cell = f < h.fields.size() ? h.fields.at(f) : FieldValue{};
        switch (role) {
        case Qt::DisplayRole:
            return cell.text;
        case Qt::TextAlignmentRole:
            return cell.number ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        case SortRole:
            // Numbers as numbers; versions without the value sort first (ascending).
            if (cell.number)
                return *cell.number;
            return m_fields.at(f).kind == FilterField::Kind::Metric ? QVariant(-qInf()) : QVariant(cell.text);
        case ModelNameRole:
            return h.modelName;
        case VersionRole:
            return h.version;
        case ArtifactUriRole:
            return h.artifactUri;
        default:
            return {};
        }
    }
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ModelColumn:
            return h.modelName;
        case VersionColumn:
            return h.version;
        case StageColumn:
            return stageName(h.stage);
        case CreatedColumn:
            return QString(h.createdAt.left(16)).replace(QLatin1Char('T'), QLatin1Char(' '));
        case AuthorColumn:
            return h.createdBy;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return h.description.isEmpty() ? h.artifactUri : h.description + QLatin1Char('\n') + h.artifactUri;
    case Qt::TextAlignmentRole:
        return index.column() == VersionColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case ModelNameRole:
        return h.modelName;
    case VersionRole:
        return h.version;
    case StageRole: // on the stage column only
        return index.column() == StageColumn ? QVariant(int(h.stage)) : QVariant();
    case ArtifactUriRole:
        return h.artifactUri;
    case SortRole:
        switch (index.column()) {
        case VersionColumn:
            return h.version;
        case StageColumn:
            return int(h.stage);
        case CreatedColumn:
            return h.createdAt;
        case AuthorColumn:
            return h.createdBy;
        default:
            return h.modelName;
        }
    default:
        return {};
    }
}

QVariant SearchResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (section >= ColumnCount && section < columnCount()) {
        const FilterField &f = m_fields.at(section - ColumnCount);
        if (role == Qt::ToolTipRole)
            return tr("%1, as the filter names it").arg(f.text());
        if (role != Qt::DisplayRole)
            return {};
        // "auc@test", "params.lr", "tags.team", "data.date_to": metrics by name, the rest with their kind.
        const QString text = f.text();
        return f.kind == FilterField::Kind::Metric && text.startsWith(QLatin1String("metrics."))
                   ? text.mid(int(qstrlen("metrics.")))
                   : text;
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ModelColumn:
        return tr("Model");
    case VersionColumn:
        return tr("Version");
    case StageColumn:
        return tr("Stage");
    case CreatedColumn:
        return tr("Created (UTC)");
    case AuthorColumn:
        return tr("Author");
    default:
        return {};
    }
}

SearchResultsProxy::SearchResultsProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(SearchResultsModel::SortRole);
}

bool SearchResultsProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(SearchResultsModel::SortRole), r = right.data(SearchResultsModel::SortRole);
    if (l.typeId() == QMetaType::Int && r.typeId() == QMetaType::Int) {
        if (l.toInt() != r.toInt())
            return l.toInt() < r.toInt();
    } else if (l.typeId() == QMetaType::Double && r.typeId() == QMetaType::Double) {
        if (l.toDouble() != r.toDouble())
            return l.toDouble() < r.toDouble();
    } else if (const int c = QString::compare(l.toString(), r.toString()); c != 0) {
        return c < 0;
    }
    // Ties: by model, newest version first, so the order is stable.
    const QModelIndex lm = left.siblingAtColumn(SearchResultsModel::ModelColumn);
    const QModelIndex rm = right.siblingAtColumn(SearchResultsModel::ModelColumn);
    if (const int c = QString::compare(lm.data().toString(), rm.data().toString()); c != 0)
        return c < 0;
    return left.data(SearchResultsModel::VersionRole).toInt() > right.data(SearchResultsModel::VersionRole).toInt();
}

} // namespace md
