#pragma once
// MariaDB's (and MySQL's) SQL: backquoted identifiers (a session's sql_mode need not have ANSI_QUOTES),
// lists as JSON read by JSON_TABLE with the column's type, several recursive terms, no WITH before a
// DELETE or UPDATE and no alias on a one-table DELETE (the target joins a derived table of the keys),
// `FOR UPDATE`, and InnoDB's foreign keys checked row by row inside a statement. MariaDB 10.6 or later
// (JSON_TABLE; SKIP LOCKED for the queue).
#include <cascade/sql/dialect.hpp>

namespace cascade::mysql {

/// Numbers are read as BIGINT or DOUBLE. Text is read as JSON and unquoted: JSON_UNQUOTE's result is
/// coercible, like a literal, so the comparison takes the column's own collation (a case-insensitive
/// column matches as it does for `= :p1`, a NO PAD one compares), and no length cuts a key (a VARCHAR
/// column of JSON_TABLE truncates with a warning only, and the cut key names another row).
inline void in_list(sql::writer& out, std::string_view alias, std::string_view column, detail::value_tag tag, sql::param p) {
    out.column(alias, column);
    out += tag == detail::value_tag::text ? " IN (SELECT JSON_UNQUOTE(value) FROM JSON_TABLE(" : " IN (SELECT value FROM JSON_TABLE(";
    out.value(p);
    out += ", '$[*]' COLUMNS(value ";
    switch (tag) {
        case detail::value_tag::integer:
        case detail::value_tag::small_integer: out += "BIGINT"; break;
        case detail::value_tag::real: out += "DOUBLE"; break;
        case detail::value_tag::text: out += "JSON"; break;
    }
    out += " PATH '$')) AS j)";
}

inline constexpr sql::dialect_traits dialect{
    .backend = "mysql",
    .slot = 2,
    .quote = '`',
    .in_list = &in_list,
    .list_open = '[',
    .list_close = ']',
    .json_list = true,
    .one_recursive_reference = false,
    .with_before_writes = false,
    .row_locks = true,
    .lock_rows_of_t0 = " FOR UPDATE",
    .lock_reads_a_delete_relies_on = true,
    .sort_to_read_whole = false,
    .checks_keys_per_row = true,
    .begin_write = "START TRANSACTION",
    .begin_read_only = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    .server_cursor = false,
    .recursive_prefix = "SET STATEMENT max_recursive_iterations = 4294967295 FOR ",
};

}  // namespace cascade::mysql
