// Batch registration (`modelctl register --batch FILE.jsonl`, Registry::registerBatch) on both dialects: every good
// line registered, every bad one reported with its line number and its reason and nothing of it written, or with
// --atomic nothing at all; and statements with bound values sent to PostgreSQL with the values written in.

#include "registry/internals.h"
#include "testdb.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace md;
using namespace md::test;

namespace {

QByteArray manifestLine(const QString &model, int i, const char *extra = "")
{
    return QStringLiteral(R"({"name": "%1", "artifact": "s3://batch/%1/%2/model.bin", "metrics": {"auc@test": %3},)"
                          R"( "params": {"lr": "0.%2"}, "facts": {"code.git_sha": "abcdef%2"}%4})")
        .arg(model)
        .arg(i)
        .arg(0.8 + i * 0.0001)
        .arg(QString::fromUtf8(extra))
        .toUtf8();
}

} // namespace

class Batch : public BothDialects
{
protected:
    QString writeFile(const QString &name, const QList<QByteArray> &lines)
    {
        const QString path = db->tempPath(name);
        QFile f(path);
        EXPECT_TRUE(f.open(QIODevice::WriteOnly));
        for (const QByteArray &line : lines)
            f.write(line + '\n');
        return path;
    }
    // modelctl --json register ARGS: the exit code and the JSON it printed.
    int runBatch(const QStringList &args, QJsonObject *json, QString *err = nullptr, const QByteArray &stdinData = {})
    {
        QString out;
        const int code = runModelctl(
            QStringList{QStringLiteral("--registry"), db->url(), QStringLiteral("--json"), QStringLiteral("register")} +
                args,
            &out, err, 120000, stdinData);
        *json = QJsonDocument::fromJson(out.toUtf8()).object();
        return code;
    }
    QStringList versionsOf(const QString &model)
    {
        return db->rawRows(QStringLiteral("SELECT v.version, v.artifact_uri, v.sealed FROM model_versions v JOIN "
                                          "registered_models m ON m.id = v.model_id WHERE m.name = '%1' ORDER BY "
                                          "v.version")
                               .arg(model));
    }
    static QMap<int, QString> errorsByLine(const QJsonObject &json)
    {
        QMap<int, QString> errors;
        for (const QJsonValue &e : json.value(QStringLiteral("errors")).toArray())
            errors.insert(e[QStringLiteral("line")].toInt(), e[QStringLiteral("message")].toString());
        return errors;
    }
};
MD_INSTANTIATE_BOTH(Batch);

TEST_P(Batch, EveryGoodLineIsRegisteredAndEveryBadOneNamedByItsLine)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("ads/ctr"))));
    const QString path = writeFile(
        QStringLiteral("batch.jsonl"),
        {manifestLine(QStringLiteral("ads/ranker"), 1),                                       // 1
         manifestLine(QStringLiteral("Ads/Bad Name"), 2),                                     // 2: invalid name
         manifestLine(QStringLiteral("ads/ranker"), 3),                                       // 3
         "",                                                                                  // 4: blank, skipped
         R"({"name": "ads/ranker", "artifact": )",                                            // 5: broken JSON
         manifestLine(QStringLiteral("ads/ranker"), 6, R"(, "inputs": ["model:ads/ctr@7"])"), // 6: unknown input
         manifestLine(QStringLiteral("ads/ranker"), 7, R"(, "inputs": ["model:ads/ctr@1"])"), // 7
         manifestLine(QStringLiteral("ads/ranker"), 8, R"(, "metrics": {"auc": 0.9})")});     // 8: metrics twice
    QJsonObject json;
    QString err;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), path}, &json, &err), 2) << err.toStdString();
    EXPECT_EQ(json.value(QStringLiteral("registered")).toInt(), 3);
    EXPECT_EQ(json.value(QStringLiteral("refused")).toInt(), 4);
    const QMap<int, QString> errors = errorsByLine(json);
    EXPECT_EQ(errors.keys(), (QList<int>{2, 5, 6, 8}));
    EXPECT_TRUE(errors.value(2).startsWith(path + QStringLiteral(" line 2: "))) << errors.value(2).toStdString();
    EXPECT_TRUE(errors.value(2).contains(QLatin1String("Ads/Bad Name"))) << errors.value(2).toStdString();
    EXPECT_TRUE(errors.value(5).contains(QLatin1String("line 5 is not valid JSON"))) << errors.value(5).toStdString();
    EXPECT_TRUE(errors.value(6).contains(QLatin1String("model:ads/ctr@7"))) << errors.value(6).toStdString();
    EXPECT_TRUE(errors.value(8).contains(QLatin1String("line 8: the key $.metrics appears twice")))
        << errors.value(8).toStdString();
    EXPECT_TRUE(err.contains(path + QStringLiteral(" line 6: "))) << err.toStdString();

    // The good lines, in file order, numbered without gaps (line 6's failure rolled its transaction back, and
    // the others were registered again one by one), each sealed.
    const QJsonArray versions = json.value(QStringLiteral("versions")).toArray();
    ASSERT_EQ(versions.size(), 3);
    EXPECT_EQ(versions.at(0)[QStringLiteral("line")].toInt(), 1);
    EXPECT_EQ(versions.at(2)[QStringLiteral("line")].toInt(), 7);
    EXPECT_EQ(versionsOf(QStringLiteral("ads/ranker")),
              (QStringList{QStringLiteral("1|s3://batch/ads/ranker/1/model.bin|1"),
                           QStringLiteral("2|s3://batch/ads/ranker/3/model.bin|1"),
                           QStringLiteral("3|s3://batch/ads/ranker/7/model.bin|1")}));
    auto v3 = registry->version(QStringLiteral("ads/ranker"), 3);
    ASSERT_TRUE(v3) << v3.error().message.toStdString();
    ASSERT_EQ(v3->inputs.size(), 1);
    EXPECT_EQ(v3->inputs.first().spec(), QStringLiteral("model:ads/ctr@1"));
    EXPECT_EQ(v3->params.value(QStringLiteral("lr")), QStringLiteral("0.7"));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'register_version'")).toInt(),
              4);
    auto verified = registry->verifyAudit();
    ASSERT_TRUE(verified) << verified.error().message.toStdString();
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
}

TEST_P(Batch, AtomicRegistersNothingWhenAnyLineIsBad)
{
    const QString before = db->contentFingerprint();
    // A line refused before the database is reached, and one the database refuses (an unknown input).
    const QString invalid = writeFile(QStringLiteral("invalid.jsonl"),
                                      {manifestLine(QStringLiteral("ads/ranker"), 1),
                                       manifestLine(QStringLiteral("ads/ranker"), 2, R"(, "metrics": {"x": 1})"),
                                       manifestLine(QStringLiteral("ads/ranker"), 3)});
    const QString unknownInput =
        writeFile(QStringLiteral("unknown.jsonl"),
                  {manifestLine(QStringLiteral("ads/ranker"), 1), manifestLine(QStringLiteral("ads/ranker"), 2),
                   manifestLine(QStringLiteral("ads/ranker"), 3, R"(, "inputs": ["model:ads/none@1"])")});
    for (const QString &path : {invalid, unknownInput}) {
        QJsonObject json;
        QString err;
        const int code = runBatch({QStringLiteral("--batch"), path, QStringLiteral("--atomic")}, &json, &err);
        EXPECT_EQ(code, path == invalid ? 2 : 3) << err.toStdString();
        EXPECT_EQ(json.value(QStringLiteral("registered")).toInt(), 0);
        EXPECT_EQ(json.value(QStringLiteral("refused")).toInt(), 1);
        EXPECT_EQ(errorsByLine(json).keys(), (QList<int>{path == invalid ? 2 : 3}));
        EXPECT_TRUE(json.value(QStringLiteral("versions")).toArray().isEmpty());
        EXPECT_EQ(db->contentFingerprint(), before) << path.toStdString();
        QString text;
        runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("register"), QStringLiteral("--batch"),
                     path, QStringLiteral("--atomic")},
                    &text);
        EXPECT_TRUE(text.contains(QLatin1String("Registered nothing from"))) << text.toStdString();
    }
    // A line that is not JSON and one with a bad name: one run names both, and nothing is written.
    const QString both =
        writeFile(QStringLiteral("both.jsonl"), {manifestLine(QStringLiteral("ads/ranker"), 1), R"({"name": )",
                                                 manifestLine(QStringLiteral("Ads/Bad Name"), 3)});
    QJsonObject bothJson;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), both, QStringLiteral("--atomic")}, &bothJson), 2);
    const QMap<int, QString> bothErrors = errorsByLine(bothJson);
    EXPECT_EQ(bothErrors.keys(), (QList<int>{2, 3}));
    EXPECT_TRUE(bothErrors.value(2).contains(QLatin1String("line 2 is not valid JSON")))
        << bothErrors.value(2).toStdString();
    EXPECT_TRUE(bothErrors.value(3).contains(QLatin1String("line 3: The model name 'Ads/Bad Name' is not valid")))
        << bothErrors.value(3).toStdString();
    EXPECT_EQ(db->contentFingerprint(), before);
    EXPECT_EQ(versionsOf(QStringLiteral("ads/ranker")), QStringList());

    const QString good = writeFile(QStringLiteral("good.jsonl"), {manifestLine(QStringLiteral("ads/ranker"), 1),
                                                                  manifestLine(QStringLiteral("ads/ranker"), 2)});
    QJsonObject json;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), good, QStringLiteral("--atomic")}, &json), 0);
    EXPECT_EQ(json.value(QStringLiteral("registered")).toInt(), 2);
    EXPECT_EQ(versionsOf(QStringLiteral("ads/ranker")).size(), 2);
}

TEST_P(Batch, ManyChunksFromStandardInputKeepEveryGoodLine)
{
    // More lines than one transaction takes (500), a bad one in the second chunk, read from standard input.
    QByteArray input;
    constexpr int kLines = 1100;
    for (int i = 1; i <= kLines; ++i)
        input += (i == 777 ? manifestLine(QStringLiteral("ads/ranker"), i, R"(, "tags": {"": "x"})")
                           : manifestLine(i % 2 ? QStringLiteral("ads/ranker") : QStringLiteral("ads/bidder"), i)) +
                 '\n';
    QJsonObject json;
    QString err;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), QStringLiteral("-")}, &json, &err, input), 2) << err.toStdString();
    EXPECT_EQ(json.value(QStringLiteral("registered")).toInt(), kLines - 1);
    EXPECT_EQ(errorsByLine(json).keys(), QList<int>{777});
    EXPECT_TRUE(errorsByLine(json).value(777).startsWith(QLatin1String("stdin line 777: ")));
    EXPECT_EQ(json.value(QStringLiteral("models_created")).toInt(), 2);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), kLines - 1);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT max(version) FROM model_versions v JOIN registered_models m ON "
                                           "m.id = v.model_id WHERE m.name = 'ads/ranker'"))
                  .toInt(),
              kLines / 2 - 1);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM metrics")).toInt(), kLines - 1);
}

TEST_P(Batch, OptionsForOneVersionAreRefusedWithABatch)
{
    const QString path = writeFile(QStringLiteral("one.jsonl"), {manifestLine(QStringLiteral("ads/ranker"), 1)});
    const QString before = db->contentFingerprint();
    QString err;
    QJsonObject json;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), path, QStringLiteral("--artifact"), QStringLiteral("s3://x/y")},
                       &json, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("--artifact cannot be combined with it"))) << err.toStdString();
    EXPECT_EQ(runBatch({QStringLiteral("ads/ranker"), QStringLiteral("--batch"), path}, &json, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("drop ads/ranker"))) << err.toStdString();
    EXPECT_EQ(runBatch({QStringLiteral("ads/ranker"), QStringLiteral("--artifact"), QStringLiteral("s3://x/y"),
                        QStringLiteral("--atomic")},
                       &json, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("--atomic applies to --batch FILE only"))) << err.toStdString();
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), db->tempPath(QStringLiteral("missing.jsonl"))}, &json, &err), 2);
    EXPECT_TRUE(err.contains(QLatin1String("Cannot read the batch file"))) << err.toStdString();
    EXPECT_EQ(db->contentFingerprint(), before);
}

TEST_P(Batch, ALineLongerThanSixteenMebibytesIsRefusedAndTheRestRegistered)
{
    QByteArray huge = R"({"name": "ads/ranker", "artifact": "s3://x/y", "description": ")";
    huge += QByteArray(17 * 1024 * 1024, 'x');
    huge += R"("})";
    const QString path = writeFile(QStringLiteral("huge.jsonl"), {manifestLine(QStringLiteral("ads/ranker"), 1), huge,
                                                                  manifestLine(QStringLiteral("ads/ranker"), 3)});
    QJsonObject json;
    EXPECT_EQ(runBatch({QStringLiteral("--batch"), path}, &json), 2);
    EXPECT_EQ(json.value(QStringLiteral("registered")).toInt(), 2);
    EXPECT_TRUE(errorsByLine(json).value(2).contains(QLatin1String("line 2 is longer than 16 MiB")))
        << errorsByLine(json).value(2).toStdString();
    EXPECT_EQ(versionsOf(QStringLiteral("ads/ranker")).size(), 2);
}

TEST_P(Batch, BoundValuesReachTheDatabaseExactly)
{
    // On PostgreSQL a statement's bound values are written into its text (one round trip instead of QPSQL's
    // PREPARE, EXECUTE and DEALLOCATE): quotes, backslashes, question marks, dollar quotes, comment markers and
    // SQL must arrive as the value, integers and doubles exactly, NULL as NULL, an empty text as ''.
    Database &database = RegistryInternals::database(*registry);
    const QString nasty = QStringLiteral("it's a \\'; DROP TABLE metrics; -- ? $$ $1 \"q\" \u00e9\u4e2d");
    auto q = database.exec(QStringLiteral("SELECT ?, CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), ?, ?, "
                                          "'literal ? kept', ?"),
                           {nasty, qint64(9007199254740993), 0.1 + 0.2, QVariant(), QString(), QStringLiteral("?")});
    ASSERT_TRUE(q) << q.error().message.toStdString();
    ASSERT_TRUE(q->next());
    EXPECT_EQ(q->value(0).toString(), nasty);
    EXPECT_EQ(q->value(1).toLongLong(), qint64(9007199254740993));
    EXPECT_EQ(q->value(2).toDouble(), 0.1 + 0.2);
    EXPECT_TRUE(q->value(3).isNull());
    EXPECT_FALSE(q->value(4).isNull());
    EXPECT_EQ(q->value(4).toString(), QString());
    EXPECT_EQ(q->value(5).toString(), QStringLiteral("literal ? kept"));
    EXPECT_EQ(q->value(6).toString(), QStringLiteral("?"));
    q->finish();

    // The same through the registry: a version whose texts hold all of it, found again by its tag.
    VersionSpec spec = sampleSpec(QStringLiteral("ads/ranker"));
    spec.description = nasty;
    spec.tags.insert(QStringLiteral("note"), nasty);
    ASSERT_TRUE(registry->registerVersion(spec));
    auto v = registry->version(QStringLiteral("ads/ranker"), 1);
    ASSERT_TRUE(v) << v.error().message.toStdString();
    EXPECT_EQ(v->description, nasty);
    EXPECT_EQ(v->tags.value(QStringLiteral("note")), nasty);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM metrics")).toInt(), 1);
}

// Schema v9: a tag stays with its model or version. Re-pointing one to another model (same key and value) once
// moved it without an audit entry on PostgreSQL; now the database refuses it, as a scientist (who may edit tags) and
// through ModelDesk's own SQLite connection, and the tags stay where they were.
TEST_P(Batch, ATagCannotBeMovedToAnotherModelOrVersion)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("ads/ranker"))));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("ads/bidder"))));
    ASSERT_TRUE(
        registry->setModelTags(QStringLiteral("ads/ranker"), {{QStringLiteral("team"), QStringLiteral("ads")}}, {}));
    VersionSpec tagged = sampleSpec(QStringLiteral("ads/ranker"));
    tagged.tags.insert(QStringLiteral("note"), QStringLiteral("keep"));
    ASSERT_TRUE(registry->registerVersion(tagged));
    const QString moveModelTag = QStringLiteral(
        "UPDATE model_tags SET model_id = (SELECT id FROM registered_models WHERE name = 'ads/bidder') WHERE key = "
        "'team'");
    const QString moveVersionTag =
        QStringLiteral("UPDATE version_tags SET version_id = (SELECT min(id) FROM model_versions) WHERE key = 'note'");
    const QString reason = QStringLiteral("modeldesk: a tag stays with its model or version");
    if (GetParam() == Backend::Postgres) {
        auto scientist = db->openAs(QStringLiteral("sam"), QStringLiteral("scientist"));
        ASSERT_TRUE(scientist);
        EXPECT_TRUE(refusedUnchanged(*db, moveModelTag, reason, QStringLiteral("model_tags"), QStringLiteral("sam")));
        EXPECT_TRUE(
            refusedUnchanged(*db, moveVersionTag, reason, QStringLiteral("version_tags"), QStringLiteral("sam")));
    } else {
        Database &own = RegistryInternals::database(*registry);
        for (const QString &sql : {moveModelTag, moveVersionTag}) {
            auto r = own.exec(sql);
            EXPECT_TRUE(refusedAs(r, Error::Kind::Conflict, reason)) << sql.toStdString();
        }
    }
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT m.name, t.key, t.value FROM model_tags t JOIN registered_models m ON "
                                         "m.id = t.model_id")),
              QStringList{QStringLiteral("ads/ranker|team|ads")});
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT v.version, t.key FROM version_tags t JOIN model_versions v ON v.id = "
                                         "t.version_id")),
              QStringList{QStringLiteral("2|note")});
}
