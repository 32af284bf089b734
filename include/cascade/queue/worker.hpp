#pragma once
// cascade::worker<Schema>: runs the durable queue's jobs, in as many processes on as many machines
// as the application wants. Each worker thread claims a batch of runnable rows, performs them with
// the schema's static code (jobs they make are written to the queue in the same transactions),
// completes the batch in one statement, and records failures with backoff. A heartbeat thread
// renews the leases of the rows the threads are running; a killed worker's rows become claimable
// once their lease expires. Where the database has wake-ups (PostgreSQL's LISTEN/NOTIFY) a listening
// thread wakes idle threads at once; elsewhere (MariaDB, SQLite) idle threads poll, 50 ms after the
// queue ran dry and then twice as long each time up to worker_options::poll, so a job enqueued while
// the workers are busy or just idle starts within about 50-100 ms, and one enqueued into a queue idle
// for long within `poll` (1 s by default). The database comes from its queue connector
// (cascade/<database>/queue.hpp), chosen by worker_options::backend.
//
// Faults: a thread whose connection fails (a terminated backend, a database restart) stops holding
// its rows at once (the heartbeat no longer renews them), reconnects with backoff, and then records
// what it knows: done jobs as done, the failed one as a failed attempt, the rest given back; writes
// fenced by (id, locked_by, attempts), so a row another worker took over meanwhile stays theirs.
// The heartbeat thread also maintains the table, one worker at a time: retention of done rows and
// repair of rows no worker would touch (job_queue::repair).
//
// Named queues: a worker serves the queues `worker_options::queues` lists (every queue when empty),
// most urgent due job first, and none of a paused queue. With `metrics_port`, it serves the whole
// table's metrics to Prometheus (queue/metrics.hpp, queue/metrics_server.hpp).
#include <cascade/jobs.hpp>
#include <cascade/queue/metrics.hpp>
#include <cascade/queue/metrics_server.hpp>
#include <cascade/queue/queue_executor.hpp>

#include <cascade/queue/dialect.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace cascade {

struct worker_options {
    /// A SOCI backend whose queue connector this program includes: "postgresql", "mysql" or "sqlite3".
    std::string backend = "postgresql";
    std::string connection;               ///< its connection string (each thread opens its own)
    std::string id;                       ///< this worker's name in locked_by; default host:pid
    int threads = 1;
    int claim_batch = 10;                 ///< rows claimed at once by a thread
    /// How long a thread keeps claimed jobs it has not started: once its claim has run this long and
    /// the rest would wait about as long again at the pace so far, they go back to the queue for idle
    /// workers (woken by NOTIFY on PostgreSQL); while its jobs take longer than this each, it claims
    /// one at a time. Short jobs are claimed claim_batch at once and run so; long ones (a range job of
    /// a large fan-out) are not held back from idle workers.
    std::chrono::milliseconds claim_hold{20};
    std::chrono::milliseconds lease{std::chrono::seconds(30)};
    std::chrono::milliseconds heartbeat{std::chrono::seconds(10)};
    /// The longest an idle thread waits before it claims again (woken sooner by NOTIFY where the
    /// database has it; where it has not, the waits grow from 50 ms to this).
    std::chrono::milliseconds poll{std::chrono::seconds(1)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
    retry_policy retry{.attempts = 25, .base = std::chrono::seconds(1), .max = std::chrono::hours(1), .jitter = 0.2};
    std::size_t batch_size = 1000;        ///< dependents per transaction when a job runs: the first batch's
                                          ///< size, and the least
    /// Batches grow while they are quick, up to this many dependents, and shrink again while they take
    /// longer than batch_time (async_options::max_batch_size). Unset: 50 × batch_size (50,000 by
    /// default); batch_size: every batch is batch_size.
    std::optional<std::size_t> max_batch_size{};
    std::chrono::milliseconds batch_time{50};
    /// Reconnecting after a lost connection: the first pause, doubled up to the second.
    std::chrono::milliseconds reconnect_min{100}, reconnect_max{std::chrono::seconds(5)};
    /// Done rows are deleted once they finished this long ago (0: never); checked every
    /// `maintenance_every` by one worker at a time.
    std::chrono::milliseconds retention{std::chrono::hours(24)};
    std::chrono::milliseconds maintenance_every{std::chrono::minutes(1)};
    /// What keeps the worker from working, as it happens: a claim that fails, a lost connection, a
    /// failed maintenance pass (the same message at most once a minute). The example worker prints it.
    std::function<void(std::string const&)> on_problem{};
    /// A job with more dependents than this fans out into range jobs of about this many rows, which
    /// this and the other workers run in parallel (async_options::fan_out_rows). Unset: what a batch
    /// may grow to, and at least 10 × batch_size (50,000 by default), so that a range job is a few
    /// transactions and the fixed cost of a job, its claim, owner check and final sweep, stays small
    /// beside its rows; 0: a job is never split.
    std::optional<std::size_t> fan_out_rows{};
    std::function<void(job_event const&)> on_event{};
    /// The named queues this worker serves (`cascade::queue<"...">`, enqueue_options::queue);
    /// empty: every queue. Each name is checked (not empty, at most 128 bytes, no NUL byte).
    std::vector<std::string> queues{};
    /// Serves GET /metrics (Prometheus text, the whole table's) on this port; 0: no server.
    int metrics_port = 0;
    /// The numeric IPv4 or IPv6 address the metrics server listens on: this machine only, by default.
    std::string metrics_address = "127.0.0.1";
};

/// worker_options that cannot work: a heartbeat not shorter than the lease (every running job's lease
/// would lapse and other workers would run it again, burning its attempts), a count or a duration that
/// is zero or negative, or a duration over a day (milliseconds would overflow in the database's clock
/// arithmetic). Names the option and what it needs. Nothing was started.
struct bad_worker_options : error {
    explicit bad_worker_options(std::string const& why) : error("cascade: worker_options: " + why) {}
};

namespace detail {
inline void check_worker_options(worker_options const& o) {
    using ms = std::chrono::milliseconds;
    ms const day = std::chrono::hours(24);
    auto const positive = [&](char const* name, ms v, ms most) {
        if (v <= ms(0) || v > most)
            throw bad_worker_options(std::string(name) + " is " + std::to_string(v.count()) + " ms; it must be more than 0 and at most " +
                                     std::to_string(most.count()) + " ms");
    };
    if (o.threads < 1) throw bad_worker_options("threads is " + std::to_string(o.threads) + "; it must be at least 1");
    if (o.claim_batch < 1) throw bad_worker_options("claim_batch is " + std::to_string(o.claim_batch) + "; it must be at least 1");
    if (o.batch_size < 1) throw bad_worker_options("batch_size is 0; it must be at least 1");
    if (o.max_batch_size && *o.max_batch_size < o.batch_size)
        throw bad_worker_options("max_batch_size (" + std::to_string(*o.max_batch_size) + ") is less than batch_size (" +
                                 std::to_string(o.batch_size) + ")");
    positive("lease", o.lease, day);
    positive("heartbeat", o.heartbeat, day);
    positive("poll", o.poll, day);
    positive("batch_time", o.batch_time, day);
    positive("maintenance_every", o.maintenance_every, day);
    positive("reconnect_min", o.reconnect_min, day);
    positive("reconnect_max", o.reconnect_max, day);
    if (o.heartbeat >= o.lease)
        throw bad_worker_options("heartbeat (" + std::to_string(o.heartbeat.count()) + " ms) must be shorter than lease (" +
                                 std::to_string(o.lease.count()) +
                                 " ms): a lease not renewed in time lapses while its job runs, and another worker runs it again");
    if (o.claim_hold < ms(0)) throw bad_worker_options("claim_hold is negative");
    if (o.shutdown_timeout < ms(0)) throw bad_worker_options("shutdown_timeout is negative");
    if (o.retention < ms(0)) throw bad_worker_options("retention is negative (0 keeps done rows)");
}
}  // namespace detail

template <class Schema>
class worker {
    /// Named first: a schema that breaks a rule is reported here, and the worker is built on the empty
    /// schema (see checked_schema_t).
    using checked = checked_schema_t<Schema>;

public:
    /// A job the application handles itself, by name: f(payload, session).
    using handler = std::function<void(std::string_view, soci::session&)>;

    /// Checks the options (bad_worker_options, bad_queue_name, metrics_server_error, unsupported_backend
    /// for a backend without a queue connector here); nothing runs before start().
    worker(job_queue queue, worker_options options)
        : queue_(std::move(queue)), options_(std::move(options)), dialect_(detail::queue_dialect_for(options_.backend)) {
        detail::check_worker_options(options_);
        if (options_.id.empty()) {
            char host[256]{};
            gethostname(host, sizeof host - 1);
            options_.id = std::string(host) + ":" + std::to_string(getpid());
        }
        std::vector<std::string> queues;
        for (auto const& q : options_.queues) {
            detail::check_queue_name(q);
            if (std::find(queues.begin(), queues.end(), q) == queues.end()) queues.push_back(q);
        }
        options_.queues = std::move(queues);
        if (options_.metrics_port < 0 || options_.metrics_port > 65535)
            throw metrics_server_error("port " + std::to_string(options_.metrics_port) + " is out of range (0 to 65535)");
        if (options_.metrics_port != 0 && !metrics_server::valid_address(options_.metrics_address))
            throw metrics_server_error("'" + options_.metrics_address + "' is not a numeric IPv4 or IPv6 address");
    }
    worker(worker const&) = delete;
    worker& operator=(worker const&) = delete;
    ~worker() { stop(); }

    void handle(std::string name, handler f) { handlers_[std::move(name)] = std::move(f); }

    /// Starts the threads (and the metrics server). Throws queue_not_installed if the database
    /// answers and the table lacks what this version needs, metrics_server_error if the metrics
    /// port cannot be listened on; a database that does not answer yet is waited for, as always.
    void start() {
        if (!threads_.empty()) return;
        std::unique_ptr<soci::session> s;
        try {
            s = open();
        } catch (...) {
            // down for now: the threads reconnect with backoff
        }
        if (s) queue_.check_installed(*s);
        s.reset();
        if (options_.metrics_port != 0) {
            metrics_ = std::make_unique<metrics_server>(options_.metrics_address, options_.metrics_port, [this] { return render_metrics(); });
            metrics_->start();
        }
        stopping_ = false;
        for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { work(i); });
        threads_.emplace_back([this] { beat(); });
        threads_.emplace_back([this] { maintenance(); });
        if (dialect_.listen) threads_.emplace_back([this] { listen(); });
    }
    /// Stops claiming; each thread finishes the job it is running and gives back the rest of its
    /// batch at once; after `shutdown_timeout`, the leases of jobs still running end, so that other
    /// workers take them over now (a job that then finishes here is still recorded done). Returns
    /// when the threads have ended.
    void stop() {
        if (threads_.empty()) return;
        stopping_ = true;
        wake_.notify_all();
        auto const deadline = std::chrono::steady_clock::now() + options_.shutdown_timeout;
        bool busy = false;
        {
            std::unique_lock lock(mutex_);
            busy = !idle_.wait_until(lock, deadline, [&] { return active_ == 0; });
        }
        if (busy) {
            try {
                auto s = open();
                queue_.expire(*s, options_.id, held());
            } catch (...) {
                // the leases lapse and other workers take the rows over
            }
        }
        for (auto& t : threads_) t.join();
        threads_.clear();
        metrics_.reset();
        metrics_sql_.reset();
    }
    /// Runs until `done()` says so (checked between polls), then stops.
    void run_until(std::function<bool()> done) {
        start();
        while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        stop();
    }
    /// Jobs performed and attempts failed, by this worker.
    long long performed() const { return performed_; }
    long long failed() const { return failed_; }
    std::string const& id() const { return options_.id; }
    /// The queues it serves (empty: every queue).
    std::vector<std::string> const& queues() const { return options_.queues; }
    /// The port its metrics server listens on (0: none).
    int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

private:
    std::unique_ptr<soci::session> open() const {
        auto s = std::make_unique<soci::session>();
        s->open(*dialect_.factory, options_.connection);
        return s;
    }

    /// A session for the queue's own statements only (heartbeat, maintenance).
    std::unique_ptr<soci::session> open_own() const {
        auto s = open();
        if (!dialect_.own_session_setup.empty()) *s << std::string(dialect_.own_session_setup);
        return s;
    }

    /// How a job's run ended, to be written to its row.
    struct outcome {
        claimed_job job;
        enum class kind { done, failed, give_back } what = kind::done;
        std::string error;   ///< failed: why; done: a note for the operator (dependents that stayed), if any
        bool final = false;  ///< dead at once (the worker cannot decode it)
    };

    /// A worker thread: a session, and a new one (after a pause that grows) whenever it is lost.
    void work(int slot) {
        auto pause = options_.reconnect_min;
        std::vector<outcome> unsettled;  // outcomes the lost session could not write
        while (!stopping_) {
            std::unique_ptr<soci::session> s;
            try {
                s = open();
                settle(*s, unsettled);
                pause = options_.reconnect_min;
            } catch (std::exception const& x) {
                problem(std::string("cannot reach the database: ") + x.what());
                s.reset();
                sleep(pause);
                pause = std::min(pause * 2, options_.reconnect_max);
                continue;
            }
            serve(*s, slot, unsettled);  // returns when stopping or when the session is lost
        }
    }

    static std::size_t times(std::size_t k, std::size_t n) {  // k × n, saturating
        return n > std::numeric_limits<std::size_t>::max() / k ? std::numeric_limits<std::size_t>::max() : k * n;
    }
    /// What a job's batches may grow to: max_batch_size, or 50 × batch_size.
    std::size_t largest_batch() const { return options_.max_batch_size.value_or(times(50, options_.batch_size)); }

    /// A thread's claims on one session: prepared once per session, planned once: of claim_batch rows,
    /// and of one row while jobs are long (see claim_hold); and how long it waits when idle.
    struct claimer {
        std::unique_ptr<job_queue::prepared_claim> many, one;
        bool one_at_a_time = false;
        std::chrono::milliseconds first_wait, idle_wait;
    };

    /// Claims, performs and settles batches on `s` until stopping or until `s` is lost (then what
    /// could not be written is left in `unsettled`).
    void serve(soci::session& s, int slot, std::vector<outcome>& unsettled) {
        queue_executor executor(queue_, s, options_.retry.attempts);
        async_runtime<checked, queue_executor, shared_session> runtime(
            executor, shared_session{s},
            {.batch_size = options_.batch_size,
             .max_batch_size = largest_batch(),
             .batch_time = options_.batch_time,
             .fan_out_rows = options_.fan_out_rows.value_or(std::max(largest_batch(), times(10, options_.batch_size)))});
        // Without wake-ups, an idle thread polls: soon after the queue ran dry, then less and less often.
        auto const first_wait = dialect_.listen ? options_.poll : std::min(options_.poll, std::chrono::milliseconds(50));
        claimer claims{nullptr, nullptr, false, first_wait, first_wait};
        while (!stopping_) {
            std::optional<std::vector<claimed_job>> jobs = claim(s, claims);
            if (!jobs) {
                if (!alive(s)) {
                    problem("lost the connection; reconnecting");
                    return;
                }
                sleep(options_.poll);
                continue;
            }
            if (jobs->empty()) {
                std::unique_lock lock(mutex_);
                wake_.wait_for(lock, claims.idle_wait, [&] { return stopping_.load() || woken_; });
                woken_ = false;
                claims.idle_wait = std::min(claims.idle_wait * 2, options_.poll);
                continue;
            }
            claims.idle_wait = claims.first_wait;
            hold(slot, *jobs);
            bool lost = false;
            std::vector<outcome> results = run_claimed(*jobs, runtime, s, slot, claims.one_at_a_time, lost);
            if (lost) {
                hold(slot, {});  // no longer renewed: if this worker stays away, another takes them over
                unsettled = std::move(results);
                return;
            }
            try {
                settle(s, results);
            } catch (std::exception const& x) {
                if (!alive(s)) {
                    hold(slot, {});
                    unsettled = std::move(results);
                    return;
                }
                // the leases lapse and others take the rows over (the jobs are idempotent): said, since
                // they will run again
                problem(std::string("a batch's outcome could not be written (its jobs run again once their leases lapse): ") + x.what());
            }
            hold(slot, {});
        }
    }

    /// The next claim's jobs (none: the queue has nothing for this worker now); empty when the claim
    /// failed (told to on_problem unless the session is gone).
    std::optional<std::vector<claimed_job>> claim(soci::session& s, claimer& claims) {
        auto& prepared = claims.one_at_a_time || options_.claim_batch <= 1 ? claims.one : claims.many;
        try {
            if (!prepared)
                prepared = std::make_unique<job_queue::prepared_claim>(queue_, s, options_.id, &prepared == &claims.one ? 1 : options_.claim_batch,
                                                                       options_.lease, options_.queues);
            return (*prepared)();
        } catch (std::exception const& x) {
            prepared.reset();  // prepared again on the next claim (a statement a failure left unusable is not reused)
            if (alive(s)) problem(std::string("a claim failed: ") + x.what());
            return std::nullopt;
        }
    }

    /// Performs the claimed jobs in order, as long as holding the rest is worth it: once the claim has
    /// been held past claim_hold and the rest would wait longer than that again at this pace, they are
    /// given back (short jobs finish their claim; long ones wait for no one), and the next claims take
    /// one job at a time. `lost`: a job failed because the session did.
    template <class Runtime>
    std::vector<outcome> run_claimed(std::vector<claimed_job> const& jobs, Runtime& runtime, soci::session& s, int slot,
                                     bool& one_at_a_time, bool& lost) {
        std::vector<outcome> results;
        std::size_t i = 0;
        auto const claimed_at = std::chrono::steady_clock::now();
        for (; i < jobs.size() && !stopping_ && !lost; ++i) {
            if (i > 0) {
                auto const held = std::chrono::steady_clock::now() - claimed_at;
                if (held > options_.claim_hold && held / i * static_cast<long long>(jobs.size() - i) > options_.claim_hold) break;
            }
            outcome o = perform(jobs[i], runtime, s);
            if (o.what == outcome::kind::failed && !alive(s)) lost = true;
            results.push_back(std::move(o));
            if (i == 0) one_at_a_time = std::chrono::steady_clock::now() - claimed_at > options_.claim_hold;
        }
        // Cut short: the jobs are long, so the next claim takes one (taking the rest straight back
        // would keep them from the idle workers just woken for them).
        if (i < jobs.size() && !stopping_ && !lost) one_at_a_time = true;
        for (; i < jobs.size(); ++i) results.push_back({jobs[i], outcome::kind::give_back, {}, false});
        // What goes back is no longer this thread's: a sibling may claim it again under the same
        // (id, attempts, worker) before this thread lets go, and must not have its lease ended by a
        // stop() that expires what this thread holds.
        std::vector<claimed_job> kept;
        for (auto const& r : results)
            if (r.what != outcome::kind::give_back) kept.push_back(r.job);
        if (kept.size() != jobs.size()) hold(slot, std::move(kept));
        return results;
    }

    /// Writes outcomes: done in one statement, each failure, the rest given back. Fenced by
    /// (id, locked_by, attempts): rows another worker took over meanwhile are left alone.
    /// A failure the database will not record as given is recorded with a fixed message; only a
    /// dead session leaves outcomes unsettled (written after the reconnect).
    void settle(soci::session& s, std::vector<outcome>& results) {
        std::vector<claimed_job> done, back;
        for (auto const& r : results) {
            if (r.what == outcome::kind::done && r.error.empty()) done.push_back(r.job);
            else if (r.what == outcome::kind::done) queue_.complete_with_note(s, options_.id, r.job, r.error);
            else if (r.what == outcome::kind::give_back) back.push_back(r.job);
        }
        queue_.complete(s, options_.id, done);
        queue_.release(s, options_.id, back);
        for (auto const& r : results) {
            if (r.what != outcome::kind::failed) continue;
            try {
                queue_.fail(s, options_.id, r.job, r.error, options_.retry.delay(r.job.attempts), r.final);
            } catch (...) {
                if (!alive(s)) throw;
                problem("the database refused a job's error message; recorded without it");
                queue_.fail(s, options_.id, r.job, "the job failed (its error message could not be stored)",
                            options_.retry.delay(r.job.attempts), r.final);
            }
        }
        results.clear();
    }

    /// Tells on_problem, the same message at most once a minute.
    void problem(std::string const& what) {
        if (!options_.on_problem) return;
        auto const now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(mutex_);
            auto& last = problems_[what];
            if (last.time_since_epoch().count() != 0 && now - last < std::chrono::minutes(1)) return;
            last = now;
        }
        try {
            options_.on_problem(what);
        } catch (...) {
        }
    }

    /// Whether the session still reaches the database (a failed statement on a live session is the
    /// job's own failure; on a dead one, the connection's).
    bool alive(soci::session& s) const {
        try {
            if (dialect_.connection_ok && !dialect_.connection_ok(s)) return false;
            s << "SELECT 1";
            return true;
        } catch (...) {
            return false;
        }
    }

    /// The rows thread `slot` is running (the heartbeat renews these and nothing else).
    void hold(int slot, std::vector<claimed_job> jobs) {
        std::lock_guard lock(mutex_);
        bool const was = !held_[slot].empty(), is = !jobs.empty();
        held_[slot] = std::move(jobs);
        active_ += (is ? 1 : 0) - (was ? 1 : 0);
        if (!is) idle_.notify_all();
    }
    std::vector<claimed_job> held() {
        std::lock_guard lock(mutex_);
        std::vector<claimed_job> all;
        for (auto const& [slot, jobs] : held_) all.insert(all.end(), jobs.begin(), jobs.end());
        return all;
    }
    /// Sleeps `d`, or less when the worker stops.
    void sleep(std::chrono::milliseconds d) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, d, [&] { return stopping_.load(); });
    }

    template <class Runtime>
    outcome perform(claimed_job const& job, Runtime& runtime, soci::session& s) {
        auto const t0 = std::chrono::steady_clock::now();
        job_event e;
        e.job = job.name;
        e.payload = job.payload;
        e.attempt = job.attempts;
        outcome o{job, outcome::kind::done, {}, false};
        try {
            if (auto h = handlers_.find(job.name); h != handlers_.end()) {
                h->second(job.payload, s);
            } else {
                // decoded once: the owner's key is for the log line (what an operator greps for)
                job_decoder<checked>::visit(job.name, job.payload, [&](auto const& typed) {
                    e.owner_key = detail::key_string(typed.owner_key);
                    job_report const r = runtime.perform(typed, s);
                    e.rows = r.rows;
                    e.batches = r.batches;
                    e.refused = r.refused;
                    if (!r.refused.empty()) o.error = describe(r.refused);
                });
            }
            ++performed_;
            e.what = job_event::kind::performed;
        } catch (...) {
            ++failed_;
            o.what = outcome::kind::failed;
            e.what = job_event::kind::failed;
            e.error = std::current_exception();
            try {
                throw;
            } catch (unknown_job const& x) {
                // A job this worker cannot read will never run: dead at once, with the reason.
                o.error = x.what();
                o.final = true;
            } catch (malformed_job_payload const& x) {
                o.error = x.what();
                o.final = true;
            } catch (std::exception const& x) {
                o.error = x.what();
            } catch (...) {
                o.error = "a job handler threw something that is not a std::exception";
            }
            e.will_retry = !o.final && job.attempts < job.max_attempts;
        }
        // A handler that returns (or throws) inside a transaction it began would have this thread's
        // settle and every later claim run inside it, never committed: the rows it claims locked for
        // good on PostgreSQL, the whole database's writes on SQLite. Rolled back here; returning so
        // fails the attempt (what it wrote is gone).
        bool left_open = false;
        try {
            left_open = detail::in_transaction(s);
        } catch (...) {
            // a dead connection: the thread reconnects
        }
        if (left_open) {
            try {
                s << "ROLLBACK";
            } catch (...) {
            }
            if (o.what == outcome::kind::done) {
                --performed_;
                ++failed_;
                o.what = outcome::kind::failed;
                o.error = "the job returned inside a transaction it had not ended; it was rolled back (a handler must commit or roll back what it begins)";
                e.what = job_event::kind::failed;
                e.error = std::make_exception_ptr(std::runtime_error(o.error));
                e.will_retry = job.attempts < job.max_attempts;
            }
        }
        e.duration = std::chrono::steady_clock::now() - t0;
        if (options_.on_event) {
            try {
                options_.on_event(e);
            } catch (...) {
                // an observer's failure is not the job's
            }
        }
        return o;
    }

    /// Renews the leases of the rows the threads are running.
    void beat() {
        std::unique_ptr<soci::session> s;
        while (!stopping_) {
            try {
                if (!s) s = open_own();
                queue_.heartbeat(*s, options_.id, held(), options_.lease);
            } catch (...) {
                s.reset();
            }
            sleep(options_.heartbeat);
        }
    }

    /// Maintains the table every maintenance_every, on its own thread and session (a long pass must not
    /// hold up the heartbeat).
    void maintenance() {
        std::unique_ptr<soci::session> s;
        while (!stopping_) {
            try {
                if (!s) s = open_own();
                maintain(*s);
            } catch (std::exception const& x) {
                problem(std::string("maintenance failed: ") + x.what());
                s.reset();
            }
            sleep(options_.maintenance_every);
        }
    }

    /// Retention and repair, by one worker at a time (the connector's session lock, released at once
    /// or with the connection; none where the database has one writer).
    void maintain(soci::session& s) {
        bool const locks = dialect_.try_lock != nullptr;
        if (locks && !dialect_.try_lock(s, queue_.table())) return;
        struct unlock {
            soci::session& s;
            worker const& w;
            bool locks;
            ~unlock() {
                if (!locks) return;
                try {
                    w.dialect_.unlock(s, w.queue_.table());
                } catch (...) {
                    // released with the connection
                }
            }
        } const guard{s, *this, locks};
        queue_.repair(s);
        if (options_.retention.count() > 0) queue_.purge_done(s, options_.retention);
    }

    /// Listens for wake-ups on the queue's channel (sent by every enqueue, at commit) and wakes the idle
    /// threads at once.
    void listen() {
        std::unique_ptr<soci::session> s;
        while (!stopping_) {
            try {
                if (!s) {
                    s = open();
                    dialect_.listen(*s, queue_.channel());
                }
                bool any = false;
                for (auto const& q : dialect_.wait_for_notifications(*s, 200))
                    if (serves(q.c_str())) any = true;
                if (any) {
                    {
                        std::lock_guard lock(mutex_);
                        woken_ = true;
                    }
                    wake_.notify_all();
                }
            } catch (...) {
                s.reset();
                sleep(options_.poll);
            }
        }
    }

    /// Whether a NOTIFY's payload (the queue of the job enqueued or resumed; empty from an older
    /// cascade) concerns this worker.
    bool serves(char const* queue) const {
        if (options_.queues.empty() || !queue || !*queue) return true;
        return std::find(options_.queues.begin(), options_.queues.end(), std::string_view(queue)) != options_.queues.end();
    }

    /// A scrape, on the metrics server's thread: its own session, opened again after a failure.
    std::string render_metrics() {
        try {
            if (!metrics_sql_) metrics_sql_ = open();
            return prometheus_metrics(queue_, *metrics_sql_);
        } catch (...) {
            metrics_sql_.reset();
            throw;
        }
    }

    job_queue queue_;
    worker_options options_;
    detail::queue_dialect const& dialect_;
    std::map<std::string, handler> handlers_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    bool woken_ = false;
    int active_ = 0;
    std::map<int, std::vector<claimed_job>> held_;  ///< per worker thread
    std::map<std::string, std::chrono::steady_clock::time_point> problems_;  ///< when each was last told
    std::atomic<bool> stopping_{false};
    std::atomic<long long> performed_{0}, failed_{0};
    std::unique_ptr<soci::session> metrics_sql_;  ///< the metrics server's (declared before it: outlives it)
    std::unique_ptr<metrics_server> metrics_;
};

}  // namespace cascade
