// Bad situations that once did the wrong thing quietly: `init` on a newer schema said "ready", another
// application's SQLite file was switched to WAL before being refused, and --json usage errors came as plain text.

#include "registry/manifest.h"
#include "testdb.h"

#include <QJsonDocument>
#include <QProcess>

#include <unistd.h>

using namespace md;
using namespace md::test;

namespace {

class Robustness : public BothDialects
{
};

TEST_P(Robustness, InitOnANewerSchemaRefusesInsteadOfSayingReady)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud-detector"))));
    registry.reset();
    ASSERT_EQ(db->rawExec(QStringLiteral("INSERT INTO schema_version (version, applied_at, description) "
                                         "VALUES (99, '2030-01-01T00:00:00.000Z', 'from the future')")),
              QString());
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("init")}, &out, &err), 5);
    EXPECT_TRUE(err.contains(QLatin1String("is not ready for writing"))) << err.toStdString();
    EXPECT_TRUE(err.contains(QLatin1String("99"))) << err.toStdString();
    EXPECT_FALSE(out.contains(QLatin1String("ready at")));
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("--json"), QStringLiteral("init")},
                          &out, &err),
              5);
    EXPECT_EQ(QJsonDocument::fromJson(out.toUtf8())
                  .object()
                  .value(QLatin1String("error"))
                  .toObject()
                  .value(QLatin1String("kind")),
              QJsonValue(QStringLiteral("newer_schema")));
    // Nothing changed: the version is still the only one, the schema still says 99.
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(), 99);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 1);
}

TEST_P(Robustness, AManifestThatSaysTwoThingsOrHidesTextIsRefusedWithThePath)
{
    struct Case
    {
        QByteArray json;
        QString message;
    };
    const QList<Case> cases{
        {R"({"name": "dup", "artifact": "s3://b/m", "metrics": {"auc": 0.9, "f1": 0.5, "auc": 0.7}})",
         QStringLiteral("the key $.metrics.auc appears twice")},
        {R"({"name": "dup", "artifact": "s3://b/m", "name": "other"})", QStringLiteral("the key $.name appears twice")},
        {R"({"name": "dup", "artifact": "s3://b/m", "tags": {"team": "a", "team": "b"}})",
         QStringLiteral("the key $.tags.team appears twice")},
        {R"({"name": "dup", "artifact": "s3://b/m", "inputs": [{"kind": "source", "name": "a"}, {"name": "b", "kind": "x", "name": "c"}]})",
         QStringLiteral("the key $.inputs[1].name appears twice")},
        {QByteArray(R"({"name": "dup", "artifact": "s3://b/)") + QStringLiteral("\u202Eexe.gpj").toUtf8() + R"("})",
         QStringLiteral(
             "The artifact URI contains an invisible bidirectional formatting character (U+202E) at position 8")},
        {QByteArray(R"({"name": "dup", "artifact": "s3://b/m", "tags": {"te)") + QStringLiteral("\u2066").toUtf8() +
             R"(am": "a"}})",
         QStringLiteral("invisible bidirectional formatting character (U+2066)")},
    };
    for (const Case &c : cases) {
        auto spec = parseManifest(c.json, QStringLiteral("m.json"));
        Result<RegisterResult> r = spec ? registry->registerVersion(*spec) : Result<RegisterResult>(spec.error());
        EXPECT_TRUE(refusedAs(r, Error::Kind::Invalid, c.message)) << c.json.toStdString();
    }
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 0);
    // The same key in different objects is not a duplicate; a description may hold bidi marks (free text).
    auto fine = parseManifest(R"({"name": "dup", "artifact": "s3://b/m", "params": {"a": "1"}, "tags": {"a": "1"},
                                  "metrics": {"a": 0.5}, "inputs": ["source:a", "source:b"]})",
                              QStringLiteral("m.json"));
    ASSERT_TRUE(fine) << fine.error().message.toStdString();
    fine->description = QStringLiteral("\u202B\u05E9\u05DC\u05D5\u05DD\u202C model");
    EXPECT_TRUE(registry->registerVersion(*fine));
}

// `modelctl demo` is one transaction: killed in the middle (after its first progress line) it leaves no models,
// and runs again; refused part-way (PostgreSQL, a login without a role) it writes nothing.
TEST_P(Robustness, DemoKilledHalfwayLeavesNothingAndRunsAgain)
{
    registry.reset();
    QProcess demo;
    demo.start(QStringLiteral(MODELCTL_PATH), {QStringLiteral("--registry"), db->url(), QStringLiteral("demo")});
    QByteArray progress;
    ASSERT_TRUE(waitFor(
        [&] {
            progress += demo.readAllStandardError();
            return progress.contains("demo: 50/") || demo.state() == QProcess::NotRunning;
        },
        60000));
    ASSERT_EQ(demo.state(), QProcess::Running) << "the demo finished before it could be killed";
    demo.kill(); // SIGKILL
    demo.waitForFinished();
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM registered_models")).toInt(), 0);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 0);
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("demo")}, &out, &err, 120000), 0)
        << err.toStdString();
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM registered_models")).toInt(), 12);
    if (db->backend() != Backend::Postgres)
        return;
    TestDatabase other(Backend::Postgres);
    ASSERT_TRUE(other.ready());
    ASSERT_TRUE(other.open()); // the registry exists; the login below has no ModelDesk role
    // An admin that is not a superuser sets the gate policy (the demo's first step), then may not register with the
    // demo's historic times: before, the policy stayed behind and the next demo refused the registry.
    ASSERT_TRUE(other.openAs(QStringLiteral("rb_admin"), QStringLiteral("admin")));
    const int code =
        runModelctl({QStringLiteral("--registry"), other.urlFor(QStringLiteral("rb_admin")), QStringLiteral("demo")},
                    &out, &err, 120000);
    EXPECT_EQ(code, 2) << err.toStdString();
    EXPECT_TRUE(
        err.contains(QLatin1String("a creation time (2026-01-12T10:07:58.000Z) can be given only by a superuser")))
        << err.toStdString();
    EXPECT_TRUE(err.contains(QLatin1String("Nothing was written: the registry is as empty as before.")))
        << err.toStdString();
    EXPECT_EQ(other.rawScalar(QStringLiteral("SELECT count(*) FROM registered_models")).toInt(), 0);
    EXPECT_EQ(other.rawScalar(QStringLiteral("SELECT count(*) FROM gate_policies")).toInt(), 0);
    EXPECT_EQ(other.rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 0);
}

MD_INSTANTIATE_BOTH(Robustness);

TEST(RobustnessSqlite, AnotherApplicationsDatabaseIsRefusedUnchanged)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.db"));
    QProcess sqlite;
    sqlite.start(QStringLiteral("sqlite3"),
                 {path, QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes "
                                       "(text) VALUES ('keep me');")});
    ASSERT_TRUE(sqlite.waitForFinished());
    ASSERT_EQ(sqlite.exitCode(), 0);
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray before = f.readAll();
    f.close();
    for (const QStringList &args :
         {QStringList{QStringLiteral("models")}, QStringList{QStringLiteral("init")},
          QStringList{QStringLiteral("--json"), QStringLiteral("watch"), QStringLiteral("--no-follow")}}) {
        QString out, err;
        EXPECT_EQ(runModelctl(QStringList{QStringLiteral("--registry"), path} + args, &out, &err), 5);
        EXPECT_TRUE(err.contains(QLatin1String("is a database but not a ModelDesk registry (it has tables notes")))
            << err.toStdString();
    }
    // Byte for byte as it was: no WAL switch, no schema, no -wal file left.
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), before);
    EXPECT_FALSE(QFile::exists(path + QStringLiteral("-wal")));
    sqlite.start(QStringLiteral("sqlite3"), {path, QStringLiteral("PRAGMA journal_mode;")});
    ASSERT_TRUE(sqlite.waitForFinished());
    EXPECT_EQ(QString::fromUtf8(sqlite.readAllStandardOutput()).trimmed(), QStringLiteral("delete"));
}

// A registry the user may only read (its permissions; then also its folder's) opens for browsing, says why it is
// read-only, refuses changes with that reason, and is not changed. As root (CI), the user is `nobody`.
TEST(RobustnessSqlite, AReadOnlyRegistryFileOpensForBrowsing)
{
    QTemporaryDir dir;
    QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                          QFileDevice::ReadOther | QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                          QFileDevice::ExeGroup);
    const QString path = dir.filePath(QStringLiteral("registry.db"));
    {
        auto r = Registry::open(path, Registry::Open::CreateIfMissing);
        ASSERT_TRUE(r);
        ASSERT_TRUE((*r)->registerVersion(sampleSpec(QStringLiteral("fraud-detector"))));
    }
    ASSERT_TRUE(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
    // A copy of modelctl next to the registry: `nobody` may not be able to reach the build tree (under /root).
    const QString program = dir.filePath(QStringLiteral("modelctl"));
    ASSERT_TRUE(QFile::copy(QStringLiteral(MODELCTL_PATH), program));
    auto asReader = [&](const QStringList &args, QString *out, QString *err) {
        QProcess p;
        QStringList all{QStringLiteral("--registry"), path};
        all += args;
        if (geteuid() == 0)
            p.start(QStringLiteral("runuser"), QStringList{QStringLiteral("-u"), QStringLiteral("nobody"),
                                                           QStringLiteral("--"), QStringLiteral(MODELCTL_PATH)} +
                                                   all);
        else
            p.start(QStringLiteral(MODELCTL_PATH), all);
        EXPECT_TRUE(p.waitForFinished(30000));
        *out = QString::fromUtf8(p.readAllStandardOutput());
        *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    };
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray before = f.readAll();
    f.close();
    for (bool folderToo : {false, true}) {
        if (folderToo)
            QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                  QFileDevice::ReadOther | QFileDevice::ExeOther);
        QString out, err;
        EXPECT_EQ(asReader({QStringLiteral("versions"), QStringLiteral("fraud-detector")}, &out, &err), 0)
            << err.toStdString();
        EXPECT_TRUE(out.contains(QLatin1String("auc@test=0.9"))) << out.toStdString();
        EXPECT_EQ(
            asReader({QStringLiteral("tag"), QStringLiteral("fraud-detector"), QStringLiteral("team=x")}, &out, &err),
            5);
        EXPECT_TRUE(err.contains(QLatin1String("is read-only for you (its permissions, or a read-only disk)")))
            << err.toStdString();
        EXPECT_EQ(asReader({QStringLiteral("init")}, &out, &err), 5);
        EXPECT_TRUE(err.contains(QLatin1String("is not ready for writing"))) << err.toStdString();
    }
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), before);
    QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

TEST(RobustnessCli, EveryJsonErrorIsTheDocumentedObject)
{
    struct Case
    {
        QStringList args;
        QString fragment;
    };
    for (const Case &c :
         {Case{{QStringLiteral("--json"), QStringLiteral("nosuch")}, QStringLiteral("unknown command 'nosuch'")},
          Case{{QStringLiteral("--json"), QStringLiteral("models"), QStringLiteral("--bogus")},
               QStringLiteral("Unknown option 'bogus'; see `modelctl models --help`.")},
          Case{{QStringLiteral("watch"), QStringLiteral("--json"), QStringLiteral("--after")},
               QStringLiteral("Missing value after '--after'")}}) {
        QString out, err;
        EXPECT_EQ(runModelctl(c.args, &out, &err), 2) << c.args.join(QLatin1Char(' ')).toStdString();
        const QJsonObject e = QJsonDocument::fromJson(out.toUtf8()).object().value(QLatin1String("error")).toObject();
        EXPECT_EQ(e.value(QLatin1String("kind")).toString(), QStringLiteral("invalid")) << out.toStdString();
        EXPECT_TRUE(e.value(QLatin1String("message")).toString().contains(c.fragment)) << out.toStdString();
    }
}

} // namespace
