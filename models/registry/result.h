#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace md {

// An error a person can act on: what went wrong and, where possible, what to do about it.
struct Error
{
    enum class Kind
    {
        Invalid,      // bad input from the user: nothing was changed
        NotFound,     // unknown model, version, request, ...
        Conflict,     // refused by an invariant or a concurrent change
        Database,     // the database failed or returned something unexpected
        Connection,   // server unreachable or connection lost
        Auth,         // authentication failed
        NotARegistry, // the database exists but is not a ModelDesk registry
        NewerSchema,  // written by a newer ModelDesk: read-only
        Permission,   // the connected user's role may not do this
        ReadOnly,     // the server is a read-only standby, the transaction is read-only, or the file is not writable
    };

    Kind kind = Kind::Database;
    QString message;
    QString code; // SQLSTATE on PostgreSQL, the SQLite result code; empty for non-database errors
    // Trying the same transaction again may succeed: a serialization failure, a deadlock or a busy database.
    bool retryable = false;

    static Error invalid(QString m) { return {Kind::Invalid, std::move(m), {}}; }
    static Error notFound(QString m) { return {Kind::NotFound, std::move(m), {}}; }
    static Error conflict(QString m) { return {Kind::Conflict, std::move(m), {}}; }
    static Error database(QString m) { return {Kind::Database, std::move(m), {}}; }
};

QString errorKindName(Error::Kind kind);

template <typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_value(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<T>(m_value); }
    const T &value() const & { return std::get<T>(m_value); }
    T &&value() && { return std::get<T>(std::move(m_value)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<Error>(m_value); }

private:
    std::variant<T, Error> m_value;
};

template <> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

} // namespace md
