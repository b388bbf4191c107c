#pragma once

// The search filter language, shared by the GUI search bar and `modelctl search`:
//
//   metrics.auc > 0.85 AND tags.team = 'payments' AND NOT stage IN ('Archived')
//   data.date_to < '2026-10-15'
//   lineage.input = 'pipeline:features@2.3'
//
// Text is lexed, parsed into a syntax tree (FilterNode), then translated into a SQL condition whose
// values are all bound parameters: nothing the user types ever becomes SQL text.

#include "location.h"
#include "types.h"

#include <QList>
#include <QString>
#include <QVariantList>

#include <memory>
#include <optional>

namespace md {

class Database; // database.h: the registry core's own

// Where a filter is wrong: a 0-based character offset and length into the filter text, and a message
// for people that names the column (1-based) and what was expected there.
struct FilterError
{
    qsizetype position = 0;
    qsizetype length = 1;
    QString message;

    Error toError() const { return Error::invalid(message); }
};

struct FilterField
{
    enum class Kind
    {
        Name,
        Namespace,
        Version,
        Stage,
        CreatedAt,
        CreatedBy,
        Metric,       // metrics.NAME[@dataset][[slice]]
        Param,        // params.NAME
        Tag,          // tags.NAME
        Fact,         // data.NAME, code.NAME, env.NAME, training.NAME
        LineageInput, // lineage.input
        Count
    };
    Kind kind = Kind::Name;
    QString name;     // metric, param, tag or fact name
    QString category; // fact category
    std::optional<QString> dataset;
    QString slice;
    qsizetype position = 0;
    qsizetype length = 0;

    QString text() const; // canonical spelling, e.g. "metrics.auc@test[country=DE]"
};

struct FilterValue
{
    enum class Type
    {
        String,
        Number
    };
    Type type = Type::String;
    QString text; // the string, or a number as written
    double number = 0.0;
    qsizetype position = 0;
    qsizetype length = 0;
};

struct FilterNode
{
    enum class Type
    {
        And,
        Or,
        Not,
        Compare
    };
    enum class Op
    {
        Eq,
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
        Like,
        NotLike,
        In,
        NotIn
    };
    Type type = Type::Compare;
    std::shared_ptr<const FilterNode> left;  // And, Or, Not (operand)
    std::shared_ptr<const FilterNode> right; // And, Or
    FilterField field;                       // Compare
    Op op = Op::Eq;                          // Compare
    QList<FilterValue> values;               // Compare: one value, or the IN list

    // A fully parenthesised rendering of the tree, for tests and debugging:
    // "(AND (> metrics.auc 0.85) (= tags.team 'payments'))".
    QString toString() const;
};

struct ParsedFilter
{
    std::shared_ptr<const FilterNode> root;
    std::optional<FilterError> error;
    bool ok() const { return !error.has_value(); }
};

ParsedFilter parseFilter(const QString &text);

// A SQL condition over `model_versions v`, `registered_models m` and `namespaces ns`, with "?" placeholders.
struct SqlCondition
{
    QString sql;
    QVariantList binds;
};

struct CompiledFilter
{
    SqlCondition condition;
    std::optional<FilterError> error; // syntax errors and meaning errors (e.g. metrics.auc LIKE 'x')
    bool ok() const { return !error.has_value(); }
};

CompiledFilter compileFilter(const QString &text, Dialect dialect);

// One matching version.
// The value of a metric, param, tag or fact of one version, as a cell of the search results.
struct FieldValue
{
    QString text;                 // empty: the version has no such value
    std::optional<double> number; // metrics: the (first) value, for sorting
};

struct SearchHit
{
    QString modelName;
    QString namespaceName;
    int version = 0;
    Stage stage = Stage::None;
    QString createdAt;
    QString createdBy;
    QString artifactUri;
    QString description;
    QList<FieldValue> fields; // the values of the fields asked for (loadSearchHits), parallel to them
};

struct SearchOutcome
{
    QList<SearchHit> hits;
    bool truncated = false; // more than `limit` versions matched
};

inline constexpr int kDefaultSearchLimit = 1000;
// What a filter may be (both dialects answer every filter within these; beyond them the error says which limit).
inline constexpr int kMaxFilterLength = 10000;    // characters
inline constexpr int kMaxFilterConditions = 200;  // comparisons
inline constexpr int kMaxFilterDepth = 32;        // nested parentheses and NOTs
inline constexpr int kMaxFilterListValues = 1000; // values in one IN list

// Runs a filter over all versions of all models, ordered by model name and newest version first.
// A filter error is returned as an Invalid error; *filterError (when given) receives its position.
Result<SearchOutcome> searchVersions(Database &db, const QString &filter, int limit = kDefaultSearchLimit,
                                     FilterError *filterError = nullptr);

// The ids of the matching versions in the search order (at most `limit`; truncated when more match).
// Paging a long result by these ids costs the same per page however many versions match; re-running
// the filter for every page (keyset) sorts all matches each time (200 ms a page for 75,000 hits on
// SQLite).
struct SearchIds
{
    QList<qint64> ids;
    bool truncated = false;
};
Result<SearchIds> searchVersionIds(Database &db, const QString &filter, int limit, FilterError *filterError = nullptr);

// A metric as the tables show it: whole numbers without decimals ("12" ms), otherwise four significant digits with
// trailing zeros dropped ("0.85", "0.8471", "123.5"), never in scientific notation from 0.001 on, very small
// magnitudes in it ("1.5e-05").
QString formatMetricValue(double value);

// A metric, param, tag or fact a filter names, as a column of the search results (so that a search for
// `metrics.auc > 0.85` shows auc). A metric without a dataset may have a value on several datasets: all of them
// are shown, "0.91 @test · 0.88 @val", sorted by the first.
// The sub-table fields (metrics, params, tags, facts) a filter names, in the order they first appear, each once,
// at most `limit`. Empty for a filter that does not parse.
QList<FilterField> filterColumns(const QString &filter, int limit = 8);

// The hits for these version ids, in the order given (ids that no longer exist are skipped), with the values of
// `fields` (one statement per field).
Result<QList<SearchHit>> loadSearchHits(Database &db, const QList<qint64> &ids, const QList<FilterField> &fields = {});

// The field names the language knows, for help texts and completion.
QStringList filterFieldHelp();

} // namespace md
