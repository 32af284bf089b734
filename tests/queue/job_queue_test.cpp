// The queue table (job_queue): rows written by hand or by a bug, claims that read indexes whatever the
// backlog, install and its upgrade, table names at their limit.
#include "queue_support.hpp"

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
    db.exec("UPDATE cascade_jobs SET state = 'running', locked_by = 'w1', locked_until = " + c::job_queue::now(db.backend_name()) +
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

BOOST_AUTO_TEST_CASE(claims_read_the_indexes_whatever_the_backlog) {
    if (!test::is_postgresql()) return;  // the plan is PostgreSQL's; the benchmark times both sizes
    queue_db db;
    db.exec("INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at)"
            " SELECT 'bench.noop', '{}', 'k' || i, 'ready', 0, 3, i, 0 FROM generate_series(1, 100000) i");
    db.exec("ANALYZE cascade_jobs");
    std::string plan;
    {
        // Analysed (and rolled back): the claim holds a branch for paused queues, gated off while none
        // is, whose plan has a sort of at most n rows per queue; what runs must sort nothing.
        c::transaction tx(*db);
        soci::rowset<std::string> rows = ((*db).prepare << "EXPLAIN ANALYZE " + db.queue.claim_text("postgresql", "'w'", 10, 1000));
        for (auto const& line : rows)
            if (line.find("cascade_jobs_paused") == std::string::npos) plan += line + "\n";  // the pause table is a few rows
        tx.rollback();
    }
    BOOST_TEST(plan.find("Seq Scan") == std::string::npos, plan);
    for (std::size_t at = plan.find("Sort  ("); at != std::string::npos; at = plan.find("Sort  (", at + 1))
        BOOST_TEST(plan.substr(at, plan.find('\n', at) - at).find("never executed") != std::string::npos, plan);
    BOOST_TEST(plan.find("cascade_jobs_due") != std::string::npos, plan);  // (priority, run_at, id) since named queues
}

// A worker prepares its claim once, often while the queue is empty, and PostgreSQL caches a generic
// plan for it. Then a burst arrives (a mass destroy_async): 100,000 rows, no ANALYZE yet. The claims
// must still walk the indexes: with the plan made for an empty table, the claim hashed a scan of the
// whole table, and every claim read all 100,000 rows (50-150 ms each, 4,500 jobs/s where 12,000 ran on
// a short queue) until autovacuum's next ANALYZE.
BOOST_AUTO_TEST_CASE(a_claim_planned_on_an_empty_queue_reads_by_index_when_a_burst_arrives) {
    if (!test::is_postgresql()) return;  // the plan cache is PostgreSQL's
    queue_db db;
    db.exec("ALTER TABLE cascade_jobs SET (autovacuum_enabled = off)");  // no ANALYZE behind the test's back
    db.exec("SET plan_cache_mode = force_generic_plan");  // what a long-lived worker's claim ends up with
    struct reset {
        queue_db& db;
        ~reset() { db.exec("RESET plan_cache_mode"); }
    } const later{db};
    c::job_queue::prepared_claim claim(db.queue, *db, "w", 10, std::chrono::seconds(30));
    for (int i = 0; i < 6; ++i) BOOST_TEST(claim().empty());  // planned and cached while empty
    db.exec("INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at)"
            " SELECT 'bench.noop', '{}', 'k' || i, 'ready', 0, 3, i, 0 FROM generate_series(1, 100000) i");
    // rows the server read from the table, by whole scans and through indexes (its statistics,
    // flushed now: PostgreSQL 15)
    auto const rows_read = [&] {
        db.exec("SELECT pg_stat_force_next_flush()");
        long long whole = 0, by_index = 0;
        *db << "SELECT COALESCE(seq_tup_read, 0), COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables"
               " WHERE relid = 'cascade_jobs'::regclass",
            soci::into(whole), soci::into(by_index);
        return std::pair{whole, by_index};
    };
    auto const before = rows_read();
    for (int i = 0; i < 3; ++i) BOOST_TEST(claim().size() == 10u);
    auto const after = rows_read();
    BOOST_TEST(after.first - before.first < 1000, after.first - before.first << " rows read by whole scans in 3 claims");
    BOOST_TEST(after.second - before.second < 1000, after.second - before.second << " rows read through indexes in 3 claims");
    BOOST_TEST(db.jobs("state = 'running'") == 30);
}

BOOST_AUTO_TEST_CASE(install_upgrades_a_table_of_the_previous_version_in_place) {
    if (test::is_mysql()) return;  // no earlier version ran on MariaDB
    queue_db db;
    bool const pg = test::is_postgresql();
    db.exec("DROP TABLE cascade_jobs");
    db.exec("DROP TABLE cascade_jobs_paused");
    // The previous version's install, as it was.
    db.exec("CREATE TABLE cascade_jobs (id " + std::string(pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT") +
            ", name TEXT NOT NULL, payload TEXT NOT NULL, dedup_key TEXT NOT NULL,"
            " state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done', 'dead')),"
            " attempts INTEGER NOT NULL DEFAULT 0,"
            " max_attempts INTEGER NOT NULL, run_at BIGINT NOT NULL, locked_by TEXT, locked_until BIGINT,"
            " last_error TEXT, errors TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, finished_at BIGINT)");
    db.exec("CREATE UNIQUE INDEX cascade_jobs_live_dedup ON cascade_jobs (dedup_key) WHERE state IN ('ready', 'running')");
    db.exec("CREATE INDEX cascade_jobs_ready ON cascade_jobs (run_at, id) WHERE state = 'ready'");
    db.exec("CREATE INDEX cascade_jobs_lease ON cascade_jobs (locked_until) WHERE state = 'running'");
    db.exec("CREATE INDEX cascade_jobs_finished ON cascade_jobs (finished_at) WHERE state = 'done'");
    std::string const old_insert = "INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, finished_at) VALUES ";
    for (int i = 0; i < 3; ++i) db.exec(old_insert + "('test.sleep', '0', 'old" + std::to_string(i) + "', 'ready', 0, 3, 0, 0, NULL)");
    db.exec(old_insert + "('test.sleep', '0', 'old-dead', 'dead', 3, 3, 0, 0, 5)");
    db.exec(old_insert + "('test.sleep', '0', 'old-done', 'done', 1, 3, 0, 0, 5)");
    // A worker of this version refuses it, saying what to do; so does the tool's status.
    {
        c::worker<schema> w(db.queue, db.worker_options());
        try {
            w.start();
            BOOST_FAIL("the worker started on a table of the previous version");
        } catch (c::queue_not_installed const& e) {
            BOOST_TEST(std::string(e.what()).find("run `cascade-queue install`") != std::string::npos, e.what());
        }
    }
    auto const refused = run_command(tool_for(db) + "status");
    BOOST_TEST(refused.exited(1));
    BOOST_TEST(refused.out.find("cascade-queue install") != std::string::npos, refused.out);
    // install upgrades it in place, twice as well as once, and says only that it did (no notice
    // from PostgreSQL about each thing it found in place).
    for (int round = 0; round < 2; ++round) {
        auto const r = run_command(tool_for(db) + "install");
        BOOST_TEST(r.exited(0), r.out);
        BOOST_TEST(r.out == "installed cascade_jobs\n", r.out);
    }
    BOOST_TEST(db.jobs() == 5);
    BOOST_TEST(db.jobs("queue = 'default' AND priority = 0") == 5);
    BOOST_TEST(db.jobs("state = 'dead' AND dedup_key = 'old-dead'") == 1);
    BOOST_TEST(db.count("cascade_jobs_paused") == 0);
    db.exec(old_insert + "('test.sleep', '0', 'old-style', 'ready', 0, 3, 0, 0, NULL)");  // an old worker's insert still works
    BOOST_TEST(db.jobs("dedup_key = 'old-style' AND queue = 'default' AND priority = 0") == 1);
    std::vector<std::string> indexes;
    soci::rowset<std::string> names = ((*db).prepare << (pg ? "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND "
                                                               "tablename = 'cascade_jobs' AND indexname <> 'cascade_jobs_pkey' ORDER BY 1"
                                                             : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                                                               "'cascade_jobs' AND sql IS NOT NULL ORDER BY 1"));
    for (auto const& n : names) indexes.push_back(n);
    BOOST_TEST(indexes == (std::vector<std::string>{"cascade_jobs_due", "cascade_jobs_finished", "cascade_jobs_lease",
                                                    "cascade_jobs_live_dedup", "cascade_jobs_queue_claim"}));
    // The upgraded table has the shape of a new one.
    auto shape = [&](std::string const& table) {
        std::string out;
        soci::rowset<soci::row> cols = ((*db).prepare << (pg ? "SELECT column_name, data_type, is_nullable, CASE WHEN column_name = 'id' THEN '' "
                                                                "ELSE COALESCE(column_default, '') END FROM information_schema.columns WHERE "
                                                                "table_schema = current_schema() AND table_name = '" + table + "' ORDER BY ordinal_position"
                                                              : "SELECT name, type, \"notnull\", COALESCE(dflt_value, '') FROM pragma_table_info('" +
                                                                    table + "') ORDER BY cid"));
        for (auto const& r : cols)
            for (std::size_t i = 0; i < 4; ++i)
                out += (r.get_properties(i).get_data_type() == soci::dt_string ? r.get<std::string>(i)
                                                                                 : std::to_string(c::detail::row_integer(r, i))) + (i == 3 ? "\n" : "|");
        return out;
    };
    c::job_queue{"fresh_jobs"}.install(*db);
    BOOST_TEST(shape("cascade_jobs") == shape("fresh_jobs"));
    // A worker of this version runs the old rows.
    auto o = db.worker_options();
    o.retention = std::chrono::milliseconds(0);  // keep the old done row (finished in 1970) to count it
    c::worker<schema> w(db.queue, o);
    w.handle("test.sleep", [](std::string_view, soci::session&) {});
    w.start();
    BOOST_TEST(eventually([&] { return db.jobs("state = 'done'") == 5; }, std::chrono::seconds(10)));
    w.stop();
}

BOOST_AUTO_TEST_CASE(a_sixty_character_table_name_gets_every_index_and_works) {
    queue_db db;
    // The longest name a job_queue takes; PostgreSQL cuts names at 63 bytes. MariaDB takes at most 64:
    // the table of paused queues (`_paused`) must fit, so 57 there, and a longer one is refused by name.
    std::string name = "q" + std::string(59, 'x');
    if (test::is_mysql()) {
        BOOST_CHECK_EXCEPTION(c::job_queue{name}.install(*db), c::invalid_queue_name, [](c::invalid_queue_name const& e) {
            return std::string(e.what()).find("longer than the 64 bytes") != std::string::npos;
        });
        name.resize(57);
    }
    c::job_queue q(name);
    q.install(*db);
    if (test::is_postgresql()) db.exec("SET client_min_messages TO notice");
    q.install(*db);
    if (test::is_postgresql()) {  // the install's quiet setting is put back
        std::string level;
        *db << "SELECT current_setting('client_min_messages')", soci::into(level);
        BOOST_TEST(level == "notice");
    }
    if (test::is_postgresql())
        BOOST_TEST(db.count("pg_indexes", "schemaname = current_schema() AND tablename = '" + name + "'") == 6);  // pkey + 5
    q.enqueue(*db, "test.sleep", "0", "a", 3, in_queue("a"));
    q.enqueue(*db, "test.sleep", "0", "b", 3, in_queue("b"));
    BOOST_TEST(q.pause(*db, "a"));
    BOOST_TEST(q.claim(*db, "w", 10, std::chrono::seconds(30)).size() == 1u);            // every queue, one paused
    BOOST_TEST(q.claim(*db, "w", 10, std::chrono::seconds(30), {"a", "b"}).size() == 0u);  // a paused, b taken
    BOOST_TEST(q.resume(*db, "a"));
    BOOST_TEST(q.claim(*db, "w", 10, std::chrono::seconds(30), {"a"}).size() == 1u);
    BOOST_TEST(q.status(*db).counts["running"] == 2);
    BOOST_TEST(c::prometheus_metrics(q, *db).find("cascade_jobs{queue=\"a\",state=\"running\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(claims_stay_index_ordered_with_queues_priorities_and_pauses) {
    if (!test::is_postgresql()) return;  // the plan is PostgreSQL's
    queue_db db;
    // 100,000 ready rows: 3 queues x 3 priorities, run times interleaved.
    db.exec("INSERT INTO cascade_jobs (name, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, queue, priority)"
            " SELECT 'bench.noop', '{}', 'k' || i, 'ready', 0, 3, i, 0, (ARRAY['a', 'b', 'c'])[1 + i % 3], (i / 3) % 3"
            " FROM generate_series(1, 100000) i");
    db.exec("ANALYZE cascade_jobs");
    // The plan without the tiny pause table's lines; with `analyze`, run (and rolled back).
    auto plan_of = [&](std::vector<std::string> const& queues, bool analyze) {
        std::string plan;
        c::transaction tx(*db);
        soci::rowset<std::string> rows = ((*db).prepare << (analyze ? "EXPLAIN (ANALYZE, COSTS OFF) " : "EXPLAIN ") +
                                                               db.queue.claim_text("postgresql", "'w'", 10, 1000, queues));
        for (auto const& line : rows)
            if (line.find("cascade_jobs_paused") == std::string::npos) plan += line + "\n";
        tx.rollback();
        return plan;
    };
    // Whether an analysed plan ran a sort (the pause branch's, gated off, shows "never executed").
    auto ran_a_sort = [](std::string const& plan) {
        for (std::size_t at = plan.find("Sort ("); at != std::string::npos; at = plan.find("Sort (", at + 1))
            if (plan.substr(at, plan.find('\n', at) - at).find("never executed") == std::string::npos) return true;
        return false;
    };
    // The most rows any node of an analysed plan returned or filtered out.
    auto most_rows = [](std::string const& plan) {
        long long most = 0;
        for (char const* key : {"rows=", "Rows Removed by Filter: "})
            for (auto at = plan.find(key); at != std::string::npos; at = plan.find(key, at + 1))
                most = std::max(most, std::stoll(plan.substr(at + std::strlen(key))));
        return most;
    };
    // Every queue, none paused: one walk of (priority, run_at, id); one queue: of (queue, priority,
    // run_at, id). No scan of the table, no sort run (one queue: none in the plan at all), 10 rows read.
    for (auto const& [queues, index] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{}, "cascade_jobs_due"}, {{"b"}, "cascade_jobs_queue_claim"}}) {
        std::string const plan = plan_of(queues, false), analysed = plan_of(queues, true);
        BOOST_TEST(plan.find("Seq Scan") == std::string::npos, plan);
        BOOST_TEST(plan.find(index) != std::string::npos, plan);
        if (!queues.empty()) BOOST_TEST(plan.find("Sort") == std::string::npos, plan);
        BOOST_TEST(!ran_a_sort(analysed), analysed);
        BOOST_TEST(most_rows(analysed) <= 10, analysed);
    }
    // Several queues: each walked for 10 rows at most, the first 10 of those taken (a sort of 20 rows,
    // never of the backlog). Queue a paused (its 33,333 rows the first of every walk): jumped over.
    for (bool paused : {false, true}) {
        if (paused) db.queue.pause(*db, "a");
        for (auto const& queues : std::vector<std::vector<std::string>>{{"a", "b"}, {"b", "c"}, {}}) {
            std::string const plan = plan_of(queues, true);
            BOOST_TEST(plan.find("Seq Scan") == std::string::npos, plan);
            BOOST_TEST(most_rows(plan) <= 30, plan);
        }
    }
    // And the rows are the right ones: the most urgent due rows of the unpaused queues.
    auto const got = db.queue.claim(*db, "w", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(got.size() == 10u);
    for (auto const& j : got) BOOST_TEST((j.queue != "a" && j.priority == 0));
    BOOST_TEST(std::is_sorted(got.begin(), got.end(), [](auto const& x, auto const& y) { return x.run_at < y.run_at; }));
    BOOST_TEST(got.front().run_at == 1);  // i = 1: queue b, priority 0, the earliest
}

// Review (i18): a queue name is its bytes (docs/queue.md: "compare byte for byte, as on the other
// databases"). MariaDB's utf8mb4_bin pads with spaces, so "mail " and "mail" were one name to the
// database but two to the claim's C++ side: pausing "mail" let a worker that serves every queue take
// the paused queue's jobs through the loose scan's "mail " entry.
BOOST_AUTO_TEST_CASE(a_queue_name_with_a_trailing_space_is_a_queue_of_its_own) {
    queue_db db;
    db.queue.enqueue(*db, "test.sleep", "0", "spaced", 3, in_queue("mail "));  // first in the index
    db.queue.enqueue(*db, "test.sleep", "0", "plain", 3, in_queue("mail"));
    BOOST_TEST(db.queue.pause(*db, "mail"));
    auto const got = db.queue.claim(*db, "w", 10, std::chrono::seconds(30));
    BOOST_TEST(got.size() == 1u);
    for (auto const& j : got) BOOST_TEST(j.queue == "mail ");  // never the paused queue's job
    BOOST_TEST(db.jobs("dedup_key = 'plain' AND state = 'ready'") == 1);
    BOOST_TEST(db.queue.pause(*db, "mail "));  // not paused yet: a queue of its own
    BOOST_TEST(db.queue.paused(*db).size() == 2u);
    // A worker that serves "x" only takes no job of "x " (the same bytes plus a space).
    db.queue.enqueue(*db, "test.sleep", "0", "x-spaced", 3, in_queue("x "));
    BOOST_TEST(db.queue.claim(*db, "w", 10, std::chrono::seconds(30), {"x"}).size() == 0u);
    BOOST_TEST(db.queue.status(*db).queues.count("x ") == 1u);
}

// Review (i18): a queue name that is not UTF-8 (docs: 1 to 128 bytes without a NUL byte) must never
// name another queue. MariaDB's hexadecimal literal is CONVERTed to utf8mb4, which turns each bad byte
// into '?' (a warning only): a worker serving "caf\xe9" claimed the jobs of the queue "caf?".
BOOST_AUTO_TEST_CASE(a_queue_name_that_is_not_utf8_names_no_other_queue) {
    queue_db db;
    db.queue.enqueue(*db, "test.sleep", "0", "other", 3, in_queue("caf?"));
    std::vector<c::claimed_job> got;
    try {
        got = db.queue.claim(*db, "w", 10, std::chrono::seconds(30), {"caf\xe9"});
    } catch (std::exception const&) {
        // refused (PostgreSQL cannot read such text): fine, as long as nothing was claimed
    }
    BOOST_TEST(got.empty());
    BOOST_TEST(db.jobs("dedup_key = 'other' AND state = 'ready'") == 1);
}
