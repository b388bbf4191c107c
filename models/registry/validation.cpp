#include "validation.h"

#include <QDate>
#include <QDateTime>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

#include <cmath>

namespace md {

QString stageName(Stage stage)
{
    switch (stage) {
    case Stage::None:
        return QStringLiteral("None");
    case Stage::Staging:
        return QStringLiteral("Staging");
    case Stage::Production:
        return QStringLiteral("Production");
    case Stage::Archived:
        return QStringLiteral("Archived");
    }
    return QStringLiteral("None");
}

bool parseStage(const QString &text, Stage *stage)
{
    for (Stage s : {Stage::None, Stage::Staging, Stage::Production, Stage::Archived}) {
        if (text.compare(stageName(s), Qt::CaseInsensitive) == 0) {
            *stage = s;
            return true;
        }
    }
    return false;
}

QString Metric::key() const
{
    QString k = name;
    if (!dataset.isEmpty())
        k += QLatin1Char('@') + dataset;
    if (!slice.isEmpty())
        k += QLatin1Char('[') + slice + QLatin1Char(']');
    return k;
}

namespace {
struct KindName
{
    LineageKind kind;
    const char *name;
    const char *shortName; // used in --input specs
};
constexpr KindName kKinds[] = {
    {LineageKind::DataSource, "data_source", "source"},
    {LineageKind::Dataset, "dataset", "dataset-family"},
    {LineageKind::DatasetVersion, "dataset_version", "dataset"},
    {LineageKind::FeaturePipeline, "feature_pipeline", "pipeline-family"},
    {LineageKind::FeaturePipelineVersion, "feature_pipeline_version", "pipeline"},
    {LineageKind::CodeCommit, "code_commit", "commit"},
    {LineageKind::ModelVersion, "model_version", "model"},
    {LineageKind::Deployment, "deployment", "deployment"},
};
} // namespace

QString lineageKindName(LineageKind kind)
{
    for (const auto &k : kKinds)
        if (k.kind == kind)
            return QLatin1String(k.name);
    return {};
}

bool parseLineageKind(const QString &text, LineageKind *kind)
{
    for (const auto &k : kKinds) {
        if (text == QLatin1String(k.name)) {
            *kind = k.kind;
            return true;
        }
    }
    return false;
}

QString LineageInput::spec() const
{
    QString s;
    for (const auto &k : kKinds)
        if (k.kind == kind)
            s = QLatin1String(k.shortName);
    s += QLatin1Char(':') + name;
    if (!version.isEmpty())
        s += QLatin1Char('@') + version;
    return s;
}

Status validateText(const QString &field, const QString &value, int maxLength, bool required, bool multiline)
{
    if (required && value.trimmed().isEmpty())
        return Error::invalid(QStringLiteral("%1 is empty.").arg(field));
    if (value.size() > maxLength)
        return Error::invalid(QStringLiteral("%1 is %2 characters long; at most %3 are allowed.")
                                  .arg(field)
                                  .arg(value.size())
                                  .arg(maxLength));
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value.at(i);
        if (c == QChar::ReplacementCharacter)
            return Error::invalid(QStringLiteral("%1 is not valid UTF-8 (at character %2). Re-encode the input as "
                                                 "UTF-8.")
                                      .arg(field)
                                      .arg(i + 1));
        // An unpaired UTF-16 surrogate (a JSON "\\ud800" escape) is not a character: it cannot be stored as UTF-8.
        if (c.isHighSurrogate() ? i + 1 >= value.size() || !value.at(i + 1).isLowSurrogate()
                                : c.isLowSurrogate() && (i == 0 || !value.at(i - 1).isHighSurrogate()))
            return Error::invalid(
                QStringLiteral("%1 holds half of a UTF-16 surrogate pair (U+%2) at position %3, which "
                               "is not a character. Write the character itself, or both halves.")
                    .arg(field)
                    .arg(QString::number(uint(c.unicode()), 16).toUpper())
                    .arg(i + 1));
        if (c.category() == QChar::Other_Control && !(multiline && (c == QLatin1Char('\n') || c == QLatin1Char('\t'))))
            return Error::invalid(
                QStringLiteral("%1 contains a control character at position %2.").arg(field).arg(i + 1));
        // Bidirectional formatting characters make text display differently from what it is ("Trojan Source"):
        // refused in names, URIs, keys and values (free text, descriptions and comments, may hold them).
        const char16_t u = c.unicode();
        const bool bidi =
            (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069) || u == 0x200E || u == 0x200F || u == 0x061C;
        if (bidi && !multiline)
            return Error::invalid(QStringLiteral("%1 contains an invisible bidirectional formatting character "
                                                 "(U+%2) at position %3: it would display differently from what it is.")
                                      .arg(field)
                                      .arg(QString::number(uint(u), 16).toUpper().rightJustified(4, QLatin1Char('0')))
                                      .arg(i + 1));
    }
    return {};
}

QString namespaceOf(const QString &modelName)
{
    const qsizetype slash = modelName.indexOf(QLatin1Char('/'));
    return slash < 0 ? QStringLiteral("default") : modelName.left(slash);
}

Result<QStringList> validateModelName(const QString &name)
{
    if (auto s = validateText(QStringLiteral("The model name"), name, kMaxNameLength, true); !s)
        return s.error();
    static const QRegularExpression part(QStringLiteral("^[a-z][a-z0-9]*([-_][a-z0-9]+)*\\z"));
    const QStringList parts = name.split(QLatin1Char('/'));
    const QString rules = QStringLiteral("Model names are lower-case words joined by '-' (e.g. fraud-detector), "
                                         "optionally after a namespace and '/' (e.g. payments/fraud-detector).");
    if (parts.size() > 2)
        return Error::invalid(QStringLiteral("The model name '%1' has more than one '/'. %2").arg(name, rules));
    if (parts.size() == 2 && (parts.first().isEmpty() || parts.last().isEmpty()))
        return Error::invalid(
            QStringLiteral("The model name '%1' has nothing %2 its '/'. %3")
                .arg(name, parts.first().isEmpty() ? QStringLiteral("before") : QStringLiteral("after"), rules));
    for (const QString &p : parts) {
        if (!part.match(p).hasMatch())
            return Error::invalid(QStringLiteral("The model name '%1' is not valid: '%2' %3. %4")
                                      .arg(name, p,
                                           p.at(0).isDigit() || !p.at(0).isLetter()
                                               ? QStringLiteral("must start with a lower-case letter")
                                               : QStringLiteral("may only hold lower-case letters, digits and single "
                                                                "'-' between words"),
                                           rules));
    }
    QStringList warnings;
    const QString model = parts.last();
    if (model.contains(QLatin1Char('_')))
        warnings << QStringLiteral("'%1' uses '_': the convention is '-' between words (%2).")
                        .arg(name, QString(model).replace(QLatin1Char('_'), QLatin1Char('-')));
    static const QRegularExpression versionLike(QStringLiteral("(^|[-_])v?\\d+([._]\\d+)*($|[-_])|(^|[-_])v\\d+"));
    static const QRegularExpression dateLike(QStringLiteral("(19|20)\\d\\d([-_]?(0[1-9]|1[0-2]))"));
    static const QRegularExpression envLike(
        QStringLiteral("(^|[-_])(prod|production|staging|stage|dev|test|qa|canary|live)($|[-_])"));
    if (dateLike.match(model).hasMatch())
        warnings << QStringLiteral("'%1' looks like it contains a date. A model name should name what the model does; "
                                   "every registration gets a new version number and a timestamp.")
                        .arg(name);
    else if (versionLike.match(model).hasMatch())
        warnings << QStringLiteral("'%1' looks like it contains a version. Register new versions under one model "
                                   "name; ModelDesk numbers them for you.")
                        .arg(name);
    if (envLike.match(model).hasMatch())
        warnings << QStringLiteral("'%1' looks like it names an environment. Use stages (Staging, Production) and "
                                   "aliases instead of one model per environment.")
                        .arg(name);
    return warnings;
}

namespace {
const QRegularExpression &identifierRe()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.:/-]*\\z"));
    return re;
}

Status validateKey(const QString &what, const QString &key)
{
    if (auto s = validateText(what, key, kMaxKeyLength, true); !s)
        return s;
    if (!identifierRe().match(key).hasMatch())
        return Error::invalid(QStringLiteral("%1 '%2' is not valid: use letters, digits, '_', '.', ':', '/' and '-', "
                                             "starting with a letter or '_'.")
                                  .arg(what, key));
    return {};
}
} // namespace

Result<Metric> parseMetricSpec(const QString &spec)
{
    const QString usage = QStringLiteral("Write metrics as NAME[@DATASET][[SLICE]]=VALUE, e.g. auc=0.847, f1@test=0.79 "
                                         "or auc@test[country=DE]=0.81.");
    Metric m;
    QString head;
    QString valueText;
    const qsizetype bracket = spec.indexOf(QLatin1Char('['));
    if (bracket >= 0) {
        const qsizetype close = spec.indexOf(QLatin1Char(']'), bracket);
        if (close < 0 || close + 1 >= spec.size() || spec.at(close + 1) != QLatin1Char('='))
            return Error::invalid(
                QStringLiteral("The metric '%1' has an unclosed or misplaced slice. %2").arg(spec, usage));
        head = spec.left(bracket);
        m.slice = spec.mid(bracket + 1, close - bracket - 1).trimmed();
        if (m.slice.isEmpty())
            return Error::invalid(QStringLiteral("The metric '%1' has an empty slice []. %2").arg(spec, usage));
        valueText = spec.mid(close + 2);
    } else {
        const qsizetype eq = spec.indexOf(QLatin1Char('='));
        if (eq < 0)
            return Error::invalid(QStringLiteral("The metric '%1' has no value. %2").arg(spec, usage));
        head = spec.left(eq);
        valueText = spec.mid(eq + 1);
    }
    const qsizetype at = head.indexOf(QLatin1Char('@'));
    m.name = (at < 0 ? head : head.left(at)).trimmed();
    if (at >= 0) {
        m.dataset = head.mid(at + 1).trimmed();
        if (m.dataset.isEmpty())
            return Error::invalid(
                QStringLiteral("The metric '%1' has an empty dataset after '@'. %2").arg(spec, usage));
    }
    bool ok = false;
    m.value = valueText.trimmed().toDouble(&ok);
    if (!ok) {
        static const QRegularExpression numeral(QStringLiteral("^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)[eE][+-]?[0-9]+\\z"));
        if (numeral.match(valueText.trimmed()).hasMatch())
            return Error::invalid(QStringLiteral("The value of metric '%1' (%2) is out of range: metrics are stored as "
                                                 "double-precision numbers (magnitudes from about 1e-307 to 1e308, "
                                                 "or 0).")
                                      .arg(m.name, valueText.trimmed()));
        return Error::invalid(QStringLiteral("The value of metric '%1' is not a number: '%2'.").arg(m.name, valueText));
    }
    if (!std::isfinite(m.value))
        return Error::invalid(QStringLiteral("The value of metric '%1' is %2: metrics must be finite numbers.")
                                  .arg(m.name, valueText.trimmed()));
    return m;
}

Result<QPair<QString, QString>> parseKeyValue(const QString &what, const QString &spec)
{
    const qsizetype eq = spec.indexOf(QLatin1Char('='));
    if (eq <= 0)
        return Error::invalid(QStringLiteral("The %1 '%2' must be written KEY=VALUE.").arg(what, spec));
    return qMakePair(spec.left(eq).trimmed(), spec.mid(eq + 1));
}

Status validateFact(const Fact &f)
{
    static const QStringList categories = {QStringLiteral("data"), QStringLiteral("code"), QStringLiteral("env"),
                                           QStringLiteral("training")};
    if (!categories.contains(f.category))
        return Error::invalid(
            QStringLiteral("The provenance fact '%1' has an unknown category '%2'. Use data.*, code.*, "
                           "env.* or training.* (e.g. data.dataset_version, code.git_sha).")
                .arg(f.key(), f.category));
    static const QRegularExpression nameRe(QStringLiteral("^[a-z][a-z0-9_]*\\z"));
    if (!nameRe.match(f.name).hasMatch() || f.name.size() > kMaxKeyLength)
        return Error::invalid(QStringLiteral("The provenance fact '%1' has an invalid name: use lower-case letters, "
                                             "digits and '_'.")
                                  .arg(f.key()));
    if (auto s = validateText(QStringLiteral("The provenance fact %1").arg(f.key()), f.value, kMaxValueLength, true);
        !s)
        return s;
    const QString key = f.key();
    if (key == QLatin1String("data.date_from") || key == QLatin1String("data.date_to")) {
        if (!QDate::fromString(f.value, Qt::ISODate).isValid())
            return Error::invalid(QStringLiteral("%1 must be a date written YYYY-MM-DD, not '%2'.").arg(key, f.value));
    } else if (key == QLatin1String("data.rows")) {
        bool ok = false;
        const qlonglong rows = f.value.toLongLong(&ok);
        if (!ok || rows < 0)
            return Error::invalid(QStringLiteral("data.rows must be a whole number of rows, not '%1'.").arg(f.value));
    } else if (key == QLatin1String("code.git_sha")) {
        static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{7,40}\\z"));
        if (!sha.match(f.value).hasMatch())
            return Error::invalid(
                QStringLiteral("code.git_sha must be 7 to 40 lower-case hex digits, not '%1'.").arg(f.value));
    } else if (key == QLatin1String("training.duration_s")) {
        bool ok = false;
        const double d = f.value.toDouble(&ok);
        if (!ok || !std::isfinite(d) || d < 0)
            return Error::invalid(
                QStringLiteral("training.duration_s must be a number of seconds, not '%1'.").arg(f.value));
    }
    return {};
}

Result<Fact> parseFactSpec(const QString &spec)
{
    auto kv = parseKeyValue(QStringLiteral("provenance fact"), spec);
    if (!kv)
        return kv.error();
    const qsizetype dot = kv->first.indexOf(QLatin1Char('.'));
    if (dot <= 0)
        return Error::invalid(QStringLiteral("The provenance fact '%1' needs a category: write data.NAME=VALUE, "
                                             "code.NAME=VALUE, env.NAME=VALUE or training.NAME=VALUE.")
                                  .arg(spec));
    Fact f{kv->first.left(dot), kv->first.mid(dot + 1), kv->second};
    if (auto s = validateFact(f); !s)
        return s.error();
    return f;
}

Result<LineageInput> parseInputSpec(const QString &spec)
{
    const QString usage =
        QStringLiteral("Write inputs as KIND:NAME[@VERSION] with KIND one of source, dataset, "
                       "pipeline, commit, model (e.g. dataset:clicks@2026-10, pipeline:features@2.3).");
    const qsizetype colon = spec.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return Error::invalid(QStringLiteral("The input '%1' has no kind. %2").arg(spec, usage));
    const QString kind = spec.left(colon);
    LineageInput in;
    bool found = false;
    for (const auto &k : kKinds) {
        if (kind == QLatin1String(k.shortName) || kind == QLatin1String(k.name)) {
            in.kind = k.kind;
            found = true;
        }
    }
    if (!found || in.kind == LineageKind::Deployment)
        return Error::invalid(QStringLiteral("The input '%1' has an unknown kind '%2'. %3").arg(spec, kind, usage));
    const QString rest = spec.mid(colon + 1);
    const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
    in.name = at < 0 ? rest : rest.left(at);
    in.version = at < 0 ? QString() : rest.mid(at + 1);
    if (auto s = validateKey(QStringLiteral("The input name"), in.name); !s)
        return s.error();
    if (at >= 0 && in.version.isEmpty())
        return Error::invalid(QStringLiteral("The input '%1' has an empty version after '@'. %2").arg(spec, usage));
    if (auto s = validateText(QStringLiteral("The input version"), in.version, kMaxKeyLength, false); !s)
        return s.error();
    const bool versioned = in.kind == LineageKind::DatasetVersion || in.kind == LineageKind::FeaturePipelineVersion ||
                           in.kind == LineageKind::ModelVersion;
    if (versioned && in.version.isEmpty())
        return Error::invalid(QStringLiteral("The input '%1' needs a version (NAME@VERSION). %2").arg(spec, usage));
    return in;
}

Result<LineageInput> parseLineageNodeSpec(const QString &spec)
{
    if (spec.startsWith(QLatin1String("deployment:"))) {
        const QString rest = spec.mid(11);
        const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
        if (rest.isEmpty())
            return Error::invalid(QStringLiteral("The node '%1' names no deployment.").arg(spec));
        return LineageInput{LineageKind::Deployment, at < 0 ? rest : rest.left(at),
                            at < 0 ? QString() : rest.mid(at + 1)};
    }
    if (spec.startsWith(QLatin1String("dataset-family:")) || spec.startsWith(QLatin1String("pipeline-family:"))) {
        const bool dataset = spec.startsWith(QLatin1String("dataset-family:"));
        const QString name = spec.mid(spec.indexOf(QLatin1Char(':')) + 1);
        if (name.isEmpty())
            return Error::invalid(QStringLiteral("The node '%1' has no name.").arg(spec));
        return LineageInput{dataset ? LineageKind::Dataset : LineageKind::FeaturePipeline, name, {}};
    }
    return parseInputSpec(spec);
}

Status validateArtifactUri(const QString &uri)
{
    if (auto s = validateText(QStringLiteral("The artifact URI"), uri, kMaxUriLength, true); !s)
        return s;
    const QString example = QStringLiteral("Use e.g. s3://bucket/models/fraud/v7 or file:///srv/models/model.pkl.");
    // A scheme, then a location that is more than slashes ("s3://" names no bucket).
    static const QRegularExpression scheme(QStringLiteral("^([a-zA-Z][a-zA-Z0-9+.-]*):/*[^/\\s]\\S*\\z"));
    const auto match = scheme.match(uri);
    if (!match.hasMatch())
        return Error::invalid(QStringLiteral("The artifact URI '%1' is not a URI with a scheme, a location and no "
                                             "spaces. %2")
                                  .arg(uri.left(200), example));
    // The registry stores references, never the bytes; and a script is not a location.
    const QString name = match.captured(1).toLower();
    if (name == QLatin1String("data") || name == QLatin1String("javascript") || name == QLatin1String("vbscript"))
        return Error::invalid(QStringLiteral("The artifact URI uses the scheme '%1:', which %2 rather than naming "
                                             "where the artifact is stored. %3")
                                  .arg(name,
                                       name == QLatin1String("data") ? QStringLiteral("carries the bytes themselves")
                                                                     : QStringLiteral("is a script"),
                                       example));
    // Zero-width characters make two URIs that look the same point to different objects.
    for (qsizetype i = 0; i < uri.size(); ++i) {
        const char16_t u = uri.at(i).unicode();
        if (u == 0x200B || u == 0x200C || u == 0x200D || u == 0x2060 || u == 0xFEFF || u == 0x00AD)
            return Error::invalid(QStringLiteral("The artifact URI contains an invisible character (U+%1) at position "
                                                 "%2: it would look like another URI. Remove it.")
                                      .arg(QString::number(uint(u), 16).toUpper().rightJustified(4, QLatin1Char('0')))
                                      .arg(i + 1));
    }
    return {};
}

Result<QStringList> validateVersionSpec(const VersionSpec &spec)
{
    auto warnings = validateModelName(spec.modelName);
    if (!warnings)
        return warnings.error();
    if (auto s = validateArtifactUri(spec.artifactUri); !s)
        return s.error();
    if (!spec.artifactDigest.isEmpty()) {
        static const QRegularExpression digest(QStringLiteral("^sha256:[0-9a-f]{64}\\z"));
        if (!digest.match(spec.artifactDigest).hasMatch())
            return Error::invalid(QStringLiteral("The artifact digest '%1' is not valid: write sha256: followed by 64 "
                                                 "lower-case hex digits.")
                                      .arg(spec.artifactDigest.left(100)));
    }
    if (auto s = validateText(QStringLiteral("The source run"), spec.sourceRun, kMaxValueLength, false); !s)
        return s.error();
    if (auto s = validateText(QStringLiteral("The description"), spec.description, kMaxDescriptionLength, false, true);
        !s)
        return s.error();
    if (spec.metrics.size() > kMaxMetricsPerVersion)
        return Error::invalid(QStringLiteral("A version may have at most %1 metrics.").arg(kMaxMetricsPerVersion));
    QSet<QString> metricKeys;
    for (const Metric &m : spec.metrics) {
        if (auto s = validateKey(QStringLiteral("The metric name"), m.name); !s)
            return s.error();
        if (!m.dataset.isEmpty())
            if (auto s = validateKey(QStringLiteral("The metric dataset"), m.dataset); !s)
                return s.error();
        if (auto s = validateText(QStringLiteral("The metric slice"), m.slice, kMaxKeyLength, false); !s)
            return s.error();
        if (!std::isfinite(m.value))
            return Error::invalid(
                QStringLiteral("The metric %1 is %2: metrics must be finite numbers.")
                    .arg(m.key(), std::isnan(m.value) ? QStringLiteral("NaN") : QStringLiteral("infinite")));
        if (metricKeys.contains(m.key()))
            return Error::invalid(QStringLiteral("The metric %1 is given twice. Each name@dataset[slice] may appear "
                                                 "once per version.")
                                      .arg(m.key()));
        metricKeys.insert(m.key());
    }
    for (auto it = spec.params.begin(); it != spec.params.end(); ++it) {
        if (auto s = validateKey(QStringLiteral("The param name"), it.key()); !s)
            return s.error();
        if (auto s = validateText(QStringLiteral("The param %1").arg(it.key()), it.value(), kMaxValueLength, false); !s)
            return s.error();
    }
    QSet<QString> factKeys;
    for (const Fact &f : spec.facts) {
        if (auto s = validateFact(f); !s)
            return s.error();
        if (factKeys.contains(f.key()))
            return Error::invalid(QStringLiteral("The provenance fact %1 is given twice.").arg(f.key()));
        factKeys.insert(f.key());
    }
    for (auto it = spec.tags.begin(); it != spec.tags.end(); ++it) {
        if (auto s = validateKey(QStringLiteral("The tag name"), it.key()); !s)
            return s.error();
        if (auto s = validateText(QStringLiteral("The value of the tag '%1'").arg(it.key()), it.value(),
                                  kMaxValueLength, false);
            !s)
            return s.error();
    }
    QSet<QString> inputKeys;
    for (const LineageInput &in : spec.inputs) {
        if (inputKeys.contains(in.spec()))
            return Error::invalid(QStringLiteral("The input %1 is given twice.").arg(in.spec()));
        inputKeys.insert(in.spec());
    }
    static const QStringList edgeKinds = {QStringLiteral("derived_from"), QStringLiteral("trained_on"),
                                          QStringLiteral("uses"), QStringLiteral("deployed_as")};
    for (const QString &node : spec.lineageNodes) {
        auto parsed = parseLineageNodeSpec(node);
        if (!parsed)
            return parsed.error();
        if (parsed->kind == LineageKind::ModelVersion)
            return Error::invalid(QStringLiteral("The lineage node %1 is a model version; those are created by "
                                                 "registering them.")
                                      .arg(node));
    }
    for (const VersionSpec::Edge &e : spec.lineageEdges) {
        for (const QString &end : {e.from, e.to})
            if (auto parsed = parseLineageNodeSpec(end); !parsed)
                return parsed.error();
        if (!edgeKinds.contains(e.kind))
            return Error::invalid(QStringLiteral("The lineage edge %1 -> %2 has an unknown kind '%3'; use %4.")
                                      .arg(e.from, e.to, e.kind, edgeKinds.join(QStringLiteral(", "))));
        if (e.from == e.to)
            return Error::invalid(QStringLiteral("The lineage edge %1 -> %1 points at itself.").arg(e.from));
    }
    if (!spec.createdAt.isEmpty() && !QDateTime::fromString(spec.createdAt, Qt::ISODateWithMs).isValid())
        return Error::invalid(
            QStringLiteral("The creation time '%1' is not an ISO-8601 timestamp.").arg(spec.createdAt));
    return *warnings;
}

} // namespace md
