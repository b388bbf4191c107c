// The modelctl command line: exit codes, --json shapes, manifests and bad input (both dialects).

#include "testdb.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace md;
using namespace md::test;

class Modelctl : public BothDialects
{
protected:
    int run(QStringList args, QString *out = nullptr, QString *err = nullptr)
    {
        args.prepend(db->url());
        args.prepend(QStringLiteral("--registry"));
        return runModelctl(args, out, err);
    }
    QJsonObject runJson(QStringList args, int expectedExit = 0)
    {
        QString out, err;
        args.prepend(QStringLiteral("--json"));
        const int code = run(args, &out, &err);
        EXPECT_EQ(code, expectedExit) << err.toStdString();
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(out.toUtf8(), &perr);
        EXPECT_EQ(perr.error, QJsonParseError::NoError) << out.toStdString();
        return doc.object();
    }
    int versionCount() { return db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(); }
};
MD_INSTANTIATE_BOTH(Modelctl);

TEST_P(Modelctl, RegisterShowAndListWithJson)
{
    QJsonObject reg = runJson({QStringLiteral("register"),   QStringLiteral("payments/fraud-detector"),
                               QStringLiteral("--artifact"), QStringLiteral("s3://m/fraud/1"),
                               QStringLiteral("--metric"),   QStringLiteral("auc=0.847"),
                               QStringLiteral("--metric"),   QStringLiteral("f1@test=0.79"),
                               QStringLiteral("--metric"),   QStringLiteral("auc@test[country=DE]=0.81"),
                               QStringLiteral("--param"),    QStringLiteral("lr=0.1"),
                               QStringLiteral("--fact"),     QStringLiteral("data.dataset_version=clicks@2026-10"),
                               QStringLiteral("--tag"),      QStringLiteral("team=payments"),
                               QStringLiteral("--input"),    QStringLiteral("dataset:clicks@2026-10"),
                               QStringLiteral("--input"),    QStringLiteral("pipeline:features@2.3"),
                               QStringLiteral("--input"),    QStringLiteral("commit:abc123"),
                               QStringLiteral("--input"),    QStringLiteral("source:eu-clickstream")});
    EXPECT_EQ(reg.value(QStringLiteral("model")).toString(), QStringLiteral("payments/fraud-detector"));
    EXPECT_EQ(reg.value(QStringLiteral("version")).toInt(), 1);
    EXPECT_TRUE(reg.value(QStringLiteral("model_created")).toBool());

    QJsonObject show =
        runJson({QStringLiteral("show"), QStringLiteral("payments/fraud-detector"), QStringLiteral("1")});
    EXPECT_EQ(show.value(QStringLiteral("artifact_uri")).toString(), QStringLiteral("s3://m/fraud/1"));
    EXPECT_EQ(show.value(QStringLiteral("stage")).toString(), QStringLiteral("None"));
    EXPECT_EQ(show.value(QStringLiteral("metrics")).toArray().size(), 3);
    EXPECT_EQ(show.value(QStringLiteral("params")).toObject().value(QStringLiteral("lr")).toString(),
              QStringLiteral("0.1"));
    EXPECT_EQ(show.value(QStringLiteral("facts")).toObject().value(QStringLiteral("data.dataset_version")).toString(),
              QStringLiteral("clicks@2026-10"));
    EXPECT_EQ(show.value(QStringLiteral("inputs")).toArray().size(), 4);
    EXPECT_EQ(show.value(QStringLiteral("transitions")).toArray().size(), 1);

    QJsonObject models = runJson({QStringLiteral("models")});
    ASSERT_EQ(models.value(QStringLiteral("models")).toArray().size(), 1);
    EXPECT_EQ(models.value(QStringLiteral("models"))
                  .toArray()
                  .first()
                  .toObject()
                  .value(QStringLiteral("version_count"))
                  .toInt(),
              1);

    QJsonObject versions = runJson({QStringLiteral("versions"), QStringLiteral("payments/fraud-detector")});
    EXPECT_EQ(versions.value(QStringLiteral("versions")).toArray().size(), 1);

    QString out;
    ASSERT_EQ(run({QStringLiteral("versions"), QStringLiteral("payments/fraud-detector")}, &out), 0);
    EXPECT_TRUE(out.contains(QLatin1String("VERSION"))) << out.toStdString();
    EXPECT_TRUE(out.contains(QLatin1String("auc=0.847"))) << out.toStdString();
}

TEST_P(Modelctl, ManifestRegistersAndBrokenManifestIsRefused)
{
    const QString good = db->tempPath(QStringLiteral("good.json"));
    QFile g(good);
    ASSERT_TRUE(g.open(QIODevice::WriteOnly));
    g.write(R"({"name": "search/ranker", "artifact": "gs://m/ranker/1", "metrics": {"ndcg@test": 0.61},
               "facts": {"code.git_sha": "abcdef1"}, "inputs": ["dataset:queries@2026-11"]})");
    g.close();
    QJsonObject reg = runJson({QStringLiteral("register"), QStringLiteral("--manifest"), good});
    EXPECT_EQ(reg.value(QStringLiteral("version")).toInt(), 1);

    const QString bad = db->tempPath(QStringLiteral("bad.json"));
    QFile b(bad);
    ASSERT_TRUE(b.open(QIODevice::WriteOnly));
    b.write(R"({"name": "search/ranker", "artifact": "gs://m/ranker/2", "metrics": {"ndcg@test": 0.61,})");
    b.close();
    QString err;
    EXPECT_EQ(run({QStringLiteral("register"), QStringLiteral("--manifest"), bad}, nullptr, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("not valid JSON"))) << err.toStdString();
    EXPECT_EQ(
        run({QStringLiteral("register"), QStringLiteral("--manifest"), db->tempPath(QStringLiteral("missing.json"))},
            nullptr, &err),
        2);
    EXPECT_TRUE(err.contains(QLatin1String("Cannot read the manifest")));
    EXPECT_EQ(versionCount(), 1);
}

TEST_P(Modelctl, ExitCodesDistinguishUsageNotFoundAndDatabaseErrors)
{
    ASSERT_EQ(run({QStringLiteral("init")}), 0);
    QString err;
    EXPECT_EQ(run({QStringLiteral("register"), QStringLiteral("fraud"), QStringLiteral("--artifact"),
                   QStringLiteral("s3://b/m"), QStringLiteral("--metric"), QStringLiteral("auc=nan")},
                  nullptr, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("finite"))) << err.toStdString();
    EXPECT_EQ(run({QStringLiteral("register"), QStringLiteral("fraud"), QStringLiteral("--artifact"),
                   QStringLiteral("s3://b/m"), QStringLiteral("--metric"), QStringLiteral("auc=0.1"),
                   QStringLiteral("--metric"), QStringLiteral("auc=0.2")},
                  nullptr, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("given twice")));
    EXPECT_EQ(run({QStringLiteral("register"), QStringLiteral("fraud")}, nullptr, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("--artifact")));
    EXPECT_EQ(run({QStringLiteral("register"), QStringLiteral("--bogus-flag")}, nullptr, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("Unknown option 'bogus-flag'"))) << err.toStdString();
    EXPECT_EQ(run({QStringLiteral("frobnicate")}, nullptr, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("unknown command 'frobnicate'"))) << err.toStdString();
    EXPECT_EQ(run({QStringLiteral("show"), QStringLiteral("nope"), QStringLiteral("1")}, nullptr, &err), 3);
    EXPECT_TRUE(err.contains(QLatin1String("nope")));
    QJsonObject notFound = runJson({QStringLiteral("versions"), QStringLiteral("nope")}, 3);
    EXPECT_EQ(notFound.value(QStringLiteral("error")).toObject().value(QStringLiteral("kind")).toString(),
              QStringLiteral("not_found"));
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), QStringLiteral("postgresql://x@127.0.0.1:1/db"),
                           QStringLiteral("models")},
                          nullptr, &err),
              5);
    EXPECT_TRUE(err.contains(QLatin1String("Cannot reach the PostgreSQL server at postgresql://x@127.0.0.1:1/db")))
        << err.toStdString();
    EXPECT_EQ(versionCount(), 0);
}

TEST_P(Modelctl, NonUtf8ArgumentsAreRefused)
{
    ASSERT_EQ(run({QStringLiteral("init")}), 0);
    // QProcess passes arguments as local 8-bit; build an invalid byte sequence through a shell.
    QProcess p;
    p.start(QStringLiteral("/bin/sh"),
            {QStringLiteral("-c"), QStringLiteral("\"%1\" --registry \"%2\" register fraud --artifact s3://b/m "
                                                  "--description \"$(printf 'caf\\351')\"")
                                       .arg(QStringLiteral(MODELCTL_PATH), db->url())});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 2);
    EXPECT_TRUE(p.readAllStandardError().contains("UTF-8"));
    EXPECT_EQ(versionCount(), 0);
}

TEST_P(Modelctl, AuditVerifyAndTagAndDescribeAndHelp)
{
    ASSERT_EQ(run({QStringLiteral("register"), QStringLiteral("fraud"), QStringLiteral("--artifact"),
                   QStringLiteral("s3://b/m")}),
              0);
    ASSERT_EQ(run({QStringLiteral("tag"), QStringLiteral("fraud"), QStringLiteral("--version"), QStringLiteral("1"),
                   QStringLiteral("reviewed=yes")}),
              0);
    ASSERT_EQ(run({QStringLiteral("describe"), QStringLiteral("fraud"), QStringLiteral("Fraud scores")}), 0);
    QJsonObject verify = runJson({QStringLiteral("audit"), QStringLiteral("verify")});
    EXPECT_TRUE(verify.value(QStringLiteral("intact")).toBool());
    EXPECT_EQ(verify.value(QStringLiteral("entries_checked")).toInt(),
              db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log")).toInt());
    EXPECT_EQ(db->rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 4);
    QJsonObject log = runJson({QStringLiteral("audit"), QStringLiteral("log"), QStringLiteral("--action"),
                               QStringLiteral("set_version_tags")});
    EXPECT_EQ(log.value(QStringLiteral("entries")).toArray().size(), 1);
    QString out;
    for (const char *cmd : {"init", "register", "models", "versions", "show", "tag", "describe", "audit", "demo"}) {
        EXPECT_EQ(runModelctl({QString::fromLatin1(cmd), QStringLiteral("--help")}, &out), 0) << cmd;
        EXPECT_TRUE(out.contains(QLatin1String("Usage:"))) << cmd;
    }
    EXPECT_EQ(runModelctl({QStringLiteral("--help")}, &out), 0);
    EXPECT_TRUE(out.contains(QLatin1String("register")));
}

TEST_P(Modelctl, LifecycleFromTheCommandLine)
{
    // On PostgreSQL the same CLI runs as different login users; on SQLite --as names the actor.
    auto as = [&](const QString &user, const QString &role, QStringList args) {
        if (GetParam() == Backend::Postgres) {
            db->openAs(user, role); // creates the login user and grants the role
            args.prepend(db->urlFor(user));
            args.prepend(QStringLiteral("--registry"));
            return args;
        } else {
            args.prepend(user);
            args.prepend(QStringLiteral("--as"));
            args.prepend(db->url());
            args.prepend(QStringLiteral("--registry"));
        }
        return args;
    };
    QString out, err;
    const QString alice = QStringLiteral("alice");
    const QString sci = QStringLiteral("scientist");
    for (int i = 0; i < 2; ++i)
        ASSERT_EQ(runModelctl(as(alice, sci,
                                 {QStringLiteral("register"), QStringLiteral("fraud"), QStringLiteral("--artifact"),
                                  QStringLiteral("s3://m/fraud/%1").arg(i + 1), QStringLiteral("--metric"),
                                  QStringLiteral("auc@test=0.9")}),
                              &out, &err),
                  0)
            << err.toStdString();
    for (int v : {1, 2}) {
        ASSERT_EQ(runModelctl(as(alice, sci,
                                 {QStringLiteral("promote"), QStringLiteral("fraud"), QString::number(v),
                                  QStringLiteral("--to"), QStringLiteral("Staging")}),
                              &out, &err),
                  0)
            << err.toStdString();
        ASSERT_EQ(runModelctl(as(alice, sci,
                                 {QStringLiteral("--json"), QStringLiteral("request"), QStringLiteral("fraud"),
                                  QString::number(v), QStringLiteral("--to"), QStringLiteral("Production"),
                                  QStringLiteral("--reason"), QStringLiteral("better")}),
                              &out, &err),
                  0)
            << err.toStdString();
        const QJsonObject req = QJsonDocument::fromJson(out.toUtf8()).object();
        EXPECT_EQ(req.value(QStringLiteral("status")).toString(), QStringLiteral("pending"));
        const QString id = QString::number(req.value(QStringLiteral("id")).toInt());
        // Four eyes: the requester cannot approve (a conflict, checked before her role on both dialects).
        EXPECT_EQ(runModelctl(as(alice, sci,
                                 {QStringLiteral("approve"), id, QStringLiteral("--comment"), QStringLiteral("mine")}),
                              &out, &err),
                  4)
            << err.toStdString();
        EXPECT_TRUE(err.contains(QStringLiteral("Four eyes: alice requested #%1").arg(id))) << err.toStdString();
        ASSERT_EQ(runModelctl(as(QStringLiteral("rita"), QStringLiteral("reviewer"),
                                 {QStringLiteral("--json"), QStringLiteral("approve"), id, QStringLiteral("--comment"),
                                  QStringLiteral("ok")}),
                              &out, &err),
                  0)
            << err.toStdString();
        EXPECT_EQ(QJsonDocument::fromJson(out.toUtf8()).object().value(QStringLiteral("status")).toString(),
                  QStringLiteral("promoted"));
    }
    ASSERT_EQ(
        runModelctl(as(alice, sci, {QStringLiteral("--json"), QStringLiteral("production"), QStringLiteral("fraud")}),
                    &out, &err),
        0);
    QJsonObject prod = QJsonDocument::fromJson(out.toUtf8()).object();
    EXPECT_EQ(prod.value(QStringLiteral("version")).toInt(), 2);
    EXPECT_EQ(prod.value(QStringLiteral("artifact_uri")).toString(), QStringLiteral("s3://m/fraud/2"));
    // Rolling back needs a reason; then v1 is back.
    const QString dave = QStringLiteral("dave");
    const QString dep = QStringLiteral("deployer");
    EXPECT_EQ(runModelctl(as(dave, dep, {QStringLiteral("rollback"), QStringLiteral("fraud")}), &out, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("Give a reason (--reason)"))) << err.toStdString();
    ASSERT_EQ(runModelctl(as(dave, dep,
                             {QStringLiteral("--json"), QStringLiteral("rollback"), QStringLiteral("fraud"),
                              QStringLiteral("--reason"), QStringLiteral("checkout errors")}),
                          &out, &err),
              0)
        << err.toStdString();
    EXPECT_EQ(QJsonDocument::fromJson(out.toUtf8()).object().value(QStringLiteral("version")).toInt(), 1);
    ASSERT_EQ(runModelctl(as(dave, dep, {QStringLiteral("--json"), QStringLiteral("history"), QStringLiteral("fraud")}),
                          &out, &err),
              0);
    const QJsonArray periods =
        QJsonDocument::fromJson(out.toUtf8()).object().value(QStringLiteral("periods")).toArray();
    ASSERT_EQ(periods.size(), 3);
    EXPECT_EQ(periods.at(2).toObject().value(QStringLiteral("entered_kind")).toString(), QStringLiteral("rollback"));
    EXPECT_EQ(periods.at(0).toObject().value(QStringLiteral("approvers")).toArray().first().toString(),
              QStringLiteral("rita"));
    // A bad stage name is a usage error; promoting None -> Production is a conflict naming the allowed moves.
    EXPECT_EQ(runModelctl(as(dave, dep,
                             {QStringLiteral("promote"), QStringLiteral("fraud"), QStringLiteral("1"),
                              QStringLiteral("--to"), QStringLiteral("Prod")}),
                          &out, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("Give the target stage with --to Staging|Production|None|Archived")))
        << err.toStdString();
    EXPECT_EQ(runModelctl(as(dave, dep, {QStringLiteral("production"), QStringLiteral("nope")}), &out, &err), 3);
    EXPECT_TRUE(err.contains(QLatin1String("There is no model named 'nope'"))) << err.toStdString();
}

// A refusal on PostgreSQL prints exactly the refusal: no driver noise ("Unable to free statement: ERROR: current
// transaction is aborted ...", "QPSQL: Unable to create query") before or after it.
TEST(ModelctlPostgres, RefusalsPrintOnlyTheRefusalMessage)
{
    TestDatabase db(Backend::Postgres);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    auto admin = db.open();
    ASSERT_TRUE(admin);
    ASSERT_TRUE(admin->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    ASSERT_TRUE(db.openAs(QStringLiteral("randy"), QStringLiteral("reader")));
    ASSERT_TRUE(db.openAs(QStringLiteral("dave"), QStringLiteral("deployer")));
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db.urlFor(QStringLiteral("randy")), QStringLiteral("register"),
                           QStringLiteral("fraud"), QStringLiteral("--artifact"), QStringLiteral("s3://m/fraud/2"),
                           QStringLiteral("--metric"), QStringLiteral("auc@test=0.9")},
                          &out, &err),
              6)
        << err.toStdString();
    EXPECT_EQ(err, QStringLiteral("modelctl: Permission denied: randy may not do this (permission denied for table "
                                  "namespaces). A registry admin can grant a ModelDesk role with `modelctl grant ROLE "
                                  "randy`.\n"));
    EXPECT_FALSE(err.contains(QLatin1String("Unable to"))) << err.toStdString();
    // A refusal by a trigger deep inside a transaction (earlier statements' queries are still alive then).
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db.urlFor(QStringLiteral("dave")), QStringLiteral("promote"),
                           QStringLiteral("fraud"), QStringLiteral("1"), QStringLiteral("--to"),
                           QStringLiteral("Production")},
                          &out, &err),
              4)
        << err.toStdString();
    EXPECT_TRUE(err.startsWith(QLatin1String("modelctl: "))) << err.toStdString();
    EXPECT_EQ(err.count(QLatin1Char('\n')), 1) << err.toStdString();
    EXPECT_FALSE(err.contains(QLatin1String("Unable to"))) << err.toStdString();
    EXPECT_FALSE(err.contains(QLatin1String("QPSQL"))) << err.toStdString();
}

// `audit checkpoint` prints the head; `verify --expect` finds the newest entries deleted after it, which the
// chain alone cannot show. The deletion lifts the guards as only the file owner or a superuser can.
TEST_P(Modelctl, AuditCheckpointCatchesDeletedNewestEntries)
{
    ASSERT_EQ(run({QStringLiteral("register"), QStringLiteral("fraud"), QStringLiteral("--artifact"),
                   QStringLiteral("s3://b/m")}),
              0);
    QString out;
    ASSERT_EQ(run({QStringLiteral("audit"), QStringLiteral("checkpoint")}, &out), 0);
    const QString checkpoint = out.trimmed();
    const auto parsed = AuditCheckpoint::parse(checkpoint);
    ASSERT_TRUE(parsed) << checkpoint.toStdString();
    EXPECT_EQ(parsed->entries, db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log")).toInt());
    EXPECT_EQ(parsed->hash, db->rawScalar(QStringLiteral("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")));
    // Later entries are fine: the checkpoint is still in the log.
    ASSERT_EQ(run({QStringLiteral("tag"), QStringLiteral("fraud"), QStringLiteral("--version"), QStringLiteral("1"),
                   QStringLiteral("reviewed=yes")}),
              0);
    QJsonObject ok =
        runJson({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--expect"), checkpoint});
    EXPECT_TRUE(ok.value(QStringLiteral("intact")).toBool())
        << ok.value(QStringLiteral("problem")).toString().toStdString();
    EXPECT_EQ(ok.value(QStringLiteral("expected")).toString(), checkpoint);
    // Deleting the newest entries (everything after the first) leaves a valid, shorter chain.
    const bool pg = GetParam() == Backend::Postgres;
    const QStringList lift =
        pg ? QStringList{QStringLiteral("SET session_replication_role = replica; DELETE FROM audit_log WHERE id > "
                                        "(SELECT min(id) FROM audit_log)")}
           : QStringList{QStringLiteral("DROP TRIGGER audit_log_no_delete"),
                         QStringLiteral("DROP TRIGGER audit_log_delete_through_modeldesk"),
                         QStringLiteral("DELETE FROM audit_log WHERE id > (SELECT min(id) FROM audit_log)")};
    QStringList restore;
    if (!pg) // the guards are put back exactly: only the checkpoint can tell
        for (const char *t : {"audit_log_no_delete", "audit_log_delete_through_modeldesk"})
            restore << db->rawScalar(QStringLiteral("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                                                    "'%1'")
                                         .arg(QLatin1String(t)))
                           .toString();
    for (const QString &sql : lift)
        ASSERT_EQ(db->rawExec(sql), QString()) << sql.toStdString();
    for (const QString &sql : restore)
        ASSERT_EQ(db->rawExec(sql), QString()) << sql.toStdString();
    QString err;
    EXPECT_EQ(
        run({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--expect"), checkpoint}, &out, &err), 4)
        << out.toStdString() << err.toStdString();
    EXPECT_TRUE(out.contains(QLatin1String("Audit log BROKEN")) && out.contains(QLatin1String("fewer than the")))
        << out.toStdString();
    // A malformed checkpoint is a usage error that says what one looks like.
    EXPECT_EQ(
        run({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--expect"), QStringLiteral("12:zz")},
            &out, &err),
        2);
    EXPECT_TRUE(err.contains(QLatin1String("ENTRIES:HASH"))) << err.toStdString();
}
