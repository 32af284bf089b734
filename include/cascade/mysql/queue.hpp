#pragma once
// The durable queue on MariaDB (10.6 or later: SKIP LOCKED). What it lacks beside PostgreSQL, and what
// stands in for it:
//  - no UPDATE ... RETURNING: a claim is a READ COMMITTED transaction of steps: lock the rows with
//    SELECT ... FOR UPDATE SKIP LOCKED (walks of the claim indexes in order, stopped after n rows), mark
//    them running, read them back;
//  - no partial index: each index leads with `state`, and the one-live-job-per-dedup-key rule is a
//    unique index on a stored column that holds the key's SHA-256 while the row is ready or running
//    (NULL otherwise); a duplicate insert is refused with error 1062 and read as "a twin stands for it";
//  - no LISTEN/NOTIFY: idle workers poll, with backoff (worker_options::poll);
//  - maintenance, one worker at a time: GET_LOCK on the database's and the table's name.
// The table's text is utf8mb4 with a binary collation: queue names, states and dedup keys compare
// byte for byte, as on the other databases (utf8mb4_nopad_bin: utf8mb4_bin pads with spaces, so "mail "
// would be "mail"; a case-insensitive collation would merge "Mail" and "mail").
// SQL is written for any sql_mode: no `||`, no double-quoted strings, literals in hexadecimal.
// Included, it registers; use it with <cascade/queue.hpp>.
#include <cascade/mysql/connector.hpp>
#include <cascade/queue/dialect.hpp>

#include <soci/mysql/soci-mysql.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace cascade::mysql {

/// Hexadecimal, so that neither NO_BACKSLASH_ESCAPES nor ANSI_QUOTES changes how it reads; collated
/// as the table's columns are.
inline std::string queue_literal(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out = "CONVERT(X'";
    for (char c : text) {
        auto const b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out + "' USING utf8mb4) COLLATE utf8mb4_nopad_bin";
}

inline constexpr std::string_view queue_now = "(TIMESTAMPDIFF(MICROSECOND, TIMESTAMP'1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)";

/// The whole shape at once (there is no older MariaDB queue to upgrade). Index names are the table's
/// own in MariaDB, so they need no table prefix (and a 60-byte table name would overflow 64 with one).
inline void install_queue(soci::session& sql, std::string const& table, std::string const& paused) {
    sql << "CREATE TABLE IF NOT EXISTS " + table +
               " (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, payload LONGTEXT NOT NULL,"
               " dedup_key LONGTEXT NOT NULL, state VARCHAR(16) NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done', 'dead')),"
               " attempts INT NOT NULL DEFAULT 0, max_attempts INT NOT NULL, run_at BIGINT NOT NULL, locked_by TEXT,"
               " locked_until BIGINT, last_error TEXT, errors LONGTEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL,"
               " finished_at BIGINT, queue VARCHAR(128) NOT NULL DEFAULT 'default', priority INT NOT NULL DEFAULT 0,"
               // one live job per (job, owner, batch): the key's hash while ready or running
               " live_dedup BINARY(32) AS (IF(state IN ('ready', 'running'), UNHEX(SHA2(dedup_key, 256)), NULL)) PERSISTENT,"
               " UNIQUE KEY live_dedup (live_dedup), KEY live_state (live_dedup, state),"
               // the walks of the claims and of retention, each in order, each stopped after n rows
               " KEY due (state, priority, run_at, id), KEY queue_claim (state, queue, priority, run_at, id),"
               " KEY lease (state, locked_until), KEY finished (state, finished_at))"
               " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";
    sql << "CREATE TABLE IF NOT EXISTS " + paused +
           " (queue VARCHAR(128) NOT NULL PRIMARY KEY, paused_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";
}

/// `id IN (...) AND (id, attempts) IN ((..), ..)`: the ids first, so the rows are found by primary key
/// (and never all read and locked); MariaDB's VALUES would name its columns after the first row's
/// values, two of them alike when id = attempts.
inline std::string held(std::vector<std::pair<long long, int>> const& rows) {
    std::string ids, pairs;
    for (auto const& [id, attempts] : rows) {
        ids += (ids.empty() ? "" : ", ") + std::to_string(id);
        pairs += (pairs.empty() ? "(" : ", (") + std::to_string(id) + ", " + std::to_string(attempts) + ")";
    }
    return "id IN (" + ids + ") AND (id, attempts) IN (" + pairs + ")";
}

/// A locking read (the caller's transaction reads a snapshot under REPEATABLE READ, and a twin done
/// since must not stand for a new job) through an index that holds the state: it share-locks that
/// index's entry only, not the twin's row, so a worker's heartbeat (which renews the row's lease) never
/// waits for the caller's commit; the twin's completion, which moves the entry, does.
inline std::string twin_state(std::string const& table) {
    return "SELECT state FROM " + table + " FORCE INDEX (live_state) WHERE live_dedup = UNHEX(SHA2(:k, 256)) LOCK IN SHARE MODE";
}

/// ER_DUP_ENTRY.
inline bool duplicate(std::exception_ptr const& e) { return error_number(e) == 1062; }

inline std::string ids_in(std::string const& subquery) { return "id IN (" + subquery + ")"; }


namespace detail_queue {
inline std::string id_list(std::vector<long long> const& ids) {
    std::string out;
    for (auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}
struct due_row {
    long long id, run_at;
    int priority;
};
/// Locks up to n due rows of `where`, most urgent first, skipping rows another claim holds.
inline std::vector<due_row> lock_due(soci::session& sql, std::string const& table, std::string const& where, int n) {
    std::vector<due_row> out;
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, priority, run_at FROM " + table + " WHERE state = 'ready' AND run_at <= " +
                                                     std::string(queue_now) + where + " ORDER BY priority, run_at, id LIMIT " +
                                                     std::to_string(n) + " FOR UPDATE SKIP LOCKED");
    for (auto const& r : rs)
        out.push_back({cascade::detail::row_integer(r, 0), cascade::detail::row_integer(r, 2), static_cast<int>(cascade::detail::row_integer(r, 1))});
    return out;
}
/// The paused queues, by name.
inline std::vector<std::string> paused_queues(soci::session& sql, cascade::detail::claim_request const& c) {
    std::vector<std::string> out;
    soci::rowset<std::string> rs = (sql.prepare << "SELECT queue FROM " + c.paused_table);
    for (auto const& q : rs) out.push_back(q);
    return out;
}
/// `names` as a list of literals.
inline std::string literals(std::vector<std::string> const& names) {
    std::string out;
    for (auto const& q : names) out += (out.empty() ? "" : ", ") + queue_literal(q);
    return out;
}
/// The running row whose lease lapsed longest ago, in the served unpaused queues, locked: none, or one.
inline std::vector<long long> lock_lapsed(soci::session& sql, cascade::detail::claim_request const& c,
                                          std::vector<std::string> const& paused) {
    std::vector<long long> ids;
    std::string const served = literals(c.queues), unpaused = literals(paused);
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT id FROM " + c.table + " WHERE state = 'running' AND (locked_until IS NULL OR locked_until < " +
                            std::string(queue_now) + ") AND attempts < max_attempts" +
                            (served.empty() ? std::string() : " AND queue IN (" + served + ")") +
                            (unpaused.empty() ? std::string() : " AND queue NOT IN (" + unpaused + ")") +
                            " ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED");
    for (auto const& r : rs) ids.push_back(cascade::detail::row_integer(r, 0));
    return ids;
}
/// The first n due rows of the served unpaused queues, locked: one walk of `due` when every queue is
/// served and none paused, else one walk of `queue_claim` per queue, merged.
inline std::vector<long long> lock_first_due(soci::session& sql, cascade::detail::claim_request const& c, int n,
                                             std::vector<std::string> const& paused) {
    std::vector<due_row> due;
    if (c.queues.empty() && paused.empty()) {
        due = lock_due(sql, c.table, "", n);
    } else {
        std::vector<std::string> queues = c.queues;
        if (queues.empty()) {  // the queues with ready rows: a loose scan of queue_claim
            soci::rowset<std::string> rs = (sql.prepare << "SELECT queue FROM " + c.table + " WHERE state = 'ready' GROUP BY queue");
            for (auto const& q : rs) queues.push_back(q);
        }
        for (auto const& q : queues) {
            if (std::find(paused.begin(), paused.end(), q) != paused.end()) continue;
            auto const some = lock_due(sql, c.table, " AND queue = " + queue_literal(q), n);
            due.insert(due.end(), some.begin(), some.end());
        }
        std::sort(due.begin(), due.end(),
                  [](due_row const& a, due_row const& b) { return std::tie(a.priority, a.run_at, a.id) < std::tie(b.priority, b.run_at, b.id); });
        if (due.size() > static_cast<std::size_t>(n)) due.resize(static_cast<std::size_t>(n));
    }
    std::vector<long long> ids;
    for (auto const& d : due) ids.push_back(d.id);
    return ids;
}
/// Marks the locked rows running for `c.worker` (the attempt counted, the lease set) and reads them back
/// in claim order.
inline std::vector<claimed_job> mark_claimed(soci::session& sql, cascade::detail::claim_request const& c, std::vector<long long> const& ids) {
    std::vector<claimed_job> out;
    if (ids.empty()) return out;
    std::string const list = id_list(ids);
    // attempts saturate: a row written with 2147483647 must not make every claim overflow
    sql << "UPDATE " + c.table +
               " SET state = 'running', attempts = CASE WHEN attempts < 0 THEN 1 WHEN attempts >= 2147483646 THEN 2147483647"
               " ELSE attempts + 1 END, locked_by = :w, locked_until = " + std::string(queue_now) + " + " + std::to_string(c.lease_ms) +
               " WHERE id IN (" + list + ")",
        soci::use(c.worker);
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, name, payload, attempts, max_attempts, queue, priority, run_at FROM " + c.table +
                                                     " WHERE id IN (" + list + ") ORDER BY priority, run_at, id");
    for (auto const& r : rs)
        out.push_back({cascade::detail::row_integer(r, 0), r.get<std::string>(1), r.get<std::string>(2),
                       static_cast<int>(cascade::detail::row_integer(r, 3)), static_cast<int>(cascade::detail::row_integer(r, 4)),
                       r.get<std::string>(5), static_cast<int>(cascade::detail::row_integer(r, 6)), cascade::detail::row_integer(r, 7)});
    return out;
}
}  // namespace detail_queue

/// The claim in steps, in a READ COMMITTED transaction of its own (no gap locks: enqueues never wait
/// for a claim), or in the caller's. A lapsed row first and alone (as on PostgreSQL); else the due rows,
/// by priority, run time and id: one walk of `due` while no queue is paused and the worker serves every
/// queue; otherwise one walk of `queue_claim` per unpaused queue it serves (the queues with ready rows
/// found by a loose scan of that index), the first n of them kept. Rows a walk locked and the claim did
/// not keep are free again at its commit.
inline std::vector<claimed_job> claim_once(soci::session& sql, cascade::detail::claim_request const& c, bool own) {
    using namespace detail_queue;
    if (own) {
        sql << "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";
        sql << "START TRANSACTION";
    }
    try {
        auto const paused = paused_queues(sql, c);
        std::vector<long long> ids = lock_lapsed(sql, c, paused);  // a lapsed row first, and alone
        if (ids.empty()) ids = lock_first_due(sql, c, c.n < 1 ? 1 : c.n, paused);
        auto out = mark_claimed(sql, c, ids);
        if (own) sql << "COMMIT";
        return out;
    } catch (...) {
        if (own) {
            try {
                sql << "ROLLBACK";
            } catch (...) {
            }
        }
        throw;
    }
}

/// Two claims can deadlock on the index entries their updates move (InnoDB then rolls one back):
/// that one runs again at once, as a claim that found nothing would only wait for the next poll.
inline std::vector<claimed_job> claim_steps(soci::session& sql, cascade::detail::claim_request const& c) {
    bool const own = !in_transaction(sql);
    for (int attempt = 1;; ++attempt) {
        try {
            return claim_once(sql, c, own);
        } catch (...) {
            if (!own || attempt >= 5 || !retryable(std::current_exception())) throw;
        }
    }
}

/// GET_LOCK names are the server's: the database's name keeps two applications' queues apart.
inline bool try_lock(soci::session& sql, std::string const& name) {
    int got = 0;
    soci::indicator ind = soci::i_ok;
    sql << "SELECT GET_LOCK(CONCAT(DATABASE(), '.', :t), 0)", soci::use(name), soci::into(got, ind);
    return ind == soci::i_ok && got == 1;
}
inline void unlock(soci::session& sql, std::string const& name) {
    int released = 0;
    soci::indicator ind = soci::i_ok;
    sql << "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.', :t))", soci::use(name), soci::into(released, ind);
}

inline std::string operator_connection(std::string connection) {
    if (connection.find("connect_timeout") == std::string::npos) connection += " connect_timeout=5";
    return connection;
}
/// A row lock (innodb_lock_wait_timeout) and a table's metadata lock (lock_wait_timeout: LOCK TABLES, an
/// ALTER TABLE) each in whole seconds, at least 1; a statement (max_statement_time) in seconds with a fraction.
inline void bound_waits(soci::session& sql, std::chrono::milliseconds lock, std::chrono::milliseconds statement) {
    std::string const lock_s = std::to_string(std::max<long long>(1, (lock.count() + 999) / 1000));
    sql << "SET SESSION innodb_lock_wait_timeout = " + lock_s + ", SESSION lock_wait_timeout = " + lock_s +
               ", SESSION max_statement_time = " + std::to_string(static_cast<double>(statement.count()) / 1000.0);
}

inline cascade::detail::queue_dialect const queue_dialect{
    .backend = "mysql",
    .factory = &soci::mysql,
    .now = queue_now,
    .concat_open = "CONCAT(",
    .concat_separator = ", ",
    .concat_close = ")",
    .newline = "CHAR(10 USING utf8mb4)",
    .literal = &queue_literal,
    .longest_name = 64,
    .held = &held,
    .install = &install_queue,
    .skip_live_twin = "",
    .skip_paused_twin = "",
    .duplicate = &duplicate,
    // the caller's transaction reads a snapshot (REPEATABLE READ): a twin done since must not stand for a new job
    .twin_state = &twin_state,
    .update_returning = false,
    .row_lock = " FOR UPDATE SKIP LOCKED",
    .lateral = false,
    .ids_in = &ids_in,
    .claim_settings = "",
    .claim_steps = &claim_steps,
    .purge_chunk = nullptr,  // read the ids, then delete by id (job_queue::purge_done)
    .notify = nullptr,
    .listen = nullptr,
    .wait_for_notifications = nullptr,
    .own_session_setup = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    .connection_ok = nullptr,
    .try_lock = &try_lock,
    .unlock = &unlock,
    .operator_connection = &operator_connection,
    .bound_waits = &bound_waits,
};
inline cascade::detail::queue_dialect_registration const queue_registered{queue_dialect};

}  // namespace cascade::mysql
