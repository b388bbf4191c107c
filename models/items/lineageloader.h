#pragma once

#include "registry/result.h"
#include "registry/types.h"

#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>

namespace md {

class Registry;
class RegistryClient;

// Loads lineage for the graph view through the RegistryClient's worker thread: a node's neighbourhood
// (upstream and downstream within a number of hops) and impact reports. Each kind of request has its
// own generation counter, so only the newest answer is delivered and older ones are dropped.
//
// Threading contract: use on the GUI thread; signals are emitted on the GUI thread.
class LineageLoader final : public QObject
{
    Q_OBJECT
public:
    explicit LineageLoader(QObject *parent = nullptr);
    void setClient(RegistryClient *client);

    // spec: a node as modelctl writes it, e.g. "model:payments/fraud@3" or "pipeline:features@2.3".
    void loadNeighbourhood(const QString &spec, int depth);
    void loadNeighbourhood(qint64 nodeId, int depth);
    // The whole lineage of a model (Registry::lineageOverview), rooted at `version`; answered by
    // neighbourhoodLoaded/neighbourhoodFailed like a neighbourhood.
    void loadOverview(const QString &modelName, int version);
    // Everything downstream of the node, and which affected versions are in Production or deployed.
    void loadImpact(qint64 nodeId);
    // Drops answers to requests made so far.
    void cancel();

signals:
    void neighbourhoodLoaded(const md::LineageGraph &graph);
    void neighbourhoodFailed(const QString &message);
    // downstream: every node reached downstream of the root, the root included.
    void impactLoaded(const md::ImpactReport &report, const QSet<qint64> &downstream);
    void impactFailed(const QString &message);

private:
    void load(const QString &spec, qint64 nodeId, int depth);
    void loadGraph(std::function<Result<LineageGraph>(Registry *)> query);

    QPointer<RegistryClient> m_client;
    quint64 m_graphGeneration = 0;
    quint64 m_impactGeneration = 0;
};

} // namespace md
