// The outbox: a job row written in the owner's transaction by queue_executor, its dedup key, jobs that
// make jobs, a foreign key that would refuse a destroy_async owner.
#include "queue_support.hpp"

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

// Review (i18): an enqueue whose twin is running must not hold up the worker's heartbeat of its
// *other* jobs (docs/queue.md: on MariaDB only "a worker's completion of that very twin waits for the
// caller's commit"). The refused duplicate's latest read (LOCK IN SHARE MODE) share-locks the twin's
// clustered row, so the heartbeat's one UPDATE of every row the worker runs waits for the caller's
// commit (up to innodb_lock_wait_timeout, 50 s by default, then fails): none of that worker's leases is
// renewed, they lapse (30 s by default) and other workers run those jobs a second time.
BOOST_AUTO_TEST_CASE(an_enqueue_beside_a_running_twin_holds_up_no_heartbeat) {
    queue_db db;
    db.queue.enqueue(*db, "test.sleep", "0", "other", 3);
    db.queue.enqueue(*db, "test.sleep", "0", "twin", 3);
    auto const claimed = db.queue.claim(*db, "w", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(claimed.size() == 2u);
    if (!test::is_server()) return;  // SQLite: one writer
    auto const caller = db.connect();
    *caller << (test::is_postgresql() ? "BEGIN" : "START TRANSACTION");
    BOOST_TEST(db.queue.enqueue(*caller, "test.sleep", "0", "twin", 3));  // 'twin|2', beside the running twin
    // The worker's heartbeat session, its lock waits bounded to 1 s.
    auto const beat = c::open_operator_session(db.backend_name(), db.connection(), c::operator_waits{std::chrono::seconds(1), std::chrono::seconds(10)});
    long long const before = db.queue.database_now(*db);
    BOOST_CHECK_NO_THROW(db.queue.heartbeat(*beat, "w", claimed, std::chrono::minutes(10)));
    BOOST_TEST(db.jobs("dedup_key = 'other' AND locked_until > " + std::to_string(before + 60000)) == 1);  // renewed
    *caller << "ROLLBACK";
}

// Review (i18): docs/queue.md's table says of dedup_key "Any bytes and any length of key fit". On
// MariaDB the column is TEXT (at most 65,535 bytes): a longer key (a custom job's) is refused with
// an untyped "Data too long" error.
BOOST_AUTO_TEST_CASE(a_dedup_key_of_any_length_fits) {
    queue_db db;
    std::string const key(70000, 'k');
    BOOST_CHECK_NO_THROW(db.queue.enqueue(*db, "test.sleep", "0", key, 3));
    bool again = true;
    BOOST_CHECK_NO_THROW(again = db.queue.enqueue(*db, "test.sleep", "0", key, 3));
    BOOST_TEST(!again);  // its twin stands for it
    BOOST_TEST(db.jobs() == 1);
}

// A worker's completion chosen as a deadlock's victim (a claim or a caller's transaction holding rows
// it needs, while needing one it holds) is run again, not dropped: dropped, the batch stayed running
// until its leases lapsed and every job of it ran a second time (seen in CI on MariaDB: 20 jobs, one
// batch, with attempts 2). The caller here takes a row the completion holds after it holds one the
// completion waits for, and has written more, so the database picks the completion as the victim.
BOOST_AUTO_TEST_CASE(a_completion_that_loses_a_deadlock_is_run_again) {
    if (!test::is_server()) return;  // SQLite: one writer, no deadlock
    queue_db db;
    db.queue.enqueue(*db, "test.sleep", "0", "low", 3);
    db.queue.enqueue(*db, "test.sleep", "0", "high", 3);
    auto const claimed = db.queue.claim(*db, "w", 10, std::chrono::seconds(30));
    BOOST_REQUIRE(claimed.size() == 2u);
    long long const low = std::min(claimed[0].id, claimed[1].id), high = std::max(claimed[0].id, claimed[1].id);
    db.exec("CREATE TABLE ballast (id BIGINT PRIMARY KEY)");
    auto const caller = db.connect();
    *caller << (test::is_postgresql() ? "BEGIN" : "START TRANSACTION");
    *caller << "INSERT INTO ballast SELECT i FROM " + test::series(200);  // the heavier transaction: not the victim
    *caller << "UPDATE cascade_jobs SET errors = errors WHERE id = " + std::to_string(high);
    auto const completion = db.connect();
    std::future<long long> done = std::async(std::launch::async, [&] { return db.queue.complete(*completion, "w", claimed); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the completion holds `low`, waits for `high`
    *caller << "UPDATE cascade_jobs SET errors = errors WHERE id = " + std::to_string(low);  // a deadlock: one of the two goes
    *caller << "COMMIT";
    long long completed = -1;
    BOOST_CHECK_NO_THROW(completed = done.get());
    BOOST_TEST(completed == 2);
    BOOST_TEST(db.jobs("state = 'done'") == 2);
}
