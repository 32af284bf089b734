#pragma once
// What the job runtime tells the application: enqueue, perform start, perform end, failure; and a
// default logger that writes one line per event, like Rails' "Performed ... in 21.8ms".
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace cascade {

/// A row a destroy_async job left because a before_destroy refused (Rails' job destroys record by
/// record; a record whose destroy returns false stays): the job's dependent that stayed, and the row
/// that refused (the dependent itself, or a row of its cascade).
struct job_refusal {
    std::string key;                ///< the dependent's key
    std::string_view model;         ///< the table of the row that refused
    std::string refused_by;         ///< that row's key
    std::string reason = "a before_destroy callback aborted";
};

/// "dependents 12 (comments 40: a before_destroy callback aborted), 15 (...)": for logs and the queue.
inline std::string describe(std::vector<job_refusal> const& refused) {
    std::string out = refused.size() == 1 ? "1 dependent stayed: " : std::to_string(refused.size()) + " dependents stayed: ";
    for (std::size_t i = 0; i < refused.size(); ++i) {
        if (i) out += ", ";
        if (i == 20) {
            out += "and " + std::to_string(refused.size() - 20) + " more";
            break;
        }
        auto const& r = refused[i];
        out += r.key + " (" + std::string(r.model) + " " + r.refused_by + ": " + r.reason + ")";
    }
    return out;
}

struct job_event {
    enum class kind { enqueued, started, performed, failed };
    kind what = kind::enqueued;
    std::string_view job{};      ///< the job's stable name
    std::string owner_key{};
    std::string payload{};       ///< the job's JSON
    int attempt = 1;
    std::size_t rows = 0;        ///< performed: rows deleted or nullified
    std::size_t batches = 0;     ///< performed: transactions committed
    std::vector<job_refusal> refused{};  ///< performed: dependents left because a before_destroy refused
    std::chrono::duration<double, std::milli> duration{0};
    std::exception_ptr error{};  ///< failed
    bool will_retry = false;     ///< failed: another attempt is scheduled
};

/// Attempts and exponential backoff with jitter: attempt k waits base * 2^(k-1), at most max, times
/// a random factor in [1 - jitter, 1 + jitter]. Honoured by executors that can delay a task.
struct retry_policy {
    int attempts = 1;
    std::chrono::milliseconds base{100};
    std::chrono::milliseconds max{std::chrono::minutes(1)};
    double jitter = 0.2;

    std::chrono::milliseconds delay(int attempt) const {
        double d = static_cast<double>(base.count());
        for (int i = 1; i < attempt && d < static_cast<double>(max.count()); ++i) d *= 2;
        if (d > static_cast<double>(max.count())) d = static_cast<double>(max.count());
        thread_local std::minstd_rand random{std::random_device{}()};
        std::uniform_real_distribution<double> spread(1 - jitter, 1 + jitter);
        return std::chrono::milliseconds(static_cast<long long>(d * spread(random)));
    }
};

/// A job event handler that writes one line per event to `out`: `Performed authors.books (owner 7)
/// in 3.2ms: 12 rows in 1 batches` (a job without an owner, one of the application's own, says
/// none). Each line is written whole in one call and flushed: a log file or a pipe shows a job as it
/// ends, not when a buffer fills or the process exits, and lines of several threads do not mix.
inline std::function<void(job_event const&)> log_jobs_to(std::ostream& out) {
    return [&out](job_event const& e) {
        if (e.what == job_event::kind::started) return;
        std::ostringstream line;
        auto const job = [&](char const* verb) {
            line << verb << ' ' << e.job;
            if (!e.owner_key.empty()) line << " (owner " << e.owner_key << ')';
        };
        switch (e.what) {
            case job_event::kind::enqueued: job("Enqueued"); break;
            case job_event::kind::started: break;
            case job_event::kind::performed:
                job("Performed");
                line << " in " << e.duration.count() << "ms: " << e.rows << " rows in " << e.batches << " batches";
                if (!e.refused.empty()) line << "; " << describe(e.refused);
                break;
            case job_event::kind::failed: {
                std::string what = "unknown error";
                try {
                    if (e.error) std::rethrow_exception(e.error);
                } catch (std::exception const& x) {
                    what = x.what();
                } catch (...) {
                }
                job("Failed");
                line << " attempt " << e.attempt << ": " << what << (e.will_retry ? " (will retry)" : "");
                break;
            }
        }
        line << '\n';
        out << line.str() << std::flush;
    };
}

}  // namespace cascade
