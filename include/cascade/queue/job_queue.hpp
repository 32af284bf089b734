#pragma once
// The durable job queue, a table in the application's own database (default `cascade_jobs`):
//   id, name, payload (JSON), dedup_key, state (ready | running | done | dead), attempts,
//   max_attempts, run_at, locked_by, locked_until, last_error, errors, created_at, finished_at,
//   queue (a named queue, 'default'), priority (smaller first, 0)
// and `<table>_paused` (queue): the named queues an operator paused. Times are milliseconds since
// the epoch from the *database's* clock, so that workers on several machines agree on leases,
// backoff and scheduled jobs. This header holds the operations on the table, in SQL every database
// reads; what differs per database comes from its queue connector (cascade/<database>/queue.hpp,
// through queue/dialect.hpp). It needs no schema (the queue tool uses it alone).
//
// Every row a person or a bug can write is run, retried or made dead with a message; none stops the
// others: counters saturate instead of overflowing, a running row without a lease is claimable, an
// unknown state is made dead by `repair`. A worker's writes to a row it claimed are fenced by
// (id, locked_by, attempts): a worker whose lease lapsed and whose row another took over changes nothing.
#include <cascade/queue/detail/claim_text.hpp>
#include <cascade/queue/detail/printable.hpp>
#include <cascade/queue/dialect.hpp>
#include <cascade/queue/errors.hpp>
#include <cascade/queue/job_rows.hpp>
#include <cascade/soci/detail/exchange.hpp>
#include <cascade/soci/transaction.hpp>

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace cascade {

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
    void install(soci::session& sql) const;

    /// Throws queue_not_installed unless the table has what this version reads and writes (a
    /// worker checks it when it starts). A statement that gave up waiting for a lock (the table is
    /// there, someone holds it) throws as it came.
    void check_installed(soci::session& sql) const;

    /// Inserts a job row in the caller's transaction (the outbox): gone with a rollback, kept by a
    /// commit, whatever happens to the process next. A ready row with the same dedup key stands for it
    /// (returns false); a running one does not (see below). Returns whether a row was inserted. On
    /// PostgreSQL the insert also NOTIFYs idle workers (delivered at commit).
    bool enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) const;
    /// The same, in a named queue, with a priority, or scheduled (`{.queue = "mail", .priority = -1,
    /// .delay = 5min}`). A scheduled job is not claimed before its time; workers see it within their
    /// poll interval of it.
    bool enqueue(soci::session& sql, std::string const& name, std::string const& payload, std::string const& dedup_key,
                 int max_attempts, enqueue_options const& options) const;

    /// Claims up to `n` runnable jobs for `worker` from `queues` (every queue when empty), counting the
    /// attempt and setting the lease: a row whose lease lapsed (or that has none) first and alone, else
    /// ready rows that are due, by priority (smaller first), run time and id. Paused queues are left
    /// alone. Every walk reads an index in order and stops after n rows, so a claim costs the same with
    /// 1,000 or 1,000,000 rows queued, whatever other queues or paused queues hold. PostgreSQL: one
    /// statement, FOR UPDATE SKIP LOCKED, so many workers never wait on each other; MariaDB: the same
    /// locks in a short transaction of steps; SQLite: the single writer's UPDATE. The jobs come back in
    /// claim order: priority, run time, id.
    std::vector<claimed_job> claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease,
                                   std::vector<std::string> const& queues = {}) const;

    /// The claim prepared once on a session and run as often as wanted (a worker thread keeps one
    /// per session: PostgreSQL then plans it once instead of at every claim).
    class prepared_claim;

    /// The one-statement claim of a backend that has UPDATE ... RETURNING ("postgresql", "sqlite3"):
    /// `worker` is SQL (a placeholder, or a literal for EXPLAIN); see detail::claim_text.
    std::string claim_text(std::string_view backend, std::string const& worker, int n, long long lease_ms,
                           std::vector<std::string> const& queues = {}) const {
        return detail::claim_text(detail::queue_dialect_for(backend), table_, paused_table(), worker, n, lease_ms, queues);
    }

    /// Marks jobs done, in one statement; only rows `worker` still holds with that attempt (a row
    /// whose lease lapsed and that another worker took over is theirs). Returns how many.
    long long complete(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const;

    /// Marks one job done with a note for the operator (dependents a before_destroy refused, which
    /// stayed): kept in last_error and the errors log. Fenced as complete() is.
    void complete_with_note(soci::session& sql, std::string const& worker, claimed_job const& job,
                            std::string const& note) const;

    /// Records a failed attempt: back to ready after `retry_in`, or dead once attempts are used up
    /// (or at once when `final`, e.g. a job the worker cannot decode). Every attempt's error is kept.
    /// Only while `worker` still holds the row with that attempt.
    void fail(soci::session& sql, std::string const& worker, claimed_job const& job, std::string const& error,
              std::chrono::milliseconds retry_in, bool final = false) const;

    /// Extends the leases of `jobs`, which `worker` is running (not of every row that names it: a row
    /// whose thread lost its connection must lapse, so that another worker takes it over).
    void heartbeat(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs,
                   std::chrono::milliseconds lease) const;

    /// Gives back jobs `worker` claimed but did not run (their attempt is not counted). On PostgreSQL
    /// idle workers are woken for them, as for a new job.
    void release(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const;

    /// Ends the leases of `jobs` now (a worker that stops gives its running jobs over at once): the
    /// next claim by any worker takes them, counting a new attempt; if the job finishes first, its
    /// worker still records it done.
    void expire(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const;

    /// Rows per state and per queue, the scheduled ones apart, the oldest due job's age and the
    /// paused queues. It counts the table (its cost grows with it: an operator's command, and the
    /// example worker's idle check).
    queue_status status(soci::session& sql) const;

    /// Pauses a named queue: no worker claims its jobs until it is resumed (jobs running now
    /// finish; the others keep their place). Returns false if it was paused already.
    bool pause(soci::session& sql, std::string const& queue) const;
    /// Resumes a paused queue (idle PostgreSQL workers are woken at once). Returns false if it was
    /// not paused.
    bool resume(soci::session& sql, std::string const& queue) const;
    /// The paused queues, by name.
    std::vector<std::string> paused(soci::session& sql) const;

    /// At most `limit` jobs in `state`, the ones an operator looks at first: ready ones in claim order
    /// (priority, run time, id: the `_due` index), others newest first (by id).
    std::vector<job_row> list(soci::session& sql, std::string const& state, int limit) const;

    /// The database's clock now, in milliseconds since the epoch.
    long long database_now(soci::session& sql) const;
    /// Puts a dead job (or every dead job, id < 0) back to ready with fresh attempts; returns how many.
    /// A dead job whose twin (same dedup key) is ready or running is not retried: retry ID throws
    /// job_has_live_twin; retry of every dead job skips it, and of several dead twins takes the newest.
    long long retry(soci::session& sql, long long id = -1) const;
    /// Deletes a dead or ready job (only a dead one when `dead_only`: what a page shows as dead may have
    /// been retried since), or every dead job (id < 0); returns how many.
    long long discard(soci::session& sql, long long id = -1, bool dead_only = false) const;
    /// Deletes done jobs finished more than `age` ago (retention), `chunk` rows per statement so that
    /// no statement holds many locks; returns how many.
    long long purge_done(soci::session& sql, std::chrono::milliseconds age, long long chunk = 10000) const;

    /// Rows no worker would ever touch, as people and bugs can write them: a running row whose lease
    /// lapsed on its last attempt becomes dead, a state the queue does not know becomes dead with a
    /// message (retry runs it), a finished row without a finish time gets one (so that retention sees
    /// it). Returns how many rows were repaired.
    long long repair(soci::session& sql) const;

    /// The database's clock in milliseconds since the epoch, as the backend's SQL.
    static std::string now(std::string_view backend) { return std::string(detail::queue_dialect_for(backend).now); }

private:
    static std::string now(detail::queue_dialect const& d) { return std::string(d.now); }
    /// The rows as claimed, (id, attempts), in the dialect's form (integers from the table: nothing to escape).
    static std::string held(soci::session& sql, std::vector<claimed_job> const& jobs) {
        std::vector<std::pair<long long, int>> rows;
        for (auto const& j : jobs) rows.emplace_back(j.id, j.attempts);
        return detail::queue_dialect_of(sql).held(rows);
    }
    std::string table_;
};


}  // namespace cascade

// The definitions, a file per concern.
#include <cascade/queue/job_queue/install.hpp>
#include <cascade/queue/job_queue/enqueue.hpp>
#include <cascade/queue/job_queue/claim.hpp>
#include <cascade/queue/job_queue/protocol.hpp>
#include <cascade/queue/job_queue/operator_commands.hpp>
#include <cascade/queue/job_queue/maintenance.hpp>
