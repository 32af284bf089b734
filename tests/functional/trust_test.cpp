// Trust: the ways a cascade deleted rows it must not, left rows it must delete, deadlocked, previewed
// counts it did not do, or ran commit callbacks at the wrong moment. One test (or more) per finding of
// the trust issue, each run on SQLite and PostgreSQL; each failed on the code before the fix.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/jobs.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <thread>

namespace c = cascade;
namespace d = cascade::dependent;

// ---- 1. a text value with an embedded NUL ---------------------------------------------------------
namespace nul {
struct Shelf { BOOST_HANA_DEFINE_STRUCT(Shelf, (std::string, name), (std::string, label)); };
struct Item { BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::string, shelf_name)); };
struct schema : c::schema<c::model<Shelf, "shelves", c::primary_key<&Shelf::name>,
                                   c::has_many<Item, &Item::shelf_name, d::destroy>>,
                          c::model<Item, "items">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE shelves (name TEXT PRIMARY KEY, label TEXT NOT NULL)");
        exec("CREATE TABLE items (id BIGINT PRIMARY KEY, shelf_name TEXT NOT NULL)");
        exec("INSERT INTO shelves VALUES ('ordinary', 'a'), ('other', 'b')");
        exec("INSERT INTO items VALUES (1, 'ordinary'), (2, 'ordinary'), (3, 'other')");
    }
};
}  // namespace nul

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_key_with_a_nul_byte_is_refused_and_nothing_runs) {
    nul::db db;
    std::string const evil("ordinary\0evil", 13);
    bool refused = false;
    try {
        c::destroy<nul::schema, nul::Shelf>(*db, evil);
    } catch (c::error const& e) {
        refused = std::string(e.what()).find("NUL") != std::string::npos;
    }
    BOOST_TEST(refused);
    BOOST_TEST(db.count("shelves") == 2);
    BOOST_TEST(db.count("items") == 3);
    bool preview_refused = false;
    try {
        c::dry_run<nul::schema, nul::Shelf>(*db, evil);
    } catch (c::error const& e) {
        preview_refused = std::string(e.what()).find("NUL") != std::string::npos;
    }
    BOOST_TEST(preview_refused);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 2. destroying inside the caller's own transaction ----------------------------------------------
namespace joined {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id)); };
struct Book { BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id)); };
struct Review { BOOST_HANA_DEFINE_STRUCT(Review, (std::int64_t, id), (std::optional<std::int64_t>, author_id)); };
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                          c::model<Book, "books">> {};
struct async_schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy_async>>,
                                c::model<Book, "books">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
        exec("CREATE TABLE notes (id BIGINT PRIMARY KEY)");
        exec("INSERT INTO authors VALUES (1), (2)");
        exec("INSERT INTO books VALUES (10, 1), (11, 1), (20, 2)");
    }
};
}  // namespace joined

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(destroy_joins_the_callers_transaction_and_its_rollback_undoes_everything) {
    joined::db db;
    {
        soci::transaction tx(*db);
        db.exec("INSERT INTO notes VALUES (1)");  // the caller's own work in the same transaction
        auto r = c::destroy<joined::schema, joined::Author>(*db, 1);
        BOOST_TEST(r.status == c::destroy_status::destroyed);
        BOOST_TEST(r.rows("books") == 2u);
        auto preview = c::dry_run<joined::schema, joined::Author>(*db, 2);
        BOOST_TEST(preview.rows("books") == 1u);
        BOOST_TEST(db.count("authors") == 1);  // seen inside the transaction
        tx.rollback();
    }
    BOOST_TEST(db.count("authors") == 2);
    BOOST_TEST(db.count("books") == 3);
    BOOST_TEST(db.count("notes") == 0);
    {
        soci::transaction tx(*db);
        c::destroy_or_throw<joined::schema, joined::Author>(*db, 2);
        tx.commit();
    }
    BOOST_TEST(db.ids("authors") == (ids{1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_destroy_with_jobs_in_the_callers_transaction_hands_over_no_job_after_its_rollback) {
    joined::db db;
    c::deferred_executor q;
    c::async_runtime<joined::async_schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    try {
        soci::transaction tx(*db);
        c::destroy<joined::async_schema, joined::Author>(*db, 1, jobs);
        tx.rollback();
    } catch (c::error const&) {
        // refusing (a plain SOCI transaction cannot tell cascade when it commits) is also safe
    }
    BOOST_TEST(q.empty());
    BOOST_TEST(db.count("authors") == 2);
    BOOST_TEST(db.count("books") == 3);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 3. a where scope on a belongs_to -------------------------------------------------------------
namespace scoped_parent {
struct Team { BOOST_HANA_DEFINE_STRUCT(Team, (std::int64_t, id), (bool, disposable)); };
struct Player { BOOST_HANA_DEFINE_STRUCT(Player, (std::int64_t, id), (std::optional<std::int64_t>, team_id)); };
template <class Policy>
struct schema : c::schema<c::model<Team, "teams">,
                          c::model<Player, "players",
                                   c::belongs_to<Team, &Player::team_id, Policy, c::where<&Team::disposable, true>>>> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE teams (id BIGINT PRIMARY KEY, disposable BOOLEAN NOT NULL)");
        exec("CREATE TABLE players (id BIGINT PRIMARY KEY, team_id BIGINT)");
        exec("INSERT INTO teams VALUES (1, TRUE), (2, FALSE)");
        exec("INSERT INTO players VALUES (10, 1), (20, 2)");
    }
};
}  // namespace scoped_parent

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_belongs_to_scope_keeps_an_out_of_scope_parent) {
    scoped_parent::db db;
    using destroy_s = scoped_parent::schema<d::destroy>;
    BOOST_TEST((c::destroy<destroy_s, scoped_parent::Player>(*db, 20).status == c::destroy_status::destroyed));
    BOOST_TEST(db.ids("teams") == (ids{1, 2}), tt::per_element());  // team 2 is not disposable
    BOOST_TEST((c::destroy<destroy_s, scoped_parent::Player>(*db, 10).status == c::destroy_status::destroyed));
    BOOST_TEST(db.ids("teams") == (ids{2}), tt::per_element());
    db.exec("INSERT INTO players VALUES (21, 2)");
    BOOST_TEST((c::destroy<scoped_parent::schema<d::delete_>, scoped_parent::Player>(*db, 21).status ==
                c::destroy_status::destroyed));
    BOOST_TEST(db.ids("teams") == (ids{2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_belongs_to_scope_keeps_an_out_of_scope_parent_in_a_job) {
    scoped_parent::db db;
    using async_s = scoped_parent::schema<d::destroy_async>;
    c::deferred_executor q;
    c::async_runtime<async_s, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<async_s, scoped_parent::Player>(*db, 20, jobs);
    c::destroy<async_s, scoped_parent::Player>(*db, 10, jobs);
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("teams") == (ids{2}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 4. a referenced value reused between the commit and the job ---------------------------------------
namespace reused {
struct Writer { BOOST_HANA_DEFINE_STRUCT(Writer, (std::int64_t, id), (std::string, handle)); };
struct Pen { BOOST_HANA_DEFINE_STRUCT(Pen, (std::int64_t, id), (std::optional<std::string>, writer_handle)); };
struct schema : c::schema<c::model<Writer, "writers", c::has_many<Pen, &Pen::writer_handle, d::destroy_async,
                                                                  c::primary_key<&Writer::handle>>>,
                          c::model<Pen, "pens">> {};
using pens_job = c::destroy_association_job<schema, Writer, "pens">;
}  // namespace reused

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_job_never_destroys_the_dependents_of_a_live_owner_that_reused_the_value) {
    test::database db;
    db.exec("CREATE TABLE writers (id BIGINT PRIMARY KEY, handle TEXT NOT NULL)");
    db.exec("CREATE TABLE pens (id BIGINT PRIMARY KEY, writer_handle TEXT)");
    db.exec("INSERT INTO writers VALUES (1, 'ada'), (2, 'bob')");
    db.exec("INSERT INTO pens VALUES (1, 'ada'), (2, 'bob'), (3, 'bob')");
    c::deferred_executor q;
    c::async_runtime<reused::schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<reused::schema, reused::Writer>(*db, 2, jobs);
    BOOST_REQUIRE(q.size() == 1u);
    // Before the job runs, a new writer takes the handle "bob" and writes with pens 2 and 3 again.
    db.exec("INSERT INTO writers VALUES (9, 'bob')");
    db.exec("INSERT INTO pens VALUES (4, 'bob')");
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("pens", "writer_handle = 'bob'") == (ids{2, 3, 4}), tt::per_element());
    // A forged payload (owner 2 is gone, the value is the live writer 1's) touches nothing either.
    reused::pens_job forged{2, "ada", {}};
    try {
        jobs.perform(forged, *db);
    } catch (c::error const&) {
    }
    BOOST_TEST(db.ids("pens", "writer_handle = 'ada'") == (ids{1}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 6. dependents inserted while a job runs --------------------------------------------------------
namespace late {
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Entry {
    BOOST_HANA_DEFINE_STRUCT(Entry, (std::int64_t, id), (std::int64_t, owner_id));
    static inline std::function<void(c::destroy_context const&, std::int64_t)> on_destroy;
    void before_destroy(c::destroy_context const& ctx) {
        if (on_destroy) on_destroy(ctx, id);
    }
};
struct schema : c::schema<c::model<Owner, "owners", c::has_many<Entry, &Entry::owner_id, d::destroy_async>>,
                          c::model<Entry, "entries">> {};
}  // namespace late

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_job_finishes_only_when_no_dependent_of_the_owner_is_left) {
    test::database db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE entries (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("INSERT INTO owners VALUES (1), (2)");
    for (int i = 100; i < 160; ++i) db.exec("INSERT INTO entries VALUES (" + std::to_string(i) + ", 1)");
    db.exec("INSERT INTO entries VALUES (500, 2)");
    c::deferred_executor q;
    c::async_runtime<late::schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db},
                                                                                  {.batch_size = 10});
    c::destroy<late::schema, late::Owner>(*db, 1, jobs);
    // While the job walks the entries in key order, the application keeps adding entries for the
    // (deleted) owner below the job's position: with each batch, one more.
    int next = 1;
    late::Entry::on_destroy = [&](c::destroy_context const& ctx, std::int64_t id) {
        if (id % 10 == 0 && next < 20) ctx.session << "INSERT INTO entries VALUES (" << next++ << ", 1)";
    };
    q.perform_enqueued_jobs();
    late::Entry::on_destroy = nullptr;
    BOOST_TEST(next > 5);
    BOOST_TEST(db.count("entries", "owner_id = 1") == 0);
    BOOST_TEST(db.ids("entries") == (ids{500}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 7. overlapping destroys on PostgreSQL ------------------------------------------------------------
namespace overlap {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id)); };
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id));
    /// A book destroyed on its own pauses in its callback, holding its row, while its author's
    /// cascade runs in another session.
    static inline std::atomic<int> pause_ms{0};
    static inline std::function<void(c::destroy_context const&)> on_destroy;
    void before_destroy(c::destroy_context const& ctx) {
        if (int ms = pause_ms.load(); ms && !ctx.destroyed_by_association)
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        if (on_destroy) on_destroy(ctx);
    }
};
struct Chapter { BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id)); };
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                          c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>,
                          c::model<Chapter, "chapters">> {};
// Two owners share notes: a note belongs to an owner and to an item of (possibly) the other owner.
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Item { BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::int64_t, owner_id)); };
struct Note { BOOST_HANA_DEFINE_STRUCT(Note, (std::int64_t, id), (std::int64_t, owner_id), (std::int64_t, item_id)); };
struct diamond : c::schema<c::model<Owner, "owners", c::has_many<Item, &Item::owner_id, d::destroy>,
                                    c::has_many<Note, &Note::owner_id, d::destroy>>,
                           c::model<Item, "items", c::has_many<Note, &Note::item_id, d::destroy>>,
                           c::model<Note, "notes">> {};

/// Runs `body(session index)` on `n` sessions at once, each its own connection; collects what they threw.
template <class Body>
std::vector<std::string> on_sessions(test::database& db, int n, Body body) {
    std::vector<std::unique_ptr<soci::session>> sessions;
    for (int i = 0; i < n; ++i) sessions.push_back(db.connect());
    std::vector<std::string> errors;
    std::mutex m;
    std::barrier start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                body(i, *sessions[static_cast<std::size_t>(i)]);
            } catch (std::exception const& e) {
                std::lock_guard lock(m);
                errors.emplace_back(e.what());
            }
        });
    for (auto& t : threads) t.join();
    return errors;
}
}  // namespace overlap

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(an_owner_and_its_child_destroyed_at_once_never_deadlock) {
    if (test::backend() == "sqlite") return;  // an in-memory database is one connection's alone
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
    overlap::Book::pause_ms = 100;
    std::vector<std::string> errors;
    for (int round = 0; round < 20; ++round) {
        long long const a = round + 1;
        db.exec("INSERT INTO authors VALUES (" + std::to_string(a) + ")");
        for (int b = 0; b < 3; ++b) {
            long long const book = a * 10 + b;
            db.exec("INSERT INTO books VALUES (" + std::to_string(book) + ", " + std::to_string(a) + ")");
            for (int ch = 0; ch < 3; ++ch)
                db.exec("INSERT INTO chapters VALUES (" + std::to_string(book * 10 + ch) + ", " + std::to_string(book) + ")");
        }
        auto e = overlap::on_sessions(db, 4, [&](int i, soci::session& s) {
            if (i == 0) c::destroy<overlap::schema, overlap::Author>(s, a);
            else c::destroy<overlap::schema, overlap::Book>(s, a * 10 + (i - 1));
        });
        errors.insert(errors.end(), e.begin(), e.end());
    }
    overlap::Book::pause_ms = 0;
    BOOST_TEST(errors.empty(), (errors.empty() ? std::string() : errors.front()));
    BOOST_TEST(db.count("authors") == 0);
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.count("chapters") == 0);
}

BOOST_AUTO_TEST_CASE(two_owners_sharing_rows_and_one_owner_twice_never_deadlock) {
    if (test::backend() == "sqlite") return;
    test::database db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE items (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL, item_id BIGINT NOT NULL)");
    std::vector<std::string> errors;
    std::atomic<int> destroyed{0};
    for (int round = 0; round < 20; ++round) {
        long long const o1 = 2 * round + 1, o2 = 2 * round + 2;
        db.exec("INSERT INTO owners VALUES (" + std::to_string(o1) + "), (" + std::to_string(o2) + ")");
        db.exec("INSERT INTO items VALUES (" + std::to_string(o1 * 10) + ", " + std::to_string(o1) + "), (" +
                std::to_string(o2 * 10) + ", " + std::to_string(o2) + ")");
        // 40 notes, each on one owner and on the item of the other: both cascades reach every note.
        for (int n = 0; n < 40; ++n) {
            long long const owner = n % 2 ? o1 : o2, item = (n % 2 ? o2 : o1) * 10;
            db.exec("INSERT INTO notes VALUES (" + std::to_string(round * 100 + n) + ", " + std::to_string(owner) + ", " +
                    std::to_string(item) + ")");
        }
        auto e = overlap::on_sessions(db, 4, [&](int i, soci::session& s) {
            // sessions 0 and 2 destroy the first owner (the same owner twice), 1 and 3 the second
            auto r = c::destroy<overlap::diamond, overlap::Owner>(s, i % 2 ? o2 : o1);
            if (r.status == c::destroy_status::destroyed) ++destroyed;
        });
        errors.insert(errors.end(), e.begin(), e.end());
    }
    BOOST_TEST(errors.empty(), (errors.empty() ? std::string() : errors.front()));
    BOOST_TEST(destroyed == 40);  // each owner once; its twin found it gone
    BOOST_TEST(db.count("owners") == 0);
    BOOST_TEST(db.count("items") == 0);
    BOOST_TEST(db.count("notes") == 0);
}

/// Two sessions in a deadlock over authors and counters. Session B holds the counter (and, on MariaDB,
/// has changed more rows, so that InnoDB makes A its victim, as PostgreSQL does with A's shorter
/// deadlock_timeout); A destroys an author whose book's callback updates the counter (after a pause, when
/// `armed`); B then asks for the author's lock, which A holds.
struct deadlock_scene {
    test::database db;
    std::unique_ptr<soci::session> b;
    std::atomic<int> calls{0};
    std::atomic<bool> armed{true};

    explicit deadlock_scene(std::string const& authors = "(1)", std::string const& books = "(10, 1)") {
        db.exec("CREATE TABLE scratch (id BIGINT PRIMARY KEY)");
        db.exec("CREATE TABLE audit (id BIGINT PRIMARY KEY)");
        db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
        db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
        db.exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
        db.exec("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
        db.exec("INSERT INTO authors VALUES " + authors);
        db.exec("INSERT INTO books VALUES " + books);
        db.exec("INSERT INTO counters VALUES (1, 0)");
        overlap::Book::on_destroy = [this](c::destroy_context const& ctx) {
            if (!armed) return;
            ++calls;
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            ctx.session << "UPDATE counters SET n = n + 1 WHERE id = 1";
        };
        b = db.connect();
        if (test::is_postgresql()) {
            *b << "SET deadlock_timeout = '10s'";
            *b << "BEGIN";
        } else {
            *b << "START TRANSACTION";
            *b << "INSERT INTO scratch SELECT seq FROM seq_1_to_1000";
        }
        *b << "UPDATE counters SET n = n + 100 WHERE id = 1";
    }
    ~deadlock_scene() { overlap::Book::on_destroy = nullptr; }
    /// A's session (PostgreSQL: detects the deadlock first).
    std::unique_ptr<soci::session> session_a() {
        auto s = db.connect();
        if (test::is_postgresql()) *s << "SET deadlock_timeout = '100ms'";
        return s;
    }
    /// Runs `a` on its own thread; B asks for author 1 while A holds it, then commits.
    template <class A>
    void run(A a, int wait_ms = 150) {
        std::thread t(std::move(a));
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
        long long locked = 0;
        *b << "SELECT COUNT(*) FROM (SELECT id FROM authors WHERE id = 1 FOR UPDATE) x", soci::into(locked);  // waits for A
        *b << "COMMIT";
        t.join();
    }
};

BOOST_AUTO_TEST_CASE(a_deadlock_runs_the_whole_destroy_again) {
    if (!test::is_server()) return;  // SQLite has one writer at a time: no deadlock
    deadlock_scene scene;
    c::destroy_result r;
    std::string failure;
    scene.run([&] {
        auto s = scene.session_a();
        try {
            r = c::destroy<overlap::schema, overlap::Author>(*s, 1);
        } catch (std::exception const& e) {
            failure = e.what();
        }
    });
    auto& db = scene.db;
    BOOST_TEST(failure.empty(), failure);
    BOOST_TEST(scene.calls >= 2);  // the first try died in the deadlock; the second went through
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.count("authors") == 0);
    BOOST_TEST(db.count("books") == 0);
    BOOST_TEST(db.count("counters", "n = 101") == 1);  // B's update, and A's once
}

// A deadlock inside the caller's own transaction: PostgreSQL fails the statement and keeps the transaction
// (cascade rolls back to its savepoint and runs again); InnoDB rolls the whole transaction back, the caller's
// earlier writes with it, so there is nothing to run again in: the caller hears the deadlock, and cascade
// never goes on outside a transaction.
BOOST_AUTO_TEST_CASE(a_deadlock_in_the_callers_transaction_is_run_again_only_while_that_transaction_lives) {
    if (!test::is_server()) return;
    deadlock_scene scene;
    c::destroy_result r;
    std::string failure;
    bool committed = false;
    scene.run([&] {
        auto s = scene.session_a();
        try {
            *s << "BEGIN";
            *s << "INSERT INTO audit VALUES (1)";  // the caller's own write, before the destroy
            r = c::destroy<overlap::schema, overlap::Author>(*s, 1);
            *s << "COMMIT";
            committed = true;
        } catch (std::exception const& e) {
            failure = e.what();
            try { *s << "ROLLBACK"; } catch (...) {}
        }
    });
    auto& db = scene.db;
    if (test::is_postgresql()) {
        BOOST_TEST(failure.empty(), failure);
        BOOST_TEST(committed);
        BOOST_TEST(scene.calls >= 2);  // run again inside the caller's transaction, from its savepoint
        BOOST_TEST(r.status == c::destroy_status::destroyed);
        BOOST_TEST(db.count("authors") == 0);
        BOOST_TEST(db.count("audit") == 1);
        BOOST_TEST(db.count("counters", "n = 101") == 1);
    } else {
        BOOST_TEST(!committed);
        BOOST_TEST(failure.find("Deadlock") != std::string::npos, failure);
        BOOST_TEST(scene.calls == 1);  // not run again outside the transaction the server rolled back
        BOOST_TEST(db.count("authors") == 1);
        BOOST_TEST(db.count("books") == 1);
        BOOST_TEST(db.count("audit") == 0);  // the caller's write went with its transaction
        BOOST_TEST(db.count("counters", "n = 100") == 1);
    }
}

// The caller's cascade::transaction after a destroy in it was the deadlock's victim, the caller catching
// the failure and committing: on PostgreSQL the savepoint undid that destroy alone and the commit keeps the
// first; InnoDB rolled the whole transaction back, so its commit throws and commits nothing, rather than
// return as if the first destroy had stayed.
BOOST_AUTO_TEST_CASE(a_cascade_transaction_the_database_rolled_back_does_not_commit_as_if_it_had_not) {
    if (!test::is_server()) return;
    deadlock_scene scene("(1), (2)", "(10, 1), (20, 2)");
    scene.armed = false;
    c::destroy_result first;
    std::string failure, commit_failure;
    bool committed = false;
    scene.run(
        [&] {
            auto s = scene.session_a();
            c::destroy_options once;
            once.deadlock_retries = 0;
            c::transaction tx(*s);
            first = c::destroy<overlap::schema, overlap::Author>(tx, 2);  // succeeds
            scene.armed = true;
            try {
                c::destroy<overlap::schema, overlap::Author>(tx, 1, once);
            } catch (std::exception const& e) {
                failure = e.what();
            }
            try {
                tx.commit();
                committed = true;
            } catch (std::exception const& e) {
                commit_failure = e.what();
            }
        },
        250);
    auto& db = scene.db;
    BOOST_TEST(first.status == c::destroy_status::destroyed);
    BOOST_TEST(!failure.empty());  // no retries allowed: the deadlock reaches the caller
    if (test::is_postgresql()) {
        BOOST_TEST(committed, commit_failure);
        BOOST_TEST(db.count("authors", "id = 2") == 0);
        BOOST_TEST(db.count("authors", "id = 1") == 1);
    } else {
        BOOST_TEST(!committed);
        BOOST_TEST(commit_failure.find("rolled") != std::string::npos, commit_failure);
        BOOST_TEST(db.count("authors") == 2);  // nothing of the transaction was committed
        BOOST_TEST(db.count("books") == 2);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 8. rows of one set referring to each other ---------------------------------------------------------
namespace thread_posts {
struct Topic { BOOST_HANA_DEFINE_STRUCT(Topic, (std::int64_t, id)); };
struct Post {
    BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id), (std::int64_t, topic_id), (std::optional<std::int64_t>, reply_to_id));
    static inline int destroyed = 0;
    void before_destroy() { ++destroyed; }
    void after_destroy() {}
};
struct schema : c::schema<c::model<Topic, "topics", c::has_many<Post, &Post::topic_id, d::destroy>>,
                          c::model<Post, "posts">> {};
}  // namespace thread_posts

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_set_whose_rows_refer_to_each_other_deletes_under_enforced_foreign_keys) {
    for (std::size_t page : {1u, 2u, 3u, 1000u}) {
        test::database db;
        db.exec("CREATE TABLE topics (id BIGINT PRIMARY KEY)");
        db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY, topic_id BIGINT NOT NULL REFERENCES topics (id), "
                "reply_to_id BIGINT REFERENCES posts (id))");
        db.exec("INSERT INTO topics VALUES (1), (2)");
        // Replies point backward (6 -> 1, 4 -> 2) and forward (1 -> 5, 3 -> 6) across page boundaries.
        db.exec("INSERT INTO posts VALUES (1, 1, NULL), (2, 1, NULL), (3, 1, NULL), (4, 1, 2), (5, 1, NULL), (6, 1, 1), (7, 2, NULL)");
        db.exec("UPDATE posts SET reply_to_id = 5 WHERE id = 1");
        db.exec("UPDATE posts SET reply_to_id = 6 WHERE id = 3");
        thread_posts::Post::destroyed = 0;
        if (test::is_mysql()) {
            // InnoDB checks every foreign key at each row inside a statement (a NO ACTION key acts as
            // RESTRICT), so rows of one set that refer to each other through a key no association
            // declares cannot go in one statement: a typed refusal that says so, and nothing changed.
            // (Rails on MySQL fails the same way: it deletes them one by one.)
            BOOST_CHECK_THROW((c::destroy<thread_posts::schema, thread_posts::Topic>(*db, 1, c::destroy_options{.page_size = page})),
                              c::foreign_key_violation);
            BOOST_TEST(db.ids("posts") == (ids{1, 2, 3, 4, 5, 6, 7}), tt::per_element());
            BOOST_TEST(db.ids("topics") == (ids{1, 2}), tt::per_element());
            continue;
        }
        auto r = c::destroy<thread_posts::schema, thread_posts::Topic>(*db, 1, c::destroy_options{.page_size = page});
        BOOST_TEST(r.status == c::destroy_status::destroyed);
        BOOST_TEST(thread_posts::Post::destroyed == 6);
        BOOST_TEST(db.ids("posts") == (ids{7}), tt::per_element());
        BOOST_TEST(db.ids("topics") == (ids{2}), tt::per_element());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 9. commit callbacks at the real commit --------------------------------------------------------------
namespace commit_order {
struct Shop { BOOST_HANA_DEFINE_STRUCT(Shop, (std::int64_t, id)); };
struct Order {
    BOOST_HANA_DEFINE_STRUCT(Order, (std::int64_t, id), (std::int64_t, shop_id));
    static inline std::vector<std::string> heard;
    static inline std::function<void(c::destroy_context const&)> on_rollback;
    static inline std::int64_t fail_after_destroy_on = -1;
    void after_destroy() {
        if (id == fail_after_destroy_on) throw std::runtime_error("order " + std::to_string(id) + " failed");
    }
    void after_commit() { heard.push_back("commit " + std::to_string(id)); }
    void after_rollback(c::destroy_context const& ctx) {
        heard.push_back("rollback " + std::to_string(id));
        if (on_rollback) on_rollback(ctx);
    }
};
struct Receipt { BOOST_HANA_DEFINE_STRUCT(Receipt, (std::int64_t, id), (std::int64_t, shop_id)); };
struct Line { BOOST_HANA_DEFINE_STRUCT(Line, (std::int64_t, id), (std::int64_t, order_id)); };
struct schema : c::schema<c::model<Shop, "shops", c::has_many<Order, &Order::shop_id, d::destroy>,
                                   c::has_many<Receipt, &Receipt::shop_id, d::destroy_async>>,
                          c::model<Order, "orders", c::has_many<Line, &Line::order_id, d::destroy>>,
                          c::model<Receipt, "receipts">,
                          c::model<Line, "lines">> {};
struct async_schema : c::schema<c::model<Shop, "shops", c::has_many<Order, &Order::shop_id, d::destroy_async>>,
                                c::model<Order, "orders", c::has_many<Line, &Line::order_id, d::destroy>>,
                                c::model<Line, "lines">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE shops (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE orders (id BIGINT PRIMARY KEY, shop_id BIGINT NOT NULL)");
        exec("CREATE TABLE receipts (id BIGINT PRIMARY KEY, shop_id BIGINT NOT NULL)");
        exec("CREATE TABLE \"lines\" (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL)");
        exec("INSERT INTO shops VALUES (1), (2)");
        exec("INSERT INTO orders VALUES (10, 1), (11, 1), (20, 2)");
        exec("INSERT INTO receipts VALUES (100, 1)");
        exec("INSERT INTO \"lines\" VALUES (1, 10), (2, 11), (3, 20)");
        Order::heard.clear();
        Order::on_rollback = nullptr;
        Order::fail_after_destroy_on = -1;
    }
};
}  // namespace commit_order

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(after_commit_and_after_rollback_wait_for_the_outermost_transaction) {
    using namespace commit_order;
    commit_order::db db;
    c::deferred_executor q;
    c::async_runtime<schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    {
        c::transaction tx(*db);
        BOOST_TEST((c::destroy<schema, Shop>(tx, 1, jobs).status == c::destroy_status::destroyed));
        BOOST_TEST(Order::heard.empty());  // nothing has committed yet
        tx.rollback();
    }
    BOOST_TEST(Order::heard == (std::vector<std::string>{"rollback 10", "rollback 11"}), tt::per_element());
    BOOST_TEST(q.empty());
    BOOST_TEST(db.count("orders") == 3);
    Order::heard.clear();
    {
        c::transaction tx(*db);
        c::destroy<schema, Shop>(tx, 1, jobs);
        BOOST_TEST(Order::heard.empty());
        tx.commit();
    }
    BOOST_TEST(Order::heard == (std::vector<std::string>{"commit 10", "commit 11"}), tt::per_element());
    BOOST_TEST(q.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_job_batch_runs_after_rollback_once_the_rollback_is_done) {
    using namespace commit_order;
    commit_order::db db;
    c::deferred_executor q;
    c::async_runtime<async_schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db});
    c::destroy<async_schema, Shop>(*db, 1, jobs);
    BOOST_REQUIRE(q.size() == 1u);
    Order::fail_after_destroy_on = 11;  // orders 10 and 11 are deleted in one batch, then 11's callback fails
    long long orders_seen = -1;
    Order::on_rollback = [&](c::destroy_context const& ctx) {
        ctx.session << "SELECT COUNT(*) FROM orders", soci::into(orders_seen);
    };
    q.perform_enqueued_jobs();
    BOOST_TEST(orders_seen == 3);  // after_rollback sees the rolled-back state, not the open transaction
    BOOST_TEST(db.count("orders") == 3);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 10. restrict blocks only a row that would survive --------------------------------------------------
namespace restrict_order {
struct Project { BOOST_HANA_DEFINE_STRUCT(Project, (std::int64_t, id)); };
struct Task { BOOST_HANA_DEFINE_STRUCT(Task, (std::int64_t, id), (std::int64_t, project_id)); };
struct Label { BOOST_HANA_DEFINE_STRUCT(Label, (std::int64_t, id), (std::int64_t, project_id), (std::optional<std::int64_t>, task_id)); };
// The restrict edge declared before the edge that deletes its rows, and after it.
struct restrict_first
    : c::schema<c::model<Project, "projects", c::has_many<Label, &Label::project_id, d::restrict_with_error>,
                         c::has_many<Task, &Task::project_id, d::destroy>>,
                c::model<Task, "tasks", c::has_many<Label, &Label::task_id, d::destroy>>, c::model<Label, "labels">> {};
struct restrict_last
    : c::schema<c::model<Project, "projects", c::has_many<Task, &Task::project_id, d::destroy>,
                         c::has_many<Label, &Label::project_id, d::restrict_with_exception>>,
                c::model<Task, "tasks", c::has_many<Label, &Label::task_id, d::delete_all>>, c::model<Label, "labels">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE projects (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE tasks (id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL)");
        exec("CREATE TABLE labels (id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, task_id BIGINT)");
        exec("INSERT INTO projects VALUES (1), (2)");
        exec("INSERT INTO tasks VALUES (10, 1), (20, 2)");
        // project 1's label is on its own task: the cascade deletes it. Project 2's label 3 is on no task.
        exec("INSERT INTO labels VALUES (1, 1, 10), (2, 2, 20), (3, 2, NULL)");
    }
};
}  // namespace restrict_order

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(a_restrict_edge_blocks_only_rows_that_would_survive_in_either_declaration_order) {
    using namespace restrict_order;
    {
        restrict_order::db db;
        auto r = c::destroy<restrict_first, Project>(*db, 1);
        BOOST_TEST(r.status == c::destroy_status::destroyed);
        BOOST_TEST(db.ids("labels") == (ids{2, 3}), tt::per_element());
        auto blocked = c::destroy<restrict_first, Project>(*db, 2);  // label 3 would survive
        BOOST_TEST(blocked.status == c::destroy_status::restricted);
        BOOST_TEST(db.ids("labels") == (ids{2, 3}), tt::per_element());
    }
    {
        restrict_order::db db;
        BOOST_TEST((c::destroy<restrict_last, Project>(*db, 1).status == c::destroy_status::destroyed));
        BOOST_TEST(db.ids("labels") == (ids{2, 3}), tt::per_element());
        BOOST_CHECK_THROW((c::destroy<restrict_last, Project>(*db, 2)), c::delete_restriction_error);
        BOOST_TEST(db.count("tasks") == 1);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 11. the dry run predicts the destroy ----------------------------------------------------------------
namespace preview {
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Item { BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::int64_t, owner_id)); };
struct Note {
    BOOST_HANA_DEFINE_STRUCT(Note, (std::int64_t, id), (std::optional<std::int64_t>, owner_id), (std::optional<std::int64_t>, item_id),
                             (std::optional<std::int64_t>, reviewer_id));
};
// Notes are reached from the owner directly and through its items (a diamond); the owner's nullify of
// the notes it reviewed meets notes the cascade deletes.
struct schema : c::schema<c::model<Owner, "owners", c::has_many<Note, &Note::reviewer_id, d::nullify, c::name<"reviewed_notes">>,
                                   c::has_many<Item, &Item::owner_id, d::destroy>,
                                   c::has_many<Note, &Note::owner_id, d::destroy>>,
                          c::model<Item, "items", c::has_many<Note, &Note::item_id, d::destroy>>,
                          c::model<Note, "notes">> {};

// belongs_to targets whose own plans meet rows this destroy deletes: a profile and its user each
// destroy the other (Rails' has_one/belongs_to pair, both dependent: :destroy); a book destroys its
// author, who restricts destroying books; a badge deletes its giver and its holder, one person.
struct User { BOOST_HANA_DEFINE_STRUCT(User, (std::int64_t, id)); };
struct Profile { BOOST_HANA_DEFINE_STRUCT(Profile, (std::int64_t, id), (std::int64_t, user_id)); };
struct Writer { BOOST_HANA_DEFINE_STRUCT(Writer, (std::int64_t, id)); };
struct Volume { BOOST_HANA_DEFINE_STRUCT(Volume, (std::int64_t, id), (std::int64_t, writer_id)); };
struct Person { BOOST_HANA_DEFINE_STRUCT(Person, (std::int64_t, id)); };
struct Badge { BOOST_HANA_DEFINE_STRUCT(Badge, (std::int64_t, id), (std::int64_t, giver_id), (std::int64_t, holder_id)); };
struct targets_schema
    : c::schema<c::model<User, "users", c::has_one<Profile, &Profile::user_id, d::destroy>>,
                c::model<Profile, "profiles", c::belongs_to<User, &Profile::user_id, d::destroy>>,
                c::model<Writer, "writers", c::has_many<Volume, &Volume::writer_id, d::restrict_with_error>>,
                c::model<Volume, "volumes", c::belongs_to<Writer, &Volume::writer_id, d::destroy>>,
                c::model<Person, "people">,
                c::model<Badge, "badges", c::belongs_to<Person, &Badge::giver_id, d::delete_, c::name<"giver">>,
                         c::belongs_to<Person, &Badge::holder_id, d::delete_, c::name<"holder">>>> {};
/// The rows of targets_schema: users 1, 2 with profiles 10, 20; writer 1 with its only volume 10; people
/// 5, 6, each the giver and holder of one badge.
struct targets_db : test::database {
    targets_db() {
        exec("CREATE TABLE users (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE profiles (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL)");
        exec("CREATE TABLE writers (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE volumes (id BIGINT PRIMARY KEY, writer_id BIGINT NOT NULL)");
        exec("CREATE TABLE people (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE badges (id BIGINT PRIMARY KEY, giver_id BIGINT NOT NULL, holder_id BIGINT NOT NULL)");
        exec("INSERT INTO users VALUES (1), (2)");
        exec("INSERT INTO profiles VALUES (10, 1), (20, 2)");
        exec("INSERT INTO writers VALUES (1)");
        exec("INSERT INTO volumes VALUES (10, 1)");
        exec("INSERT INTO people VALUES (5), (6)");
        exec("INSERT INTO badges VALUES (1, 5, 5), (2, 6, 6)");
    }
};
}  // namespace preview

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(dry_run_counts_exactly_what_destroy_does_when_a_belongs_to_target_leads_back) {
    preview::targets_db db;
    auto const same = [&](c::destroy_result const& preview, c::destroy_result const& done, std::vector<char const*> tables) {
        BOOST_TEST(preview.status == done.status);
        for (auto table : tables) BOOST_TEST(preview.rows(table) == done.rows(table), table);
    };
    // the profile, then its user, whose has_one finds the profile already gone: one profile, not two
    auto const p1 = c::dry_run<preview::targets_schema, preview::Profile>(*db, 10);
    auto const d1 = c::destroy<preview::targets_schema, preview::Profile>(*db, 10);
    same(p1, d1, {"profiles", "users"});
    BOOST_TEST(d1.rows("profiles") == 1u);
    BOOST_TEST(d1.rows("users") == 1u);
    // the volume, then its writer, whose restriction no volume stands in the way of any more
    auto const p2 = c::dry_run<preview::targets_schema, preview::Volume>(*db, 10);
    auto const d2 = c::destroy<preview::targets_schema, preview::Volume>(*db, 10);
    BOOST_TEST(d2.status == c::destroy_status::destroyed);
    same(p2, d2, {"volumes", "writers"});
    BOOST_TEST(db.count("writers") == 0);
    // one person, giver and holder: deleted once
    auto const p3 = c::dry_run<preview::targets_schema, preview::Badge>(*db, 1);
    auto const d3 = c::destroy<preview::targets_schema, preview::Badge>(*db, 1);
    same(p3, d3, {"badges", "people"});
    BOOST_TEST(d3.rows("people") == 1u);
    BOOST_TEST(db.ids("people") == (ids{6}), tt::per_element());
    // and the dry run changed nothing: what is left is what the destroys left
    BOOST_TEST(db.ids("profiles") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("badges") == (ids{2}), tt::per_element());
}

// The same previews where nothing may be written: a READ ONLY transaction of the caller's, a session
// whose transactions are read-only (a hot standby's situation), SQLite's query_only. A preview that
// wrote and rolled back (the belongs_to target plans' old way) failed in each.
BOOST_AUTO_TEST_CASE(dry_run_of_belongs_to_targets_writes_nothing_and_runs_read_only) {
    preview::targets_db db;
    auto const previews = [&] {
        auto const p1 = c::dry_run<preview::targets_schema, preview::Profile>(*db, 10);
        auto const p2 = c::dry_run<preview::targets_schema, preview::Volume>(*db, 10);
        auto const p3 = c::dry_run<preview::targets_schema, preview::Badge>(*db, 1);
        BOOST_TEST(p1.rows("profiles") == 1u);
        BOOST_TEST(p1.rows("users") == 1u);
        BOOST_TEST(p2.status == c::destroy_status::destroyed);
        BOOST_TEST(p2.rows("writers") == 1u);
        BOOST_TEST(p3.rows("people") == 1u);
    };
    if (test::is_postgresql()) {
        db.exec("BEGIN READ ONLY");
        previews();
        db.exec("ROLLBACK");
        db.exec("SET default_transaction_read_only = on");
        previews();
        db.exec("SET default_transaction_read_only = off");
    } else if (test::is_mysql()) {
        db.exec("START TRANSACTION READ ONLY");
        previews();
        db.exec("ROLLBACK");
        db.exec("SET SESSION TRANSACTION READ ONLY");
        previews();
        db.exec("SET SESSION TRANSACTION READ WRITE");
    } else {
        db.exec("PRAGMA query_only = ON");
        previews();
        db.exec("PRAGMA query_only = OFF");
    }
    BOOST_TEST(db.count("profiles") == 2);
    BOOST_TEST(db.count("people") == 2);
}

BOOST_AUTO_TEST_CASE(dry_run_counts_exactly_what_destroy_does_on_a_diamond) {
    test::database db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE items (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, owner_id BIGINT, item_id BIGINT, reviewer_id BIGINT)");
    db.exec("INSERT INTO owners VALUES (1), (2)");
    db.exec("INSERT INTO items VALUES (10, 1), (11, 1), (20, 2)");
    db.exec("INSERT INTO notes VALUES (1, 1, NULL, NULL), (2, NULL, 10, NULL), (3, 1, 10, NULL), (4, 1, 11, 1), "
            "(5, 2, 20, 1), (6, 2, 10, NULL)");
    auto const preview = c::dry_run<preview::schema, preview::Owner>(*db, 1);
    auto const done = c::destroy<preview::schema, preview::Owner>(*db, 1);
    BOOST_TEST(done.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("notes") == (ids{5}), tt::per_element());
    for (auto table : {"owners", "items", "notes"}) {
        BOOST_TEST(preview.rows(table) == done.rows(table), table);
        BOOST_TEST(preview.rows(table, c::row_action::nullified) == done.rows(table, c::row_action::nullified), table);
    }
    BOOST_TEST(done.rows("notes") == 5u);
    // Note 4 is deleted, so it is not also counted as nullified; note 5 survives with no reviewer.
    BOOST_TEST(done.rows("notes", c::row_action::nullified) == 1u);
    BOOST_TEST(db.count("notes", "id = 5 AND reviewer_id IS NULL") == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(trust_schemas) {
    test::check_dry_run_matches_destroy<nul::schema>();
    test::check_dry_run_matches_destroy<preview::targets_schema>();
    test::check_dry_run_matches_destroy<joined::schema>();
    test::check_dry_run_matches_destroy<joined::async_schema>();
    test::check_dry_run_matches_destroy<scoped_parent::schema<d::destroy>>();
    test::check_dry_run_matches_destroy<scoped_parent::schema<d::delete_>>();
    test::check_dry_run_matches_destroy<scoped_parent::schema<d::destroy_async>>();
    test::check_dry_run_matches_destroy<reused::schema>();
    test::check_dry_run_matches_destroy<late::schema>();
    test::check_dry_run_matches_destroy<overlap::schema>();
    test::check_dry_run_matches_destroy<overlap::diamond>();
    test::check_dry_run_matches_destroy<thread_posts::schema>();
    test::check_dry_run_matches_destroy<commit_order::schema>();
    test::check_dry_run_matches_destroy<commit_order::async_schema>();
    test::check_dry_run_matches_destroy<restrict_order::restrict_first>();
    test::check_dry_run_matches_destroy<restrict_order::restrict_last>();
    test::check_dry_run_matches_destroy<preview::schema>();
}

BOOST_AUTO_TEST_SUITE_END()
