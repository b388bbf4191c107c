#include "audit.h"

#include "database.h"

#include <QCryptographicHash>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <sqlite3.h>

#include <charconv>
#include <cmath>

namespace md {

QString auditGenesisHash()
{
    return QString(64, QLatin1Char('0'));
}

QString auditHash(const AuditEntry &e)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    const QChar sep(0x1f); // unit separator: cannot appear in validated fields
    const QString canonical = e.prevHash + sep + e.at + sep + e.actor + sep + e.action + sep + e.objectType + sep +
                              e.objectKey + sep + e.details;
    h.addData(canonical.toUtf8());
    return QString::fromLatin1(h.result().toHex());
}

namespace {
// One row per metric, param and fact: (version id, text, and for a metric its value's text and value), the text as
// the dialect prints the values.
QString contentRowsSql(Dialect dialect, const QString &where)
{
    const QString sep = dialect == Dialect::Sqlite ? QStringLiteral("char(31)") : QStringLiteral("chr(31)");
    const QString real =
        dialect == Dialect::Sqlite ? QStringLiteral("CAST(value AS TEXT)") : QStringLiteral("value::text");
    return QStringLiteral("SELECT version_id, 'm' || %1 || name || %1 || dataset || %1 || slice || %1 || %2, %2, value "
                          "FROM metrics %3 UNION ALL SELECT version_id, 'p' || %1 || name || %1 || value, NULL, NULL "
                          "FROM params %3 UNION ALL SELECT version_id, 'f' || %1 || category || %1 || name || %1 || "
                          "value, NULL, NULL FROM facts %3")
        .arg(sep, real, where);
}

QString digestOf(QList<QByteArray> rows)
{
    std::sort(rows.begin(), rows.end()); // byte order, as the database's ORDER BY ... COLLATE "C"
    return QString::fromLatin1(
        QCryptographicHash::hash(rows.join(QByteArray(1, '\x1e')), QCryptographicHash::Sha256).toHex());
}
} // namespace

QString realAsText(double value, Dialect dialect)
{
    if (dialect == Dialect::Sqlite) {
        // CAST(real AS TEXT) is SQLite's printf with "%!.15g".
        char *text = sqlite3_mprintf("%!.15g", value);
        const QString result = QString::fromLatin1(text);
        sqlite3_free(text);
        return result;
    }
    // float8out (extra_float_digits 1, the default since PostgreSQL 12): the shortest text that reads back as the
    // same double, fixed-point for decimal exponents from -4 to 14, else d.ddde+XX.
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity");
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
    const QString scientific = QString::fromLatin1(buffer, int(end - buffer));
    const qsizetype e = scientific.indexOf(QLatin1Char('e'));
    QString mantissa = scientific.left(e);
    const int exponent = scientific.mid(e + 1).toInt();
    const bool negative = mantissa.startsWith(QLatin1Char('-'));
    if (negative)
        mantissa.remove(0, 1);
    const QString digits = QString(mantissa).remove(QLatin1Char('.'));
    if (exponent < -4 || exponent >= 15)
        return scientific;
    QString fixed;
    if (exponent >= 0) {
        fixed = digits.size() <= exponent + 1
                    ? QString(digits + QString(exponent + 1 - digits.size(), QLatin1Char('0')))
                    : QString(digits.left(exponent + 1) + QLatin1Char('.') + digits.mid(exponent + 1));
    } else {
        fixed = QStringLiteral("0.") + QString(-exponent - 1, QLatin1Char('0')) + digits;
    }
    return negative ? QLatin1Char('-') + fixed : fixed;
}

Result<QString> versionContentDigest(Database &db, qint64 versionId)
{
    auto q = db.exec(contentRowsSql(db.dialect(), QStringLiteral("WHERE version_id = ?")),
                     {versionId, versionId, versionId});
    if (!q)
        return q.error();
    QList<QByteArray> rows;
    while (q->next())
        rows << q->value(1).toString().toUtf8();
    return digestOf(rows);
}

Status appendAudit(Database &db, const QString &actor, const QString &action, const QString &objectType,
                   const QString &objectKey, const QJsonObject &details)
{
    Q_ASSERT(db.inTransaction());
    // On PostgreSQL the database writes the entry itself, from the row triggers of the change
    // (006_contract.sql): no login may insert into the log.
    if (db.dialect() == Dialect::Postgres)
        return {};
    auto last = db.scalar(QStringLiteral("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"));
    if (!last)
        return last.error();
    AuditEntry e;
    e.prevHash = last->isNull() ? auditGenesisHash() : last->toString();
    e.at = nowUtc();
    e.actor = actor;
    e.action = action;
    e.objectType = objectType;
    e.objectKey = objectKey;
    e.details = QString::fromUtf8(QJsonDocument(details).toJson(QJsonDocument::Compact));
    e.hash = auditHash(e);
    auto q = db.execWrite(QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, details, "
                                         "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                          {e.at, e.actor, e.action, e.objectType, e.objectKey, e.details, e.prevHash, e.hash});
    if (!q)
        return q.error();
    return {};
}

namespace {
AuditEntry entryFrom(const QSqlQuery &q)
{
    AuditEntry e;
    e.id = q.value(0).toLongLong();
    e.at = q.value(1).toString();
    e.actor = q.value(2).toString();
    e.action = q.value(3).toString();
    e.objectType = q.value(4).toString();
    e.objectKey = q.value(5).toString();
    e.details = q.value(6).toString();
    e.prevHash = q.value(7).toString();
    e.hash = q.value(8).toString();
    return e;
}

const QString kAuditColumns =
    QStringLiteral("id, at, actor, action, object_type, object_key, details, prev_hash, hash");
} // namespace

QString AuditCheckpoint::token() const
{
    return QStringLiteral("%1:%2").arg(entries).arg(hash);
}

std::optional<AuditCheckpoint> AuditCheckpoint::parse(const QString &token)
{
    static const QRegularExpression re(QStringLiteral("^([0-9]{1,18}):([0-9a-f]{64})?\\z"));
    const auto m = re.match(token.trimmed());
    if (!m.hasMatch() || (m.captured(1).toLongLong() > 0) == m.captured(2).isEmpty())
        return std::nullopt;
    return AuditCheckpoint{m.captured(1).toLongLong(), m.captured(2)};
}

Result<AuditVerification> verifyAuditChain(Database &db, const std::optional<AuditCheckpoint> &expect)
{
    auto q = db.exec(QStringLiteral("SELECT %1 FROM audit_log ORDER BY id").arg(kAuditColumns));
    if (!q)
        return q.error();
    AuditVerification result;
    QString expectedPrev = auditGenesisHash();
    qint64 previousId = 0;
    QHash<QString, std::pair<qint64, QString>> contents; // version key -> (entry id, recorded content digest)
    while (q->next()) {
        const AuditEntry e = entryFrom(*q);
        ++result.entriesChecked;
        if (e.prevHash != expectedPrev) {
            result.intact = false;
            result.firstBrokenId = e.id;
            result.problem = previousId == 0
                                 ? QStringLiteral("entry %1 should start the chain, but it links to an entry that is "
                                                  "missing: earlier entries were deleted")
                                       .arg(e.id)
                                 : QStringLiteral("entry %1 does not link to entry %2 before it: an entry between "
                                                  "them was deleted, or entry %2 was rewritten with a new hash")
                                       .arg(e.id)
                                       .arg(previousId);
            return result;
        }
        if (auditHash(e) != e.hash) {
            result.intact = false;
            result.firstBrokenId = e.id;
            result.problem = QStringLiteral("entry %1 (%2 %3 by %4 at %5) was changed after it was written: its "
                                            "content no longer matches its hash")
                                 .arg(e.id)
                                 .arg(e.action, e.objectKey, e.actor, e.at);
            return result;
        }
        if (expect && result.entriesChecked == expect->entries && e.hash != expect->hash) {
            result.intact = false;
            result.firstBrokenId = e.id;
            result.problem = QStringLiteral("entry %1 is not the checkpoint's entry %2 (hash %3…): entries up to the "
                                            "checkpoint were deleted or replaced since it was taken")
                                 .arg(e.id)
                                 .arg(expect->entries)
                                 .arg(expect->hash.left(12));
            return result;
        }
        if (e.action == QLatin1String("register_version")) {
            const QString content =
                QJsonDocument::fromJson(e.details.toUtf8()).object().value(QStringLiteral("content")).toString();
            if (!content.isEmpty())
                contents.insert(e.objectKey, {e.id, content});
        }
        expectedPrev = e.hash;
        previousId = e.id;
    }
    q->finish();
    result.head = AuditCheckpoint{result.entriesChecked, result.entriesChecked > 0 ? expectedPrev : QString()};
    result.expected = expect;
    if (expect && result.entriesChecked < expect->entries) {
        result.intact = false;
        result.firstBrokenId = previousId;
        result.problem = QStringLiteral("the log holds %1 entries, fewer than the %2 of the checkpoint: the newest "
                                        "entries were deleted since it was taken")
                             .arg(result.entriesChecked)
                             .arg(expect->entries);
        return result;
    }
    // The chain proves what is in the log; completeness compares the log with the data: every version,
    // stage change, request and decision the registry holds has its entry. A shorter log means rows were
    // written without ModelDesk (plain SQL) or entries were deleted (an empty log included).
    auto counts = db.exec(QStringLiteral("SELECT (SELECT count(*) FROM model_versions), "
                                         "(SELECT count(*) FROM audit_log WHERE action = 'register_version'), "
                                         "(SELECT count(*) FROM stage_transitions WHERE kind <> 'register'), "
                                         "(SELECT count(*) FROM audit_log WHERE action LIKE 'stage\\_%' ESCAPE '\\'), "
                                         "(SELECT count(*) FROM approval_requests), "
                                         "(SELECT count(*) FROM audit_log WHERE action = 'request_promotion'), "
                                         "(SELECT count(*) FROM approval_decisions), "
                                         "(SELECT count(*) FROM audit_log WHERE action IN ('approve', 'reject'))"));
    if (!counts)
        return counts.error();
    if (!counts->next())
        return result;
    struct Check
    {
        int data;
        int entries;
        const char *what;
    };
    const Check checks[] = {
        {0, 1, "versions"}, {2, 3, "stage changes"}, {4, 5, "promotion requests"}, {6, 7, "approval decisions"}};
    for (const Check &c : checks) {
        const qint64 rows = counts->value(c.data).toLongLong();
        const qint64 logged = counts->value(c.entries).toLongLong();
        if (logged < rows) {
            result.intact = false;
            result.problem = QStringLiteral("the log is incomplete: the registry holds %1 %2 but the log records %3 "
                                            "(rows were written without ModelDesk, or entries were deleted)")
                                 .arg(rows)
                                 .arg(QLatin1String(c.what))
                                 .arg(logged);
            return result;
        }
    }
    counts->finish();
    // Every version is in the stage its last recorded transition took it to.
    auto drifted = db.exec(QStringLiteral(
        "SELECT m.name, v.version, v.stage FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
        "WHERE v.stage <> coalesce((SELECT t.to_stage FROM stage_transitions t WHERE t.version_id = v.id ORDER BY "
        "t.id DESC LIMIT 1), '') LIMIT 1"));
    if (!drifted)
        return drifted.error();
    if (drifted->next()) {
        result.intact = false;
        result.problem = QStringLiteral("%1@v%2 is in %3, which no recorded stage change took it to: its stage was "
                                        "set without ModelDesk")
                             .arg(drifted->value(0).toString())
                             .arg(drifted->value(1).toInt())
                             .arg(drifted->value(2).toString());
        return result;
    }
    drifted->finish();
    // What each version was registered with is what it holds now.
    if (!contents.isEmpty()) {
        auto keys = db.exec(QStringLiteral("SELECT v.id, m.name || '@v' || v.version FROM model_versions v JOIN "
                                           "registered_models m ON m.id = v.model_id"));
        if (!keys)
            return keys.error();
        QHash<qint64, QString> keyOf;
        while (keys->next())
            keyOf.insert(keys->value(0).toLongLong(), keys->value(1).toString());
        keys->finish();
        auto rows = db.exec(contentRowsSql(db.dialect(), QString()));
        if (!rows)
            return rows.error();
        // A registry moved between dialects (modelctl migrate, restore) holds digests of metrics as the other dialect
        // printed them (SQLite: 15 significant digits; PostgreSQL: the shortest exact text): the rows the other
        // dialect prints differently are kept for a second look.
        const Dialect other = db.dialect() == Dialect::Sqlite ? Dialect::Postgres : Dialect::Sqlite;
        QHash<qint64, QList<QByteArray>> byVersion;
        QHash<qint64, QList<std::pair<qsizetype, QByteArray>>> printedByOther;
        while (rows->next()) {
            QList<QByteArray> &list = byVersion[rows->value(0).toLongLong()];
            const QString text = rows->value(1).toString();
            list << text.toUtf8();
            if (rows->isNull(2))
                continue;
            const QString valueText = rows->value(2).toString();
            const QString otherText = realAsText(rows->value(3).toDouble(), other);
            if (otherText != valueText)
                printedByOther[rows->value(0).toLongLong()]
                    << std::pair{list.size() - 1, (text.chopped(valueText.size()) + otherText).toUtf8()};
        }
        rows->finish();
        for (auto it = keyOf.begin(); it != keyOf.end(); ++it) {
            const auto recorded = contents.find(it.value());
            if (recorded == contents.end())
                continue; // registered before schema v6, or by the bulk generator
            if (digestOf(byVersion.value(it.key())) != recorded->second) {
                QList<QByteArray> asOther = byVersion.value(it.key());
                for (const auto &[index, text] : printedByOther.value(it.key()))
                    asOther[index] = text;
                if (printedByOther.contains(it.key()) && digestOf(asOther) == recorded->second)
                    continue;
                result.intact = false;
                result.firstBrokenId = recorded->first;
                result.problem = QStringLiteral("%1 no longer holds the metrics, params and facts it was registered "
                                                "with (entry %2): they were changed without ModelDesk")
                                     .arg(it.value())
                                     .arg(recorded->first);
                return result;
            }
        }
    }
    return result;
}

Result<QList<AuditEntry>> readAudit(Database &db, const AuditFilter &filter)
{
    QStringList where;
    QVariantList binds;
    if (!filter.actor.isEmpty()) {
        where << QStringLiteral("actor = ?");
        binds << filter.actor;
    }
    if (!filter.action.isEmpty()) {
        where << QStringLiteral("action = ?");
        binds << filter.action;
    }
    if (!filter.objectKeyPrefix.isEmpty()) {
        where << QStringLiteral("substr(object_key, 1, ?) = ?");
        binds << int(filter.objectKeyPrefix.size()) << filter.objectKeyPrefix;
    }
    if (!filter.since.isEmpty()) {
        where << QStringLiteral("at >= ?");
        binds << filter.since;
    }
    QString sql = QStringLiteral("SELECT %1 FROM audit_log").arg(kAuditColumns);
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY id DESC LIMIT %1").arg(std::max(1, filter.limit));
    auto q = db.exec(sql, binds);
    if (!q)
        return q.error();
    QList<AuditEntry> entries;
    while (q->next())
        entries << entryFrom(*q);
    return entries;
}

} // namespace md
