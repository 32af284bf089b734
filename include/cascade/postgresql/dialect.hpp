#pragma once
// PostgreSQL's SQL: lists as array literals compared with = ANY, one recursive reference per term (the
// terms join the rows found so far laterally), `FOR UPDATE OF t0`, a REPEATABLE READ READ ONLY snapshot
// for the dry run, and rows read through server-side cursors.
#include <cascade/sql/dialect.hpp>

namespace cascade::postgresql {

inline void in_list(sql::writer& out, std::string_view alias, std::string_view column, detail::value_tag, sql::param p) {
    out.column(alias, column);
    out += " = ANY(";
    out.value(p);
    out += ")";
}

inline constexpr sql::dialect_traits dialect{
    .backend = "postgresql",
    .slot = 1,
    .quote = '"',
    .in_list = &in_list,
    .list_open = '{',
    .list_close = '}',
    .json_list = false,
    .one_recursive_reference = true,
    .with_before_writes = true,
    .row_locks = true,
    .lock_rows_of_t0 = " FOR UPDATE OF t0",
    .lock_reads_a_delete_relies_on = false,
    .sort_to_read_whole = false,
    .checks_keys_per_row = false,
    .begin_write = "BEGIN",
    .begin_read_only = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .server_cursor = true,
    .recursive_prefix = "",
};

}  // namespace cascade::postgresql
