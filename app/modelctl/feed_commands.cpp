// modelctl watch and modelctl webhook: the change feed, and its delivery to webhooks.

#include "cli.h"

#include "registry/changelistener.h"
#include "registry/deliverer.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace md::cli {

namespace {

QString versionLabel(const QString &model, int version)
{
    if (model.isEmpty())
        return QStringLiteral("-");
    return version > 0 ? QStringLiteral("%1@v%2").arg(model).arg(version) : model;
}

// ---- watch ----------------------------------------------------------------------------------------------

void setupWatch(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("after"),
                 QStringLiteral("Print the events after this id (the last id you saw: nothing is skipped or "
                                "repeated). Default: from now on; with --no-follow, from the start."),
                 QStringLiteral("ID")});
    p.addOption({QStringLiteral("types"),
                 QStringLiteral("Only these event types, comma-separated (version.promoted, version.*, ...)."),
                 QStringLiteral("T,...")});
    p.addOption({QStringLiteral("model"), QStringLiteral("Only events about this model."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("no-follow"), QStringLiteral("Print the events that exist and exit.")});
}

int runWatch(Context &ctx)
{
    if (!ctx.args.positionalArguments().isEmpty())
        return ctx.usage(QStringLiteral("watch takes no arguments: modelctl watch [--after ID] [--types T,...] "
                                        "[--model NAME] [--no-follow] [--json]"));
    EventFilter filter;
    if (ctx.args.isSet(QStringLiteral("types"))) {
        QString problem;
        if (!parseEventPatterns(ctx.args.value(QStringLiteral("types")), &filter.types, &problem))
            return ctx.usage(problem);
    }
    filter.model = ctx.args.value(QStringLiteral("model"));
    const bool follow = !ctx.args.isSet(QStringLiteral("no-follow"));
    qint64 after = 0;
    if (ctx.args.isSet(QStringLiteral("after"))) {
        bool ok = false;
        after = ctx.args.value(QStringLiteral("after")).toLongLong(&ok);
        if (!ok || after < 0)
            return ctx.usage(QStringLiteral("--after takes an event id (a number, 0 for the start)."));
    }
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Registry *registry = *r;
    if (!filter.model.isEmpty())
        if (auto m = registry->model(filter.model); !m)
            return ctx.fail(m.error());
    if (follow && !ctx.args.isSet(QStringLiteral("after"))) {
        auto last = registry->lastEventId();
        if (!last)
            return ctx.fail(last.error());
        after = *last;
    }
    constexpr int kPage = 500;
    std::unique_ptr<ChangeListener> listener;
    if (follow)
        listener = ChangeListener::start(*registry, QStringLiteral("modeldesk_events"));
    QVariant lastToken;
    for (;;) {
        auto page = registry->events(after, kPage, filter);
        if (!page)
            return ctx.fail(page.error());
        for (const FeedEvent &e : page->events) {
            if (ctx.json)
                ctx.out << QString::fromUtf8(e.body()) << Qt::endl;
            else
                ctx.out << '#' << e.id << ' ' << e.at << ' ' << e.actor << ' ' << e.type << ' '
                        << versionLabel(e.model, e.version) << ' '
                        << QString::fromUtf8(QJsonDocument(e.data).toJson(QJsonDocument::Compact)) << Qt::endl;
        }
        if (ctx.out.status() != QTextStream::Ok)
            return ExitFailure; // the reader went away
        const bool full = page->lastScanned - after >= kPage;
        after = page->lastScanned;
        if (full)
            continue;
        if (!follow)
            return ExitOk;
        // Wait for a commit: PostgreSQL notifies; SQLite's data_version is polled (another process's commit
        // changes it). A poll every 2 s on PostgreSQL covers a listener whose connection dropped.
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            const QVariant token = registry->changeToken();
            if (!token.isValid() || token != lastToken) {
                lastToken = token;
                loop.quit();
            }
        });
        if (listener)
            QObject::connect(listener.get(), &ChangeListener::changed, &loop, [&] {
                // The notification comes from the primary; a replica may not have replayed the commit yet, so the
                // next read waits for the primary's position now (or reads the primary).
                if (registry->hasReplica())
                    if (auto position = registry->primaryPosition(); position)
                        registry->readAfter(*position);
                loop.quit();
            });
        poll.start(listener ? 2000 : 50);
        loop.exec();
    }
}

// ---- webhook ----------------------------------------------------------------------------------------------

void setupWebhook(QCommandLineParser &p)
{
    p.addPositionalArgument(
        QStringLiteral("ACTION"),
        QStringLiteral("add URL | list | rm ID | enable ID | disable ID | test ID | deliveries ID | redeliver "
                       "DELIVERY | deliver"),
        QStringLiteral("ACTION [ARG]"));
    p.addOption({QStringLiteral("events"),
                 QStringLiteral("add: the event types to deliver, comma-separated (version.promoted, version.*, *)."),
                 QStringLiteral("T,...")});
    p.addOption(
        {QStringLiteral("model"), QStringLiteral("add: only events about this model."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("secret-file"),
                 QStringLiteral("add: a file with the signing secret (raw bytes, or whsec_BASE64), at least 16 bytes."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("limit"), QStringLiteral("deliveries: how many (default 20)."), QStringLiteral("N"),
                 QStringLiteral("20")});
    p.addOption({QStringLiteral("follow"), QStringLiteral("deliver: keep running, delivering events as they commit.")});
    p.addOption({QStringLiteral("drain"),
                 QStringLiteral("deliver: run until nothing is pending (waits for retries) instead of exiting when "
                                "nothing is due.")});
    p.addOption({QStringLiteral("timeout"), QStringLiteral("deliver, test: seconds per request (default 10)."),
                 QStringLiteral("S"), QStringLiteral("10")});
    p.addOption({QStringLiteral("concurrency"), QStringLiteral("deliver: requests in flight (default 8)."),
                 QStringLiteral("N"), QStringLiteral("8")});
    p.addOption({QStringLiteral("max-attempts"), QStringLiteral("deliver: attempts before giving up (default 8)."),
                 QStringLiteral("N"), QStringLiteral("8")});
    p.addOption({QStringLiteral("backoff"),
                 QStringLiteral("deliver: seconds before the first retry, doubling each time (default 5)."),
                 QStringLiteral("S"), QStringLiteral("5")});
}

QJsonObject webhookJson(const Webhook &w)
{
    return {{QStringLiteral("id"), double(w.id)},
            {QStringLiteral("url"), w.url},
            {QStringLiteral("events"), QJsonArray::fromStringList(w.events)},
            {QStringLiteral("model"), w.model.isEmpty() ? QJsonValue() : QJsonValue(w.model)},
            {QStringLiteral("active"), w.active},
            {QStringLiteral("disabled_reason"), w.disabledReason},
            {QStringLiteral("created_at"), w.createdAt},
            {QStringLiteral("created_by"), w.createdBy},
            {QStringLiteral("pending"), w.pending},
            {QStringLiteral("delivered"), w.delivered},
            {QStringLiteral("failed"), w.failed},
            {QStringLiteral("last_attempt_at"), w.lastAttemptAt},
            {QStringLiteral("last_code"), w.lastCode},
            {QStringLiteral("last_error"), w.lastError}};
}

QJsonObject deliveryJson(const WebhookDelivery &d)
{
    QJsonArray attempts;
    for (const WebhookAttempt &a : d.attemptLog)
        attempts << QJsonObject{
            {QStringLiteral("started_at"), a.startedAt},   {QStringLiteral("duration_ms"), a.durationMs},
            {QStringLiteral("status_code"), a.statusCode}, {QStringLiteral("error"), a.error},
            {QStringLiteral("response"), a.response},      {QStringLiteral("deliverer"), a.deliverer}};
    return {{QStringLiteral("id"), double(d.id)},
            {QStringLiteral("webhook"), double(d.webhookId)},
            {QStringLiteral("event"), double(d.eventId)},
            {QStringLiteral("type"), d.eventType},
            {QStringLiteral("model"), d.model},
            {QStringLiteral("redelivery_of"), d.redeliveryOf > 0 ? QJsonValue(double(d.redeliveryOf)) : QJsonValue()},
            {QStringLiteral("status"), d.status},
            {QStringLiteral("attempts"), d.attempts},
            {QStringLiteral("next_attempt_at"), d.status == QLatin1String("pending") ? d.nextAttemptAt : QString()},
            {QStringLiteral("delivered_at"), d.deliveredAt},
            {QStringLiteral("last_code"), d.lastCode},
            {QStringLiteral("last_error"), d.lastError},
            {QStringLiteral("attempt_log"), attempts}};
}

Result<qint64> idArgument(const QStringList &pos, const QString &what)
{
    bool ok = false;
    const qint64 id = pos.size() == 2 ? pos.at(1).toLongLong(&ok) : 0;
    if (!ok || id <= 0)
        return Error::invalid(
            QStringLiteral("webhook %1 takes one %2 id: modelctl webhook %1 ID").arg(pos.first(), what));
    return id;
}

Result<int> positiveOption(Context &ctx, const QString &name, int max)
{
    bool ok = false;
    const int n = ctx.args.value(name).toInt(&ok);
    if (!ok || n < 1 || n > max)
        return Error::invalid(QStringLiteral("--%1 takes a number from 1 to %2.").arg(name).arg(max));
    return n;
}

int runWebhookAdd(Context &ctx, Registry &registry, const QStringList &pos)
{
    if (pos.size() != 2)
        return ctx.usage(QStringLiteral("webhook add takes the receiver's URL: modelctl webhook add URL --events T,... "
                                        "--secret-file FILE [--model NAME]"));
    WebhookSpec spec;
    spec.url = pos.at(1);
    QString problem;
    if (!ctx.args.isSet(QStringLiteral("events")))
        return ctx.usage(QStringLiteral("webhook add needs --events (e.g. version.promoted,version.rolled_back)."));
    if (!parseEventPatterns(ctx.args.value(QStringLiteral("events")), &spec.events, &problem))
        return ctx.usage(problem);
    spec.model = ctx.args.value(QStringLiteral("model"));
    if (!ctx.args.isSet(QStringLiteral("secret-file")))
        return ctx.usage(QStringLiteral("webhook add needs --secret-file FILE: the receiver verifies signatures with "
                                        "it (e.g. `head -c 32 /dev/urandom > secret`)."));
    QFile f(ctx.args.value(QStringLiteral("secret-file")));
    if (!f.open(QIODevice::ReadOnly))
        return ctx.usage(QStringLiteral("Cannot read the secret file %1: %2.").arg(f.fileName(), f.errorString()));
    spec.secret = webhookSecretFromFile(f.read(64 * 1024), &problem);
    if (spec.secret.isEmpty())
        return ctx.usage(problem);
    auto w = registry.addWebhook(spec);
    if (!w)
        return ctx.fail(w.error());
    if (ctx.json)
        return ctx.printJson(webhookJson(*w));
    ctx.out << "webhook " << w->id << ": " << w->url << " receives " << w->events.join(QLatin1Char(','))
            << (w->model.isEmpty() ? QString() : QStringLiteral(" of %1").arg(w->model)) << " from event "
            << w->cursor + 1 << " on; run `modelctl webhook deliver --follow` to deliver." << Qt::endl;
    return ExitOk;
}

int runWebhookList(Context &ctx, Registry &registry)
{
    auto list = registry.webhooks();
    if (!list)
        return ctx.fail(list.error());
    if (ctx.json) {
        QJsonArray a;
        for (const Webhook &w : *list)
            a << webhookJson(w);
        return ctx.printJson({{QStringLiteral("webhooks"), a}});
    }
    QList<QStringList> rows;
    for (const Webhook &w : *list)
        rows << QStringList{QString::number(w.id),
                            w.url,
                            w.events.join(QLatin1Char(',')),
                            w.model.isEmpty() ? QStringLiteral("*") : w.model,
                            w.active ? QStringLiteral("active") : QStringLiteral("DISABLED"),
                            QStringLiteral("%1/%2/%3").arg(w.delivered).arg(w.pending).arg(w.failed),
                            w.lastAttemptAt.isEmpty()
                                ? QStringLiteral("-")
                                : QStringLiteral("%1 %2").arg(w.lastAttemptAt, w.lastCode > 0
                                                                                   ? QString::number(w.lastCode)
                                                                                   : w.lastError.left(40))};
    printTable(ctx.out,
               {QStringLiteral("ID"), QStringLiteral("URL"), QStringLiteral("EVENTS"), QStringLiteral("MODEL"),
                QStringLiteral("STATE"), QStringLiteral("DELIVERED/PENDING/FAILED"), QStringLiteral("LAST ATTEMPT")},
               rows);
    ctx.out.flush(); // the notes below go to stderr, after the table
    for (const Webhook &w : *list)
        if (!w.active)
            ctx.err << "webhook " << w.id << " is disabled: " << w.disabledReason << Qt::endl;
    return ExitOk;
}

int runWebhookTest(Context &ctx, Registry &registry, qint64 id)
{
    auto timeout = positiveOption(ctx, QStringLiteral("timeout"), 300);
    if (!timeout)
        return ctx.fail(timeout.error());
    auto w = registry.webhook(id);
    if (!w)
        return ctx.fail(w.error());
    auto secret = registry.webhookSecret(id);
    if (!secret)
        return ctx.fail(secret.error());
    QNetworkAccessManager nam;
    QElapsedTimer clock;
    clock.start();
    QString started;
    QNetworkReply *reply = postTestPing(nam, w->url, *secret, id, registry.actor(), *timeout * 1000, &started);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const AttemptResult a = attemptResultOf(reply, started, clock.elapsed());
    reply->deleteLater();
    const bool ok = a.statusCode >= 200 && a.statusCode < 300;
    if (ctx.json)
        ctx.printJson({{QStringLiteral("webhook"), double(id)},
                       {QStringLiteral("ok"), ok},
                       {QStringLiteral("status_code"), a.statusCode},
                       {QStringLiteral("duration_ms"), a.durationMs},
                       {QStringLiteral("error"), a.error},
                       {QStringLiteral("response"), QString::fromUtf8(a.response)}});
    else if (a.statusCode > 0)
        ctx.out << "webhook " << id << ": " << w->url << " answered HTTP " << a.statusCode << " in " << a.durationMs
                << " ms" << (ok ? "" : " (not 2xx: deliveries would be retried or fail)") << Qt::endl;
    else
        ctx.out << "webhook " << id << ": " << w->url << " did not answer: " << a.error << Qt::endl;
    return ok ? ExitOk : ExitConflict;
}

int runWebhookDeliveries(Context &ctx, Registry &registry, qint64 id)
{
    auto limit = positiveOption(ctx, QStringLiteral("limit"), 10000);
    if (!limit)
        return ctx.fail(limit.error());
    auto list = registry.webhookDeliveries(id, *limit);
    if (!list)
        return ctx.fail(list.error());
    if (ctx.json) {
        QJsonArray a;
        for (const WebhookDelivery &d : *list)
            a << deliveryJson(d);
        return ctx.printJson({{QStringLiteral("webhook"), double(id)}, {QStringLiteral("deliveries"), a}});
    }
    QList<QStringList> rows;
    for (const WebhookDelivery &d : *list)
        rows << QStringList{QString::number(d.id),
                            QString::number(d.eventId),
                            d.eventType,
                            d.model.isEmpty() ? QStringLiteral("-") : d.model,
                            d.status,
                            QString::number(d.attempts),
                            d.lastCode > 0 ? QString::number(d.lastCode) : d.lastError.left(40),
                            d.status == QLatin1String("delivered") ? d.deliveredAt
                            : d.status == QLatin1String("pending") ? QStringLiteral("next ") + d.nextAttemptAt
                                                                   : QString()};
    printTable(ctx.out,
               {QStringLiteral("DELIVERY"), QStringLiteral("EVENT"), QStringLiteral("TYPE"), QStringLiteral("MODEL"),
                QStringLiteral("STATUS"), QStringLiteral("ATTEMPTS"), QStringLiteral("LAST"), QStringLiteral("WHEN")},
               rows);
    return ExitOk;
}

int runWebhookDeliver(Context &ctx, Registry &registry)
{
    DelivererOptions options;
    options.mode = ctx.args.isSet(QStringLiteral("follow"))  ? DelivererOptions::Mode::Follow
                   : ctx.args.isSet(QStringLiteral("drain")) ? DelivererOptions::Mode::Drain
                                                             : DelivererOptions::Mode::Once;
    auto timeout = positiveOption(ctx, QStringLiteral("timeout"), 300);
    auto concurrency = positiveOption(ctx, QStringLiteral("concurrency"), 64);
    auto attempts = positiveOption(ctx, QStringLiteral("max-attempts"), 100);
    for (const auto *r : {&timeout, &concurrency, &attempts})
        if (!*r)
            return ctx.fail(r->error());
    bool ok = false;
    const double backoff = ctx.args.value(QStringLiteral("backoff")).toDouble(&ok);
    if (!ok || !(backoff >= 0.01 && backoff <= 3600))
        return ctx.usage(QStringLiteral("--backoff takes seconds from 0.01 to 3600."));
    options.timeoutMs = *timeout * 1000;
    options.concurrency = *concurrency;
    options.retry.maxAttempts = *attempts;
    options.retry.backoffSeconds = backoff;
    WebhookDeliverer deliverer(registry, options);
    if (!ctx.json)
        QObject::connect(&deliverer, &WebhookDeliverer::attempted,
                         [&ctx](const ClaimedDelivery &d, const AttemptResult &a, const DeliveryDecision &decision) {
                             using O = DeliveryDecision::Outcome;
                             ctx.err << "webhook " << d.webhookId << " event " << d.eventId << ": "
                                     << (a.statusCode > 0 ? QStringLiteral("HTTP %1").arg(a.statusCode) : a.error)
                                     << " in " << a.durationMs << " ms, "
                                     << (decision.outcome == O::Delivered ? QStringLiteral("delivered")
                                         : decision.outcome == O::Retry
                                             ? QStringLiteral("retry in %1 s").arg(decision.delaySeconds, 0, 'f', 1)
                                         : decision.outcome == O::Failed ? QStringLiteral("failed: ") + decision.error
                                                                         : decision.error)
                                     << Qt::endl;
                         });
    auto stats = deliverer.run();
    if (!stats)
        return ctx.fail(stats.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("attempts"), stats->attempts},
                              {QStringLiteral("delivered"), stats->delivered},
                              {QStringLiteral("retried"), stats->retried},
                              {QStringLiteral("failed"), stats->failed},
                              {QStringLiteral("disabled"), stats->disabled}});
    ctx.out << stats->delivered << " delivered, " << stats->retried << " to retry, " << stats->failed << " failed, "
            << stats->disabled << " webhooks disabled (" << stats->attempts << " attempts)." << Qt::endl;
    return ExitOk;
}

int runWebhook(Context &ctx)
{
    const QStringList pos = ctx.args.positionalArguments();
    const QStringList actions{QStringLiteral("add"),        QStringLiteral("list"),      QStringLiteral("rm"),
                              QStringLiteral("enable"),     QStringLiteral("disable"),   QStringLiteral("test"),
                              QStringLiteral("deliveries"), QStringLiteral("redeliver"), QStringLiteral("deliver")};
    if (pos.isEmpty() || !actions.contains(pos.first()))
        return ctx.usage(QStringLiteral("webhook takes an action: add URL --events T,... --secret-file FILE | list | "
                                        "rm ID | enable ID | disable ID | test ID | deliveries ID | redeliver "
                                        "DELIVERY | deliver [--follow|--drain]"));
    const QString action = pos.first();
    auto r = ctx.registry();
    if (!r)
        return ctx.fail(r.error());
    Registry &registry = **r;
    if (action == QLatin1String("add"))
        return runWebhookAdd(ctx, registry, pos);
    if (action == QLatin1String("list"))
        return runWebhookList(ctx, registry);
    if (action == QLatin1String("deliver")) {
        if (pos.size() != 1)
            return ctx.usage(QStringLiteral("webhook deliver takes no arguments."));
        return runWebhookDeliver(ctx, registry);
    }
    auto id =
        idArgument(pos, action == QLatin1String("redeliver") ? QStringLiteral("delivery") : QStringLiteral("webhook"));
    if (!id)
        return ctx.fail(id.error());
    if (action == QLatin1String("test"))
        return runWebhookTest(ctx, registry, *id);
    if (action == QLatin1String("deliveries"))
        return runWebhookDeliveries(ctx, registry, *id);
    if (action == QLatin1String("redeliver")) {
        auto d = registry.redeliver(*id);
        if (!d)
            return ctx.fail(d.error());
        if (ctx.json)
            return ctx.printJson(
                {{QStringLiteral("delivery"), double(*d)}, {QStringLiteral("redelivery_of"), double(*id)}});
        ctx.out << "delivery " << *d << " queued: the event of delivery " << *id << " is sent again." << Qt::endl;
        return ExitOk;
    }
    Status s = action == QLatin1String("rm") ? registry.removeWebhook(*id)
               : action == QLatin1String("enable")
                   ? registry.setWebhookActive(*id, true, {})
                   : registry.setWebhookActive(*id, false, QStringLiteral("disabled by %1").arg(registry.actor()));
    if (!s)
        return ctx.fail(s.error());
    if (ctx.json)
        return ctx.printJson({{QStringLiteral("webhook"), double(*id)}, {QStringLiteral("action"), action}});
    ctx.out << "webhook " << *id << ": "
            << (action == QLatin1String("rm")       ? "removed"
                : action == QLatin1String("enable") ? "enabled (pending deliveries resume)"
                                                    : "disabled")
            << Qt::endl;
    return ExitOk;
}

} // namespace

QList<Command> feedCommands()
{
    return {
        {QStringLiteral("watch"), QStringLiteral("Print registry events as they happen (the change feed)."), setupWatch,
         runWatch},
        {QStringLiteral("webhook"), QStringLiteral("Deliver the change feed to HTTP receivers, signed."), setupWebhook,
         runWebhook},
    };
}

} // namespace md::cli
