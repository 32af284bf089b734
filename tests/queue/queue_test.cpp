// The durable queue on real PostgreSQL, MariaDB and a SQLite file, with real worker processes
// (examples/queue_worker): transactional enqueue, a crash after commit, four workers sharing
// 10,000 jobs, a worker killed with SIGKILL mid-job, poison jobs, racing destroys, graceful
// shutdown, LISTEN/NOTIFY wake-up, and the queue tool.
#define BOOST_TEST_MODULE cascade queue tests
#include "../support/database.hpp"
#include "../support/eventually.hpp"

#include "../../examples/queue_schema.hpp"

#include <cascade/detail/sha256.hpp>

#include "../../scripts/child_process.hpp"

namespace c = cascade;
using namespace library;

namespace {

using runtime = c::async_runtime<schema, c::queue_executor, c::shared_session>;

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
    std::string backend_name() const { return test::is_postgresql() ? "postgresql" : test::is_mysql() ? "mysql" : "sqlite3"; }
    /// (On MariaDB the workers run with the server's sql_mode, not the tests' ANSI_QUOTES.)
    std::string connection() const {
        if (test::is_postgresql()) return test::postgresql_connection() + " options='-csearch_path=" + pg_schema + "'";
        if (test::is_mysql()) {
            std::string conn = cascade_support::mysql_connection();
            auto const at = conn.find("db=");
            auto const end = conn.find(' ', at);
            return conn.replace(at, end == std::string::npos ? std::string::npos : end - at, "db=" + my_database);
        }
        return "db=" + file + " timeout=30";
    }
    /// Every row's `columns` joined by '|', the rows by ',' (in id order where the table has ids).
    std::string rows_text(std::string const& columns, std::string const& table) {
        std::string joined;
        std::size_t from = 0;
        for (std::size_t comma; (comma = columns.find(',', from)) != std::string::npos; from = comma + 1)
            joined += (joined.empty() ? "" : ", '|', ") + columns.substr(from, comma - from);
        joined += (joined.empty() ? "" : ", '|', ") + columns.substr(from);
        if (test::is_mysql()) return text("SELECT GROUP_CONCAT(CONCAT(" + joined + ") SEPARATOR ',') FROM " + table);
        std::string piped;
        for (char ch : joined) piped += ch == ',' ? std::string(" ||") : std::string(1, ch);
        return text("SELECT " + std::string(test::is_postgresql() ? "string_agg" : "group_concat") + "(" + piped + ", ',') FROM " + table);
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
        std::string const series = test::series(authors);
        exec("INSERT INTO authors SELECT i, 'a' FROM " + series);
        for (int b = 0; b < books_each; ++b)
            exec("INSERT INTO books SELECT i * 1000 + " + std::to_string(b) + ", i, 'b' FROM " + series);
    }
    long long jobs(std::string const& where = "1 = 1") { return count("cascade_jobs", where); }
    /// Author 1 with `books` books, destroyed through the queue: its one job is in the table.
    void author_destroyed_through_the_queue(int books) {
        authors_with_books(1, books);
        c::queue_executor executor(queue, **this);
        runtime jobs(executor, c::shared_session{**this});
        c::destroy<schema, Author>(**this, 1, jobs);
        BOOST_REQUIRE(this->jobs() == 1);
    }
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

using test::eventually;

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
            c::detail::open_session(s, backend, conn);
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

namespace handles {
// Members keyed by a handle a person chose (any text), their notes keyed by a slug (any text), and
// their comments by an integer: the shapes whose job keys a chosen text could make collide.
struct Member { CASCADE_DEFINE_STRUCT(Member, (std::string, handle)); };
struct Note { CASCADE_DEFINE_STRUCT(Note, (std::string, slug), (std::string, member_handle)); };
struct Comment { CASCADE_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::string, member_handle)); };
struct schema : c::schema<c::model<Member, "members", c::primary_key<&Member::handle>,
                                   c::has_many<Note, &Note::member_handle, c::dependent::destroy_async, c::snapshot_ids<2>>,
                                   c::has_many<Comment, &Comment::member_handle, c::dependent::destroy_async>>,
                          c::model<Note, "notes", c::primary_key<&Note::slug>>, c::model<Comment, "comments">> {};
using notes_job = c::destroy_association_job<schema, Member, "notes">;
using comments_job = c::destroy_association_job<schema, Member, "comments">;

/// The queue's table and the members' tables, and a destroy's runtime writing jobs to the queue.
struct db : queue_db {
    c::queue_executor executor{queue, **this};
    c::async_runtime<schema, c::queue_executor, c::shared_session> runtime{executor, c::shared_session{**this}};
    db() {
        // MariaDB: keys up to 700 characters (InnoDB indexes at most 3,072 bytes, 4 per character)
        std::string const key = test::is_mysql() ? "VARCHAR(700)" : "TEXT";
        exec("CREATE TABLE members (handle " + key + " PRIMARY KEY)");
        exec("CREATE TABLE notes (slug " + key + " PRIMARY KEY, member_handle " + key + " NOT NULL)");
        exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, member_handle TEXT NOT NULL)");
    }
};
}  // namespace handles

BOOST_AUTO_TEST_CASE(no_owner_key_can_spell_another_jobs_dedup_key) {
    handles::db db;
    // "a" with notes "b|c..d", "z" and "a|b" with notes "c", "d..z": unescaped, both jobs were
    // "members.notes|a|b|c..d..z#2", and the second destroy's job was dropped as the first's twin.
    db.exec("INSERT INTO members VALUES ('a'), ('a|b')");
    db.exec("INSERT INTO notes VALUES ('b|c..d', 'a'), ('z', 'a'), ('c', 'a|b'), ('d..z', 'a|b')");
    db.exec("INSERT INTO comments VALUES (1, 'a'), (2, 'a|b')");
    BOOST_REQUIRE((c::destroy<handles::schema, handles::Member>(*db, std::string("a"), db.runtime)));
    BOOST_REQUIRE((c::destroy<handles::schema, handles::Member>(*db, std::string("a|b"), db.runtime)));
    BOOST_TEST(db.count("members") == 0);
    BOOST_TEST(db.jobs("name = 'members.notes' AND state = 'ready'") == 2);  // each destroy's notes have their job
    BOOST_TEST(db.jobs("name = 'members.comments' AND state = 'ready'") == 2);
    // The same for a range job of an owner against an owner whose key spells the range.
    handles::comments_job plain{"o|(1..5]", "o|(1..5]", {}, std::nullopt, std::nullopt};
    handles::comments_job ranged{"o", "o", {}, 1, 5};
    BOOST_TEST(c::queue_executor::dedup_key(plain) != c::queue_executor::dedup_key(ranged));
    // Snapshot batches of one owner with the same first and last ids and count, other ids between.
    BOOST_TEST(c::queue_executor::dedup_key(handles::notes_job{"o", "o", {"a", "b", "z"}, std::nullopt, std::nullopt}) !=
               c::queue_executor::dedup_key(handles::notes_job{"o", "o", {"a", "c", "z"}, std::nullopt, std::nullopt}));
    // The same work is the same key: name, the owner's key for a reader, the payload's digest.
    BOOST_TEST(c::queue_executor::dedup_key(ranged) == c::queue_executor::dedup_key(handles::comments_job{"o", "o", {}, 1, 5}));
    BOOST_TEST(c::queue_executor::dedup_key(ranged) == "members.comments|o|" + c::detail::sha256_hex(ranged.to_json()));
    // Long keys, each short enough for its own table's index, made a key PostgreSQL's index refuses
    // (over about 2,700 bytes), and the destroy failed: now the destroy writes its job; the key shows
    // the owner's first 64 bytes, never half a character.
    auto const text_of = [](std::string out, unsigned r) {  // text that does not compress
        while (out.size() < (test::is_mysql() ? 690u : 2000u)) {
            r = r * 1103515245u + 12345u;
            out += "abcdefghijklmnopqrstuvwxyz0123456789"[(r >> 16) % 36];
        }
        return out;
    };
    std::string const long_handle = text_of(std::string(63, 'x') + "\xc3\xa9", 1);  // é straddles byte 64
    std::string const long_slug = text_of("long-", 2);
    db.exec("INSERT INTO members VALUES ('" + long_handle + "')");
    db.exec("INSERT INTO notes VALUES ('" + long_slug + "', '" + long_handle + "')");
    BOOST_REQUIRE((c::destroy<handles::schema, handles::Member>(*db, long_handle, db.runtime)));
    BOOST_TEST(db.jobs("name = 'members.notes' AND state = 'ready'") == 3);
    BOOST_TEST(db.text("SELECT dedup_key FROM cascade_jobs WHERE payload LIKE '%long-%'") ==
               "members.notes|" + std::string(63, 'x') + "|" +
                   c::detail::sha256_hex(handles::notes_job{long_handle, long_handle, {long_slug}, std::nullopt, std::nullopt}.to_json()));
}

BOOST_AUTO_TEST_CASE(a_job_enqueued_while_its_twin_runs_is_a_row_of_its_own) {
    handles::db db;
    // bob is destroyed; a worker takes his jobs and is past its last look at his rows
    db.exec("INSERT INTO members VALUES ('bob')");
    db.exec("INSERT INTO notes VALUES ('hello', 'bob')");
    db.exec("INSERT INTO comments VALUES (1, 'bob')");
    BOOST_REQUIRE((c::destroy<handles::schema, handles::Member>(*db, std::string("bob"), db.runtime)));
    auto claimed = db.queue.claim(*db, "w1", 10, std::chrono::seconds(30), {"default"});
    BOOST_REQUIRE(claimed.size() == 2u);  // his notes job and his comments job
    // meanwhile a new bob signs up, writes and is destroyed: the same jobs, for new rows
    db.exec("DELETE FROM notes");  // (what the running jobs did)
    db.exec("DELETE FROM comments");
    db.exec("INSERT INTO members VALUES ('bob')");
    db.exec("INSERT INTO notes VALUES ('hello', 'bob')");  // a slug used again, too
    db.exec("INSERT INTO comments VALUES (2, 'bob')");
    BOOST_REQUIRE((c::destroy<handles::schema, handles::Member>(*db, std::string("bob"), db.runtime)));
    // not dropped as duplicates of the running ones: rows of their own, under the keys' next generation
    BOOST_TEST(db.jobs("state = 'ready' AND dedup_key LIKE 'members.%|2'") == 2);
    BOOST_TEST(db.queue.complete(*db, "w1", claimed) == 2);
    claimed = db.queue.claim(*db, "w2", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(db.queue.complete(*db, "w2", claimed) == 2);
    BOOST_TEST(db.jobs("state = 'done'") == 4);
    // A ready twin does the work itself; a running one gets a ready one beside it, which then stands
    // for the next enqueue.
    BOOST_TEST(db.queue.enqueue(*db, "test.sleep", "0", "same", 3));
    BOOST_TEST(!db.queue.enqueue(*db, "test.sleep", "0", "same", 3));
    claimed = db.queue.claim(*db, "w3", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(db.queue.enqueue(*db, "test.sleep", "0", "same", 3));
    BOOST_TEST(!db.queue.enqueue(*db, "test.sleep", "0", "same", 3));
    BOOST_TEST(db.jobs("dedup_key LIKE 'same%'") == 2);
    BOOST_TEST(db.jobs("dedup_key = 'same|2' AND state = 'ready'") == 1);
    // SQLite: one writer; an open transaction holds every write back anyway. MariaDB: the refused
    // duplicate share-locks the twin's entry of the unique index until the caller commits (InnoDB's
    // duplicate check), so the twin's completion waits for that commit (docs/queue.md).
    if (!test::is_postgresql()) return;
    // The enqueue takes no lock on the running twin: with a destroy's transaction still open after it,
    // the worker renews its lease and completes the twin at once.
    auto const caller = db.connect();
    *caller << "BEGIN";
    BOOST_TEST(db.queue.enqueue(*caller, "test.sleep", "0", "same", 3) == false);  // 'same|2' is ready
    db.exec("SET lock_timeout = '3s'");
    db.queue.heartbeat(*db, "w3", claimed, std::chrono::seconds(30));
    BOOST_TEST(db.queue.complete(*db, "w3", claimed) == 1);
    *caller << "ROLLBACK";
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
    o.max_batch_size = 10;
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

BOOST_AUTO_TEST_CASE(bad_input_to_the_tool_and_the_worker_changes_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);
    db.exec("UPDATE cascade_jobs SET state = 'dead'");
    db.queue.enqueue(*db, "nobody.knows", "{}", "twin", 1);  // its live twin
    db.queue.enqueue(*db, "nobody.knows", "{}", "other", 1);
    db.exec("UPDATE cascade_jobs SET state = 'done', finished_at = 0 WHERE dedup_key = 'other'");
    std::string const tool = std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" +
                             db.connection() + "\" ";
    auto const before = db.rows_text("id, state, attempts", "cascade_jobs");
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
    BOOST_TEST(typo.out.find("'postgres' is not one of mysql, postgresql, sqlite3") != std::string::npos);
    BOOST_TEST(access("/tmp/cq-typo.db", F_OK) != 0);  // no file made
    BOOST_TEST(run_command(tool + "--table 'x; DROP TABLE authors' status").exited(2));
    BOOST_TEST(db.rows_text("id, state, attempts", "cascade_jobs") == before);
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
    if (!test::is_server()) db.exec("PRAGMA foreign_keys = ON");
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
        if (test::is_server()) {  // SQLite's refusal names neither
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

// =================================================================================================
// ---- issue 10: named queues, priorities, scheduled jobs, pause and resume, metrics, upgrades ----
// =================================================================================================

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <mutex>
#include <optional>

namespace {

/// The queue tool's command line for `db` (arguments follow).
std::string tool_for(queue_db& db) {
    return std::string(CASCADE_QUEUE_TOOL) + " --backend " + db.backend_name() + " --connection \"" + db.connection() + "\" ";
}

c::enqueue_options in_queue(std::string queue, int priority = 0) {
    c::enqueue_options o;
    o.queue = std::move(queue);
    o.priority = priority;
    return o;
}

/// A TCP port of 127.0.0.1 that was free a moment ago.
int free_port() {
    int const fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

/// Sends `request` to 127.0.0.1:port and returns all the server answered until it closed ("" if
/// nothing could connect). `half_close`: end our side after sending (a client that stops short).
std::string http_exchange(int port, std::string const& request, bool half_close = false) {
    int const fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return "";
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t const n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    if (half_close) shutdown(fd, SHUT_WR);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return out;
}
std::string body_of(std::string const& response) {
    auto const at = response.find("\r\n\r\n");
    return at == std::string::npos ? "" : response.substr(at + 4);
}

/// One sample of Prometheus text: name{labels} value.
struct metric_sample {
    std::string name;
    std::map<std::string, std::string> labels;  ///< unescaped
    double value = 0;
};
/// Parses the text format strictly: every line is a `# HELP`/`# TYPE` comment or `name{k="v",...} value`
/// with values escaped as the format says; the first line that is neither is returned in `bad`.
std::vector<metric_sample> parse_metrics(std::string const& text, std::string& bad) {
    std::vector<metric_sample> out;
    std::size_t start = 0;
    auto name_char = [](char c, bool first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    };
    while (start < text.size()) {
        std::size_t const eol = text.find('\n', start);
        std::string const line = text.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
        start = eol == std::string::npos ? text.size() : eol + 1;
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
        metric_sample s;
        std::size_t i = 0;
        while (i < line.size() && name_char(line[i], i == 0)) s.name += line[i++];
        bool ok = !s.name.empty() && i < line.size() && line[i] == '{';
        ++i;
        while (ok && i < line.size() && line[i] != '}') {
            std::string key, value;
            while (i < line.size() && name_char(line[i], key.empty())) key += line[i++];
            ok = !key.empty() && i + 1 < line.size() && line[i] == '=' && line[i + 1] == '"';
            i += 2;
            while (ok && i < line.size() && line[i] != '"') {
                if (line[i] == '\\') {
                    ok = i + 1 < line.size() && (line[i + 1] == '\\' || line[i + 1] == '"' || line[i + 1] == 'n');
                    if (ok) value += line[i + 1] == 'n' ? '\n' : line[i + 1];
                    i += 2;
                } else {
                    value += line[i++];
                }
            }
            ok = ok && i < line.size() && !s.labels.count(key);
            ++i;  // the closing quote
            s.labels[key] = value;
            if (ok && i < line.size() && line[i] == ',') ++i;
        }
        ok = ok && i < line.size() && line[i] == '}' && i + 2 < line.size() && line[i + 1] == ' ';
        if (ok) {
            std::string const v = line.substr(i + 2);
            std::size_t used = 0;
            try {
                s.value = std::stod(v, &used);
            } catch (...) {
                used = 0;
            }
            ok = used == v.size() && !v.empty();
        }
        if (!ok) {
            bad = line;
            return out;
        }
        out.push_back(std::move(s));
    }
    return out;
}
/// The value of the sample `name` whose labels include `labels`, or -1 when there is none.
double sample_value(std::vector<metric_sample> const& samples, std::string const& name, std::map<std::string, std::string> const& labels) {
    for (auto const& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (auto const& [k, v] : labels) {
            auto const it = s.labels.find(k);
            match = match && it != s.labels.end() && it->second == v;
        }
        if (match) return s.value;
    }
    return -1;
}

}  // namespace

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

BOOST_AUTO_TEST_CASE(the_metrics_text_parses_counts_the_table_and_escapes_queue_names) {
    queue_db db;
    std::string const odd = "we\"ird\\q";   // a quote and a backslash
    std::string const lines = "two\nlines";  // a line feed
    auto add = [&](std::string const& key, std::string const& queue, std::string const& then = "") {
        db.queue.enqueue(*db, "test.sleep", "0", key, 3, in_queue(queue));
        if (!then.empty()) db.exec("UPDATE cascade_jobs SET " + then + " WHERE dedup_key = '" + key + "'");
    };
    long long const now = db.queue.database_now(*db);
    for (int i = 0; i < 3; ++i) add("due" + std::to_string(i), "default", i == 0 ? "attempts = 1" : "");
    add("sched0", "default", "run_at = " + std::to_string(now + 3600000));
    add("sched1", "default", "run_at = " + std::to_string(now + 3600000));
    add("running", "default", "state = 'running', attempts = 2, locked_by = 'gone', locked_until = " + std::to_string(now + 3600000));
    add("done0", "default", "state = 'done', attempts = 1, finished_at = " + std::to_string(now - 1000));
    add("done1", "default", "state = 'done', attempts = 1, finished_at = " + std::to_string(now - 2000));
    add("done-old", "default", "state = 'done', attempts = 1, finished_at = 0");
    add("dead", "default", "state = 'dead', attempts = 3, finished_at = " + std::to_string(now - 500));
    add("odd-due", odd, "run_at = " + std::to_string(now - 5000));
    add("odd-dead", odd, "state = 'dead', attempts = 3, finished_at = 0");
    add("lines", lines);
    db.queue.pause(*db, "idle");
    db.queue.pause(*db, odd);
    std::string const text = c::prometheus_metrics(db.queue, *db);
    std::string bad;
    auto const samples = parse_metrics(text, bad);
    BOOST_TEST(bad.empty(), "not a sample: " << bad << "\n" << text);
    BOOST_TEST(samples.size() > 20u);
    // Every family has its HELP and TYPE.
    for (char const* family : {"cascade_jobs gauge", "cascade_queue_paused gauge", "cascade_oldest_ready_seconds gauge",
                               "cascade_job_attempts histogram", "cascade_jobs_finished_last_minute gauge"})
        BOOST_TEST(text.find(std::string("# TYPE ") + family + "\n") != std::string::npos, family);
    for (auto const& s : samples) {
        std::string family = s.name;
        for (char const* suffix : {"_bucket", "_sum", "_count"})
            if (family.ends_with(suffix) && family.rfind("cascade_job_attempts", 0) == 0) family = "cascade_job_attempts";
        BOOST_TEST(text.find("# HELP " + family + " ") != std::string::npos, s.name);
    }
    // The counts are the table's: per queue and state, scheduled apart, zeros included.
    soci::rowset<soci::row> rows = ((*db).prepare << "SELECT queue, CASE WHEN state = 'ready' AND run_at > " +
                                                         std::to_string(db.queue.database_now(*db)) +
                                                         " THEN 'scheduled' ELSE state END, COUNT(*) FROM cascade_jobs GROUP BY 1, 2");
    std::map<std::pair<std::string, std::string>, long long> table;
    for (auto const& r : rows) table[{r.get<std::string>(0), r.get<std::string>(1)}] = c::detail::row_integer(r, 2);
    BOOST_TEST(table.size() == 8u);
    for (auto const& s : samples) {
        if (s.name != "cascade_jobs") continue;
        auto const it = table.find({s.labels.at("queue"), s.labels.at("state")});
        BOOST_TEST(s.value == static_cast<double>(it == table.end() ? 0 : it->second), s.labels.at("queue") << " " << s.labels.at("state"));
    }
    for (auto const& [key, n] : table)
        BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", key.first}, {"state", key.second}}) == static_cast<double>(n));
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", "idle"}, {"state", "ready"}}) == static_cast<double>(0));
    // Escaped on the wire, the same text once read.
    BOOST_TEST(text.find("queue=\"we\\\"ird\\\\q\"") != std::string::npos, text);
    BOOST_TEST(text.find("queue=\"two\\nlines\"") != std::string::npos, text);
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", odd}, {"state", "dead"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_jobs", {{"queue", lines}, {"state", "ready"}}) == static_cast<double>(1));
    BOOST_TEST(c::prometheus_label_value("a\xff" "b") == "a\xEF\xBF\xBD" "b");  // not UTF-8: replaced, as Prometheus requires
    // Pauses, ages, attempts, throughput.
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", "idle"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", odd}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_queue_paused", {{"queue", "default"}}) == static_cast<double>(0));
    BOOST_TEST(sample_value(samples, "cascade_oldest_ready_seconds", {{"queue", odd}}) >= 5.0);
    BOOST_TEST(sample_value(samples, "cascade_oldest_ready_seconds", {{"queue", "idle"}}) == 0.0);
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_count", {{"queue", "default"}}) == static_cast<double>(6));  // 3 due, 2 scheduled, 1 running
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_sum", {{"queue", "default"}}) == static_cast<double>(3));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "0"}}) == static_cast<double>(4));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "1"}}) == static_cast<double>(5));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "2"}}) == static_cast<double>(6));
    BOOST_TEST(sample_value(samples, "cascade_job_attempts_bucket", {{"queue", "default"}, {"le", "+Inf"}}) == static_cast<double>(6));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", "default"}, {"state", "done"}}) == static_cast<double>(2));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", "default"}, {"state", "dead"}}) == static_cast<double>(1));
    BOOST_TEST(sample_value(samples, "cascade_jobs_finished_last_minute", {{"queue", odd}, {"state", "dead"}}) == static_cast<double>(0));
    // The tool prints the same series.
    auto const printed = run_command(tool_for(db) + "metrics");
    BOOST_TEST(printed.exited(0), printed.out);
    std::string bad_printed;
    auto const again = parse_metrics(printed.out, bad_printed);
    BOOST_TEST(bad_printed.empty(), bad_printed);
    BOOST_TEST(again.size() == samples.size());
}

BOOST_AUTO_TEST_CASE(a_worker_serves_the_metrics_over_http_and_shrugs_off_bad_requests) {
    queue_db db;
    // A table whose metrics hold still: jobs scheduled in an hour, a dead job of long ago.
    c::enqueue_options later = in_queue("other");
    later.delay = std::chrono::hours(1);
    db.queue.enqueue(*db, "test.sleep", "0", "later", 3, later);
    db.queue.enqueue(*db, "test.sleep", "0", "dead", 3);
    db.exec("UPDATE cascade_jobs SET state = 'dead', finished_at = 0 WHERE dedup_key = 'dead'");
    int const port = free_port();
    std::vector<std::string> const args{"--backend", db.backend_name(), "--connection", db.connection(), "--poll-ms", "50", "--queues", "w",
                                        "--metrics-port", std::to_string(port), "--quiet"};
    process worker(args);
    std::string const get = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    std::string ok;
    BOOST_REQUIRE(eventually([&] { return (ok = http_exchange(port, get)).rfind("HTTP/1.1 200 OK\r\n", 0) == 0; }, std::chrono::seconds(10)));
    BOOST_TEST(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos, ok);
    BOOST_TEST(ok.find("Content-Length: " + std::to_string(body_of(ok).size()) + "\r\n") != std::string::npos, ok);
    auto const printed = run_command(tool_for(db) + "metrics");
    BOOST_TEST(body_of(ok) == printed.out);  // the same text as the tool's
    BOOST_TEST(body_of(ok).find("cascade_jobs{queue=\"other\",state=\"scheduled\"} 1\n") != std::string::npos);
    // Bad requests are answered (or dropped), never fatal.
    auto status_of = [](std::string const& response) { return response.substr(0, response.find("\r\n")); };
    BOOST_TEST(status_of(http_exchange(port, "BLAH\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, "GET /metrics HTTP/9.9\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, std::string("GET /me\0\x01trics HTTP/1.1\r\n\r\n", 27))) == "HTTP/1.1 400 Bad Request");
    BOOST_TEST(status_of(http_exchange(port, "GET /nope HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
    BOOST_TEST(status_of(http_exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")) == "HTTP/1.1 405 Method Not Allowed");
    BOOST_TEST(status_of(http_exchange(port, std::string(20000, 'x'))) == "HTTP/1.1 400 Bad Request");  // no end of head
    BOOST_TEST(status_of(http_exchange(port, "GET /met", true)) == "HTTP/1.1 400 Bad Request");         // cut short
    BOOST_TEST(http_exchange(port, "", true).empty());                                                  // said nothing
    auto const head = http_exchange(port, "HEAD /metrics?x=1 HTTP/1.0\r\n\r\n");
    BOOST_TEST(status_of(head) == "HTTP/1.1 200 OK");
    BOOST_TEST(body_of(head).empty());
    {
        // A client that connects and says nothing holds the server for its timeout (2 s), no longer.
        int const idle = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        BOOST_TEST(connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        auto const t0 = std::chrono::steady_clock::now();
        BOOST_TEST(status_of(http_exchange(port, get)) == "HTTP/1.1 200 OK");
        BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)));
        close(idle);
    }
    // Still serving, still working.
    BOOST_TEST(body_of(http_exchange(port, get)) == run_command(tool_for(db) + "metrics").out);
    db.queue.enqueue(*db, "test.sleep", "0", "work", 3, in_queue("w"));
    BOOST_TEST(eventually([&] { return db.jobs("dedup_key = 'work' AND state = 'done'") == 1; }, std::chrono::seconds(10)));
    // A second worker cannot take the port: it says so and exits 1 (the first goes on).
    process second(args);
    int const refused = second.wait();
    BOOST_TEST((WIFEXITED(refused) && WEXITSTATUS(refused) == 1));
    BOOST_TEST(status_of(http_exchange(port, get)) == "HTTP/1.1 200 OK");
    int const stopped = worker.terminate();
    BOOST_TEST((WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0));
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

BOOST_AUTO_TEST_CASE(bad_input_to_the_new_commands_and_options_changes_nothing) {
    queue_db db;
    db.queue.enqueue(*db, "nobody.knows", "{}", "one", 1, in_queue("mail"));
    db.queue.pause(*db, "kept");
    std::string const tool = tool_for(db);
    auto snapshot = [&] {
        return db.rows_text("id, state, attempts, queue", "cascade_jobs") + "/" + db.rows_text("queue", "cascade_jobs_paused");
    };
    auto const before = snapshot();
    std::string const short_token = "/tmp/cascade-short-token-" + std::to_string(getpid());
    std::ofstream(short_token) << "fifteen-bytes!!\n";
    for (std::string const& bad : std::vector<std::string>{"pause", "resume", "pause ''", "resume ''", "pause a b", "resume a b",
                                                          "metrics extra", "pause " + std::string(129, 'q'), "serve extra",
                                                          "serve --port 70000", "serve --port -1", "serve --port x",
                                                          "serve --token-file /nonexistent/token", "serve --token-file " + short_token,
                                                          "status --port 8080", "retry 1 --token-file " + short_token}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
        BOOST_TEST(r.out.find("usage:") != std::string::npos, bad);
    }
    BOOST_TEST(snapshot() == before);
    // serve's own arguments are checked with the rest, before the database is opened: a database
    // that cannot be reached does not turn a mistake into exit 1.
    for (std::string const& bad : std::vector<std::string>{"serve --address localhost", "serve --address 10.0.0.256",
                                                          "serve --address ''", "serve --lock-timeout-ms 0",
                                                          "serve --lock-timeout-ms x", "serve --statement-timeout-ms -1",
                                                          "status --lock-timeout-ms 500"}) {
        auto const r = run_command(tool + bad);
        BOOST_TEST(r.exited(2), bad << ": " << r.out);
        BOOST_TEST(r.out.find("usage:") != std::string::npos, bad);
        auto const unreachable = run_command(std::string(CASCADE_QUEUE_TOOL) +
                                             " --backend postgresql --connection 'host=127.0.0.1 port=1 connect_timeout=2' " + bad);
        BOOST_TEST(unreachable.exited(2), bad << " (no database): " << unreachable.out);
    }
    std::remove(short_token.c_str());
    // --help lists every command.
    auto const help = run_command(std::string(CASCADE_QUEUE_TOOL) + " --help");
    BOOST_TEST(help.exited(0));
    for (char const* cmd : {"status", "metrics", "pause QUEUE", "resume QUEUE", "retry ID|dead", "discard ID|dead", "purge-done SECONDS",
                            "repair", "install", "serve"})
        BOOST_TEST(help.out.find(std::string("\n  ") + cmd + " ") != std::string::npos, cmd);
    // The worker refuses its new options' mistakes before it starts (exit 2).
    for (std::vector<std::string> const& extra : std::vector<std::vector<std::string>>{
             {"--queues", ""}, {"--queues", "a,,b"}, {"--queues", "a,"}, {"--queues", std::string(129, 'q')},
             {"--metrics-port", "70000"}, {"--metrics-port", "-1"}, {"--metrics-port", "x"},
             {"--metrics-port", "9999", "--metrics-address", "localhost"}, {"--metrics-address", "127.0.0.1"}}) {
        std::vector<std::string> args{"--backend", db.backend_name(), "--connection", db.connection()};
        args.insert(args.end(), extra.begin(), extra.end());
        process p(args);
        int const status = p.wait();
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), extra[0] << " " << extra[1]);
    }
    BOOST_TEST(snapshot() == before);
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
    return test::series(n);
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

// The tool opens an existing SQLite file read-write without ever creating one (a `file:` URI with
// mode=rw), whatever bytes its name holds: a space (the value quoted, as SOCI reads it), `%`, `#`, `?`.
// Only install creates the file. (SQLite only: PostgreSQL has no file.)
BOOST_AUTO_TEST_CASE(the_tool_opens_a_sqlite_file_of_any_name_and_only_install_creates_one,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return !test::is_server(); })) {
    std::string const file = "/tmp/cascade queue %41 #1 ?x " + std::to_string(getpid()) + ".db";
    std::remove(file.c_str());
    std::string const tool = std::string(CASCADE_QUEUE_TOOL) + " --backend sqlite3 --connection 'db=\"" + file + "\" timeout=5' ";
    BOOST_TEST(run_command(tool + "status").exited(2));
    BOOST_TEST(access(file.c_str(), F_OK) != 0);
    auto const installed = run_command(tool + "install");
    BOOST_TEST(installed.exited(0), installed.out);
    BOOST_REQUIRE(access(file.c_str(), F_OK) == 0);
    auto const status = run_command(tool + "status");
    BOOST_TEST(status.exited(0), status.out);
    BOOST_TEST(status.out.find("ready 0") != std::string::npos, status.out);
    BOOST_TEST(run_command(tool + "pause mail").exited(0));
    {
        soci::session sql(soci::sqlite3, "db=\"" + file + "\"");
        BOOST_TEST(c::job_queue{}.paused(sql) == std::vector<std::string>{"mail"}, tt::per_element());
    }
    std::remove(file.c_str());
}
