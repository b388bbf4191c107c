// The bad-input corpus (tests/corpus/*.jsonl, format in tests/corpus/README.md): every case runs the real modelctl
// and must exit with its code, say the problem in words a user recognises (its message), and write nothing: the
// registry's rows (both dialects) and, for damaged files, the file's bytes are the same afterwards.

#include "testdb.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>

#include <sys/mount.h>
#include <unistd.h>

using namespace md;
using namespace md::test;

namespace {

struct Case
{
    QString where; // "names.jsonl:12"
    QJsonObject json;
};

QList<Case> loadCases(const QString &file)
{
    QFile f(QStringLiteral(MODELDESK_CORPUS_DIR "/") + file);
    if (!f.open(QIODevice::ReadOnly)) {
        ADD_FAILURE() << "cannot read the corpus file " << file.toStdString();
        return {};
    }
    QList<Case> cases;
    int line = 0;
    while (!f.atEnd()) {
        ++line;
        const QByteArray text = f.readLine().trimmed();
        if (text.isEmpty() || text.startsWith("//"))
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
        if (!doc.isObject()) {
            ADD_FAILURE() << file.toStdString() << ":" << line << ": " << error.errorString().toStdString();
            continue;
        }
        cases.append({QStringLiteral("%1:%2").arg(file).arg(line), doc.object()});
    }
    return cases;
}

// "${rep:N:TEXT}" stands for TEXT repeated N times (huge and deeply nested inputs stay readable in the corpus).
QString expand(QString s)
{
    static const QRegularExpression rep(QStringLiteral("\\$\\{rep:(\\d+):([^}]*)\\}"));
    for (auto m = rep.match(s); m.hasMatch(); m = rep.match(s))
        s.replace(m.capturedStart(), m.capturedLength(), m.captured(2).repeated(m.captured(1).toInt()));
    return s;
}

QStringList argsOf(const QJsonObject &c, const QHash<QString, QString> &placeholders)
{
    QStringList args;
    for (const QJsonValue &v : c.value(QLatin1String("args")).toArray()) {
        QString a = expand(v.toString());
        for (auto it = placeholders.begin(); it != placeholders.end(); ++it)
            a.replace(it.key(), it.value());
        args << a;
    }
    return args;
}

// Runs one case; true when it was refused as the corpus says.
::testing::AssertionResult refusedAsListed(const Case &c, const QStringList &args, int code, const QString &err,
                                           const QHash<QString, QString> &placeholders = {})
{
    const int exit = c.json.value(QLatin1String("exit")).toInt(-1);
    QString message = c.json.value(QLatin1String("message")).toString();
    for (auto it = placeholders.begin(); it != placeholders.end(); ++it)
        message.replace(it.key(), it.value());
    if (message.isEmpty())
        return ::testing::AssertionFailure() << c.where.toStdString() << ": the case names no message";
    if (code != exit || !err.contains(message))
        return ::testing::AssertionFailure()
               << c.where.toStdString() << ": modelctl " << args.join(QLatin1Char(' ')).left(300).toStdString()
               << "\n  exited " << code << " with: " << err.left(600).toStdString() << "\n  expected exit " << exit
               << " and a message containing: " << message.toStdString();
    return ::testing::AssertionSuccess();
}

void seed(Registry &registry)
{
    VersionSpec spec = sampleSpec(QStringLiteral("payments/fraud-detector"));
    spec.tags.insert(QStringLiteral("team"), QStringLiteral("payments"));
    ASSERT_TRUE(registry.registerVersion(spec));
    ASSERT_TRUE(registry.registerVersion(sampleSpec(QStringLiteral("payments/fraud-detector"))));
    ASSERT_TRUE(registry.registerVersion(sampleSpec(QStringLiteral("ads/ctr"))));
}

class Corpus : public BothDialects
{
};

// Names, metrics, params, facts, inputs, URIs, digests, manifests, filters and webhook URLs, on both dialects.
TEST_P(Corpus, BadInputIsRefusedWithItsReasonAndChangesNothing)
{
    seed(*registry);
    registry.reset();
    const QString manifest = db->tempPath(QStringLiteral("manifest.json"));
    const QString secret = db->tempPath(QStringLiteral("secret"));
    {
        QFile f(secret);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(32, 'k'));
    }
    const QHash<QString, QString> placeholders{{QStringLiteral("{manifest}"), manifest},
                                               {QStringLiteral("{secret}"), secret}};
    const QString before = db->contentFingerprint();
    ASSERT_TRUE(before.contains(QLatin1String("payments/fraud-detector")) || before.contains(QLatin1String("fraud")))
        << before.left(400).toStdString();
    int checked = 0;
    for (const QString &file :
         {QStringLiteral("names.jsonl"), QStringLiteral("metrics.jsonl"), QStringLiteral("uris.jsonl"),
          QStringLiteral("manifests.jsonl"), QStringLiteral("filters.jsonl"), QStringLiteral("urls.jsonl")}) {
        for (const Case &c : loadCases(file)) {
            if (c.json.contains(QLatin1String("registry")))
                continue; // a registry URL of its own: CorpusUrls
            if (c.json.contains(QLatin1String("manifest"))) {
                QFile f(manifest);
                ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
                f.write(expand(c.json.value(QLatin1String("manifest")).toString()).toUtf8());
            }
            const QStringList args = argsOf(c.json, placeholders);
            QString out, err;
            const int code = runModelctl(QStringList{QStringLiteral("--registry"), db->url()} + args, &out, &err);
            EXPECT_TRUE(refusedAsListed(c, args, code, err, placeholders));
            const QString after = db->contentFingerprint();
            ASSERT_EQ(after, before) << c.where.toStdString() << " changed the registry";
            ++checked;
        }
    }
    EXPECT_GE(checked, 280);
}

MD_INSTANTIATE_BOTH(Corpus);

// Registry URLs that are malformed, unsupported or point nowhere: refused with the reason, and nothing is created.
TEST(CorpusUrls, BadRegistryUrlsAreRefusedAndCreateNothing)
{
    QTemporaryDir dir;
    int checked = 0;
    for (const Case &c : loadCases(QStringLiteral("urls.jsonl"))) {
        if (!c.json.contains(QLatin1String("registry")))
            continue;
        const QString url = c.json.value(QLatin1String("registry")).toString();
        const QStringList args = argsOf(c.json, {});
        QProcess p;
        p.setWorkingDirectory(dir.path());
        p.start(QStringLiteral(MODELCTL_PATH), QStringList{QStringLiteral("--registry"), url} + args);
        ASSERT_TRUE(p.waitForFinished(60000)) << c.where.toStdString();
        EXPECT_TRUE(refusedAsListed(c, args, p.exitCode(), QString::fromUtf8(p.readAllStandardError())));
        EXPECT_EQ(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList())
            << c.where.toStdString() << " created a file";
        if (url.startsWith(QLatin1Char('/')) || url.startsWith(QLatin1String("sqlite:///"))) {
            EXPECT_FALSE(QFileInfo::exists(QString(url).remove(QStringLiteral("sqlite://")))) << c.where.toStdString();
        }
        ++checked;
    }
    EXPECT_GE(checked, 15);
}

// Damaged registry files (tests/corpus/damaged.jsonl): each is refused with what is wrong with it, and neither the
// file nor its folder is changed.
class DamagedFiles : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const QString path = m_seedDir.filePath(QStringLiteral("seed.db"));
        {
            auto r = Registry::open(path, Registry::Open::CreateIfMissing);
            ASSERT_TRUE(r) << r.error().message.toStdString();
            ASSERT_TRUE((*r)->registerVersion(sampleSpec(QStringLiteral("fraud-detector"))));
            for (int i = 0; i < 30; ++i) // enough pages that damage in the middle lands in the tables
                ASSERT_TRUE((*r)->registerVersion(sampleSpec(QStringLiteral("model-%1").arg(i))));
        }
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::ReadOnly));
        m_seed = f.readAll();
        ASSERT_GT(m_seed.size(), 16 * 4096);
        ASSERT_FALSE(QFile::exists(path + QStringLiteral("-wal")));
    }

    static QByteArray randomBytes(quint32 seed, int size)
    {
        QRandomGenerator g(seed);
        QByteArray bytes(size, Qt::Uninitialized);
        for (char &b : bytes)
            b = char(g.bounded(256));
        return bytes;
    }

    // Writes the damaged registry at `path` as the case says; false when the case cannot be prepared here.
    bool prepare(const QJsonObject &c, const QString &path)
    {
        const QString damage = c.value(QLatin1String("damage")).toString();
        QByteArray bytes = m_seed;
        if (damage == QLatin1String("folder"))
            return QDir().mkpath(path);
        if (damage == QLatin1String("empty")) {
            bytes.clear();
        } else if (damage == QLatin1String("truncate")) {
            const int at = c.value(QLatin1String("at")).toInt();
            bytes.truncate(at >= 0 ? at : bytes.size() + at);
        } else if (damage == QLatin1String("random")) {
            bytes = randomBytes(c.value(QLatin1String("seed")).toInt(), c.value(QLatin1String("size")).toInt());
        } else if (damage == QLatin1String("overwrite")) {
            int offset = c.value(QLatin1String("offset")).toInt();
            if (offset < 0)
                offset += bytes.size();
            QByteArray patch =
                c.contains(QLatin1String("hex"))
                    ? QByteArray::fromHex(c.value(QLatin1String("hex")).toString().toLatin1())
                : c.contains(QLatin1String("zeros"))
                    ? QByteArray(c.value(QLatin1String("zeros")).toInt(), '\0')
                    : randomBytes(c.value(QLatin1String("seed")).toInt(), c.value(QLatin1String("random")).toInt());
            bytes.replace(offset, patch.size(), patch);
        } else if (damage == QLatin1String("text")) {
            bytes = c.value(QLatin1String("content")).toString().toUtf8();
        } else if (damage == QLatin1String("foreign")) {
            QProcess sqlite;
            sqlite.start(QStringLiteral("sqlite3"), {path, c.value(QLatin1String("sql")).toString()});
            return sqlite.waitForFinished() && sqlite.exitCode() == 0;
        } else if (damage == QLatin1String("newer_schema")) {
            // A later ModelDesk's registry: written through the client function its guards call.
            if (!QFile::copy(m_seedDir.filePath(QStringLiteral("seed.db")), path))
                return false;
            QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
            bool ok = false;
            {
                QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("newer"));
                raw.setDatabaseName(path);
                ok = raw.open() && registerSqliteClientFunction(raw.driver()->handle()) &&
                     QSqlQuery(raw).exec(QStringLiteral("INSERT INTO schema_version (version, applied_at, "
                                                        "description) VALUES (99, '2030-01-01T00:00:00.000Z', "
                                                        "'from the future')"));
                raw.close();
            }
            QSqlDatabase::removeDatabase(QStringLiteral("newer"));
            return ok && !QFile::exists(path + QStringLiteral("-wal"));
        } else if (damage != QLatin1String("read_only") && damage != QLatin1String("full_disk")) {
            ADD_FAILURE() << "unknown damage " << damage.toStdString();
            return false;
        }
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
            return false;
        f.close();
        if (damage == QLatin1String("read_only"))
            QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
        return true;
    }

    // Runs modelctl on `path`; as `nobody` when root runs the tests and the case needs a user who may only read.
    static int run(const QString &path, const QStringList &args, bool asReader, const QString &program, QString *err)
    {
        QProcess p;
        const QStringList all = QStringList{QStringLiteral("--registry"), path} + args;
        if (asReader && geteuid() == 0)
            p.start(QStringLiteral("runuser"),
                    QStringList{QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"), program} + all);
        else
            p.start(program, all);
        if (!p.waitForFinished(60000))
            return -2;
        // `audit verify` reports on stdout; refusals come on stderr.
        *err = QString::fromUtf8(p.readAllStandardError()) + QString::fromUtf8(p.readAllStandardOutput());
        return p.exitCode();
    }

    struct Snapshot
    {
        QByteArray bytes;
        QStringList files;
        bool operator==(const Snapshot &) const = default;
    };
    static Snapshot snapshot(const QString &dir, const QString &path)
    {
        Snapshot s;
        QFile f(path);
        if (f.open(QIODevice::ReadOnly))
            s.bytes = f.readAll();
        // What is in the folder, and how big: a -shm file SQLite makes to read is no change; a -wal with content or
        // a -journal is.
        for (const QFileInfo &i : QDir(dir).entryInfoList(QDir::NoDotAndDotDot | QDir::AllEntries, QDir::Name))
            if (!i.fileName().endsWith(QLatin1String("-shm")) &&
                !(i.fileName().endsWith(QLatin1String("-wal")) && i.size() == 0) &&
                i.fileName() != QLatin1String("modelctl") && i.fileName() != QLatin1String("fill"))
                s.files << QStringLiteral("%1 %2").arg(i.fileName()).arg(i.isDir() ? -1 : i.size());
        return s;
    }

    // Runs every case of the corpus with `damage` in or out of `kinds`.
    void runCases(const std::function<bool(const QString &)> &selected, const QString &mountPoint = {})
    {
        int checked = 0;
        for (const Case &c : loadCases(QStringLiteral("damaged.jsonl"))) {
            const QString damage = c.json.value(QLatin1String("damage")).toString();
            if (!selected(damage))
                continue;
            QTemporaryDir scratch;
            const QString dir = mountPoint.isEmpty() ? scratch.path() : mountPoint;
            const bool asReader = damage == QLatin1String("read_only");
            if (asReader) // `nobody` must reach the folder, and a copy of modelctl (the build tree may be under /root)
                QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                               QFileDevice::ReadOther | QFileDevice::ExeOther);
            const QString program =
                asReader ? QDir(dir).filePath(QStringLiteral("modelctl")) : QStringLiteral(MODELCTL_PATH);
            if (asReader) {
                ASSERT_TRUE(QFile::copy(QStringLiteral(MODELCTL_PATH), program));
            }
            const bool newFile = c.json.value(QLatin1String("new_file")).toBool();
            const QString path = QDir(dir).filePath(newFile ? QStringLiteral("new.db") : QStringLiteral("registry.db"));
            if (!newFile) {
                ASSERT_TRUE(prepare(c.json, path)) << c.where.toStdString();
            }
            if (damage == QLatin1String("full_disk"))
                fillDisk(dir, c.json.value(QLatin1String("free")).toInt());
            const Snapshot before = snapshot(dir, path);
            const QStringList args = argsOf(c.json, {});
            QString err;
            const int code = run(path, args, asReader, program, &err);
            EXPECT_TRUE(refusedAsListed(c, args, code, err, {{QStringLiteral("{path}"), path}}));
            const Snapshot after = snapshot(dir, path);
            EXPECT_EQ(after.bytes, before.bytes) << c.where.toStdString() << ": the file was changed";
            EXPECT_EQ(after.files, before.files) << c.where.toStdString() << ": files were left in the folder";
            if (!mountPoint.isEmpty())
                for (const QString &name : QDir(dir).entryList(QDir::NoDotAndDotDot | QDir::Files))
                    QFile::remove(QDir(dir).filePath(name));
            ++checked;
        }
        EXPECT_GT(checked, 0);
    }

    // Fills the file system holding `dir` until `free` bytes are left.
    static void fillDisk(const QString &dir, qint64 free)
    {
        QFile fill(QDir(dir).filePath(QStringLiteral("fill")));
        ASSERT_TRUE(fill.open(QIODevice::WriteOnly | QIODevice::Append));
        const QByteArray block(4096, 'x');
        for (int i = 0; i < 100000; ++i) { // bounded: the tmpfs is small
            QStorageInfo disk(dir);
            disk.refresh();
            if (disk.bytesAvailable() <= free || fill.write(block) != block.size() || !fill.flush())
                break;
        }
    }

    QTemporaryDir m_seedDir;
    QByteArray m_seed;
};

TEST_F(DamagedFiles, AreRefusedWithWhatIsWrongAndLeftAsTheyWere)
{
    runCases([](const QString &damage) { return damage != QLatin1String("full_disk"); });
}

// A full disk: a 1 MiB tmpfs filled to the byte count of the case. Mounting needs root; without it the test runs
// itself again as root of its own user and mount namespace (`unshare --user --map-root-user --mount`, allowed to
// unprivileged users on Debian), so it runs for every developer, not only in CI.
TEST_F(DamagedFiles, AFullDiskIsNamedAndNothingIsHalfWritten)
{
    if (geteuid() != 0) {
        QProcess self;
        self.setProcessChannelMode(QProcess::MergedChannels);
        self.start(QStringLiteral("unshare"),
                   {QStringLiteral("--user"), QStringLiteral("--map-root-user"), QStringLiteral("--mount"),
                    QCoreApplication::applicationFilePath(),
                    QStringLiteral("--gtest_filter=DamagedFiles.AFullDiskIsNamedAndNothingIsHalfWritten")});
        ASSERT_TRUE(self.waitForFinished(180000));
        const QString output = QString::fromUtf8(self.readAll());
        if (output.startsWith(QLatin1String("unshare:")))
            GTEST_SKIP() << "this machine allows neither root nor unprivileged user namespaces, so no small file "
                            "system can be mounted: "
                         << output.trimmed().toStdString();
        EXPECT_EQ(self.exitCode(), 0) << output.toStdString();
        EXPECT_TRUE(output.contains(QLatin1String("[  PASSED  ] 1 test."))) << output.toStdString();
        return;
    }
    QTemporaryDir mount;
    ASSERT_EQ(::mount("tmpfs", QFile::encodeName(mount.path()).constData(), "tmpfs", 0, "size=1m"), 0)
        << strerror(errno);
    runCases([](const QString &damage) { return damage == QLatin1String("full_disk"); }, mount.path());
    ::umount(QFile::encodeName(mount.path()).constData());
}

} // namespace
