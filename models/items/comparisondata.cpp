#include "comparisondata.h"

#include "registryclient.h"

#include <algorithm>

namespace md {

Result<ComparisonData> loadComparison(Registry &registry, const QList<VersionRef> &refs)
{
    QList<VersionRef> wanted;
    for (const VersionRef &r : refs)
        if (!wanted.contains(r))
            wanted << r;
    if (wanted.size() < kMinCompareVersions || wanted.size() > kMaxCompareVersions)
        return Error::invalid(QStringLiteral("Choose between %1 and %2 versions to compare (%3 chosen).")
                                  .arg(kMinCompareVersions)
                                  .arg(kMaxCompareVersions)
                                  .arg(wanted.size()));
    std::sort(wanted.begin(), wanted.end());
    ComparisonData data;
    QStringList models;
    for (const VersionRef &r : wanted)
        if (!models.contains(r.first))
            models << r.first;
    if (models.size() == 1 && wanted.size() < kMaxCompareVersions) {
        // Only the number of the Production version is needed here (production() loads versions in full).
        auto model = registry.model(models.first());
        if (!model)
            return model.error();
        if (!model->productionVersions.isEmpty()) {
            const VersionRef p{models.first(), model->productionVersions.first()};
            if (!wanted.contains(p)) {
                wanted << p;
                std::sort(wanted.begin(), wanted.end());
                data.addedBaseline = int(wanted.indexOf(p));
            }
        }
    }
    // One batch per model (a fixed number of queries, not a set per version: 20 versions on PostgreSQL
    // took ~150 round trips), then back into the sorted order of `wanted`.
    QHash<VersionRef, ModelVersion> loaded;
    for (const QString &m : models) {
        QList<int> numbers;
        for (const VersionRef &r : wanted)
            if (r.first == m)
                numbers << r.second;
        auto batch = registry.versions(m, numbers);
        if (!batch)
            return batch.error();
        for (const ModelVersion &v : std::as_const(*batch))
            loaded.insert({m, v.version}, v);
    }
    for (const VersionRef &r : wanted)
        data.versions << loaded.value(r);
    auto directions = registry.metricDirections(models.first());
    if (!directions)
        return directions.error();
    data.directions = *directions;
    for (const QString &m : models) {
        auto all = registry.versions(m);
        if (!all)
            return all.error();
        std::sort(all->begin(), all->end(),
                  [](const ModelVersion &a, const ModelVersion &b) { return a.version < b.version; });
        data.allVersions.insert(m, *all);
        auto history = registry.productionHistory(m);
        if (!history)
            return history.error();
        data.production.insert(m, *history);
    }
    return data;
}

void loadComparison(RegistryClient *client, QObject *receiver, const QList<VersionRef> &refs,
                    std::function<void(Result<ComparisonData>)> done)
{
    using R = Result<ComparisonData>;
    client->run<R>(
        receiver,
        [refs](Registry *registry) -> R {
            if (!registry)
                return Error{Error::Kind::Connection, QStringLiteral("No registry is open."), {}};
            return loadComparison(*registry, refs);
        },
        std::move(done));
}

} // namespace md
