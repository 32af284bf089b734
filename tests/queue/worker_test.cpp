// cascade::worker, in-process and as worker processes: sharing jobs, a worker killed mid-job, poison
// jobs, lost connections and restarts, shutdown, wake-ups, retention, named queues, priorities,
// schedules, pauses, and a large job fanned out over workers.
#include "queue_support.hpp"

BOOST_AUTO_TEST_CASE(worker_processes_share_the_jobs_each_done_once) {
    queue_db db;
    int const n = test::is_server() ? 10000 : 1000;
    int const workers = test::is_server() ? 4 : 2;
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
    db.author_destroyed_through_the_queue(1000);
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

BOOST_AUTO_TEST_CASE(a_lapsed_job_is_claimed_alone_so_a_job_that_kills_its_worker_takes_no_other_down) {
    queue_db db;
    for (int i = 0; i < 3; ++i) db.queue.enqueue(*db, "test.sleep", "0", "batch" + std::to_string(i), 25);
    auto const first = db.queue.claim(*db, "crashed:1", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(first.size() == 3u);
    // its worker died with all three (one of them made it crash): their leases lapse
    db.exec("UPDATE cascade_jobs SET locked_until = id WHERE locked_by = 'crashed:1'");  // lapsed long ago, in id order
    for (int i = 0; i < 3; ++i) db.queue.enqueue(*db, "test.sleep", "0", "due" + std::to_string(i), 25);
    // each claim takes one lapsed job, alone, though more rows are runnable and it asks for ten
    for (int i = 0; i < 3; ++i) {
        auto const taken = db.queue.claim(*db, "next:" + std::to_string(i), 10, std::chrono::seconds(30));
        BOOST_REQUIRE(taken.size() == 1u);
        BOOST_TEST(taken[0].id == first[static_cast<std::size_t>(i)].id);
        BOOST_TEST(taken[0].attempts == 2);
    }
    // then the due ones, as a batch
    auto const due = db.queue.claim(*db, "next:3", 10, std::chrono::seconds(30));
    BOOST_TEST(due.size() == 3u);
    BOOST_TEST(db.jobs("dedup_key LIKE 'due%' AND attempts = 1") == 3);
}

BOOST_AUTO_TEST_CASE(a_handler_that_leaves_a_transaction_open_fails_and_stalls_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "test.open", "0", "open", 3);
    db.queue.enqueue(*db, "test.sleep", "0", "after", 3, std::chrono::milliseconds(300));
    auto o = db.worker_options();
    o.claim_batch = 1;
    c::worker<schema> w(db.queue, o);
    w.handle("test.open", [](std::string_view, soci::session& s) {
        s << "BEGIN";
        s << "INSERT INTO authors VALUES (99, 'written by a handler that never commits')";
    });
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.start();
    // the next job runs and is recorded; the open one failed, its write undone, and is retried
    BOOST_TEST(eventually([&] { return db.jobs("dedup_key = 'after' AND state = 'done'") == 1; }, std::chrono::seconds(10)));
    BOOST_TEST(eventually([&] { return db.jobs("dedup_key = 'open' AND attempts >= 1 AND state <> 'running'") == 1; },
                          std::chrono::seconds(10)));
    w.stop();
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs WHERE dedup_key = 'open'").find("inside a transaction it had not ended") !=
               std::string::npos);
    BOOST_TEST(db.count("authors", "id = 99") == 0);
}

// A book that refuses its destroy stays; the job completes, and its row says which book stayed and why.
BOOST_AUTO_TEST_CASE(a_job_whose_dependent_refuses_completes_and_its_row_says_which_stayed) {
    queue_db db;
    db.author_destroyed_through_the_queue(1000);
    db.exec("UPDATE books SET title = 'refuse' WHERE id = 1500");
    c::worker<schema> w(db.queue, db.worker_options());
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 1; }, std::chrono::seconds(20)));
    w.stop();
    BOOST_TEST(db.ids("books") == (ids{1500}), tt::per_element());
    BOOST_TEST(db.jobs("state = 'done' AND attempts = 1") == 1);
    BOOST_TEST(db.text("SELECT last_error FROM cascade_jobs") ==
               "1 dependent stayed: 1500 (books 1500: a before_destroy callback aborted)");
    BOOST_TEST(db.text("SELECT errors FROM cascade_jobs").find("attempt 1 done: 1 dependent stayed") != std::string::npos);
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

BOOST_AUTO_TEST_CASE(a_terminated_backend_does_not_strand_its_job) {
    if (!test::is_postgresql()) return;  // pg_terminate_backend is PostgreSQL's
    queue_db db;
    db.author_destroyed_through_the_queue(400);
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

BOOST_AUTO_TEST_CASE(done_rows_are_pruned_after_the_retention_by_one_worker_at_a_time) {
    queue_db db;
    for (int i = 0; i < 50; ++i) db.queue.enqueue(*db, "test.sleep", "0", "p" + std::to_string(i), 3);
    db.queue.enqueue(*db, "nobody.knows", "{}", "dead", 1);
    auto o = db.worker_options();
    o.retention = std::chrono::milliseconds(300);
    o.maintenance_every = std::chrono::milliseconds(100);
    std::unique_ptr<soci::session> holder;
    if (test::is_server()) {
        // Another worker is pruning (it holds the lock): this one leaves the rows alone.
        holder = db.connect();
        int got = 0;
        if (test::is_postgresql())
            *holder << "SELECT CASE WHEN pg_try_advisory_lock(hashtext('cascade_jobs')) THEN 1 ELSE 0 END", soci::into(got);
        else
            *holder << "SELECT GET_LOCK(CONCAT(DATABASE(), '.cascade_jobs'), 0)", soci::into(got);
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

namespace queued {
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Note { BOOST_HANA_DEFINE_STRUCT(Note, (std::int64_t, id), (std::int64_t, owner_id)); };
struct Tag { BOOST_HANA_DEFINE_STRUCT(Tag, (std::int64_t, id), (std::int64_t, owner_id)); };
struct schema : c::schema<c::model<Owner, "owners",
                                   c::has_many<Note, &Note::owner_id, c::dependent::destroy_async, c::queue<"deletions">, c::priority<3>>,
                                   c::has_many<Tag, &Tag::owner_id, c::dependent::destroy_async>>,
                          c::model<Note, "notes">, c::model<Tag, "tags">> {};
using notes_job = c::destroy_association_job<schema, Owner, "notes">;
using tags_job = c::destroy_association_job<schema, Owner, "tags">;
static_assert(notes_job::queue == "deletions" && notes_job::priority == 3);
static_assert(tags_job::queue == "default" && tags_job::priority == 0);
}  // namespace queued

BOOST_AUTO_TEST_CASE(named_queues_and_priorities_come_from_the_association_and_the_enqueue_options) {
    queue_db db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE tags (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("INSERT INTO owners VALUES (1)");
    db.exec("INSERT INTO notes VALUES (1, 1)");
    db.exec("INSERT INTO notes VALUES (2, 1)");
    db.exec("INSERT INTO tags VALUES (1, 1)");
    c::queue_executor executor(db.queue, *db);
    c::async_runtime<queued::schema, c::queue_executor, c::shared_session> jobs(executor, c::shared_session{*db});
    c::destroy<queued::schema, queued::Owner>(*db, 1, jobs);
    BOOST_TEST(db.jobs("name = 'owners.notes' AND queue = 'deletions' AND priority = 3") == 1);
    BOOST_TEST(db.jobs("name = 'owners.tags' AND queue = 'default' AND priority = 0") == 1);
    // A worker of the queue "deletions" runs the notes' job and leaves the tags' alone.
    auto o = db.worker_options();
    o.queues = {"deletions", "deletions"};  // said twice: served once
    c::worker<queued::schema> w(db.queue, o);
    BOOST_TEST(w.queues() == std::vector<std::string>{"deletions"});
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("name = 'owners.notes' AND state = 'done'") == 1; }, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few more polls
    w.stop();
    BOOST_TEST(db.count("notes") == 0);
    BOOST_TEST(db.count("tags") == 1);
    BOOST_TEST(db.jobs("name = 'owners.tags' AND state = 'ready' AND attempts = 0") == 1);
    // Custom jobs: enqueue_options; the callers of before are unchanged (queue default, priority 0).
    BOOST_TEST(db.queue.enqueue(*db, "test.sleep", "0", "plain", 3));
    BOOST_TEST(db.queue.enqueue(*db, "test.sleep", "0", "mail", 3, {.queue = "mail", .priority = -2}));  // as docs/queue.md writes it
    BOOST_TEST(db.jobs("dedup_key = 'plain' AND queue = 'default' AND priority = 0") == 1);
    BOOST_TEST(db.jobs("dedup_key = 'mail' AND queue = 'mail' AND priority = -2") == 1);
    // Refused before anything is written.
    BOOST_CHECK_THROW(db.queue.enqueue(*db, "test.sleep", "0", "x1", 3, in_queue("")), c::bad_queue_name);
    BOOST_CHECK_THROW(db.queue.enqueue(*db, "test.sleep", "0", "x2", 3, in_queue(std::string(129, 'q'))), c::bad_queue_name);
    BOOST_CHECK_THROW(db.queue.enqueue(*db, "test.sleep", "0", "x3", 3, in_queue(std::string("a\0b", 3))), c::bad_queue_name);
    c::enqueue_options both;
    both.run_at = 1;
    both.delay = std::chrono::seconds(1);
    BOOST_CHECK_THROW(db.queue.enqueue(*db, "test.sleep", "0", "x4", 3, both), c::bad_enqueue_options);
    BOOST_TEST(db.jobs("dedup_key LIKE 'x%'") == 0);
    BOOST_TEST(db.queue.enqueue(*db, "test.sleep", "0", "long", 3, in_queue(std::string(128, 'q'))));  // the longest
    auto bad = db.worker_options();
    bad.queues = {"ok", ""};
    BOOST_CHECK_THROW(c::worker<schema>(db.queue, bad), c::bad_queue_name);
}

BOOST_AUTO_TEST_CASE(worker_options_that_cannot_work_are_refused_before_anything_runs) {
    queue_db db;
    db.queue.enqueue(*db, "test.sleep", "0", "untouched", 3);
    auto refused = [&](auto change, std::string const& says) {
        auto o = db.worker_options();
        change(o);
        try {
            c::worker<schema> w(db.queue, o);
            BOOST_FAIL("accepted: " << says);
        } catch (c::bad_worker_options const& e) {
            BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
        }
    };
    // a lease shorter than the heartbeat (the default is 10 s) would lapse under every running job
    refused([](c::worker_options& o) { o.lease = std::chrono::seconds(5); }, "heartbeat (10000 ms) must be shorter than lease (5000 ms)");
    refused([](c::worker_options& o) { o.threads = 0; }, "threads is 0");
    refused([](c::worker_options& o) { o.claim_batch = -1; }, "claim_batch is -1");
    refused([](c::worker_options& o) { o.poll = std::chrono::milliseconds(0); }, "poll is 0 ms");
    refused([](c::worker_options& o) { o.lease = std::chrono::hours(48); }, "lease is 172800000 ms");
    refused([](c::worker_options& o) { o.batch_size = 100, o.max_batch_size = 10; }, "max_batch_size (10) is less than batch_size (100)");
    refused([](c::worker_options& o) { o.retention = std::chrono::milliseconds(-1); }, "retention is negative");
    BOOST_TEST(db.jobs("state = 'ready'") == 1);
}

BOOST_AUTO_TEST_CASE(a_more_urgent_job_enqueued_later_is_claimed_and_run_first) {
    queue_db db;
    auto enqueue_all = [&] {
        db.exec("DELETE FROM cascade_jobs");
        for (int i = 0; i < 5; ++i)
            db.queue.enqueue(*db, "test.record", "p5-" + std::to_string(i), "p5-" + std::to_string(i), 3, in_queue("default", 5));
        db.queue.enqueue(*db, "test.record", "p0", "p0", 3, in_queue("default", 0));
        db.queue.enqueue(*db, "test.record", "other-1", "other-1", 3, in_queue("other", -1));
    };
    enqueue_all();
    // One row at a time: the most urgent of every queue, then of the queue "default".
    auto const first = db.queue.claim(*db, "w", 1, std::chrono::seconds(30));
    BOOST_REQUIRE(first.size() == 1u);
    BOOST_TEST(first[0].payload == "other-1");
    BOOST_TEST(first[0].queue == "other");
    BOOST_TEST(first[0].priority == -1);
    auto const second = db.queue.claim(*db, "w", 1, std::chrono::seconds(30), {"default"});
    BOOST_REQUIRE(second.size() == 1u);
    BOOST_TEST(second[0].payload == "p0");
    // A worker runs them in that order, claiming one at a time or all at once.
    std::vector<std::string> const expected{"other-1", "p0", "p5-0", "p5-1", "p5-2", "p5-3", "p5-4"};
    for (int batch : {1, 10}) {
        enqueue_all();
        std::mutex m;
        std::vector<std::string> ran;
        auto o = db.worker_options();
        o.claim_batch = batch;
        c::worker<schema> w(db.queue, o);
        w.handle("test.record", [&](std::string_view p, soci::session&) {
            std::lock_guard lock(m);
            ran.emplace_back(p);
        });
        w.run_until([&] { return db.jobs("state = 'done'") == 7; });
        BOOST_TEST(ran == expected, "claim batch " << batch);
    }
}

BOOST_AUTO_TEST_CASE(a_worker_process_serves_only_its_queues) {
    queue_db db;
    for (char const* q : {"a", "b", "c"})
        for (int i = 0; i < 20; ++i) db.queue.enqueue(*db, "test.sleep", "0", q + std::to_string(i), 3, in_queue(q));
    std::vector<std::string> const common{"--backend", db.backend_name(), "--connection", db.connection(), "--poll-ms", "50",
                                          "--exit-when-idle", "--quiet"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = common;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    process a(with({"--queues", "a"}));  // exits once its queue is idle: b and c's jobs do not keep it
    BOOST_TEST(a.wait() == 0);
    BOOST_TEST(db.jobs("queue = 'a' AND state = 'done'") == 20);
    BOOST_TEST(db.jobs("queue <> 'a' AND state = 'ready' AND attempts = 0") == 40);  // never claimed
    process bc(with({"--queues", "b,c"}));
    BOOST_TEST(bc.wait() == 0);
    BOOST_TEST(db.jobs("state = 'done'") == 60);
}

BOOST_AUTO_TEST_CASE(a_scheduled_job_is_not_run_before_its_time_and_runs_after) {
    queue_db db;
    long long const now = db.queue.database_now(*db);
    c::enqueue_options later;
    later.delay = std::chrono::milliseconds(2500);
    c::enqueue_options at;
    at.run_at = now + 2500;
    db.queue.enqueue(*db, "test.sleep", "0", "delayed", 3, later);
    db.queue.enqueue(*db, "test.sleep", "0", "at", 3, at);
    db.queue.enqueue(*db, "test.sleep", "0", "due", 3);
    auto const status = run_command(tool_for(db) + "status");
    BOOST_TEST(status.exited(0), status.out);
    BOOST_TEST(status.out.find("ready 1\nscheduled 2\n") != std::string::npos, status.out);
    BOOST_TEST(status.out.find("queue \"default\": ready 1 scheduled 2 running 0 done 0 dead 0") != std::string::npos, status.out);
    BOOST_TEST(db.queue.status(*db).scheduled == 2);
    auto o = db.worker_options();
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("dedup_key = 'due' AND state = 'done'") == 1; }, std::chrono::seconds(5)));
    // Polled many times before their time: still waiting, never claimed.
    while (db.queue.database_now(*db) < now + 2000) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    BOOST_TEST(db.jobs("dedup_key IN ('delayed', 'at') AND state = 'ready' AND attempts = 0") == 2);
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 3; }, std::chrono::seconds(10)));
    w.stop();
    BOOST_TEST(db.jobs("dedup_key IN ('delayed', 'at') AND finished_at >= run_at AND run_at >= " + std::to_string(now + 2500)) == 2);
}

BOOST_AUTO_TEST_CASE(pause_stops_claims_of_that_queue_only_and_resume_restarts_them) {
    queue_db db;
    std::string const tool = tool_for(db);
    auto const first = run_command(tool + "pause mail");
    BOOST_TEST(first.exited(0), first.out);
    BOOST_TEST(first.out.find("paused \"mail\" (it has no job yet") != std::string::npos, first.out);
    BOOST_TEST(run_command(tool + "pause mail").out.find("already paused \"mail\"") != std::string::npos);
    // The mail jobs, most urgent last; plain jobs in the queue "default".
    for (int i = 0; i < 10; ++i)
        db.queue.enqueue(*db, "test.record", "mail" + std::to_string(i), "mail" + std::to_string(i), 3, in_queue("mail", 9 - i));
    for (int i = 0; i < 10; ++i) db.queue.enqueue(*db, "test.sleep", "0", "d" + std::to_string(i), 3);
    std::string const record = "/tmp/cascade-record-" + std::to_string(getpid()) + "-" + std::to_string(db.queue.database_now(*db));
    std::remove(record.c_str());
    std::vector<std::string> const common{"--backend", db.backend_name(), "--connection", db.connection(), "--poll-ms", "50",
                                          "--claim-batch", "1", "--quiet"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = common;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    process all(with({}), {"CASCADE_RECORD=" + record});                       // every queue
    auto only = std::make_unique<process>(with({"--queues", "mail"}), std::vector<std::string>{"CASCADE_RECORD=" + record});
    BOOST_REQUIRE(eventually([&] { return db.jobs("queue = 'default' AND state = 'done'") == 10; }, std::chrono::seconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a dozen polls of both workers
    BOOST_TEST(db.jobs("queue = 'mail' AND state = 'ready' AND attempts = 0") == 10);
    auto const status = run_command(tool + "status");
    BOOST_TEST(status.out.find("paused \"mail\"\n") != std::string::npos, status.out);
    BOOST_TEST(status.out.find("queue \"mail\" (paused): ready 10 scheduled 0 running 0 done 0 dead 0") != std::string::npos, status.out);
    int const stopped = only->terminate();  // one worker left: the order the jobs run in is the claims'
    BOOST_TEST((WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0));
    only.reset();
    auto const resumed = run_command(tool + "resume mail");
    BOOST_TEST(resumed.exited(0), resumed.out);
    BOOST_TEST(resumed.out.find("resumed \"mail\"") != std::string::npos);
    BOOST_TEST(eventually([&] { return db.jobs("queue = 'mail' AND state = 'done'") == 10; }, std::chrono::seconds(20)));
    // They kept their place: most urgent first.
    std::vector<std::string> ran;
    std::ifstream in(record);
    for (std::string line; std::getline(in, line);) ran.push_back(line);
    std::remove(record.c_str());
    std::vector<std::string> expected;
    for (int i = 9; i >= 0; --i) expected.push_back("mail" + std::to_string(i));
    BOOST_TEST(ran == expected);
    auto const again = run_command(tool + "resume mail");
    BOOST_TEST(again.exited(1));
    BOOST_TEST(again.out.find("queue \"mail\" is not paused (paused: none): nothing resumed") != std::string::npos, again.out);
    int const status_all = all.terminate();
    BOOST_TEST((WIFEXITED(status_all) && WEXITSTATUS(status_all) == 0));
}

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
    // The keys are dense enough to step the ends (every second key): 5,000 books span 10,000 keys from 2.
    std::vector<std::optional<long long>> const ends{10001, 20001, 30001, 40001, std::nullopt};
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
    if (test::is_server()) {
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
    // hands out 4 range jobs, (..10001], (10001..20001], (20001..30001], (30001..), and destroys nothing.
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

// A worker holds claimed jobs it has not started only while its jobs are short: after a long one it
// gives the rest back (claim_hold) and claims one at a time, so a worker that came later takes them
// instead of idling while the first runs them one after another.
BOOST_AUTO_TEST_CASE(a_worker_gives_back_claimed_jobs_it_cannot_start_soon) {
    using namespace fan_out_tests;
    queue_db db;
    db.authors_with_books(4, 400);
    {
        c::queue_executor executor(db.queue, *db);
        c::transaction tx(*db);
        for (int i = 1; i <= 4; ++i) executor.enqueue_in(*db, books_job{i, i, {}});
        db.exec("DELETE FROM authors");
        tx.commit();
    }
    std::string const log = "/tmp/cascade-claim-hold-" + std::to_string(getpid()) + "-";
    std::vector<std::string> const args{"--backend", db.backend_name(), "--connection", db.connection(), "--claim-batch", "10",
                                        "--claim-hold-ms", "20", "--poll-ms", "50", "--fan-out-rows", "0"};
    std::vector<std::string> const slow{"CASCADE_SLOW_BOOK_US=500"};  // 0.5 ms a book: each job takes 200 ms
    logged_worker a(args, log + "a", slow);
    BOOST_REQUIRE(eventually([&] { return db.jobs("state = 'running'") == 4; }, std::chrono::seconds(10)));  // a claimed all
    logged_worker b(args, log + "b", slow);
    BOOST_REQUIRE(eventually([&] { return db.jobs("state = 'done'") == 4; }, std::chrono::seconds(30)));
    BOOST_TEST(a.terminate() == 0);
    BOOST_TEST(b.terminate() == 0);
    BOOST_TEST(books_jobs_with_rows(log + "a") + books_jobs_with_rows(log + "b") == 4);
    // a gave back what it could not start, and b took some. (SQLite has one writer: b's claim waits on
    // a's transactions and rarely gets the lock between them, so there a may take them all back.)
    if (test::is_postgresql()) BOOST_TEST(books_jobs_with_rows(log + "b") >= 1);
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.jobs("attempts <> 1") == 0);  // a job given back is not counted as an attempt
    std::remove((log + "a").c_str());
    std::remove((log + "b").c_str());
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

// The example worker's log is what an operator tails (`queue_worker ... > worker.log`): each job's
// line names its owner, and is in the file when the job ends, not when the process exits (stdout to a
// file is fully buffered). It used to print `(owner )` for every job, and nothing until exit.
BOOST_AUTO_TEST_CASE(the_worker_log_names_each_jobs_owner_and_reaches_the_file_as_jobs_end) {
    using namespace fan_out_tests;
    queue_db db;
    db.author_destroyed_through_the_queue(3);  // authors.books, owner 1
    db.queue.enqueue(*db, "bench.noop", "{}", "noop", 1);  // a job of the application's own: no owner
    std::string const log = "/tmp/cascade-worker-log-" + std::to_string(getpid());
    logged_worker w({"--backend", db.backend_name(), "--connection", db.connection(), "--poll-ms", "50"}, log);
    BOOST_REQUIRE(eventually([&] { return db.jobs("state = 'done'") == 2; }, std::chrono::seconds(20)));
    auto const text = [&] {
        std::ifstream in(log);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    // while the worker still runs
    BOOST_TEST(eventually([&] { return text().find("Performed authors.books (owner 1) in ") != std::string::npos; }, std::chrono::seconds(2)),
               "the log: " << text());
    BOOST_TEST(text().find("Performed bench.noop in ") != std::string::npos, "the log: " << text());
    BOOST_TEST(text().find("(owner )") == std::string::npos, "the log: " << text());
    BOOST_TEST(w.terminate() == 0);
    std::remove(log.c_str());
}
