// The durable queue on real PostgreSQL and a SQLite file, with real worker processes
// (examples/queue_worker): transactional enqueue, a crash after commit, four workers sharing
// 10,000 jobs, a worker killed with SIGKILL mid-job, poison jobs, racing destroys, graceful
// shutdown, LISTEN/NOTIFY wake-up, and the queue tool.
#define BOOST_TEST_MODULE cascade queue tests
#include "../support/database.hpp"

#include "../../examples/queue_schema.hpp"

#include "../../scripts/child_process.hpp"

namespace c = cascade;
using namespace library;

namespace {

struct queue_db : test::database {
    c::job_queue queue;
    queue_db() {
        if (test::backend() == "sqlite") BOOST_FAIL("the queue tests need a database several connections share");
        exec("CREATE TABLE authors (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, title TEXT NOT NULL)");
        exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
        queue.install(**this);
    }
    /// What a worker process connects with (it must see this test's PostgreSQL schema).
    std::string backend_name() const { return test::is_postgresql() ? "postgresql" : "sqlite3"; }
    std::string connection() const {
        if (test::is_postgresql()) return test::postgresql_connection() + " options='-csearch_path=" + pg_schema + "'";
        return "db=" + file + " timeout=30";
    }
    c::worker_options worker_options() const {
        c::worker_options o;
        o.backend = backend_name();
        o.connection = connection();
        o.poll = std::chrono::milliseconds(50);
        o.retry.base = std::chrono::milliseconds(10);
        return o;
    }
    void authors_with_books(int authors, int books_each) {
        std::string const series = test::is_postgresql() ? "generate_series(1, " + std::to_string(authors) + ") i"
                                                         : "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
                                                               std::to_string(authors) + ") SELECT i FROM s) t";
        exec("INSERT INTO authors SELECT i, 'a' FROM " + series);
        for (int b = 0; b < books_each; ++b)
            exec("INSERT INTO books SELECT i * 1000 + " + std::to_string(b) + ", i, 'b' FROM " + series);
    }
    long long jobs(std::string const& where = "1 = 1") { return count("cascade_jobs", where); }
    std::string text(std::string const& query) {
        std::string out;
        soci::indicator ind;
        **this << query, soci::into(out, ind);
        return ind == soci::i_null ? "" : out;
    }
};

/// A worker process (examples/queue_worker, built with the tests' hooks).
struct process : cascade_support::child_process {
    explicit process(std::vector<std::string> args, std::vector<std::string> env_extra = {})
        : child_process(CASCADE_QUEUE_WORKER, std::move(args), std::move(env_extra)) {}
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit) {
    auto const end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return f();
}

using runtime = c::async_runtime<schema, c::queue_executor, c::shared_session>;

}  // namespace

BOOST_AUTO_TEST_CASE(the_job_row_is_written_in_the_owners_transaction) {
    queue_db db;
    db.authors_with_books(2, 3);
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    {
        c::transaction tx(*db);
        c::destroy<schema, Author>(tx, 1, jobs);
        BOOST_TEST(db.jobs() == 1);  // inside the transaction already
        tx.rollback();
    }
    BOOST_TEST(db.jobs() == 0);  // a rollback leaves no job
    BOOST_TEST(db.count("authors") == 2);
    c::destroy<schema, Author>(*db, 1, jobs);
    BOOST_TEST(db.jobs("state = 'ready' AND name = 'authors.books'") == 1);
    // An owner without dependents leaves no row.
    db.exec("DELETE FROM books WHERE author_id = 2");
    c::destroy<schema, Author>(*db, 2, jobs);
    BOOST_TEST(db.jobs() == 1);
}

BOOST_AUTO_TEST_CASE(the_job_survives_a_crash_right_after_the_commit) {
    queue_db db;
    db.authors_with_books(1, 5);
    std::string const backend = db.backend_name(), conn = db.connection();
    pid_t const child = fork();
    if (child == 0) {
        // A separate process commits and dies at once, before anything else can happen.
        try {
            soci::session s;
            if (backend == "postgresql") s.open(soci::postgresql, conn);
            else s.open(soci::sqlite3, conn);
            c::queue_executor executor(db.queue, s);
            runtime jobs(executor, c::shared_session{s});
            c::destroy<schema, Author>(s, 1, jobs);
        } catch (...) {
            _exit(3);
        }
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    BOOST_REQUIRE(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(db.count("authors") == 0);
    BOOST_TEST(db.jobs("state = 'ready'") == 1);
    BOOST_TEST(db.count("books") == 5);
}

BOOST_AUTO_TEST_CASE(worker_processes_share_the_jobs_each_done_once) {
    queue_db db;
    int const n = test::is_postgresql() ? 10000 : 1000;
    int const workers = test::is_postgresql() ? 4 : 2;
    db.authors_with_books(n, 1);
    {
        // n owners already destroyed: their jobs are in the queue (written here in one transaction).
        c::queue_executor executor(db.queue, *db);
        c::transaction tx(*db);
        for (int i = 1; i <= n; ++i) executor.enqueue_in(*db, books_job{i, i, {}});
        db.exec("DELETE FROM authors");
        tx.commit();
    }
    BOOST_TEST(db.jobs("state = 'ready'") == n);
    std::vector<std::unique_ptr<process>> procs;
    for (int w = 0; w < workers; ++w)
        procs.push_back(std::make_unique<process>(std::vector<std::string>{
            "--backend", db.backend_name(), "--connection", db.connection(), "--claim-batch", "20", "--poll-ms", "50",
            "--exit-when-idle", "--quiet"}));
    for (auto& p : procs) BOOST_TEST(p->wait() == 0);
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.jobs("state = 'done'") == n);
    BOOST_TEST(db.jobs("attempts <> 1") == 0);  // none ran twice, none was lost
    BOOST_TEST(db.count("(SELECT DISTINCT locked_by FROM cascade_jobs) t") == 1);  // cleared: NULL only
}

BOOST_AUTO_TEST_CASE(a_worker_killed_mid_job_is_taken_over_after_its_lease) {
    queue_db db;
    db.authors_with_books(1, 1000);
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    c::destroy<schema, Author>(*db, 1, jobs);
    BOOST_REQUIRE(db.jobs() == 1);
    std::vector<std::string> const common{"--backend", db.backend_name(), "--connection", db.connection(),
                                          "--batch-size", "50", "--lease-ms", "1500", "--heartbeat-ms", "300",
                                          "--poll-ms", "100", "--quiet",
                                          "--fan-out-rows", "0"};  // one job (1000 books would make 2 range jobs)
    {
        process a(common, {"CASCADE_SLOW_BOOK_US=5000"});  // 5 ms a book: the job takes 5 s
        BOOST_REQUIRE(eventually([&] { return db.count("books") <= 900; }, std::chrono::seconds(20)));
        a.kill9();  // in the middle of the job, between or inside a batch
    }
    long long const left = db.count("books");
    BOOST_TEST(left > 0);
    BOOST_TEST(db.jobs("state = 'running'") == 1);  // still leased to the dead worker
    auto args = common;
    args.push_back("--exit-when-idle");
    process b(args);
    BOOST_TEST(b.wait() == 0);
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.jobs("state = 'done' AND attempts = 2") == 1);
    BOOST_TEST(db.jobs("state = 'dead'") == 0);
}

BOOST_AUTO_TEST_CASE(poison_jobs_go_dead_while_the_rest_flow) {
    queue_db db;
    db.authors_with_books(60, 1);
    db.exec("DELETE FROM authors WHERE id <= 50");  // 50 owners gone; 51..60 still there
    {
        c::transaction tx(*db);
        for (int i = 1; i <= 50; ++i) db.queue.enqueue(*db, "authors.books", books_job{i, i, {}}.to_json(), "ok" + std::to_string(i), 3);
        db.queue.enqueue(*db, "nobody.knows", "{}", "unknown", 3);
        db.queue.enqueue(*db, "authors.books", "this is not json", "malformed", 3);
        db.queue.enqueue(*db, "authors.books", books_job{51, 51, {}}.to_json(), "owner-alive", 3);
        tx.commit();
    }
    c::worker<schema> w(db.queue, db.worker_options());
    w.run_until([&] { return db.jobs("state IN ('ready', 'running')") == 0; });
    BOOST_TEST(db.jobs("state = 'done'") == 50);
    BOOST_TEST(db.count("books", "author_id <= 50") == 0);
    BOOST_TEST(db.jobs("state = 'dead'") == 3);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'unknown'").find("no job named 'nobody.knows'") != std::string::npos);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'malformed'").find("malformed payload") != std::string::npos);
    BOOST_TEST(db.jobs("dedup_key = 'unknown' AND attempts = 1") == 1);  // dead at once
    BOOST_TEST(db.jobs("dedup_key = 'owner-alive' AND attempts = 3") == 1);  // dead after max attempts
    std::string const errors = db.text("SELECT errors FROM cascade_jobs WHERE dedup_key = 'owner-alive'");
    BOOST_TEST(errors.find("attempt 1: owner record not destroyed") != std::string::npos);
    BOOST_TEST(errors.find("attempt 3: owner record not destroyed") != std::string::npos);
    BOOST_TEST(db.count("books", "author_id = 51") == 1);
    // The operator's tools: retry puts the dead back, discard removes them.
    db.exec("DELETE FROM authors WHERE id = 51");
    BOOST_TEST(db.queue.retry(*db) == 3);
    BOOST_TEST(db.jobs("state = 'ready' AND attempts = 0") == 3);
    w.run_until([&] { return db.jobs("state IN ('ready', 'running')") == 0; });
    BOOST_TEST(db.count("books", "author_id = 51") == 0);
    BOOST_TEST(db.queue.discard(*db) == 2);
    BOOST_TEST(db.jobs("state = 'dead'") == 0);
}

BOOST_AUTO_TEST_CASE(two_racing_destroys_of_one_owner_leave_one_job) {
    queue_db db;
    db.authors_with_books(1, 10);
    std::atomic<int> destroyed{0};
    auto racer = [&] {
        auto s = db.connect();
        c::queue_executor executor(db.queue, *s);
        runtime jobs(executor, c::shared_session{*s});
        if (c::destroy<schema, Author>(*s, 1, jobs)) ++destroyed;
    };
    std::thread a(racer), b(racer);
    a.join();
    b.join();
    BOOST_TEST(destroyed == 1);
    BOOST_TEST(db.jobs() == 1);
    // The dedup index holds on its own too: the same job enqueued twice is one live row.
    c::queue_executor executor(db.queue, *db);
    BOOST_TEST(db.queue.enqueue(*db, "authors.books", books_job{1, 1, {}}.to_json(), c::queue_executor::dedup_key(books_job{1, 1, {}}), 25) == false);
    BOOST_TEST(db.jobs() == 1);
}

BOOST_AUTO_TEST_CASE(shutdown_releases_what_it_claimed_within_the_soft_timeout) {
    queue_db db;
    for (int i = 0; i < 6; ++i) db.queue.enqueue(*db, "test.sleep", "300", "sleep" + std::to_string(i), 25);
    auto o = db.worker_options();
    o.claim_batch = 6;
    o.shutdown_timeout = std::chrono::milliseconds(100);
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view ms, soci::session&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stol(std::string(ms))));
    });
    w.start();
    BOOST_REQUIRE(eventually([&] { return db.jobs("state = 'running'") == 6; }, std::chrono::seconds(5)));
    auto const t0 = std::chrono::steady_clock::now();
    w.stop();
    auto const took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST((took < std::chrono::milliseconds(1000)));
    BOOST_TEST(db.jobs("state = 'running'") == 0);
    BOOST_TEST(db.jobs("state = 'done'") == 1);               // the one it was running
    BOOST_TEST(db.jobs("state = 'ready' AND attempts = 0") == 5);  // given back, attempt not counted
}

BOOST_AUTO_TEST_CASE(notify_wakes_an_idle_worker_at_once) {
    if (!test::is_postgresql()) return;  // LISTEN/NOTIFY is PostgreSQL's; SQLite workers poll
    queue_db db;
    auto o = db.worker_options();
    o.poll = std::chrono::seconds(30);  // polling alone would take 30 s
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the worker is asleep
    auto const t0 = std::chrono::steady_clock::now();
    {
        c::transaction tx(*db);
        db.queue.enqueue(*db, "test.sleep", "0", "wake", 25);
        tx.commit();
    }
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 1; }, std::chrono::seconds(5)));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3)));
    w.stop();
}

BOOST_AUTO_TEST_CASE(the_queue_tool_reports_and_operates) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "x", 1);
    db.exec("UPDATE cascade_jobs SET state = 'dead'");
    std::string const cmd = std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" +
                            db.connection() + "\" ";
    auto run = [&](std::string const& args) {
        std::string out;
        if (FILE* p = popen((cmd + args + " 2>&1").c_str(), "r")) {
            char buf[256];
            while (std::fgets(buf, sizeof buf, p)) out += buf;
            pclose(p);
        }
        return out;
    };
    std::string const status = run("status");
    BOOST_TEST(status.find("dead 1") != std::string::npos);
    BOOST_TEST(status.find("ready 0") != std::string::npos);
    BOOST_TEST(run("retry dead").find("retried 1") != std::string::npos);
    BOOST_TEST(run("status").find("ready 1") != std::string::npos);
    BOOST_TEST(run("discard 1").find("discarded 1") != std::string::npos);
    BOOST_TEST(db.jobs() == 0);
}

namespace nested_queue {
struct Shelf { BOOST_HANA_DEFINE_STRUCT(Shelf, (std::int64_t, id)); };
struct Box { BOOST_HANA_DEFINE_STRUCT(Box, (std::int64_t, id), (std::int64_t, shelf_id)); };
struct Folder { BOOST_HANA_DEFINE_STRUCT(Folder, (std::int64_t, id), (std::int64_t, box_id)); };
struct schema : c::schema<c::model<Shelf, "shelves", c::has_many<Box, &Box::shelf_id, c::dependent::destroy_async>>,
                          c::model<Box, "boxes", c::has_many<Folder, &Folder::box_id, c::dependent::destroy_async>>,
                          c::model<Folder, "folders">> {};
}  // namespace nested_queue

BOOST_AUTO_TEST_CASE(jobs_that_make_jobs_write_them_in_their_batch_transactions) {
    queue_db db;
    db.exec("CREATE TABLE shelves (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE boxes (id BIGINT PRIMARY KEY, shelf_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE folders (id BIGINT PRIMARY KEY, box_id BIGINT NOT NULL)");
    db.exec("INSERT INTO shelves VALUES (1)");
    for (int b = 1; b <= 25; ++b) {
        db.exec("INSERT INTO boxes VALUES (" + std::to_string(b) + ", 1)");
        db.exec("INSERT INTO folders VALUES (" + std::to_string(b) + ", " + std::to_string(b) + ")");
    }
    c::queue_executor executor(db.queue, *db);
    c::async_runtime<nested_queue::schema, c::queue_executor, c::shared_session> jobs(executor, c::shared_session{*db});
    c::destroy<nested_queue::schema, nested_queue::Shelf>(*db, 1, jobs);
    BOOST_TEST(db.jobs() == 1);
    auto o = db.worker_options();
    o.batch_size = 10;  // the boxes job commits 3 batches, each writing its boxes' folder jobs
    c::worker<nested_queue::schema> w(db.queue, o);
    w.run_until([&] { return db.jobs("state IN ('ready', 'running')") == 0 && db.jobs() > 1; });
    BOOST_TEST(db.jobs("name = 'shelves.boxes' AND state = 'done'") == 1);
    BOOST_TEST(db.jobs("name = 'boxes.folders' AND state = 'done'") == 25);
    BOOST_TEST(db.count("boxes") == 0);
    BOOST_TEST(db.count("folders") == 0);
}

// ---- production: lost connections, restarts, hostile rows, bad input, foreign keys, retention ----

namespace {

/// What a shell command printed (stdout and stderr) and its exit status.
struct command_result {
    std::string out;
    int status = -1;
    bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};
command_result run_command(std::string const& cmd) {
    command_result r;
    if (FILE* p = popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p)) r.out += buf;
        r.status = pclose(p);
    }
    return r;
}

/// A PostgreSQL server of the test's own (scripts/pg-private.sh), so that it can be restarted.
struct own_postgresql {
    std::string dir, connection;
    own_postgresql() {
        char tmpl[] = "/tmp/cascade-pg-restart.XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        auto const r = run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh start " + dir);
        BOOST_REQUIRE(r.exited(0));
        connection = r.out.substr(0, r.out.find('\n'));
    }
    void restart() const { BOOST_REQUIRE(run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh restart " + dir).exited(0)); }
    ~own_postgresql() { run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh stop " + dir); }
};

/// A unique application_name, so that a test terminates its own worker's backends and no other's.
std::string application_name(std::string const& what) { return "cq_" + what + "_" + std::to_string(getpid()); }

}  // namespace

BOOST_AUTO_TEST_CASE(a_terminated_backend_does_not_strand_its_job) {
    if (!test::is_postgresql()) return;  // pg_terminate_backend is PostgreSQL's
    queue_db db;
    db.authors_with_books(1, 400);
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    c::destroy<schema, Author>(*db, 1, jobs);
    BOOST_REQUIRE(db.jobs() == 1);
    std::string const app = application_name("terminate");
    process worker({"--backend", "postgresql", "--connection", db.connection() + " application_name=" + app, "--batch-size",
                    "50", "--lease-ms", "3000", "--heartbeat-ms", "200", "--poll-ms", "100", "--retry-base-ms", "50", "--quiet"},
                   {"CASCADE_SLOW_BOOK_US=5000"});  // 5 ms a book: the job takes 2 s
    BOOST_REQUIRE(eventually([&] { return db.count("books") <= 350; }, std::chrono::seconds(20)));
    // The session performing the job is the one inside a transaction.
    long long terminated = 0;
    *db << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app +
               "' AND xact_start IS NOT NULL",
        soci::into(terminated);
    BOOST_REQUIRE(terminated >= 1);  // the performing session (the heartbeat's may be caught in a transaction too)
    // The same worker process reconnects, records the lost attempt and finishes the job.
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 1; }, std::chrono::seconds(30)));
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.jobs("attempts = 2") == 1);
    BOOST_TEST(db.text("SELECT errors FROM cascade_jobs").find("attempt 1: ") != std::string::npos);
    int const status = worker.terminate();
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

BOOST_AUTO_TEST_CASE(a_database_restart_stalls_nothing) {
    if (!test::is_postgresql()) return;  // restarting the server is the PostgreSQL case
    own_postgresql server;
    soci::session sql(soci::postgresql, server.connection);
    sql << "CREATE TABLE authors (id BIGINT PRIMARY KEY, name TEXT NOT NULL)";
    sql << "CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, title TEXT NOT NULL)";
    sql << "CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)";
    c::job_queue queue;
    queue.install(sql);
    int const n = 3000;
    sql << "INSERT INTO books SELECT i, i, 'b' FROM generate_series(1, " + std::to_string(n) + ") i";
    {
        c::queue_executor executor(queue, sql);
        soci::transaction tx(sql);
        for (int i = 1; i <= n; ++i) executor.enqueue_in(sql, books_job{i, i, {}});
        tx.commit();
    }
    auto count = [&](std::string const& query) {
        long long v = -1;
        try {
            soci::session s(soci::postgresql, server.connection);
            s << query, soci::into(v);
        } catch (...) {
        }
        return v;
    };
    std::vector<std::unique_ptr<process>> workers;
    for (int w = 0; w < 4; ++w)
        workers.push_back(std::make_unique<process>(
            std::vector<std::string>{"--backend", "postgresql", "--connection", server.connection, "--lease-ms", "3000",
                                     "--heartbeat-ms", "300", "--poll-ms", "200", "--retry-base-ms", "100", "--quiet"},
            std::vector<std::string>{"CASCADE_SLOW_BOOK_US=2000"}));  // 2 ms a job: the run takes several seconds
    BOOST_REQUIRE(eventually([&] { return count("SELECT COUNT(*) FROM cascade_jobs WHERE state = 'done'") >= 300; },
                             std::chrono::seconds(30)));
    server.restart();
    // Within seconds of the server coming back the workers go on, and they finish every job.
    BOOST_TEST(eventually([&] { return count("SELECT COUNT(*) FROM cascade_jobs WHERE state = 'done'") == n; },
                          std::chrono::seconds(60)));
    BOOST_TEST(count("SELECT COUNT(*) FROM books") == 0);
    BOOST_TEST(count("SELECT COUNT(*) FROM cascade_jobs WHERE state <> 'done'") == 0);
    for (auto& w : workers) {
        int const status = w->terminate();  // graceful, whatever they went through
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
}

BOOST_AUTO_TEST_CASE(a_worker_stops_gracefully_while_the_database_is_down) {
    if (!test::is_postgresql()) return;
    own_postgresql server;
    {
        soci::session sql(soci::postgresql, server.connection);
        c::job_queue{}.install(sql);
    }
    process worker({"--backend", "postgresql", "--connection", server.connection, "--poll-ms", "100", "--quiet"});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    BOOST_REQUIRE(run_command("bash " CASCADE_SOURCE_DIR "/scripts/pg-private.sh halt " + server.dir).exited(0));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // reconnecting, with backoff
    auto const t0 = std::chrono::steady_clock::now();
    int const status = worker.terminate();
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15)));
}

BOOST_AUTO_TEST_CASE(a_forged_payload_never_deletes_a_live_owners_rows) {
    queue_db db;
    db.authors_with_books(3, 100);
    db.exec("DELETE FROM authors WHERE id = 3");  // owner 3 gone, owner 1 alive
    db.queue.enqueue(*db, "authors.books", R"({"owner_key": 3, "owner_value": 1})", "forged", 1);
    c::worker<schema> w(db.queue, db.worker_options());
    w.run_until([&] { return db.jobs("state IN ('ready', 'running')") == 0; });
    BOOST_TEST(db.count("books", "author_id = 1") == 100);  // the live owner's books stay
    BOOST_TEST(db.jobs("state = 'dead'") == 1);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs").find("owner record not destroyed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hostile_rows_are_run_retried_or_made_dead_and_never_stop_the_rest) {
    queue_db db;
    for (int i = 0; i < 20; ++i) db.queue.enqueue(*db, "test.sleep", "0", "plain" + std::to_string(i), 3);
    db.queue.enqueue(*db, "test.sleep", "0", "saturated", 3);
    db.exec("UPDATE cascade_jobs SET attempts = 2147483647 WHERE dedup_key = 'saturated'");
    db.queue.enqueue(*db, "test.sleep", "0", "negative", 3);
    db.exec("UPDATE cascade_jobs SET attempts = -5 WHERE dedup_key = 'negative'");
    db.queue.enqueue(*db, "test.sleep", "0", "no-lease", 3);
    db.exec("UPDATE cascade_jobs SET state = 'running', locked_by = 'gone:1', locked_until = NULL WHERE dedup_key = 'no-lease'");
    // A row that claims to be this very worker's, written by hand: nobody runs it, so its lease lapses.
    db.queue.enqueue(*db, "test.sleep", "0", "impostor", 3);
    db.exec("UPDATE cascade_jobs SET state = 'running', locked_by = 'w1', locked_until = " + c::job_queue::now(test::is_postgresql()) +
            " + 1000 WHERE dedup_key = 'impostor'");
    db.queue.enqueue(*db, "test.fail", "0", "no-attempts", 0);  // max_attempts 0: one try, then dead
    // A job whose worker died on its last attempt (a job that kills workers): not claimed again, dead.
    db.queue.enqueue(*db, "test.sleep", "0", "last-gasp", 3);
    db.exec("UPDATE cascade_jobs SET state = 'running', attempts = 3, locked_by = 'gone:2', locked_until = 0 WHERE dedup_key = 'last-gasp'");
    // A failure whose message is not UTF-8: recorded all the same (PostgreSQL refuses such text).
    db.queue.enqueue(*db, "test.latin1", "0", "latin1", 1);
    // A state the queue does not know is refused by the table itself.
    BOOST_CHECK_THROW(db.exec("UPDATE cascade_jobs SET state = 'paused' WHERE dedup_key = 'plain0'"), std::exception);
    auto o = db.worker_options();
    o.id = "w1";
    o.lease = std::chrono::milliseconds(1000);
    o.heartbeat = std::chrono::milliseconds(100);
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.handle("test.fail", [](std::string_view, soci::session&) { throw std::runtime_error("always fails"); });
    w.handle("test.latin1", [](std::string_view, soci::session&) { throw std::runtime_error("caf\xe9 ferm\xe9"); });
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("state IN ('ready', 'running')") == 0; }, std::chrono::seconds(20)));
    w.stop();
    BOOST_TEST(db.jobs("state = 'done'") == 24);
    BOOST_TEST(db.jobs("dedup_key = 'saturated' AND state = 'done' AND attempts = 2147483647") == 1);
    BOOST_TEST(db.jobs("dedup_key = 'negative' AND state = 'done' AND attempts = 1") == 1);
    BOOST_TEST(db.jobs("dedup_key = 'no-attempts' AND state = 'dead'") == 1);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'no-attempts'") == "always fails");
    BOOST_TEST(db.jobs("dedup_key = 'last-gasp' AND state = 'dead' AND attempts = 3") == 1);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'last-gasp'").find("lease lapsed on the last attempt") !=
               std::string::npos);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'latin1' AND state = 'dead'") == "caf? ferm?");
}

BOOST_AUTO_TEST_CASE(a_row_in_an_unknown_state_is_repaired_into_dead) {
    if (!test::is_postgresql()) return;  // a table of an older install, without the state check: PostgreSQL can drop it
    queue_db db;
    db.exec("ALTER TABLE cascade_jobs DROP CONSTRAINT cascade_jobs_state_check");
    db.queue.enqueue(*db, "test.sleep", "0", "odd", 3);
    db.exec("UPDATE cascade_jobs SET state = 'paused'");
    auto o = db.worker_options();
    o.maintenance_every = std::chrono::milliseconds(100);
    c::worker<schema> w(db.queue, o);
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("state = 'dead'") == 1; }, std::chrono::seconds(10)));
    w.stop();
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs").find("unknown state 'paused'") != std::string::npos);
    BOOST_TEST(db.queue.retry(*db) == 1);  // and the operator can run it
}

BOOST_AUTO_TEST_CASE(bad_input_to_the_tool_and_the_worker_changes_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);
    db.exec("UPDATE cascade_jobs SET state = 'dead'");
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);  // its live twin
    db.queue.enqueue(*db, "nobody.knows", "{}", "other", 1);
    db.exec("UPDATE cascade_jobs SET state = 'done', finished_at = 0 WHERE dedup_key = 'other'");
    std::string const tool = std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" +
                             db.connection() + "\" ";
    auto const before = db.text("SELECT " + std::string(test::is_postgresql() ? "string_agg" : "group_concat") +
                                "(id || state || attempts, ',') FROM cascade_jobs");
    for (std::string const bad : {"discard -1", "retry -7", "discard 26abc", "retry ''", "purge-done -100", "purge-done 1x",
                                  "frobnicate", "status extra", "retry", "discard 1 2"}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
    }
    // SQLite: a typo in the file name makes no file; only install creates one.
    auto const no_file = run_command(std::string(CASCADE_QUEUE_TOOL) + " --backend sqlite3 --connection db=/tmp/cq-typo2.db status");
    BOOST_TEST(no_file.exited(2));
    BOOST_TEST(access("/tmp/cq-typo2.db", F_OK) != 0);
    BOOST_TEST(run_command(tool + "--lease-ms 5 status").exited(2));  // an option the tool does not take
    auto const typo = run_command(std::string(CASCADE_QUEUE_TOOL) + " --backend postgres --connection db=/tmp/cq-typo.db status");
    BOOST_TEST(typo.exited(2));
    BOOST_TEST(typo.out.find("'postgres' is not one of postgresql, sqlite3") != std::string::npos);
    BOOST_TEST(access("/tmp/cq-typo.db", F_OK) != 0);  // no file made
    BOOST_TEST(run_command(tool + "--table 'x; DROP TABLE authors' status").exited(2));
    BOOST_TEST(db.text("SELECT " + std::string(test::is_postgresql() ? "string_agg" : "group_concat") +
                       "(id || state || attempts, ',') FROM cascade_jobs") == before);
    // A dead job whose twin is queued: said so, nothing changed.
    auto const twin = run_command(tool + "retry 1");
    BOOST_TEST(twin.exited(1));
    BOOST_TEST(twin.out.find("job 1 has a live twin, job 2") != std::string::npos, twin.out);
    BOOST_TEST(run_command(tool + "retry dead").out.find("retried 0") != std::string::npos);  // skipped, no raw error
    BOOST_TEST(db.jobs("state = 'dead'") == 1);
    // The worker refuses its own bad arguments before it starts (no abort, no table).
    for (std::vector<std::string> const& bad : std::vector<std::vector<std::string>>{
             {"--connection", db.connection(), "--table", "bad name"},
             {"--connection", db.connection(), "--threads", "two"},
             {"--connection", db.connection(), "--lease-ms", "-5"},
             {"--connection", db.connection(), "--backend", "postgres"},
             {"--connection", db.connection(), "--treads", "2"}}) {
        process p(bad);
        int const status = p.wait();
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), bad[2] << " " << bad[3]);
    }
}

BOOST_AUTO_TEST_CASE(a_foreign_key_under_destroy_async_is_a_typed_error) {
    queue_db db;
    if (!test::is_postgresql()) db.exec("PRAGMA foreign_keys = ON");
    db.exec("CREATE TABLE fk_books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL CONSTRAINT fk_books_author REFERENCES authors (id),"
            " title TEXT NOT NULL)");
    db.exec("DROP TABLE books");
    db.exec("ALTER TABLE fk_books RENAME TO books");
    db.authors_with_books(1, 3);
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    try {
        c::destroy<schema, Author>(*db, 1, jobs);
        BOOST_FAIL("the owner's delete should have been refused");
    } catch (c::foreign_key_violation const& e) {
        BOOST_TEST(e.association == "authors.books");
        std::string const what = e.what();
        BOOST_TEST(what.find("dependent::destroy_async") != std::string::npos);
        BOOST_TEST(what.find("drop the constraint") != std::string::npos);
        if (test::is_postgresql()) {
            BOOST_TEST(e.constraint == "fk_books_author");
            BOOST_TEST(e.table == "books");
        }
    }
    BOOST_TEST(db.count("authors") == 1);  // nothing changed
    BOOST_TEST(db.count("books") == 3);
    BOOST_TEST(db.jobs() == 0);
}

BOOST_AUTO_TEST_CASE(done_rows_are_pruned_after_the_retention_by_one_worker_at_a_time) {
    queue_db db;
    for (int i = 0; i < 50; ++i) db.queue.enqueue(*db, "test.sleep", "0", "p" + std::to_string(i), 3);
    db.queue.enqueue(*db, "nobody.knows", "{}", "dead", 1);
    auto o = db.worker_options();
    o.retention = std::chrono::milliseconds(300);
    o.maintenance_every = std::chrono::milliseconds(100);
    std::unique_ptr<soci::session> holder;
    if (test::is_postgresql()) {
        // Another worker is pruning (it holds the lock): this one leaves the rows alone.
        holder = db.connect();
        int got = 0;
        *holder << "SELECT CASE WHEN pg_try_advisory_lock(hashtext('cascade_jobs')) THEN 1 ELSE 0 END", soci::into(got);
        BOOST_REQUIRE(got == 1);
    }
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.start();
    BOOST_REQUIRE(eventually([&] { return db.jobs("state IN ('ready', 'running')") == 0; }, std::chrono::seconds(10)));
    if (holder) {
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        BOOST_TEST(db.jobs("state = 'done'") == 50);  // past the retention, but the lock is held elsewhere
        holder.reset();                                // that worker is gone: its lock with it
    }
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 0; }, std::chrono::seconds(10)));
    w.stop();
    BOOST_TEST(db.jobs("state = 'dead'") == 1);  // dead rows wait for the operator
}

BOOST_AUTO_TEST_CASE(claims_read_the_indexes_whatever_the_backlog) {
    if (!test::is_postgresql()) return;  // the plan is PostgreSQL's; the benchmark times both sizes
    queue_db db;
    db.exec("INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at)"
            " SELECT 'bench.noop', '{}', 'k' || i, 'ready', 0, 3, i, 0 FROM generate_series(1, 100000) i");
    db.exec("ANALYZE cascade_jobs");
    std::string plan;
    soci::rowset<std::string> rows = ((*db).prepare << "EXPLAIN " + db.queue.claim_text(true, "'w'", 10, 1000));
    for (auto const& line : rows) plan += line + "\n";
    BOOST_TEST(plan.find("Seq Scan") == std::string::npos, plan);
    BOOST_TEST(plan.find("Sort") == std::string::npos, plan);
    BOOST_TEST(plan.find("cascade_jobs_ready") != std::string::npos, plan);
}

// =====================================================================================================
// A large job spreads over workers: a default-mode job with more dependents than the workers'
// fan_out_rows hands out key-range jobs that tile its dependents' keys, which several workers run.
// =====================================================================================================
#include <algorithm>
#include <fstream>

namespace fan_out_tests {

/// SELECT i FROM 1..n, on either backend.
inline std::string numbers(long long n) {
    if (test::is_postgresql()) return "generate_series(1, " + std::to_string(n) + ") i";
    return "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + std::to_string(n) +
           ") SELECT i FROM s) t";
}

/// A worker process whose job log (its standard output) goes to the file `log`.
struct logged_worker : cascade_support::child_process {
    logged_worker(std::vector<std::string> args, std::string const& log, std::vector<std::string> env_extra = {})
        : child_process(CASCADE_QUEUE_WORKER, std::move(args), std::move(env_extra), log) {}
};

/// How many jobs of authors.books that destroyed rows a worker's log shows (the parent that fans
/// out destroys none itself: "0 rows in 0 batches").
inline int books_jobs_with_rows(std::string const& log) {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Performed authors.books", 0) == 0 && line.find(": 0 rows") == std::string::npos) ++n;
    return n;
}

/// The authors.books jobs in the queue with a key range, decoded, in key order.
inline std::vector<books_job> range_jobs(queue_db& db) {
    std::vector<books_job> out;
    soci::rowset<std::string> rows = ((*db).prepare << "SELECT payload FROM cascade_jobs WHERE name = 'authors.books'");
    for (auto const& payload : rows) {
        auto job = books_job::from_json(payload);
        if (job.after || job.upto) out.push_back(job);
    }
    std::sort(out.begin(), out.end(), [](books_job const& a, books_job const& b) { return a.after < b.after; });
    return out;
}

}  // namespace fan_out_tests

BOOST_AUTO_TEST_CASE(a_large_job_fans_out_over_workers) {
    using namespace fan_out_tests;
    queue_db db;
    // Author 1's 25,000 books have the even keys 2..50,000 (every tenth with a chapter); author 2, alive,
    // has 500 books with odd keys among them, which no range job may touch.
    db.exec("INSERT INTO authors VALUES (1, 'a'), (2, 'b')");
    db.exec("INSERT INTO books SELECT 2 * i, 1, 'b' FROM " + numbers(25000));
    db.exec("INSERT INTO books SELECT 100 * i + 1, 2, 'b' FROM " + numbers(500));
    db.exec("INSERT INTO chapters SELECT 20 * i, 20 * i FROM " + numbers(2500));
    db.exec("INSERT INTO chapters SELECT 100 * i + 1, 100 * i + 1 FROM " + numbers(500));
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    c::destroy<schema, Author>(*db, 1, jobs);  // the request writes one job row, as always
    BOOST_REQUIRE(db.jobs() == 1);
    std::string const log = "/tmp/cascade-fan-out-" + std::to_string(getpid()) + "-";
    {
        // One job claimed at a time (the range jobs are long), each book a little slow (50 µs) so
        // that the range jobs overlap in time whatever the machine's load.
        std::vector<std::unique_ptr<logged_worker>> workers;
        for (int w = 0; w < 2; ++w)
            workers.push_back(std::make_unique<logged_worker>(
                std::vector<std::string>{"--backend", db.backend_name(), "--connection", db.connection(), "--batch-size", "1000",
                                         "--fan-out-rows", "5000", "--claim-batch", "1", "--poll-ms", "50", "--exit-when-idle"},
                log + std::to_string(w), std::vector<std::string>{"CASCADE_SLOW_BOOK_US=50"}));
        for (auto& w : workers) BOOST_TEST(w->wait() == 0);
    }
    BOOST_TEST(db.count("books", "author_id = 1") == 0);
    BOOST_TEST(db.count("books", "author_id = 2") == 500);
    BOOST_TEST(db.count("chapters") == 500);  // author 1's went with their books
    // The parent and its 5 range jobs, each done at its first attempt.
    BOOST_TEST(db.jobs("name = 'authors.books' AND state = 'done'") == 6);
    BOOST_TEST(db.jobs("state <> 'done' OR attempts <> 1") == 0);
    BOOST_TEST(db.jobs("payload NOT LIKE '%\"after\"%' AND payload NOT LIKE '%\"upto\"%'") == 1);
    // The ranges tile the key line: open below, open above, each starting where the one before ends.
    auto const ranges = range_jobs(db);
    BOOST_REQUIRE(ranges.size() == 5u);
    std::vector<std::optional<long long>> const ends{10000, 20000, 30000, 40000, std::nullopt};
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        BOOST_TEST_CONTEXT("range " << i) {
            BOOST_TEST(ranges[i].owner_key == 1);
            BOOST_TEST((ranges[i].after == (i == 0 ? std::nullopt : ends[i - 1])));
            BOOST_TEST((ranges[i].upto == ends[i]));
        }
    }
    // Each job's log line (the parent's shows 0 rows, a range job's its own): on PostgreSQL both workers
    // ran range jobs. SQLite has one writer: a worker whose claim waits on the other's batches rarely gets
    // the lock between them, so there one worker may run them all, one after another.
    int const first = books_jobs_with_rows(log + "0"), second = books_jobs_with_rows(log + "1");
    BOOST_TEST(first + second == 5);
    if (test::is_postgresql()) {
        BOOST_TEST(first >= 1);
        BOOST_TEST(second >= 1);
    }
    std::remove((log + "0").c_str());
    std::remove((log + "1").c_str());
}

BOOST_AUTO_TEST_CASE(rows_added_while_the_range_jobs_wait_are_destroyed_too) {
    using namespace fan_out_tests;
    queue_db db;
    db.exec("INSERT INTO authors VALUES (1, 'a'), (2, 'b')");
    db.exec("INSERT INTO books SELECT 2 * i, 1, 'b' FROM " + numbers(20000));  // keys 2..40,000
    c::queue_executor executor(db.queue, *db);
    runtime jobs(executor, c::shared_session{*db});
    c::destroy<schema, Author>(*db, 1, jobs);
    BOOST_REQUIRE(db.jobs() == 1);
    // The parent runs here as a worker runs it (decoded from its row, performed, marked done): it
    // hands out 4 range jobs, (..10000], (10000..20000], (20000..30000], (30000..), and destroys nothing.
    runtime fan(executor, c::shared_session{*db}, {.batch_size = 1000, .fan_out_rows = 5000});
    auto const r = c::job_decoder<schema>::perform("authors.books", db.text("SELECT payload FROM cascade_jobs"), fan, *db);
    db.exec("UPDATE cascade_jobs SET state = 'done' WHERE id = (SELECT MIN(id) FROM cascade_jobs)");
    BOOST_TEST(r.rows == 0u);
    BOOST_TEST(r.batches == 0u);
    BOOST_TEST(db.jobs("state = 'ready'") == 4);
    BOOST_TEST(db.count("books") == 20000);
    // Books of the gone owner appear before the range jobs run: below its first key and in the first
    // range, in a middle range, in the last, and past its last key; and one of a live owner.
    db.exec("INSERT INTO books VALUES (-5, 1, 'x'), (1, 1, 'x'), (20001, 1, 'x'), (39999, 1, 'x'), (40001, 1, 'x'),"
            " (1000000, 1, 'x'), (20003, 2, 'x')");
    {
        std::vector<std::unique_ptr<process>> workers;
        for (int w = 0; w < 2; ++w)
            workers.push_back(std::make_unique<process>(
                std::vector<std::string>{"--backend", db.backend_name(), "--connection", db.connection(), "--claim-batch", "1",
                                         "--poll-ms", "50", "--exit-when-idle", "--quiet"}));
        for (auto& w : workers) BOOST_TEST(w->wait() == 0);
    }
    BOOST_TEST(db.count("books", "author_id = 1") == 0);
    BOOST_TEST(db.ids("books") == (ids{20003}), tt::per_element());
    BOOST_TEST(db.jobs("state = 'done'") == 5);
    BOOST_TEST(db.jobs("state <> 'done'") == 0);
}

BOOST_AUTO_TEST_CASE(range_payloads_are_checked_and_a_range_job_keeps_to_its_range) {
    using namespace fan_out_tests;
    queue_db db;
    db.exec("INSERT INTO authors VALUES (2, 'b')");  // author 1 is gone; author 2 is alive
    db.exec("INSERT INTO books SELECT i, 1, 'b' FROM " + numbers(30));
    db.exec("INSERT INTO books SELECT 100 + i, 2, 'b' FROM " + numbers(10));
    // Range jobs of one owner are a live row each; the job without a range is another.
    BOOST_TEST(c::queue_executor::dedup_key(books_job{1, 1, {}, 10, 20}) != c::queue_executor::dedup_key(books_job{1, 1, {}, 20, 30}));
    BOOST_TEST(c::queue_executor::dedup_key(books_job{1, 1, {}, std::nullopt, 10}) != c::queue_executor::dedup_key(books_job{1, 1, {}}));
    BOOST_TEST(c::queue_executor::dedup_key(books_job{1, 1, {}, 10, std::nullopt}) !=
               c::queue_executor::dedup_key(books_job{1, 1, {}, std::nullopt, 10}));
    {
        c::transaction tx(*db);
        int k = 0;
        for (char const* bad : {R"({"owner_key":1,"owner_value":1,"after":10,"upto":10})",
                                R"({"owner_key":1,"owner_value":1,"after":20,"upto":10})",
                                R"({"owner_key":1,"owner_value":1,"after":"10"})",
                                R"({"owner_key":1,"owner_value":1,"after":1.5,"upto":20})",
                                R"({"owner_key":1,"owner_value":1,"upto":null})",
                                R"({"owner_key":1,"owner_value":1,"ids":[1,2],"after":0})"})
            db.queue.enqueue(*db, "authors.books", bad, "bad" + std::to_string(k++), 3);
        db.queue.enqueue(*db, "authors.books", books_job{1, 1, {}, 10, 20}.to_json(), "range", 3);
        db.queue.enqueue(*db, "authors.books", books_job{2, 2, {}, std::nullopt, 105}.to_json(), "alive", 2);
        tx.commit();
    }
    c::worker<schema> w(db.queue, db.worker_options());
    w.run_until([&] { return db.jobs("state IN ('ready', 'running')") == 0; });
    // A malformed range is dead at once, with the reason.
    BOOST_TEST(db.jobs("dedup_key LIKE 'bad%' AND state = 'dead' AND attempts = 1") == 6);
    BOOST_TEST(db.jobs("dedup_key LIKE 'bad%' AND last_error LIKE '%malformed payload%'") == 6);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'bad1'").find("after >= upto") != std::string::npos);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'bad2'").find("after must be an integer") != std::string::npos);
    // The range job destroyed the books in (10, 20] and no other; a range job of a live owner, none.
    BOOST_TEST(db.jobs("dedup_key = 'range' AND state = 'done'") == 1);
    BOOST_TEST(db.ids("books", "author_id = 1") ==
                   (ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}),
               tt::per_element());
    BOOST_TEST(db.jobs("dedup_key = 'alive' AND state = 'dead'") == 1);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'alive'").find("owner record not destroyed") != std::string::npos);
    BOOST_TEST(db.count("books", "author_id = 2") == 10);
}
