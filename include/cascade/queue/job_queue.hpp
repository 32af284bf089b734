#pragma once
// The durable job queue, a table in the application's own database (default `cascade_jobs`):
//   id, name, payload (JSON), dedup_key, state (ready | running | done | dead), attempts,
//   max_attempts, run_at, locked_by, locked_until, last_error, errors, created_at, finished_at,
//   queue (a named queue, 'default'), priority (smaller first, 0)
// and `<table>_paused` (queue): the named queues an operator paused. Times are milliseconds since
// the epoch from the *database's* clock, so that workers on several machines agree on leases,
// backoff and scheduled jobs. This header holds the SQL and the operations on the table; it needs
// no schema (the queue tool uses it alone).
//
// Every row a person or a bug can write is run, retried or made dead with a message; none stops the
// others: counters saturate instead of overflowing, a running row without a lease is claimable, an
// unknown state is made dead by `repair`. A worker's writes to a row it claimed are fenced by
// (id, locked_by, attempts): a worker whose lease lapsed and whose row another took over changes nothing.
#include <cascade/association.hpp>
#include <cascade/soci/exchange.hpp>
#include <cascade/soci/transaction.hpp>
// The queue runs on PostgreSQL and SQLite (its SQL branches on the two): both connectors.
#include <cascade/postgresql/connector.hpp>
#include <cascade/sqlite/connector.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace cascade {

/// The queue table's name is not a plain SQL identifier.
struct invalid_queue_name : error {
    explicit invalid_queue_name(std::string const& n) : error("cascade: invalid queue table name '" + n + "'") {}
};

/// `retry ID` of a dead job whose twin (same dedup key) is queued or running: retrying it would run
/// the same work twice, so the database's unique index refuses it. Discard it instead.
struct job_has_live_twin : error {
    long long id, twin;
    job_has_live_twin(long long id_, long long twin_)
        : error("cascade: job " + std::to_string(id_) + " has a live twin, job " + std::to_string(twin_) +
                " (same dedup key, ready or running): it would run the same work; discard " + std::to_string(id_) +
                " instead"),
          id(id_), twin(twin_) {}
};

/// A named queue's name is empty, longer than max_queue_name_size bytes or holds a NUL byte.
/// Nothing was run.
struct bad_queue_name : error {
    explicit bad_queue_name(std::string_view why) : error("cascade: a queue name " + std::string(why)) {}
};

/// enqueue_options that contradict each other (a run time and a delay). Nothing was written.
struct bad_enqueue_options : error {
    explicit bad_enqueue_options(std::string const& why) : error("cascade: " + why) {}
};

/// The queue table lacks what this version needs (a table of an older cascade, not upgraded):
/// `cascade-queue install` or job_queue::install upgrades it in place.
struct queue_not_installed : error {
    queue_not_installed(std::string const& table, std::string const& why)
        : error("cascade: the queue table " + table + " is missing or older than this worker (" + why +
                "); run `cascade-queue install` (job_queue::install), which upgrades it in place") {}
};

namespace detail {
/// Throws bad_queue_name unless `name` is a queue name (queue_name_problem).
inline void check_queue_name(std::string_view name) {
    if (char const* why = queue_name_problem(name)) throw bad_queue_name(why);
}
/// A number of a result row, whichever integer or decimal type the backend gave it.
inline long long row_integer(soci::row const& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return 0;
    switch (r.get_properties(i).get_data_type()) {
        case soci::dt_integer: return r.get<int>(i);
        case soci::dt_long_long: return r.get<long long>(i);
        case soci::dt_unsigned_long_long: return static_cast<long long>(r.get<unsigned long long>(i));
        case soci::dt_double: return static_cast<long long>(r.get<double>(i));
        default: return std::stoll(r.get<std::string>(i));
    }
}
}  // namespace detail

/// Where and when a job runs. The defaults are the queue "default", priority 0, due now.
struct enqueue_options {
    std::string queue = "default";
    /// Smaller runs first (River, Oban); any int.
    int priority = 0;
    /// Not before this time: milliseconds since the epoch on the *database's* clock. Or:
    std::optional<long long> run_at{};
    /// not before this long after the database's now. Give one of the two, not both.
    std::chrono::milliseconds delay{0};
};

/// A job row a worker claimed.
struct claimed_job {
    long long id = 0;
    std::string name;
    std::string payload;
    int attempts = 0;  ///< including this one
    int max_attempts = 0;
    std::string queue = "default";
    int priority = 0;
    long long run_at = 0;
};

/// A job row as an operator sees it (the dashboard's lists).
struct job_row {
    long long id = 0;
    std::string name, queue, state, payload;
    int priority = 0, attempts = 0, max_attempts = 0;
    long long run_at = 0, created_at = 0;
    std::optional<long long> finished_at;
    std::string last_error;  ///< empty when none
    std::string errors;      ///< every failure, one line each, oldest first
};

/// What `status` reports.
struct queue_status {
    /// Rows per state of the table (ready counts the scheduled rows too).
    std::map<std::string, long long> counts;
    /// Ready rows that are not due yet (scheduled jobs, retries waiting for their backoff).
    long long scheduled = 0;
    /// The age of the oldest due ready row (0 when none).
    double oldest_ready_seconds = 0;
    /// Per named queue: rows per state, with "scheduled" counted apart from "ready" (due).
    std::map<std::string, std::map<std::string, long long>> queues;
    /// The paused queues, by name.
    std::vector<std::string> paused;
};

class job_queue {
public:
    explicit job_queue(std::string table = "cascade_jobs") : table_(std::move(table)) {
        if (table_.empty() || table_.size() > 60) throw invalid_queue_name(table_);
        for (std::size_t i = 0; i < table_.size(); ++i) {
            char const c = table_[i];
            bool const ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) throw invalid_queue_name(table_);
        }
    }
    std::string const& table() const { return table_; }
    /// The channel NOTIFY wakes idle workers on (PostgreSQL).
    std::string channel() const { return table_; }

    /// The table of paused queues.
    std::string paused_table() const { return table_ + "_paused"; }

    /// Creates the table, its indexes and the table of paused queues if they are missing, and
    /// upgrades a table of an older cascade in place: the columns it lacks are added with their
    /// defaults (its rows stay, in the queue "default" at priority 0), the claim indexes of this
    /// version are made and the old ready index `<table>_ready (run_at, id)` is dropped. Run it
    /// before starting workers of this version (workers of the older one keep working, without
    /// queues, priorities or pauses, and their claims sort the ready rows until they are replaced).
    void install(soci::session& sql) const {
        bool const pg = is_pg(sql);
        // Every statement is "if (not) exists", so that installing again is safe; PostgreSQL tells the
        // client of each one it skips ("relation ... already exists, skipping"), which an operator would
        // read as a problem. Those notices are silenced for the install and the setting put back.
        std::string level;
        if (pg) {
            sql << "SELECT current_setting('client_min_messages')", soci::into(level);
            sql << "SET client_min_messages TO warning";
        }
        struct restore {
            soci::session& sql;
            std::string const& level;
            ~restore() {
                if (level.empty()) return;
                try {
                    sql << "SET client_min_messages TO " + level;  // a word the server itself gave
                } catch (...) {
                    // a failed install's transaction: the error that ended it is the one to see
                }
            }
        } const put_back{sql, level};
        sql << "CREATE TABLE IF NOT EXISTS " + table_ + " (id " +
                   (pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT") +
                   ", name TEXT NOT NULL, payload TEXT NOT NULL, dedup_key TEXT NOT NULL,"
                   " state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done', 'dead')),"
                   " attempts INTEGER NOT NULL DEFAULT 0,"
                   " max_attempts INTEGER NOT NULL, run_at BIGINT NOT NULL, locked_by TEXT, locked_until BIGINT,"
                   " last_error TEXT, errors TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, finished_at BIGINT," +
                   columns_added_later[0].definition + ", " + columns_added_later[1].definition + ")";
        // A table of an older cascade: the same columns, added at its end (so both shapes are one).
        for (auto const& c : columns_added_later) {
            if (has_column(sql, c.name)) continue;
            sql << "ALTER TABLE " + table_ + " ADD COLUMN " + (pg ? "IF NOT EXISTS " : "") + c.definition;
        }
        sql << "CREATE TABLE IF NOT EXISTS " + paused_table() + " (queue TEXT PRIMARY KEY, paused_at BIGINT NOT NULL)";
        // Deduplication: one live job per (job, owner, batch).
        sql << "CREATE UNIQUE INDEX IF NOT EXISTS " + table_ + "_live_dedup ON " + table_ +
                   " (dedup_key) WHERE state IN ('ready', 'running')";
        // Claims walk these in order and stop after n rows, whatever the backlog: the ready rows by
        // priority and run time (all queues, or one queue at a time), the running rows by lease;
        // pruning walks the done rows by finish time. PostgreSQL cuts names at 63 bytes and a table
        // name may have 60: every suffix differs in its first three bytes (_li _cl _qu _le _fi _pa).
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_due ON " + table_ + " (priority, run_at, id) WHERE state = 'ready'";
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_queue_claim ON " + table_ +
                   " (queue, priority, run_at, id) WHERE state = 'ready'";
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_lease ON " + table_ + " (locked_until) WHERE state = 'running'";
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_finished ON " + table_ + " (finished_at) WHERE state = 'done'";
        // The claim index of the first version (state, run_at, id): nothing reads it any more, every write paid for it.
        sql << "DROP INDEX IF EXISTS " + table_ + "_claim";
        // The previous version's ready index (run_at, id): no claim reads it now, every write paid for it.
        sql << "DROP INDEX IF EXISTS " + table_ + "_ready";
    }

    /// Throws queue_not_installed unless the table has what this version reads and writes (a
    /// worker checks it when it starts). A statement that gave up waiting for a lock (the table is
    /// there, someone holds it) throws as it came.
    void check_installed(soci::session& sql) const {
        try {
            long long n = 0;
            sql << "SELECT COUNT(*) FROM (SELECT queue, priority FROM " + table_ + " WHERE 1 = 0) c", soci::into(n);
            sql << "SELECT COUNT(*) FROM (SELECT queue FROM " + paused_table() + " WHERE 1 = 0) p", soci::into(n);
        } catch (std::exception const& e) {
            // a table someone holds locked is there: its lock timeout is not "install it"
            if (detail::how_it_gave_up(std::current_exception()) != detail::gave_up::no) throw;
            throw queue_not_installed(table_, e.what());
        }
    }

    /// Inserts a job row in the caller's transaction (the outbox): gone with a rollback, kept by a
    /// commit, whatever happens to the process next. A ready row with the same dedup key stands for it
    /// (returns false); a running one does not (see below). Returns whether a row was inserted. On
    /// PostgreSQL the insert also NOTIFYs idle workers (delivered at commit).
    bool enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) const {
        enqueue_options o;
        o.delay = delay;
        return enqueue(sql, name, payload, dedup_key, max_attempts, o);
    }
    /// The same, in a named queue, with a priority, or scheduled (`{.queue = "mail", .priority = -1,
    /// .delay = 5min}`). A scheduled job is not claimed before its time; workers see it within their
    /// poll interval of it.
    bool enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, enqueue_options const& options) const {
        // SOCI's PostgreSQL backend cuts text at a NUL byte: two keys would share a dedup key.
        detail::check_text(name, "job name");
        detail::check_text(payload, "job payload");
        detail::check_text(dedup_key, "job dedup key");
        detail::check_queue_name(options.queue);
        if (options.run_at && options.delay.count() != 0)
            throw bad_enqueue_options("enqueue_options: give a run time (run_at) or a delay, not both");
        bool const pg = is_pg(sql);
        long long const when = options.run_at ? *options.run_at : options.delay.count();
        int const priority = options.priority;
        std::string const run_at = options.run_at ? std::string(":r") : now(pg) + " + :r";
        // A ready twin has not begun: it will find the rows this job is for. A running twin may be past
        // them (an owner's key used again: destroyed, made anew with new dependents and destroyed again
        // while the first job runs; dropped, those dependents stayed for good), so the job goes in under
        // its key's next generation (`key|2`, `key|3`, ...), where a ready twin stands for it again.
        // Nothing is written to the twin: a row a worker holds must not be locked by a caller's
        // transaction (an upsert's DO UPDATE holds it until the caller commits, and the worker's
        // heartbeat and completion wait for it, or deadlock with it).
        std::string key = dedup_key;
        for (int generation = 1, tries = 0;; ++tries) {
            soci::statement st = (sql.prepare << "INSERT INTO " + table_ +
                                                     " (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue,"
                                                     " priority) VALUES (:n, :p, :k, 'ready', 0, :m, " + run_at + ", " + now(pg) +
                                                     ", :q, :pr) ON CONFLICT (dedup_key) WHERE state IN ('ready', 'running') DO NOTHING",
                                  soci::use(name), soci::use(payload), soci::use(key), soci::use(max_attempts), soci::use(when),
                                  soci::use(options.queue), soci::use(priority));
            st.execute(true);
            if (st.get_affected_rows() > 0) {
                // The queue's name rides along: a worker serving other queues need not wake.
                if (pg) sql << "NOTIFY " + channel() + ", " + literal(true, options.queue);
                return true;
            }
            std::string state;
            soci::indicator ind = soci::i_null;
            sql << "SELECT MIN(state) FROM " + table_ + " WHERE dedup_key = :k AND state IN ('ready', 'running')", soci::use(key),
                soci::into(state, ind);
            if (ind != soci::i_null && state == "ready") return false;   // ('ready' < 'running': one ready row is enough)
            if (ind != soci::i_null || tries >= 3) {                       // running (or gone and back, again and again)
                key = dedup_key + "|" + std::to_string(++generation);
                tries = -1;
            }
            // else: the twin finished between the two statements: the same key again
        }
    }

    /// Claims up to `n` runnable jobs for `worker` from `queues` (every queue when empty), in one
    /// statement that also counts the attempt and sets the lease: a row whose lease lapsed (or that
    /// has none) first and alone, else ready rows that are due, by priority (smaller first), run time and id.
    /// Paused queues are left alone. Every walk reads a partial index in order and stops after n rows,
    /// so a claim costs the same with 1,000 or 1,000,000 rows queued, whatever other queues or paused
    /// queues hold (the clock is read once, as a scalar subquery). PostgreSQL: FOR UPDATE SKIP
    /// LOCKED, so many workers never wait on each other; SQLite: the single writer's UPDATE. The
    /// jobs come back in claim order: priority, run time, id.
    std::vector<claimed_job> claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease,
                                   std::vector<std::string> const& queues = {}) const;

    /// The claim prepared once on a session and run as often as wanted (a worker thread keeps one
    /// per session: PostgreSQL then plans it once instead of at every claim).
    class prepared_claim {
    public:
        prepared_claim(job_queue const& queue, soci::session& sql, std::string worker, int n, std::chrono::milliseconds lease,
                       std::vector<std::string> const& queues = {})
            : sql_(sql), pg_(is_pg(sql)), worker_(std::move(worker)), cap_(n < 2 ? 2 : static_cast<std::size_t>(n)), st_(sql) {
            resize();
            st_.exchange(soci::into(ids_));
            st_.exchange(soci::into(names_));
            st_.exchange(soci::into(payloads_));
            st_.exchange(soci::into(attempts_));
            st_.exchange(soci::into(maxes_));
            st_.exchange(soci::into(queues_));
            st_.exchange(soci::into(priorities_));
            st_.exchange(soci::into(run_ats_));
            st_.exchange(soci::use(worker_));
            st_.alloc();
            st_.prepare(queue.claim_text(is_pg(sql), ":w", n < 1 ? 1 : n, lease.count(), queues));
            st_.define_and_bind();
        }
        prepared_claim(prepared_claim const&) = delete;
        prepared_claim& operator=(prepared_claim const&) = delete;

        /// Claims; the jobs in claim order (RETURNING keeps none): priority, run time, id.
        std::vector<claimed_job> operator()() {
            resize();  // a run shrinks the vectors to the rows it got; a vector of 0 cannot take rows
            std::vector<claimed_job> out;
            // PostgreSQL caches one plan for the prepared claim, often made while the queue was empty
            // or its statistics old: for a table that small, scanning it whole is cheapest, and a
            // burst of 100,000 jobs then made every claim read every row (50-150 ms) until the next
            // ANALYZE. Within the claim's own transaction the planner counts whole-table and bitmap
            // scans as prohibitive, so the plan walks the indexes whatever the statistics say (three
            // more round trips: BEGIN, the settings, COMMIT). Inside a caller's transaction the
            // settings would outlive the claim: it runs without them there (the workers never do).
            std::optional<detail::write_transaction> tx;
            if (pg_ && !detail::in_transaction(sql_)) {
                tx.emplace(sql_);
                detail::execute_text(sql_, "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)");
            }
            for (bool got = st_.execute(true); got; got = st_.fetch()) {
                for (std::size_t i = 0; i < ids_.size(); ++i)
                    out.push_back({ids_[i], names_[i], payloads_[i], attempts_[i], maxes_[i], queues_[i], priorities_[i], run_ats_[i]});
                if (ids_.empty()) break;
            }
            if (tx) tx->commit();
            std::sort(out.begin(), out.end(), [](claimed_job const& a, claimed_job const& b) {
                return std::tie(a.priority, a.run_at, a.id) < std::tie(b.priority, b.run_at, b.id);
            });
            return out;
        }

    private:
        void resize() {
            ids_.resize(cap_);
            run_ats_.resize(cap_);
            names_.resize(cap_);
            payloads_.resize(cap_);
            queues_.resize(cap_);
            attempts_.resize(cap_);
            maxes_.resize(cap_);
            priorities_.resize(cap_);
        }
        soci::session& sql_;
        bool pg_;
        std::string worker_;
        std::size_t cap_;
        std::vector<long long> ids_, run_ats_;
        std::vector<std::string> names_, payloads_, queues_;
        std::vector<int> attempts_, maxes_, priorities_;
        soci::statement st_;
    };

    /// The claim's statement: `worker` is SQL (a placeholder, or a literal for EXPLAIN); the numbers
    /// are the caller's integers; the queue names are checked and written as quoted literals.
    ///  - lapsed: a running row whose lease lapsed, by lease (`_lease` index), in the worker's
    ///    unpaused queues: the oldest, alone (no due row is claimed with it);
    ///  - due, one queue: `_queue_claim (queue, priority, run_at, id)` from the queue's first entry;
    ///  - due, several queues: the same walk per queue, n rows each, the first n of them (a sort of
    ///    at most n rows per queue, never of the backlog);
    ///  - due, every queue: `_due (priority, run_at, id)` while no queue is paused; while some
    ///    are, the queues with ready rows are found by a walk that jumps from one queue to the next
    ///    in `_queue_claim` (one index probe per queue, never a paused queue's rows), and each
    ///    unpaused one is walked as above. Each way is gated by a test of the pause table that
    ///    PostgreSQL evaluates once, so only one of them runs.
    std::string claim_text(bool pg, std::string const& worker, int n, long long lease_ms,
                           std::vector<std::string> const& queues = {}) const {
        for (auto const& q : queues) detail::check_queue_name(q);
        std::string const limit = std::to_string(n < 1 ? 1 : n);
        std::string const clock = "(SELECT " + now(pg) + ")";
        std::string const lock = pg ? " FOR UPDATE SKIP LOCKED" : "";
        std::string const paused = paused_table();
        std::string served;  // the worker's queues, as SQL literals
        for (auto const& q : queues) served += (served.empty() ? "" : ", ") + literal(pg, q);
        // The due rows of one queue (a literal, or a column of the outer query), most urgent first.
        auto one_queue = [&](std::string const& queue_sql, std::string const& columns, bool gate) {
            return "SELECT " + columns + " FROM " + table_ + " WHERE state = 'ready' AND queue = " + queue_sql +
                   " AND run_at <= " + clock +
                   (gate ? " AND NOT EXISTS (SELECT 1 FROM " + paused + " WHERE queue = " + queue_sql + ")" : std::string()) +
                   " ORDER BY priority, run_at, id LIMIT " + limit + lock;
        };
        std::string ctes = "lapsed AS (SELECT id FROM " + table_ + " WHERE state = 'running' AND (locked_until IS NULL OR locked_until < " +
                           clock + ") AND attempts < max_attempts" + (queues.empty() ? std::string() : " AND queue IN (" + served + ")") +
                           " AND NOT EXISTS (SELECT 1 FROM " + paused + " p WHERE p.queue = " + table_ + ".queue)" +
                           " ORDER BY locked_until LIMIT 1" + lock + ")";
        // A lapsed row is taken alone: its worker died or hung while holding it, maybe because of
        // it (a job that crashes its process), and taken with others it would take them down with
        // it again, each time charging them an attempt, until they died beside it.
        std::string const alone = " WHERE NOT EXISTS (SELECT 1 FROM lapsed)";
        std::string arms = "SELECT id FROM lapsed UNION ALL SELECT id FROM due" + alone;
        bool recursive = false;
        if (queues.size() == 1) {
            ctes += ", due AS (" + one_queue(literal(pg, queues[0]), "id", true) + ")";
        } else if (queues.size() > 1) {
            std::string u;
            for (std::size_t i = 0; i < queues.size(); ++i)
                u += (i ? " UNION ALL " : "") + std::string("SELECT id, priority, run_at FROM (") +
                     one_queue(literal(pg, queues[i]), "id, priority, run_at", true) + ") q" + std::to_string(i);
            ctes += ", due AS (SELECT id FROM (" + u + ") u ORDER BY priority, run_at, id LIMIT " + limit + ")";
        } else {
            recursive = true;
            ctes += ", due AS (SELECT id FROM " + table_ + " WHERE state = 'ready' AND run_at <= " + clock +
                    " AND NOT EXISTS (SELECT 1 FROM " + paused + ") ORDER BY priority, run_at, id LIMIT " + limit + lock + ")";
            ctes += ", live_queues (name) AS (SELECT MIN(queue) FROM " + table_ + " WHERE state = 'ready' AND EXISTS (SELECT 1 FROM " +
                    paused + ") UNION ALL SELECT (SELECT MIN(t.queue) FROM " + table_ +
                    " t WHERE t.state = 'ready' AND t.queue > live_queues.name) FROM live_queues WHERE live_queues.name IS NOT NULL)";
            std::string const each = pg ? "live_queues q CROSS JOIN LATERAL (" + one_queue("q.name", "id, priority, run_at", false) + ") d"
                                        // SQLite has no LATERAL: the rows whose id is among the queue's first n
                                        : "live_queues q JOIN " + table_ + " d ON d.id IN (SELECT i.id FROM " + table_ +
                                              " i WHERE i.state = 'ready' AND i.queue = q.name AND i.run_at <= " + clock +
                                              " ORDER BY i.priority, i.run_at, i.id LIMIT " + limit + ")";
            ctes += ", due_unpaused AS (SELECT d.id FROM " + each + " WHERE q.name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + paused +
                    " p WHERE p.queue = q.name) ORDER BY d.priority, d.run_at, d.id LIMIT " + limit + ")";
            arms += " UNION ALL SELECT id FROM due_unpaused" + alone;
        }
        return std::string(recursive ? "WITH RECURSIVE " : "WITH ") + ctes + " UPDATE " + table_ +
               // attempts saturate: a row written with 2147483647 must not make every claim overflow
               " SET state = 'running', attempts = CASE WHEN attempts < 0 THEN 1 WHEN attempts >= 2147483646 THEN 2147483647"
               " ELSE attempts + 1 END, locked_by = " + worker + ", locked_until = " + now(pg) + " + " + std::to_string(lease_ms) +
               // PostgreSQL: the picked ids as an array, found by primary key. With `id IN (...)` the
               // plan a worker's prepared claim caches while the table is empty or its statistics
               // are old joins them by hashing a scan of the whole table: a burst of 100,000 jobs
               // then made every claim read every row (50-150 ms each) until the next ANALYZE.
               (pg ? " WHERE id = ANY(ARRAY(SELECT id FROM (" + arms + ") c LIMIT " + limit + "))"
                   : " WHERE id IN (SELECT id FROM (" + arms + ") c LIMIT " + limit + ")") +
               " RETURNING id, name, payload, attempts, max_attempts, queue, priority, run_at";
    }

    /// Marks jobs done, in one statement; only rows `worker` still holds with that attempt (a row
    /// whose lease lapsed and that another worker took over is theirs). Returns how many.
    long long complete(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return 0;
        soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(is_pg(sql)) +
                                                 ", locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " +
                                                 held(jobs),
                              soci::use(worker));
        st.execute(true);
        return st.get_affected_rows();
    }

    /// Marks one job done with a note for the operator (dependents a before_destroy refused, which
    /// stayed): kept in last_error and the errors log. Fenced as complete() is.
    void complete_with_note(soci::session& sql, std::string const& worker, claimed_job const& job,
                            std::string const& note) const {
        std::string const message = printable(note);
        std::string const line = "attempt " + std::to_string(job.attempts) + " done: " + message + "\n";
        sql << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(is_pg(sql)) +
                   ", last_error = :e, errors = errors || :line, locked_by = NULL, locked_until = NULL WHERE id = :id AND "
                   "state = 'running' AND locked_by = :w AND attempts = :a",
            soci::use(message), soci::use(line), soci::use(job.id), soci::use(worker), soci::use(job.attempts);
    }

    /// Records a failed attempt: back to ready after `retry_in`, or dead once attempts are used up
    /// (or at once when `final`, e.g. a job the worker cannot decode). Every attempt's error is kept.
    /// Only while `worker` still holds the row with that attempt.
    void fail(soci::session& sql, std::string const& worker, claimed_job const& job, std::string const& error,
              std::chrono::milliseconds retry_in, bool final = false) const {
        bool const pg = is_pg(sql);
        bool const dead = final || job.attempts >= job.max_attempts;
        // Every value bound lives until the statement has run (SOCI binds by reference and runs the
        // statement when the expression ends, after its temporaries are gone).
        std::string const message = printable(error);
        std::string const line = "attempt " + std::to_string(job.attempts) + ": " + message + "\n";
        std::string const state = dead ? "dead" : "ready";
        long long const delay_ms = retry_in.count();
        sql << "UPDATE " + table_ + " SET state = :s, last_error = :e, errors = errors || :line, run_at = " + now(pg) +
                   " + :d, locked_by = NULL, locked_until = NULL, finished_at = CASE WHEN :s2 = 'dead' THEN " + now(pg) +
                   " ELSE NULL END WHERE id = :id AND state = 'running' AND locked_by = :w AND attempts = :a",
            soci::use(state), soci::use(message), soci::use(line), soci::use(delay_ms), soci::use(state), soci::use(job.id),
            soci::use(worker), soci::use(job.attempts);
    }

    /// Extends the leases of `jobs`, which `worker` is running (not of every row that names it: a row
    /// whose thread lost its connection must lapse, so that another worker takes it over).
    void heartbeat(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs,
                   std::chrono::milliseconds lease) const {
        if (jobs.empty()) return;
        long long const lease_ms = lease.count();
        sql << "UPDATE " + table_ + " SET locked_until = " + now(is_pg(sql)) +
                   " + :l WHERE state = 'running' AND locked_by = :w AND " + held(jobs),
            soci::use(lease_ms), soci::use(worker);
    }

    /// Gives back jobs `worker` claimed but did not run (their attempt is not counted). On PostgreSQL
    /// idle workers are woken for them, as for a new job.
    void release(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return;
        sql << "UPDATE " + table_ + " SET state = 'ready', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,"
                   " locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " + held(jobs),
            soci::use(worker);
        if (!is_pg(sql)) return;
        std::set<std::string> queues;
        for (auto const& j : jobs)
            if (j.queue.size() <= 128) queues.insert(j.queue);  // a longer name (written by hand) is no queue a worker serves
        for (auto const& q : queues) sql << "NOTIFY " + channel() + ", " + literal(true, q);
    }

    /// Ends the leases of `jobs` now (a worker that stops gives its running jobs over at once): the
    /// next claim by any worker takes them, counting a new attempt; if the job finishes first, its
    /// worker still records it done.
    void expire(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return;
        sql << "UPDATE " + table_ + " SET locked_until = " + now(is_pg(sql)) +
                   " - 1 WHERE state = 'running' AND locked_by = :w AND " + held(jobs),
            soci::use(worker);
    }

    /// Rows per state and per queue, the scheduled ones apart, the oldest due job's age and the
    /// paused queues. It counts the table (its cost grows with it: an operator's command, and the
    /// example worker's idle check).
    queue_status status(soci::session& sql) const {
        queue_status s;
        long long const at = database_now(sql);
        std::string const clock = std::to_string(at);
        soci::rowset<soci::row> rs = (sql.prepare << "SELECT queue, state, COUNT(*), SUM(CASE WHEN state = 'ready' AND run_at > " +
                                                         clock + " THEN 1 ELSE 0 END), MIN(CASE WHEN state = 'ready' AND run_at <= " +
                                                         clock + " THEN run_at END) FROM " + table_ + " GROUP BY queue, state");
        std::optional<long long> oldest;
        for (auto const& r : rs) {
            std::string const queue = r.get_indicator(0) == soci::i_null ? std::string() : r.get<std::string>(0);
            std::string const state = r.get<std::string>(1);
            long long const rows = detail::row_integer(r, 2), scheduled = detail::row_integer(r, 3);
            s.counts[state] += rows;
            s.scheduled += scheduled;
            auto& per = s.queues[queue];
            if (state == "ready") {
                per["ready"] += rows - scheduled;
                per["scheduled"] += scheduled;
            } else {
                per[state] += rows;
            }
            if (r.get_indicator(4) != soci::i_null) {
                long long const due = detail::row_integer(r, 4);
                if (!oldest || due < *oldest) oldest = due;
            }
        }
        if (oldest && at > *oldest) s.oldest_ready_seconds = static_cast<double>(at - *oldest) / 1000.0;
        s.paused = paused(sql);
        for (auto const& q : s.paused) s.queues[q];  // a paused queue is listed even when it holds nothing
        return s;
    }

    /// Pauses a named queue: no worker claims its jobs until it is resumed (jobs running now
    /// finish; the others keep their place). Returns false if it was paused already.
    bool pause(soci::session& sql, std::string const& queue) const {
        detail::check_queue_name(queue);
        soci::statement st = (sql.prepare << "INSERT INTO " + paused_table() + " (queue, paused_at) VALUES (:q, " + now(is_pg(sql)) +
                                                 ") ON CONFLICT (queue) DO NOTHING",
                              soci::use(queue));
        st.execute(true);
        return st.get_affected_rows() > 0;
    }
    /// Resumes a paused queue (idle PostgreSQL workers are woken at once). Returns false if it was
    /// not paused.
    bool resume(soci::session& sql, std::string const& queue) const {
        detail::check_queue_name(queue);
        soci::statement st = (sql.prepare << "DELETE FROM " + paused_table() + " WHERE queue = :q", soci::use(queue));
        st.execute(true);
        bool const resumed = st.get_affected_rows() > 0;
        if (resumed && is_pg(sql)) sql << "NOTIFY " + channel() + ", " + literal(true, queue);
        return resumed;
    }
    /// The paused queues, by name.
    std::vector<std::string> paused(soci::session& sql) const {
        std::vector<std::string> out;
        soci::rowset<std::string> rs = (sql.prepare << "SELECT queue FROM " + paused_table() + " ORDER BY queue");
        for (auto const& q : rs) out.push_back(q);
        return out;
    }

    /// At most `limit` jobs in `state`, the ones an operator looks at first: ready ones in claim order
    /// (priority, run time, id: the `_due` index), others newest first (by id).
    std::vector<job_row> list(soci::session& sql, std::string const& state, int limit) const {
        std::string const order = state == "ready" ? "priority, run_at, id" : "id DESC";
        long long const n = limit < 0 ? 0 : limit;
        soci::rowset<soci::row> rs =
            (sql.prepare << "SELECT id, name, queue, state, payload, priority, attempts, max_attempts, run_at, created_at,"
                            " finished_at, last_error, errors FROM " + table_ + " WHERE state = :s ORDER BY " + order + " LIMIT :n",
             soci::use(state), soci::use(n));
        std::vector<job_row> out;
        for (auto const& r : rs) {
            job_row j;
            j.id = detail::row_integer(r, 0);
            j.name = r.get<std::string>(1);
            j.queue = r.get_indicator(2) == soci::i_null ? std::string() : r.get<std::string>(2);
            j.state = r.get<std::string>(3);
            j.payload = r.get<std::string>(4);
            j.priority = static_cast<int>(detail::row_integer(r, 5));
            j.attempts = static_cast<int>(detail::row_integer(r, 6));
            j.max_attempts = static_cast<int>(detail::row_integer(r, 7));
            j.run_at = detail::row_integer(r, 8);
            j.created_at = detail::row_integer(r, 9);
            if (r.get_indicator(10) != soci::i_null) j.finished_at = detail::row_integer(r, 10);
            if (r.get_indicator(11) != soci::i_null) j.last_error = r.get<std::string>(11);
            if (r.get_indicator(12) != soci::i_null) j.errors = r.get<std::string>(12);
            out.push_back(std::move(j));
        }
        return out;
    }

    /// The database's clock now, in milliseconds since the epoch.
    long long database_now(soci::session& sql) const {
        long long at = 0;
        sql << "SELECT " + now(is_pg(sql)), soci::into(at);
        return at;
    }
    /// Puts a dead job (or every dead job, id < 0) back to ready with fresh attempts; returns how many.
    /// A dead job whose twin (same dedup key) is ready or running is not retried: retry ID throws
    /// job_has_live_twin; retry of every dead job skips it, and of several dead twins takes the newest.
    long long retry(soci::session& sql, long long id = -1) const {
        if (id >= 0) {
            long long twin = 0;
            soci::indicator ind = soci::i_null;
            sql << "SELECT MIN(l.id) FROM " + table_ + " l, " + table_ + " d WHERE d.id = :id AND d.state = 'dead' AND " +
                       "l.dedup_key = d.dedup_key AND l.state IN ('ready', 'running')",
                soci::use(id), soci::into(twin, ind);
            if (ind != soci::i_null) throw job_has_live_twin(id, twin);
        }
        soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET state = 'ready', attempts = 0, run_at = " +
                                                 now(is_pg(sql)) + ", finished_at = NULL, locked_by = NULL, locked_until = NULL"
                                                 " WHERE state = 'dead' AND (:id < 0 OR id = :id2) AND NOT EXISTS (SELECT 1 FROM " +
                                                 table_ + " l WHERE l.dedup_key = " + table_ + ".dedup_key AND l.state IN ('ready', 'running'))"
                                                 " AND (:id3 >= 0 OR id = (SELECT MAX(d.id) FROM " + table_ + " d WHERE d.dedup_key = " +
                                                 table_ + ".dedup_key AND d.state = 'dead'))",
                              soci::use(id), soci::use(id), soci::use(id));
        st.execute(true);
        return st.get_affected_rows();
    }
    /// Deletes a dead or ready job (only a dead one when `dead_only`: what a page shows as dead may have
    /// been retried since), or every dead job (id < 0); returns how many.
    long long discard(soci::session& sql, long long id = -1, bool dead_only = false) const {
        soci::statement st = (sql.prepare << "DELETE FROM " + table_ + " WHERE (:id < 0 AND state = 'dead') OR (id = :id2 AND state IN ('dead'" +
                                                 (dead_only ? "" : ", 'ready'") + "))",
                              soci::use(id), soci::use(id));
        st.execute(true);
        return st.get_affected_rows();
    }
    /// Deletes done jobs finished more than `age` ago (retention), `chunk` rows per statement so that
    /// no statement holds many locks; returns how many.
    long long purge_done(soci::session& sql, std::chrono::milliseconds age, long long chunk = 10000) const {
        long long const age_ms = age.count();
        long long total = 0;
        for (;;) {
            // The cut-off as a scalar subquery bounds the _finished index; the chunk's ids are probed
            // through the primary key (PostgreSQL: as an array, or it plans a scan of the whole table).
            bool const pg = is_pg(sql);
            std::string const chunk_ids = "SELECT id FROM " + table_ + " WHERE state = 'done' AND finished_at < (SELECT " +
                                          now(pg) + " - :a) ORDER BY finished_at LIMIT :c";
            soci::statement st = (sql.prepare << "DELETE FROM " + table_ + " WHERE " +
                                                     (pg ? "id = ANY(ARRAY(" + chunk_ids + "))" : "id IN (" + chunk_ids + ")"),
                                  soci::use(age_ms), soci::use(chunk));
            st.execute(true);
            long long const n = st.get_affected_rows();
            total += n;
            if (n < chunk) return total;
        }
    }

    /// Rows no worker would ever touch, as people and bugs can write them: a running row whose lease
    /// lapsed on its last attempt becomes dead, a state the queue does not know becomes dead with a
    /// message (retry runs it), a finished row without a finish time gets one (so that retention sees
    /// it). Returns how many rows were repaired.
    long long repair(soci::session& sql) const {
        bool const pg = is_pg(sql);
        // A job whose worker died (SIGKILL, OOM, a crash) on its last attempt is not claimed again (a job
        // that kills its worker must not kill them all in turn): dead, with the reason.
        soci::statement lapsed = (sql.prepare << "UPDATE " + table_ +
                                                     " SET last_error = 'cascade: the lease lapsed on the last attempt (its worker died or"
                                                     " lost its connection while running it)', errors = errors || 'attempt ' || attempts ||"
                                                     " ': the lease lapsed' || " + newline(pg) + ", state = 'dead', locked_by = NULL,"
                                                     " locked_until = NULL, finished_at = " + now(pg) + " WHERE state = 'running' AND"
                                                     " (locked_until IS NULL OR locked_until < (SELECT " + now(pg) + ")) AND attempts >= max_attempts");
        lapsed.execute(true);
        soci::statement unknown = (sql.prepare << "UPDATE " + table_ +
                                                      " SET last_error = 'cascade: unknown state ''' || state || ''' (made dead by"
                                                      " the queue: retry runs the job)', errors = errors || 'unknown state ' || state ||"
                                                      " ' (made dead)' || " + newline(pg) + ", state = 'dead', locked_by = NULL, locked_until = NULL,"
                                                      " finished_at = " + now(pg) + " WHERE state NOT IN ('ready', 'running', 'done', 'dead')");
        unknown.execute(true);
        soci::statement unfinished = (sql.prepare << "UPDATE " + table_ + " SET finished_at = " + now(pg) +
                                                         " WHERE state IN ('done', 'dead') AND finished_at IS NULL");
        unfinished.execute(true);
        return lapsed.get_affected_rows() + unknown.get_affected_rows() + unfinished.get_affected_rows();
    }

    /// The database's clock in milliseconds since the epoch, as SQL.
    static std::string now(bool pg) {
        return pg ? "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"
                  : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
    }

private:
    /// An error message as text every database takes: valid UTF-8 (a NUL shown as \0, a byte that is
    /// not UTF-8 as ?), at most 4,000 bytes. A message the database refused would leave its job unrecorded.
    static std::string printable(std::string const& s) {
        std::string out;
        std::size_t i = 0;
        while (i < s.size() && out.size() < 4000) {
            auto const c = static_cast<unsigned char>(s[i]);
            std::size_t const n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
            bool ok = n > 0 && i + n <= s.size();
            for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
            if (c == 0) out += "\\0";
            else if (ok) out.append(s, i, n);
            else out += '?';
            i += ok ? n : 1;
        }
        return out;
    }
    /// The queue's SQL is written for PostgreSQL and SQLite; any other backend is refused by name.
    static bool is_pg(soci::session& sql) {
        std::string const name = sql.get_backend_name();
        if (name != "postgresql" && name != "sqlite3") throw unsupported_backend(name + " (the durable queue)", "sqlite3, postgresql");
        return name == "postgresql";
    }
    /// `text` as a string literal of the dialect (a checked queue name: no NUL byte). PostgreSQL's
    /// escape string form doubles backslashes too, so it reads the same whatever
    /// standard_conforming_strings says.
    static std::string literal(bool pg, std::string_view text) {
        std::string out = pg ? "E'" : "'";
        for (char c : text) {
            if (c == '\'') out += "''";
            else if (pg && c == '\\') out += "\\\\";
            else out += c;
        }
        return out + "'";
    }
    struct column_added_later {
        char const* name;
        char const* definition;
    };
    static constexpr column_added_later columns_added_later[2] = {
        {"queue", "queue TEXT NOT NULL DEFAULT 'default'"}, {"priority", "priority INTEGER NOT NULL DEFAULT 0"}};
    /// Whether the table has the column (resolved as the statements resolve the table's name).
    bool has_column(soci::session& sql, char const* column) const {
        long long n = 0;
        std::string const c = column;
        if (is_pg(sql))
            sql << "SELECT COUNT(*) FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attname = :c AND NOT attisdropped",
                soci::use(table_), soci::use(c), soci::into(n);
        else
            sql << "SELECT COUNT(*) FROM pragma_table_info('" + table_ + "') WHERE name = :c", soci::use(c), soci::into(n);
        return n > 0;
    }
    static std::string newline(bool pg) { return pg ? "chr(10)" : "char(10)"; }
    /// `(id, attempts) IN (VALUES (..), ..)`: the rows as claimed (integers from the table: nothing
    /// to escape; SQLite takes row values only from a subquery).
    static std::string held(std::vector<claimed_job> const& jobs) {
        std::string out = "(id, attempts) IN (VALUES ";
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            if (i) out += ", ";
            out += "(";
            out += std::to_string(jobs[i].id);
            out += ", ";
            out += std::to_string(jobs[i].attempts);
            out += ")";
        }
        out += ")";
        return out;
    }
    std::string table_;
};

inline std::vector<claimed_job> job_queue::claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease,
                                                 std::vector<std::string> const& queues) const {
    return prepared_claim(*this, sql, worker, n, lease, queues)();
}

}  // namespace cascade
