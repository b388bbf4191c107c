#include "deliverer.h"

#include "changelistener.h"
#include "registry.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QHostInfo>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>

#include <unistd.h>

namespace md {

namespace {
// Field 22 of /proc/PID/stat: when the process started (clock ticks since boot). With the pid it names one
// process, so a reused pid is not mistaken for a deliverer that died.
QString processStart(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray stat = f.readAll();
    const qsizetype end = stat.lastIndexOf(')');
    if (end < 0)
        return {};
    const QList<QByteArray> fields = stat.mid(end + 2).split(' ');
    return fields.size() > 19 ? QString::fromLatin1(fields.at(19)) : QString();
}

int retryAfterSeconds(const QByteArray &value)
{
    if (value.isEmpty())
        return -1;
    bool ok = false;
    const int seconds = value.trimmed().toInt(&ok);
    if (ok)
        return std::max(0, seconds);
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(value.trimmed()), Qt::RFC2822Date);
    if (!at.isValid())
        return -1;
    return int(std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(at)));
}
} // namespace

QNetworkReply *postSignedEvent(QNetworkAccessManager &nam, const QString &url, const QByteArray &secret,
                               const QString &messageId, const QByteArray &body, int timeoutMs)
{
    QNetworkRequest request{QUrl(url)};
    const qint64 timestamp = QDateTime::currentSecsSinceEpoch();
    const QByteArray signature = webhookSignature(secret, messageId, timestamp, body);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("ModelDesk-Webhooks/1"));
    request.setRawHeader("webhook-id", messageId.toUtf8());
    request.setRawHeader("webhook-timestamp", QByteArray::number(timestamp));
    request.setRawHeader("webhook-signature", signature);
    // MLflow's names for the same values, so receivers written for MLflow's webhooks verify unchanged.
    request.setRawHeader("X-MLflow-Delivery-Id", messageId.toUtf8());
    request.setRawHeader("X-MLflow-Timestamp", QByteArray::number(timestamp));
    request.setRawHeader("X-MLflow-Signature", signature);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(timeoutMs);
    return nam.post(request, body);
}

QNetworkReply *postTestPing(QNetworkAccessManager &nam, const QString &url, const QByteArray &secret, qint64 webhookId,
                            const QString &actor, int timeoutMs, QString *startedAt)
{
    FeedEvent ping;
    ping.type = QStringLiteral("webhook.test");
    ping.at = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    ping.actor = actor;
    ping.data = QJsonObject{{QStringLiteral("webhook"), double(webhookId)}};
    *startedAt = ping.at;
    return postSignedEvent(nam, url, secret,
                           QStringLiteral("test_%1_%2").arg(webhookId).arg(QDateTime::currentMSecsSinceEpoch()),
                           ping.body(), timeoutMs);
}

AttemptResult attemptResultOf(QNetworkReply *reply, const QString &startedAt, qint64 elapsedMs)
{
    AttemptResult r;
    r.startedAt = startedAt;
    r.durationMs = int(elapsedMs);
    r.statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.response = reply->read(1024);
    if (r.statusCode == 0)
        r.error = reply->error() == QNetworkReply::OperationCanceledError
                      ? QStringLiteral("no response within the timeout")
                      : reply->errorString();
    r.retryAfterSeconds = retryAfterSeconds(reply->rawHeader("Retry-After"));
    return r;
}

WebhookDeliverer::WebhookDeliverer(Registry &registry, DelivererOptions options, QObject *parent)
    : QObject(parent), m_registry(registry), m_options(options),
      m_claimer(QStringLiteral("%1:%2:%3")
                    .arg(QHostInfo::localHostName())
                    .arg(QCoreApplication::applicationPid())
                    .arg(processStart(QCoreApplication::applicationPid()))),
      m_nam(std::make_unique<QNetworkAccessManager>())
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &WebhookDeliverer::pump);
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &WebhookDeliverer::flush);
    connect(m_nam.get(), &QNetworkAccessManager::finished, this, &WebhookDeliverer::finished);
}

WebhookDeliverer::~WebhookDeliverer() = default;

void WebhookDeliverer::stop()
{
    m_stopping = true;
    schedule(0);
}

void WebhookDeliverer::fail(const Error &e)
{
    if (!m_error)
        m_error = e;
    if (m_loop)
        m_loop->quit();
}

void WebhookDeliverer::schedule(int delayMs)
{
    if (!m_timer.isActive() || m_timer.remainingTime() > delayMs)
        m_timer.start(std::max(0, delayMs));
}

Result<DeliveryStats> WebhookDeliverer::run()
{
    QEventLoop loop;
    m_loop = &loop;
    m_running.start();
    m_sinceRelease.start();
    releaseDeadClaims();
    if (m_options.mode == DelivererOptions::Mode::Follow) {
        // PostgreSQL: woken by the feed's notification at each commit; SQLite: a cheap poll of data_version.
        m_listener = ChangeListener::start(m_registry, QStringLiteral("modeldesk_events"));
        if (m_listener)
            connect(m_listener.get(), &ChangeListener::changed, this, [this] { schedule(0); });
        connect(&m_watch, &QTimer::timeout, this, [this] {
            const QVariant token = m_registry.changeToken();
            if (token != m_lastSeen) {
                m_lastSeen = token;
                schedule(0);
            }
        });
        m_watch.start(m_listener ? 5000 : 20);
    }
    schedule(0);
    if (!m_error)
        loop.exec();
    m_loop = nullptr;
    m_watch.stop();
    m_timer.stop();
    // Replies still in flight (stop() in follow mode) are abandoned: their claims are released below and the
    // next deliverer sends them again (at least once).
    for (auto it = m_inFlight.begin(); it != m_inFlight.end(); ++it) {
        it.key()->disconnect();
        it.key()->abort();
        it.key()->deleteLater();
    }
    m_inFlight.clear();
    m_queued.clear();
    flush();
    (void)m_registry.releaseWebhookClaims(m_claimer);
    if (m_error)
        return *m_error;
    return m_stats;
}

void WebhookDeliverer::releaseDeadClaims()
{
    auto claimers = m_registry.webhookClaimers();
    if (!claimers)
        return fail(claimers.error());
    const QString host = QHostInfo::localHostName();
    for (const QString &c : *claimers) {
        const QStringList parts = c.split(QLatin1Char(':'));
        if (parts.size() != 3 || parts.at(0) != host || c == m_claimer)
            continue;
        if (processStart(parts.at(1).toLongLong()) == parts.at(2))
            continue; // still running
        if (auto r = m_registry.releaseWebhookClaims(c); !r)
            return fail(r.error());
    }
    m_sinceRelease.restart();
}

void WebhookDeliverer::pump()
{
    if (m_error)
        return;
    if (m_stopping) {
        if (m_loop)
            m_loop->quit();
        return;
    }
    if (m_sinceRelease.elapsed() > 5000)
        releaseDeadClaims();
    const bool claimed = pumpOnce();
    if (m_error || !m_inFlight.isEmpty() || claimed)
        return;
    using Mode = DelivererOptions::Mode;
    if (m_options.mode == Mode::Once) {
        m_loop->quit();
        return;
    }
    auto state = m_registry.webhookQueueState();
    if (!state)
        return fail(state.error());
    if (state->webhooksBehind > 0) {
        schedule(0);
        return;
    }
    if (m_options.mode == Mode::Drain &&
        (state->pending == 0 ||
         (m_options.maxRunSeconds > 0 && m_running.elapsed() > qint64(m_options.maxRunSeconds) * 1000))) {
        m_loop->quit();
        return;
    }
    // Wake for the earliest retry (or, in follow mode, for the next commit, or a poll each second).
    int delay = m_options.mode == Mode::Follow ? 1000 : 200;
    if (!state->nextAttemptAt.isEmpty()) {
        const QDateTime next = QDateTime::fromString(state->nextAttemptAt, Qt::ISODateWithMs);
        if (next.isValid())
            delay = int(std::clamp<qint64>(QDateTime::currentDateTimeUtc().msecsTo(next), 10, delay));
    }
    schedule(delay);
}

namespace {
QString groupOf(const ClaimedDelivery &d)
{
    return QString::number(d.webhookId) + QLatin1Char('|') + d.model;
}
} // namespace

bool WebhookDeliverer::pumpOnce()
{
    flush();
    if (m_error)
        return false;
    auto queued = m_registry.enqueueWebhookDeliveries();
    if (!queued) {
        fail(queued.error());
        return false;
    }
    const int free = m_options.concurrency - int(m_inFlight.size());
    if (free <= 0)
        return false;
    auto claimed = m_registry.claimWebhookDeliveries(m_claimer, free, m_options.runLength, lease());
    if (!claimed) {
        fail(claimed.error());
        return false;
    }
    QStringList started;
    for (const ClaimedDelivery &d : *claimed) {
        const QString group = groupOf(d);
        if (!m_queued.contains(group))
            started << group;
        m_queued[group] << d;
    }
    for (const QString &group : started)
        send(m_queued[group].takeFirst());
    return !claimed->isEmpty();
}

int WebhookDeliverer::lease() const
{
    // Long enough for a whole run of requests that each take the full timeout.
    return m_options.timeoutMs / 1000 * std::max(1, m_options.runLength) + 30;
}

void WebhookDeliverer::send(const ClaimedDelivery &d)
{
    InFlight f{d, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs), {}};
    f.clock.start();
    QNetworkReply *reply = postSignedEvent(*m_nam, d.url, d.secret, d.messageId, d.body, m_options.timeoutMs);
    m_inFlight.insert(reply, f);
}

void WebhookDeliverer::flush()
{
    m_flushTimer.stop();
    if (m_finished.isEmpty() && m_release.isEmpty())
        return;
    const QList<FinishedAttempt> finished = std::exchange(m_finished, {});
    const QList<qint64> release = std::exchange(m_release, {});
    if (auto s = m_registry.recordWebhookAttempts(m_claimer, finished, release, lease()); !s)
        return fail(s.error());
    for (const FinishedAttempt &f : finished)
        emit attempted(f.delivery, f.attempt, f.decision);
}

void WebhookDeliverer::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    auto it = m_inFlight.find(reply);
    if (it == m_inFlight.end())
        return;
    const InFlight f = *it;
    m_inFlight.erase(it);
    const AttemptResult attempt = attemptResultOf(reply, f.startedAt, f.clock.elapsed());
    const double jitter = 0.8 + QRandomGenerator::global()->bounded(0.4);
    const DeliveryDecision decision = decideAfterAttempt(attempt, f.delivery.attempts, m_options.retry, jitter);
    m_finished << FinishedAttempt{f.delivery, attempt, decision};
    ++m_stats.attempts;
    using Outcome = DeliveryDecision::Outcome;
    switch (decision.outcome) {
    case Outcome::Delivered:
        ++m_stats.delivered;
        break;
    case Outcome::Retry:
        ++m_stats.retried;
        break;
    case Outcome::Failed:
        ++m_stats.failed;
        break;
    case Outcome::DisableWebhook:
        ++m_stats.disabled;
        break;
    }
    // The group goes on while its deliveries are done with (delivered, or failed for good); a retry or a
    // disabled webhook stops it, and the rest of its claims are released (in order, they wait for this one).
    const QString group = groupOf(f.delivery);
    QList<ClaimedDelivery> &rest = m_queued[group];
    const bool goOn = decision.outcome == Outcome::Delivered || decision.outcome == Outcome::Failed;
    if (goOn && !rest.isEmpty() && !m_stopping && !m_error) {
        send(rest.takeFirst());
        if (m_finished.size() >= m_options.recordEvery)
            flush();
        else if (!m_flushTimer.isActive())
            m_flushTimer.start(20);
        return;
    }
    for (const ClaimedDelivery &d : rest)
        m_release << d.id;
    m_queued.remove(group);
    flush();
    schedule(0);
}

} // namespace md
