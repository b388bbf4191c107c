// Webhooks against a real HTTP receiver on 127.0.0.1: signed (checked by python3's hmac or OpenSSL, not by
// the product's code), delivered once each and in order per model, retried on 503 honouring Retry-After,
// disabled on 410, nothing lost when the deliverer is killed with SIGKILL, no duplicates with two at once.

#include "httpreceiver.h"
#include "registry/deliverer.h"
#include "testdb.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>

using namespace md;
using namespace md::test;

namespace {

const QString kModel = QStringLiteral("churn");
const QByteArray kSecret = QByteArray::fromHex("8f1c2a9be07d4415a3c6e2f90b5d7c1e63a4f8d2b9e0c7a15d3f6b8e2c4a9d01");

class Webhooks : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        alice = db->openAs(QStringLiteral("wh_alice"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("wh_rita"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("wh_dave"), QStringLiteral("deployer"));
        admin = db->openAs(QStringLiteral("wh_admin"), QStringLiteral("admin"));
        ASSERT_TRUE(alice && rita && dave && admin);
        ASSERT_TRUE(receiver.listening());
    }
    qint64 addHook(const QStringList &events, const QString &model = {})
    {
        auto w = admin->addWebhook(WebhookSpec{receiver.url(), events, model, kSecret});
        EXPECT_TRUE(w) << w.error().message.toStdString();
        return w ? w->id : 0;
    }
    void toProduction(int v)
    {
        ASSERT_TRUE(alice->promote(kModel, v, Stage::Staging, QStringLiteral("ready")));
        auto q = alice->requestPromotion(kModel, v, Stage::Production, QStringLiteral("better"));
        ASSERT_TRUE(q) << q.error().message.toStdString();
        auto d = rita->decide(q->id, true, QStringLiteral("ok"), q->gatesPassed ? QString() : QStringLiteral("o"));
        ASSERT_TRUE(d) << d.error().message.toStdString();
    }
    DeliveryStats deliver(DelivererOptions options = {})
    {
        options.mode = DelivererOptions::Mode::Drain;
        options.maxRunSeconds = 60;
        WebhookDeliverer deliverer(*admin, options);
        auto stats = deliverer.run();
        EXPECT_TRUE(stats) << stats.error().message.toStdString();
        return stats ? *stats : DeliveryStats{};
    }
    QProcess *startDeliverer(const QStringList &extra)
    {
        auto *p = new QProcess;
        processes.emplace_back(p);
        p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p->start(QStringLiteral(MODELCTL_PATH),
                 QStringList{QStringLiteral("--registry"), db->urlFor(QStringLiteral("wh_admin")),
                             QStringLiteral("webhook"), QStringLiteral("deliver"), QStringLiteral("--concurrency"),
                             QStringLiteral("4")} +
                     extra);
        EXPECT_TRUE(p->waitForStarted());
        return p;
    }
    // The event ids the receiver saw, in arrival order.
    QList<qint64> receivedEventIds() const
    {
        QList<qint64> ids;
        for (const ReceivedRequest &r : receiver.requests())
            ids << QJsonDocument::fromJson(r.body).object().value(QLatin1String("id")).toInteger();
        return ids;
    }
    void TearDown() override
    {
        for (auto &p : processes) {
            p->kill();
            p->waitForFinished();
        }
        processes.clear();
        BothDialects::TearDown();
    }
    HttpReceiver receiver;
    std::unique_ptr<Registry> alice, rita, dave, admin;
    std::vector<std::unique_ptr<QProcess>> processes;
};

TEST_P(Webhooks, PromotionRollbackAndAliasMoveAreEachDeliveredOnceSignedWithTheDocumentedPayload)
{
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    toProduction(1);
    ASSERT_TRUE(dave->setFollowingAlias(kModel, QStringLiteral("champion"), false));
    const qint64 hook = addHook(
        {QStringLiteral("version.promoted"), QStringLiteral("version.rolled_back"), QStringLiteral("alias.moved")},
        kModel);
    toProduction(2);                                                          // promoted v2, champion 1 -> 2
    ASSERT_TRUE(dave->rollback(kModel, 1, QStringLiteral("INC-7")));          // rolled back to v1, champion 2 -> 1
    ASSERT_TRUE(alice->registerVersion(sampleSpec(QStringLiteral("other")))); // another model: not subscribed

    const DeliveryStats stats = deliver();
    EXPECT_EQ(stats.delivered, 4);
    EXPECT_EQ(stats.attempts, 4);
    const QList<ReceivedRequest> &got = receiver.requests();
    ASSERT_EQ(got.size(), 4);
    QStringList types;
    QSet<QByteArray> messageIds;
    for (const ReceivedRequest &r : got) {
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        types << QStringLiteral("%1 v%2")
                     .arg(o.value(QLatin1String("type")).toString())
                     .arg(o.value(QLatin1String("version")).toInt());
        EXPECT_EQ(o.value(QLatin1String("model")).toString(), kModel);
        EXPECT_EQ(r.method, QByteArray("POST"));
        EXPECT_EQ(r.path, QByteArray("/hook"));
        EXPECT_EQ(r.header("content-type"), QByteArray("application/json"));
        EXPECT_EQ(r.header("webhook-id"), "evt_" + QByteArray::number(o.value(QLatin1String("id")).toInteger()));
        EXPECT_NEAR(r.header("webhook-timestamp").toLongLong(), QDateTime::currentSecsSinceEpoch(), 120);
        EXPECT_EQ(r.header("x-mlflow-delivery-id"), r.header("webhook-id"));
        messageIds << r.header("webhook-id");
        for (const char *key : {"id", "type", "at", "actor", "model", "version", "data"})
            EXPECT_TRUE(o.contains(QLatin1String(key))) << key;
    }
    EXPECT_EQ(types, (QStringList{QStringLiteral("version.promoted v2"), QStringLiteral("alias.moved v2"),
                                  QStringLiteral("version.rolled_back v1"), QStringLiteral("alias.moved v1")}));
    EXPECT_EQ(messageIds.size(), 4);
    const QJsonObject rolledBack = QJsonDocument::fromJson(got[2].body).object();
    EXPECT_EQ(rolledBack.value(QLatin1String("actor")).toString(), QStringLiteral("wh_dave"));
    EXPECT_EQ(rolledBack.value(QLatin1String("data")).toObject().value(QLatin1String("previous")).toInt(), 2);
    EXPECT_EQ(rolledBack.value(QLatin1String("data")).toObject().value(QLatin1String("reason")).toString(),
              QStringLiteral("INC-7"));
    EXPECT_EQ(verifySignaturesIndependently(got, kSecret), QString());
    // A signature made with another key does not verify (the check can fail).
    const QString wrongKey = verifySignaturesIndependently(got, QByteArray(32, 'x'));
    EXPECT_TRUE(wrongKey.contains(QString::fromUtf8(got[0].header("webhook-id"))) &&
                wrongKey.contains(QLatin1String(", expected v1,")))
        << wrongKey.toStdString();

    auto deliveries = admin->webhookDeliveries(hook, 10);
    ASSERT_TRUE(deliveries);
    ASSERT_EQ(deliveries->size(), 4);
    for (const WebhookDelivery &d : *deliveries) {
        EXPECT_EQ(d.status, QStringLiteral("delivered"));
        EXPECT_EQ(d.attempts, 1);
        ASSERT_EQ(d.attemptLog.size(), 1);
        EXPECT_EQ(d.attemptLog[0].statusCode, 200);
        EXPECT_EQ(d.attemptLog[0].response, QStringLiteral("ok"));
    }
    // Delivering again sends nothing: each event once.
    receiver.clear();
    EXPECT_EQ(deliver().attempts, 0);
    EXPECT_TRUE(receiver.requests().isEmpty());
    // A redelivery sends the same event, with the same webhook-id, once more.
    auto again = admin->redeliver(deliveries->last().id);
    ASSERT_TRUE(again);
    EXPECT_EQ(deliver().delivered, 1);
    ASSERT_EQ(receiver.requests().size(), 1);
    EXPECT_EQ(receiver.requests()[0].header("webhook-id"), got[0].header("webhook-id"));
}

TEST_P(Webhooks, A503IsRetriedHonouringRetryAfterUntilItIsDelivered)
{
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const qint64 hook = addHook({QStringLiteral("version.stage_changed")});
    receiver.setResponder([](const ReceivedRequest &, int n) {
        if (n < 2)
            return ScriptedResponse{503, {{"Retry-After", "1"}}, "busy"};
        return ScriptedResponse{};
    });
    ASSERT_TRUE(alice->promote(kModel, 1, Stage::Staging, QStringLiteral("ready")));
    DelivererOptions options;
    options.retry.backoffSeconds = 30; // Retry-After (1 s) wins over the backoff
    const DeliveryStats stats = deliver(options);
    EXPECT_EQ(stats.attempts, 3);
    EXPECT_EQ(stats.retried, 2);
    EXPECT_EQ(stats.delivered, 1);
    const QList<ReceivedRequest> &got = receiver.requests();
    ASSERT_EQ(got.size(), 3);
    EXPECT_EQ(got[0].header("webhook-id"), got[2].header("webhook-id"));
    EXPECT_GE(got[1].receivedAtMs - got[0].receivedAtMs, 900);
    EXPECT_GE(got[2].receivedAtMs - got[1].receivedAtMs, 900);
    EXPECT_EQ(verifySignaturesIndependently(got, kSecret), QString());
    auto deliveries = admin->webhookDeliveries(hook, 10);
    ASSERT_TRUE(deliveries);
    ASSERT_EQ(deliveries->size(), 1);
    const WebhookDelivery &d = deliveries->first();
    EXPECT_EQ(d.status, QStringLiteral("delivered"));
    EXPECT_EQ(d.attempts, 3);
    ASSERT_EQ(d.attemptLog.size(), 3);
    EXPECT_EQ(d.attemptLog[0].statusCode, 503);
    EXPECT_EQ(d.attemptLog[0].response, QStringLiteral("busy"));
    EXPECT_EQ(d.attemptLog[1].statusCode, 503);
    EXPECT_EQ(d.attemptLog[2].statusCode, 200);
}

TEST_P(Webhooks, A410DisablesTheWebhookAndKeepsItsEventsForLater)
{
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const qint64 hook = addHook({QStringLiteral("*")});
    receiver.setResponder([](const ReceivedRequest &, int) { return ScriptedResponse{410, {}, "gone"}; });
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("a"), QStringLiteral("1")}}, {}));
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("b"), QStringLiteral("2")}}, {}));
    const DeliveryStats stats = deliver();
    EXPECT_EQ(stats.disabled, 1);
    EXPECT_EQ(receiver.requests().size(), 1);
    auto w = admin->webhook(hook);
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->active);
    EXPECT_TRUE(w->disabledReason.contains(QLatin1String("410 Gone"))) << w->disabledReason.toStdString();
    EXPECT_EQ(w->pending, 2);
    EXPECT_EQ(w->delivered, 0);
    // Nothing more is sent while it is disabled; re-enabled, both events arrive, in order.
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("c"), QStringLiteral("3")}}, {}));
    EXPECT_EQ(deliver().attempts, 0);
    receiver.setResponder({});
    receiver.clear();
    ASSERT_TRUE(admin->setWebhookActive(hook, true, {}));
    EXPECT_EQ(deliver().delivered, 3);
    QStringList keys;
    for (const ReceivedRequest &r : receiver.requests())
        keys << QJsonDocument::fromJson(r.body)
                    .object()
                    .value(QLatin1String("data"))
                    .toObject()
                    .value(QLatin1String("key"))
                    .toString();
    EXPECT_EQ(keys, (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
}

TEST_P(Webhooks, KillingTheDelivererWithSigkillLosesNoEvent)
{
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const qint64 hook = addHook({QStringLiteral("tag.set")});
    constexpr int kEvents = 500;
    for (int i = 0; i < kEvents; ++i)
        ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("step"), QString::number(i)}}, {}));
    QProcess *first = startDeliverer({QStringLiteral("--follow")});
    ASSERT_TRUE(waitFor([&] { return receiver.requests().size() >= 150; }, 60000));
    first->kill(); // SIGKILL, mid-stream
    first->waitForFinished();
    const qsizetype beforeRestart = receiver.requests().size();
    EXPECT_LT(beforeRestart, kEvents);
    QProcess *second = startDeliverer({QStringLiteral("--drain")});
    ASSERT_TRUE(waitFor([&] { return second->state() == QProcess::NotRunning; }, 120000));
    EXPECT_EQ(second->exitCode(), 0);

    const QList<qint64> ids = receivedEventIds();
    QList<qint64> firstSeen;
    QSet<qint64> seen;
    for (qint64 id : ids)
        if (!seen.contains(id)) {
            seen.insert(id);
            firstSeen << id;
        }
    EXPECT_EQ(seen.size(), kEvents);                                 // every event delivered
    EXPECT_TRUE(std::is_sorted(firstSeen.begin(), firstSeen.end())); // in order
    // At least once: only what was sent but not yet recorded at the kill may arrive twice (the deliverer records
    // attempts in batches of DelivererOptions::recordEvery, or after 20 ms).
    EXPECT_LE(ids.size() - seen.size(), DelivererOptions{}.recordEvery + 1);
    auto w = admin->webhook(hook);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->delivered, kEvents);
    EXPECT_EQ(w->pending, 0);
}

TEST_P(Webhooks, TwoDeliverersAtOnceNeverSendAnEventTwice)
{
    const QStringList models{QStringLiteral("m-a"), QStringLiteral("m-b"), QStringLiteral("m-c")};
    for (const QString &m : models)
        ASSERT_TRUE(alice->registerVersion(sampleSpec(m)));
    addHook({QStringLiteral("tag.set")});
    constexpr int kPerModel = 100;
    for (int i = 0; i < kPerModel; ++i)
        for (const QString &m : models)
            ASSERT_TRUE(alice->setVersionTags(m, 1, {{QStringLiteral("step"), QString::number(i)}}, {}));
    QProcess *a = startDeliverer({QStringLiteral("--drain")});
    QProcess *b = startDeliverer({QStringLiteral("--drain")});
    ASSERT_TRUE(
        waitFor([&] { return a->state() == QProcess::NotRunning && b->state() == QProcess::NotRunning; }, 120000));
    EXPECT_EQ(a->exitCode(), 0);
    EXPECT_EQ(b->exitCode(), 0);
    const QList<qint64> ids = receivedEventIds();
    EXPECT_EQ(ids.size(), kPerModel * models.size());
    EXPECT_EQ(QSet<qint64>(ids.begin(), ids.end()).size(), kPerModel * models.size());
    // In order per model, whichever deliverer sent it.
    QHash<QString, QList<int>> steps;
    for (const ReceivedRequest &r : receiver.requests()) {
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        steps[o.value(QLatin1String("model")).toString()]
            << o.value(QLatin1String("data")).toObject().value(QLatin1String("value")).toString().toInt();
    }
    for (const QString &m : models) {
        QList<int> expected;
        for (int i = 0; i < kPerModel; ++i)
            expected << i;
        EXPECT_EQ(steps.value(m), expected) << m.toStdString();
    }
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM webhook_attempts")).toInt(), kPerModel * 3);
}

TEST_P(Webhooks, BadWebhooksAreRefusedWithTheReasonAndNothingIsAdded)
{
    const QByteArray shortSecret("short");
    EXPECT_TRUE(refusedAs(admin->addWebhook({QStringLiteral("ftp://x/"), {QStringLiteral("*")}, {}, kSecret}),
                          Error::Kind::Invalid, QStringLiteral("is not a webhook URL")));
    EXPECT_TRUE(refusedAs(admin->addWebhook({receiver.url(), {QStringLiteral("*")}, {}, shortSecret}),
                          Error::Kind::Invalid, QStringLiteral("at least 16 bytes")));
    EXPECT_TRUE(refusedAs(admin->addWebhook({receiver.url(), {QStringLiteral("*")}, QStringLiteral("nope"), kSecret}),
                          Error::Kind::NotFound, QStringLiteral("nope")));
    QString problem;
    QStringList patterns;
    EXPECT_FALSE(parseEventPatterns(QStringLiteral("version.promoted,verison.*"), &patterns, &problem));
    EXPECT_TRUE(problem.contains(QLatin1String("'verison.*' is not an event type")));
    EXPECT_EQ(webhookSecretFromFile("whsec_!!!", &problem), QByteArray());
    EXPECT_TRUE(problem.contains(QLatin1String("not base64")));
    EXPECT_EQ(webhookSecretFromFile("whsec_" + kSecret.toBase64() + "\n", &problem), kSecret);
    auto list = admin->webhooks();
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->isEmpty());
}

MD_INSTANTIATE_BOTH(Webhooks);

// The retry rules, one decision per response kind.
TEST(WebhookRetryPolicy, RetriesConnectionErrors429And5xxBacksOffAndGivesUp)
{
    RetryPolicy policy;
    policy.maxAttempts = 4;
    policy.backoffSeconds = 2;
    using O = DeliveryDecision::Outcome;
    auto decide = [&](int code, int attempts, int retryAfter = -1) {
        AttemptResult a;
        a.statusCode = code;
        a.error = code == 0 ? QStringLiteral("Connection refused") : QString();
        a.retryAfterSeconds = retryAfter;
        return decideAfterAttempt(a, attempts, policy, 1.0);
    };
    EXPECT_EQ(decide(204, 0).outcome, O::Delivered);
    EXPECT_EQ(decide(503, 0).outcome, O::Retry);
    EXPECT_DOUBLE_EQ(decide(503, 0).delaySeconds, 2);
    EXPECT_DOUBLE_EQ(decide(500, 2).delaySeconds, 8);
    EXPECT_DOUBLE_EQ(decide(429, 0, 7).delaySeconds, 7);
    EXPECT_DOUBLE_EQ(decide(429, 0, 999999).delaySeconds, policy.maxBackoffSeconds);
    EXPECT_EQ(decide(0, 1).outcome, O::Retry);
    EXPECT_EQ(decide(0, 1).error, QStringLiteral("Connection refused"));
    EXPECT_EQ(decide(503, 3).outcome, O::Failed);
    EXPECT_TRUE(decide(503, 3).error.contains(QLatin1String("gave up after 4 attempts")));
    EXPECT_EQ(decide(404, 0).outcome, O::Failed);
    EXPECT_EQ(decide(301, 0).outcome, O::Failed);
    EXPECT_TRUE(decide(301, 0).error.contains(QLatin1String("redirects are not followed")));
    EXPECT_EQ(decide(410, 0).outcome, O::DisableWebhook);
}

// The signature as Standard Webhooks' own test vector has it.
TEST(WebhookSignature, MatchesTheStandardWebhooksExample)
{
    // From the Standard Webhooks specification's example: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
    QString problem;
    const QByteArray key = webhookSecretFromFile("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &problem);
    ASSERT_EQ(key, QByteArray::fromBase64("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) << problem.toStdString();
    EXPECT_TRUE(problem.isEmpty());
    EXPECT_EQ(webhookSignature(key, QStringLiteral("msg_p5jXN8AQM9LWM0D4loKWxJek"), 1614265330,
                               QByteArray(R"({"test": 2432232314})")),
              QByteArray("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
}

} // namespace

namespace {

// modelctl webhook, as an admin's script uses it: add (secret from a file), list, test, deliver, deliveries,
// redeliver, disable, rm, each with --json; and what a non-admin is told (PostgreSQL).
class WebhookCli : public Webhooks
{
protected:
    // Runs modelctl while the receiver keeps answering (it lives in this process's event loop).
    int run(const QStringList &args, QJsonObject *json = nullptr, QString *err = nullptr,
            const QString &user = QStringLiteral("wh_admin"))
    {
        QProcess p;
        p.start(QStringLiteral(MODELCTL_PATH), QStringList{QStringLiteral("--registry"), db->urlFor(user)} + args);
        EXPECT_TRUE(waitFor([&] { return p.state() == QProcess::NotRunning; }, 60000));
        if (json)
            *json = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    }
};

TEST_P(WebhookCli, AnAdminManagesAWebhookFromTheCommandLine)
{
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    QFile secret(db->tempPath(QStringLiteral("secret")));
    ASSERT_TRUE(secret.open(QIODevice::WriteOnly));
    secret.write("whsec_" + kSecret.toBase64() + "\n");
    secret.close();
    QJsonObject o;
    QString err;
    ASSERT_EQ(run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("add"), receiver.url(),
                   QStringLiteral("--events"), QStringLiteral("tag.*"), QStringLiteral("--model"), kModel,
                   QStringLiteral("--secret-file"), secret.fileName()},
                  &o, &err),
              0)
        << err.toStdString();
    const qint64 id = o.value(QLatin1String("id")).toInteger();
    EXPECT_GT(id, 0);
    EXPECT_EQ(o.value(QLatin1String("events")).toArray(), QJsonArray{QStringLiteral("tag.*")});
    EXPECT_EQ(o.value(QLatin1String("model")).toString(), kModel);
    EXPECT_EQ(admin->webhookSecret(id).value(), kSecret); // whsec_ decoded: the key is the raw bytes
    // A bad event type or a short secret changes nothing.
    EXPECT_EQ(run({QStringLiteral("webhook"), QStringLiteral("add"), receiver.url(), QStringLiteral("--events"),
                   QStringLiteral("tag.sett"), QStringLiteral("--secret-file"), secret.fileName()},
                  nullptr, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("'tag.sett' is not an event type"))) << err.toStdString();
    EXPECT_EQ(admin->webhooks()->size(), 1);

    ASSERT_EQ(run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("test"), QString::number(id)},
                  &o, &err),
              0)
        << err.toStdString();
    EXPECT_EQ(o.value(QLatin1String("status_code")).toInt(), 200);
    ASSERT_EQ(receiver.requests().size(), 1);
    EXPECT_EQ(verifySignaturesIndependently(receiver.requests(), kSecret), QString());

    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("team"), QStringLiteral("risk")}}, {}));
    ASSERT_EQ(run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("deliver")}, &o, &err), 0)
        << err.toStdString();
    EXPECT_EQ(o.value(QLatin1String("delivered")).toInt(), 1);
    ASSERT_EQ(
        run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("deliveries"), QString::number(id)},
            &o),
        0);
    const QJsonArray deliveries = o.value(QLatin1String("deliveries")).toArray();
    ASSERT_EQ(deliveries.size(), 1);
    const QJsonObject d = deliveries.at(0).toObject();
    EXPECT_EQ(d.value(QLatin1String("type")).toString(), QStringLiteral("tag.set"));
    EXPECT_EQ(d.value(QLatin1String("status")).toString(), QStringLiteral("delivered"));
    EXPECT_EQ(d.value(QLatin1String("attempt_log")).toArray().at(0).toObject().value(QLatin1String("status_code")),
              QJsonValue(200));
    ASSERT_EQ(run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("redeliver"),
                   QString::number(d.value(QLatin1String("id")).toInteger())},
                  &o),
              0);
    ASSERT_EQ(run({QStringLiteral("webhook"), QStringLiteral("deliver")}), 0);
    EXPECT_EQ(receiver.requests().size(), 3);
    EXPECT_EQ(receiver.requests()[2].header("webhook-id"), receiver.requests()[1].header("webhook-id"));

    ASSERT_EQ(run({QStringLiteral("webhook"), QStringLiteral("disable"), QString::number(id)}), 0);
    EXPECT_FALSE(admin->webhook(id)->active);
    ASSERT_EQ(run({QStringLiteral("--json"), QStringLiteral("webhook"), QStringLiteral("list")}, &o), 0);
    EXPECT_FALSE(o.value(QLatin1String("webhooks")).toArray().at(0).toObject().value(QLatin1String("active")).toBool());
    ASSERT_EQ(run({QStringLiteral("webhook"), QStringLiteral("rm"), QString::number(id)}), 0);
    EXPECT_TRUE(admin->webhooks()->isEmpty());
    EXPECT_EQ(run({QStringLiteral("webhook"), QStringLiteral("rm"), QString::number(id)}, nullptr, &err), 3);
    EXPECT_TRUE(err.contains(QStringLiteral("There is no webhook %1").arg(id))) << err.toStdString();

    if (db->backend() == Backend::Postgres) {
        // A scientist may not add one, nor read a secret through `test`.
        EXPECT_EQ(run({QStringLiteral("webhook"), QStringLiteral("add"), receiver.url(), QStringLiteral("--events"),
                       QStringLiteral("*"), QStringLiteral("--secret-file"), secret.fileName()},
                      nullptr, &err, QStringLiteral("wh_alice")),
                  6);
        EXPECT_TRUE(err.contains(QLatin1String("permission denied"))) << err.toStdString();
        EXPECT_TRUE(admin->webhooks()->isEmpty());
    }
}

MD_INSTANTIATE_BOTH(WebhookCli);

} // namespace
