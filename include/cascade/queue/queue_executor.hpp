#pragma once
// The executor of the durable queue: a job becomes a row of the queue table, written in the same
// transaction as the owner's delete (the outbox). A rollback leaves no row; a crash right after the
// commit still leaves the job. Workers (queue/worker.hpp) run the rows.
#include <cascade/queue/job_queue.hpp>

#include <string>

namespace cascade {

class queue_executor {
public:
    /// `sql` serves jobs submitted outside a transaction (cascade::submit, job_decoder::enqueue).
    queue_executor(job_queue const& queue, soci::session& sql, int max_attempts = 25)
        : queue_(queue), sql_(sql), max_attempts_(max_attempts) {}

    /// Writes the job's row in `sql`'s current transaction, in its association's named queue with
    /// its priority (`cascade::queue<"...">`, `cascade::priority<N>`: Job::queue, Job::priority).
    template <class Job>
    void enqueue_in(soci::session& sql, Job const& job) const {
        enqueue_options o;
        if constexpr (requires { Job::queue; }) o.queue = std::string(Job::queue);
        if constexpr (requires { Job::priority; }) o.priority = Job::priority;
        queue_.enqueue(sql, std::string(Job::name), job.to_json(), dedup_key(job), max_attempts_, o);
    }
    /// Queues a job task (its job's row, outside any transaction of the caller's).
    template <class Task>
    void submit(Task&& task) const {
        static_assert(requires { task.job(); }, "cascade::queue_executor: the durable queue takes jobs, not plain tasks");
        enqueue_in(sql_, task.job());
    }

    /// One live job per (job, owner, batch): two racing destroys of one owner leave one job, while the
    /// range jobs a large job fans out into (each its own key range) are a row each.
    template <class Job>
    static std::string dedup_key(Job const& job) {
        std::string key = std::string(Job::name) + "|" + detail::key_string(job.owner_key);
        if (!job.ids.empty())
            key += "|" + detail::key_string(job.ids.front()) + ".." + detail::key_string(job.ids.back()) + "#" +
                   std::to_string(job.ids.size());
        if (job.after || job.upto)
            key += "|(" + (job.after ? detail::key_string(*job.after) : std::string()) + ".." +
                   (job.upto ? detail::key_string(*job.upto) : std::string()) + "]";
        return key;
    }
    job_queue const& queue() const { return queue_; }

private:
    job_queue const& queue_;
    soci::session& sql_;
    int max_attempts_;
};

}  // namespace cascade
