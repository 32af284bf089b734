#pragma once
// SQLite's SQL: lists as JSON read by json_each, several recursive terms, no row locks (the write
// transaction, BEGIN IMMEDIATE, locks the database), `ORDER BY +key` to read a whole result first, and
// ON DELETE RESTRICT checked row by row inside a statement.
#include <cascade/sql/dialect.hpp>

namespace cascade::sqlite {

inline void in_list(sql::writer& out, std::string_view alias, std::string_view column, detail::value_tag, sql::param p) {
    out.column(alias, column);
    out += " IN (SELECT value FROM json_each(";
    out.value(p);
    out += "))";
}

inline constexpr sql::dialect_traits dialect{
    .backend = "sqlite3",
    .slot = 0,
    .quote = '"',
    .in_list = &in_list,
    .list_open = '[',
    .list_close = ']',
    .json_list = true,
    .one_recursive_reference = false,
    .with_before_writes = true,
    .row_locks = false,
    .lock_rows_of_t0 = "",
    .lock_reads_a_delete_relies_on = false,
    .sort_to_read_whole = true,
    .checks_keys_per_row = true,
    .begin_write = "BEGIN IMMEDIATE",
    .begin_read_only = "BEGIN",
    .server_cursor = false,
    .recursive_prefix = "",
};

}  // namespace cascade::sqlite
