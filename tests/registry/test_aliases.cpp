// Aliases follow the contract: a following alias moves with every promotion, archive and rollback in
// the same transaction (with an audit entry); a pinned alias left on a version that leaves Production is
// reported, and moved to the rollback target on request. And every lifecycle screen reads in at most
// five statements. Both dialects.

#include "testdb.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace md;
using namespace md::test;

namespace {

class Aliases : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        alice = db->openAs(QStringLiteral("al_alice"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("al_rita"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("al_dave"), QStringLiteral("deployer"));
        ASSERT_TRUE(alice && rita && dave);
        for (int i = 0; i < 3; ++i)
            ASSERT_TRUE(alice->registerVersion(sampleSpec(kModel)));
        toProduction(1);
    }
    void toProduction(int v)
    {
        ASSERT_TRUE(alice->promote(kModel, v, Stage::Staging, {}));
        auto q = alice->requestPromotion(kModel, v, Stage::Production, QStringLiteral("better"));
        ASSERT_TRUE(q) << q.error().message.toStdString();
        auto d = rita->decide(q->id, true, QStringLiteral("ok"), q->gatesPassed ? QString() : QStringLiteral("o"));
        ASSERT_TRUE(d) << d.error().message.toStdString();
        ASSERT_EQ(d->status, QStringLiteral("promoted"));
    }
    Alias alias(const QString &name)
    {
        auto list = registry->aliases(kModel);
        EXPECT_TRUE(list);
        for (const Alias &a : *list)
            if (a.alias == name)
                return a;
        ADD_FAILURE() << "no alias " << name.toStdString();
        return {};
    }
    int modelctl(const QStringList &args, QJsonObject *out = nullptr, QString *err = nullptr)
    {
        QProcess p;
        p.start(QStringLiteral(MODELCTL_PATH),
                QStringList{QStringLiteral("--registry"), db->urlFor(QStringLiteral("al_dave"))} + args);
        EXPECT_TRUE(p.waitForFinished(30000));
        if (out)
            *out = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    }
    const QString kModel = QStringLiteral("serving/ranker");
    std::unique_ptr<Registry> alice, rita, dave;
};

MD_INSTANTIATE_BOTH(Aliases);

TEST_P(Aliases, FollowingChampionMovesWithPromotionAndRollbackPinnedOneIsReportedAndMovedOnRequest)
{
    ASSERT_TRUE(dave->setFollowingAlias(kModel, QStringLiteral("champion"), true));
    ASSERT_TRUE(dave->setAlias(kModel, QStringLiteral("stable"), 1, false));
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 1);
    EXPECT_TRUE(alias(QStringLiteral("champion")).followsProduction);
    // The approval that promotes v2 (by a reviewer, who may not move protected aliases himself) moves champion.
    toProduction(2);
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 2);
    EXPECT_EQ(alias(QStringLiteral("stable")).version, 1);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'move_alias' AND "
                                           "object_key = 'serving/ranker#champion'"))
                  .toInt(),
              1);
    // The plan says what moves and what stays, before anything happens.
    ASSERT_TRUE(dave->setAlias(kModel, QStringLiteral("stable"), 2, false));
    QJsonObject plan;
    ASSERT_EQ(
        modelctl({QStringLiteral("--json"), QStringLiteral("rollback"), kModel, QStringLiteral("--dry-run")}, &plan),
        0);
    EXPECT_EQ(plan.value(QStringLiteral("current")).toInt(), 2);
    EXPECT_EQ(plan.value(QStringLiteral("target")).toInt(), 1);
    ASSERT_EQ(plan.value(QStringLiteral("pinned_aliases_on_current")).toArray().size(), 1);
    EXPECT_EQ(plan.value(QStringLiteral("pinned_aliases_on_current"))
                  .toArray()
                  .at(0)
                  .toObject()
                  .value(QStringLiteral("alias")),
              QStringLiteral("stable"));
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 2); // a dry run changes nothing
    // `modelctl rollback` without --move-aliases: champion follows, stable stays and is reported.
    QJsonObject outcome;
    QString err;
    ASSERT_EQ(modelctl({QStringLiteral("--json"), QStringLiteral("rollback"), kModel, QStringLiteral("--reason"),
                        QStringLiteral("INC-7")},
                       &outcome, &err),
              0)
        << err.toStdString();
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 1);
    EXPECT_EQ(alias(QStringLiteral("stable")).version, 2);
    const QJsonArray moved = outcome.value(QStringLiteral("aliases_moved")).toArray();
    ASSERT_EQ(moved.size(), 1);
    EXPECT_EQ(moved.at(0).toObject().value(QStringLiteral("alias")), QStringLiteral("champion"));
    EXPECT_EQ(moved.at(0).toObject().value(QStringLiteral("from")).toInt(), 2);
    EXPECT_EQ(moved.at(0).toObject().value(QStringLiteral("to")).toInt(), 1);
    const QJsonArray left = outcome.value(QStringLiteral("aliases_left")).toArray();
    ASSERT_EQ(left.size(), 1);
    EXPECT_EQ(left.at(0).toObject().value(QStringLiteral("alias")), QStringLiteral("stable"));
    EXPECT_TRUE(registry->verifyAudit()->intact) << registry->verifyAudit()->problem.toStdString();
    // Forward again, then back with --move-aliases: the pinned alias moves to the target in the same transaction.
    ASSERT_TRUE(dave->clearRollbackMark(kModel, 2));
    toProduction(3);
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 3);
    ASSERT_TRUE(dave->setAlias(kModel, QStringLiteral("stable"), 3, false));
    auto back = dave->rollback(kModel, 1, QStringLiteral("INC-8"), Registry::PinnedAliases::Move);
    ASSERT_TRUE(back) << back.error().message.toStdString();
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 1);
    EXPECT_EQ(alias(QStringLiteral("stable")).version, 1);
    EXPECT_TRUE(back->aliasesLeft.isEmpty());
    EXPECT_EQ(back->aliasesMoved.size(), 2);
    // Archiving the only Production version leaves champion where it was, and says so.
    auto archived = dave->archive(kModel, 1, QStringLiteral("withdrawn"));
    ASSERT_TRUE(archived) << archived.error().message.toStdString();
    ASSERT_EQ(archived->aliasesLeft.size(), 2);
    EXPECT_EQ(alias(QStringLiteral("champion")).version, 1);
}

TEST_P(Aliases, TheDatabaseKeepsAFollowingAliasOnTheNewestProductionVersion)
{
    ASSERT_TRUE(dave->setFollowingAlias(kModel, QStringLiteral("champion"), false));
    const QString state = QStringLiteral("SELECT alias, version_id, follows FROM aliases");
    // Pointing a following alias anywhere else in plain SQL is refused; the alias is unchanged.
    EXPECT_TRUE(refusedUnchanged(
        *db,
        QStringLiteral("UPDATE aliases SET version_id = (SELECT id FROM model_versions WHERE "
                       "version = 3), updated_by = %1 WHERE alias = 'champion'")
            .arg(GetParam() == Backend::Postgres ? QStringLiteral("session_user") : QStringLiteral("'mallory'")),
        QStringLiteral("modeldesk: an alias that follows Production points at the newest "
                       "Production version"),
        state));
    // Following needs something in Production to follow.
    ASSERT_TRUE(dave->archive(kModel, 1, QStringLiteral("gone")));
    EXPECT_TRUE(refusedAs(dave->setFollowingAlias(kModel, QStringLiteral("next"), false), Error::Kind::Conflict,
                          QStringLiteral("has nothing in Production for 'next' to follow")));
}

// Selecting a version, opening the approval dialog and opening the rollback dialog each run at most five
// statements (round trips on a remote server), however many versions, decisions and periods there are.
TEST_P(Aliases, LifecycleScreensReadInAtMostFiveStatements)
{
    toProduction(2);
    ASSERT_TRUE(alice->promote(kModel, 3, Stage::Staging, {}));
    auto q = alice->requestPromotion(kModel, 3, Stage::Production, QStringLiteral("candidate"));
    ASSERT_TRUE(q);
    auto count = [&](auto &&read) {
        const quint64 before = registry->statementCount();
        read();
        return registry->statementCount() - before;
    };
    // Selecting a version: its details and what may be done with it.
    const quint64 select = count([&] {
        auto v = registry->version(kModel, 3);
        ASSERT_TRUE(v);
        EXPECT_EQ(v->transitions.size(), 2);
        EXPECT_FALSE(v->metrics.isEmpty());
        auto a = registry->versionActions(kModel, 3);
        ASSERT_TRUE(a);
        EXPECT_EQ(a->of(VersionAction::Approve).requestId, q->id);
    });
    EXPECT_LE(select, 5u);
    EXPECT_EQ(select, 4u); // 2 for the version, 2 for the actions
    const quint64 review = count([&] {
        auto d = registry->reviewData(q->id);
        ASSERT_TRUE(d) << d.error().message.toStdString();
        EXPECT_EQ(d->candidate.version, 3);
        EXPECT_TRUE(d->hasBaseline);
        EXPECT_EQ(d->baseline.version, 2);
    });
    EXPECT_LE(review, 5u);
    const quint64 rollback = count([&] {
        auto d = registry->rollbackData(kModel);
        ASSERT_TRUE(d) << d.error().message.toStdString();
        EXPECT_EQ(d->current, 2);
        EXPECT_EQ(d->suggested, 1);
        EXPECT_EQ(d->history.size(), 2);
    });
    EXPECT_LE(rollback, 5u);
    std::cout << "statements: select " << select << ", approval dialog " << review << ", rollback dialog " << rollback
              << std::endl;
}

} // namespace
