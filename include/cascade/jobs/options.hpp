#pragma once
// How a job runtime runs its jobs: batch sizes, retries, fan-out, events (cascade::async_options).
#include <cascade/jobs/events.hpp>

#include <chrono>
#include <cstddef>
#include <functional>

namespace cascade {


struct async_options {
    /// Dependents destroyed per transaction when a job runs (default mode): the first batch's size,
    /// and the least.
    std::size_t batch_size = 1000;
    /// Batches may grow up to this many dependents (default mode): after a batch whose transaction
    /// took under a quarter of batch_time and found at least half its size the next is twice as
    /// large; after one that took longer than batch_time it shrinks in proportion (at most eightfold
    /// at once), after a failed one it halves, never below batch_size (detail::batch_sizing). So
    /// transactions stay short however deep the cascade under each dependent is, and cheap rows are
    /// not deleted a thousand per round trip. The size reached carries over to this runtime's next job
    /// of the same association. At most batch_size (the default, 0): every batch is batch_size. The
    /// queue's workers set it.
    std::size_t max_batch_size = 0;
    std::chrono::milliseconds batch_time{50};
    /// A default-mode job with more dependents than this splits into range jobs of about this many
    /// rows (the last up to half as many again), which the executor runs in parallel; 0 never
    /// splits. Only for integer dependent keys. The queue's workers set it (worker_options).
    std::size_t fan_out_rows = 0;
    /// Rows held at once for dependents whose rows are loaded (see destroy_options::page_size).
    std::size_t page_size = 1000;
    /// After its last batch, how many more walks a job makes over the dependents for rows added while
    /// it ran; rows still appearing after that make it fail (job_incomplete), to run again later.
    int final_sweeps = 3;
    /// How many times a batch that hit a deadlock or a serialization failure (PostgreSQL, MariaDB) runs
    /// again.
    int deadlock_retries = 3;
    retry_policy retry{};
    /// Every event (enqueued, started, performed, failed).
    std::function<void(job_event const&)> on_event{};
    /// Failures only: the job, its attempt, the exception.
    std::function<void(job_event const&)> on_error{};
};

}  // namespace cascade
