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
#include <cascade/soci/exchange.hpp>
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
    void install(soci::session& sql) const {
        auto const& d = detail::queue_dialect_of(sql);
        if (paused_table().size() > d.longest_name)
            throw invalid_queue_name(table_, "on " + std::string(d.backend) + " its table of paused queues, " + paused_table() +
                                                 ", would be longer than the " + std::to_string(d.longest_name) +
                                                 " bytes a table's name may have there");
        d.install(sql, table_, paused_table());
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
        auto const& d = detail::queue_dialect_of(sql);
        long long const when = options.run_at ? *options.run_at : options.delay.count();
        int const priority = options.priority;
        std::string const run_at = options.run_at ? std::string(":r") : now(d) + " + :r";
        // A ready twin has not begun: it will find the rows this job is for. A running twin may be past
        // them (an owner's key used again: destroyed, made anew with new dependents and destroyed again
        // while the first job runs; dropped, those dependents stayed for good), so the job goes in under
        // its key's next generation (`key|2`, `key|3`, ...), where a ready twin stands for it again.
        // Nothing is written to the twin: a row a worker holds must not be locked by a caller's
        // transaction (an upsert's DO UPDATE holds it until the caller commits, and the worker's
        // heartbeat and completion wait for it, or deadlock with it). (MariaDB's refused duplicate and
        // its latest read share-lock the twin's index entry until the caller commits: the worker's
        // completion of that twin waits for the commit.)
        std::string key = dedup_key;
        for (int generation = 1, tries = 0;; ++tries) {
            soci::statement st = (sql.prepare << "INSERT INTO " + table_ +
                                                     " (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue,"
                                                     " priority) VALUES (:n, :p, :k, 'ready', 0, :m, " + run_at + ", " + now(d) +
                                                     ", :q, :pr)" + std::string(d.skip_live_twin),
                                  soci::use(name), soci::use(payload), soci::use(key), soci::use(max_attempts), soci::use(when),
                                  soci::use(options.queue), soci::use(priority));
            bool inserted = false;
            try {
                st.execute(true);
                inserted = st.get_affected_rows() > 0;
            } catch (...) {
                if (!d.duplicate || !d.duplicate(std::current_exception())) throw;
            }
            if (inserted) {
                if (d.notify) d.notify(sql, channel(), options.queue);
                return true;
            }
            std::string state;
            soci::indicator ind = soci::i_null;
            sql << "SELECT MIN(state) FROM " + table_ + " WHERE " + std::string(d.live_twin) + std::string(d.latest_read), soci::use(key),
                soci::into(state, ind);
            if (ind != soci::i_null && state == "ready") return false;   // ('ready' < 'running': one ready row is enough)
            if (ind != soci::i_null || tries >= 3) {                       // running (or gone and back, again and again)
                key = dedup_key + "|" + std::to_string(++generation);
                tries = -1;
            }
            // else: the twin finished between the two statements: the same key again
        }
    }

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
    class prepared_claim {
    public:
        prepared_claim(job_queue const& queue, soci::session& sql, std::string worker, int n, std::chrono::milliseconds lease,
                       std::vector<std::string> queues = {})
            : sql_(sql), dialect_(detail::queue_dialect_of(sql)), table_(queue.table()), paused_(queue.paused_table()),
              worker_(std::move(worker)), n_(n < 1 ? 1 : n), lease_ms_(lease.count()), queues_(std::move(queues)),
              cap_(n < 2 ? 2 : static_cast<std::size_t>(n)) {
            for (auto const& q : queues_) detail::check_queue_name(q);
            if (!dialect_.update_returning) return;
            st_.emplace(sql);
            resize();
            st_->exchange(soci::into(ids_));
            st_->exchange(soci::into(names_));
            st_->exchange(soci::into(payloads_));
            st_->exchange(soci::into(attempts_));
            st_->exchange(soci::into(maxes_));
            st_->exchange(soci::into(job_queues_));
            st_->exchange(soci::into(priorities_));
            st_->exchange(soci::into(run_ats_));
            st_->exchange(soci::use(worker_));
            st_->alloc();
            st_->prepare(detail::claim_text(dialect_, table_, paused_, ":w", n_, lease_ms_, queues_));
            st_->define_and_bind();
        }
        prepared_claim(prepared_claim const&) = delete;
        prepared_claim& operator=(prepared_claim const&) = delete;

        /// Claims; the jobs in claim order (RETURNING keeps none): priority, run time, id.
        std::vector<claimed_job> operator()() {
            if (!st_) return dialect_.claim_steps(sql_, {table_, paused_, worker_, n_, lease_ms_, queues_});
            resize();  // a run shrinks the vectors to the rows it got; a vector of 0 cannot take rows
            std::vector<claimed_job> out;
            // Settings for the claim alone (PostgreSQL's, see its connector), in a transaction of its
            // own: BEGIN, the settings, COMMIT. Inside a caller's transaction they would outlive the
            // claim: it runs without them there (the workers never do).
            std::optional<detail::write_transaction> tx;
            if (!dialect_.claim_settings.empty() && !detail::in_transaction(sql_)) {
                tx.emplace(sql_);
                detail::execute_text(sql_, std::string(dialect_.claim_settings));
            }
            for (bool got = st_->execute(true); got; got = st_->fetch()) {
                for (std::size_t i = 0; i < ids_.size(); ++i)
                    out.push_back({ids_[i], names_[i], payloads_[i], attempts_[i], maxes_[i], job_queues_[i], priorities_[i], run_ats_[i]});
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
            job_queues_.resize(cap_);
            attempts_.resize(cap_);
            maxes_.resize(cap_);
            priorities_.resize(cap_);
        }
        soci::session& sql_;
        detail::queue_dialect const& dialect_;
        std::string table_, paused_, worker_;
        int n_;
        long long lease_ms_;
        std::vector<std::string> queues_;
        std::size_t cap_;
        std::vector<long long> ids_, run_ats_;
        std::vector<std::string> names_, payloads_, job_queues_;
        std::vector<int> attempts_, maxes_, priorities_;
        std::optional<soci::statement> st_;
    };

    /// The one-statement claim of a backend that has UPDATE ... RETURNING ("postgresql", "sqlite3"):
    /// `worker` is SQL (a placeholder, or a literal for EXPLAIN); see detail::claim_text.
    std::string claim_text(std::string_view backend, std::string const& worker, int n, long long lease_ms,
                           std::vector<std::string> const& queues = {}) const {
        return detail::claim_text(detail::queue_dialect_for(backend), table_, paused_table(), worker, n, lease_ms, queues);
    }

    /// Marks jobs done, in one statement; only rows `worker` still holds with that attempt (a row
    /// whose lease lapsed and that another worker took over is theirs). Returns how many.
    long long complete(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return 0;
        soci::statement st = (sql.prepare << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(detail::queue_dialect_of(sql)) +
                                                 ", locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " +
                                                 held(sql, jobs),
                              soci::use(worker));
        st.execute(true);
        return st.get_affected_rows();
    }

    /// Marks one job done with a note for the operator (dependents a before_destroy refused, which
    /// stayed): kept in last_error and the errors log. Fenced as complete() is.
    void complete_with_note(soci::session& sql, std::string const& worker, claimed_job const& job,
                            std::string const& note) const {
        std::string const message = detail::printable(note);
        std::string const line = "attempt " + std::to_string(job.attempts) + " done: " + message + "\n";
        sql << "UPDATE " + table_ + " SET state = 'done', finished_at = " + now(detail::queue_dialect_of(sql)) +
                   ", last_error = :e, errors = " + detail::sql_concat(detail::queue_dialect_of(sql), {"errors", ":line"}) + ", locked_by = NULL, locked_until = NULL WHERE id = :id AND "
                   "state = 'running' AND locked_by = :w AND attempts = :a",
            soci::use(message), soci::use(line), soci::use(job.id), soci::use(worker), soci::use(job.attempts);
    }

    /// Records a failed attempt: back to ready after `retry_in`, or dead once attempts are used up
    /// (or at once when `final`, e.g. a job the worker cannot decode). Every attempt's error is kept.
    /// Only while `worker` still holds the row with that attempt.
    void fail(soci::session& sql, std::string const& worker, claimed_job const& job, std::string const& error,
              std::chrono::milliseconds retry_in, bool final = false) const {
        auto const& d = detail::queue_dialect_of(sql);
        bool const dead = final || job.attempts >= job.max_attempts;
        // Every value bound lives until the statement has run (SOCI binds by reference and runs the
        // statement when the expression ends, after its temporaries are gone).
        std::string const message = detail::printable(error);
        std::string const line = "attempt " + std::to_string(job.attempts) + ": " + message + "\n";
        std::string const state = dead ? "dead" : "ready";
        long long const delay_ms = retry_in.count();
        sql << "UPDATE " + table_ + " SET state = :s, last_error = :e, errors = " + detail::sql_concat(d, {"errors", ":line"}) +
                   ", run_at = " + now(d) + " + :d, locked_by = NULL, locked_until = NULL, finished_at = CASE WHEN :s2 = 'dead' THEN " + now(d) +
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
        sql << "UPDATE " + table_ + " SET locked_until = " + now(detail::queue_dialect_of(sql)) +
                   " + :l WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
            soci::use(lease_ms), soci::use(worker);
    }

    /// Gives back jobs `worker` claimed but did not run (their attempt is not counted). On PostgreSQL
    /// idle workers are woken for them, as for a new job.
    void release(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return;
        sql << "UPDATE " + table_ + " SET state = 'ready', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,"
                   " locked_by = NULL, locked_until = NULL WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
            soci::use(worker);
        auto const& d = detail::queue_dialect_of(sql);
        if (!d.notify) return;
        std::set<std::string> queues;
        for (auto const& j : jobs)
            if (!detail::queue_name_problem(j.queue)) queues.insert(j.queue);  // a name written by hand is no queue a worker serves
        for (auto const& q : queues) d.notify(sql, channel(), q);
    }

    /// Ends the leases of `jobs` now (a worker that stops gives its running jobs over at once): the
    /// next claim by any worker takes them, counting a new attempt; if the job finishes first, its
    /// worker still records it done.
    void expire(soci::session& sql, std::string const& worker, std::vector<claimed_job> const& jobs) const {
        if (jobs.empty()) return;
        sql << "UPDATE " + table_ + " SET locked_until = " + now(detail::queue_dialect_of(sql)) +
                   " - 1 WHERE state = 'running' AND locked_by = :w AND " + held(sql, jobs),
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
        auto const& d = detail::queue_dialect_of(sql);
        soci::statement st = (sql.prepare << "INSERT INTO " + paused_table() + " (queue, paused_at) VALUES (:q, " + now(d) + ")" +
                                                 std::string(d.skip_paused_twin),
                              soci::use(queue));
        try {
            st.execute(true);
        } catch (...) {
            if (d.duplicate && d.duplicate(std::current_exception())) return false;
            throw;
        }
        return st.get_affected_rows() > 0;
    }
    /// Resumes a paused queue (idle PostgreSQL workers are woken at once). Returns false if it was
    /// not paused.
    bool resume(soci::session& sql, std::string const& queue) const {
        detail::check_queue_name(queue);
        soci::statement st = (sql.prepare << "DELETE FROM " + paused_table() + " WHERE queue = :q", soci::use(queue));
        st.execute(true);
        bool const resumed = st.get_affected_rows() > 0;
        if (auto const& d = detail::queue_dialect_of(sql); resumed && d.notify) d.notify(sql, channel(), queue);
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
        sql << "SELECT " + now(detail::queue_dialect_of(sql)), soci::into(at);
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
                                                 now(detail::queue_dialect_of(sql)) + ", finished_at = NULL, locked_by = NULL, locked_until = NULL"
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
            soci::statement st = (sql.prepare << detail::queue_dialect_of(sql).purge_chunk(table_, detail::queue_dialect_of(sql).now),
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
        auto const& d = detail::queue_dialect_of(sql);
        std::string const clock = now(d);
        // A job whose worker died (SIGKILL, OOM, a crash) on its last attempt is not claimed again (a job
        // that kills its worker must not kill them all in turn): dead, with the reason.
        soci::statement lapsed = (sql.prepare << "UPDATE " + table_ +
                                                     " SET last_error = 'cascade: the lease lapsed on the last attempt (its worker died or"
                                                     " lost its connection while running it)', errors = " +
                                                     detail::sql_concat(d, {"errors", "'attempt '", "attempts", "': the lease lapsed'", d.newline}) + ", state = 'dead', locked_by = NULL,"
                                                     " locked_until = NULL, finished_at = " + clock + " WHERE state = 'running' AND"
                                                     " (locked_until IS NULL OR locked_until < (SELECT " + clock + ")) AND attempts >= max_attempts");
        lapsed.execute(true);
        soci::statement unknown = (sql.prepare << "UPDATE " + table_ +
                                                      " SET last_error = " +
                                                      detail::sql_concat(d, {"'cascade: unknown state '''", "state",
                                                                         "''' (made dead by the queue: retry runs the job)'"}) +
                                                      ", errors = " + detail::sql_concat(d, {"errors", "'unknown state '", "state", "' (made dead)'", d.newline}) +
                                                      ", state = 'dead', locked_by = NULL, locked_until = NULL,"
                                                      " finished_at = " + clock + " WHERE state NOT IN ('ready', 'running', 'done', 'dead')");
        unknown.execute(true);
        soci::statement unfinished = (sql.prepare << "UPDATE " + table_ + " SET finished_at = " + clock +
                                                         " WHERE state IN ('done', 'dead') AND finished_at IS NULL");
        unfinished.execute(true);
        return lapsed.get_affected_rows() + unknown.get_affected_rows() + unfinished.get_affected_rows();
    }

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

inline std::vector<claimed_job> job_queue::claim(soci::session& sql, std::string const& worker, int n, std::chrono::milliseconds lease,
                                                 std::vector<std::string> const& queues) const {
    return prepared_claim(*this, sql, worker, n, lease, queues)();
}

}  // namespace cascade
