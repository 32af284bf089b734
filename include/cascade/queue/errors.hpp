#pragma once
// The durable queue's typed errors: a bad table or queue name, contradictory enqueue options, a
// retry that would run work twice, a table older than the worker.
#include <cascade/errors.hpp>

#include <string>
#include <string_view>

namespace cascade {

/// The queue table's name is not a plain SQL identifier.
struct invalid_queue_name : error {
    explicit invalid_queue_name(std::string const& n) : error("cascade: invalid queue table name '" + n + "'") {}
    /// A name this database cannot take, and why.
    invalid_queue_name(std::string const& n, std::string const& why) : error("cascade: invalid queue table name '" + n + "': " + why) {}
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

}  // namespace cascade
