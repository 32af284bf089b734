#pragma once
// The durable job queue, a table in the application's own database (default `cascade_jobs`):
//   id, name, payload (JSON), dedup_key, state (ready | running | done | dead), attempts,
//   max_attempts, run_at, locked_by, locked_until, last_error, errors, created_at, finished_at
// Times are milliseconds since the epoch from the *database's* clock, so that workers on several
// machines agree on leases and backoff. This header holds the SQL and the operations on the table;
// it needs no schema (the queue tool uses it alone).
//
// Every row a person or a bug can write is run, retried or made dead with a message; none stops the
// others: counters saturate instead of overflowing, a running row without a lease is claimable, an
// unknown state is made dead by `repair`. A worker's writes to a row it claimed are fenced by
// (id, locked_by, attempts): a worker whose lease lapsed and whose row another took over changes nothing.
#include <cascade/soci/exchange.hpp>

#include <soci/soci.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
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

/// A job row a worker claimed.
struct claimed_job {
    long long id = 0;
    std::string name;
    std::string payload;
    int attempts = 0;  ///< including this one
    int max_attempts = 0;
};

/// What `status` reports: rows per state and the age of the oldest job ready to run.
struct queue_status {
    std::map<std::string, long long> counts;
    double oldest_ready_seconds = 0;
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

    /// Creates the table and its indexes if they are missing.
    void install(soci::session& sql) const {
        bool const pg = is_pg(sql);
        sql << "CREATE TABLE IF NOT EXISTS " + table_ + " (id " +
                   (pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT") +
                   ", name TEXT NOT NULL, payload TEXT NOT NULL, dedup_key TEXT NOT NULL,"
                   " state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done', 'dead')),"
                   " attempts INTEGER NOT NULL DEFAULT 0,"
                   " max_attempts INTEGER NOT NULL, run_at BIGINT NOT NULL, locked_by TEXT, locked_until BIGINT,"
                   " last_error TEXT, errors TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, finished_at BIGINT)";
        // Deduplication: one live job per (job, owner, batch).
        sql << "CREATE UNIQUE INDEX IF NOT EXISTS " + table_ + "_live_dedup ON " + table_ +
                   " (dedup_key) WHERE state IN ('ready', 'running')";
        // Claims walk these in order and stop after n rows, whatever the backlog: the ready rows by
        // run time, the running rows by lease; pruning walks the done rows by finish time.
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_ready ON " + table_ + " (run_at, id) WHERE state = 'ready'";
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_lease ON " + table_ + " (locked_until) WHERE state = 'running'";
        sql << "CREATE INDEX IF NOT EXISTS " + table_ + "_finished ON " + table_ + " (finished_at) WHERE state = 'done'";
        // The claim index of earlier versions: nothing reads it any more, every write would maintain it.
        sql << "DROP INDEX IF EXISTS " + table_ + "_claim";
    }

    /// Inserts a job row in the caller's transaction (the outbox): gone with a rollback, kept by a
    /// commit, whatever happens to the process next. A live row with the same dedup key wins; returns
    /// whether a row was inserted. On PostgreSQL the insert also NOTIFYs idle workers (delivered at
    /// commit).
    bool enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) const {
        // SOCI's PostgreSQL backend cuts text at a NUL byte: two keys would share a dedup key.
        detail::check_text(name, "job name");
        detail::check_text(payload, "job payload");
        detail::check_text(dedup_key, "job dedup key");
        bool const pg = is_pg(sql);
        long long const delay_ms = delay.count();
        soci::statement st = (sql.prepare << "INSERT INTO " + table_ +
                                                 " (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at)"
                                                 " VALUES (:n, :p, :k, 'ready', 0, :m, " + now(pg) + " + :d, " + now(pg) +
                                                 ") ON CONFLICT (dedup_key) WHERE state IN ('ready', 'running') DO NOTHING",
                              soci::use(name), soci::use(payload), soci::use(dedup_key), soci::use(max_attempts),
                              soci::use(delay_ms));
        st.execute(true);
        bool const inserted = st.get_affected_rows() > 0;
        if (inserted && pg) sql << "NOTIFY " + channel();
        return inserted;
    }

    /// Claims up to `n` runnable jobs for `worker`, in one statement that also counts the attempt and
    /// sets the lease: rows whose lease lapsed (or that have none) first, then ready rows that are
    /// due, oldest first. Each kind is read from its partial index in order and the walk stops after n
    /// rows, so a claim costs the same with 1,000 or 1,000,000 rows queued (the clock is read once,
    /// as a scalar subquery, so that the planner can use it as an index bound). PostgreSQL: FOR UPDATE
    /// SKIP LOCKED, so many workers never wait on each other; SQLite: the single writer's UPDATE.
    std::vector<claimed_job> claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease) const {
        if (n < 1) n = 1;
        std::string const text = claim_text(is_pg(sql), ":w", n, lease.count());
        std::size_t const cap = n < 2 ? 2 : static_cast<std::size_t>(n);
        std::vector<long long> ids(cap);
        std::vector<std::string> names(cap), payloads(cap);
        std::vector<int> attempts(cap), maxes(cap);
        soci::statement st = (sql.prepare << text, soci::into(ids), soci::into(names), soci::into(payloads),
                              soci::into(attempts), soci::into(maxes), soci::use(worker));
        std::vector<claimed_job> out;
        for (bool got = st.execute(true); got; got = st.fetch()) {
            for (std::size_t i = 0; i < ids.size(); ++i) out.push_back({ids[i], names[i], payloads[i], attempts[i], maxes[i]});
            if (ids.empty()) break;
        }
        return out;
    }

    /// The claim's statement: `worker` is SQL (a placeholder, or a literal for EXPLAIN); the numbers
    /// are the caller's integers.
    std::string claim_text(bool pg, std::string const& worker, int n, long long lease_ms) const {
        std::string const limit = std::to_string(n < 1 ? 1 : n);
        std::string const clock = "(SELECT " + now(pg) + ")";
        std::string const lock = pg ? " FOR UPDATE SKIP LOCKED" : "";
        return "WITH lapsed AS (SELECT id FROM " + table_ +
               " WHERE state = 'running' AND (locked_until IS NULL OR locked_until < " + clock +
               ") AND attempts < max_attempts ORDER BY locked_until LIMIT " +
               limit + lock + "), due AS (SELECT id FROM " + table_ + " WHERE state = 'ready' AND run_at <= " + clock +
               " ORDER BY run_at, id LIMIT " + limit + lock + ") UPDATE " + table_ +
               // attempts saturate: a row written with 2147483647 must not make every claim overflow
               " SET state = 'running', attempts = CASE WHEN attempts < 0 THEN 1 WHEN attempts >= 2147483646 THEN 2147483647"
               " ELSE attempts + 1 END, locked_by = " + worker + ", locked_until = " + now(pg) + " + " + std::to_string(lease_ms) +
               " WHERE id IN (SELECT id FROM (SELECT id FROM lapsed UNION ALL SELECT id FROM due) c LIMIT " + limit +
               ") RETURNING id, name, payload, attempts, max_attempts";
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

    /// Gives back jobs `worker` claimed but did not run (their attempt is not counted).
    void release(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return;
        sql << "UPDATE " + table_ + " SET state = 'ready', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,"
                   " locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " + held(jobs),
            soci::use(worker);
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

    queue_status status(soci::session& sql) const {
        queue_status s;
        soci::rowset<soci::row> rs = (sql.prepare << "SELECT state, COUNT(*) FROM " + table_ + " GROUP BY state");
        for (auto const& r : rs) s.counts[r.get<std::string>(0)] = read_count(r, 1);
        long long oldest = 0;
        soci::indicator ind = soci::i_null;
        sql << "SELECT " + now(is_pg(sql)) + " - MIN(run_at) FROM " + table_ + " WHERE state = 'ready'", soci::into(oldest, ind);
        if (ind != soci::i_null && oldest > 0) s.oldest_ready_seconds = static_cast<double>(oldest) / 1000.0;
        return s;
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
    /// Deletes a dead or ready job (or every dead job, id < 0); returns how many.
    long long discard(soci::session& sql, long long id = -1) const {
        soci::statement st = (sql.prepare << "DELETE FROM " + table_ +
                                                 " WHERE (:id < 0 AND state = 'dead') OR (id = :id2 AND state IN ('dead', 'ready'))",
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
    static bool is_pg(soci::session& sql) { return sql.get_backend_name() == "postgresql"; }
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
    static long long read_count(soci::row const& r, std::size_t i) {
        switch (r.get_properties(i).get_data_type()) {
            case soci::dt_integer: return r.get<int>(i);
            case soci::dt_long_long: return r.get<long long>(i);
            case soci::dt_unsigned_long_long: return static_cast<long long>(r.get<unsigned long long>(i));
            case soci::dt_double: return static_cast<long long>(r.get<double>(i));
            default: return std::stoll(r.get<std::string>(i));
        }
    }
    std::string table_;
};

}  // namespace cascade
