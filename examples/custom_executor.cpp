// A user's own scheduler behind cascade's executor concept: a priority queue on a std::jthread.
// The whole adapter is the `submit` member below (and, optionally, `submit_after` for retries).
#include <cascade/jobs.hpp>
#include <cascade/sqlite.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <queue>
#include <thread>

class priority_scheduler {
public:
    priority_scheduler() : worker_([this](std::stop_token stop) { run(stop); }) {}
    ~priority_scheduler() { worker_.request_stop(); ready_.notify_all(); }

    void submit(cascade::task task, int priority = 0) {   // what cascade::submit calls
        { std::lock_guard lock(mutex_); queue_.push({priority, seq_++, std::move(task)}); }
        ready_.notify_one();
    }
    void wait_idle() { std::unique_lock lock(mutex_); idle_.wait(lock, [&] { return queue_.empty() && !busy_; }); }

private:
    struct item {
        int priority; long seq; mutable cascade::task task;
        bool operator<(item const& o) const { return priority != o.priority ? priority < o.priority : seq > o.seq; }
    };
    void run(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            if (queue_.empty()) { idle_.notify_all(); ready_.wait(lock); continue; }
            auto task = std::move(queue_.top().task); queue_.pop(); busy_ = true;
            lock.unlock(); task(); lock.lock(); busy_ = false;
        }
    }
    std::mutex mutex_; std::condition_variable ready_, idle_;
    std::priority_queue<item> queue_; long seq_ = 0; bool busy_ = false;
    std::jthread worker_;
};
static_assert(cascade::executor<priority_scheduler>);

struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Item { BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::int64_t, owner_id)); };
struct schema : cascade::schema<
    cascade::model<Owner, "owners", cascade::has_many<Item, &Item::owner_id, cascade::dependent::destroy_async>>,
    cascade::model<Item, "items">> {};

int main() {
    soci::session sql(soci::sqlite3, ":memory:");
    sql << "CREATE TABLE owners (id INTEGER PRIMARY KEY)";
    sql << "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL)";
    sql << "INSERT INTO owners VALUES (1)";
    sql << "INSERT INTO items (owner_id) VALUES (1), (1), (1)";
    priority_scheduler scheduler;
    cascade::async_runtime<schema, priority_scheduler, cascade::shared_session> jobs(
        scheduler, cascade::shared_session{sql}, {.on_event = cascade::log_jobs_to(std::cout)});
    cascade::destroy<schema, Owner>(sql, 1, jobs);   // the owner now; its items on the scheduler's thread
    scheduler.wait_idle();
    int left = -1;
    sql << "SELECT COUNT(*) FROM items", soci::into(left);
    std::cout << "items left: " << left << '\n';
    return left == 0 ? 0 : 1;
}
