#pragma once
// The durable queue on PostgreSQL: claims in one UPDATE ... RETURNING with FOR UPDATE SKIP LOCKED (many
// workers never wait on each other), LISTEN/NOTIFY to wake idle workers at once, an advisory lock for
// maintenance, partial indexes. Included, it registers; use it with <cascade/queue.hpp>.
#include <cascade/postgresql/connector.hpp>
#include <cascade/queue/detail/partial_index_ddl.hpp>
#include <cascade/queue/dialect.hpp>

#include <soci/postgresql/soci-postgresql.h>

#include <poll.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace cascade::postgresql {

/// The escape-string form doubles backslashes too, so it reads the same whatever
/// standard_conforming_strings says.
inline std::string queue_literal(std::string_view text) {
    std::string out = "E'";
    for (char c : text) {
        if (c == '\'') out += "''";
        else if (c == '\\') out += "\\\\";
        else out += c;
    }
    return out + "'";
}

inline PGconn* connection_of(soci::session& sql) { return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_; }

inline bool queue_has_column(soci::session& sql, std::string const& table, std::string const& column) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attname = :c AND NOT attisdropped", soci::use(table),
        soci::use(column), soci::into(n);
    return n > 0;
}

/// Every statement is "if (not) exists"; PostgreSQL tells the client of each one it skips ("relation
/// ... already exists, skipping"), which an operator would read as a problem: those notices are
/// silenced for the install and the setting put back.
inline void install_queue(soci::session& sql, std::string const& table, std::string const& paused) {
    std::string level;
    sql << "SELECT current_setting('client_min_messages')", soci::into(level);
    sql << "SET client_min_messages TO warning";
    struct restore {
        soci::session& sql;
        std::string const& level;
        ~restore() {
            try {
                sql << "SET client_min_messages TO " + level;  // a word the server itself gave
            } catch (...) {
                // a failed install's transaction: the error that ended it is the one to see
            }
        }
    } const put_back{sql, level};
    detail::install_with_partial_indexes(sql, {"id BIGSERIAL PRIMARY KEY", "IF NOT EXISTS ", &queue_has_column}, table, paused);
}

/// The ids as an array, probed by primary key: with `id IN (...)` a plan cached while the table was
/// empty (or its statistics old) joins them by hashing a scan of the whole table.
inline std::string ids_in(std::string const& subquery) { return "id = ANY(ARRAY(" + subquery + "))"; }

inline std::string purge_chunk(std::string const& table, std::string_view now) {
    return "DELETE FROM " + table + " WHERE id = ANY(ARRAY(SELECT id FROM " + table + " WHERE state = 'done' AND finished_at < (SELECT " +
           std::string(now) + " - :a) ORDER BY finished_at LIMIT :c))";
}

/// The queue's name rides along: a worker serving other queues need not wake. Delivered at commit.
inline void notify(soci::session& sql, std::string const& channel, std::string_view queue) {
    sql << "NOTIFY " + channel + ", " + queue_literal(queue);
}
inline void listen(soci::session& sql, std::string const& channel) { sql << "LISTEN " + channel; }

inline std::vector<std::string> wait_for_notifications(soci::session& sql, int ms) {
    PGconn* conn = connection_of(sql);
    pollfd fd{PQsocket(conn), POLLIN, 0};
    std::vector<std::string> out;
    if (::poll(&fd, 1, ms) <= 0) return out;
    if (!PQconsumeInput(conn)) throw std::runtime_error("lost the LISTEN connection");
    while (PGnotify* n = PQnotifies(conn)) {
        out.emplace_back(n->extra ? n->extra : "");
        PQfreemem(n);
    }
    return out;
}

inline bool connection_ok(soci::session& sql) { return PQstatus(connection_of(sql)) == CONNECTION_OK; }

/// A session advisory lock on the name: released at once, or with the connection.
inline bool try_lock(soci::session& sql, std::string const& name) {
    int got = 0;
    sql << "SELECT CASE WHEN pg_try_advisory_lock(hashtext(:t)) THEN 1 ELSE 0 END", soci::use(name), soci::into(got);
    return got != 0;
}
inline void unlock(soci::session& sql, std::string const& name) {
    int released = 0;
    sql << "SELECT CASE WHEN pg_advisory_unlock(hashtext(:t)) THEN 1 ELSE 0 END", soci::use(name), soci::into(released);
}

inline std::string operator_connection(std::string connection) {
    if (connection.find("connect_timeout") == std::string::npos) connection += " connect_timeout=5";
    return connection;
}
inline void bound_waits(soci::session& sql, std::chrono::milliseconds lock, std::chrono::milliseconds statement) {
    sql << "SELECT set_config('lock_timeout', '" + std::to_string(lock.count()) + "', false), set_config('statement_timeout', '" +
               std::to_string(statement.count()) + "', false)";
}

inline detail::queue_dialect const queue_dialect{
    .backend = "postgresql",
    .factory = &soci::postgresql,
    .now = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
    .concat_open = "",
    .concat_separator = " || ",
    .concat_close = "",
    .newline = "chr(10)",
    .literal = &queue_literal,
    .longest_name = 10000,
    .held = &detail::held_as_values,
    .install = &install_queue,
    .skip_live_twin = " ON CONFLICT (dedup_key) WHERE state IN ('ready', 'running') DO NOTHING",
    .skip_paused_twin = " ON CONFLICT (queue) DO NOTHING",
    .duplicate = nullptr,
    .twin_state = &detail::twin_state_by_partial_index,
    .update_returning = true,
    .row_lock = " FOR UPDATE SKIP LOCKED",
    .lateral = true,
    .ids_in = &ids_in,
    // The plan a prepared claim caches is often made while the queue is empty or its statistics old:
    // a whole-table scan then looks cheapest, and a burst of jobs makes every claim read every row
    // until the next ANALYZE. Within the claim's own transaction the planner counts whole-table and
    // bitmap scans as prohibitive, so the plan walks the indexes whatever the statistics say.
    .claim_settings = "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)",
    .claim_steps = nullptr,
    .purge_chunk = &purge_chunk,
    .notify = &notify,
    .listen = &listen,
    .wait_for_notifications = &wait_for_notifications,
    .own_session_setup = "",
    .connection_ok = &connection_ok,
    .try_lock = &try_lock,
    .unlock = &unlock,
    .operator_connection = &operator_connection,
    .bound_waits = &bound_waits,
};
inline detail::queue_dialect_registration const queue_registered{queue_dialect};

}  // namespace cascade::postgresql
