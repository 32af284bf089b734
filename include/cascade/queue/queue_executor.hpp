#pragma once
// The executor of the durable queue: a job becomes a row of the queue table, written in the same
// transaction as the owner's delete (the outbox). A rollback leaves no row; a crash right after the
// commit still leaves the job. Workers (queue/worker.hpp) run the rows.
#include <cascade/detail/sha256.hpp>
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
        std::string const payload = job.to_json();
        queue_.enqueue(sql, std::string(Job::name), payload, dedup_key_of<Job>(job, payload), max_attempts_, o);
    }
    /// Queues a job task (its job's row, outside any transaction of the caller's).
    template <class Task>
    void submit(Task&& task) const {
        static_assert(requires { task.job(); }, "cascade::queue_executor: the durable queue takes jobs, not plain tasks");
        enqueue_in(sql_, task.job());
    }

    /// One live job per piece of work: `name|owner|sha256(payload)`. Two jobs share a key exactly when
    /// they would do the same work (the same job, owner, batch or key range), so two racing destroys of
    /// one owner leave one job, while the range jobs a large job fans out into are a row each. The
    /// owner's key is there for a person reading the table (its first 64 bytes); the digest decides.
    /// A key built from the owner's key and the batch's ends, as before, let a text key spell another
    /// job's key (the owner "a|b" and the owner "a" with other notes made one key, and the second
    /// destroy's job was dropped as a duplicate), and a long text key made an index entry PostgreSQL
    /// refuses, failing the destroy.
    template <class Job>
    static std::string dedup_key(Job const& job) {
        return dedup_key_of<Job>(job, job.to_json());
    }
    job_queue const& queue() const { return queue_; }

private:
    template <class Job>
    static std::string dedup_key_of(Job const& job, std::string const& payload) {
        std::string key(Job::name);
        key += '|';
        std::string owner = detail::key_string(job.owner_key);
        if (owner.size() > 64) {
            std::size_t cut = 64;
            while (cut > 0 && (static_cast<unsigned char>(owner[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
            owner.resize(cut);
        }
        key += owner;
        key += '|';
        key += detail::sha256_hex(payload);
        return key;
    }

    job_queue const& queue_;
    soci::session& sql_;
    int max_attempts_;
};

}  // namespace cascade
