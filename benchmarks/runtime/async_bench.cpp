// destroy_async, in the same run as its anchors:
//   owner latency   destroying an owner with N has_many dependents, default mode (N = 100, 10,000,
//                   1,000,000) and snapshot mode (N = 10,000); Rails 6.1 takes 143 ms at 10,000
//   perform         jobs destroying 1,000,000 dependents vs the database's own ON DELETE CASCADE
//   dispatch        a trivial task through the inline executor vs a direct call (heap allocations
//                   counted), and 1,000,000 tasks through cascade::thread_pool vs std::function posted
//                   to boost::asio::thread_pool
// SQLite in memory. Prints a table; --json PATH writes the summary.
#include <cascade/jobs.hpp>
#include <cascade/postgresql.hpp>
#include <cascade/sqlite.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "../common/report.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <new>

namespace {
std::atomic<long long> allocations{0};
}
void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace c = cascade;
namespace d = cascade::dependent;

namespace async_bench {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book { BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id), (std::string, title)); };
template <class... Options>
struct schema_t : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy_async, Options...>>,
                            c::model<Book, "books">> {};
using schema = schema_t<>;
using snapshot_schema = schema_t<c::snapshot_ids<1000>>;
}  // namespace async_bench
using namespace async_bench;

namespace {
volatile long long work_sink = 0;
/// The trivial job's body, out of line so that the direct call and the executor do the same work.
[[gnu::noinline]] void trivial_work(long long i) { work_sink = work_sink + i; }

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) { return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count(); }

std::unique_ptr<soci::session> make_db(long long books, bool native) {
    auto s = std::make_unique<soci::session>(soci::sqlite3, ":memory:");
    *s << "PRAGMA foreign_keys = ON";
    *s << "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)";
    *s << std::string("CREATE TABLE books (id INTEGER PRIMARY KEY, author_id BIGINT NOT NULL") +
              (native ? " REFERENCES authors (id) ON DELETE CASCADE" : "") + ", title TEXT NOT NULL)";
    *s << "CREATE INDEX books_author_id ON books (author_id)";
    *s << "INSERT INTO authors VALUES (1, 'author')";
    *s << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(books) +
              ") INSERT INTO books (id, author_id, title) SELECT i, 1, 'book ' || i FROM n";
    return s;
}
long long count_books(soci::session& s) {
    long long n = -1;
    s << "SELECT COUNT(*) FROM books", soci::into(n);
    return n;
}

template <class Schema>
double owner_latency(long long books, int repeat, std::size_t* jobs_out = nullptr) {
    std::vector<double> times;
    for (int i = 0; i < repeat; ++i) {
        auto db = make_db(books, false);
        c::deferred_executor q;
        c::async_runtime<Schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
        auto t0 = clock_type::now();
        auto r = c::destroy<Schema, Author>(*db, 1, jobs);
        times.push_back(ms_since(t0));
        if (!r || q.empty() || count_books(*db) != books) throw std::runtime_error("owner destroy went wrong");
        if (jobs_out) *jobs_out = q.size();
    }
    return bench::median(times);
}
}  // namespace

int main(int argc, char** argv) {
    bench::args args(argc, argv, "async_bench", {{"--batch", bench::option::integer, "rows per batch of the perform run, default 1000"}});
    bench::report report("async_bench");
    auto row = [](std::string const& what, double value, std::string const& unit, std::string const& note = "") {
        std::cout << std::left << std::setw(44) << what << std::right << std::setw(12) << std::fixed
                  << std::setprecision(3) << value << " " << unit << "   " << note << std::endl;
    };

    // ---- owner latency --------------------------------------------------------------------------
    for (long long n : {100LL, 10000LL, 1000000LL}) {
        double const ms = owner_latency<schema>(n, n == 1000000 ? 3 : 9);
        report.set("async.owner_ms.n" + std::to_string(n), ms);
        row("owner latency, default mode, n=" + std::to_string(n), ms, "ms");
    }
    std::size_t snapshot_jobs = 0;
    double const snap = owner_latency<snapshot_schema>(10000, 9, &snapshot_jobs);
    report.set("async.snapshot_owner_ms.n10000", snap);
    row("owner latency, snapshot mode, n=10000", snap, "ms", std::to_string(snapshot_jobs) + " jobs of 1000 ids");

    // ---- perform: 1,000,000 dependents -----------------------------------------------------------
    long long const big = 1000000;
    double native_ms = 0, perform_ms = 0;
    {
        auto db = make_db(big, true);
        auto t0 = clock_type::now();
        soci::transaction tx(*db);
        *db << "DELETE FROM authors WHERE id = 1";
        tx.commit();
        native_ms = ms_since(t0);
        if (count_books(*db) != 0) throw std::runtime_error("native cascade left rows");
    }
    std::size_t const batch = static_cast<std::size_t>(args.integer("--batch", 1000));
    {
        auto db = make_db(big, false);
        c::deferred_executor q;
        c::async_runtime<schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db}, {.batch_size = batch});
        c::destroy<schema, Author>(*db, 1, jobs);
        auto t0 = clock_type::now();
        q.perform_enqueued_jobs();
        perform_ms = ms_since(t0);
        if (count_books(*db) != 0) throw std::runtime_error("jobs left rows");
    }
    report.set("async.perform_native_ms", native_ms);
    report.set("async.perform_ms", perform_ms);
    report.set("async.perform_ratio", perform_ms / native_ms);
    report.set("async.perform_batch_size", static_cast<double>(batch));
    row("ON DELETE CASCADE, 1,000,000 dependents", native_ms, "ms");
    row("jobs, 1,000,000 dependents (batch " + std::to_string(batch) + ")", perform_ms, "ms",
        std::to_string(perform_ms / native_ms).substr(0, 4) + "x native");

    // ---- dispatch: inline executor vs a direct call ----------------------------------------------
    {
        constexpr long long n = 20000000;
        auto task = [](long long i) { return [i] { trivial_work(i); }; };
        std::vector<double> direct, through;
        long long allocs = 0;
        for (int rep = 0; rep < 5; ++rep) {
            auto t0 = clock_type::now();
            for (long long i = 0; i < n; ++i) task(i)();
            double const direct_ms = ms_since(t0);
            c::inline_executor inline_ex;
            long long const before = allocations.load();
            t0 = clock_type::now();
            for (long long i = 0; i < n; ++i) c::submit(inline_ex, task(i));
            double const through_ms = ms_since(t0);
            allocs += allocations.load() - before;
            direct.push_back(direct_ms);
            through.push_back(through_ms);
        }
        double const ratio = bench::median(through) / bench::median(direct);
        report.set("dispatch.inline_ratio", ratio);
        report.set("dispatch.inline_allocations_per_job", static_cast<double>(allocs) / (5.0 * n));
        row("inline executor vs direct call (20M tasks)", ratio, "x", std::to_string(allocs) + " allocations");
    }

    // ---- dispatch: thread pool vs boost::asio::thread_pool + std::function -----------------------
    {
        constexpr int n = 1000000;
        std::vector<double> ours, asio;
        for (int rep = 0; rep < 5; ++rep) {
            std::atomic<long long> done{0};
            auto t0 = clock_type::now();
            {
                c::thread_pool pool(2);
                for (int i = 0; i < n; ++i) c::submit(pool, [&done] { done.fetch_add(1, std::memory_order_relaxed); });
                pool.drain();
            }
            ours.push_back(ms_since(t0));
            if (done != n) throw std::runtime_error("thread_pool lost tasks");
            done = 0;
            t0 = clock_type::now();
            {
                boost::asio::thread_pool pool(2);
                for (int i = 0; i < n; ++i)
                    boost::asio::post(pool, std::function<void()>([&done] { done.fetch_add(1, std::memory_order_relaxed); }));
                pool.join();
            }
            asio.push_back(ms_since(t0));
            if (done != n) throw std::runtime_error("asio lost tasks");
        }
        double const ours_ms = bench::median(ours), asio_ms = bench::median(asio);
        report.set("dispatch.pool_ms", ours_ms);
        report.set("dispatch.asio_ms", asio_ms);
        report.set("dispatch.pool_vs_asio", asio_ms / ours_ms);
        row("cascade::thread_pool, 1M tasks", ours_ms, "ms");
        row("asio::thread_pool + std::function, 1M tasks", asio_ms, "ms",
            "pool_vs_asio " + std::to_string(asio_ms / ours_ms).substr(0, 4));
    }
    report.write(args);
}
