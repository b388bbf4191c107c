#include "versiondetailsmodel.h"

#include "registryclient.h"

namespace md {

VersionDetailsModel::Node *VersionDetailsModel::Node::add(QString k, QString v, QString d, bool isHeader)
{
    auto child = std::make_unique<Node>();
    child->key = std::move(k);
    child->value = std::move(v);
    child->detail = std::move(d);
    child->section = section;
    child->header = isHeader;
    child->parent = this;
    child->row = int(children.size());
    children.push_back(std::move(child));
    return children.back().get();
}

VersionDetailsModel::VersionDetailsModel(QObject *parent) : QAbstractItemModel(parent), m_root(std::make_unique<Node>())
{
}

VersionDetailsModel::~VersionDetailsModel() = default;

void VersionDetailsModel::setClient(RegistryClient *client)
{
    m_client = client;
}

void VersionDetailsModel::load(const QString &modelName, int version)
{
    if (!m_client)
        return;
    const quint64 generation = ++m_generation;
    using R = Result<ModelVersion>;
    m_client->run<R>(
        this,
        [modelName, version](Registry *registry) -> R {
            if (!registry)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return registry->version(modelName, version);
        },
        [this, generation](R result) {
            if (generation != m_generation)
                return;
            if (!result) {
                emit loadFailed(result.error().message);
                return;
            }
            setVersion(*result);
            emit loaded();
        });
}

void VersionDetailsModel::clear()
{
    ++m_generation;
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_version = ModelVersion{};
    m_hasVersion = false;
    endResetModel();
}

void VersionDetailsModel::setVersion(const ModelVersion &v)
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_version = v;
    m_hasVersion = true;
    auto section = [this](Section s, const QString &title) {
        Node *n = m_root->add(title, {}, {}, true);
        n->section = s;
        return n;
    };
    Node *summary = section(SummarySection, tr("Summary"));
    summary->add(tr("Model"), v.modelName);
    summary->add(tr("Version"), QString::number(v.version));
    Node *stage = summary->add(tr("Stage"), stageName(v.stage),
                               v.stageChangedAt.isEmpty() ? QString() : tr("since %1").arg(v.stageChangedAt.left(16)));
    stage->stage = int(v.stage);
    summary->add(tr("Artifact"), v.artifactUri);
    summary->add(tr("Digest"), v.artifactDigest.isEmpty() ? tr("(none)") : v.artifactDigest);
    summary->add(tr("Registered"), QString(v.createdAt.left(19)).replace(QLatin1Char('T'), QLatin1Char(' ')),
                 tr("by %1").arg(v.createdBy));
    summary->add(tr("Source run"), v.sourceRun.isEmpty() ? tr("(none)") : v.sourceRun);
    summary->add(tr("Description"), v.description.isEmpty() ? tr("(none)") : v.description);

    Node *metrics = section(MetricsSection, tr("Metrics"));
    QMap<QString, QList<Metric>> byDataset;
    for (const Metric &m : v.metrics)
        byDataset[m.dataset].append(m);
    for (auto it = byDataset.begin(); it != byDataset.end(); ++it) {
        Node *ds = metrics->add(it.key().isEmpty() ? tr("(no dataset)") : it.key(), {},
                                tr("%n metric(s)", nullptr, int(it->size())), true);
        QList<Metric> list = *it;
        std::stable_sort(list.begin(), list.end(), [](const Metric &a, const Metric &b) {
            return std::tie(a.name, a.slice) < std::tie(b.name, b.slice);
        });
        for (const Metric &m : list)
            ds->add(m.name, QString::number(m.value, 'g', 6), m.slice.isEmpty() ? tr("overall") : m.slice);
    }
    Node *params = section(ParamsSection, tr("Params"));
    for (auto it = v.params.begin(); it != v.params.end(); ++it)
        params->add(it.key(), it.value());
    Node *facts = section(ProvenanceSection, tr("Provenance"));
    for (const Fact &f : v.facts)
        facts->add(f.key(), f.value);
    Node *tags = section(TagsSection, tr("Tags"));
    for (auto it = v.tags.begin(); it != v.tags.end(); ++it)
        tags->add(it.key(), it.value());
    Node *lineage = section(LineageSection, tr("Lineage inputs"));
    for (const LineageInput &in : v.inputs)
        lineage->add(lineageKindName(in.kind), in.spec());
    Node *history = section(HistorySection, tr("Stage history"));
    for (const Transition &t : v.transitions)
        history->add(QString(t.at.left(16)).replace(QLatin1Char('T'), QLatin1Char(' ')),
                     (t.fromStage.isEmpty() ? QStringLiteral("—") : t.fromStage) + QStringLiteral(" → ") + t.toStage,
                     t.kind + tr(" by ") + t.actor +
                         (t.reason.isEmpty() ? QString() : QStringLiteral(": ") + t.reason));
    for (auto &s : m_root->children)
        if (!s->header || s->children.empty())
            s->detail = s->children.empty() ? tr("none") : QString();
    for (auto &s : m_root->children)
        if (s->section != SummarySection && !s->children.empty() && s->detail.isEmpty())
            s->detail = QString::number(s->children.size());
    endResetModel();
}

QModelIndex VersionDetailsModel::sectionIndex(Section section, int column) const
{
    return index(int(section), column);
}

QModelIndex VersionDetailsModel::summaryIndex(SummaryRow row, int column) const
{
    return index(int(row), column, sectionIndex(SummarySection));
}

VersionDetailsModel::Node *VersionDetailsModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex VersionDetailsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    Node *p = nodeOf(parent);
    if (row >= int(p->children.size()))
        return {};
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex VersionDetailsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    Node *p = nodeOf(child)->parent;
    if (!p || p == m_root.get())
        return {};
    return createIndex(p->row, 0, p);
}

int VersionDetailsModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int VersionDetailsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant VersionDetailsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *n = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            return n->key;
        case ValueColumn:
            return n->value.section(QLatin1Char('\n'), 0, 0);
        case DetailColumn:
            return n->detail;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return index.column() == ValueColumn && !n->value.isEmpty() ? QVariant(n->value) : QVariant();
    case SectionRole:
        return int(n->section);
    case ValueRole:
        return n->value;
    case IsHeaderRole:
        return n->header;
    case StageRole:
        return n->stage >= 0 && index.column() == ValueColumn ? QVariant(n->stage) : QVariant();
    default:
        return {};
    }
}

QVariant VersionDetailsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Name");
    case ValueColumn:
        return tr("Value");
    case DetailColumn:
        return tr("Details");
    default:
        return {};
    }
}

} // namespace md
