#pragma once
// The executor of the durable queue: a job becomes a row of the queue table, written in the same
// transaction as the owner's delete (the outbox). A rollback leaves no row; a crash right after the
// commit still leaves the job. Workers (queue/worker.hpp) run the rows.
#include <cascade/queue/job_queue.hpp>

#include <string>
#include <string_view>
#include <type_traits>

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
    /// range jobs a large job fans out into (each its own key range) are a row each. The key is
    /// `name|owner[|first..last#count][|(after..upto]]`; a text key has its backslashes, `|` and `.` escaped
    /// with a backslash, so that no owner's key can spell another job's key (unescaped, the owner "a|b" with
    /// notes "c", "d..z" and the owner "a" with notes "b|c..d", "z" made the same key, and the second
    /// destroy's job was dropped as a duplicate: its dependents stayed). Integer keys are unchanged.
    template <class Job>
    static std::string dedup_key(Job const& job) {
        std::string key(Job::name);
        key += '|';
        append_key(key, job.owner_key);
        if (!job.ids.empty()) {
            key += '|';
            append_key(key, job.ids.front());
            key += "..";
            append_key(key, job.ids.back());
            key += "#" + std::to_string(job.ids.size());
        }
        if (job.after || job.upto) {
            key += "|(";
            if (job.after) append_key(key, *job.after);
            key += "..";
            if (job.upto) append_key(key, *job.upto);
            key += ']';
        }
        return key;
    }
    job_queue const& queue() const { return queue_; }

private:
    template <class K>
    static void append_key(std::string& out, K const& k) {
        if constexpr (std::is_convertible_v<K const&, std::string_view>) {
            for (char ch : std::string_view(k)) {
                if (ch == '\\' || ch == '|' || ch == '.') out += '\\';
                out += ch;
            }
        } else {
            out += std::to_string(k);
        }
    }

    job_queue const& queue_;
    soci::session& sql_;
    int max_attempts_;
};

}  // namespace cascade
