// The durable queue, beside its anchors in the same run:
//   throughput   no-op jobs claimed, performed and completed by 1, 2 and 4 worker processes on
//                PostgreSQL (loopback), and by one on SQLite (a file): jobs/s from the moment the jobs
//                are committed to the moment the last is done (the workers are already running)
//   end to end   an owner with 1,000,000 dependents destroyed through the queue (4 workers, the
//                workers' default batch size and fan-out: the job spreads over the workers as range
//                jobs) vs the database's own ON DELETE CASCADE
//   fan-out      an owner with 10,000,000 dependents (--big N) through the queue with 1, 2 and 4
//                workers, and ON DELETE CASCADE of the same rows
//   enqueue      the cost inside the request of writing a job row (INSERT + NOTIFY), median, on an
//                empty queue and with 100,000 jobs queued
//   backlog      one claim of 10 rows (median of 50) with 1,000 and with 1,000,000 ready rows queued in
//                3 queues x 3 priorities, by a worker serving every queue and one serving two (flat:
//                index-ordered claims), and no-op throughput with 4 workers draining 100,000
// Published anchors: graphile-worker 15.6k jobs/s unbatched (i9, 4 processes); River ~46k/s batched
// (8-core laptop); 300 to 2,400 jobs/s for Oban, River and pg-boss in a neutral sweep on 4 CPUs.
//   queue_bench [--json PATH] [--jobs N] [--big N (0: skip)] [--end-to-end-only] [--backlog-only] [--runs N]
//               [--batch-size N] [--max-batch-size N] [--batch-time-ms N] [--fan-out-rows N] [--claim-batch N]
//               [--claim-hold-ms N]   (passed to the workers when given; otherwise the workers' defaults:
//               batches of 1,000 growing to 50,000 within 50 ms, fan-out as large, claims of 10
//               held 20 ms)
// The end to end comparison is the median of --runs (3) interleaved runs of each.
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
/// A worker that ended before it was stopped (a setting it refused: exit 2) would leave the run
/// waiting for ever on jobs nobody takes.
void check_workers(std::vector<cascade_support::child_process>& workers) {
    for (auto& w : workers) {
        int status = 0;
        if (w.exited(&status))
            throw std::runtime_error("a worker process ended early (exit " +
                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                                     "); its settings: see queue_worker --help");
    }
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
    /// A database of its own on the MariaDB of CASCADE_MYSQL (or a private one).
    static database mysql(std::string const& name) {
        std::string connection = cascade_support::mysql_connection();
        auto const at = connection.find("db=");
        auto const end = connection.find(' ', at);
        auto admin = std::make_unique<soci::session>(soci::mysql, connection);
        *admin << "DROP DATABASE IF EXISTS " + name;
        *admin << "CREATE DATABASE " + name;
        connection.replace(at, end == std::string::npos ? std::string::npos : end - at, "db=" + name);
        database d{"mysql", connection, "", nullptr};
        d.sql = std::make_unique<soci::session>(soci::mysql, d.connection);
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

/// The benchmark's own schema (queue_bench_<pid>), gone at the end of a run, whole or failed.
void drop_schema() {
    soci::session admin(soci::postgresql, cascade_support::postgresql_connection());
    admin << "DROP SCHEMA IF EXISTS queue_bench_" + std::to_string(getpid()) + " CASCADE";
}

/// Jobs per second for `workers` processes draining `jobs` no-op rows.
double noop_throughput(database& db, int workers, long long jobs) {
    c::job_queue queue;
    *db.sql << "DROP TABLE IF EXISTS cascade_jobs";
    queue.install(*db.sql);
    std::vector<cascade_support::child_process> processes;
    for (int w = 0; w < workers; ++w) {
        // PostgreSQL workers are woken by NOTIFY and need no fast polling (which would load the 2 cores);
        // SQLite has no NOTIFY: its worker polls every 5 ms. MariaDB's workers poll with their default
        // backoff (50 ms after the queue ran dry, doubling up to 1 s): the wait for the first claim counts.
        std::vector<std::string> a{"--backend", db.backend, "--connection", db.connection, "--claim-batch", "100", "--quiet"};
        if (db.backend != "mysql") a.insert(a.end(), {"--poll-ms", db.backend == "postgresql" ? "1000" : "5"});
        processes.push_back(spawn_worker(a));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the workers are up and idle
    bool const pg = db.backend == "postgresql", my = db.backend == "mysql";
    std::string const series = pg   ? "generate_series(1, " + std::to_string(jobs) + ") i"
                               : my ? "(SELECT seq AS i FROM seq_1_to_" + std::to_string(jobs) + ") s"
                                    : "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
                                          std::to_string(jobs) + ") SELECT i FROM s) t";
    auto const t0 = clock_type::now();
    {
        soci::transaction tx(*db.sql);
        *db.sql << "INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at) "
                   "SELECT 'bench.noop', '{}', " + std::string(my ? "CONCAT('noop', i)" : "'noop' || i") +
                   ", 'ready', 0, 25, 0, 0 FROM " + series;
        if (pg) *db.sql << "NOTIFY cascade_jobs";
        tx.commit();
    }
    // Two index probes, not a count of the whole table: with 100,000 rows a COUNT every 5 ms would take
    // a core from the workers being measured.
    while (count(*db.sql, "SELECT CASE WHEN EXISTS (SELECT 1 FROM cascade_jobs WHERE state = 'ready') OR EXISTS (SELECT 1 FROM "
                          "cascade_jobs WHERE state = 'running') THEN 1 ELSE 0 END") > 0) {
        check_workers(processes);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
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

/// ON DELETE CASCADE of an owner's n dependents, ms.
double native_cascade(database& db, long long n) {
    books_of_one_author(db, n, true);
    auto const t0 = clock_type::now();
    soci::transaction tx(*db.sql);
    *db.sql << "DELETE FROM authors WHERE id = 1";
    tx.commit();
    return ms_since(t0);
}

/// An owner with n dependents destroyed through the queue, `workers` processes already waiting: ms
/// from the destroy's start to the moment every job row is done (the parent, and the range jobs it
/// made, written before it is done); `owner_ms` is what the request waited, `parent_ms` how long the
/// first job took from its enqueue to done (the database's clock): for a job that fans out, the walk
/// over the chunk boundaries and the range jobs' rows, before which no range job can start.
double through_queue(database& db, long long n, int workers, std::vector<std::string> const& worker_args, double& owner_ms,
                     double& parent_ms) {
    books_of_one_author(db, n, false);
    c::job_queue queue;
    queue.install(*db.sql);
    std::vector<cascade_support::child_process> processes;
    for (int w = 0; w < workers; ++w) {
        std::vector<std::string> a{"--backend", "postgresql", "--connection", db.connection, "--poll-ms", "1000", "--quiet"};
        a.insert(a.end(), worker_args.begin(), worker_args.end());
        processes.push_back(spawn_worker(std::move(a)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    c::queue_executor executor(queue, *db.sql);
    c::async_runtime<schema, c::queue_executor, c::shared_session> jobs_rt(executor, c::shared_session{*db.sql});
    auto const t0 = clock_type::now();
    auto const r = c::destroy<schema, Author>(*db.sql, 1, jobs_rt);
    owner_ms = ms_since(t0);
    // Done when every job row is: the parent is done once its range jobs are written (or, small, once
    // its last batch has committed).
    // (a dead job would never be done: the run stops with it)
    for (;;) {
        long long const open = count(*db.sql, "SELECT COALESCE(SUM(CASE WHEN state = 'dead' THEN 1000000000 WHEN state <> 'done' THEN 1 ELSE 0 END), 0)"
                                              " FROM cascade_jobs");
        if (open >= 1000000000) throw std::runtime_error("a job went dead: " + std::to_string(open / 1000000000) + " dead row(s)");
        if (open == 0) break;
        check_workers(processes);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    double const total_ms = ms_since(t0);
    stop_workers(processes);
    if (!r || count(*db.sql, "SELECT COUNT(*) FROM books") != 0) throw std::runtime_error("the queue left rows");
    parent_ms = static_cast<double>(
        count(*db.sql, "SELECT finished_at - created_at FROM cascade_jobs WHERE id = (SELECT MIN(id) FROM cascade_jobs)"));
    return total_ms;
}
/// Median milliseconds of writing one job row inside a transaction (1,000 of them, keys `prefix` + i).
/// From a commit to the job's end, ms, for one no-op job and one worker of default settings that has
/// been idle `idle_for` (a database without wake-ups: the worker's poll backoff decides). Median of 5.
double pickup_ms(database& db, std::chrono::milliseconds idle_for) {
    c::job_queue queue;
    *db.sql << "DROP TABLE IF EXISTS cascade_jobs";
    queue.install(*db.sql);
    std::vector<cascade_support::child_process> processes;
    processes.push_back(spawn_worker({"--backend", db.backend, "--connection", db.connection, "--quiet"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
        std::this_thread::sleep_for(idle_for);
        auto const t0 = clock_type::now();
        queue.enqueue(*db.sql, "bench.noop", "{}", "pickup" + std::to_string(i), 3);
        while (count(*db.sql, "SELECT COUNT(*) FROM cascade_jobs WHERE state = 'done'") < i + 1) {
            check_workers(processes);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        times.push_back(ms_since(t0));
    }
    stop_workers(processes);
    return bench::median(times);
}

double enqueue_median_ms(database& db, std::string const& prefix) {
    c::job_queue queue;
    std::vector<double> times;
    for (int i = 0; i < 1000; ++i) {
        soci::transaction tx(*db.sql);
        auto const t0 = clock_type::now();
        queue.enqueue(*db.sql, "authors.books", books_job{i, i, {}}.to_json(), prefix + std::to_string(i), 25);
        times.push_back(ms_since(t0));
        tx.commit();
    }
    return bench::median(times);
}

/// `n` ready no-op rows, due since long ago, in a fresh queue table.
void ready_rows(database& db, long long n) {
    *db.sql << "DROP TABLE IF EXISTS cascade_jobs";
    c::job_queue{}.install(*db.sql);
    // three named queues and three priorities, interleaved
    *db.sql << "INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue, priority) "
               "SELECT 'bench.noop', '{}', 'backlog' || i, 'ready', 0, 25, i, 0, (ARRAY['default', 'mail', 'reports'])[1 + i % 3], "
               "(i / 3) % 3 FROM generate_series(1, " +
                   std::to_string(n) + ") i";
    *db.sql << "ANALYZE cascade_jobs";
}

/// Median milliseconds of one claim of 10 rows with `n` rows queued in 3 queues x 3 priorities (each
/// claim takes the next 10), by a worker serving every queue or the named ones.
double claim_ms(database& db, long long n, std::vector<std::string> const& queues = {}) {
    ready_rows(db, n);
    c::job_queue queue;
    std::vector<double> times;
    for (int i = 0; i < 50; ++i) {
        auto const t0 = clock_type::now();
        auto const got = queue.claim(*db.sql, "bench", 10, std::chrono::seconds(60), queues);
        times.push_back(ms_since(t0));
        if (got.size() != 10) throw std::runtime_error("a claim found fewer than 10 rows");
    }
    return bench::median(times);
}
}  // namespace

int run(int argc, char** argv) {
    bench::args args(argc, argv, "queue_bench",
                     {{"--jobs", bench::option::integer, "no-op jobs per throughput run, default 20000"},
                      {"--end-to-end-only", bench::option::flag, "only the 1,000,000-dependent cascade and the fan-out"},
                      {"--backlog-only", bench::option::flag, "only the claim latency under backlog"},
                      {"--mysql-only", bench::option::flag, "only MariaDB's no-op throughput with 1, 2 and 4 workers"},
                      {"--batch-size", bench::option::integer, "worker --batch-size for the cascade runs (default: the worker's)"},
                      {"--max-batch-size", bench::option::integer, "worker --max-batch-size (default: the worker's)"},
                      {"--batch-time-ms", bench::option::integer, "worker --batch-time-ms (default: the worker's)"},
                      {"--fan-out-rows", bench::option::integer, "worker --fan-out-rows (default: the worker's)"},
                      {"--claim-batch", bench::option::integer, "worker --claim-batch (default: the worker's)"},
                      {"--claim-hold-ms", bench::option::integer, "worker --claim-hold-ms (default: the worker's)"},
                      {"--runs", bench::option::integer, "interleaved end-to-end runs, median reported, default 3"},
                      {"--big", bench::option::integer, "dependents of the fan-out run, 0 skips it, default 10000000"}});
    bench::report report("queue_bench");
    long long const jobs = args.integer("--jobs", 20000);
    auto row = [](std::string const& what, double v, std::string const& unit, std::string const& note = "") {
        std::cout << std::left << std::setw(52) << what << std::right << std::setw(12) << std::fixed << std::setprecision(1)
                  << v << " " << unit << "  " << note << std::endl;
    };

    // ---- MariaDB: no-op throughput (its queue claims in steps and polls; see docs/queue.md) -------------
    auto const mariadb = [&] {
        std::string const name = "queue_bench_" + std::to_string(getpid());
        auto my = database::mysql(name);
        for (int w : {1, 2, 4}) {
            double const rate = noop_throughput(my, w, jobs);
            report.set("queue.mysql.noop_jobs_per_s.w" + std::to_string(w), rate);
            row("MariaDB, no-op jobs, " + std::to_string(w) + " worker process(es)", rate, "jobs/s");
        }
        // no wake-ups: how soon a job starts depends on how long its worker has been idle
        double const soon = pickup_ms(my, std::chrono::milliseconds(0)), later = pickup_ms(my, std::chrono::seconds(3));
        report.set("queue.mysql.pickup_ms.just_idle", soon);
        report.set("queue.mysql.pickup_ms.idle_3s", later);
        row("MariaDB, one job from commit to done, worker just idle", soon, "ms", "poll backoff from 50 ms");
        row("MariaDB, the same, worker idle for 3 s", later, "ms", "poll backoff up to 1 s (--poll-ms)");
        *my.sql << "DROP DATABASE " + name;
    };
    if (args.flag("--mysql-only")) {
        mariadb();
        report.write(args);
        return 0;
    }

    auto pg = database::postgresql("queue_bench_" + std::to_string(getpid()));
    bool const end_to_end_only = args.flag("--end-to-end-only");
    bool const backlog_only = args.flag("--backlog-only");

    // ---- the backlog: claims and throughput whatever is queued ------------------------------------
    if (!end_to_end_only) {
        double const small = claim_ms(pg, 1000), large = claim_ms(pg, 1000000);
        report.set("queue.pg.claim_ms.backlog1000", small);
        report.set("queue.pg.claim_ms.backlog1000000", large);
        report.set("queue.pg.claim_ms.ratio", large / small);
        row("PostgreSQL, one claim of 10, 1,000 queued", small, "ms", "3 queues x 3 priorities, every queue served");
        row("PostgreSQL, one claim of 10, 1,000,000 queued", large, "ms", "ratio " + std::to_string(large / small).substr(0, 4));
        std::vector<std::string> const two{"default", "mail"};
        double const small2 = claim_ms(pg, 1000, two), large2 = claim_ms(pg, 1000000, two);
        report.set("queue.pg.claim_ms.two_queues.backlog1000", small2);
        report.set("queue.pg.claim_ms.two_queues.backlog1000000", large2);
        report.set("queue.pg.claim_ms.two_queues.ratio", large2 / small2);
        row("PostgreSQL, one claim of 10 from 2 queues, 1,000 queued", small2, "ms");
        row("PostgreSQL, one claim of 10 from 2 queues, 1,000,000", large2, "ms", "ratio " + std::to_string(large2 / small2).substr(0, 4));
        double const rate = noop_throughput(pg, 4, 100000);
        report.set("queue.pg.noop_jobs_per_s.w4_backlog100000", rate);
        row("PostgreSQL, no-op jobs, 4 workers, 100,000 queued", rate, "jobs/s");
        // the enqueue with those 100,000 rows still in the table (done now)
        double const enqueue = enqueue_median_ms(pg, "b");
        report.set("queue.pg.enqueue_ms.backlog100000", enqueue);
        row("PostgreSQL, enqueue, 100,000 rows in the table (median)", enqueue, "ms");
    }
    if (backlog_only) {
        drop_schema();
        report.write(args);
        return 0;
    }
    for (int w : {1, 2, 4}) {
        if (end_to_end_only) break;
        double const rate = noop_throughput(pg, w, jobs);
        report.set("queue.pg.noop_jobs_per_s.w" + std::to_string(w), rate);
        row("PostgreSQL, no-op jobs, " + std::to_string(w) + " worker process(es)", rate, "jobs/s");
    }
    if (!end_to_end_only) {
        auto lite = database::sqlite("/tmp/cascade_queue_bench.db");
        double const rate = noop_throughput(lite, 1, jobs);
        report.set("queue.sqlite.noop_jobs_per_s", rate);
        row("SQLite (file, WAL), no-op jobs, 1 worker process", rate, "jobs/s");
        std::remove("/tmp/cascade_queue_bench.db");
        mariadb();
    }

    // ---- enqueue cost inside the request --------------------------------------------------------
    if (!end_to_end_only) {
        c::job_queue queue;
        *pg.sql << "DROP TABLE IF EXISTS cascade_jobs";
        queue.install(*pg.sql);
        double const enqueue = enqueue_median_ms(pg, "k");
        report.set("queue.pg.enqueue_ms", enqueue);
        row("PostgreSQL, enqueue inside the request (median of 1000)", enqueue, "ms");
    }

    // ---- end to end: 1,000,000 dependents through the queue vs ON DELETE CASCADE ------------------
    // The workers run with their defaults unless an option here says otherwise (passed on as given).
    std::vector<std::string> worker_args;
    for (char const* option : {"--batch-size", "--max-batch-size", "--batch-time-ms", "--fan-out-rows", "--claim-batch", "--claim-hold-ms"})
        if (args.has(option)) {
            worker_args.push_back(option);
            worker_args.push_back(args.text(option));
        }
    long long const batch_size = args.integer("--batch-size", 1000);
    long long const max_batch_size = args.integer("--max-batch-size", 50 * batch_size);
    long long const batch_time_ms = args.integer("--batch-time-ms", 50);
    long long const fan_out_rows = args.integer("--fan-out-rows", std::max(max_batch_size, 10 * batch_size));
    long long const claim_batch = args.integer("--claim-batch", 10);
    std::string const settings = "batch " + std::to_string(batch_size) + " growing to " + std::to_string(max_batch_size) +
                                 " within " + std::to_string(batch_time_ms) + " ms, fan-out " + std::to_string(fan_out_rows) +
                                 ", claim " + std::to_string(claim_batch) + (worker_args.empty() ? " (defaults)" : "");
    report.set("queue.pg.cascade_batch_size", static_cast<double>(batch_size));
    report.set("queue.pg.cascade_max_batch_size", static_cast<double>(max_batch_size));
    report.set("queue.pg.cascade_batch_time_ms", static_cast<double>(batch_time_ms));
    report.set("queue.pg.cascade_fan_out_rows", static_cast<double>(fan_out_rows));
    report.set("queue.pg.cascade_claim_batch", static_cast<double>(claim_batch));
    // Interleaved runs, medians: on a shared 2-core machine one run of either can be off by half.
    long long const n = 1000000;
    int const runs = static_cast<int>(std::max(1LL, args.integer("--runs", 3)));
    std::vector<double> natives, totals, owners, parents;
    for (int run = 0; run < runs; ++run) {
        natives.push_back(native_cascade(pg, n));
        double owner_ms = 0, parent_ms = 0;
        totals.push_back(through_queue(pg, n, 4, worker_args, owner_ms, parent_ms));
        owners.push_back(owner_ms);
        parents.push_back(parent_ms);
    }
    double const native_ms = bench::median(natives), total_ms = bench::median(totals);
    report.set("queue.pg.cascade_runs", static_cast<double>(runs));
    report.set("queue.pg.cascade_native_ms", native_ms);
    report.set("queue.pg.cascade_ms", total_ms);
    report.set("queue.pg.cascade_owner_ms", bench::median(owners));
    report.set("queue.pg.cascade_parent_ms", bench::median(parents));
    report.set("queue.pg.cascade_ratio", total_ms / native_ms);
    std::string each;
    for (int run = 0; run < runs; ++run)
        each += (run ? ", " : "") + std::to_string(static_cast<long long>(totals[static_cast<std::size_t>(run)])) + "/" +
                std::to_string(static_cast<long long>(natives[static_cast<std::size_t>(run)]));
    row("PostgreSQL, ON DELETE CASCADE, 1,000,000 dependents (median)", native_ms, "ms");
    row("PostgreSQL, through the queue, 4 workers (median)", total_ms, "ms",
        settings + "; owner waited " + std::to_string(bench::median(owners)).substr(0, 5) + " ms; first job " +
            std::to_string(static_cast<long long>(bench::median(parents))) + " ms; ratio " +
            std::to_string(total_ms / native_ms).substr(0, 4) + " (runs, queue/native ms: " + each + ")");

    // ---- fan-out: one owner's 10,000,000 dependents over 1, 2 and 4 workers -----------------------
    long long const big = args.integer("--big", 10000000);
    if (big > 0) {
        std::string const rows = std::to_string(big) + " dependents";
        report.set("queue.pg.fanout.rows", static_cast<double>(big));
        double const big_native_ms = native_cascade(pg, big);
        report.set("queue.pg.fanout.native_ms", big_native_ms);
        row("PostgreSQL, ON DELETE CASCADE, " + rows, big_native_ms, "ms");
        for (int w : {1, 2, 4}) {
            double waited = 0, first = 0;
            double const ms = through_queue(pg, big, w, worker_args, waited, first);
            report.set("queue.pg.fanout.workers" + std::to_string(w) + "_ms", ms);
            report.set("queue.pg.fanout.workers" + std::to_string(w) + "_parent_ms", first);
            row("PostgreSQL, through the queue, " + rows + ", " + std::to_string(w) + " worker(s)", ms, "ms",
                settings + "; first job " + std::to_string(static_cast<long long>(first)) + " ms; ratio " +
                    std::to_string(ms / big_native_ms).substr(0, 4));
        }
    }
    drop_schema();
    report.write(args);
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (std::exception const& e) {
        std::cerr << "queue_bench: " << e.what() << '\n';
        try {
            drop_schema();
        } catch (...) {
        }
        return 1;
    }
}
