#include "lineageloader.h"

#include "registryclient.h"

namespace md {

namespace {
struct NeighbourhoodAnswer
{
    LineageGraph graph;
    QString error;
};

struct ImpactAnswer
{
    ImpactReport report;
    QSet<qint64> downstream;
    QString error;
};
} // namespace

LineageLoader::LineageLoader(QObject *parent) : QObject(parent) {}

void LineageLoader::setClient(RegistryClient *client)
{
    m_client = client;
}

void LineageLoader::cancel()
{
    ++m_graphGeneration;
    ++m_impactGeneration;
}

void LineageLoader::loadNeighbourhood(const QString &spec, int depth)
{
    load(spec, 0, depth);
}

void LineageLoader::loadNeighbourhood(qint64 nodeId, int depth)
{
    load({}, nodeId, depth);
}

void LineageLoader::loadOverview(const QString &modelName, int version)
{
    loadGraph([modelName, version](Registry *registry) { return registry->lineageOverview(modelName, version); });
}

void LineageLoader::load(const QString &spec, qint64 nodeId, int depth)
{
    loadGraph([spec, nodeId, depth](Registry *registry) -> Result<LineageGraph> {
        qint64 id = nodeId;
        if (!spec.isEmpty()) {
            auto node = registry->lineageNode(spec);
            if (!node)
                return node.error();
            id = node->id;
        }
        return registry->lineageNeighbourhood(id, depth);
    });
}

void LineageLoader::loadGraph(std::function<Result<LineageGraph>(Registry *)> query)
{
    const quint64 generation = ++m_graphGeneration;
    if (!m_client) {
        emit neighbourhoodFailed(tr("No registry is open."));
        return;
    }
    m_client->run<NeighbourhoodAnswer>(
        this,
        [query = std::move(query)](Registry *registry) -> NeighbourhoodAnswer {
            if (!registry)
                return {{}, tr("No registry is open.")};
            auto graph = query(registry);
            if (!graph)
                return {{}, graph.error().message};
            return {*graph, {}};
        },
        [this, generation](NeighbourhoodAnswer answer) {
            if (generation != m_graphGeneration)
                return;
            if (!answer.error.isEmpty())
                emit neighbourhoodFailed(answer.error);
            else
                emit neighbourhoodLoaded(answer.graph);
        });
}

void LineageLoader::loadImpact(qint64 nodeId)
{
    const quint64 generation = ++m_impactGeneration;
    if (!m_client) {
        emit impactFailed(tr("No registry is open."));
        return;
    }
    m_client->run<ImpactAnswer>(
        this,
        [nodeId](Registry *registry) -> ImpactAnswer {
            if (!registry)
                return {{}, {}, tr("No registry is open.")};
            auto report = registry->impact(nodeId);
            if (!report)
                return {{}, {}, report.error().message};
            auto down = registry->lineageDownstream(nodeId);
            if (!down)
                return {{}, {}, down.error().message};
            ImpactAnswer answer{*report, {}, {}};
            for (const LineageNode &n : down->nodes)
                answer.downstream.insert(n.id);
            return answer;
        },
        [this, generation](ImpactAnswer answer) {
            if (generation != m_impactGeneration)
                return;
            if (!answer.error.isEmpty())
                emit impactFailed(answer.error);
            else
                emit impactLoaded(answer.report, answer.downstream);
        });
}

} // namespace md
