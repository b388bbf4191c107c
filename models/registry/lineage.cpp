// Lineage queries: recursive CTEs on both dialects. The walk keeps (node, depth) pairs with UNION, so a
// cycle in the data ends at the depth bound instead of looping, and diamonds are not enumerated path
// by path; paths for proofs are rebuilt in memory from the edges among the reached nodes.

#include "registry.h"

#include "database.h"
#include "validation.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QQueue>
#include <QSet>

#include <algorithm>

namespace md {

QString LineageNode::spec() const
{
    if (kind == LineageKind::Deployment)
        return QStringLiteral("deployment:") + name + (version.isEmpty() ? QString() : QLatin1Char('@') + version);
    return LineageInput{kind, name, version}.spec();
}

namespace {
const QString kNodeColumns = QStringLiteral("n.id, n.kind, n.name, n.version, v.stage");
const QString kNodeFrom = QStringLiteral("lineage_nodes n LEFT JOIN model_versions v ON v.id = n.model_version_id");

LineageNode nodeFrom(const QSqlQuery &q, int offset = 0)
{
    LineageNode n;
    n.id = q.value(offset).toLongLong();
    parseLineageKind(q.value(offset + 1).toString(), &n.kind);
    n.name = q.value(offset + 2).toString();
    n.version = q.value(offset + 3).toString();
    if (!q.value(offset + 4).isNull())
        parseStage(q.value(offset + 4).toString(), &n.stage);
    return n;
}

// The edges a query returned (src_id, dst_id, kind) whose both ends are in `inside`.
Status appendEdgesAmong(Result<QSqlQuery> &q, const QSet<qint64> &inside, QList<LineageEdge> &edges)
{
    if (!q)
        return q.error();
    while (q->next()) {
        LineageEdge edge{q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toString()};
        if (inside.contains(edge.src) && inside.contains(edge.dst))
            edges << edge;
    }
    return {};
}

Status checkDepth(int depth)
{
    if (depth < 1 || depth > Registry::kMaxLineageDepth)
        return Error::invalid(
            QStringLiteral("The lineage depth must be between 1 and %1.").arg(Registry::kMaxLineageDepth));
    return {};
}
} // namespace

Result<LineageNode> Registry::lineageNode(const QString &spec)
{
    const ReadScope reads(*this);
    auto in = parseLineageNodeSpec(spec);
    if (!in)
        return in.error();
    auto q = m_db->exec(QStringLiteral("SELECT %1 FROM %2 WHERE n.kind = ? AND n.name = ? AND n.version = ?")
                            .arg(kNodeColumns, kNodeFrom),
                        {lineageKindName(in->kind), in->name, in->version});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(QStringLiteral("There is no lineage node %1.").arg(spec));
    return nodeFrom(*q);
}

Result<LineageNode> Registry::lineageNodeForVersion(const QString &modelName, int version)
{
    const ReadScope reads(*this);
    return lineageNode(QStringLiteral("model:%1@%2").arg(modelName).arg(version));
}

Result<qint64> Registry::addLineageNode(const QString &spec, const QString &attributesJson)
{
    auto in = parseLineageNodeSpec(spec);
    if (!in)
        return in.error();
    if (in->kind == LineageKind::ModelVersion)
        return Error::invalid(QStringLiteral("Model-version nodes are created by registering the version."));
    QString attributes = attributesJson.isEmpty() ? QStringLiteral("{}") : attributesJson;
    QJsonParseError perr;
    if (!QJsonDocument::fromJson(attributes.toUtf8(), &perr).isObject())
        return Error::invalid(QStringLiteral("Node attributes must be a JSON object."));
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction([&]() -> Result<qint64> {
        const QString now = nowUtc();
        auto q = m_db->exec(QStringLiteral("INSERT INTO lineage_nodes (kind, name, version, attributes, created_at) "
                                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, name, version) DO NOTHING"),
                            {lineageKindName(in->kind), in->name, in->version, attributes, now});
        if (!q)
            return q.error();
        const bool created = q->numRowsAffected() > 0;
        auto id = ensureLineageNode(in->kind, in->name, in->version, 0, now);
        if (!id)
            return id.error();
        if (created)
            if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("add_lineage_node"), QStringLiteral("lineage_node"),
                                     spec, {});
                !s)
                return s.error();
        return *id;
    });
}

Status Registry::addLineageEdge(const QString &srcSpec, const QString &dstSpec, const QString &kind)
{
    static const QStringList kinds = {QStringLiteral("derived_from"), QStringLiteral("trained_on"),
                                      QStringLiteral("uses"), QStringLiteral("deployed_as")};
    if (!kinds.contains(kind))
        return Error::invalid(
            QStringLiteral("Unknown edge kind '%1'; use %2.").arg(kind, kinds.join(QStringLiteral(", "))));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto src = lineageNode(srcSpec);
        if (!src)
            return src.error();
        auto dst = lineageNode(dstSpec);
        if (!dst)
            return dst.error();
        if (src->id == dst->id)
            return Error::invalid(QStringLiteral("An edge needs two different nodes."));
        if (auto s = ensureLineageEdge(src->id, dst->id, kind, nowUtc()); !s)
            return s;
        return appendAudit(*m_db, m_actor, QStringLiteral("add_lineage_edge"), QStringLiteral("lineage_edge"),
                           srcSpec + QStringLiteral(" -> ") + dstSpec, QJsonObject{{QStringLiteral("kind"), kind}});
    });
}

Result<LineageGraph> Registry::walkLineage(qint64 nodeId, int maxDepth, bool downstream, bool withEdges)
{
    if (auto s = checkDepth(maxDepth); !s)
        return s.error();
    // Walk one step further than asked, to know whether anything lies beyond the bound.
    const QString step = downstream ? QStringLiteral("SELECT e.dst_id, w.depth + 1 FROM walk w JOIN lineage_edges e ON "
                                                     "e.src_id = w.id WHERE w.depth < ?")
                                    : QStringLiteral("SELECT e.src_id, w.depth + 1 FROM walk w JOIN lineage_edges e ON "
                                                     "e.dst_id = w.id WHERE w.depth < ?");
    const QString walk =
        QStringLiteral("WITH RECURSIVE walk(id, depth) AS (SELECT CAST(? AS BIGINT), 0 UNION %1) ").arg(step);
    auto q = m_db->exec(
        walk + QStringLiteral(
                   // Aggregating the walk before the joins lets PostgreSQL use index lookups instead of hashing
                   // both 100,000-row tables (its estimate of a recursive CTE's size is far too high): 72 -> 11 ms.
                   "SELECT %1, w.depth FROM (SELECT id, min(depth) AS depth FROM walk GROUP BY id) w "
                   "JOIN lineage_nodes n ON n.id = w.id LEFT JOIN model_versions v ON v.id = n.model_version_id "
                   "ORDER BY w.depth, n.kind, n.name, n.version")
                   .arg(kNodeColumns),
        {nodeId, maxDepth + 1});
    if (!q)
        return q.error();
    LineageGraph g;
    g.root = nodeId;
    g.maxDepth = maxDepth;
    QSet<qint64> inside;
    while (q->next()) {
        LineageNode n = nodeFrom(*q);
        n.depth = q->value(5).toInt();
        if (n.depth > maxDepth) {
            g.truncated = true;
            continue;
        }
        inside.insert(n.id);
        g.nodes << n;
    }
    q->finish();
    if (g.nodes.isEmpty())
        return Error::notFound(QStringLiteral("There is no lineage node with id %1.").arg(nodeId));
    if (!withEdges)
        return g;
    auto e = m_db->exec(walk + QStringLiteral("SELECT e.src_id, e.dst_id, e.kind FROM lineage_edges e WHERE e.%1 IN "
                                              "(SELECT id FROM walk WHERE depth <= ?)")
                                   .arg(downstream ? QStringLiteral("src_id") : QStringLiteral("dst_id")),
                        {nodeId, maxDepth, maxDepth});
    if (auto s = appendEdgesAmong(e, inside, g.edges); !s)
        return s.error();
    return g;
}

Result<LineageGraph> Registry::lineageUpstream(qint64 nodeId, int maxDepth)
{
    const ReadScope reads(*this);
    return walkLineage(nodeId, maxDepth, false);
}

Result<LineageGraph> Registry::lineageDownstream(qint64 nodeId, int maxDepth)
{
    const ReadScope reads(*this);
    return walkLineage(nodeId, maxDepth, true);
}

Result<LineageGraph> Registry::lineageNeighbourhood(qint64 nodeId, int maxDepth)
{
    const ReadScope reads(*this);
    auto up = walkLineage(nodeId, maxDepth, false);
    if (!up)
        return up.error();
    auto down = walkLineage(nodeId, maxDepth, true);
    if (!down)
        return down.error();
    LineageGraph g = *up;
    g.truncated = up->truncated || down->truncated;
    QSet<qint64> seen;
    for (const LineageNode &n : g.nodes)
        seen.insert(n.id);
    for (const LineageNode &n : down->nodes)
        if (!seen.contains(n.id)) {
            seen.insert(n.id);
            g.nodes << n;
        }
    QSet<QString> edgeKeys;
    for (const LineageEdge &e : g.edges)
        edgeKeys.insert(QStringLiteral("%1>%2>%3").arg(e.src).arg(e.dst).arg(e.kind));
    for (const LineageEdge &e : down->edges)
        if (!edgeKeys.contains(QStringLiteral("%1>%2>%3").arg(e.src).arg(e.dst).arg(e.kind)))
            g.edges << e;
    return g;
}

Result<LineageGraph> Registry::lineageOverview(const QString &modelName, int version, int maxNodes)
{
    if (maxNodes < 1)
        return Error::invalid(QStringLiteral("An overview needs room for at least one node."));
    const ReadScope reads(*this);
    // Both walks start at every version of the model; neither steps into one of them again (it is at depth 0
    // already, and a long fine-tuning chain would otherwise be walked from each of its versions). One step further
    // than the bound, to know whether anything lies beyond it.
    const QString walks = QStringLiteral(
        "WITH RECURSIVE roots(id) AS (SELECT n.id FROM lineage_nodes n JOIN model_versions v ON v.id = "
        "n.model_version_id JOIN registered_models m ON m.id = v.model_id WHERE m.name = ?), "
        "up(id, depth) AS (SELECT id, 0 FROM roots UNION SELECT e.src_id, u.depth + 1 FROM up u JOIN lineage_edges e "
        "ON e.dst_id = u.id WHERE u.depth <= ? AND e.src_id NOT IN (SELECT id FROM roots)), "
        "down(id, depth) AS (SELECT id, 0 FROM roots UNION SELECT e.dst_id, d.depth + 1 FROM down d JOIN lineage_edges "
        "e ON e.src_id = d.id WHERE d.depth <= ? AND e.dst_id NOT IN (SELECT id FROM roots)), "
        "reached(id, depth) AS (SELECT id, min(depth) FROM (SELECT id, depth FROM up UNION ALL SELECT id, depth FROM "
        "down) a GROUP BY id) ");
    const QVariantList walkBinds{modelName, kMaxLineageDepth, kMaxLineageDepth};
    QVariantList nodeBinds = walkBinds;
    nodeBinds << maxNodes + 1;
    auto q = m_db->exec(walks + QStringLiteral("SELECT %1, r.depth FROM reached r JOIN lineage_nodes n ON n.id = r.id "
                                               "LEFT JOIN model_versions v ON v.id = n.model_version_id ORDER BY "
                                               "r.depth, n.kind, n.name, length(n.version) DESC, n.version DESC "
                                               "LIMIT ?")
                                    .arg(kNodeColumns),
                        nodeBinds);
    if (!q)
        return q.error();
    LineageGraph g;
    g.maxDepth = kMaxLineageDepth;
    QSet<qint64> inside;
    int rootNumber = 0;
    while (q->next()) {
        LineageNode n = nodeFrom(*q);
        n.depth = q->value(5).toInt();
        if (n.depth > kMaxLineageDepth || g.nodes.size() == maxNodes) {
            g.truncated = true;
            continue;
        }
        const int number = n.depth == 0 ? n.version.toInt() : 0;
        if (version == 0 ? number > rootNumber : number == version) {
            rootNumber = number;
            g.root = n.id;
        }
        inside.insert(n.id);
        g.nodes << n;
    }
    q->finish();
    if (g.root == 0) {
        auto known = m_db->scalar(QStringLiteral("SELECT count(*) FROM registered_models WHERE name = ?"), {modelName});
        if (!known)
            return known.error();
        if (known->toInt() == 0)
            return Error::notFound(QStringLiteral("There is no model named '%1'.").arg(modelName));
        if (g.nodes.isEmpty())
            return Error::notFound(QStringLiteral("The model %1 has no versions.").arg(modelName));
        if (!g.truncated)
            return Error::notFound(QStringLiteral("%1 has no version %2.").arg(modelName).arg(version));
        return Error::invalid(QStringLiteral("%1 has more than %2 versions and version %3 is not among the first %2: "
                                             "open the lineage of that version alone.")
                                  .arg(modelName)
                                  .arg(maxNodes)
                                  .arg(version));
    }
    // The root first, as every graph has it.
    for (qsizetype i = 0; i < g.nodes.size(); ++i)
        if (g.nodes[i].id == g.root) {
            g.nodes.move(i, 0);
            break;
        }
    auto e =
        m_db->exec(walks + QStringLiteral("SELECT e.src_id, e.dst_id, e.kind FROM lineage_edges e WHERE e.src_id IN "
                                          "(SELECT id FROM reached) AND e.dst_id IN (SELECT id FROM reached)"),
                   walkBinds);
    if (auto s = appendEdgesAmong(e, inside, g.edges); !s)
        return s.error();
    return g;
}

Result<ImpactReport> Registry::impact(qint64 nodeId, int maxDepth)
{
    const ReadScope reads(*this);
    auto g = walkLineage(nodeId, maxDepth, true, false); // the reached nodes are the answer; edges are not needed
    if (!g)
        return g.error();
    ImpactReport report;
    report.root = g->nodes.first();
    report.maxDepth = maxDepth;
    report.truncated = g->truncated;
    QSet<QString> affected;
    for (const LineageNode &n : g->nodes) {
        if (!n.isModelVersion() || n.id == nodeId)
            continue;
        report.versions << n;
        affected.insert(n.spec());
        if (n.stage == Stage::Production)
            report.production << n;
    }
    // Services that ever ran an affected version (found through the deployments_version index), then
    // their current deployment: a service counts if it still runs an affected version.
    QList<qint64> nodeIds;
    for (const LineageNode &n : std::as_const(report.versions))
        nodeIds << n.id;
    QSet<std::pair<QString, QString>> services;
    constexpr qsizetype kChunk = 500;
    for (qsizetype from = 0; from < nodeIds.size(); from += kChunk) {
        const QList<qint64> chunk = nodeIds.mid(from, kChunk);
        QVariantList binds;
        QStringList marks;
        for (qint64 id : chunk) {
            binds << id;
            marks << QStringLiteral("?");
        }
        auto q = m_db->exec(QStringLiteral("SELECT DISTINCT d.service, d.environment FROM lineage_nodes n JOIN "
                                           "deployments d ON d.version_id = n.model_version_id WHERE n.id IN (") +
                                marks.join(QStringLiteral(", ")) + QLatin1Char(')'),
                            binds);
        if (!q)
            return q.error();
        while (q->next())
            services.insert({q->value(0).toString(), q->value(1).toString()});
    }
    QList<std::pair<QString, QString>> pairs(services.cbegin(), services.cend());
    std::sort(pairs.begin(), pairs.end());
    for (qsizetype from = 0; from < pairs.size(); from += kChunk) {
        QStringList conditions;
        QVariantList binds;
        for (const auto &[service, environment] : pairs.mid(from, kChunk)) {
            conditions << QStringLiteral("(service = ? AND environment = ?)");
            binds << service << environment;
        }
        auto current = currentDeployments(conditions.join(QStringLiteral(" OR ")), binds);
        if (!current)
            return current.error();
        for (const Deployment &d : std::as_const(*current))
            if (affected.contains(QStringLiteral("model:%1@%2").arg(d.modelName).arg(d.version)))
                report.deployments << d;
    }
    return report;
}

Result<UsageReport> Registry::erasureCheck(qint64 nodeId, int maxDepth)
{
    const ReadScope reads(*this);
    auto g = lineageDownstream(nodeId, maxDepth);
    if (!g)
        return g.error();
    UsageReport report;
    report.source = g->nodes.first();
    report.maxDepth = maxDepth;
    report.truncated = g->truncated;
    // Breadth-first parents give one shortest path from the source to each reached node.
    QHash<qint64, LineageNode> byId;
    for (const LineageNode &n : g->nodes)
        byId.insert(n.id, n);
    QHash<qint64, QList<qint64>> out;
    for (const LineageEdge &e : g->edges)
        out[e.src] << e.dst;
    QHash<qint64, qint64> parent;
    QQueue<qint64> queue;
    queue.enqueue(nodeId);
    parent.insert(nodeId, 0);
    while (!queue.isEmpty()) {
        const qint64 at = queue.dequeue();
        for (qint64 next : out.value(at))
            if (!parent.contains(next)) {
                parent.insert(next, at);
                queue.enqueue(next);
            }
    }
    for (const LineageNode &n : g->nodes) {
        if (!n.isModelVersion() || n.id == nodeId)
            continue;
        ++report.versionsUsing;
        if (n.stage != Stage::Production)
            continue;
        UsagePath usage;
        usage.version = n;
        for (qint64 at = n.id; at != 0; at = parent.value(at))
            usage.path.prepend(byId.value(at));
        report.productionPaths << usage;
    }
    report.usedInProduction = !report.productionPaths.isEmpty();
    return report;
}

} // namespace md
