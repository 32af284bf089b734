#pragma once
// The test helper (ActiveJob's `assert_enqueued_jobs` / `perform_enqueued_jobs`): keeps what is
// submitted, lets a test list it, filter it by job type, and perform it.
#include <cascade/detail/unique_task.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <typeindex>
#include <vector>

namespace cascade {

class deferred_executor {
public:
    struct entry {
        std::type_index type;
        std::string name;       ///< the job's stable name ("" for a plain task)
        std::string payload;    ///< the job's JSON payload ("" for a plain task)
        std::chrono::milliseconds delay{0};
        detail::unique_task task;
    };

    template <class Task>
    void submit(Task&& task) {
        entries_.push_back(make_entry(std::forward<Task>(task), std::chrono::milliseconds{0}));
    }
    template <class Task>
    void submit_after(std::chrono::milliseconds delay, Task&& task) {
        entries_.push_back(make_entry(std::forward<Task>(task), delay));
    }

    std::vector<entry> const& enqueued() const { return entries_; }
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

    /// The enqueued jobs of type Job (a cascade::destroy_association_job<...>).
    template <class Job>
    std::vector<Job> enqueued_jobs() const {
        std::vector<Job> out;
        for (auto const& e : entries_)
            if (e.type == std::type_index(typeid(Job))) out.push_back(Job::from_json(e.payload));
        return out;
    }
    std::size_t count(std::string_view name) const {
        std::size_t n = 0;
        for (auto const& e : entries_) n += e.name == name;
        return n;
    }

    /// Performs what is enqueued, and what that enqueues, until nothing is left (or `limit` tasks
    /// ran). Returns how many ran.
    std::size_t perform_enqueued_jobs(std::size_t limit = static_cast<std::size_t>(-1)) {
        std::size_t ran = 0;
        while (!entries_.empty() && ran < limit) {
            entry e = std::move(entries_.front());
            entries_.erase(entries_.begin());
            e.task();
            ++ran;
        }
        return ran;
    }
    /// Drops everything enqueued.
    void clear() { entries_.clear(); }

private:
    template <class Task>
    static entry make_entry(Task&& task, std::chrono::milliseconds delay) {
        using T = std::remove_cvref_t<Task>;
        if constexpr (requires { task.job(); }) {
            using job_t = std::remove_cvref_t<decltype(task.job())>;
            std::string payload = task.job().to_json();
            return {std::type_index(typeid(job_t)), std::string(job_t::name), std::move(payload), delay,
                    detail::unique_task(std::forward<Task>(task))};
        } else {
            return {std::type_index(typeid(T)), {}, {}, delay, detail::unique_task(std::forward<Task>(task))};
        }
    }
    std::vector<entry> entries_;
};

}  // namespace cascade
