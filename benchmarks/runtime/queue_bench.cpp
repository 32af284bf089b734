// The durable queue, beside its anchors in the same run:
//   throughput   no-op jobs claimed, performed and completed by 1, 2 and 4 worker processes on
//                PostgreSQL (loopback), and by one on SQLite (a file): jobs/s from the moment the jobs
//                are committed to the moment the last is done (the workers are already running)
//   end to end   an owner with 1,000,000 dependents destroyed through the queue (4 workers) vs the
//                database's own ON DELETE CASCADE
//   enqueue      the cost inside the request of writing a job row (INSERT + NOTIFY), median
// Published anchors: graphile-worker 15.6k jobs/s unbatched (i9, 4 processes); River ~46k/s batched
// (8-core laptop); 300 to 2,400 jobs/s for Oban, River and pg-boss in a neutral sweep on 4 CPUs.
//   queue_bench [--json PATH] [--jobs N] [--batch-size N]
#include "../../examples/queue_schema.hpp"
#include "../../scripts/private_postgresql.hpp"
#include "../common/report.hpp"

#include "../../scripts/child_process.hpp"

#include <iostream>

namespace c = cascade;
using namespace library;

namespace {
using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) { return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count(); }

cascade_support::child_process spawn_worker(std::vector<std::string> args) {
    return cascade_support::child_process(CASCADE_QUEUE_WORKER, std::move(args));
}
void stop_workers(std::vector<cascade_support::child_process>& workers) {
    for (auto& w : workers) w.terminate();
    workers.clear();
}
long long count(soci::session& s, std::string const& q) {
    long long n = -1;
    s << q, soci::into(n);
    return n;
}

struct database {
    std::string backend, connection, file;
    std::unique_ptr<soci::session> sql;
    static database postgresql(std::string const& schema_name) {
        database d{"postgresql", cascade_support::postgresql_connection() + " options='-csearch_path=" + schema_name + "'", "", nullptr};
        auto admin = std::make_unique<soci::session>(soci::postgresql, cascade_support::postgresql_connection());
        *admin << "DROP SCHEMA IF EXISTS " + schema_name + " CASCADE";
        *admin << "CREATE SCHEMA " + schema_name;
        d.sql = std::make_unique<soci::session>(soci::postgresql, d.connection);
        *d.sql << "SET client_min_messages TO WARNING";
        return d;
    }
    static database sqlite(std::string const& path) {
        std::remove(path.c_str());
        database d{"sqlite3", "db=" + path + " timeout=30", path, nullptr};
        d.sql = std::make_unique<soci::session>(soci::sqlite3, d.connection);
        *d.sql << "PRAGMA journal_mode = WAL";
        return d;
    }
};

/// Jobs per second for `workers` processes draining `jobs` no-op rows.
double noop_throughput(database& db, int workers, long long jobs) {
    c::job_queue queue;
    *db.sql << "DROP TABLE IF EXISTS cascade_jobs";
    queue.install(*db.sql);
    std::vector<cascade_support::child_process> processes;
    for (int w = 0; w < workers; ++w)
        // PostgreSQL workers are woken by NOTIFY and need no fast polling (which would load the 2 cores);
        // SQLite has no NOTIFY: its worker polls.
        processes.push_back(spawn_worker({"--backend", db.backend, "--connection", db.connection, "--claim-batch", "100",
                                     "--poll-ms", db.backend == "postgresql" ? "1000" : "5", "--quiet"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the workers are up and idle
    bool const pg = db.backend == "postgresql";
    std::string const series = pg ? "generate_series(1, " + std::to_string(jobs) + ") i"
                                   : "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
                                         std::to_string(jobs) + ") SELECT i FROM s) t";
    auto const t0 = clock_type::now();
    {
        soci::transaction tx(*db.sql);
        *db.sql << "INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at) "
                   "SELECT 'bench.noop', '{}', 'noop' || i, 'ready', 0, 25, 0, 0 FROM " + series;
        if (pg) *db.sql << "NOTIFY cascade_jobs";
        tx.commit();
    }
    while (count(*db.sql, "SELECT COUNT(*) FROM cascade_jobs WHERE state <> 'done'") > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    double const seconds = ms_since(t0) / 1000.0;
    stop_workers(processes);
    return static_cast<double>(jobs) / seconds;
}

void books_of_one_author(database& db, long long n, bool native) {
    *db.sql << "DROP TABLE IF EXISTS chapters, books, authors, cascade_jobs";
    *db.sql << "CREATE TABLE authors (id BIGINT PRIMARY KEY, name TEXT NOT NULL)";
    *db.sql << std::string("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL") +
                   (native ? " REFERENCES authors (id) ON DELETE CASCADE" : "") + ", title TEXT NOT NULL)";
    *db.sql << "CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)";
    *db.sql << "CREATE INDEX books_author_id ON books (author_id)";
    *db.sql << "CREATE INDEX chapters_book_id ON chapters (book_id)";
    *db.sql << "INSERT INTO authors VALUES (1, 'author')";
    *db.sql << "INSERT INTO books SELECT i, 1, 'book ' || i FROM generate_series(1, " + std::to_string(n) + ") i";
    *db.sql << "ANALYZE";
}
}  // namespace

int main(int argc, char** argv) {
    bench::args args(argc, argv);
    bench::report report("queue_bench");
    long long const jobs = args.integer("--jobs", 20000);
    auto row = [](std::string const& what, double v, std::string const& unit, std::string const& note = "") {
        std::cout << std::left << std::setw(52) << what << std::right << std::setw(12) << std::fixed << std::setprecision(1)
                  << v << " " << unit << "  " << note << std::endl;
    };

    auto pg = database::postgresql("queue_bench_" + std::to_string(getpid()));
    for (int w : {1, 2, 4}) {
        double const rate = noop_throughput(pg, w, jobs);
        report.set("queue.pg.noop_jobs_per_s.w" + std::to_string(w), rate);
        row("PostgreSQL, no-op jobs, " + std::to_string(w) + " worker process(es)", rate, "jobs/s");
    }
    {
        auto lite = database::sqlite("/tmp/cascade_queue_bench.db");
        double const rate = noop_throughput(lite, 1, jobs);
        report.set("queue.sqlite.noop_jobs_per_s", rate);
        row("SQLite (file, WAL), no-op jobs, 1 worker process", rate, "jobs/s");
        std::remove("/tmp/cascade_queue_bench.db");
    }

    // ---- enqueue cost inside the request --------------------------------------------------------
    {
        c::job_queue queue;
        *pg.sql << "DROP TABLE IF EXISTS cascade_jobs";
        queue.install(*pg.sql);
        std::vector<double> times;
        for (int i = 0; i < 1000; ++i) {
            soci::transaction tx(*pg.sql);
            auto const t0 = clock_type::now();
            queue.enqueue(*pg.sql, "authors.books", books_job{i, i, {}}.to_json(), "k" + std::to_string(i), 25);
            times.push_back(ms_since(t0));
            tx.commit();
        }
        report.set("queue.pg.enqueue_ms", bench::median(times));
        row("PostgreSQL, enqueue inside the request (median of 1000)", bench::median(times), "ms");
    }

    // ---- end to end: 1,000,000 dependents through the queue vs ON DELETE CASCADE ------------------
    long long const n = 1000000;
    std::string const batch = args.text("--batch-size", "100000");
    books_of_one_author(pg, n, true);
    auto t0 = clock_type::now();
    {
        soci::transaction tx(*pg.sql);
        *pg.sql << "DELETE FROM authors WHERE id = 1";
        tx.commit();
    }
    double const native_ms = ms_since(t0);
    books_of_one_author(pg, n, false);
    c::job_queue queue;
    queue.install(*pg.sql);
    std::vector<cascade_support::child_process> processes;
    for (int w = 0; w < 4; ++w)
        processes.push_back(spawn_worker({"--backend", "postgresql", "--connection", pg.connection, "--poll-ms", "1000",
                                     "--batch-size", batch, "--quiet"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    c::queue_executor executor(queue, *pg.sql);
    c::async_runtime<schema, c::queue_executor, c::shared_session> jobs_rt(executor, c::shared_session{*pg.sql});
    t0 = clock_type::now();
    auto const r = c::destroy<schema, Author>(*pg.sql, 1, jobs_rt);
    double const owner_ms = ms_since(t0);
    // Done when the job row is: the worker marks it done once its last batch has committed.
    while (count(*pg.sql, "SELECT COUNT(*) FROM cascade_jobs WHERE state <> 'done'") > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    double const total_ms = ms_since(t0);
    stop_workers(processes);
    if (!r || count(*pg.sql, "SELECT COUNT(*) FROM books") != 0) throw std::runtime_error("the queue left rows");
    report.set("queue.pg.cascade_native_ms", native_ms);
    report.set("queue.pg.cascade_ms", total_ms);
    report.set("queue.pg.cascade_owner_ms", owner_ms);
    report.set("queue.pg.cascade_ratio", total_ms / native_ms);
    row("PostgreSQL, ON DELETE CASCADE, 1,000,000 dependents", native_ms, "ms");
    row("PostgreSQL, through the queue, 4 workers (batch " + batch + ")", total_ms, "ms",
        "owner waited " + std::to_string(owner_ms).substr(0, 5) + " ms; ratio " + std::to_string(total_ms / native_ms).substr(0, 4));
    auto admin = std::make_unique<soci::session>(soci::postgresql, cascade_support::postgresql_connection());
    *admin << "DROP SCHEMA IF EXISTS queue_bench_" + std::to_string(getpid()) + " CASCADE";
    report.write(args);
}
