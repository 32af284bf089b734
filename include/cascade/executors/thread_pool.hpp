#pragma once
// A fixed pool of worker threads with a graceful drain and shutdown, and delayed tasks (for retries
// with backoff). Tasks are stored inline (detail::unique_task: no allocation for a job task); a
// worker takes a share of the queue under one lock and runs it outside the lock, and a submit only
// wakes a worker that is asleep. A task is run or refused, never dropped: during shutdown the pool
// still takes tasks (a job's nested jobs) while a worker is there to run them, and after the last
// worker has left, submit throws executor_closed.
#include <cascade/detail/unique_task.hpp>
#include <cascade/errors.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace cascade {

class thread_pool {
public:
    using clock = std::chrono::steady_clock;

    explicit thread_pool(std::size_t threads = std::thread::hardware_concurrency()) {
        if (threads == 0) threads = 1;
        workers_.reserve(threads);
        live_ = threads;
        for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    thread_pool(thread_pool const&) = delete;
    thread_pool& operator=(thread_pool const&) = delete;
    /// Finishes every task already submitted (delayed ones included), then stops.
    ~thread_pool() { shutdown(); }

    /// Queues `task`; throws executor_closed once every worker has stopped.
    template <class Task>
    void submit(Task&& task) {
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            if (live_ == 0) throw executor_closed();
            ready_.emplace_back(std::forward<Task>(task));
            wake = sleeping_ > 0;
        }
        if (wake) ready_cv_.notify_one();
    }
    template <class Task>
    void submit_after(std::chrono::milliseconds delay, Task&& task) {
        {
            std::lock_guard lock(mutex_);
            if (live_ == 0) throw executor_closed();
            delayed_.push(delayed_task{clock::now() + delay, sequence_++, detail::unique_task(std::forward<Task>(task))});
        }
        ready_cv_.notify_all();
    }

    /// Blocks until every submitted task (delayed ones included) has run.
    void drain() {
        std::unique_lock lock(mutex_);
        idle_cv_.wait(lock, [&] { return ready_.empty() && delayed_.empty() && running_ == 0; });
    }
    /// Stops taking new work once what is queued has run, and joins the workers. Idempotent.
    void shutdown() {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            stopping_ = true;
        }
        ready_cv_.notify_all();
        for (auto& w : workers_)
            if (w.joinable()) w.join();
    }
    std::size_t size() const { return workers_.size(); }

private:
    struct delayed_task {
        clock::time_point due;
        std::size_t sequence;
        mutable detail::unique_task task;
        bool operator>(delayed_task const& o) const { return due != o.due ? due > o.due : sequence > o.sequence; }
    };

    void work() {
        std::vector<detail::unique_task> batch;
        std::unique_lock lock(mutex_);
        for (;;) {
            promote_due();
            if (ready_.empty()) {
                if (stopping_ && delayed_.empty() && running_ == 0) {
                    // Decided under the lock that submit takes: a task submitted before this line
                    // is in ready_ (and some worker runs it); after the last worker, submit throws.
                    --live_;
                    ready_cv_.notify_all();
                    return;
                }
                if (stopping_ && delayed_.empty()) {
                    // Another worker is running a task that may submit more: wait for it.
                    ++sleeping_;
                    ready_cv_.wait(lock);
                    --sleeping_;
                    continue;
                }
                ++sleeping_;
                if (delayed_.empty()) ready_cv_.wait(lock);
                else ready_cv_.wait_until(lock, delayed_.top().due);
                --sleeping_;
                continue;
            }
            // Take a fair share, so that long jobs spread over the workers and short ones go in bulk.
            std::size_t take = ready_.size() / workers_.size();
            if (take == 0) take = 1;
            for (std::size_t i = 0; i < take; ++i) {
                batch.push_back(std::move(ready_.front()));
                ready_.pop_front();
            }
            running_ += take;
            if (!ready_.empty() && sleeping_ > 0) ready_cv_.notify_one();
            lock.unlock();
            for (auto& t : batch) t();
            batch.clear();
            lock.lock();
            running_ -= take;
            if (running_ == 0 && ready_.empty() && delayed_.empty()) {
                idle_cv_.notify_all();
                if (stopping_) ready_cv_.notify_all();  // the others may leave now
            }
        }
    }
    void promote_due() {
        auto const now = clock::now();
        while (!delayed_.empty() && delayed_.top().due <= now) {
            ready_.push_back(std::move(delayed_.top().task));
            delayed_.pop();
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_cv_;
    std::condition_variable idle_cv_;
    std::deque<detail::unique_task> ready_;
    std::priority_queue<delayed_task, std::vector<delayed_task>, std::greater<>> delayed_;
    std::size_t sequence_ = 0;
    std::size_t running_ = 0;
    std::size_t sleeping_ = 0;
    std::size_t live_ = 0;  ///< workers that have not left: while any is, submit is taken
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace cascade
