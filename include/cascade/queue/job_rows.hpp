#pragma once
// What the durable queue reads and writes, as C++ values: where a job runs (enqueue_options), a row a
// worker claimed, a row as an operator sees it, the table's status; and the checks every queue name
// passes before it reaches SQL.
#include <cascade/association.hpp>
#include <cascade/queue/errors.hpp>

#include <soci/soci.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cascade {

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

}  // namespace cascade
