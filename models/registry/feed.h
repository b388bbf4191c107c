#pragma once

// The change feed (the outbox the database writes, 007_feed.sql) and the webhooks that deliver it. The
// event schema is the README's "Change feed": {id, type, at, actor, model, version, data}.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace md {

struct FeedEvent
{
    qint64 id = 0;
    QString type;
    QString at;
    QString actor;
    QString model;   // empty for registry-wide events (a registry-wide policy)
    int version = 0; // 0 when the event is not about one version
    QJsonObject data;

    QJsonObject toJson() const;
    // The JSON a webhook receives and `modelctl watch --json` prints: compact, keys sorted.
    QByteArray body() const;
};

// The event types the registry writes, in the README's order.
const QStringList &knownEventTypes();
// "version.promoted", "version.*" or "*"; an empty list matches every type.
bool eventTypeMatches(const QStringList &patterns, const QString &type);
// Checks a comma-separated --events / --types list: every entry a known type, "PREFIX.*" of a known one, or "*".
bool parseEventPatterns(const QString &text, QStringList *patterns, QString *problem);

struct EventFilter
{
    QStringList types; // patterns, see eventTypeMatches
    QString model;     // empty: every model
    bool matches(const FeedEvent &e) const;
};

struct EventPage
{
    QList<FeedEvent> events; // matching the filter, in id order
    qint64 lastScanned = 0;  // the last id read (matching or not): where the next page starts
};

struct Webhook
{
    qint64 id = 0;
    QString url;
    QStringList events;
    QString model; // empty: every model
    bool active = true;
    QString disabledReason;
    QString createdAt;
    QString createdBy;
    qint64 cursor = 0;
    // Delivery summary.
    int pending = 0;
    int delivered = 0;
    int failed = 0;
    QString lastAttemptAt;
    int lastCode = 0; // HTTP status of the last attempt, 0: no response
    QString lastError;
};

struct WebhookSpec
{
    QString url;
    QStringList events;
    QString model;
    QByteArray secret; // the HMAC key (raw bytes)
};

struct WebhookAttempt
{
    qint64 id = 0;
    QString startedAt;
    int durationMs = 0;
    int statusCode = 0; // 0: no response (connection error, timeout)
    QString error;
    QString response; // the first KB of the response body
    QString deliverer;
};

struct WebhookDelivery
{
    qint64 id = 0;
    qint64 webhookId = 0;
    qint64 eventId = 0;
    QString eventType;
    QString model;
    qint64 redeliveryOf = 0;
    QString status; // pending, delivered, failed
    int attempts = 0;
    QString nextAttemptAt;
    QString deliveredAt;
    int lastCode = 0;
    QString lastError;
    QString createdAt;
    QList<WebhookAttempt> attemptLog;
};

// A delivery a deliverer has claimed: what it sends.
struct ClaimedDelivery
{
    qint64 id = 0;
    qint64 webhookId = 0;
    qint64 eventId = 0;
    QString model;    // with the webhook, the group whose deliveries go in order
    int attempts = 0; // before this one
    QString url;
    QByteArray secret;
    QByteArray body;
    QString messageId; // webhook-id: the same for every attempt and redelivery of the event
};

// The outcome of one attempt, as the deliverer saw it.
struct AttemptResult
{
    QString startedAt;
    int durationMs = 0;
    int statusCode = 0;
    QString error;
    QByteArray response;
    int retryAfterSeconds = -1; // from Retry-After; -1 when absent
};

// What a deliverer has left to do: pending deliveries of active webhooks (the earliest due time), and active
// webhooks whose queue is behind the feed.
struct WebhookQueueState
{
    int pending = 0;
    QString nextAttemptAt;
    int webhooksBehind = 0;
};

// What to do after an attempt: the retry rules in one place (feed.cpp).
struct RetryPolicy
{
    int maxAttempts = 8;
    double backoffSeconds = 5.0;     // the first retry's delay; doubles with each attempt
    double maxBackoffSeconds = 3600; // and Retry-After is capped here too
};

struct DeliveryDecision
{
    enum class Outcome
    {
        Delivered,
        Retry,
        Failed,        // given up: attempts exhausted or a response that retrying cannot change
        DisableWebhook // 410 Gone: the receiver asked to stop
    };
    Outcome outcome = Outcome::Retry;
    double delaySeconds = 0; // Retry: when to try again
    QString error;           // what the delivery log says
};
// An attempt and its outcome, waiting to be recorded (Registry::recordWebhookAttempts).
struct FinishedAttempt
{
    ClaimedDelivery delivery;
    AttemptResult attempt;
    DeliveryDecision decision;
};

DeliveryDecision decideAfterAttempt(const AttemptResult &attempt, int attemptsSoFar, const RetryPolicy &policy,
                                    double jitter);

// Standard Webhooks signature: "v1," + base64(HMAC-SHA256(secret, "id.timestamp.body")).
QByteArray webhookSignature(const QByteArray &secret, const QString &messageId, qint64 timestamp,
                            const QByteArray &body);
// The key of a --secret-file's contents: "whsec_BASE64" decodes (Standard Webhooks), else the bytes as they are
// (one trailing newline dropped). Empty with `problem` set when it is unusable.
QByteArray webhookSecretFromFile(const QByteArray &contents, QString *problem);

} // namespace md
