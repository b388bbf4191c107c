// The change feed: every change writes its documented event, on both dialects the same; nobody can forge,
// change or delete one in plain SQL; `modelctl watch` resumes exactly after an id.

#include "testdb.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>

using namespace md;
using namespace md::test;

namespace {

const QString kModel = QStringLiteral("fraud");

class Feed : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        alice = db->openAs(QStringLiteral("fd_alice"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("fd_rita"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("fd_dave"), QStringLiteral("deployer"));
        ASSERT_TRUE(alice && rita && dave);
    }
    void toProduction(int v)
    {
        ASSERT_TRUE(alice->promote(kModel, v, Stage::Staging, QStringLiteral("ready")));
        auto q = alice->requestPromotion(kModel, v, Stage::Production, QStringLiteral("better"));
        ASSERT_TRUE(q) << q.error().message.toStdString();
        auto d = rita->decide(q->id, true, QStringLiteral("ok"), q->gatesPassed ? QString() : QStringLiteral("o"));
        ASSERT_TRUE(d) << d.error().message.toStdString();
        ASSERT_EQ(d->status, QStringLiteral("promoted"));
    }
    QList<FeedEvent> eventsAfter(qint64 after, const EventFilter &filter = {})
    {
        auto page = registry->events(after, 10000, filter);
        EXPECT_TRUE(page) << page.error().message.toStdString();
        return page ? page->events : QList<FeedEvent>{};
    }
    static QStringList types(const QList<FeedEvent> &events)
    {
        QStringList list;
        for (const FeedEvent &e : events)
            list << e.type;
        return list;
    }
    std::unique_ptr<Registry> alice, rita, dave;
};

TEST_P(Feed, EveryChangeWritesItsDocumentedEventTheSameOnBothDialects)
{
    auto start = registry->lastEventId();
    ASSERT_TRUE(start);
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    QList<FeedEvent> e = eventsAfter(*start);
    ASSERT_EQ(types(e), (QStringList{QStringLiteral("model.created"), QStringLiteral("version.registered")}));
    EXPECT_EQ(e[1].model, kModel);
    EXPECT_EQ(e[1].version, 1);
    EXPECT_EQ(e[1].data.value(QLatin1String("artifact_uri")).toString(), sampleSpec(kModel).artifactUri);
    EXPECT_EQ(e[1].data.value(QLatin1String("metrics")).toInt(), 1);
    EXPECT_EQ(e[1].actor, QStringLiteral("fd_alice"));
    EXPECT_LT(e[0].id, e[1].id);

    // Tags: one event per key, with the value before and after.
    qint64 mark = e.last().id;
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("team"), QStringLiteral("risk")}}, {}));
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {{QStringLiteral("team"), QStringLiteral("fraud")}}, {}));
    ASSERT_TRUE(alice->setVersionTags(kModel, 1, {}, {QStringLiteral("team")}));
    e = eventsAfter(mark);
    ASSERT_EQ(types(e),
              (QStringList{QStringLiteral("tag.set"), QStringLiteral("tag.set"), QStringLiteral("tag.removed")}));
    EXPECT_EQ(e[1].data, (QJsonObject{{QStringLiteral("on"), QStringLiteral("version")},
                                      {QStringLiteral("key"), QStringLiteral("team")},
                                      {QStringLiteral("value"), QStringLiteral("fraud")},
                                      {QStringLiteral("previous"), QStringLiteral("risk")}}));
    EXPECT_EQ(e[2].data.value(QLatin1String("value")), QJsonValue());
    EXPECT_EQ(e[2].data.value(QLatin1String("previous")).toString(), QStringLiteral("fraud"));

    // Promotion through an approval: the stage changes, the request's life, and version.promoted.
    mark = e.last().id;
    toProduction(1);
    e = eventsAfter(mark);
    QStringList got = types(e);
    for (const QString &t :
         {QStringLiteral("version.stage_changed"), QStringLiteral("request.created"), QStringLiteral("request.decided"),
          QStringLiteral("version.promoted"), QStringLiteral("request.promoted")})
        EXPECT_TRUE(got.contains(t)) << t.toStdString() << " missing from " << got.join(QLatin1Char(',')).toStdString();
    const auto promoted = std::find_if(e.begin(), e.end(),
                                       [](const FeedEvent &x) { return x.type == QLatin1String("version.promoted"); });
    ASSERT_NE(promoted, e.end());
    EXPECT_EQ(promoted->version, 1);
    EXPECT_EQ(promoted->actor, QStringLiteral("fd_rita"));
    EXPECT_EQ(promoted->data.value(QLatin1String("from")).toString(), QStringLiteral("Staging"));
    EXPECT_EQ(promoted->data.value(QLatin1String("kind")).toString(), QStringLiteral("promote"));
    EXPECT_GT(promoted->data.value(QLatin1String("approval_id")).toInt(), 0);
    const auto decided =
        std::find_if(e.begin(), e.end(), [](const FeedEvent &x) { return x.type == QLatin1String("request.decided"); });
    EXPECT_EQ(decided->data.value(QLatin1String("decision")).toString(), QStringLiteral("approve"));
    EXPECT_EQ(decided->data.value(QLatin1String("comment")).toString(), QStringLiteral("ok"));

    // A following alias, a second promotion, then a rollback: version.rolled_back names what it replaced, and the
    // version rolled back from is marked (version.updated) so that nothing rolls back to it by accident.
    ASSERT_TRUE(dave->setFollowingAlias(kModel, QStringLiteral("champion"), false));
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    toProduction(2);
    mark = registry->lastEventId().value();
    ASSERT_TRUE(dave->rollback(kModel, 1, QStringLiteral("INC-1")));
    e = eventsAfter(mark);
    ASSERT_EQ(types(e), (QStringList{QStringLiteral("version.stage_changed"), QStringLiteral("version.updated"),
                                     QStringLiteral("version.stage_changed"), QStringLiteral("version.rolled_back"),
                                     QStringLiteral("alias.moved")}));
    EXPECT_EQ(e[0].version, 2);
    EXPECT_EQ(e[0].data.value(QLatin1String("to")).toString(), QStringLiteral("Archived"));
    EXPECT_EQ(e[1].data, (QJsonObject{{QStringLiteral("changed"), QStringLiteral("rollback_excluded")}}));
    EXPECT_EQ(e[3].version, 1);
    EXPECT_EQ(e[3].data.value(QLatin1String("previous")).toInt(), 2);
    EXPECT_EQ(e[3].data.value(QLatin1String("reason")).toString(), QStringLiteral("INC-1"));
    EXPECT_EQ(e[4].data, (QJsonObject{{QStringLiteral("alias"), QStringLiteral("champion")},
                                      {QStringLiteral("from"), 2},
                                      {QStringLiteral("to"), 1},
                                      {QStringLiteral("follows"), QStringLiteral("production")},
                                      {QStringLiteral("protected"), false}}));

    // A service running a version that is not in Production: reported, and a shadow.
    mark = e.last().id;
    ASSERT_TRUE(dave->reportDeployment(QStringLiteral("scoring"), QStringLiteral("prod"), kModel, 1));
    ASSERT_TRUE(dave->reportDeployment(QStringLiteral("scoring"), QStringLiteral("canary"), kModel, 2));
    e = eventsAfter(mark);
    ASSERT_EQ(types(e), (QStringList{QStringLiteral("deployment.reported"), QStringLiteral("deployment.reported"),
                                     QStringLiteral("shadow.detected")}));
    EXPECT_EQ(e[2].version, 2);
    EXPECT_EQ(e[2].data, (QJsonObject{{QStringLiteral("service"), QStringLiteral("scoring")},
                                      {QStringLiteral("environment"), QStringLiteral("canary")},
                                      {QStringLiteral("stage"), QStringLiteral("Archived")}}));

    // Ids are strictly increasing and the filter reads by type and model.
    QList<FeedEvent> all = eventsAfter(0);
    for (qsizetype i = 1; i < all.size(); ++i)
        EXPECT_LT(all[i - 1].id, all[i].id);
    EventFilter onlyRollbacks{{QStringLiteral("version.rolled_back")}, kModel};
    EXPECT_EQ(eventsAfter(0, onlyRollbacks).size(), 1);
    EventFilter versionEvents{{QStringLiteral("version.*")}, QStringLiteral("other-model")};
    EXPECT_TRUE(eventsAfter(0, versionEvents).isEmpty());
}

TEST_P(Feed, NobodyCanForgeChangeOrDeleteAnEventInPlainSql)
{
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const QString forged =
        QStringLiteral("INSERT INTO outbox_events (event_type, payload, created_at) VALUES ('version.stage_changed', "
                       "'{\"type\":\"version.stage_changed\",\"model\":\"fraud\",\"version\":1,\"data\":{\"to\":"
                       "\"Production\"}}', '2026-01-01T00:00:00.000Z')");
    const QStringList attacks{forged, QStringLiteral("UPDATE outbox_events SET payload = '{}'"),
                              QStringLiteral("DELETE FROM outbox_events"),
                              QStringLiteral("INSERT INTO outbox_events SELECT * FROM outbox_events")};
    const QString state = QStringLiteral("SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || "
                                         "coalesce(sum(length(payload)), 0) FROM outbox_events");
    if (db->backend() == Backend::Sqlite) {
        // The sqlite3 shell lacks the client's functions: it cannot prepare a write to the feed.
        const QString before = db->rawScalar(state).toString();
        for (const QString &sql : attacks)
            EXPECT_TRUE(db->rawShell(sql).contains(QLatin1String("no such function: modeldesk_use_modelctl")))
                << sql.toStdString() << ": " << db->rawShell(sql).toStdString();
        EXPECT_EQ(db->rawScalar(state).toString(), before);
        return;
    }
    ASSERT_TRUE(db->openAs(QStringLiteral("fd_admin"), QStringLiteral("admin")));
    ASSERT_TRUE(db->openAs(QStringLiteral("fd_reader"), QStringLiteral("reader")));
    ASSERT_TRUE(db->openAs(QStringLiteral("fd_two"), QStringLiteral("deployer")));
    ASSERT_TRUE(db->openAs(QStringLiteral("fd_two"), QStringLiteral("reviewer"))); // two roles, one login
    int trials = 0;
    for (const char *user : {"fd_reader", "fd_alice", "fd_rita", "fd_dave", "fd_admin", "fd_two"}) {
        for (const QString &sql : attacks) {
            EXPECT_TRUE(refusedUnchanged(*db, sql, QStringLiteral("[42501]"), state, QString::fromLatin1(user)))
                << user << ": " << sql.toStdString();
            ++trials;
        }
        EXPECT_TRUE(refusedUnchanged(*db, QStringLiteral("TRUNCATE outbox_events CASCADE"), QStringLiteral("[42501]"),
                                     state, QString::fromLatin1(user)))
            << user;
        // A temporary table cannot shadow the outbox either (TEMP is revoked).
        EXPECT_TRUE(refusedUnchanged(*db, QStringLiteral("CREATE TEMP TABLE outbox_events (id int)"),
                                     QStringLiteral("[42501]"), state, QString::fromLatin1(user)))
            << user;
        trials += 2;
    }
    EXPECT_EQ(trials, 36);
    // Nor can anyone but an admin (the deliverer's role) queue a delivery.
    for (const char *user : {"fd_reader", "fd_alice", "fd_rita", "fd_dave"})
        EXPECT_TRUE(refusedUnchanged(*db,
                                     QStringLiteral("INSERT INTO webhook_deliveries (webhook_id, event_id, model, "
                                                    "next_attempt_at, created_at) VALUES (1, 1, '', '', '')"),
                                     QStringLiteral("[42501]"), state, QString::fromLatin1(user)))
            << user;
    // Even the superuser's plain UPDATE and DELETE meet the append-only trigger.
    EXPECT_TRUE(refusedUnchanged(*db, QStringLiteral("UPDATE outbox_events SET payload = '{}'"),
                                 QStringLiteral("the outbox is written by the database only"), state));
}

TEST_P(Feed, SecretsAreForAdminsOnlyAndOnlyAdminsManageWebhooks)
{
    if (db->backend() == Backend::Sqlite) {
        // SQLite has no roles (README): the raw shell still cannot write a webhook around ModelDesk.
        EXPECT_TRUE(db->rawShell(QStringLiteral("INSERT INTO webhooks (url, events, created_at, created_by) VALUES "
                                                "('http://x/', '*', '', '')"))
                        .contains(QLatin1String("no such function: modeldesk_use_modelctl")));
        EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM webhooks")).toInt(), 0);
        return;
    }
    auto admin = db->openAs(QStringLiteral("fd_admin"), QStringLiteral("admin"));
    ASSERT_TRUE(admin);
    const WebhookSpec spec{QStringLiteral("http://127.0.0.1:9/hook"),
                           {QStringLiteral("*")},
                           {},
                           QByteArray("0123456789abcdef0123456789abcdef")};
    auto added = admin->addWebhook(spec);
    ASSERT_TRUE(added) << added.error().message.toStdString();
    EXPECT_EQ(added->createdBy, QStringLiteral("fd_admin"));
    for (const char *user : {"fd_alice", "fd_rita", "fd_dave"}) {
        auto r = db->openAs(QString::fromLatin1(user), {});
        ASSERT_TRUE(r);
        EXPECT_TRUE(refusedAs(r->addWebhook(spec), Error::Kind::Permission, QStringLiteral("permission denied")))
            << user;
        EXPECT_TRUE(refusedAs(r->webhookSecret(added->id), Error::Kind::Permission,
                              QStringLiteral("permission denied for table webhook_secrets")))
            << user;
        EXPECT_TRUE(refusedUnchanged(*db, QStringLiteral("UPDATE webhooks SET url = 'http://evil/'"),
                                     QStringLiteral("[42501]"), QStringLiteral("webhooks"), QString::fromLatin1(user)));
    }
    EXPECT_TRUE(refusedUnchanged(*db, QStringLiteral("SELECT secret FROM webhook_secrets"), QStringLiteral("[42501]"),
                                 QStringLiteral("webhooks"), QStringLiteral("fd_alice")));
    auto secret = admin->webhookSecret(added->id);
    ASSERT_TRUE(secret);
    EXPECT_EQ(*secret, spec.secret);
    // Adding and removing are audited, without the secret.
    ASSERT_TRUE(admin->removeWebhook(added->id));
    const QStringList entries = db->rawRows(
        QStringLiteral("SELECT action || ' ' || actor || ' ' || details FROM audit_log WHERE object_type = 'webhook' "
                       "ORDER BY id"));
    ASSERT_EQ(entries.size(), 2) << entries.join(QLatin1Char('\n')).toStdString();
    EXPECT_TRUE(entries[0].startsWith(QLatin1String("add_webhook fd_admin ")));
    EXPECT_TRUE(entries[1].startsWith(QLatin1String("remove_webhook fd_admin ")));
    EXPECT_FALSE(entries.join(QLatin1Char(' ')).contains(QLatin1String("0123456789abcdef")));
}

TEST_P(Feed, WatchResumesExactlyAfterTheIdItWasGiven)
{
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const QString url = db->urlFor(QStringLiteral("fd_alice"));
    QString out, err;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), url, QStringLiteral("--json"), QStringLiteral("watch"),
                           QStringLiteral("--no-follow")},
                          &out, &err),
              0)
        << err.toStdString();
    QList<qint64> ids;
    for (const QString &line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        ids << QJsonDocument::fromJson(line.toUtf8()).object().value(QLatin1String("id")).toInteger();
    QList<qint64> expected;
    for (const FeedEvent &e : eventsAfter(0))
        expected << e.id;
    ASSERT_EQ(ids, expected);
    ASSERT_GE(ids.size(), 4);
    const qint64 resumeAfter = ids.at(1);

    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), url, QStringLiteral("--json"), QStringLiteral("watch"),
                           QStringLiteral("--no-follow"), QStringLiteral("--after"), QString::number(resumeAfter),
                           QStringLiteral("--types"), QStringLiteral("version.*")},
                          &out, &err),
              0);
    QList<qint64> resumed;
    for (const QString &line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        EXPECT_EQ(o.value(QLatin1String("type")).toString(), QStringLiteral("version.registered"));
        resumed << o.value(QLatin1String("id")).toInteger();
    }
    // Exactly the version events after the id given: none before it, none skipped.
    QList<qint64> expectedResumed;
    for (const FeedEvent &e : eventsAfter(resumeAfter, EventFilter{{QStringLiteral("version.*")}, {}}))
        expectedResumed << e.id;
    EXPECT_EQ(resumed, expectedResumed);
    EXPECT_EQ(resumed.size(), 2); // versions 2 and 3 (version 1's registration is event 2, the resume point)

    // Following: events committed while it runs arrive once each, in order, after the given id.
    QProcess watch;
    watch.start(QStringLiteral(MODELCTL_PATH),
                {QStringLiteral("--registry"), url, QStringLiteral("--json"), QStringLiteral("watch"),
                 QStringLiteral("--after"), QString::number(resumeAfter)});
    ASSERT_TRUE(watch.waitForStarted());
    QStringList lines;
    auto readLines = [&] {
        while (watch.canReadLine())
            lines << QString::fromUtf8(watch.readLine()).trimmed();
        return lines;
    };
    ASSERT_TRUE(waitFor([&] { return readLines().size() >= ids.size() - 2; }));
    ASSERT_TRUE(alice->setModelTags(kModel, {{QStringLiteral("owner"), QStringLiteral("risk")}}, {}));
    ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
    const qint64 last = registry->lastEventId().value();
    ASSERT_TRUE(waitFor([&] {
        readLines();
        return !lines.isEmpty() &&
               QJsonDocument::fromJson(lines.last().toUtf8()).object().value(QLatin1String("id")).toInteger() >= last;
    })) << lines.join(QLatin1Char('\n')).toStdString();
    watch.kill();
    watch.waitForFinished();
    QList<qint64> followed;
    for (const QString &line : lines)
        followed << QJsonDocument::fromJson(line.toUtf8()).object().value(QLatin1String("id")).toInteger();
    QList<qint64> want;
    for (const FeedEvent &e : eventsAfter(resumeAfter))
        want << e.id;
    EXPECT_EQ(followed, want);
}

TEST_P(Feed, WatchRefusesBadArgumentsAndChangesNothing)
{
    QString out, err;
    const QString url = db->url();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), url, QStringLiteral("watch"), QStringLiteral("--types"),
                           QStringLiteral("version.promotd")},
                          &out, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("'version.promotd' is not an event type"))) << err.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), url, QStringLiteral("watch"), QStringLiteral("--after"),
                           QStringLiteral("-3")},
                          &out, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("--after takes an event id"))) << err.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), url, QStringLiteral("watch"), QStringLiteral("--no-follow"),
                           QStringLiteral("--model"), QStringLiteral("nope")},
                          &out, &err),
              3);
    EXPECT_EQ(registry->lastEventId().value(), 0);
}

MD_INSTANTIATE_BOTH(Feed);

} // namespace
