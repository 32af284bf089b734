#pragma once
// cascade::worker<Schema>: runs the durable queue's jobs, in as many processes on as many machines
// as the application wants. Each worker thread claims a batch of runnable rows, performs them with
// the schema's static code (jobs they make are written to the queue in the same transactions),
// completes the batch in one statement, and records failures with backoff. A heartbeat thread
// renews the leases of claimed rows; a killed worker's rows become claimable once their lease
// expires. On PostgreSQL a LISTEN thread wakes idle threads at once; polling is the fallback.
#include <cascade/jobs.hpp>
#include <cascade/queue/queue_executor.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <set>
#include <thread>
#include <unistd.h>

namespace cascade {

struct worker_options {
    std::string backend = "postgresql";   ///< a SOCI backend: "postgresql" or "sqlite3"
    std::string connection;               ///< its connection string (each thread opens its own)
    std::string id;                       ///< this worker's name in locked_by; default host:pid
    int threads = 1;
    int claim_batch = 10;                 ///< rows claimed at once by a thread
    std::chrono::milliseconds lease{std::chrono::seconds(30)};
    std::chrono::milliseconds heartbeat{std::chrono::seconds(10)};
    std::chrono::milliseconds poll{std::chrono::seconds(1)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
    retry_policy retry{.attempts = 25, .base = std::chrono::seconds(1), .max = std::chrono::hours(1), .jitter = 0.2};
    std::size_t batch_size = 1000;        ///< dependents per transaction when a job runs
    /// A job with more dependents than this fans out into range jobs of about this many rows, which
    /// this and the other workers run in parallel (async_options::fan_out_rows). Unset: 10 ×
    /// batch_size (10,000 by default); 0: a job is never split.
    std::optional<std::size_t> fan_out_rows{};
    std::function<void(job_event const&)> on_event{};
};

template <class Schema>
class worker {
public:
    /// A job the application handles itself, by name: f(payload, session).
    using handler = std::function<void(std::string_view, soci::session&)>;

    worker(job_queue queue, worker_options options) : queue_(std::move(queue)), options_(std::move(options)) {
        if (options_.id.empty()) {
            char host[256]{};
            gethostname(host, sizeof host - 1);
            options_.id = std::string(host) + ":" + std::to_string(getpid());
        }
    }
    worker(worker const&) = delete;
    worker& operator=(worker const&) = delete;
    ~worker() { stop(); }

    void handle(std::string name, handler f) { handlers_[std::move(name)] = std::move(f); }

    void start() {
        stopping_ = false;
        for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work(); });
        threads_.emplace_back([this] { beat(); });
        if (options_.backend == "postgresql") threads_.emplace_back([this] { listen(); });
    }
    /// Stops claiming; each thread finishes the job it is running and gives back the rest of its
    /// batch at once; after `shutdown_timeout`, the rows of jobs still running are given back too.
    /// Returns when the threads have ended.
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
                std::vector<long long> held;
                {
                    std::lock_guard lock(mutex_);
                    held.assign(running_.begin(), running_.end());
                }
                queue_.release(*s, held);
            } catch (...) {
            }
        }
        for (auto& t : threads_) t.join();
        threads_.clear();
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

private:
    std::unique_ptr<soci::session> open() const {
        auto s = std::make_unique<soci::session>();
        if (options_.backend == "postgresql") s->open(soci::postgresql, options_.connection);
        else s->open(soci::sqlite3, options_.connection);
        return s;
    }

    void work() {
        std::unique_ptr<soci::session> s;
        try {
            s = open();
        } catch (...) {
            return;
        }
        queue_executor executor(queue_, *s, options_.retry.attempts);
        async_runtime<Schema, queue_executor, shared_session> runtime(
            executor, shared_session{*s},
            {.batch_size = options_.batch_size, .fan_out_rows = options_.fan_out_rows.value_or(10 * options_.batch_size)});
        while (!stopping_) {
            std::vector<claimed_job> jobs;
            try {
                jobs = queue_.claim(*s, options_.id, options_.claim_batch, options_.lease);
            } catch (std::exception const&) {
                std::this_thread::sleep_for(options_.poll);
                continue;
            }
            if (jobs.empty()) {
                std::unique_lock lock(mutex_);
                wake_.wait_for(lock, options_.poll, [&] { return stopping_.load() || woken_; });
                woken_ = false;
                continue;
            }
            {
                std::lock_guard lock(mutex_);
                ++active_;
                for (auto const& j : jobs) running_.insert(j.id);
            }
            std::vector<long long> done;
            std::size_t i = 0;
            for (; i < jobs.size() && !stopping_; ++i) {
                if (perform(jobs[i], runtime, *s)) done.push_back(jobs[i].id);
            }
            try {
                queue_.complete(*s, done);
                std::vector<long long> rest;
                for (; i < jobs.size(); ++i) rest.push_back(jobs[i].id);
                queue_.release(*s, rest);
            } catch (...) {
                // the leases expire and others take the rows over; the jobs are idempotent
            }
            {
                std::lock_guard lock(mutex_);
                for (auto const& j : jobs) running_.erase(j.id);
                --active_;
            }
            idle_.notify_all();
        }
    }

    template <class Runtime>
    bool perform(claimed_job const& job, Runtime& runtime, soci::session& s) {
        auto const t0 = std::chrono::steady_clock::now();
        job_event e;
        e.job = job.name;
        e.payload = job.payload;
        e.attempt = job.attempts;
        try {
            if (auto h = handlers_.find(job.name); h != handlers_.end()) {
                h->second(job.payload, s);
            } else {
                job_report const r = job_decoder<Schema>::perform(job.name, job.payload, runtime, s);
                e.rows = r.rows;
                e.batches = r.batches;
            }
            ++performed_;
            e.what = job_event::kind::performed;
            e.duration = std::chrono::steady_clock::now() - t0;
            if (options_.on_event) options_.on_event(e);
            return true;
        } catch (std::exception const& x) {
            ++failed_;
            // A job this worker cannot read will never run: dead at once, with the reason.
            bool const undecodable = dynamic_cast<unknown_job const*>(&x) || dynamic_cast<malformed_job_payload const*>(&x);
            try {
                queue_.fail(s, job, x.what(), options_.retry.delay(job.attempts), undecodable);
            } catch (...) {
            }
            e.what = job_event::kind::failed;
            e.error = std::current_exception();
            e.will_retry = !undecodable && job.attempts < job.max_attempts;
            e.duration = std::chrono::steady_clock::now() - t0;
            if (options_.on_event) options_.on_event(e);
            return false;
        }
    }

    void beat() {
        std::unique_ptr<soci::session> s;
        while (!stopping_) {
            try {
                if (!s) s = open();
                queue_.heartbeat(*s, options_.id, options_.lease);
            } catch (...) {
                s.reset();
            }
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.heartbeat, [&] { return stopping_.load(); });
        }
    }

    /// PostgreSQL LISTEN on the queue's channel: a NOTIFY (sent by every enqueue, at commit) wakes
    /// the idle threads at once.
    void listen() {
        std::unique_ptr<soci::session> s;
        while (!stopping_) {
            try {
                if (!s) {
                    s = open();
                    *s << "LISTEN " + queue_.channel();
                }
                auto* backend = static_cast<soci::postgresql_session_backend*>(s->get_backend());
                PGconn* conn = backend->conn_;
                pollfd fd{PQsocket(conn), POLLIN, 0};
                int const ready = ::poll(&fd, 1, 200);
                if (ready > 0) {
                    if (!PQconsumeInput(conn)) throw std::runtime_error("lost the LISTEN connection");
                    bool any = false;
                    while (PGnotify* n = PQnotifies(conn)) {
                        any = true;
                        PQfreemem(n);
                    }
                    if (any) {
                        {
                            std::lock_guard lock(mutex_);
                            woken_ = true;
                        }
                        wake_.notify_all();
                    }
                }
            } catch (...) {
                s.reset();
                std::this_thread::sleep_for(options_.poll);
            }
        }
    }

    job_queue queue_;
    worker_options options_;
    std::map<std::string, handler> handlers_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    bool woken_ = false;
    int active_ = 0;
    std::set<long long> running_;
    std::atomic<bool> stopping_{false};
    std::atomic<long long> performed_{0}, failed_{0};
};

}  // namespace cascade
