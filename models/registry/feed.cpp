// The change feed and the webhook queue: reading the outbox the database writes (007_feed.sql), the webhooks,
// their deliveries, and the claims with which several deliverers share the work without sending an event twice.

#include "feed.h"

#include "audit.h"
#include "database.h"
#include "registry.h"
#include "validation.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QSet>
#include <QUrl>

#include <cmath>

namespace md {

// ---- events ---------------------------------------------------------------------------------------------

QJsonObject FeedEvent::toJson() const
{
    return {{QStringLiteral("id"), double(id)},
            {QStringLiteral("type"), type},
            {QStringLiteral("at"), at},
            {QStringLiteral("actor"), actor},
            {QStringLiteral("model"), model.isEmpty() ? QJsonValue() : QJsonValue(model)},
            {QStringLiteral("version"), version > 0 ? QJsonValue(version) : QJsonValue()},
            {QStringLiteral("data"), data}};
}

QByteArray FeedEvent::body() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

const QStringList &knownEventTypes()
{
    static const QStringList types{
        QStringLiteral("model.created"),         QStringLiteral("model.updated"),
        QStringLiteral("version.registered"),    QStringLiteral("version.updated"),
        QStringLiteral("version.stage_changed"), QStringLiteral("version.promoted"),
        QStringLiteral("version.rolled_back"),   QStringLiteral("request.created"),
        QStringLiteral("request.decided"),       QStringLiteral("request.approved"),
        QStringLiteral("request.rejected"),      QStringLiteral("request.promoted"),
        QStringLiteral("request.cancelled"),     QStringLiteral("alias.moved"),
        QStringLiteral("alias.removed"),         QStringLiteral("tag.set"),
        QStringLiteral("tag.removed"),           QStringLiteral("deployment.reported"),
        QStringLiteral("shadow.detected"),       QStringLiteral("policy.changed"),
    };
    return types;
}

bool eventTypeMatches(const QStringList &patterns, const QString &type)
{
    if (patterns.isEmpty())
        return true;
    for (const QString &p : patterns) {
        if (p == QLatin1String("*") || p == type)
            return true;
        if (p.endsWith(QLatin1String(".*")) && type.startsWith(p.chopped(1)))
            return true;
    }
    return false;
}

bool parseEventPatterns(const QString &text, QStringList *patterns, QString *problem)
{
    patterns->clear();
    for (const QString &raw : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString p = raw.trimmed();
        bool known = p == QLatin1String("*") || knownEventTypes().contains(p);
        if (!known && p.endsWith(QLatin1String(".*")))
            for (const QString &t : knownEventTypes())
                known = known || t.startsWith(p.chopped(1));
        if (!known) {
            *problem = QStringLiteral("'%1' is not an event type. Known types: %2; 'PREFIX.*' (e.g. version.*) or '*' "
                                      "match several.")
                           .arg(p, knownEventTypes().join(QStringLiteral(", ")));
            return false;
        }
        if (!patterns->contains(p))
            *patterns << p;
    }
    if (patterns->isEmpty()) {
        *problem = QStringLiteral("Name at least one event type (e.g. version.promoted,version.rolled_back, or '*').");
        return false;
    }
    return true;
}

bool EventFilter::matches(const FeedEvent &e) const
{
    return eventTypeMatches(types, e.type) && (model.isEmpty() || e.model == model);
}

namespace {
FeedEvent eventFrom(qint64 id, const QString &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload.toUtf8()).object();
    FeedEvent e;
    e.id = id;
    e.type = o.value(QLatin1String("type")).toString();
    e.at = o.value(QLatin1String("at")).toString();
    e.actor = o.value(QLatin1String("actor")).toString();
    e.model = o.value(QLatin1String("model")).toString();
    e.version = o.value(QLatin1String("version")).toInt();
    e.data = o.value(QLatin1String("data")).toObject();
    return e;
}

QString modelOfPayloadSql(Dialect d)
{
    return d == Dialect::Sqlite ? QStringLiteral("coalesce(json_extract(o.payload, '$.model'), '')")
                                : QStringLiteral("coalesce(o.payload::jsonb ->> 'model', '')");
}
} // namespace

Result<EventPage> Registry::events(qint64 after, int limit, const EventFilter &filter)
{
    const ReadScope reads(*this);
    auto q = m_db->exec(QStringLiteral("SELECT id, payload FROM outbox_events WHERE id > ? ORDER BY id LIMIT ?"),
                        {after, limit});
    if (!q)
        return q.error();
    EventPage page;
    page.lastScanned = after;
    while (q->next()) {
        FeedEvent e = eventFrom(q->value(0).toLongLong(), q->value(1).toString());
        page.lastScanned = e.id;
        if (filter.matches(e))
            page.events << std::move(e);
    }
    return page;
}

Result<qint64> Registry::lastEventId()
{
    const ReadScope reads(*this);
    auto v = m_db->scalar(QStringLiteral("SELECT coalesce(max(id), 0) FROM outbox_events"));
    if (!v)
        return v.error();
    return v->toLongLong();
}

// ---- signing and retry rules ------------------------------------------------------------------------------

QByteArray webhookSignature(const QByteArray &secret, const QString &messageId, qint64 timestamp,
                            const QByteArray &body)
{
    const QByteArray content = messageId.toUtf8() + '.' + QByteArray::number(timestamp) + '.' + body;
    return QByteArrayLiteral("v1,") +
           QMessageAuthenticationCode::hash(content, secret, QCryptographicHash::Sha256).toBase64();
}

QByteArray webhookSecretFromFile(const QByteArray &contents, QString *problem)
{
    QByteArray text = contents;
    if (text.endsWith('\n'))
        text.chop(1);
    if (text.endsWith('\r'))
        text.chop(1);
    QByteArray key = text;
    if (text.startsWith("whsec_")) {
        auto decoded = QByteArray::fromBase64Encoding(text.mid(6), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            *problem = QStringLiteral("The secret starts with whsec_ but the rest is not base64.");
            return {};
        }
        key = *decoded;
    }
    if (key.size() < 16) {
        *problem = QStringLiteral("The secret is %1 bytes; use at least 16 random bytes (e.g. `head -c 32 "
                                  "/dev/urandom > secret`).")
                       .arg(key.size());
        return {};
    }
    if (key.size() > 1024) {
        *problem = QStringLiteral("The secret is %1 bytes; at most 1024 are used as a key.").arg(key.size());
        return {};
    }
    return key;
}

DeliveryDecision decideAfterAttempt(const AttemptResult &attempt, int attemptsSoFar, const RetryPolicy &policy,
                                    double jitter)
{
    using Outcome = DeliveryDecision::Outcome;
    const int code = attempt.statusCode;
    DeliveryDecision d;
    if (code >= 200 && code < 300) {
        d.outcome = Outcome::Delivered;
        return d;
    }
    if (code == 410) {
        d.outcome = Outcome::DisableWebhook;
        d.error = QStringLiteral("the receiver answered 410 Gone: the webhook is disabled");
        return d;
    }
    const bool retryable = code == 0 || code == 408 || code == 429 || code >= 500;
    if (code >= 300 && code < 400)
        d.error = QStringLiteral("HTTP %1: redirects are not followed; point the webhook at the final URL").arg(code);
    else if (code > 0)
        d.error = QStringLiteral("HTTP %1").arg(code);
    else
        d.error = attempt.error;
    const int attempts = attemptsSoFar + 1;
    if (!retryable || attempts >= policy.maxAttempts) {
        d.outcome = Outcome::Failed;
        if (retryable)
            d.error += QStringLiteral(" (gave up after %1 attempts)").arg(attempts);
        return d;
    }
    d.outcome = Outcome::Retry;
    if (attempt.retryAfterSeconds >= 0)
        d.delaySeconds = std::min<double>(attempt.retryAfterSeconds, policy.maxBackoffSeconds);
    else
        d.delaySeconds =
            std::min(policy.maxBackoffSeconds, policy.backoffSeconds * std::pow(2.0, attemptsSoFar)) * jitter;
    return d;
}

// ---- webhooks -------------------------------------------------------------------------------------------

namespace {
QString isoAfter(double seconds)
{
    return QDateTime::currentDateTimeUtc().addMSecs(qint64(seconds * 1000)).toString(Qt::ISODateWithMs);
}

QString isoNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

const QString kWebhookColumns =
    QStringLiteral("w.id, w.url, w.events, w.model, w.active, w.disabled_reason, w.created_at, w.created_by, w.cursor, "
                   "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending'), "
                   "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'delivered'), "
                   "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed'), "
                   "a.started_at, a.status_code, a.error");

// The last attempt of any of the webhook's deliveries.
const QString kWebhookFrom = QStringLiteral(
    " FROM webhooks w LEFT JOIN webhook_attempts a ON a.id = (SELECT max(x.id) FROM webhook_attempts x JOIN "
    "webhook_deliveries d ON d.id = x.delivery_id WHERE d.webhook_id = w.id)");

Webhook webhookFrom(const QSqlQuery &q)
{
    Webhook w;
    w.id = q.value(0).toLongLong();
    w.url = q.value(1).toString();
    w.events = q.value(2).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    w.model = q.value(3).toString();
    w.active = q.value(4).toInt() != 0;
    w.disabledReason = q.value(5).toString();
    w.createdAt = q.value(6).toString();
    w.createdBy = q.value(7).toString();
    w.cursor = q.value(8).toLongLong();
    w.pending = q.value(9).toInt();
    w.delivered = q.value(10).toInt();
    w.failed = q.value(11).toInt();
    w.lastAttemptAt = q.value(12).toString();
    w.lastCode = q.value(13).toInt();
    w.lastError = q.value(14).toString();
    return w;
}

// A webhook's audit entry on SQLite (PostgreSQL's trigger writes the same keys): never the secret.
QJsonObject webhookAuditDetails(const QString &url, const QStringList &events, const QString &model, bool active,
                                const QString &disabledReason)
{
    return {{QStringLiteral("url"), url},
            {QStringLiteral("events"), events.join(QLatin1Char(','))},
            {QStringLiteral("model"), model},
            {QStringLiteral("active"), active},
            {QStringLiteral("disabled_reason"), disabledReason}};
}

Status checkWebhookUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty() || !url.fragment().isEmpty() || text.size() > 2048)
        return Error::invalid(QStringLiteral("'%1' is not a webhook URL: give an absolute http:// or https:// URL with "
                                             "a host and no #fragment (at most 2048 characters).")
                                  .arg(text.left(200)));
    // Every role may list the webhooks: a password in the URL would be readable by all of them.
    if (!url.userInfo().isEmpty())
        return Error::invalid(QStringLiteral("The webhook URL '%1' holds a user name or password, which every "
                                             "registry user could read. Remove it: receivers verify the "
                                             "webhook-signature header instead.")
                                  .arg(url.toString(QUrl::RemoveUserInfo).left(200)));
    if (url.port() == 0)
        return Error::invalid(
            QStringLiteral("The webhook URL '%1' has port 0, which no server listens on.").arg(text.left(200)));
    for (const QChar c : text)
        if (c.category() == QChar::Other_Format || c.category() == QChar::Other_Control || c.isSpace())
            return Error::invalid(
                QStringLiteral("The webhook URL contains an invisible, control or space character "
                               "(U+%1): percent-encode it (e.g. %20 for a space).")
                    .arg(QString::number(uint(c.unicode()), 16).toUpper().rightJustified(4, QLatin1Char('0'))));
    return {};
}
} // namespace

Result<Webhook> Registry::addWebhook(const WebhookSpec &spec)
{
    if (auto s = checkWebhookUrl(spec.url); !s)
        return s.error();
    if (spec.events.isEmpty())
        return Error::invalid(QStringLiteral("A webhook needs --events (e.g. version.promoted,version.rolled_back)."));
    if (spec.secret.size() < 16)
        return Error::invalid(QStringLiteral("A webhook needs a secret of at least 16 bytes (--secret-file)."));
    if (auto s = checkWritable(); !s)
        return s.error();
    auto id = m_db->writeTransaction([&]() -> Result<qint64> {
        if (!spec.model.isEmpty())
            if (auto mid = modelId(spec.model); !mid)
                return mid.error();
        auto cursor = lastEventId();
        if (!cursor)
            return cursor.error();
        // Only what happens from now on is delivered (a new receiver is not flooded with the past).
        auto q = m_db->exec(QStringLiteral("INSERT INTO webhooks (url, events, model, created_at, created_by, cursor) "
                                           "VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                            {spec.url, spec.events.join(QLatin1Char(',')),
                             spec.model.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(spec.model),
                             nowUtc(), m_actor, *cursor});
        if (!q)
            return q.error();
        if (!q->next())
            return Error::database(QStringLiteral("The new webhook returned no id."));
        const qint64 id = q->value(0).toLongLong();
        q->finish();
        if (auto s = m_db->execWrite(QStringLiteral("INSERT INTO webhook_secrets (webhook_id, secret) VALUES (?, ?)"),
                                     {id, spec.secret});
            !s)
            return s.error();
        if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("add_webhook"), QStringLiteral("webhook"),
                                 QString::number(id), webhookAuditDetails(spec.url, spec.events, spec.model, true, {}));
            !s)
            return s.error();
        return id;
    });
    if (!id)
        return id.error();
    return webhook(*id);
}

Result<QByteArray> Registry::webhookSecret(qint64 id)
{
    auto v = m_db->scalar(QStringLiteral("SELECT secret FROM webhook_secrets WHERE webhook_id = ?"), {id});
    if (!v)
        return v.error();
    if (v->isNull())
        return Error::notFound(QStringLiteral("There is no webhook %1. `modelctl webhook list` shows them.").arg(id));
    return v->toByteArray();
}

Result<QList<Webhook>> Registry::webhooks()
{
    auto q = m_db->exec(QStringLiteral("SELECT ") + kWebhookColumns + kWebhookFrom + QStringLiteral(" ORDER BY w.id"));
    if (!q)
        return q.error();
    QList<Webhook> list;
    while (q->next())
        list << webhookFrom(*q);
    return list;
}

Result<Webhook> Registry::webhook(qint64 id)
{
    auto q = m_db->exec(QStringLiteral("SELECT ") + kWebhookColumns + kWebhookFrom + QStringLiteral(" WHERE w.id = ?"),
                        {id});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(QStringLiteral("There is no webhook %1. `modelctl webhook list` shows them.").arg(id));
    return webhookFrom(*q);
}

Status Registry::removeWebhook(qint64 id)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto w = webhook(id);
        if (!w)
            return w.error();
        if (auto q = m_db->execWrite(QStringLiteral("DELETE FROM webhooks WHERE id = ?"), {id}); !q)
            return q.error();
        return appendAudit(*m_db, m_actor, QStringLiteral("remove_webhook"), QStringLiteral("webhook"),
                           QString::number(id),
                           webhookAuditDetails(w->url, w->events, w->model, w->active, w->disabledReason));
    });
}

Status Registry::setWebhookActive(qint64 id, bool active, const QString &reason)
{
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        auto w = webhook(id);
        if (!w)
            return w.error();
        if (w->active == active)
            return {};
        if (auto q = m_db->execWrite(QStringLiteral("UPDATE webhooks SET active = ?, disabled_reason = ? WHERE id = ?"),
                                     {active ? 1 : 0, active ? QString() : reason, id});
            !q)
            return q.error();
        return appendAudit(*m_db, m_actor,
                           active ? QStringLiteral("update_webhook") : QStringLiteral("disable_webhook"),
                           QStringLiteral("webhook"), QString::number(id),
                           webhookAuditDetails(w->url, w->events, w->model, active, active ? QString() : reason));
    });
}

namespace {
const QString kDeliveryColumns =
    QStringLiteral("d.id, d.webhook_id, d.event_id, o.event_type, d.model, d.redelivery_of, d.status, d.attempts, "
                   "d.next_attempt_at, d.delivered_at, d.last_code, d.last_error, d.created_at");

WebhookDelivery deliveryFrom(const QSqlQuery &q)
{
    WebhookDelivery d;
    d.id = q.value(0).toLongLong();
    d.webhookId = q.value(1).toLongLong();
    d.eventId = q.value(2).toLongLong();
    d.eventType = q.value(3).toString();
    d.model = q.value(4).toString();
    d.redeliveryOf = q.value(5).toLongLong();
    d.status = q.value(6).toString();
    d.attempts = q.value(7).toInt();
    d.nextAttemptAt = q.value(8).toString();
    d.deliveredAt = q.value(9).toString();
    d.lastCode = q.value(10).toInt();
    d.lastError = q.value(11).toString();
    d.createdAt = q.value(12).toString();
    return d;
}
} // namespace

Result<QList<WebhookDelivery>> Registry::webhookDeliveries(qint64 webhookId, int limit)
{
    if (auto w = webhook(webhookId); !w)
        return w.error();
    auto q = m_db->exec(QStringLiteral("SELECT ") + kDeliveryColumns +
                            QStringLiteral(" FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id "
                                           "WHERE d.webhook_id = ? ORDER BY d.id DESC LIMIT ?"),
                        {webhookId, limit});
    if (!q)
        return q.error();
    QList<WebhookDelivery> list;
    QHash<qint64, qsizetype> index;
    while (q->next()) {
        index.insert(q->value(0).toLongLong(), list.size());
        list << deliveryFrom(*q);
    }
    if (list.isEmpty())
        return list;
    // The attempts of the listed deliveries, in one query.
    auto a = m_db->exec(QStringLiteral("SELECT a.delivery_id, a.id, a.started_at, a.duration_ms, a.status_code, "
                                       "a.error, a.response, a.deliverer FROM webhook_attempts a JOIN "
                                       "webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = ? AND d.id "
                                       ">= ? ORDER BY a.id"),
                        {webhookId, list.last().id});
    if (!a)
        return a.error();
    while (a->next()) {
        auto it = index.constFind(a->value(0).toLongLong());
        if (it == index.constEnd())
            continue;
        list[*it].attemptLog << WebhookAttempt{a->value(1).toLongLong(), a->value(2).toString(), a->value(3).toInt(),
                                               a->value(4).toInt(),      a->value(5).toString(), a->value(6).toString(),
                                               a->value(7).toString()};
    }
    return list;
}

Result<qint64> Registry::redeliver(qint64 deliveryId)
{
    if (auto s = checkWritable(); !s)
        return s.error();
    return m_db->writeTransaction(
        [&]() -> Result<qint64> {
            auto q =
                m_db->exec(QStringLiteral("SELECT webhook_id, event_id, model FROM webhook_deliveries WHERE id = ?"),
                           {deliveryId});
            if (!q)
                return q.error();
            if (!q->next())
                return Error::notFound(QStringLiteral("There is no delivery %1. `modelctl webhook deliveries ID` lists "
                                                      "a webhook's deliveries.")
                                           .arg(deliveryId));
            const QVariantList row{q->value(0), q->value(1), q->value(2)};
            q->finish();
            auto inserted =
                m_db->exec(QStringLiteral("INSERT INTO webhook_deliveries (webhook_id, event_id, model, redelivery_of, "
                                          "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                           {row.at(0), row.at(1), row.at(2), deliveryId, isoNow(), isoNow()});
            if (!inserted)
                return inserted.error();
            if (!inserted->next())
                return Error::database(QStringLiteral("The redelivery returned no id."));
            return inserted->value(0).toLongLong();
        },
        Database::Lock::None);
}

// ---- the deliverer's side: queue, claim, finish -------------------------------------------------------------

Result<int> Registry::enqueueWebhookDeliveries()
{
    // Only webhooks behind the feed (usually none): a pump with nothing new costs this one statement.
    auto hooks =
        m_db->exec(QStringLiteral("SELECT id, events, model FROM webhooks WHERE active = 1 AND cursor < (SELECT "
                                  "coalesce(max(id), 0) FROM outbox_events) ORDER BY id"));
    if (!hooks)
        return hooks.error();
    struct Hook
    {
        qint64 id;
        QStringList events;
        QString model;
    };
    QList<Hook> list;
    while (hooks->next())
        list << Hook{hooks->value(0).toLongLong(), hooks->value(1).toString().split(QLatin1Char(',')),
                     hooks->value(2).toString()};
    hooks->finish();
    int queued = 0;
    for (const Hook &h : list) {
        auto n = m_db->writeTransaction(
            [&]() -> Result<int> {
                // The webhook's row is the queue's lock: one deliverer at a time advances its cursor.
                auto cursor =
                    m_db->scalar(dialect() == Dialect::Postgres
                                     ? QStringLiteral("SELECT cursor FROM webhooks WHERE id = ? AND active = "
                                                      "1 FOR UPDATE")
                                     : QStringLiteral("SELECT cursor FROM webhooks WHERE id = ? AND active = 1"),
                                 {h.id});
                if (!cursor)
                    return cursor.error();
                if (cursor->isNull())
                    return 0;
                auto last = lastEventId();
                if (!last)
                    return last.error();
                if (*last <= cursor->toLongLong())
                    return 0;
                // Ids are in commit order (007_feed.sql): every event up to `last` is visible now.
                QStringList typeConditions;
                QVariantList binds{h.id, isoNow(), isoNow(), cursor->toLongLong(), *last};
                for (const QString &p : h.events) {
                    if (p == QLatin1String("*")) {
                        typeConditions = {QStringLiteral("1 = 1")};
                        break;
                    }
                    if (p.endsWith(QLatin1String(".*"))) {
                        typeConditions << QStringLiteral("o.event_type LIKE ?");
                        binds << QString(p.chopped(1) + QLatin1Char('%'));
                    } else {
                        typeConditions << QStringLiteral("o.event_type = ?");
                        binds << p;
                    }
                }
                QString sql = QStringLiteral("INSERT INTO webhook_deliveries (webhook_id, event_id, model, "
                                             "next_attempt_at, created_at) SELECT ?, o.id, %1, ?, ? FROM outbox_events "
                                             "o WHERE o.id > ? AND o.id <= ? AND (%2)")
                                  .arg(modelOfPayloadSql(dialect()), typeConditions.join(QStringLiteral(" OR ")));
                if (!h.model.isEmpty()) {
                    sql += QStringLiteral(" AND %1 = ?").arg(modelOfPayloadSql(dialect()));
                    binds << h.model;
                }
                sql += QStringLiteral(" ORDER BY o.id ON CONFLICT (webhook_id, event_id) WHERE redelivery_of IS NULL "
                                      "DO NOTHING");
                auto inserted = m_db->execWrite(sql, binds);
                if (!inserted)
                    return inserted.error();
                if (auto q =
                        m_db->execWrite(QStringLiteral("UPDATE webhooks SET cursor = ? WHERE id = ?"), {*last, h.id});
                    !q)
                    return q.error();
                return *inserted;
            },
            Database::Lock::None);
        if (!n)
            return n.error();
        queued += *n;
    }
    return queued;
}

Result<QList<ClaimedDelivery>> Registry::claimWebhookDeliveries(const QString &claimer, int groups, int runLength,
                                                                int leaseSeconds)
{
    const bool pg = dialect() == Dialect::Postgres;
    auto ids = m_db->writeTransaction(
        [&]() -> Result<QList<qint64>> {
            const QString now = isoNow();
            const QString until = isoAfter(leaseSeconds);
            // The oldest pending delivery of each (webhook, model): events reach a receiver in order per model.
            // On PostgreSQL SKIP LOCKED lets concurrent deliverers pass over rows another is claiming.
            auto heads = m_db->exec(
                QStringLiteral(
                    "UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ? WHERE id IN (SELECT d.id FROM "
                    "webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.active = 1 AND d.status = "
                    "'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until < ?) AND NOT "
                    "EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.model = "
                    "d.model AND e.status = 'pending' AND e.id < d.id) ORDER BY d.id LIMIT ?%1) RETURNING id, "
                    "webhook_id, model")
                    .arg(pg ? QStringLiteral(" FOR UPDATE OF d SKIP LOCKED") : QString()),
                {claimer, until, now, now, groups});
            if (!heads)
                return heads.error();
            struct Head
            {
                qint64 id;
                QVariant webhook;
                QVariant model;
            };
            QList<Head> list;
            while (heads->next())
                list << Head{heads->value(0).toLongLong(), heads->value(1), heads->value(2)};
            heads->finish();
            QList<qint64> claimed;
            for (const Head &h : list) {
                claimed << h.id;
                if (runLength <= 1)
                    continue;
                // The group is ours while we hold its head: the deliveries after it follow in the same claim.
                auto run = m_db->exec(
                    QStringLiteral("UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ? WHERE id IN "
                                   "(SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND model = ? AND status = "
                                   "'pending' AND id > ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY "
                                   "id LIMIT ?) RETURNING id"),
                    {claimer, until, h.webhook, h.model, h.id, now, runLength - 1});
                if (!run)
                    return run.error();
                while (run->next())
                    claimed << run->value(0).toLongLong();
            }
            return claimed;
        },
        Database::Lock::None);
    if (!ids)
        return ids.error();
    QList<ClaimedDelivery> list;
    if (ids->isEmpty())
        return list;
    QStringList marks(ids->size(), QStringLiteral("?"));
    QVariantList binds;
    for (qint64 id : *ids)
        binds << id;
    auto q = m_db->exec(QStringLiteral("SELECT d.id, d.webhook_id, d.event_id, d.attempts, w.url, s.secret, o.payload, "
                                       "d.model FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN "
                                       "webhook_secrets s ON s.webhook_id = w.id JOIN outbox_events o ON o.id = "
                                       "d.event_id WHERE d.id IN (%1) ORDER BY d.id")
                            .arg(marks.join(QLatin1Char(','))),
                        binds);
    if (!q)
        return q.error();
    while (q->next()) {
        ClaimedDelivery c;
        c.id = q->value(0).toLongLong();
        c.webhookId = q->value(1).toLongLong();
        c.eventId = q->value(2).toLongLong();
        c.attempts = q->value(3).toInt();
        c.url = q->value(4).toString();
        c.secret = q->value(5).toByteArray();
        c.body = eventFrom(c.eventId, q->value(6).toString()).body();
        c.model = q->value(7).toString();
        c.messageId = QStringLiteral("evt_%1").arg(c.eventId);
        list << c;
    }
    return list;
}

Status Registry::recordWebhookAttempts(const QString &claimer, const QList<FinishedAttempt> &finished,
                                       const QList<qint64> &release, int leaseSeconds)
{
    using Outcome = DeliveryDecision::Outcome;
    return m_db->writeTransaction(
        [&]() -> Status {
            QList<QVariantList> rows;
            for (const FinishedAttempt &f : finished)
                rows << QVariantList{f.delivery.id,
                                     f.attempt.startedAt,
                                     f.attempt.durationMs,
                                     f.attempt.statusCode > 0 ? QVariant(f.attempt.statusCode)
                                                              : QVariant(QMetaType(QMetaType::Int)),
                                     f.attempt.error,
                                     QString::fromUtf8(f.attempt.response.left(1024)).remove(QChar(0)),
                                     claimer};
            if (auto s = insertRows(QStringLiteral("webhook_attempts"),
                                    {QStringLiteral("delivery_id"), QStringLiteral("started_at"),
                                     QStringLiteral("duration_ms"), QStringLiteral("status_code"),
                                     QStringLiteral("error"), QStringLiteral("response"), QStringLiteral("deliverer")},
                                    rows);
                !s)
                return s;
            // Deliveries with the same outcome are finished by one statement (a run of 200s: one UPDATE). Only the
            // claimer finishes a delivery: one whose lease ran out and was claimed again is the new claimer's (its
            // attempt is still recorded above).
            QMap<QString, QList<const FinishedAttempt *>> byOutcome;
            for (const FinishedAttempt &f : finished)
                byOutcome[QStringLiteral("%1|%2|%3|%4")
                              .arg(int(f.decision.outcome))
                              .arg(f.attempt.statusCode)
                              .arg(f.decision.delaySeconds)
                              .arg(f.decision.error)]
                    << &f;
            for (const auto &same : std::as_const(byOutcome)) {
                const FinishedAttempt &f = *same.first();
                const QString status = f.decision.outcome == Outcome::Delivered ? QStringLiteral("delivered")
                                       : f.decision.outcome == Outcome::Failed  ? QStringLiteral("failed")
                                                                                : QStringLiteral("pending");
                QVariantList binds{status,
                                   isoAfter(f.decision.delaySeconds),
                                   f.decision.outcome == Outcome::Delivered ? QVariant(isoNow())
                                                                            : QVariant(QMetaType(QMetaType::QString)),
                                   f.attempt.statusCode > 0 ? QVariant(f.attempt.statusCode)
                                                            : QVariant(QMetaType(QMetaType::Int)),
                                   f.decision.error,
                                   claimer};
                for (const FinishedAttempt *x : same)
                    binds << x->delivery.id;
                if (auto q = m_db->execWrite(
                        QStringLiteral("UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, "
                                       "next_attempt_at = ?, delivered_at = ?, last_code = ?, last_error = ?, "
                                       "claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND id IN (%1)")
                            .arg(QStringList(same.size(), QStringLiteral("?")).join(QLatin1Char(','))),
                        binds);
                    !q)
                    return q.error();
            }
            if (!release.isEmpty()) {
                QVariantList binds{claimer};
                for (qint64 id : release)
                    binds << id;
                if (auto q = m_db->execWrite(
                        QStringLiteral("UPDATE webhook_deliveries SET claimed_by = NULL, claimed_until = NULL WHERE "
                                       "claimed_by = ? AND id IN (%1)")
                            .arg(QStringList(release.size(), QStringLiteral("?")).join(QLatin1Char(','))),
                        binds);
                    !q)
                    return q.error();
            }
            // What the claimer still holds stays its own for another lease.
            if (auto q = m_db->execWrite(QStringLiteral("UPDATE webhook_deliveries SET claimed_until = ? WHERE "
                                                        "claimed_by = ? AND status = 'pending'"),
                                         {isoAfter(leaseSeconds), claimer});
                !q)
                return q.error();
            QSet<qint64> disabled;
            for (const FinishedAttempt &f : finished) {
                if (f.decision.outcome != Outcome::DisableWebhook || disabled.contains(f.delivery.webhookId))
                    continue;
                disabled.insert(f.delivery.webhookId);
                auto w = webhook(f.delivery.webhookId);
                if (!w)
                    return w.error();
                if (!w->active)
                    continue;
                const QString reason =
                    QStringLiteral("The receiver answered 410 Gone at %1; re-enable with `modelctl webhook enable %2`.")
                        .arg(f.attempt.startedAt)
                        .arg(f.delivery.webhookId);
                if (auto q = m_db->execWrite(
                        QStringLiteral("UPDATE webhooks SET active = 0, disabled_reason = ? WHERE id = ?"),
                        {reason, f.delivery.webhookId});
                    !q)
                    return q.error();
                if (auto s = appendAudit(*m_db, m_actor, QStringLiteral("disable_webhook"), QStringLiteral("webhook"),
                                         QString::number(f.delivery.webhookId),
                                         webhookAuditDetails(w->url, w->events, w->model, false, reason));
                    !s)
                    return s;
            }
            return {};
        },
        Database::Lock::None);
}

Status Registry::finishWebhookDelivery(const ClaimedDelivery &d, const QString &claimer, const AttemptResult &attempt,
                                       const DeliveryDecision &decision)
{
    return recordWebhookAttempts(claimer, {FinishedAttempt{d, attempt, decision}}, {}, 60);
}

Result<QStringList> Registry::webhookClaimers()
{
    auto q =
        m_db->exec(QStringLiteral("SELECT DISTINCT claimed_by FROM webhook_deliveries WHERE claimed_by IS NOT NULL "
                                  "AND status = 'pending'"));
    if (!q)
        return q.error();
    QStringList list;
    while (q->next())
        list << q->value(0).toString();
    return list;
}

Result<int> Registry::releaseWebhookClaims(const QString &claimer)
{
    return m_db->writeTransaction(
        [&]() -> Result<int> {
            return m_db->execWrite(
                QStringLiteral("UPDATE webhook_deliveries SET claimed_by = NULL, claimed_until = NULL "
                               "WHERE claimed_by = ?"),
                {claimer});
        },
        Database::Lock::None);
}

Result<WebhookQueueState> Registry::webhookQueueState()
{
    auto q =
        m_db->exec(QStringLiteral("SELECT count(*), min(d.next_attempt_at) FROM webhook_deliveries d JOIN webhooks "
                                  "w ON w.id = d.webhook_id WHERE w.active = 1 AND d.status = 'pending'"));
    if (!q)
        return q.error();
    WebhookQueueState state;
    if (q->next()) {
        state.pending = q->value(0).toInt();
        state.nextAttemptAt = q->value(1).toString();
    }
    q->finish();
    auto behind = m_db->scalar(QStringLiteral("SELECT count(*) FROM webhooks WHERE active = 1 AND cursor < (SELECT "
                                              "coalesce(max(id), 0) FROM outbox_events)"));
    if (!behind)
        return behind.error();
    state.webhooksBehind = behind->toInt();
    return state;
}

} // namespace md
