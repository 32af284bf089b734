#pragma once
// What one database's SQL differs in. cascade's statements are the same text everywhere (quoted
// identifiers, WITH [RECURSIVE], IN subqueries, LIMIT) except for the pieces a dialect supplies: how an
// identifier is quoted, a list of values bound as one parameter, row locks, recursion over several
// associations, where a DELETE or UPDATE may take its WITH clause, and the order that makes SQLite read a
// whole result before the rows are deleted. Each database's connector folder defines its dialect
// (cascade/sqlite/dialect.hpp, cascade/postgresql/dialect.hpp, cascade/mysql/dialect.hpp); the statement
// writers read only this description, never a database's name.
#include <cascade/detail/db_type.hpp>
#include <cascade/sql/text.hpp>

#include <string>
#include <string_view>

namespace cascade::sql {

/// The SQL of one database. A constant per connector, compared by address.
struct dialect_traits {
    std::string_view backend;  ///< SOCI's backend name ("sqlite3", "postgresql", "mysql")
    int slot;                  ///< this dialect's index in per-dialect caches (below max_dialects)
    char quote;                ///< around identifiers
    /// `alias.column` is one of the values of the list bound at `p` (the list as append_list_element
    /// writes it); `tag` is how the column's values are exchanged.
    void (*in_list)(writer&, std::string_view alias, std::string_view column, detail::value_tag tag, param p);
    char list_open, list_close;   ///< a list value: `{1,2}` (PostgreSQL arrays) or `[1,2]` (JSON)
    bool json_list;               ///< text elements escaped as JSON strings (no raw control characters)
    /// Recursion over several associations: PostgreSQL takes one recursive reference per WITH RECURSIVE
    /// term (the terms join the rows found so far laterally); SQLite and MariaDB take several terms.
    bool one_recursive_reference;
    /// `WITH ... DELETE` / `WITH ... UPDATE` are statements (SQLite, PostgreSQL). When false (MariaDB),
    /// a DELETE or UPDATE that reads sets joins the target to a derived table that holds the WITH.
    bool with_before_writes;
    /// Row locks: `SELECT ... FOR UPDATE` exists (not on SQLite, whose write transaction locks the file).
    bool row_locks;
    /// The lock clause that locks only t0's rows (PostgreSQL's `FOR UPDATE OF t0`; MariaDB's locks every
    /// row the statement reads).
    std::string_view lock_rows_of_t0;
    /// A plain SELECT reads the transaction's snapshot while a DELETE reads the latest rows (InnoDB's
    /// REPEATABLE READ): the rows a delete relies on (a loaded set, the rows after_destroy will hear) are
    /// read with the lock clause, which reads the latest rows too.
    bool lock_reads_a_delete_relies_on = false;
    /// Sorting by `+key` makes the statement read its whole result before it returns the first row
    /// (SQLite): rows can then be deleted while the result is still being read.
    bool sort_to_read_whole;
    /// Foreign keys are checked row by row inside one statement (SQLite's ON DELETE RESTRICT, InnoDB's
    /// every key): a tree whose keys refer within the set is deleted leaves first when refused.
    bool checks_keys_per_row;
    std::string_view begin_write;      ///< starts a write transaction
    std::string_view begin_read_only;  ///< starts the dry run's snapshot transaction
    /// A statement's rows are read through a server-side cursor (PostgreSQL) rather than stepped or
    /// stored client-side (SQLite, MariaDB): the cursor needs a transaction and ends on a short page.
    bool server_cursor;
    /// Written before a statement that recurses (MariaDB: `SET STATEMENT max_recursive_iterations=...
    /// FOR `, so a tree of any depth is found, not cut at 1,000 levels).
    std::string_view recursive_prefix = "";
};

/// At most this many dialects: the caches of SQL written per dialect have a slot each.
inline constexpr int max_dialects = 4;

/// A dialect handle: cheap to copy, compared by identity.
class dialect {
public:
    constexpr dialect(dialect_traits const& t) : t_(&t) {}
    constexpr dialect_traits const* operator->() const { return t_; }
    constexpr dialect_traits const& traits() const { return *t_; }
    friend constexpr bool operator==(dialect a, dialect b) { return a.t_ == b.t_; }

private:
    dialect_traits const* t_;
};

/// `alias.column` is one of the values of the list bound at `p`.
inline void in_list(writer& out, dialect d, std::string_view alias, std::string_view column, detail::value_tag tag, param p) {
    d->in_list(out, alias, column, tag, p);
}

/// Appends an element to a list value as in_list reads it, for the dialect: integers as they are,
/// text quoted (PostgreSQL array syntax or JSON).
inline void append_list_element(std::string& list, dialect d, long long v) {
    list += list.empty() ? d->list_open : ',';
    list += std::to_string(v);
}
inline void append_list_element(std::string& list, dialect d, std::string_view v) {
    list += list.empty() ? d->list_open : ',';
    list += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') {
            list += '\\';
            list += c;
        } else if (d->json_list && static_cast<unsigned char>(c) < 0x20) {
            // JSON strings may not hold control characters raw.
            constexpr char hex[] = "0123456789abcdef";
            list += "\\u00";
            list += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
            list += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
            list += c;
        }
    }
    list += '"';
}
/// Closes a list (an empty list is `{}` or `[]`).
inline void close_list(std::string& list, dialect d) {
    if (list.empty()) list += d->list_open;
    list += d->list_close;
}
/// The empty list.
inline std::string const& empty_list(dialect d) {
    static std::string const array = "{}", json = "[]";
    return d->list_open == '{' ? array : json;
}

}  // namespace cascade::sql
