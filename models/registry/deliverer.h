#pragma once

// Delivers the change feed to webhooks (QNetworkAccessManager), as `modelctl webhook deliver` runs it. At least
// once and in event order per webhook and model: a delivery is claimed in the database before it is sent and
// finished after, so a deliverer killed at any moment leaves claims that the next one on the host releases (the
// claimer's process is gone) or that expire. Several deliverers share the queue without sending an event twice
// to one endpoint (claims: feed.cpp).

#include "feed.h"
#include "result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QEventLoop;

namespace md {

class Registry;
class ChangeListener;

struct DelivererOptions
{
    enum class Mode
    {
        Once,  // what is due now, then exit
        Drain, // until no delivery is pending (waits for retries)
        Follow // until stop(): new events are delivered as they commit
    };
    Mode mode = Mode::Once;
    int timeoutMs = 10000; // per request
    int concurrency = 8;   // requests in flight (one per webhook and model at a time)
    int runLength = 32;    // deliveries of one webhook and model claimed together, sent one after another
    int recordEvery = 16;  // attempts recorded in one transaction (also after 20 ms, and when a run ends)
    RetryPolicy retry;
    int maxRunSeconds = 0; // Drain: stop after this long (0: no limit)
};

struct DeliveryStats
{
    int attempts = 0;
    int delivered = 0;
    int retried = 0;
    int failed = 0;
    int disabled = 0;
};

// Sends one signed POST (Standard Webhooks and MLflow's header names); the reply is the caller's.
QNetworkReply *postSignedEvent(QNetworkAccessManager &nam, const QString &url, const QByteArray &secret,
                               const QString &messageId, const QByteArray &body, int timeoutMs);
// `webhook test`: a signed ping in the feed's envelope (type webhook.test, id 0; not queued, not retried). *startedAt
// is set to when it was sent, for attemptResultOf.
QNetworkReply *postTestPing(QNetworkAccessManager &nam, const QString &url, const QByteArray &secret, qint64 webhookId,
                            const QString &actor, int timeoutMs, QString *startedAt);
// What a finished reply says, for the delivery log.
AttemptResult attemptResultOf(QNetworkReply *reply, const QString &startedAt, qint64 elapsedMs);

class WebhookDeliverer final : public QObject
{
    Q_OBJECT
public:
    WebhookDeliverer(Registry &registry, DelivererOptions options, QObject *parent = nullptr);
    ~WebhookDeliverer() override;

    // Runs an event loop until the mode's end (or stop()). Fails on the first database error.
    Result<DeliveryStats> run();
    void stop();
    // host:pid:process-start: how this deliverer's claims are named.
    const QString &claimer() const { return m_claimer; }

signals:
    void attempted(const md::ClaimedDelivery &delivery, const md::AttemptResult &attempt,
                   const md::DeliveryDecision &decision);

private:
    void schedule(int delayMs);
    void pump();
    bool pumpOnce();
    void send(const ClaimedDelivery &d);
    void finished(QNetworkReply *reply);
    // Records the finished attempts and releases claims no longer needed, in one transaction.
    void flush();
    void releaseDeadClaims();
    int lease() const;
    void fail(const Error &e);

    Registry &m_registry;
    DelivererOptions m_options;
    QString m_claimer;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<ChangeListener> m_listener;
    QEventLoop *m_loop = nullptr;
    QTimer m_timer;      // the next pump
    QTimer m_watch;      // SQLite: polls for commits of other processes
    QVariant m_lastSeen; // SQLite: the change token last polled
    QElapsedTimer m_running;
    QElapsedTimer m_sinceRelease;
    struct InFlight
    {
        ClaimedDelivery delivery;
        QString startedAt;
        QElapsedTimer clock;
    };
    QHash<QNetworkReply *, InFlight> m_inFlight;
    // The claimed deliveries of each (webhook, model) not sent yet, in order; one of each group is in flight.
    QHash<QString, QList<ClaimedDelivery>> m_queued;
    QList<FinishedAttempt> m_finished;
    QList<qint64> m_release;
    QTimer m_flushTimer;
    DeliveryStats m_stats;
    std::optional<Error> m_error;
    bool m_stopping = false;
};

} // namespace md
