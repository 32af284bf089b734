// The executor concept both ways, and the built-in executors: every task runs exactly once, drain
// and shutdown, delays, the Asio adapter, any_executor.
#include <boost/test/unit_test.hpp>

#include <cascade/executors/any_executor.hpp>
#include <cascade/executors/asio.hpp>
#include <cascade/executors/deferred_executor.hpp>
#include <cascade/executors/inline_executor.hpp>
#include <cascade/executors/thread_pool.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <thread>
#include <memory>
#include <vector>

namespace {
struct member_executor {
    int ran = 0;
    template <class T>
    void submit(T&& t) { ++ran; t(); }
};
namespace adl {
struct adl_executor { int ran = 0; };
template <class T>
void submit(adl_executor& e, T&& t) { ++e.ran; t(); }
}  // namespace adl
struct not_an_executor {};
struct only_function_pointers {
    void submit(void (*f)()) { f(); }  // cannot take a task that holds state
};
struct move_only_task {
    std::unique_ptr<int> p = std::make_unique<int>(1);
    void operator()() {}
};
}  // namespace

static_assert(cascade::executor<member_executor>);
static_assert(cascade::executor<adl::adl_executor>);
static_assert(cascade::executor<cascade::inline_executor>);
static_assert(cascade::executor<cascade::deferred_executor>);
static_assert(cascade::executor<cascade::thread_pool>);
static_assert(cascade::executor<cascade::any_executor>);
static_assert(cascade::executor<cascade::asio_executor<boost::asio::thread_pool::executor_type>>);
static_assert(!cascade::executor<not_an_executor>);
static_assert(!cascade::executor<only_function_pointers>);
static_assert(!cascade::executor<int>);
static_assert(cascade::delaying_executor<cascade::thread_pool>);
static_assert(cascade::delaying_executor<cascade::deferred_executor>);
static_assert(!cascade::delaying_executor<cascade::inline_executor>);
static_assert(cascade::executor_for<member_executor, move_only_task>);

BOOST_AUTO_TEST_SUITE(executors)

BOOST_AUTO_TEST_CASE(submit_prefers_the_member_then_adl) {
    member_executor m;
    adl::adl_executor a;
    int runs = 0;
    cascade::submit(m, [&] { ++runs; });
    cascade::submit(a, [&] { ++runs; });
    BOOST_TEST(m.ran == 1);
    BOOST_TEST(a.ran == 1);
    BOOST_TEST(runs == 2);
}

BOOST_AUTO_TEST_CASE(inline_executor_runs_before_submit_returns) {
    cascade::inline_executor e;
    int runs = 0;
    cascade::submit(e, [&] { ++runs; });
    BOOST_TEST(runs == 1);
}

BOOST_AUTO_TEST_CASE(deferred_executor_keeps_tasks_until_performed) {
    cascade::deferred_executor e;
    std::vector<int> order;
    cascade::submit(e, [&] { order.push_back(1); cascade::submit(e, [&] { order.push_back(3); }); });
    cascade::submit(e, [&] { order.push_back(2); });
    BOOST_TEST(e.size() == 2u);
    BOOST_TEST(order.empty());
    BOOST_TEST(e.perform_enqueued_jobs() == 3u);  // including what the tasks enqueued
    BOOST_TEST(order == (std::vector<int>{1, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(thread_pool_runs_ten_thousand_tasks_each_exactly_once) {
    constexpr int n = 10000;
    std::vector<std::atomic<int>> runs(n);
    {
        cascade::thread_pool pool(4);
        for (int i = 0; i < n; ++i) cascade::submit(pool, [&runs, i] { runs[static_cast<std::size_t>(i)].fetch_add(1); });
        pool.drain();
        int once = 0;
        for (auto& r : runs) once += r.load() == 1;
        BOOST_TEST(once == n);
    }
    int total = 0;
    for (auto& r : runs) total += r.load();
    BOOST_TEST(total == n);  // nothing ran twice after drain, nothing was lost at shutdown
}

BOOST_AUTO_TEST_CASE(thread_pool_never_drops_a_task_submitted_while_it_shuts_down) {
    // Producers keep submitting (and tasks submit more) while shutdown runs: every submit either runs
    // its task or throws executor_closed; none is dropped in silence.
    std::atomic<long long> submitted{0}, refused{0}, ran{0};
    std::atomic<bool> go{false};
    {
        cascade::thread_pool pool(2);
        std::vector<std::thread> producers;
        for (int p = 0; p < 3; ++p)
            producers.emplace_back([&] {
                while (!go) std::this_thread::yield();
                for (int i = 0; i < 30000; ++i) {
                    try {
                        cascade::submit(pool, [&] {
                            ++ran;
                            try {
                                cascade::submit(pool, [&] { ++ran; });
                                ++submitted;
                            } catch (cascade::executor_closed const&) {
                                ++refused;
                            }
                        });
                        ++submitted;
                    } catch (cascade::executor_closed const&) {
                        ++refused;
                    }
                }
            });
        go = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        pool.shutdown();  // while the producers are still at it: their tasks still run
        for (auto& t : producers) t.join();
        // Once every worker has left, a task is refused visibly.
        BOOST_CHECK_THROW(cascade::submit(pool, [&] { ++ran; }), cascade::executor_closed);
        BOOST_CHECK_THROW(cascade::submit_after(pool, std::chrono::milliseconds(1), [&] { ++ran; }), cascade::executor_closed);
    }
    BOOST_TEST(ran.load() == submitted.load());  // every accepted task ran
}

BOOST_AUTO_TEST_CASE(thread_pool_shutdown_finishes_queued_and_delayed_tasks) {
    std::atomic<int> runs{0};
    auto const t0 = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point delayed_ran{};
    {
        cascade::thread_pool pool(2);
        for (int i = 0; i < 100; ++i) cascade::submit(pool, [&] { ++runs; });
        cascade::submit_after(pool, std::chrono::milliseconds(50), [&] { delayed_ran = std::chrono::steady_clock::now(); ++runs; });
    }  // the destructor drains
    BOOST_TEST(runs == 101);
    BOOST_TEST((delayed_ran - t0 >= std::chrono::milliseconds(50)));
}

BOOST_AUTO_TEST_CASE(thread_pool_takes_move_only_tasks) {
    cascade::thread_pool pool(1);
    std::atomic<int> seen{0};
    auto p = std::make_unique<int>(7);
    cascade::submit(pool, [p = std::move(p), &seen] { seen = *p; });
    pool.drain();
    BOOST_TEST(seen == 7);
}

BOOST_AUTO_TEST_CASE(asio_adapter_on_io_context_thread_pool_and_strand) {
    boost::asio::io_context io;
    auto on_io = cascade::asio_on(io.get_executor());
    int runs = 0;
    cascade::submit(on_io, [&] { ++runs; });
    cascade::submit_after(on_io, std::chrono::milliseconds(5), [&, p = std::make_unique<int>(1)] { runs += *p; });
    io.run();
    BOOST_TEST(runs == 2);

    boost::asio::thread_pool pool(2);
    auto strand = boost::asio::make_strand(pool);
    auto on_strand = cascade::asio_on(strand);
    std::atomic<int> n{0};
    for (int i = 0; i < 1000; ++i) cascade::submit(on_strand, [&] { ++n; });
    pool.join();
    BOOST_TEST(n == 1000);
}

BOOST_AUTO_TEST_CASE(any_executor_erases_the_type) {
    cascade::deferred_executor deferred;
    cascade::any_executor any = deferred;
    int runs = 0;
    cascade::submit(any, [&] { ++runs; });
    cascade::submit_after(any, std::chrono::milliseconds(1), [&] { ++runs; });
    BOOST_TEST(deferred.size() == 2u);
    deferred.perform_enqueued_jobs();
    BOOST_TEST(runs == 2);
    auto owning = cascade::any_executor::owning(cascade::inline_executor{});
    cascade::submit(owning, [&] { ++runs; });
    BOOST_TEST(runs == 3);
}

BOOST_AUTO_TEST_SUITE_END()
