// Real schemas: what a destroy meets in an application's database and Rails' data. Foreign keys
// enforced without ON DELETE, rows another session adds between a load and a delete, callbacks in a
// tree, restrictions over many owners, after_rollback. Each test failed on the code before its fix, on
// SQLite and PostgreSQL unless it says otherwise.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/jobs.hpp>
#include <cascade/soci.hpp>

#include <sstream>

namespace c = cascade;
namespace d = cascade::dependent;

// ---- belongs_to targets go before the rows they refer to --------------------------------------------
// Mastodon's account deletion: an account has one user, a user has many session activations, each
// activation belongs_to its access token (dependent: :destroy), and the token refers to the user. Every
// key is a plain REFERENCES (no ON DELETE): the token must go before the user, as Rails destroys it in
// the activation's after_destroy, before the user's row is deleted.
namespace tokens {
struct Account { BOOST_HANA_DEFINE_STRUCT(Account, (std::int64_t, id)); };
struct User { BOOST_HANA_DEFINE_STRUCT(User, (std::int64_t, id), (std::int64_t, account_id)); };
struct AccessToken { BOOST_HANA_DEFINE_STRUCT(AccessToken, (std::int64_t, id), (std::int64_t, user_id)); };
struct SessionActivation {
    BOOST_HANA_DEFINE_STRUCT(SessionActivation, (std::int64_t, id), (std::int64_t, user_id),
                             (std::optional<std::int64_t>, access_token_id));
};
struct schema
    : c::schema<c::model<Account, "accounts", c::has_one<User, &User::account_id, d::destroy>>,
                c::model<User, "users", c::has_many<SessionActivation, &SessionActivation::user_id, d::destroy>>,
                c::model<SessionActivation, "session_activations",
                         c::belongs_to<AccessToken, &SessionActivation::access_token_id, d::destroy>>,
                c::model<AccessToken, "access_tokens">> {};
struct db : test::database {
    db() {
        exec("CREATE TABLE accounts (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE users (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id))");
        exec("CREATE TABLE access_tokens (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id))");
        exec("CREATE TABLE session_activations (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), "
             "access_token_id BIGINT REFERENCES access_tokens (id))");
        exec("INSERT INTO accounts VALUES (1), (2)");
        exec("INSERT INTO users VALUES (10, 1), (20, 2)");
        exec("INSERT INTO access_tokens VALUES (100, 10), (101, 10), (200, 20)");
        exec("INSERT INTO session_activations VALUES (1000, 10, 100), (1001, 10, 101), (1002, 10, NULL), (2000, 20, 200)");
    }
};
}  // namespace tokens

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(belongs_to_targets_go_before_the_rows_they_refer_to) {
    tokens::db db;
    auto const preview = c::dry_run<tokens::schema, tokens::Account>(*db, 1);
    auto const r = c::destroy<tokens::schema, tokens::Account>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("accounts") == (ids{2}), tt::per_element());
    BOOST_TEST(db.ids("users") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("access_tokens") == (ids{200}), tt::per_element());
    BOOST_TEST(db.ids("session_activations") == (ids{2000}), tt::per_element());
    BOOST_TEST(r.rows("access_tokens") == 2u);
    for (auto table : {"accounts", "users", "access_tokens", "session_activations"})
        BOOST_TEST(preview.rows(table) == r.rows(table), table);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_schemas)

// A token another user's activation still refers to: the database refuses its destroy, and the error
// names the declared association it came through (PostgreSQL names the tables; SQLite names none).
BOOST_AUTO_TEST_CASE(a_refusal_names_the_declared_association) {
    tokens::db db;
    db.exec("INSERT INTO session_activations VALUES (2001, 20, 100)");
    std::string what, association;
    try {
        c::destroy<tokens::schema, tokens::Account>(*db, 1);
    } catch (c::foreign_key_violation const& e) {
        what = e.what();
        association = e.association;
    }
    BOOST_TEST(!what.empty());
    if (test::is_server()) {
        BOOST_TEST(association == "session_activations.access_token");
        BOOST_TEST(what.find("no association of the schema declares") == std::string::npos, what);
    }
    BOOST_TEST(db.count("accounts") == 2);
    BOOST_TEST(db.count("access_tokens") == 3);
    BOOST_TEST(db.count("session_activations") == 5);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- after_rollback: every row whose destroy began --------------------------------------------------
namespace rollback {
struct log {
    static inline std::vector<std::string> before, rolled_back;
    static void clear() { before.clear(), rolled_back.clear(); }
};
struct Author {
    BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id));
    void before_destroy() { log::before.push_back("a" + std::to_string(id)); }
    void after_rollback() { log::rolled_back.push_back("a" + std::to_string(id)); }
};
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id));
    void before_destroy() { log::before.push_back("b" + std::to_string(id)); }
    void after_rollback() { log::rolled_back.push_back("b" + std::to_string(id)); }
};
struct Chapter {
    BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id));
    bool before_destroy() {
        log::before.push_back("c" + std::to_string(id));
        return id != 22;  // chapter 22 refuses
    }
    void after_rollback() { log::rolled_back.push_back("c" + std::to_string(id)); }
};
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                          c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::destroy>>,
                          c::model<Chapter, "chapters">> {};
}  // namespace rollback

BOOST_AUTO_TEST_SUITE(real_schemas)

// Rails runs after_rollback on the records whose row it deleted; its row-by-row order has deleted the
// earlier siblings' whole subtrees when a later one refuses. cascade deletes no row of a set before all
// of them and their dependents passed before_destroy, so it runs after_rollback on every row whose
// before_destroy passed: each side effect taken there can be undone. Not the refusing row.
BOOST_AUTO_TEST_CASE(after_rollback_reaches_every_row_whose_destroy_began) {
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
    db.exec("INSERT INTO authors VALUES (1)");
    db.exec("INSERT INTO books VALUES (10, 1), (11, 1)");
    db.exec("INSERT INTO chapters VALUES (20, 10), (21, 10), (22, 11), (23, 11)");
    rollback::log::clear();
    auto const r = c::destroy<rollback::schema, rollback::Author>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::aborted);
    BOOST_TEST(r.aborted_by->second == "22");
    BOOST_TEST(rollback::log::before == (std::vector<std::string>{"a1", "b10", "b11", "c20", "c21", "c22"}),
               tt::per_element());
    BOOST_TEST(rollback::log::rolled_back == (std::vector<std::string>{"a1", "b10", "b11", "c20", "c21"}),
               tt::per_element());
    BOOST_TEST(db.count("chapters") == 4);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- restrictions name every restricted owner -------------------------------------------------------
namespace restricted {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id)); };
struct Book { BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id)); };
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::restrict_with_error>>,
                          c::model<Book, "books">> {};
}  // namespace restricted

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(destroy_all_names_each_restricted_owner_the_first_hundred_and_counts_the_rest) {
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    std::vector<long long> keys;
    for (long long a = 1; a <= 10000; ++a) keys.push_back(a);
    db.exec("INSERT INTO authors SELECT i FROM " + test::series(10000));
    db.exec("INSERT INTO books VALUES (1, 17), (2, 17), (3, 4711), (4, 9000)");  // three restricted authors
    auto const three = c::destroy_all<restricted::schema, restricted::Author>(*db, keys);
    BOOST_TEST(three.status == c::destroy_status::restricted);
    std::vector<std::string> named;
    for (auto const& e : three.errors) named.push_back(e.key);
    BOOST_TEST(named == (std::vector<std::string>{"17", "4711", "9000"}), tt::per_element());
    BOOST_TEST(three.unlisted_restrictions == 0u);
    BOOST_TEST(db.count("authors") == 10000);
    // 150 restricted: the first 100 named, the other 50 counted
    db.exec("INSERT INTO books SELECT 100 + id, id FROM authors WHERE id BETWEEN 1001 AND 1147");
    auto const many = c::destroy_all<restricted::schema, restricted::Author>(*db, keys);
    BOOST_TEST(many.errors.size() == 100u);
    BOOST_TEST(many.errors.front().key == "17");
    BOOST_TEST(many.unlisted_restrictions == 50u);
    auto const preview = c::dry_run_all<restricted::schema, restricted::Author>(*db, keys);
    BOOST_TEST(preview.errors.size() == 100u);
    BOOST_TEST(preview.unlisted_restrictions == 50u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- callbacks in a tree run in tree order ----------------------------------------------------------
namespace comment_tree {
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, parent_id));
    static inline std::vector<std::int64_t> before, after;
    void before_destroy() { before.push_back(id); }
    void after_destroy() { after.push_back(id); }
};
struct schema : c::schema<c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::destroy, c::name<"replies">>>> {};
}  // namespace comment_tree

BOOST_AUTO_TEST_SUITE(real_schemas)

// Keys against the tree's order: the root is 10, its replies 7 and 12, 7's reply 3, 3's reply 1. A guard in
// before_destroy sees each parent before its replies; after_destroy hears the replies before their parent.
BOOST_AUTO_TEST_CASE(callbacks_in_a_tree_run_parents_first_before_and_children_first_after) {
    test::database db;
    db.exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES comments (id))");
    db.exec("INSERT INTO comments VALUES (10, NULL), (7, 10), (12, 10), (3, 7), (1, 3), (99, NULL)");
    comment_tree::Comment::before.clear();
    comment_tree::Comment::after.clear();
    auto const r = c::destroy<comment_tree::schema, comment_tree::Comment>(*db, 10);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(comment_tree::Comment::before == (std::vector<std::int64_t>{10, 7, 12, 3, 1}), tt::per_element());
    BOOST_TEST(comment_tree::Comment::after == (std::vector<std::int64_t>{1, 3, 12, 7, 10}), tt::per_element());
    BOOST_TEST(db.ids("comments") == (ids{99}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- a row that joins a loaded set stays ----------------------------------------------------------
// A post's comments are loaded (before_destroy), then deleted. A comment written meanwhile, by another
// session (PostgreSQL, READ COMMITTED: the DELETE sees it) or by a callback in this one, was never
// loaded: it must not be deleted unheard. No foreign key stops it (polymorphic comments have none).
namespace late_row {
struct Post {
    BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id));
};
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::int64_t, post_id));
    static inline std::vector<std::int64_t> before, after, committed;
    static inline std::function<void(soci::session&)> meanwhile;
    void before_destroy(c::destroy_context const& ctx) {
        before.push_back(id);
        if (meanwhile) std::exchange(meanwhile, nullptr)(ctx.session);  // once, between the load and the delete
    }
    void after_destroy() { after.push_back(id); }
    void after_commit() { committed.push_back(id); }
};
struct schema : c::schema<c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy>>,
                          c::model<Comment, "comments">> {};
}  // namespace late_row

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(a_row_that_joins_a_loaded_set_is_not_deleted_unheard) {
    using late_row::Comment;
    test::database db;
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, post_id BIGINT NOT NULL)");
    db.exec("INSERT INTO posts VALUES (1), (2)");
    db.exec("INSERT INTO comments VALUES (10, 1), (11, 1), (20, 2)");
    Comment::before.clear(), Comment::after.clear(), Comment::committed.clear();
    std::unique_ptr<soci::session> other;
    if (test::is_postgresql()) {
        other = db.connect();  // another session, committing at once
        Comment::meanwhile = [&](soci::session&) { *other << "INSERT INTO comments VALUES (12, 1)"; };
    } else {
        Comment::meanwhile = [](soci::session& s) { s << "INSERT INTO comments VALUES (12, 1)"; };
    }
    auto const r = c::destroy<late_row::schema, late_row::Post>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(Comment::before == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(Comment::after == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(Comment::committed == (std::vector<std::int64_t>{10, 11}), tt::per_element());
    BOOST_TEST(r.rows("comments") == 2u);
    BOOST_TEST(db.ids("comments") == (ids{12, 20}), tt::per_element());  // the late row stays, as in Rails
}

BOOST_AUTO_TEST_SUITE_END()

// ---- one refusing row does not hold up a destroy_async job -------------------------------------------
// Rails' job destroys record by record: a record whose before_destroy aborts stays, the others go, the
// job succeeds. Here a forum's 1,000 topics go in one batch; topic 500 refuses, and so does a post deep
// in topic 700's cascade.
namespace refusing {
struct Forum { BOOST_HANA_DEFINE_STRUCT(Forum, (std::int64_t, id)); };
struct Topic {
    BOOST_HANA_DEFINE_STRUCT(Topic, (std::int64_t, id), (std::int64_t, forum_id));
    static inline int calls_on_500 = 0;
    bool before_destroy() {
        if (id == 500) ++calls_on_500;
        return id != 500;
    }
};
struct Post {
    BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id), (std::int64_t, topic_id));
    bool before_destroy() { return id != 7000; }
};
struct schema : c::schema<c::model<Forum, "forums", c::has_many<Topic, &Topic::forum_id, d::destroy_async>>,
                          c::model<Topic, "topics", c::has_many<Post, &Post::topic_id, d::destroy>>,
                          c::model<Post, "posts">> {};
}  // namespace refusing

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(a_refusing_row_stays_and_the_destroy_async_job_completes) {
    using namespace refusing;
    test::database db;
    db.exec("CREATE TABLE forums (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE topics (id BIGINT PRIMARY KEY, forum_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY, topic_id BIGINT NOT NULL)");
    db.exec("INSERT INTO forums VALUES (1), (2)");
    db.exec("INSERT INTO topics SELECT i, 1 FROM " + test::series(1000));
    db.exec("INSERT INTO topics VALUES (5000, 2)");
    db.exec("INSERT INTO posts VALUES (7000, 700), (7001, 700), (7002, 701)");
    Topic::calls_on_500 = 0;
    c::deferred_executor q;
    std::vector<c::job_event> events;
    c::async_runtime<schema, c::deferred_executor, c::shared_session> jobs(
        q, c::shared_session{*db}, {.on_event = [&](c::job_event const& e) { events.push_back(e); }});
    BOOST_TEST((c::destroy<schema, Forum>(*db, 1, jobs).status == c::destroy_status::destroyed));
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("topics") == (ids{500, 700, 5000}), tt::per_element());
    BOOST_TEST(db.ids("posts") == (ids{7000, 7001}), tt::per_element());  // topic 700's cascade was undone whole
    BOOST_TEST(Topic::calls_on_500 == 2);  // the batch, then topic 500 alone; not again in the job's sweep
    std::vector<c::job_event> performed, failed;
    for (auto const& e : events) {
        if (e.what == c::job_event::kind::performed) performed.push_back(e);
        if (e.what == c::job_event::kind::failed) failed.push_back(e);
    }
    BOOST_TEST(failed.empty());
    BOOST_REQUIRE(performed.size() == 1u);
    BOOST_REQUIRE(performed[0].refused.size() == 2u);
    BOOST_TEST(performed[0].refused[0].key == "500");
    BOOST_TEST(performed[0].refused[0].model == "topics");
    BOOST_TEST(performed[0].refused[1].key == "700");
    BOOST_TEST(performed[0].refused[1].model == "posts");
    BOOST_TEST(performed[0].refused[1].refused_by == "7000");
    BOOST_TEST(performed[0].rows == 998u + 1u);  // 998 topics and post 7002
    std::ostringstream log;
    c::log_jobs_to(log)(performed[0]);
    BOOST_TEST(log.str().find("2 dependents stayed: 500 (topics 500: a before_destroy callback aborted), 700 (posts 7000") !=
               std::string::npos, log.str());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- a throwing after_commit does not keep the other rows from theirs ------------------------------
namespace throwing_commit {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id)); };
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id));
    static inline std::vector<std::int64_t> committed;
    void after_commit() {
        committed.push_back(id);
        if (id == 10) throw std::runtime_error("mailer down");
    }
};
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>,
                          c::model<Book, "books">> {};
}  // namespace throwing_commit

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(every_after_commit_runs_when_one_throws_and_the_first_error_is_rethrown) {
    using throwing_commit::Book;
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("INSERT INTO authors VALUES (1)");
    db.exec("INSERT INTO books VALUES (10, 1), (11, 1), (12, 1)");
    Book::committed.clear();
    BOOST_CHECK_EXCEPTION((c::destroy<throwing_commit::schema, throwing_commit::Author>(*db, 1)), std::runtime_error,
                          [](std::runtime_error const& e) { return std::string(e.what()) == "mailer down"; });
    BOOST_TEST(Book::committed == (std::vector<std::int64_t>{10, 11, 12}), tt::per_element());
    BOOST_TEST(db.count("books") == 0);  // committed before the callbacks ran
}

BOOST_AUTO_TEST_SUITE_END()

// ---- ON DELETE RESTRICT inside a tree --------------------------------------------------------------
// SQLite checks RESTRICT at each row inside a statement, so one DELETE of a whole tree is refused when
// a parent's row goes before its reply's. A tree with and without callbacks (loaded, or deleted by its
// set), with keys against the tree's order.
namespace restrict_tree {
struct Node { BOOST_HANA_DEFINE_STRUCT(Node, (std::int64_t, id), (std::optional<std::int64_t>, parent_id)); };
struct Called {
    BOOST_HANA_DEFINE_STRUCT(Called, (std::int64_t, id), (std::optional<std::int64_t>, parent_id));
    static inline int destroyed = 0;
    void after_commit() { ++destroyed; }
};
struct schema : c::schema<c::model<Node, "nodes", c::has_many<Node, &Node::parent_id, d::destroy, c::name<"children">>>,
                          c::model<Called, "called", c::has_many<Called, &Called::parent_id, d::destroy, c::name<"children">>>> {};
}  // namespace restrict_tree

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(a_tree_whose_key_is_on_delete_restrict_is_destroyed_children_first) {
    test::database db;
    for (std::string table : {"nodes", "called"}) {
        db.exec("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES " + table +
                " (id) ON DELETE RESTRICT)");
        db.exec("INSERT INTO " + table + " VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (50, NULL)");
        db.exec("INSERT INTO " + table + " VALUES (5, 50)");
        db.exec("UPDATE " + table + " SET parent_id = 5 WHERE id = 1");  // 50 <- 5 <- 1 <- 2 <- 3 <- 4
    }
    restrict_tree::Called::destroyed = 0;
    auto const plain = c::destroy<restrict_tree::schema, restrict_tree::Node>(*db, 50);
    BOOST_TEST(plain.status == c::destroy_status::destroyed);
    BOOST_TEST(plain.rows("nodes") == 6u);
    BOOST_TEST(db.count("nodes") == 0);
    auto const called = c::destroy<restrict_tree::schema, restrict_tree::Called>(*db, 50);
    BOOST_TEST(called.status == c::destroy_status::destroyed);
    BOOST_TEST(db.count("called") == 0);
    BOOST_TEST(restrict_tree::Called::destroyed == 6);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- found by review: targets by the set that found them, cycles' targets in the dry run, restrict in jobs
// A model destroyed from the root and delete_all'd as its replies: the delete_all'd set goes first and
// must not take the destroyed set's targets with it (they still refer to them).
namespace twin_sets {
struct Attachment { BOOST_HANA_DEFINE_STRUCT(Attachment, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, parent_id),
                             (std::optional<std::int64_t>, attachment_id));
    static inline std::vector<std::int64_t> before;
    void before_destroy() { before.push_back(id); }
};
struct schema : c::schema<c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::delete_all, c::name<"replies">>,
                                   c::belongs_to<Attachment, &Comment::attachment_id, d::destroy>>,
                          c::model<Attachment, "attachments", c::has_many<Comment, &Comment::attachment_id, d::destroy>>> {};
}  // namespace twin_sets
namespace cycle_target {
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Folder {
    BOOST_HANA_DEFINE_STRUCT(Folder, (std::int64_t, id), (std::optional<std::int64_t>, shortcut_id), (std::optional<std::int64_t>, owner_id));
};
struct Shortcut {
    BOOST_HANA_DEFINE_STRUCT(Shortcut, (std::int64_t, id), (std::optional<std::int64_t>, folder_id), (std::optional<std::int64_t>, owner_id));
};
struct schema : c::schema<c::model<Folder, "folders", c::has_many<Shortcut, &Shortcut::folder_id, d::destroy>,
                                   c::belongs_to<Owner, &Folder::owner_id, d::destroy>>,
                          c::model<Shortcut, "shortcuts", c::has_many<Folder, &Folder::shortcut_id, d::destroy>>,
                          c::model<Owner, "owners", c::has_many<Shortcut, &Shortcut::owner_id, d::restrict_with_error>>> {};
}  // namespace cycle_target
namespace job_restrict {
struct Forum { BOOST_HANA_DEFINE_STRUCT(Forum, (std::int64_t, id)); };
struct Topic { BOOST_HANA_DEFINE_STRUCT(Topic, (std::int64_t, id), (std::int64_t, forum_id)); };
struct Pin { BOOST_HANA_DEFINE_STRUCT(Pin, (std::int64_t, id), (std::int64_t, topic_id)); };
struct schema : c::schema<c::model<Forum, "forums", c::has_many<Topic, &Topic::forum_id, d::destroy_async>>,
                          c::model<Topic, "topics", c::has_many<Pin, &Pin::topic_id, d::restrict_with_error>>,
                          c::model<Pin, "pins">> {};
}  // namespace job_restrict

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(targets_wait_for_the_set_that_found_them_not_its_twin) {
    test::database db;
    db.exec("CREATE TABLE attachments (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES comments (id), "
            "attachment_id BIGINT REFERENCES attachments (id))");
    db.exec("INSERT INTO attachments VALUES (10)");
    db.exec("INSERT INTO comments VALUES (1, NULL, 10), (2, 1, NULL)");
    twin_sets::Comment::before.clear();
    auto const preview = c::dry_run<twin_sets::schema, twin_sets::Comment>(*db, 1);
    auto const r = c::destroy<twin_sets::schema, twin_sets::Comment>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.count("comments") == 0);
    BOOST_TEST(db.count("attachments") == 0);
    BOOST_TEST(twin_sets::Comment::before == (std::vector<std::int64_t>{1}), tt::per_element());  // once
    BOOST_TEST(test::property::describe(preview) == test::property::describe(r));
}

BOOST_AUTO_TEST_CASE(a_cycles_targets_are_previewed_after_its_last_member_as_destroyed) {
    test::database db;
    db.exec("CREATE TABLE owners (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE folders (id BIGINT PRIMARY KEY, shortcut_id BIGINT, owner_id BIGINT)");
    db.exec("CREATE TABLE shortcuts (id BIGINT PRIMARY KEY, folder_id BIGINT, owner_id BIGINT)");
    db.exec("INSERT INTO owners VALUES (1)");
    db.exec("INSERT INTO folders VALUES (10, NULL, 1)");
    db.exec("INSERT INTO shortcuts VALUES (20, 10, 1)");
    auto const preview = c::dry_run<cycle_target::schema, cycle_target::Folder>(*db, 10);
    auto const r = c::destroy<cycle_target::schema, cycle_target::Folder>(*db, 10);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(test::property::describe(preview) == test::property::describe(r));
}

// Rails' job calls destroy, which returns false for restrict_with_error: that record stays, the job goes on.
BOOST_AUTO_TEST_CASE(a_restricted_dependent_stays_and_the_destroy_async_job_completes) {
    using namespace job_restrict;
    test::database db;
    db.exec("CREATE TABLE forums (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE topics (id BIGINT PRIMARY KEY, forum_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE pins (id BIGINT PRIMARY KEY, topic_id BIGINT NOT NULL)");
    db.exec("INSERT INTO forums VALUES (1)");
    db.exec("INSERT INTO topics VALUES (1, 1), (2, 1), (3, 1)");
    db.exec("INSERT INTO pins VALUES (10, 2)");
    c::deferred_executor q;
    std::vector<c::job_event> events;
    c::async_runtime<schema, c::deferred_executor, c::shared_session> jobs(
        q, c::shared_session{*db}, {.on_event = [&](c::job_event const& e) { events.push_back(e); }});
    BOOST_TEST((c::destroy<schema, Forum>(*db, 1, jobs).status == c::destroy_status::destroyed));
    q.perform_enqueued_jobs();
    BOOST_TEST(db.ids("topics") == (ids{2}), tt::per_element());
    bool reported = false;
    for (auto const& e : events) {
        BOOST_TEST((e.what != c::job_event::kind::failed));
        if (e.what == c::job_event::kind::performed && e.refused.size() == 1)
            reported = e.refused[0].key == "2" && e.refused[0].reason == "Cannot delete record because dependent pins exist";
    }
    BOOST_TEST(reported);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the dry run sees the tables as the destroy would, step by step --------------------------------
// A blog delete_all's its posts and destroys its memberships; a membership destroys its user, who
// destroys the user's posts and their comments. The blog's posts are gone by then: the user's plan
// finds no post and no comment (they stay, orphans), and the preview must say the same. Likewise a
// post whose user key the blog's nullify cleared is not the user's any more.
namespace through_deleted {
struct Blog { BOOST_HANA_DEFINE_STRUCT(Blog, (std::int64_t, id)); };
struct User { BOOST_HANA_DEFINE_STRUCT(User, (std::int64_t, id)); };
struct Post {
    BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id), (std::optional<std::int64_t>, blog_id), (std::optional<std::int64_t>, user_id),
                             (std::optional<std::int64_t>, editor_id));
};
struct Comment { BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, post_id)); };
struct Membership {
    BOOST_HANA_DEFINE_STRUCT(Membership, (std::int64_t, id), (std::optional<std::int64_t>, blog_id), (std::optional<std::int64_t>, user_id));
};
struct schema
    : c::schema<c::model<Blog, "blogs", c::has_many<Post, &Post::blog_id, d::delete_all>,
                         c::has_many<Membership, &Membership::blog_id, d::destroy>>,
                c::model<Membership, "memberships", c::belongs_to<User, &Membership::user_id, d::destroy>>,
                c::model<User, "users", c::has_many<Post, &Post::user_id, d::destroy>,
                         c::has_many<Post, &Post::editor_id, d::nullify, c::name<"edited_posts">>>,
                c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy>>,
                c::model<Comment, "comments">> {};
}  // namespace through_deleted

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(the_dry_run_does_not_reach_through_rows_an_earlier_step_deleted) {
    using namespace through_deleted;
    test::database db;
    db.exec("CREATE TABLE blogs (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE users (id BIGINT PRIMARY KEY)");
    db.exec("CREATE TABLE posts (id BIGINT PRIMARY KEY, blog_id BIGINT, user_id BIGINT, editor_id BIGINT)");
    db.exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, post_id BIGINT)");
    db.exec("CREATE TABLE memberships (id BIGINT PRIMARY KEY, blog_id BIGINT, user_id BIGINT)");
    db.exec("INSERT INTO blogs VALUES (1)");
    db.exec("INSERT INTO users VALUES (7)");
    db.exec("INSERT INTO posts VALUES (10, 1, 7, 7), (11, NULL, 7, NULL), (12, NULL, NULL, 7)");
    db.exec("INSERT INTO comments VALUES (100, 10), (110, 11)");
    db.exec("INSERT INTO memberships VALUES (50, 1, 7)");
    auto const preview = c::dry_run<schema, Blog>(*db, 1);
    auto const r = c::destroy<schema, Blog>(*db, 1);
    BOOST_TEST(test::property::describe(preview) == test::property::describe(r));
    BOOST_TEST(r.rows("comments") == 1u);  // 110, through the user's post 11; 100 stays
    BOOST_TEST(db.ids("comments") == (ids{100}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(the_dry_run_of_such_a_schema_matches_the_destroy_on_random_data) {
    test::check_dry_run_matches_destroy<through_deleted::schema>();
}

BOOST_AUTO_TEST_SUITE_END()

// The same with text keys a list must quote: the late row found by count, the loaded ones deleted by key.
namespace late_text {
struct Shelf { BOOST_HANA_DEFINE_STRUCT(Shelf, (std::string, name)); };
struct Item {
    BOOST_HANA_DEFINE_STRUCT(Item, (std::string, code), (std::string, shelf_name));
    static inline std::vector<std::string> before;
    void before_destroy(c::destroy_context const& ctx) {
        if (before.empty()) ctx.session << "INSERT INTO items VALUES ('late, \"one\"', 'a''b\\c')";
        before.push_back(code);
    }
};
struct schema : c::schema<c::model<Shelf, "shelves", c::primary_key<&Shelf::name>,
                                   c::has_many<Item, &Item::shelf_name, d::destroy, c::primary_key<&Shelf::name>>>,
                          c::model<Item, "items", c::primary_key<&Item::code>>> {};
}  // namespace late_text

BOOST_AUTO_TEST_SUITE(real_schemas)

BOOST_AUTO_TEST_CASE(a_late_row_stays_when_the_keys_are_text_a_list_must_quote) {
    test::database db;
    db.exec("CREATE TABLE shelves (name TEXT PRIMARY KEY)");
    db.exec("CREATE TABLE items (code TEXT PRIMARY KEY, shelf_name TEXT NOT NULL)");
    db.exec("INSERT INTO shelves VALUES ('a''b\\c'), ('other')");
    db.exec("INSERT INTO items VALUES ('o''1', 'a''b\\c'), ('x\"y', 'a''b\\c'), ('{é,}', 'a''b\\c'), ('z', 'other')");
    late_text::Item::before.clear();
    auto const r = c::destroy<late_text::schema, late_text::Shelf>(*db, std::string("a'b\\c"));
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("items") == 3u);
    BOOST_TEST(late_text::Item::before.size() == 3u);
    BOOST_TEST(db.count("items") == 2);
    BOOST_TEST(db.count("items", "code = 'late, \"one\"' AND shelf_name = 'a''b\\c'") == 1);  // it joined the set
}

BOOST_AUTO_TEST_SUITE_END()
