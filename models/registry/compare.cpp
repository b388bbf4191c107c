#include "compare.h"

#include "gates.h"

#include <QMap>

#include <functional>

namespace md {

QString diffSectionName(DiffRow::Section section)
{
    switch (section) {
    case DiffRow::Section::Artifact:
        return QStringLiteral("artifact");
    case DiffRow::Section::Metric:
        return QStringLiteral("metric");
    case DiffRow::Section::Param:
        return QStringLiteral("param");
    case DiffRow::Section::Fact:
        return QStringLiteral("provenance");
    case DiffRow::Section::Tag:
        return QStringLiteral("tag");
    case DiffRow::Section::Input:
        return QStringLiteral("lineage input");
    }
    return {};
}

int VersionDiff::differingRows() const
{
    int n = 0;
    for (const DiffRow &r : rows)
        n += r.differs ? 1 : 0;
    return n;
}

namespace {
void finish(DiffRow &row, bool numeric)
{
    const qsizetype n = row.values.size();
    row.numbers.resize(n);
    row.deltas.resize(n);
    if (numeric) {
        for (qsizetype i = 0; i < n; ++i) {
            if (!row.values[i])
                continue;
            bool ok = false;
            const double d = row.values[i]->toDouble(&ok);
            if (ok)
                row.numbers[i] = d;
        }
        if (row.numbers[0])
            for (qsizetype i = 0; i < n; ++i)
                if (row.numbers[i])
                    row.deltas[i] = *row.numbers[i] - *row.numbers[0];
    }
    for (qsizetype i = 1; i < n; ++i)
        row.differs = row.differs || row.values[i] != row.values[0];
}

// Collects one section: key -> value per version, keys in sorted order.
void addSection(VersionDiff &diff, DiffRow::Section section, bool numeric,
                const std::function<QMap<QString, QString>(const ModelVersion &)> &extract)
{
    QList<QMap<QString, QString>> maps;
    QMap<QString, bool> keys;
    for (const ModelVersion &v : diff.versions) {
        maps << extract(v);
        for (auto it = maps.last().begin(); it != maps.last().end(); ++it)
            keys.insert(it.key(), true);
    }
    for (auto k = keys.begin(); k != keys.end(); ++k) {
        DiffRow row;
        row.section = section;
        row.key = k.key();
        for (const auto &m : maps)
            row.values << (m.contains(k.key()) ? std::optional<QString>(m.value(k.key())) : std::nullopt);
        finish(row, numeric);
        diff.rows << row;
    }
}
} // namespace

VersionDiff diffVersions(const QList<ModelVersion> &versions, const MetricDirections &directions)
{
    VersionDiff diff;
    diff.versions = versions;
    if (versions.isEmpty())
        return diff;
    addSection(diff, DiffRow::Section::Artifact, false, [](const ModelVersion &v) {
        QMap<QString, QString> m{{QStringLiteral("uri"), v.artifactUri}};
        if (!v.artifactDigest.isEmpty())
            m.insert(QStringLiteral("digest"), v.artifactDigest);
        return m;
    });
    addSection(diff, DiffRow::Section::Metric, true, [](const ModelVersion &v) {
        QMap<QString, QString> m;
        for (const Metric &x : v.metrics)
            m.insert(x.key(), QString::number(x.value, 'g', 17));
        return m;
    });
    for (DiffRow &r : diff.rows)
        if (r.section == DiffRow::Section::Metric)
            r.lowerIsBetter =
                directions.lowerIsBetter(r.key.section(QLatin1Char('@'), 0, 0).section(QLatin1Char('['), 0, 0));
    addSection(diff, DiffRow::Section::Param, true, [](const ModelVersion &v) { return v.params; });
    addSection(diff, DiffRow::Section::Fact, false, [](const ModelVersion &v) {
        QMap<QString, QString> m;
        for (const Fact &f : v.facts)
            m.insert(f.key(), f.value);
        return m;
    });
    addSection(diff, DiffRow::Section::Tag, false, [](const ModelVersion &v) { return v.tags; });
    addSection(diff, DiffRow::Section::Input, false, [](const ModelVersion &v) {
        // Inputs are keyed by kind and name, so a new dataset version shows as a changed value.
        QMap<QString, QString> m;
        for (const LineageInput &in : v.inputs) {
            const QString spec = in.spec();
            const QString key = in.version.isEmpty() ? spec : spec.left(spec.lastIndexOf(QLatin1Char('@')));
            m.insert(key, in.version.isEmpty() ? QStringLiteral("yes") : in.version);
        }
        return m;
    });
    return diff;
}

} // namespace md
