// The filter language at its limits: no filter crashes the parser (nesting is bounded, so is the length), long
// chains of AND and OR up to the documented limits give the same answers on SQLite and PostgreSQL (SQLite's own
// parser limits are never reached), and beyond a limit the error names it and nothing is searched.

#include "testdb.h"

using namespace md;
using namespace md::test;

namespace {

class FilterLimits : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        for (int i = 0; i < 5; ++i) {
            VersionSpec spec = sampleSpec(QStringLiteral("limits"));
            spec.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.5 + i * 0.1}};
            ASSERT_TRUE(registry->registerVersion(spec));
        }
    }
    int hits(const QString &filter)
    {
        auto r = registry->search(filter);
        EXPECT_TRUE(r) << r.error().message.toStdString();
        return r ? int(r->hits.size()) : -1;
    }
    static QString chain(int n, const QString &op, const std::function<QString(int)> &term)
    {
        QStringList terms;
        for (int i = 0; i < n; ++i)
            terms << term(i);
        return terms.join(op);
    }
};

TEST_P(FilterLimits, LongChainsWithinTheLimitsAnswerAlikeOnBothDialects)
{
    // 190 ORs of metric conditions (SQLite's parser overflowed at about 90 nested ones).
    EXPECT_EQ(hits(chain(190, QStringLiteral(" OR "),
                         [](int i) { return QStringLiteral("metrics.auc > 0.%1").arg(80 + i % 10); })),
              1);
    // 200 ANDs (SQLite refused 1,000 as "Expression tree is too large").
    EXPECT_EQ(hits(chain(200, QStringLiteral(" AND "),
                         [](int i) { return QStringLiteral("metrics.auc >= 0.%1").arg(i % 6); })),
              5);
    // Equalities on one field in an OR chain are one IN list: the same answers as written out.
    const QString ors =
        chain(150, QStringLiteral(" OR "), [](int i) { return QStringLiteral("name = 'other-%1'").arg(i); }) +
        QStringLiteral(" OR name = 'limits' OR metrics.auc = 0.5 OR metrics.auc = 0.7 OR version = 9");
    EXPECT_EQ(hits(ors), 5);
    EXPECT_EQ(hits(QStringLiteral("metrics.auc = 0.5 OR metrics.auc = 0.7 OR metrics.auc = 0.75")), 2);
    EXPECT_EQ(hits(QStringLiteral("(metrics.auc = 0.5 OR metrics.auc = 0.7) AND version > 1")), 1);
    auto compiled = compileFilter(QStringLiteral("tags.a = 'x' OR tags.a = 'y' OR tags.b = 'x'"),
                                  GetParam() == Backend::Sqlite ? Dialect::Sqlite : Dialect::Postgres);
    ASSERT_TRUE(compiled.ok());
    EXPECT_EQ(compiled.condition.sql.count(QLatin1String("version_tags")), 2) << compiled.condition.sql.toStdString();
    // 32 levels of NOT and of parentheses.
    EXPECT_EQ(hits(QStringLiteral("NOT ").repeated(32) + QStringLiteral("version > 2")), 3);
    EXPECT_EQ(hits(QStringLiteral("(").repeated(32) + QStringLiteral("version > 2") + QStringLiteral(")").repeated(32)),
              3);
    // A long IN list.
    QStringList values;
    for (int i = 0; i < 1000; ++i)
        values << QString::number(i);
    EXPECT_EQ(hits(QStringLiteral("version IN (%1)").arg(values.join(QLatin1Char(',')))), 5);
}

TEST_P(FilterLimits, BeyondALimitTheErrorNamesItAndNothingCrashes)
{
    struct Case
    {
        QString filter;
        QString message;
    };
    QStringList values;
    for (int i = 0; i < 1001; ++i)
        values << QString::number(i);
    const QList<Case> cases{
        // 7,200 nested parentheses and 16,000 NOTs crashed the parser (unbounded recursion).
        {QStringLiteral("(").repeated(7200) + QStringLiteral("stage = 'None'") + QStringLiteral(")").repeated(7200),
         QStringLiteral("the filter is 14414 characters long; at most 10000 are accepted")},
        {QStringLiteral("NOT ").repeated(2000) + QStringLiteral("stage = 'None'"),
         QStringLiteral("Filter error at column 129: the filter nests more than 32 levels of parentheses and NOT")},
        {QStringLiteral("(").repeated(33) + QStringLiteral("stage = 'None'") + QStringLiteral(")").repeated(33),
         QStringLiteral("Filter error at column 33: the filter nests more than 32 levels")},
        {chain(201, QStringLiteral(" OR "), [](int i) { return QStringLiteral("name = 'm%1'").arg(i); }),
         QStringLiteral("the filter has more than 200 conditions: split the search, or use IN (...)")},
        {QStringLiteral("version IN (%1)").arg(values.join(QLatin1Char(','))),
         QStringLiteral("the IN list has more than 1000 values")},
    };
    for (const Case &c : cases) {
        FilterError where;
        auto r = registry->search(c.filter, 10, &where);
        EXPECT_TRUE(refusedAs(r, Error::Kind::Invalid, c.message)) << c.filter.left(60).toStdString();
    }
    // modelctl says the same, with the filter shown around the error only, and exits 2.
    QString out, err;
    EXPECT_EQ(
        runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("search"), cases[1].filter}, &out, &err),
        2);
    EXPECT_TRUE(err.contains(QLatin1String("nests more than 32 levels"))) << err.toStdString();
    EXPECT_LT(err.size(), 600) << "the error echoes the whole filter";
}

// LIKE ignores case in every script, and answers the same on both dialects (it once did on ASCII only, so
// SQLite and PostgreSQL disagreed on 'élan' and 'ÉLAN').
TEST_P(FilterLimits, LikeIgnoresCaseBeyondAsciiAlikeOnBothDialects)
{
    const QStringList words{QStringLiteral("élan"),     QStringLiteral("ÉLAN"),  QStringLiteral("Straße"),
                            QStringLiteral("İstanbul"), QStringLiteral("ΣΟΦΙΑ"), QStringLiteral("ASCII")};
    for (int i = 0; i < words.size(); ++i)
        ASSERT_TRUE(registry->setVersionTags(QStringLiteral("limits"), i + 1 > 5 ? 5 : i + 1,
                                             {{QStringLiteral("w%1").arg(i >= 5 ? 2 : 1), words[i]}}, {}));
    auto versions = [&](const QString &filter) {
        auto r = registry->search(filter);
        EXPECT_TRUE(r) << r.error().message.toStdString();
        QList<int> list;
        for (const SearchHit &h : r ? r->hits : QList<SearchHit>{})
            list << h.version;
        std::sort(list.begin(), list.end());
        return list;
    };
    EXPECT_EQ(versions(QStringLiteral("tags.w1 LIKE 'élan'")), (QList<int>{1, 2}));
    EXPECT_EQ(versions(QStringLiteral("tags.w1 LIKE 'ÉL%'")), (QList<int>{1, 2}));
    EXPECT_EQ(versions(QStringLiteral("tags.w1 LIKE 'straße'")), (QList<int>{3}));
    EXPECT_EQ(versions(QStringLiteral("tags.w1 LIKE 'i\u0307stanbul'")), (QList<int>{4}));
    EXPECT_EQ(versions(QStringLiteral("tags.w1 LIKE 'σοφια'")), (QList<int>{5}));
    EXPECT_EQ(versions(QStringLiteral("tags.w2 LIKE 'ascii'")), (QList<int>{5}));
    EXPECT_EQ(versions(QStringLiteral("tags.w1 NOT LIKE '%a%'")), (QList<int>{5}));
    EXPECT_EQ(versions(QStringLiteral("name LIKE 'LIMITS'")), (QList<int>{1, 2, 3, 4, 5}));
}

MD_INSTANTIATE_BOTH(FilterLimits);

} // namespace
