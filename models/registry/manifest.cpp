#include "manifest.h"

#include "validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

namespace md {

namespace {
Result<QString> scalarText(const QString &where, const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return Error::invalid(QStringLiteral("%1 must be a string or a number.").arg(where));
}

Result<QMap<QString, QString>> stringMap(const QString &source, const QString &key, const QJsonValue &v)
{
    if (!v.isObject())
        return Error::invalid(QStringLiteral("%1: \"%2\" must be an object of names to values.").arg(source, key));
    QMap<QString, QString> out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        auto text = scalarText(QStringLiteral("%1: %2.%3").arg(source, key, it.key()), it.value());
        if (!text)
            return text.error();
        out.insert(it.key(), *text);
    }
    return out;
}
} // namespace

namespace {
// The JSON path of the first key that appears twice in one object ("$.metrics.auc"), or nothing. QJsonDocument
// keeps the last of duplicates silently; a manifest that says two things must be refused instead. `json` is valid
// JSON (checked first), so this scanner only tracks strings, nesting and which strings are keys.
std::optional<QString> duplicateKey(const QByteArray &json)
{
    struct Frame
    {
        bool object;
        QSet<QString> keys;
        QString path;
        int index = 0;
        bool expectKey = true;
    };
    QList<Frame> stack;
    QString lastKey;
    auto childPath = [&](const Frame &f) {
        return f.object ? QString(f.path + QLatin1Char('.') + lastKey)
                        : QString(f.path + QStringLiteral("[%1]").arg(f.index));
    };
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json.at(i);
        if (c == '"') {
            QByteArray raw;
            for (++i; i < json.size() && json.at(i) != '"'; ++i) {
                raw += json.at(i);
                if (json.at(i) == '\\' && i + 1 < json.size())
                    raw += json.at(++i);
            }
            if (!stack.isEmpty() && stack.last().object && stack.last().expectKey) {
                // Decode the key as JSON does (escapes included), so "a" and "\u0061" are the same key.
                const QString key = QJsonDocument::fromJson("[\"" + raw + "\"]").array().at(0).toString();
                Frame &f = stack.last();
                if (f.keys.contains(key))
                    return f.path + QLatin1Char('.') + key;
                f.keys.insert(key);
                f.expectKey = false;
                lastKey = key;
            }
        } else if (c == '{' || c == '[') {
            const QString path = stack.isEmpty() ? QStringLiteral("$") : childPath(stack.last());
            stack.append(Frame{c == '{', {}, path});
        } else if (c == '}' || c == ']') {
            if (!stack.isEmpty())
                stack.removeLast();
        } else if (c == ',' && !stack.isEmpty()) {
            stack.last().expectKey = true;
            ++stack.last().index;
        }
    }
    return std::nullopt;
}
} // namespace

Result<VersionSpec> parseManifest(const QByteArray &json, const QString &source)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError)
        return Error::invalid(
            QStringLiteral("%1 is not valid JSON: %2 at byte %3.").arg(source, perr.errorString()).arg(perr.offset));
    if (const auto dup = duplicateKey(json))
        return Error::invalid(QStringLiteral("%1: the key %2 appears twice; a manifest names each key once (which "
                                             "value was meant?).")
                                  .arg(source, *dup));
    if (!doc.isObject())
        return Error::invalid(QStringLiteral("%1 must hold a JSON object.").arg(source));
    const QJsonObject o = doc.object();
    static const QSet<QString> known = {QStringLiteral("name"),         QStringLiteral("artifact"),
                                        QStringLiteral("artifact_uri"), QStringLiteral("artifact_digest"),
                                        QStringLiteral("description"),  QStringLiteral("source_run"),
                                        QStringLiteral("metrics"),      QStringLiteral("params"),
                                        QStringLiteral("facts"),        QStringLiteral("tags"),
                                        QStringLiteral("inputs"),       QStringLiteral("lineage")};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.contains(it.key()))
            return Error::invalid(QStringLiteral("%1: unknown key \"%2\". Known keys: artifact, description, facts, "
                                                 "inputs, metrics, name, params, source_run, tags.")
                                      .arg(source, it.key()));

    VersionSpec spec;
    auto text = [&](const QString &key, QString *out) -> Status {
        if (!o.contains(key))
            return {};
        if (!o.value(key).isString())
            return Error::invalid(QStringLiteral("%1: \"%2\" must be a string.").arg(source, key));
        *out = o.value(key).toString();
        return {};
    };
    for (const auto &[key, out] : {std::pair{QStringLiteral("name"), &spec.modelName},
                                   std::pair{QStringLiteral("artifact_uri"), &spec.artifactUri},
                                   std::pair{QStringLiteral("artifact_digest"), &spec.artifactDigest},
                                   std::pair{QStringLiteral("description"), &spec.description},
                                   std::pair{QStringLiteral("source_run"), &spec.sourceRun}}) {
        if (auto s = text(key, out); !s)
            return s.error();
    }
    if (o.contains(QStringLiteral("artifact"))) {
        const QJsonValue a = o.value(QStringLiteral("artifact"));
        if (a.isString()) {
            spec.artifactUri = a.toString();
        } else if (a.isObject()) {
            const QJsonObject ao = a.toObject();
            for (auto it = ao.begin(); it != ao.end(); ++it) {
                if (it.key() != QLatin1String("uri") && it.key() != QLatin1String("digest"))
                    return Error::invalid(
                        QStringLiteral("%1: unknown key artifact.%2 (use uri and digest).").arg(source, it.key()));
                if (!it.value().isString())
                    return Error::invalid(QStringLiteral("%1: artifact.%2 must be a string.").arg(source, it.key()));
            }
            spec.artifactUri = ao.value(QStringLiteral("uri")).toString();
            spec.artifactDigest = ao.value(QStringLiteral("digest")).toString();
        } else {
            return Error::invalid(
                QStringLiteral("%1: \"artifact\" must be a URI string or {\"uri\": ..., \"digest\": ...}.")
                    .arg(source));
        }
    }

    if (o.contains(QStringLiteral("metrics"))) {
        const QJsonValue mv = o.value(QStringLiteral("metrics"));
        if (mv.isArray()) {
            int index = 0;
            for (const QJsonValue &item : mv.toArray()) {
                const QString where = QStringLiteral("%1: metrics[%2]").arg(source).arg(index++);
                if (!item.isObject())
                    return Error::invalid(QStringLiteral("%1 must be an object with name and value.").arg(where));
                const QJsonObject mo = item.toObject();
                for (auto it = mo.begin(); it != mo.end(); ++it)
                    if (!QStringList{QStringLiteral("name"), QStringLiteral("value"), QStringLiteral("dataset"),
                                     QStringLiteral("slice")}
                             .contains(it.key()))
                        return Error::invalid(QStringLiteral("%1 has an unknown key \"%2\".").arg(where, it.key()));
                if (!mo.value(QStringLiteral("name")).isString())
                    return Error::invalid(QStringLiteral("%1 needs a \"name\" string.").arg(where));
                if (!mo.value(QStringLiteral("value")).isDouble())
                    return Error::invalid(QStringLiteral("%1 (%2) needs a numeric \"value\" (JSON has no NaN or "
                                                         "infinity; metrics must be finite).")
                                              .arg(where, mo.value(QStringLiteral("name")).toString()));
                Metric m;
                m.name = mo.value(QStringLiteral("name")).toString();
                m.value = mo.value(QStringLiteral("value")).toDouble();
                m.dataset = mo.value(QStringLiteral("dataset")).toString();
                m.slice = mo.value(QStringLiteral("slice")).toString();
                spec.metrics << m;
            }
        } else if (mv.isObject()) {
            const QJsonObject mo = mv.toObject();
            for (auto it = mo.begin(); it != mo.end(); ++it) {
                if (!it.value().isDouble())
                    return Error::invalid(QStringLiteral("%1: metric %2 must be a number.").arg(source, it.key()));
                auto m = parseMetricSpec(it.key() + QLatin1Char('=') + QString::number(it.value().toDouble(), 'g', 17));
                if (!m)
                    return m.error();
                spec.metrics << *m;
            }
        } else {
            return Error::invalid(QStringLiteral("%1: \"metrics\" must be a list or an object.").arg(source));
        }
    }
    if (o.contains(QStringLiteral("params"))) {
        auto m = stringMap(source, QStringLiteral("params"), o.value(QStringLiteral("params")));
        if (!m)
            return m.error();
        spec.params = *m;
    }
    if (o.contains(QStringLiteral("tags"))) {
        auto m = stringMap(source, QStringLiteral("tags"), o.value(QStringLiteral("tags")));
        if (!m)
            return m.error();
        spec.tags = *m;
    }
    if (o.contains(QStringLiteral("facts"))) {
        auto m = stringMap(source, QStringLiteral("facts"), o.value(QStringLiteral("facts")));
        if (!m)
            return m.error();
        for (auto it = m->begin(); it != m->end(); ++it) {
            auto f = parseFactSpec(it.key() + QLatin1Char('=') + it.value());
            if (!f)
                return Error::invalid(QStringLiteral("%1: %2").arg(source, f.error().message));
            spec.facts << *f;
        }
    }
    if (o.contains(QStringLiteral("inputs"))) {
        if (!o.value(QStringLiteral("inputs")).isArray())
            return Error::invalid(QStringLiteral("%1: \"inputs\" must be a list of strings like "
                                                 "\"dataset:clicks@2026-10\".")
                                      .arg(source));
        for (const QJsonValue &v : o.value(QStringLiteral("inputs")).toArray()) {
            if (!v.isString())
                return Error::invalid(
                    QStringLiteral("%1: every input must be a string like \"dataset:clicks@2026-10\".").arg(source));
            auto in = parseInputSpec(v.toString());
            if (!in)
                return Error::invalid(QStringLiteral("%1: %2").arg(source, in.error().message));
            spec.inputs << *in;
        }
    }
    if (o.contains(QStringLiteral("lineage"))) {
        const QJsonValue lv = o.value(QStringLiteral("lineage"));
        const QString shape = QStringLiteral("%1: \"lineage\" must be {\"nodes\": [\"source:x\", ...], \"edges\": "
                                             "[{\"from\": ..., \"to\": ..., \"kind\": ...}]}.")
                                  .arg(source);
        if (!lv.isObject())
            return Error::invalid(shape);
        const QJsonObject lo = lv.toObject();
        for (auto it = lo.begin(); it != lo.end(); ++it)
            if ((it.key() != QLatin1String("nodes") && it.key() != QLatin1String("edges")) || !it.value().isArray())
                return Error::invalid(shape);
        for (const QJsonValue &n : lo.value(QStringLiteral("nodes")).toArray()) {
            if (!n.isString())
                return Error::invalid(shape);
            spec.lineageNodes << n.toString();
        }
        for (const QJsonValue &e : lo.value(QStringLiteral("edges")).toArray()) {
            const QJsonObject eo = e.toObject();
            if (!eo.value(QStringLiteral("from")).isString() || !eo.value(QStringLiteral("to")).isString() ||
                !eo.value(QStringLiteral("kind")).isString())
                return Error::invalid(shape);
            spec.lineageEdges << VersionSpec::Edge{eo.value(QStringLiteral("from")).toString(),
                                                   eo.value(QStringLiteral("to")).toString(),
                                                   eo.value(QStringLiteral("kind")).toString()};
        }
    }
    return spec;
}

} // namespace md
