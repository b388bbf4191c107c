#include "search.h"

#include <list>

#include "database.h"

#include "validation.h"

#include <QRegularExpression>

#include <cmath>

namespace md {

namespace {

// ---- lexer --------------------------------------------------------------------------------------

struct Token
{
    enum class Kind
    {
        Word,    // field names, keywords and bare words
        String,  // 'quoted' or "quoted", or an unquoted date
        Number,  // 0.85, -3, 1e-4
        Op,      // = != <> < <= > >=
        LParen,  // (
        RParen,  // )
        Comma,   // ,
        At,      // @ (metric dataset)
        Bracket, // [slice] as one token; text is the inside
        End
    };
    Kind kind = Kind::End;
    QString text;
    qsizetype position = 0;
    qsizetype length = 0;
};

FilterError errorAt(qsizetype position, qsizetype length, const QString &what)
{
    FilterError e;
    e.position = position;
    e.length = std::max<qsizetype>(1, length);
    e.message = QStringLiteral("Filter error at column %1: %2").arg(position + 1).arg(what);
    return e;
}

QString describe(const Token &t)
{
    switch (t.kind) {
    case Token::Kind::End:
        return QStringLiteral("the end of the filter");
    case Token::Kind::String:
        return QStringLiteral("the text '%1'").arg(t.text);
    case Token::Kind::Number:
        return QStringLiteral("the number %1").arg(t.text);
    case Token::Kind::Bracket:
        return QStringLiteral("'[%1]'").arg(t.text);
    default:
        return QStringLiteral("'%1'").arg(t.text);
    }
}

bool isWordStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_');
}

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.') || c == QLatin1Char('-');
}

std::optional<FilterError> lex(const QString &text, QList<Token> *tokens)
{
    static const QRegularExpression date(
        QStringLiteral("\\G\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z?)?(?![\\w.:-])"));
    static const QRegularExpression number(
        QStringLiteral("\\G[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?(?![\\w.])"));
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        const QChar c = text.at(i);
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.position = i;
        if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            qsizetype j = i + 1;
            QString value;
            bool closed = false;
            while (j < n) {
                if (text.at(j) == c) {
                    if (j + 1 < n && text.at(j + 1) == c) { // a doubled quote is a quote
                        value += c;
                        j += 2;
                        continue;
                    }
                    closed = true;
                    ++j;
                    break;
                }
                value += text.at(j++);
            }
            if (!closed)
                return errorAt(i, n - i,
                               QStringLiteral("the text that starts here is not closed: expected a closing %1 "
                                              "(write %1%1 for a quote inside the text)")
                                   .arg(c));
            t.kind = Token::Kind::String;
            t.text = value;
            t.length = j - i;
            i = j;
        } else if (auto m = date.match(text, i, QRegularExpression::NormalMatch,
                                       QRegularExpression::AnchorAtOffsetMatchOption);
                   m.hasMatch()) {
            t.kind = Token::Kind::String;
            t.text = m.captured(0);
            t.length = m.capturedLength(0);
            i += t.length;
        } else if (auto m = number.match(text, i, QRegularExpression::NormalMatch,
                                         QRegularExpression::AnchorAtOffsetMatchOption);
                   m.hasMatch()) {
            t.kind = Token::Kind::Number;
            t.text = m.captured(0);
            t.length = m.capturedLength(0);
            i += t.length;
        } else if (isWordStart(c)) {
            qsizetype j = i + 1;
            while (j < n && isWordChar(text.at(j)))
                ++j;
            t.kind = Token::Kind::Word;
            t.text = text.mid(i, j - i);
            t.length = j - i;
            i = j;
        } else if (c == QLatin1Char('[')) {
            const qsizetype close = text.indexOf(QLatin1Char(']'), i + 1);
            if (close < 0)
                return errorAt(i, n - i, QStringLiteral("expected ']' to close the metric slice"));
            t.kind = Token::Kind::Bracket;
            t.text = text.mid(i + 1, close - i - 1).trimmed();
            t.length = close + 1 - i;
            i = close + 1;
        } else {
            static const QStringList ops = {QStringLiteral("!="), QStringLiteral("<>"), QStringLiteral("<="),
                                            QStringLiteral(">="), QStringLiteral("="),  QStringLiteral("<"),
                                            QStringLiteral(">")};
            bool matched = false;
            for (const QString &op : ops) {
                if (QStringView(text).mid(i).startsWith(op)) {
                    t.kind = Token::Kind::Op;
                    t.text = op;
                    t.length = op.size();
                    matched = true;
                    break;
                }
            }
            if (!matched) {
                t.length = 1;
                t.text = c;
                if (c == QLatin1Char('('))
                    t.kind = Token::Kind::LParen;
                else if (c == QLatin1Char(')'))
                    t.kind = Token::Kind::RParen;
                else if (c == QLatin1Char(','))
                    t.kind = Token::Kind::Comma;
                else if (c == QLatin1Char('@'))
                    t.kind = Token::Kind::At;
                else
                    return errorAt(i, 1,
                                   QStringLiteral("unexpected character '%1': expected a field, an operator, a "
                                                  "quoted text or a number")
                                       .arg(c));
            }
            i += t.length;
        }
        tokens->append(t);
    }
    Token end;
    end.kind = Token::Kind::End;
    end.position = n;
    tokens->append(end);
    return std::nullopt;
}

// ---- parser -------------------------------------------------------------------------------------

const QString kFieldList = QStringLiteral(
    "name, namespace, version, stage, created_at, created_by, metrics.NAME[@DATASET][[SLICE]], params.NAME, "
    "tags.NAME, data.NAME, code.NAME, env.NAME, training.NAME or lineage.input");

class Parser
{
public:
    explicit Parser(QList<Token> tokens) : m_tokens(std::move(tokens)) {}

    std::shared_ptr<const FilterNode> parse()
    {
        if (peek().kind == Token::Kind::End) {
            fail(peek(), QStringLiteral("the filter is empty: expected a condition such as metrics.auc > 0.85"));
            return nullptr;
        }
        auto root = parseOr();
        if (!m_error && peek().kind != Token::Kind::End) {
            if (peek().kind == Token::Kind::RParen)
                fail(peek(), QStringLiteral("unexpected ')': there is no '(' to close"));
            else
                fail(peek(),
                     QStringLiteral("expected AND, OR or the end of the filter, found %1").arg(describe(peek())));
        }
        return m_error ? nullptr : root;
    }

    std::optional<FilterError> error() const { return m_error; }

private:
    int m_depth = 0;
    int m_conditions = 0;
    const Token &peek(int ahead = 0) const
    {
        return m_tokens.at(std::min<qsizetype>(m_pos + ahead, m_tokens.size() - 1));
    }
    const Token &take() { return m_tokens.at(std::min<qsizetype>(m_pos++, m_tokens.size() - 1)); }
    bool isKeyword(const Token &t, const char *keyword) const
    {
        return t.kind == Token::Kind::Word && t.text.compare(QLatin1String(keyword), Qt::CaseInsensitive) == 0;
    }
    bool isAnyKeyword(const Token &t) const
    {
        for (const char *k : {"AND", "OR", "NOT", "IN", "LIKE"})
            if (isKeyword(t, k))
                return true;
        return false;
    }
    void fail(const Token &at, const QString &what)
    {
        if (!m_error)
            m_error = errorAt(at.position, at.length, what);
    }

    std::shared_ptr<const FilterNode> binary(FilterNode::Type type, std::shared_ptr<const FilterNode> l,
                                             std::shared_ptr<const FilterNode> r)
    {
        auto node = std::make_shared<FilterNode>();
        node->type = type;
        node->left = std::move(l);
        node->right = std::move(r);
        return node;
    }

    std::shared_ptr<const FilterNode> parseOr()
    {
        auto left = parseAnd();
        while (!m_error && isKeyword(peek(), "OR")) {
            take();
            auto right = parseAnd();
            left = binary(FilterNode::Type::Or, left, right);
        }
        return left;
    }

    std::shared_ptr<const FilterNode> parseAnd()
    {
        auto left = parseUnary();
        while (!m_error && isKeyword(peek(), "AND")) {
            take();
            auto right = parseUnary();
            left = binary(FilterNode::Type::And, left, right);
        }
        return left;
    }

    std::shared_ptr<const FilterNode> parseUnary()
    {
        if (m_error)
            return nullptr;
        // Recursion happens only here (NOT and parentheses): bounded, so no filter can exhaust the stack.
        if ((isKeyword(peek(), "NOT") || peek().kind == Token::Kind::LParen) && m_depth >= kMaxFilterDepth) {
            fail(peek(), QStringLiteral("the filter nests more than %1 levels of parentheses and NOT here: "
                                        "simplify it (e.g. NOT (a OR b) instead of NOT NOT ...)")
                             .arg(kMaxFilterDepth));
            return nullptr;
        }
        if (isKeyword(peek(), "NOT")) {
            take();
            auto node = std::make_shared<FilterNode>();
            node->type = FilterNode::Type::Not;
            ++m_depth;
            node->left = parseUnary();
            --m_depth;
            return m_error ? nullptr : node;
        }
        if (peek().kind == Token::Kind::LParen) {
            const Token open = take();
            ++m_depth;
            auto inner = parseOr();
            --m_depth;
            if (m_error)
                return nullptr;
            if (peek().kind != Token::Kind::RParen) {
                fail(peek(), QStringLiteral("expected ')' to close the '(' at column %1, found %2")
                                 .arg(open.position + 1)
                                 .arg(describe(peek())));
                return nullptr;
            }
            take();
            return inner;
        }
        return parseComparison();
    }

    bool parseField(FilterField *field)
    {
        const Token &t = peek();
        if (t.kind != Token::Kind::Word || isAnyKeyword(t)) {
            fail(t, QStringLiteral("expected a field (%1), found %2").arg(kFieldList, describe(t)));
            return false;
        }
        take();
        field->position = t.position;
        field->length = t.length;
        const QString lower = t.text.toLower();
        static const QList<std::pair<QString, FilterField::Kind>> fixed = {
            {QStringLiteral("name"), FilterField::Kind::Name},
            {QStringLiteral("model"), FilterField::Kind::Name},
            {QStringLiteral("namespace"), FilterField::Kind::Namespace},
            {QStringLiteral("version"), FilterField::Kind::Version},
            {QStringLiteral("stage"), FilterField::Kind::Stage},
            {QStringLiteral("created_at"), FilterField::Kind::CreatedAt},
            {QStringLiteral("created_by"), FilterField::Kind::CreatedBy},
            {QStringLiteral("lineage.input"), FilterField::Kind::LineageInput},
        };
        for (const auto &[spelling, kind] : fixed) {
            if (lower == spelling) {
                field->kind = kind;
                return checkNoMetricSuffix(*field);
            }
        }
        const qsizetype dot = t.text.indexOf(QLatin1Char('.'));
        const QString prefix = dot > 0 ? lower.left(dot) : QString();
        const QString rest = dot > 0 ? t.text.mid(dot + 1) : QString();
        if (prefix == QLatin1String("metrics") || prefix == QLatin1String("metric"))
            field->kind = FilterField::Kind::Metric;
        else if (prefix == QLatin1String("params") || prefix == QLatin1String("param"))
            field->kind = FilterField::Kind::Param;
        else if (prefix == QLatin1String("tags") || prefix == QLatin1String("tag"))
            field->kind = FilterField::Kind::Tag;
        else if (prefix == QLatin1String("data") || prefix == QLatin1String("code") || prefix == QLatin1String("env") ||
                 prefix == QLatin1String("training")) {
            field->kind = FilterField::Kind::Fact;
            field->category = prefix;
        } else {
            fail(t, QStringLiteral("unknown field '%1': expected %2").arg(t.text, kFieldList));
            return false;
        }
        if (rest.isEmpty()) {
            fail(t, QStringLiteral("expected a name after '%1.', e.g. %1.auc").arg(t.text.left(dot)));
            return false;
        }
        field->name = rest;
        if (field->kind != FilterField::Kind::Metric)
            return checkNoMetricSuffix(*field);
        if (peek().kind == Token::Kind::At) {
            const Token at = take();
            const Token &ds = peek();
            if (ds.kind != Token::Kind::Word && ds.kind != Token::Kind::String) {
                fail(ds, QStringLiteral("expected a dataset name after '@', e.g. metrics.auc@test"));
                return false;
            }
            take();
            field->dataset = ds.text;
            field->length = ds.position + ds.length - field->position;
            Q_UNUSED(at);
        }
        if (peek().kind == Token::Kind::Bracket) {
            const Token sl = take();
            if (sl.text.isEmpty()) {
                fail(sl, QStringLiteral("expected a slice inside [ ], e.g. metrics.auc@test[country=DE]"));
                return false;
            }
            field->slice = sl.text;
            field->length = sl.position + sl.length - field->position;
        }
        return true;
    }

    bool checkNoMetricSuffix(const FilterField &field)
    {
        if (peek().kind == Token::Kind::At || peek().kind == Token::Kind::Bracket) {
            fail(peek(),
                 QStringLiteral("only metrics have a dataset (@) or slice ([ ]); '%1' has none").arg(field.text()));
            return false;
        }
        return true;
    }

    bool parseValue(FilterValue *value, const FilterField &field)
    {
        const Token &t = peek();
        if (t.kind == Token::Kind::String || (t.kind == Token::Kind::Word && !isAnyKeyword(t))) {
            value->type = FilterValue::Type::String;
        } else if (t.kind == Token::Kind::Number) {
            value->type = FilterValue::Type::Number;
            bool ok = false;
            value->number = t.text.toDouble(&ok);
            if (!ok || !std::isfinite(value->number)) {
                fail(t, QStringLiteral("the number %1 is out of range").arg(t.text));
                return false;
            }
        } else {
            fail(t, QStringLiteral("expected a value for %1 (a quoted text such as 'payments', a number or a date), "
                                   "found %2")
                        .arg(field.text(), describe(t)));
            return false;
        }
        take();
        value->text = t.text;
        value->position = t.position;
        value->length = t.length;
        return true;
    }

    std::shared_ptr<const FilterNode> parseComparison()
    {
        if (++m_conditions > kMaxFilterConditions) {
            fail(peek(), QStringLiteral("the filter has more than %1 conditions: split the search, or use IN (...) for "
                                        "many values of one field")
                             .arg(kMaxFilterConditions));
            return nullptr;
        }
        auto node = std::make_shared<FilterNode>();
        node->type = FilterNode::Type::Compare;
        if (!parseField(&node->field))
            return nullptr;
        const Token &opToken = peek();
        bool negated = false;
        if (isKeyword(opToken, "NOT") && (isKeyword(peek(1), "IN") || isKeyword(peek(1), "LIKE"))) {
            take();
            negated = true;
        }
        const Token &t = peek();
        if (t.kind == Token::Kind::Op) {
            take();
            static const QHash<QString, FilterNode::Op> ops = {
                {QStringLiteral("="), FilterNode::Op::Eq},  {QStringLiteral("!="), FilterNode::Op::Ne},
                {QStringLiteral("<>"), FilterNode::Op::Ne}, {QStringLiteral("<"), FilterNode::Op::Lt},
                {QStringLiteral("<="), FilterNode::Op::Le}, {QStringLiteral(">"), FilterNode::Op::Gt},
                {QStringLiteral(">="), FilterNode::Op::Ge}};
            node->op = ops.value(t.text);
            FilterValue v;
            if (!parseValue(&v, node->field))
                return nullptr;
            node->values << v;
            return node;
        }
        if (isKeyword(t, "LIKE")) {
            take();
            node->op = negated ? FilterNode::Op::NotLike : FilterNode::Op::Like;
            FilterValue v;
            if (!parseValue(&v, node->field))
                return nullptr;
            node->values << v;
            return node;
        }
        if (isKeyword(t, "IN")) {
            take();
            node->op = negated ? FilterNode::Op::NotIn : FilterNode::Op::In;
            if (peek().kind != Token::Kind::LParen) {
                fail(peek(), QStringLiteral("expected '(' after IN, e.g. stage IN ('Staging', 'Production')"));
                return nullptr;
            }
            take();
            for (;;) {
                FilterValue v;
                if (!parseValue(&v, node->field))
                    return nullptr;
                node->values << v;
                if (node->values.size() > kMaxFilterListValues) {
                    fail(peek(), QStringLiteral("the IN list has more than %1 values: split the search")
                                     .arg(kMaxFilterListValues));
                    return nullptr;
                }
                if (peek().kind == Token::Kind::Comma) {
                    take();
                    continue;
                }
                if (peek().kind == Token::Kind::RParen) {
                    take();
                    break;
                }
                fail(peek(), QStringLiteral("expected ',' or ')' in the IN list, found %1").arg(describe(peek())));
                return nullptr;
            }
            return node;
        }
        fail(t, QStringLiteral("expected an operator (=, !=, <, <=, >, >=, LIKE, IN) after %1, found %2")
                    .arg(node->field.text(), describe(t)));
        return nullptr;
    }

    QList<Token> m_tokens;
    qsizetype m_pos = 0;
    std::optional<FilterError> m_error;
};

// ---- SQL ----------------------------------------------------------------------------------------

QString opSql(FilterNode::Op op)
{
    switch (op) {
    case FilterNode::Op::Eq:
        return QStringLiteral("=");
    case FilterNode::Op::Ne:
        return QStringLiteral("<>");
    case FilterNode::Op::Lt:
        return QStringLiteral("<");
    case FilterNode::Op::Le:
        return QStringLiteral("<=");
    case FilterNode::Op::Gt:
        return QStringLiteral(">");
    case FilterNode::Op::Ge:
        return QStringLiteral(">=");
    case FilterNode::Op::Like:
        return QStringLiteral("LIKE");
    case FilterNode::Op::NotLike:
        return QStringLiteral("NOT LIKE");
    case FilterNode::Op::In:
        return QStringLiteral("IN");
    case FilterNode::Op::NotIn:
        return QStringLiteral("NOT IN");
    }
    return {};
}

bool isLike(FilterNode::Op op)
{
    return op == FilterNode::Op::Like || op == FilterNode::Op::NotLike;
}

bool isList(FilterNode::Op op)
{
    return op == FilterNode::Op::In || op == FilterNode::Op::NotIn;
}

bool isOrdering(FilterNode::Op op)
{
    return op == FilterNode::Op::Lt || op == FilterNode::Op::Le || op == FilterNode::Op::Gt || op == FilterNode::Op::Ge;
}

class SqlWriter
{
public:
    explicit SqlWriter(Dialect dialect) : m_dialect(dialect) {}

    // The top level. In a chain of ANDs, one condition on a per-version table drives the query as
    // "v.id IN (SELECT version_id ...)" (an index range gives the candidate versions) and the others are
    // checked per candidate as correlated EXISTS probes on the (version_id, ...) primary keys. The
    // driver is the likeliest to be selective: an equality on a tag, param, fact or lineage node before
    // a metric range. Without this, SQLite drives from whichever IN comes first and may materialise a
    // large range (8x slower than hand-written SQL on the large benchmark registry).
    std::optional<FilterError> writeRoot(const FilterNode &node, SqlCondition *out)
    {
        if (node.type != FilterNode::Type::And)
            return write(node, out);
        QList<const FilterNode *> operands;
        flattenAnd(node, &operands);
        std::stable_sort(operands.begin(), operands.end(),
                         [](const FilterNode *a, const FilterNode *b) { return rank(*a) < rank(*b); });
        QStringList parts;
        bool driverChosen = false;
        for (const FilterNode *operand : operands) {
            const bool driver = !driverChosen && canDrive(*operand);
            driverChosen = driverChosen || driver;
            m_probe = driverChosen && !driver;
            SqlCondition c;
            auto e = write(*operand, &c);
            m_probe = false;
            if (e)
                return e;
            // PostgreSQL turns each top-level EXISTS into a semi-join and searches join orders over all of them:
            // 200 probes took 50 s to plan. Past the join collapse limit (8), "(...) IS TRUE" keeps them per-row
            // probes (SubPlans on the primary keys), planned in milliseconds.
            if (m_dialect == Dialect::Postgres && operands.size() > 8 && !driver)
                c.sql = QLatin1Char('(') + c.sql + QStringLiteral(") IS TRUE");
            parts << c.sql;
            out->binds += c.binds;
        }
        out->sql = QLatin1Char('(') + parts.join(QStringLiteral(" AND ")) + QLatin1Char(')');
        return std::nullopt;
    }

    std::optional<FilterError> write(const FilterNode &node, SqlCondition *out)
    {
        switch (node.type) {
        case FilterNode::Type::And:
        case FilterNode::Type::Or: {
            // A chain of one operator is written flat, "(a OR b OR c)": nested parentheses per term overflow
            // SQLite's parser stack at about 90 terms.
            QList<const FilterNode *> operands;
            flattenSame(node, node.type, &operands);
            // In an OR chain, equalities on one field become one IN list ("a = 1 OR a = 2" is "a IN (1, 2)"):
            // one probe of the field instead of one per value.
            std::list<FilterNode> merged; // the IN nodes, alive while they are written
            if (node.type == FilterNode::Type::Or) {
                QHash<QString, FilterNode *> byField;
                QList<const FilterNode *> kept;
                for (const FilterNode *operand : std::as_const(operands)) {
                    if (operand->type != FilterNode::Type::Compare || operand->op != FilterNode::Op::Eq) {
                        kept << operand;
                        continue;
                    }
                    const QString key = operand->field.text();
                    if (FilterNode *in = byField.value(key)) {
                        in->op = FilterNode::Op::In;
                        in->values += operand->values;
                        continue;
                    }
                    merged.push_back(*operand);
                    byField.insert(key, &merged.back());
                    kept << &merged.back();
                }
                operands = kept;
            }
            QStringList parts;
            for (const FilterNode *operand : operands) {
                SqlCondition c;
                if (auto e = write(*operand, &c))
                    return e;
                parts << c.sql;
                out->binds += c.binds;
            }
            out->sql =
                QLatin1Char('(') +
                parts.join(node.type == FilterNode::Type::And ? QStringLiteral(" AND ") : QStringLiteral(" OR ")) +
                QLatin1Char(')');
            return std::nullopt;
        }
        case FilterNode::Type::Not: {
            SqlCondition inner;
            if (auto e = write(*node.left, &inner))
                return e;
            out->sql = QStringLiteral("NOT (") + inner.sql + QLatin1Char(')');
            out->binds = inner.binds;
            return std::nullopt;
        }
        case FilterNode::Type::Compare:
            return compare(node, out);
        }
        return std::nullopt;
    }

private:
    static void flattenSame(const FilterNode &node, FilterNode::Type type, QList<const FilterNode *> *out)
    {
        if (node.type == type) {
            flattenSame(*node.left, type, out);
            flattenSame(*node.right, type, out);
        } else {
            out->append(&node);
        }
    }

    static void flattenAnd(const FilterNode &node, QList<const FilterNode *> *out)
    {
        if (node.type == FilterNode::Type::And) {
            flattenAnd(*node.left, out);
            flattenAnd(*node.right, out);
        } else {
            out->append(&node);
        }
    }

    static bool isSubTable(FilterField::Kind k)
    {
        return k == FilterField::Kind::Metric || k == FilterField::Kind::Param || k == FilterField::Kind::Tag ||
               k == FilterField::Kind::Fact;
    }

    static bool isPositive(FilterNode::Op op)
    {
        return op != FilterNode::Op::Ne && op != FilterNode::Op::NotIn && op != FilterNode::Op::NotLike;
    }

    static bool canDrive(const FilterNode &n)
    {
        return n.type == FilterNode::Type::Compare && isSubTable(n.field.kind) && isPositive(n.op);
    }

    static int rank(const FilterNode &n)
    {
        if (n.type != FilterNode::Type::Compare)
            return 4;
        const bool equality = n.op == FilterNode::Op::Eq || n.op == FilterNode::Op::In;
        if (isSubTable(n.field.kind) && n.field.kind != FilterField::Kind::Metric && equality)
            return 0;
        if (isSubTable(n.field.kind) && isPositive(n.op))
            return 1;
        if (n.field.kind == FilterField::Kind::LineageInput)
            return 2;
        return 3;
    }

    // The opening of a condition on a per-version table, closed by the caller with ")".
    QString subTable(const QString &table) const
    {
        if (m_probe)
            return QStringLiteral("EXISTS (SELECT 1 FROM ") + table +
                   QStringLiteral(" x WHERE x.version_id = v.id AND ");
        return QStringLiteral("v.id IN (SELECT x.version_id FROM ") + table + QStringLiteral(" x WHERE ");
    }

    // "<expr> <op> ?" (or the IN list) with the values bound as text; ordering and LIKE behave the same on
    // both dialects: byte order (COLLATE "C" on PostgreSQL) and LIKE case-insensitive for all of Unicode.
    QString textCondition(const QString &expr, const FilterNode &node, QVariantList *binds) const
    {
        const bool pg = m_dialect == Dialect::Postgres;
        for (const FilterValue &v : node.values)
            binds->append(v.text);
        if (isList(node.op)) {
            QStringList marks;
            for (qsizetype i = 0; i < node.values.size(); ++i)
                marks << QStringLiteral("?");
            return expr + QLatin1Char(' ') + opSql(node.op) + QStringLiteral(" (") + marks.join(u", ") +
                   QLatin1Char(')');
        }
        if (isLike(node.op)) {
            // Case-insensitive for all of Unicode, alike on both dialects: both sides lower-cased by Unicode's
            // full mappings (ICU's root locale on PostgreSQL, Qt's on SQLite: É -> é, İ -> i̇), then LIKE.
            if (pg)
                return QStringLiteral("lower(%1 COLLATE \"und-x-icu\") %2 lower(?::text COLLATE \"und-x-icu\") "
                                      "ESCAPE '\\'")
                    .arg(expr, opSql(node.op));
            return QStringLiteral("modeldesk_lower(%1) %2 modeldesk_lower(?) ESCAPE '\\'").arg(expr, opSql(node.op));
        }
        if (pg && isOrdering(node.op))
            return expr + QStringLiteral(" COLLATE \"C\" ") + opSql(node.op) + QStringLiteral(" ?");
        return expr + QLatin1Char(' ') + opSql(node.op) + QStringLiteral(" ?");
    }

    QString numberCondition(const QString &expr, const FilterNode &node, QVariantList *binds, bool integer) const
    {
        for (const FilterValue &v : node.values)
            binds->append(integer ? QVariant(qint64(v.number)) : QVariant(v.number));
        if (isList(node.op)) {
            QStringList marks;
            for (qsizetype i = 0; i < node.values.size(); ++i)
                marks << QStringLiteral("?");
            return expr + QLatin1Char(' ') + opSql(node.op) + QStringLiteral(" (") + marks.join(u", ") +
                   QLatin1Char(')');
        }
        return expr + QLatin1Char(' ') + opSql(node.op) + QStringLiteral(" ?");
    }

    std::optional<FilterError> requireNumbers(const FilterNode &node, bool integer) const
    {
        if (isLike(node.op))
            return errorAt(node.field.position, node.field.length,
                           QStringLiteral("%1 is a number: compare it with =, !=, <, <=, >, >= or IN, not LIKE")
                               .arg(node.field.text()));
        for (const FilterValue &v : node.values) {
            if (v.type != FilterValue::Type::Number)
                return errorAt(v.position, v.length,
                               QStringLiteral("%1 is a number: expected a number here, found '%2'")
                                   .arg(node.field.text(), v.text));
            if (integer && (v.number != std::floor(v.number) || std::abs(v.number) > 2e9))
                return errorAt(
                    v.position, v.length,
                    QStringLiteral("%1 is a whole number: expected e.g. 3, found %2").arg(node.field.text(), v.text));
        }
        return std::nullopt;
    }

    std::optional<FilterError> compare(const FilterNode &node, SqlCondition *out) const
    {
        const FilterField &f = node.field;
        QVariantList &b = out->binds;
        switch (f.kind) {
        case FilterField::Kind::Name:
            out->sql = textCondition(QStringLiteral("m.name"), node, &b);
            return std::nullopt;
        case FilterField::Kind::Namespace:
            out->sql = textCondition(QStringLiteral("ns.name"), node, &b);
            return std::nullopt;
        case FilterField::Kind::CreatedAt:
            out->sql = textCondition(QStringLiteral("v.created_at"), node, &b);
            return std::nullopt;
        case FilterField::Kind::CreatedBy:
            out->sql = textCondition(QStringLiteral("v.created_by"), node, &b);
            return std::nullopt;
        case FilterField::Kind::Version:
            if (auto e = requireNumbers(node, true))
                return e;
            out->sql = numberCondition(QStringLiteral("v.version"), node, &b, true);
            return std::nullopt;
        case FilterField::Kind::Stage: {
            if (isOrdering(node.op))
                return errorAt(f.position, f.length,
                               QStringLiteral("stage has no order: compare it with =, !=, IN or LIKE"));
            FilterNode normalised = node;
            if (!isLike(node.op)) {
                for (FilterValue &v : normalised.values) {
                    Stage stage;
                    if (!parseStage(v.text, &stage))
                        return errorAt(v.position, v.length,
                                       QStringLiteral("unknown stage '%1': expected None, Staging, Production or "
                                                      "Archived")
                                           .arg(v.text));
                    v.text = stageName(stage);
                }
            }
            out->sql = textCondition(QStringLiteral("v.stage"), normalised, &b);
            return std::nullopt;
        }
        case FilterField::Kind::Metric: {
            if (auto e = requireNumbers(node, false))
                return e;
            QString sql = subTable(QStringLiteral("metrics")) + QStringLiteral("x.name = ?");
            b << f.name;
            if (f.dataset) {
                sql += QStringLiteral(" AND x.dataset = ?");
                b << *f.dataset;
            }
            sql += QStringLiteral(" AND x.slice = ? AND ");
            b << f.slice;
            sql += numberCondition(QStringLiteral("x.value"), node, &b, false) + QLatin1Char(')');
            out->sql = sql;
            return std::nullopt;
        }
        case FilterField::Kind::Param:
            b << f.name;
            out->sql = subTable(QStringLiteral("params")) + QStringLiteral("x.name = ? AND ") +
                       textCondition(QStringLiteral("x.value"), node, &b) + QLatin1Char(')');
            return std::nullopt;
        case FilterField::Kind::Tag:
            b << f.name;
            out->sql = subTable(QStringLiteral("version_tags")) + QStringLiteral("x.key = ? AND ") +
                       textCondition(QStringLiteral("x.value"), node, &b) + QLatin1Char(')');
            return std::nullopt;
        case FilterField::Kind::Fact:
            b << f.category << f.name;
            out->sql = subTable(QStringLiteral("facts")) + QStringLiteral("x.category = ? AND x.name = ? AND ") +
                       textCondition(QStringLiteral("x.value"), node, &b) + QLatin1Char(')');
            return std::nullopt;
        case FilterField::Kind::LineageInput: {
            if (node.op != FilterNode::Op::Eq && node.op != FilterNode::Op::Ne && !isList(node.op))
                return errorAt(f.position, f.length,
                               QStringLiteral("lineage.input is compared with =, != or IN, e.g. "
                                              "lineage.input = 'pipeline:features@2.3'"));
            // Versions downstream of any of the named nodes, through any number of lineage edges.
            QStringList starts;
            for (const FilterValue &v : node.values) {
                auto input = parseInputSpec(v.text);
                if (!input)
                    return errorAt(v.position, v.length, input.error().message);
                starts << QStringLiteral("(n.kind = ? AND n.name = ? AND n.version = ?)");
                b << lineageKindName(input->kind) << input->name << input->version;
            }
            const bool negate = node.op == FilterNode::Op::Ne || node.op == FilterNode::Op::NotIn;
            out->sql = QStringLiteral("v.id ") + (negate ? QStringLiteral("NOT IN") : QStringLiteral("IN")) +
                       QStringLiteral(" (WITH RECURSIVE down(id) AS (SELECT n.id FROM lineage_nodes n WHERE ") +
                       starts.join(u" OR ") +
                       QStringLiteral(" UNION SELECT e.dst_id FROM lineage_edges e JOIN down d ON e.src_id = d.id) "
                                      "SELECT t.model_version_id FROM lineage_nodes t JOIN down d ON d.id = t.id "
                                      "WHERE t.model_version_id IS NOT NULL)");
            return std::nullopt;
        }
        case FilterField::Kind::Count:
            break;
        }
        return errorAt(f.position, f.length, QStringLiteral("unsupported field"));
    }

    Dialect m_dialect;
    bool m_probe = false; // write per-version conditions as correlated EXISTS probes
};

QString quoteValue(const FilterValue &v)
{
    if (v.type == FilterValue::Type::Number)
        return v.text;
    return QLatin1Char('\'') + QString(v.text).replace(QLatin1Char('\''), QStringLiteral("''")) + QLatin1Char('\'');
}

} // namespace

QString FilterField::text() const
{
    switch (kind) {
    case Kind::Name:
        return QStringLiteral("name");
    case Kind::Namespace:
        return QStringLiteral("namespace");
    case Kind::Version:
        return QStringLiteral("version");
    case Kind::Stage:
        return QStringLiteral("stage");
    case Kind::CreatedAt:
        return QStringLiteral("created_at");
    case Kind::CreatedBy:
        return QStringLiteral("created_by");
    case Kind::Metric: {
        QString t = QStringLiteral("metrics.") + name;
        if (dataset)
            t += QLatin1Char('@') + *dataset;
        if (!slice.isEmpty())
            t += QLatin1Char('[') + slice + QLatin1Char(']');
        return t;
    }
    case Kind::Param:
        return QStringLiteral("params.") + name;
    case Kind::Tag:
        return QStringLiteral("tags.") + name;
    case Kind::Fact:
        return category + QLatin1Char('.') + name;
    case Kind::LineageInput:
        return QStringLiteral("lineage.input");
    case Kind::Count:
        break;
    }
    return {};
}

QString FilterNode::toString() const
{
    switch (type) {
    case Type::And:
        return QStringLiteral("(AND ") + left->toString() + QLatin1Char(' ') + right->toString() + QLatin1Char(')');
    case Type::Or:
        return QStringLiteral("(OR ") + left->toString() + QLatin1Char(' ') + right->toString() + QLatin1Char(')');
    case Type::Not:
        return QStringLiteral("(NOT ") + left->toString() + QLatin1Char(')');
    case Type::Compare:
        break;
    }
    QStringList vals;
    for (const FilterValue &v : values)
        vals << quoteValue(v);
    QString valueText = vals.join(u", ");
    if (isList(op))
        valueText = QLatin1Char('(') + valueText + QLatin1Char(')');
    QString o = opSql(op);
    if (o == QLatin1String("<>"))
        o = QStringLiteral("!=");
    return QLatin1Char('(') + o + QLatin1Char(' ') + field.text() + QLatin1Char(' ') + valueText + QLatin1Char(')');
}

ParsedFilter parseFilter(const QString &text)
{
    ParsedFilter result;
    if (text.size() > kMaxFilterLength) {
        result.error = FilterError{kMaxFilterLength, 1,
                                   QStringLiteral("the filter is %1 characters long; at most %2 are accepted: split "
                                                  "the search")
                                       .arg(text.size())
                                       .arg(kMaxFilterLength)};
        return result;
    }
    QList<Token> tokens;
    if (auto e = lex(text, &tokens)) {
        result.error = e;
        return result;
    }
    Parser parser(std::move(tokens));
    result.root = parser.parse();
    result.error = parser.error();
    return result;
}

CompiledFilter compileFilter(const QString &text, Dialect dialect)
{
    CompiledFilter result;
    const ParsedFilter parsed = parseFilter(text);
    if (!parsed.ok()) {
        result.error = parsed.error;
        return result;
    }
    SqlWriter writer(dialect);
    result.error = writer.writeRoot(*parsed.root, &result.condition);
    return result;
}

namespace {
const QString kHitColumns =
    QStringLiteral("m.name, ns.name, v.version, v.stage, v.created_at, v.created_by, v.artifact_uri, v.description");
const QString kHitTables = QStringLiteral("model_versions v JOIN registered_models m ON m.id = v.model_id "
                                          "JOIN namespaces ns ON ns.id = m.namespace_id");

QString searchOrder(Dialect dialect)
{
    return dialect == Dialect::Postgres ? QStringLiteral("m.name COLLATE \"C\", v.version DESC")
                                        : QStringLiteral("m.name, v.version DESC");
}

SearchHit hitFrom(const QSqlQuery &q, int first)
{
    SearchHit h;
    h.modelName = q.value(first).toString();
    h.namespaceName = q.value(first + 1).toString();
    h.version = q.value(first + 2).toInt();
    parseStage(q.value(first + 3).toString(), &h.stage);
    h.createdAt = q.value(first + 4).toString();
    h.createdBy = q.value(first + 5).toString();
    h.artifactUri = q.value(first + 6).toString();
    h.description = q.value(first + 7).toString();
    return h;
}

// Checks the limit and compiles the filter; a filter error also fills *filterError (its position).
Result<SqlCondition> searchCondition(Database &db, const QString &filter, int limit, FilterError *filterError)
{
    if (limit < 1)
        return Error::invalid(QStringLiteral("The search limit must be at least 1."));
    const CompiledFilter compiled = compileFilter(filter, db.dialect());
    if (!compiled.ok()) {
        if (filterError)
            *filterError = *compiled.error;
        return compiled.error->toError();
    }
    return compiled.condition;
}
} // namespace

Result<SearchOutcome> searchVersions(Database &db, const QString &filter, int limit, FilterError *filterError)
{
    auto condition = searchCondition(db, filter, limit, filterError);
    if (!condition)
        return condition.error();
    const QString order = searchOrder(db.dialect());
    QString where = QStringLiteral("(") + condition->sql + QStringLiteral(")");
    QVariantList binds = condition->binds;
    const QString sql = QStringLiteral("SELECT ") + kHitColumns + QStringLiteral(" FROM ") + kHitTables +
                        QStringLiteral(" WHERE ") + where + QStringLiteral(" ORDER BY ") + order +
                        QStringLiteral(" LIMIT ?");
    binds << qint64(limit) + 1;
    auto q = db.exec(sql, binds);
    if (!q)
        return q.error();
    SearchOutcome outcome;
    while (q->next()) {
        if (outcome.hits.size() == limit) {
            outcome.truncated = true;
            break;
        }
        outcome.hits << hitFrom(*q, 0);
    }
    q->finish();
    return outcome;
}

Result<SearchIds> searchVersionIds(Database &db, const QString &filter, int limit, FilterError *filterError)
{
    auto condition = searchCondition(db, filter, limit, filterError);
    if (!condition)
        return condition.error();
    QVariantList binds = condition->binds;
    binds << qint64(limit) + 1;
    auto q = db.exec(QStringLiteral("SELECT v.id FROM ") + kHitTables + QStringLiteral(" WHERE (") + condition->sql +
                         QStringLiteral(") ORDER BY ") + searchOrder(db.dialect()) + QStringLiteral(" LIMIT ?"),
                     binds);
    if (!q)
        return q.error();
    SearchIds out;
    while (q->next()) {
        if (out.ids.size() == limit) {
            out.truncated = true;
            break;
        }
        out.ids << q->value(0).toLongLong();
    }
    q->finish();
    return out;
}

QString formatMetricValue(double value)
{
    if (!std::isfinite(value))
        return QString::number(value);
    if (value == std::round(value) && std::abs(value) < 1e12)
        return QString::number(qint64(value));
    if (std::abs(value) < 0.001)
        return QString::number(value, 'g', 4);
    // Four significant digits: 0.8471, 12.35, 123.5, 1235 (at least one digit before the point counts).
    const int before = std::abs(value) < 1 ? 0 : int(std::floor(std::log10(std::abs(value)))) + 1;
    QString text = QString::number(value, 'f', std::max(0, 4 - before));
    if (text.contains(QLatin1Char('.'))) {
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.')))
            text.chop(1);
    }
    return text;
}

QList<FilterField> filterColumns(const QString &filter, int limit)
{
    QList<FilterField> out;
    const ParsedFilter parsed = parseFilter(filter);
    if (!parsed.ok() || !parsed.root)
        return out;
    QStringList seen;
    // Depth first, left to right: the order in which the fields are written.
    QList<const FilterNode *> stack{parsed.root.get()};
    while (!stack.isEmpty() && out.size() < limit) {
        const FilterNode *n = stack.takeLast();
        if (n->type != FilterNode::Type::Compare) {
            if (n->right)
                stack << n->right.get();
            if (n->left)
                stack << n->left.get();
            continue;
        }
        const FilterField::Kind k = n->field.kind;
        if (k != FilterField::Kind::Metric && k != FilterField::Kind::Param && k != FilterField::Kind::Tag &&
            k != FilterField::Kind::Fact)
            continue;
        const QString text = n->field.text();
        if (seen.contains(text))
            continue;
        seen << text;
        out << n->field;
    }
    return out;
}

namespace {

// The values of one field for these versions: version id -> the cell.
Result<QHash<qint64, FieldValue>> loadFieldValues(Database &db, const QString &idList, const QVariantList &idBinds,
                                                  const FilterField &f)
{
    QString sql;
    QVariantList binds = idBinds;
    switch (f.kind) {
    case FilterField::Kind::Metric:
        sql = QStringLiteral("SELECT version_id, value, dataset FROM metrics WHERE version_id IN (") + idList +
              QStringLiteral(") AND name = ? AND slice = ?");
        binds << f.name << f.slice;
        if (f.dataset) {
            sql += QStringLiteral(" AND dataset = ?");
            binds << *f.dataset;
        }
        sql += QStringLiteral(" ORDER BY version_id, dataset");
        break;
    case FilterField::Kind::Param:
        sql = QStringLiteral("SELECT version_id, value FROM params WHERE version_id IN (") + idList +
              QStringLiteral(") AND name = ?");
        binds << f.name;
        break;
    case FilterField::Kind::Tag:
        sql = QStringLiteral("SELECT version_id, value FROM version_tags WHERE version_id IN (") + idList +
              QStringLiteral(") AND key = ?");
        binds << f.name;
        break;
    case FilterField::Kind::Fact:
        sql = QStringLiteral("SELECT version_id, value FROM facts WHERE version_id IN (") + idList +
              QStringLiteral(") AND category = ? AND name = ?");
        binds << f.category << f.name;
        break;
    default:
        return QHash<qint64, FieldValue>{};
    }
    auto q = db.exec(sql, binds);
    if (!q)
        return q.error();
    QHash<qint64, FieldValue> out;
    while (q->next()) {
        FieldValue &cell = out[q->value(0).toLongLong()];
        if (f.kind != FilterField::Kind::Metric) {
            cell.text = q->value(1).toString();
            continue;
        }
        const double value = q->value(1).toDouble();
        QString text = formatMetricValue(value);
        if (!f.dataset && !q->value(2).toString().isEmpty())
            text += QStringLiteral(" @") + q->value(2).toString();
        if (!cell.number)
            cell.number = value;
        cell.text = cell.text.isEmpty() ? text : cell.text + QStringLiteral(" · ") + text;
    }
    q->finish();
    // One dataset only: the bare number, as the version table shows it.
    if (f.kind == FilterField::Kind::Metric && !f.dataset)
        for (FieldValue &cell : out)
            if (!cell.text.contains(QStringLiteral(" · ")) && cell.number)
                cell.text = formatMetricValue(*cell.number);
    return out;
}

} // namespace

Result<QList<SearchHit>> loadSearchHits(Database &db, const QList<qint64> &ids, const QList<FilterField> &fields)
{
    QList<SearchHit> hits;
    if (ids.isEmpty())
        return hits;
    QVariantList binds;
    QStringList marks;
    for (qint64 id : ids) {
        binds << id;
        marks << QStringLiteral("?");
    }
    const QString idList = marks.join(QStringLiteral(", "));
    auto q = db.exec(QStringLiteral("SELECT v.id, ") + kHitColumns + QStringLiteral(" FROM ") + kHitTables +
                         QStringLiteral(" WHERE v.id IN (") + idList + QLatin1Char(')'),
                     binds);
    if (!q)
        return q.error();
    QHash<qint64, SearchHit> byId;
    while (q->next())
        byId.insert(q->value(0).toLongLong(), hitFrom(*q, 1));
    q->finish();
    QList<QHash<qint64, FieldValue>> values;
    for (const FilterField &f : fields) {
        auto v = loadFieldValues(db, idList, binds, f);
        if (!v)
            return v.error();
        values << *v;
    }
    for (qint64 id : ids)
        if (auto it = byId.constFind(id); it != byId.constEnd()) {
            SearchHit hit = *it;
            for (const QHash<qint64, FieldValue> &v : values)
                hit.fields << v.value(id);
            hits << hit;
        }
    return hits;
}

QStringList filterFieldHelp()
{
    return {QStringLiteral("name"),
            QStringLiteral("namespace"),
            QStringLiteral("version"),
            QStringLiteral("stage"),
            QStringLiteral("created_at"),
            QStringLiteral("created_by"),
            QStringLiteral("metrics.NAME"),
            QStringLiteral("metrics.NAME@DATASET"),
            QStringLiteral("metrics.NAME@DATASET[SLICE]"),
            QStringLiteral("params.NAME"),
            QStringLiteral("tags.NAME"),
            QStringLiteral("data.NAME"),
            QStringLiteral("code.NAME"),
            QStringLiteral("env.NAME"),
            QStringLiteral("training.NAME"),
            QStringLiteral("lineage.input")};
}

} // namespace md
