#pragma once
// What the durable queue asks of a database beyond the SQL every one of them reads: a queue connector
// (cascade/<database>/queue.hpp) answers it, and registers itself when its header is included. A
// session or a worker_options::backend with no queue connector is refused with unsupported_backend,
// naming the ones this program has.
//
// The pieces: the database's clock in milliseconds, text concatenation and literals, the table's DDL
// (and its upgrades), an insert that a live twin or a paused queue stands for, the claim (one
// UPDATE ... RETURNING where the database has it, else the connector's steps in a transaction), the
// chunk of a retention pass, wake-ups (LISTEN/NOTIFY, or none: workers poll), whether a connection
// is alive, the lock that lets one worker at a time maintain the table, and the bounded waits of an
// operator's session.
#include <cascade/errors.hpp>
#include <cascade/queue/job_rows.hpp>
#include <cascade/soci/detail/session.hpp>

#include <soci/soci.h>

#include <chrono>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cascade::detail {

/// A claim as a worker asks it: up to `n` rows for `worker` from `queues` (every queue when empty).
struct claim_request {
    std::string const& table;
    std::string const& paused_table;
    std::string const& worker;
    int n;
    long long lease_ms;
    std::vector<std::string> const& queues;
};

struct queue_dialect {
    std::string_view backend;  ///< SOCI's backend name
    soci::backend_factory const* factory;
    /// The database's clock now, in milliseconds since the epoch (one clock for every worker).
    std::string_view now;
    /// Text concatenation: `open a sep b sep c close`.
    std::string_view concat_open, concat_separator, concat_close;
    std::string_view newline;  ///< a one-character string holding '\n', as SQL
    /// A checked queue name (no NUL byte) as a string literal, read the same whatever the session's settings.
    std::string (*literal)(std::string_view);

    /// The longest table name the database takes, in bytes (PostgreSQL cuts longer ones, the same
    /// way in every statement; MariaDB refuses them).
    std::size_t longest_name;
    /// `(id, attempts)` is one of `rows`, as SQL (integers: nothing to escape).
    std::string (*held)(std::vector<std::pair<long long, int>> const& rows);

    /// Creates the job table, its indexes and the paused-queue table if missing, and upgrades an older one.
    void (*install)(soci::session&, std::string const& table, std::string const& paused_table);

    /// After an INSERT of a job: makes a row with a live twin (same dedup key, ready or running) a
    /// no-op ("" when the database refuses it with an error that `duplicate` recognises instead).
    std::string_view skip_live_twin;
    /// After an INSERT into the paused-queue table: makes a queue paused already a no-op (or "").
    std::string_view skip_paused_twin;
    /// The database refused an insert as a duplicate of a unique key (nullptr: it never does, see above).
    bool (*duplicate)(std::exception_ptr const&);
    /// The state of the live twin (ready or running) of the dedup key bound at :k, as committed now (not
    /// as the caller's snapshot saw it), found through the one-live-job index: a SELECT of one column.
    std::string (*twin_state)(std::string const& table);

    /// Claims in one `WITH ... UPDATE ... RETURNING` statement (below); else `claim_steps`.
    bool update_returning;
    std::string_view row_lock;  ///< after each claim walk: " FOR UPDATE SKIP LOCKED", or ""
    bool lateral;               ///< the claim joins each live queue LATERALly (else by a subquery of ids)
    /// `id` is among the ids `subquery` selects, found by primary key.
    std::string (*ids_in)(std::string const& subquery);
    /// Run in the claim's own transaction before it ("" for none).
    std::string_view claim_settings;
    /// A claim in several statements, for a database without UPDATE ... RETURNING.
    std::vector<claimed_job> (*claim_steps)(soci::session&, claim_request const&);

    /// The DELETE of one retention chunk: done rows finished more than :a ms ago, at most :c of them
    /// (nullptr: the database's scanning DELETE locks rows it does not delete; purge_done reads the ids first).
    std::string (*purge_chunk)(std::string const& table, std::string_view now);

    /// Wakes the workers listening on `channel` for a job of `queue` (nullptr: the database has no
    /// such thing, and workers poll).
    void (*notify)(soci::session&, std::string const& channel, std::string_view queue);
    void (*listen)(soci::session&, std::string const& channel);
    /// Waits at most `ms` for wake-ups; their payloads (the queues). Throws when the connection is lost.
    std::vector<std::string> (*wait_for_notifications)(soci::session&, int ms);

    /// Run on the sessions that only run the queue's own statements (a worker's heartbeat and
    /// maintenance, the tool, the dashboard): MariaDB's READ COMMITTED, so that a maintenance pass
    /// locks the rows it changes and not every row it reads. "" for none.
    std::string_view own_session_setup;
    /// False when the client library already knows the connection is gone (nullptr: ask the server).
    bool (*connection_ok)(soci::session&);

    /// A session-wide lock that one worker at a time holds while it maintains the table (nullptr: the
    /// database has one writer anyway). try_lock returns whether it got it.
    bool (*try_lock)(soci::session&, std::string const& name);
    void (*unlock)(soci::session&, std::string const& name);

    /// An operator's connection string: a database that does not answer gives up soon, a file that
    /// is not there is not created.
    std::string (*operator_connection)(std::string connection);
    /// Bounds each wait of an operator's session: a lock, a statement.
    void (*bound_waits)(soci::session&, std::chrono::milliseconds lock, std::chrono::milliseconds statement);
};

inline std::string_view backend_of(queue_dialect const& d) { return d.backend; }
/// The queue connectors this program has (registered before main).
using queue_dialects = registry<queue_dialect, &backend_of, sql::max_dialects>;

struct queue_dialect_registration {
    explicit queue_dialect_registration(queue_dialect const& d) { queue_dialects::all().add(d); }
};

/// The queue connector of a backend by name; unsupported_backend if this program has none.
inline queue_dialect const& queue_dialect_for(std::string_view backend) {
    if (queue_dialect const* d = queue_dialects::all().find(backend)) return *d;
    throw unsupported_backend(backend, queue_dialects::all().names(), "queue connector",
                              "include <cascade/sqlite/queue.hpp>, <cascade/postgresql/queue.hpp> or <cascade/mysql/queue.hpp> "
                              "and link that connector's target");
}
inline queue_dialect const& queue_dialect_of(soci::session& sql) { return queue_dialect_for(sql.get_backend_name()); }

/// `parts` concatenated as text, in the dialect's syntax.
inline std::string sql_concat(queue_dialect const& d, std::initializer_list<std::string_view> parts) {
    std::string out(d.concat_open);
    bool first = true;
    for (auto p : parts) {
        if (!first) out += d.concat_separator;
        out += p;
        first = false;
    }
    return out += d.concat_close;
}

/// A statement sees the latest commit (PostgreSQL's READ COMMITTED, SQLite's one writer): the partial
/// unique index finds the twin.
inline std::string twin_state_by_partial_index(std::string const& table) {
    return "SELECT MIN(state) FROM " + table + " WHERE dedup_key = :k AND state IN ('ready', 'running')";
}

/// `(id, attempts) IN (VALUES (..), ..)`: SQLite takes row values only from a subquery.
inline std::string held_as_values(std::vector<std::pair<long long, int>> const& rows) {
    std::string out = "(id, attempts) IN (VALUES ";
    for (std::size_t i = 0; i < rows.size(); ++i)
        out += (i ? ", (" : "(") + std::to_string(rows[i].first) + ", " + std::to_string(rows[i].second) + ")";
    return out + ")";
}

/// Opens a session of the backend (its SOCI factory, linked in by the connector).
inline void open_session(soci::session& s, std::string_view backend, std::string const& connection) {
    s.open(*queue_dialect_for(backend).factory, connection);
}

}  // namespace cascade::detail

namespace cascade {

/// The SOCI backends whose queue connectors this program includes, in the order they registered.
inline std::vector<std::string> queue_backends() {
    std::vector<std::string> out;
    for (auto const* d : detail::queue_dialects::all()) out.emplace_back(d->backend);
    return out;
}

/// The longest waits of an operator's session: for a lock another session holds, for one statement.
struct operator_waits {
    std::chrono::milliseconds lock, statement;
};

/// An operator's connection string (a dashboard's, a tool's): a database that does not answer gives up
/// soon; a SQLite file that is not there is not created. unsupported_backend without a queue connector.
inline std::string operator_connection(std::string_view backend, std::string connection) {
    return detail::queue_dialect_for(backend).operator_connection(std::move(connection));
}

/// A session for the queue's own statements, as an operator runs them (the tool, a dashboard request, a
/// worker's idle check), opened through the backend's queue connector: set up for them (MariaDB: READ
/// COMMITTED, so a maintenance pass locks the rows it changes, not every row it reads) and, with
/// `waits`, every wait bounded. unsupported_backend without a queue connector for `backend`.
inline std::unique_ptr<soci::session> open_operator_session(std::string_view backend, std::string const& connection,
                                                            std::optional<operator_waits> waits = std::nullopt) {
    auto const& d = detail::queue_dialect_for(backend);
    auto s = std::make_unique<soci::session>();
    s->open(*d.factory, connection);
    if (!d.own_session_setup.empty()) *s << std::string(d.own_session_setup);
    if (waits) d.bound_waits(*s, waits->lock, waits->statement);
    return s;
}

}  // namespace cascade
