#pragma once
// The durable queue on SQLite (one file that the worker processes of one machine share): claims in
// one UPDATE ... RETURNING run by the database's single writer, so there is nothing to skip and no
// maintenance lock to take; no wake-ups (workers poll); partial indexes. Included, it registers; use
// it with <cascade/queue.hpp>.
#include <cascade/queue/detail/partial_index_ddl.hpp>
#include <cascade/queue/dialect.hpp>
#include <cascade/sqlite/connection_string.hpp>
#include <cascade/sqlite/connector.hpp>

#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

namespace cascade::sqlite {

inline std::string queue_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

inline bool queue_has_column(soci::session& sql, std::string const& table, std::string const& column) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM pragma_table_info(:t) WHERE name = :c", soci::use(table), soci::use(column), soci::into(n);
    return n > 0;
}

inline void install_queue(soci::session& sql, std::string const& table, std::string const& paused) {
    detail::install_with_partial_indexes(sql, {"id INTEGER PRIMARY KEY AUTOINCREMENT", "", &queue_has_column}, table, paused);
}

inline std::string ids_in(std::string const& subquery) { return "id IN (" + subquery + ")"; }

inline std::string purge_chunk(std::string const& table, std::string_view now) {
    return "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE state = 'done' AND finished_at < (SELECT " +
           std::string(now) + " - :a) ORDER BY finished_at LIMIT :c)";
}

/// A page load must never create the database it was asked to show (the file moved away, say).
inline std::string operator_connection(std::string connection) { return sqlite_connection::existing_only(connection); }
/// The busy timeout replaces the connection string's `timeout`; SQLite has no statement timeout.
inline void bound_waits(soci::session& sql, std::chrono::milliseconds lock, std::chrono::milliseconds) {
    sql << "PRAGMA busy_timeout = " + std::to_string(lock.count());
}

inline detail::queue_dialect const queue_dialect{
    .backend = "sqlite3",
    .factory = &soci::sqlite3,
    .now = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    .concat_open = "",
    .concat_separator = " || ",
    .concat_close = "",
    .newline = "char(10)",
    .literal = &queue_literal,
    .longest_name = 10000,
    .held = &detail::held_as_values,
    .install = &install_queue,
    .skip_live_twin = " ON CONFLICT (dedup_key) WHERE state IN ('ready', 'running') DO NOTHING",
    .skip_paused_twin = " ON CONFLICT (queue) DO NOTHING",
    .duplicate = nullptr,
    .twin_state = &detail::twin_state_by_partial_index,
    .update_returning = true,
    .row_lock = "",
    .lateral = false,
    .ids_in = &ids_in,
    .claim_settings = "",
    .claim_steps = nullptr,
    .purge_chunk = &purge_chunk,
    .notify = nullptr,
    .listen = nullptr,
    .wait_for_notifications = nullptr,
    .own_session_setup = "",
    .connection_ok = nullptr,
    .try_lock = nullptr,
    .unlock = nullptr,
    .operator_connection = &operator_connection,
    .bound_waits = &bound_waits,
};
inline detail::queue_dialect_registration const queue_registered{queue_dialect};

}  // namespace cascade::sqlite
