// Plans on the model graph: a comment tree of 100,000 nodes destroyed from its root with and without
// callbacks, a subtree, a tree under destroy_async (the jobs carry the recursion on), a cycle through
// two models, and destroy_all of 10,000 owners in one call.
#include "../support/database.hpp"
#include "../support/property.hpp"

#include <cascade/jobs.hpp>

namespace c = cascade;
namespace d = cascade::dependent;

namespace tree {
struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, post_id),
                             (std::optional<std::int64_t>, parent_id), (std::string, body));
};
struct Like { BOOST_HANA_DEFINE_STRUCT(Like, (std::int64_t, id), (std::int64_t, comment_id)); };
struct schema : c::schema<c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy>>,
                          c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::destroy, c::name<"replies">>,
                                   c::has_many<Like, &Like::comment_id, d::delete_all>>,
                          c::model<Like, "likes">> {};

/// The same tree with a callback on every comment: its rows are loaded, page by page.
struct Noted {
    BOOST_HANA_DEFINE_STRUCT(Noted, (std::int64_t, id), (std::optional<std::int64_t>, post_id),
                             (std::optional<std::int64_t>, parent_id), (std::string, body));
    static inline std::int64_t before = 0, after = 0, by_replies = 0;
    void before_destroy(c::destroy_context const& ctx) {
        ++before;
        if (ctx.destroyed_by_association && ctx.destroyed_by_association->name == "replies") ++by_replies;
    }
    void after_destroy() { ++after; }
};
struct noted_schema : c::schema<c::model<Post, "posts", c::has_many<Noted, &Noted::post_id, d::destroy>>,
                                c::model<Noted, "comments", c::has_many<Noted, &Noted::parent_id, d::destroy, c::name<"replies">>,
                                         c::has_many<Like, &Like::comment_id, d::delete_all>>,
                                c::model<Like, "likes">> {};

/// Replies destroyed by jobs: each job's rows make the next jobs.
struct async_schema : c::schema<c::model<Post, "posts", c::has_many<Comment, &Comment::post_id, d::destroy_async>>,
                                c::model<Comment, "comments", c::has_many<Comment, &Comment::parent_id, d::destroy_async, c::name<"replies">>,
                                         c::has_many<Like, &Like::comment_id, d::delete_all>>,
                                c::model<Like, "likes">> {};

/// posts 1 and 2; post 1 has a tree of `n` comments: a chain of 50 (depth 50), every later comment a
/// reply to a pseudo-random earlier one (fan-out varied: a few comments have thousands of replies,
/// most have none); post 2 has 10 comments of its own; one like per tenth comment.
struct db : test::database {
    explicit db(long long n) {
        exec("CREATE TABLE posts (id BIGINT PRIMARY KEY)");
        exec("CREATE TABLE comments (id BIGINT PRIMARY KEY, post_id BIGINT, parent_id BIGINT, body TEXT NOT NULL)");
        exec("CREATE INDEX comments_post ON comments (post_id)");
        exec("CREATE INDEX comments_parent ON comments (parent_id)");
        exec("CREATE TABLE likes (id BIGINT PRIMARY KEY, comment_id BIGINT NOT NULL)");
        exec("CREATE INDEX likes_comment ON likes (comment_id)");
        exec("INSERT INTO posts VALUES (1), (2)");
        std::string const series = test::series(n);
        exec("INSERT INTO comments SELECT i, CASE WHEN i = 1 THEN 1 END, "
             "CASE WHEN i = 1 THEN NULL WHEN i <= 50 THEN i - 1 ELSE 1 + (i * 2654435761) % (i - 1) END, 'c' FROM " + series);
        exec("INSERT INTO comments SELECT 1000000 + i, 2, NULL, 'other' FROM " + series + " WHERE i <= 10");
        exec("INSERT INTO likes SELECT i, i FROM " + series + " WHERE i % 10 = 0");
        exec("INSERT INTO likes VALUES (9000001, 1000001)");
        if (test::is_postgresql()) exec("ANALYZE");
    }
    /// The comments under (and including) `root`, counted by a query of the test's own.
    long long subtree(long long root) {
        long long n = 0;
        **this << "WITH RECURSIVE t(id) AS (SELECT CAST(" + std::to_string(root) + " AS " + test::bigint() + ")" +
                      " UNION ALL SELECT c.id FROM comments c JOIN t ON c.parent_id = t.id) SELECT COUNT(*) FROM t",
            soci::into(n);
        return n;
    }
    long long depth() {
        long long n = 0;
        **this << "WITH RECURSIVE t(id, d) AS (SELECT CAST(1 AS " + test::bigint() + "), 1 UNION ALL SELECT c.id, t.d + 1 FROM comments c JOIN t ON c.parent_id = t.id) "
                  "SELECT MAX(d) FROM t",
            soci::into(n);
        return n;
    }
};
}  // namespace tree

BOOST_AUTO_TEST_SUITE(graphs)

BOOST_AUTO_TEST_CASE(a_tree_of_100000_comments_from_its_root_without_callbacks) {
    tree::db db(100000);
    BOOST_TEST(db.depth() >= 50);
    auto const preview = c::dry_run<tree::schema, tree::Post>(*db, 1);
    auto const r = c::destroy<tree::schema, tree::Post>(*db, 1);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("comments") == 100000u);
    BOOST_TEST(r.rows("likes") == 10000u);
    BOOST_TEST(preview.rows("comments") == 100000u);
    BOOST_TEST(preview.rows("likes") == 10000u);
    BOOST_TEST(db.count("comments") == 10);  // post 2's
    BOOST_TEST(db.count("likes") == 1);
    BOOST_TEST(db.ids("posts") == (ids{2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_tree_of_100000_comments_with_callbacks_on_every_row) {
    tree::db db(100000);
    tree::Noted::before = tree::Noted::after = tree::Noted::by_replies = 0;
    auto const r = c::destroy<tree::noted_schema, tree::Post>(*db, 1, c::destroy_options{.page_size = 700});
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(tree::Noted::before == 100000);
    BOOST_TEST(tree::Noted::after == 100000);
    BOOST_TEST(tree::Noted::by_replies == 99999);  // every comment but the first is a reply
    BOOST_TEST(db.count("comments") == 10);
    BOOST_TEST(db.count("likes") == 1);
}

BOOST_AUTO_TEST_CASE(a_subtree_goes_and_the_rest_of_the_tree_stays) {
    tree::db db(5000);
    long long const under = db.subtree(30);  // on the chain: everything below depth 30
    BOOST_TEST(under > 20);
    BOOST_TEST(under < 5000);
    auto const r = c::destroy<tree::schema, tree::Comment>(*db, 30);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("comments") == static_cast<std::size_t>(under));
    BOOST_TEST(db.count("comments") == 5000 + 10 - under);
    BOOST_TEST(db.count("comments", "id = 29") == 1);  // its parent stays
    BOOST_TEST(db.count("comments", "parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM comments)") == 0);
}

BOOST_AUTO_TEST_CASE(a_tree_under_destroy_async_the_jobs_carry_the_recursion_on) {
    tree::db db(3000);
    c::deferred_executor q;
    c::async_runtime<tree::async_schema, c::deferred_executor, c::shared_session> jobs(q, c::shared_session{*db},
                                                                                       {.batch_size = 100});
    BOOST_TEST((c::destroy<tree::async_schema, tree::Post>(*db, 1, jobs).status == c::destroy_status::destroyed));
    BOOST_TEST(db.count("comments") == 3010);  // the request deleted the post only
    BOOST_TEST(q.size() == 1u);
    std::size_t const ran = q.perform_enqueued_jobs();
    BOOST_TEST(ran > 100u);  // one job per comment that had replies
    BOOST_TEST(db.count("comments") == 10);
    BOOST_TEST(db.count("likes") == 1);
}

namespace cycle {
struct Folder {
    BOOST_HANA_DEFINE_STRUCT(Folder, (std::int64_t, id), (std::optional<std::int64_t>, shortcut_id));
    static inline int after = 0;
    void after_destroy() { ++after; }
};
struct Shortcut {
    BOOST_HANA_DEFINE_STRUCT(Shortcut, (std::int64_t, id), (std::optional<std::int64_t>, folder_id));
    static inline int destroyed = 0, after = 0, by_shortcuts = 0;
    void before_destroy() { ++destroyed; }
    void after_destroy(c::destroy_context const& ctx) {
        ++after;
        if (ctx.destroyed_by_association && ctx.destroyed_by_association->name == "shortcuts") ++by_shortcuts;
    }
};
// A folder holds shortcuts; a shortcut can hold folders: destroying one destroys all it reaches.
struct schema : c::schema<c::model<Folder, "folders", c::has_many<Shortcut, &Shortcut::folder_id, d::destroy>>,
                          c::model<Shortcut, "shortcuts", c::has_many<Folder, &Folder::shortcut_id, d::destroy>>> {};
}  // namespace cycle

BOOST_AUTO_TEST_CASE(a_cycle_through_two_models) {
    test::database db;
    db.exec("CREATE TABLE folders (id BIGINT PRIMARY KEY, shortcut_id BIGINT)");
    db.exec("CREATE TABLE shortcuts (id BIGINT PRIMARY KEY, folder_id BIGINT)");
    // folder 1 -> shortcuts 10, 11; shortcut 10 -> folder 2 -> shortcut 20 -> folder 3; shortcut 20 also
    // holds folder 1 (a cycle in the rows too). Folder 4 and shortcut 40 are elsewhere.
    db.exec("INSERT INTO folders VALUES (1, 20), (2, 10), (3, 20), (4, NULL)");
    db.exec("INSERT INTO shortcuts VALUES (10, 1), (11, 1), (20, 2), (40, 4)");
    cycle::Shortcut::destroyed = cycle::Shortcut::after = cycle::Shortcut::by_shortcuts = cycle::Folder::after = 0;
    auto const preview = c::dry_run<cycle::schema, cycle::Folder>(*db, 2);
    auto const r = c::destroy<cycle::schema, cycle::Folder>(*db, 2);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    // from folder 2: shortcut 20, folders 1 and 3 (held by 20), shortcuts 10 and 11 (held by folder 1)
    BOOST_TEST(db.ids("folders") == (ids{4}), tt::per_element());
    BOOST_TEST(db.ids("shortcuts") == (ids{40}), tt::per_element());
    BOOST_TEST(cycle::Shortcut::destroyed == 3);
    // after_destroy too, for every row of each model of the cycle, whichever is deleted first, and
    // each knows the association that destroyed it
    BOOST_TEST(cycle::Shortcut::after == 3);
    BOOST_TEST(cycle::Shortcut::by_shortcuts == 3);
    BOOST_TEST(cycle::Folder::after == 3);
    BOOST_TEST(r.rows("folders") == 3u);
    BOOST_TEST(r.rows("shortcuts") == 3u);
    BOOST_TEST(preview.rows("folders") == 3u);
    BOOST_TEST(preview.rows("shortcuts") == 3u);
}

namespace many {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (bool, banned)); };
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id));
    static inline long long destroyed = 0;
    void before_destroy() { ++destroyed; }
};
struct Chapter { BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id)); };
struct Prize { BOOST_HANA_DEFINE_STRUCT(Prize, (std::int64_t, id), (std::int64_t, author_id)); };
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>,
                                   c::has_many<Prize, &Prize::author_id, d::restrict_with_error>>,
                          c::model<Book, "books", c::has_many<Chapter, &Chapter::book_id, d::delete_all>>,
                          c::model<Chapter, "chapters">, c::model<Prize, "prizes">> {};
}  // namespace many

BOOST_AUTO_TEST_CASE(destroy_all_of_10000_owners_in_one_call) {
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY, banned BOOLEAN NOT NULL)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("CREATE INDEX books_author ON books (author_id)");
    db.exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
    db.exec("CREATE INDEX chapters_book ON chapters (book_id)");
    db.exec("CREATE TABLE prizes (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    std::string const series = test::series(12000);
    db.exec("INSERT INTO authors SELECT i, i % 2 = 0 FROM " + series);
    db.exec("INSERT INTO books SELECT i, (i + 1) / 2 FROM " + series);    // two books each, authors 1..6000
    db.exec("INSERT INTO chapters SELECT i, i FROM " + series);
    std::vector<std::int64_t> keys;
    for (std::int64_t k = 1; k <= 10000; ++k) keys.push_back(k);
    many::Book::destroyed = 0;
    auto const preview = c::dry_run_all<many::schema, many::Author>(*db, keys);
    auto const r = c::destroy_all<many::schema, many::Author>(*db, keys);
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("authors") == 10000u);
    BOOST_TEST(r.rows("books") == 12000u);  // books 1..12000 belong to authors 1..6000
    BOOST_TEST(r.rows("chapters") == 12000u);
    BOOST_TEST(many::Book::destroyed == 12000);
    BOOST_TEST(preview.rows("authors") == 10000u);
    BOOST_TEST(preview.rows("books") == 12000u);
    BOOST_TEST(db.count("authors") == 2000);
    // by a condition on the owner's columns; a restriction on one stops all, naming each
    db.exec("INSERT INTO prizes VALUES (1, 10002), (2, 10004)");
    auto const restricted = c::destroy_all<many::schema, many::Author, c::where<&many::Author::banned, true>>(*db);
    BOOST_TEST(restricted.status == c::destroy_status::restricted);
    BOOST_TEST(db.count("authors") == 2000);
    db.exec("DELETE FROM prizes");
    auto const banned = c::destroy_all<many::schema, many::Author, c::where<&many::Author::banned, true>>(*db);
    BOOST_TEST(banned.status == c::destroy_status::destroyed);
    BOOST_TEST(banned.rows("authors") == 1000u);
    BOOST_TEST(db.count("authors") == 1000);
    BOOST_TEST(db.count("authors", "banned = TRUE") == 0);
    // no row at all is a destroy of nothing, not an error
    auto const none = c::destroy_all<many::schema, many::Author>(*db, std::vector<std::int64_t>{});
    BOOST_TEST(none.status == c::destroy_status::destroyed);
    BOOST_TEST(none.total() == 0u);
}

namespace racing {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (bool, banned)); };
/// Its first before_destroy commits, from another session, a ban of author 7: a row that comes to
/// match the condition while the destroy runs.
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id));
    static inline soci::session* other = nullptr;
    static inline long long destroyed = 0;
    void before_destroy() {
        if (destroyed++ == 0 && other) *other << "UPDATE authors SET banned = TRUE WHERE id = 7";
    }
};
struct schema : c::schema<c::model<Author, "authors", c::has_many<Book, &Book::author_id, d::destroy>>, c::model<Book, "books">> {};
}  // namespace racing

BOOST_AUTO_TEST_CASE(destroy_all_by_a_condition_destroys_the_rows_that_matched_when_it_began) {
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY, banned BOOLEAN NOT NULL)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("INSERT INTO authors VALUES (1, TRUE), (2, TRUE), (7, FALSE)");
    db.exec("INSERT INTO books VALUES (10, 1), (20, 2), (70, 7)");
    // SQLite has one writer: no other session can commit while the destroy runs, so there the ban
    // comes after it; on PostgreSQL it is committed in the middle of it.
    std::unique_ptr<soci::session> other;
    if (test::is_postgresql()) other = db.connect();
    racing::Book::other = other.get();
    racing::Book::destroyed = 0;
    auto const r = c::destroy_all<racing::schema, racing::Author, c::where<&racing::Author::banned, true>>(*db);
    racing::Book::other = nullptr;
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(r.rows("authors") == 2u);
    BOOST_TEST(r.rows("books") == 2u);
    BOOST_TEST(racing::Book::destroyed == 2);  // every book deleted heard its callback
    // author 7, banned during the destroy, is not its business: it and its book stay, together
    BOOST_TEST(db.ids("authors") == (ids{7}), tt::per_element());
    BOOST_TEST(db.ids("books") == (ids{70}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(destroy_all_leaves_the_rows_of_keys_that_name_no_owner) {
    test::database db;
    db.exec("CREATE TABLE authors (id BIGINT PRIMARY KEY, banned BOOLEAN NOT NULL)");
    db.exec("CREATE TABLE books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE chapters (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL)");
    db.exec("CREATE TABLE prizes (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)");
    // Author 1 with book 10; no author 999 or 998, but rows that name them (a table without foreign
    // keys, an import): a book of 999 with a chapter, a prize of 998.
    db.exec("INSERT INTO authors VALUES (1, FALSE)");
    db.exec("INSERT INTO books VALUES (10, 1), (20, 999)");
    db.exec("INSERT INTO chapters VALUES (100, 10), (200, 20)");
    db.exec("INSERT INTO prizes VALUES (3, 998)");
    std::vector<std::int64_t> const keys{1, 999, 998};
    many::Book::destroyed = 0;
    auto const preview = c::dry_run_all<many::schema, many::Author>(*db, keys);
    auto const r = c::destroy_all<many::schema, many::Author>(*db, keys);
    // as Rails' Author.where(id: [1, 999, 998]).destroy_all: only author 1 is destroyed, with its own
    BOOST_TEST(r.status == c::destroy_status::destroyed);
    BOOST_TEST(db.ids("authors") == (ids{}), tt::per_element());
    BOOST_TEST(db.ids("books") == (ids{20}), tt::per_element());
    BOOST_TEST(db.ids("chapters") == (ids{200}), tt::per_element());
    BOOST_TEST(db.ids("prizes") == (ids{3}), tt::per_element());
    BOOST_TEST(many::Book::destroyed == 1);
    BOOST_TEST(r.rows("books") == 1u);
    BOOST_TEST(preview.status == c::destroy_status::destroyed);
    BOOST_TEST(preview.rows("books") == 1u);
    BOOST_TEST(preview.rows("chapters") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dry_run_property)

BOOST_AUTO_TEST_CASE(graph_schemas) {
    test::check_dry_run_matches_destroy<tree::schema>();
    test::check_dry_run_matches_destroy<tree::noted_schema>();
    test::check_dry_run_matches_destroy<tree::async_schema>();
    test::check_dry_run_matches_destroy<graphs::cycle::schema>();
    test::check_dry_run_matches_destroy<graphs::many::schema>();
}

BOOST_AUTO_TEST_SUITE_END()
