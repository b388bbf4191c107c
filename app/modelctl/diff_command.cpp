// modelctl diff: the side-by-side comparison of versions in the terminal.

#include "cli.h"

#include "registry/compare.h"

#include <QJsonArray>

namespace md::cli {

namespace {

void setupDiff(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Model name."));
    p.addPositionalArgument(QStringLiteral("VERSIONS"),
                            QStringLiteral("Two or more versions; the first is the baseline."),
                            QStringLiteral("V1 V2 [V3...]"));
    p.addOption({QStringLiteral("differences-only"), QStringLiteral("Only rows where the versions differ.")});
}

QString deltaText(const DiffRow &row, qsizetype i)
{
    if (i == 0 || !row.deltas[i] || *row.deltas[i] == 0.0)
        return {};
    const double d = *row.deltas[i];
    QString text = QStringLiteral("%1%2").arg(d > 0 ? QStringLiteral("+") : QString()).arg(d, 0, 'g', 4);
    if (row.section == DiffRow::Section::Metric) {
        const bool better = row.lowerIsBetter ? d < 0 : d > 0;
        text += better ? QStringLiteral(" better") : QStringLiteral(" worse");
    }
    return QStringLiteral(" (") + text + QLatin1Char(')');
}

int runDiff(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    if (pos.size() < 3)
        return ctx.usage(QStringLiteral("diff takes a model and at least two versions: modelctl diff NAME V1 V2"));
    if (pos.size() > 51)
        return ctx.usage(QStringLiteral("diff compares at most 50 versions."));
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    QList<ModelVersion> versions;
    for (qsizetype i = 1; i < pos.size(); ++i) {
        auto n = parseVersionNumber(pos.at(i));
        if (!n)
            return ctx.fail(n.error());
        auto v = (*r)->version(pos.first(), *n);
        if (!v)
            return ctx.fail(v.error());
        versions << *v;
    }
    auto directions = (*r)->metricDirections(pos.first());
    if (!directions)
        return ctx.fail(directions.error());
    const VersionDiff diff = diffVersions(versions, *directions);
    const bool onlyDiff = ctx.args.isSet(QStringLiteral("differences-only"));
    if (ctx.json) {
        QJsonArray rows;
        for (const DiffRow &row : diff.rows) {
            if (onlyDiff && !row.differs)
                continue;
            QJsonArray values, deltas;
            for (qsizetype i = 0; i < row.values.size(); ++i) {
                if (row.numbers[i])
                    values << *row.numbers[i];
                else
                    values << (row.values[i] ? QJsonValue(*row.values[i]) : QJsonValue());
                deltas << (row.deltas[i] ? QJsonValue(*row.deltas[i]) : QJsonValue());
            }
            QJsonObject o{{QStringLiteral("section"), diffSectionName(row.section)},
                          {QStringLiteral("key"), row.key},
                          {QStringLiteral("values"), values},
                          {QStringLiteral("deltas"), deltas},
                          {QStringLiteral("differs"), row.differs}};
            if (row.section == DiffRow::Section::Metric)
                o.insert(QStringLiteral("lower_is_better"), row.lowerIsBetter);
            rows << o;
        }
        QJsonArray numbers;
        for (const ModelVersion &v : versions)
            numbers << v.version;
        return ctx.printJson({{QStringLiteral("model"), pos.first()},
                              {QStringLiteral("versions"), numbers},
                              {QStringLiteral("differing_rows"), diff.differingRows()},
                              {QStringLiteral("rows"), rows}});
    }
    QStringList header{QStringLiteral("DIFF"), QStringLiteral("SECTION"), QStringLiteral("KEY")};
    for (const ModelVersion &v : versions)
        header << QStringLiteral("v%1 (%2)").arg(v.version).arg(stageName(v.stage));
    QList<QStringList> rows;
    for (const DiffRow &row : diff.rows) {
        if (onlyDiff && !row.differs)
            continue;
        QStringList cells{row.differs ? QStringLiteral("*") : QStringLiteral(" "), diffSectionName(row.section),
                          row.key};
        for (qsizetype i = 0; i < row.values.size(); ++i)
            cells << (row.values[i] ? (row.numbers[i] ? QString::number(*row.numbers[i], 'g', 6) : *row.values[i]) +
                                          deltaText(row, i)
                                    : QStringLiteral("-"));
        rows << cells;
    }
    printTable(ctx.out, header, rows);
    ctx.out << diff.differingRows() << " of " << diff.rows.size() << " rows differ (* marks them; deltas against v"
            << versions.first().version << ")." << Qt::endl;
    return ExitOk;
}

} // namespace

QList<Command> diffCommands()
{
    return {{QStringLiteral("diff"),
             QStringLiteral("Compare versions side by side (metrics, params, provenance, ...)."), setupDiff, runDiff}};
}

} // namespace md::cli
