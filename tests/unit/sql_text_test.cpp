// The plan and the SQL it runs, tested as data and text without a database, beside the functional
// tests that run them: the statements are the executor's own (sql/detail/prepared.hpp).
#define BOOST_TEST_MODULE cascade unit tests
#include <boost/test/unit_test.hpp>

#include <cascade/cascade.hpp>
#include <cascade/mysql/dialect.hpp>
#include <cascade/postgresql/dialect.hpp>
#include <cascade/sql/detail/prepared.hpp>
#include <cascade/sqlite/dialect.hpp>

namespace c = cascade;
namespace d = cascade::dependent;
namespace detail = cascade::detail;
using c::sql::dialect;

namespace {
struct Author { BOOST_HANA_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book {
    BOOST_HANA_DEFINE_STRUCT(Book, (std::int64_t, id), (std::optional<std::int64_t>, author_id), (std::string, title));
    void before_destroy() {}
};
struct Chapter { BOOST_HANA_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id), (bool, draft)); };
struct Comment {
    BOOST_HANA_DEFINE_STRUCT(Comment, (std::int64_t, id), (std::optional<std::int64_t>, subject_id),
                             (std::optional<std::string>, subject_type));
};
struct Award { BOOST_HANA_DEFINE_STRUCT(Award, (std::int64_t, id), (std::int64_t, book_id)); };
using schema = c::schema<
    c::model<Author, "authors", c::polymorphic_name<"Author">, c::has_many<Book, &Book::author_id, d::destroy>,
             c::has_many<Comment, &Comment::subject_id, d::nullify, c::as<&Comment::subject_type>>>,
    c::model<Book, "books", c::belongs_to<Author, &Book::author_id>,
             c::has_many<Chapter, &Chapter::book_id, d::delete_all, c::where<&Chapter::draft, true>>,
             c::has_many<Award, &Award::book_id, d::restrict_with_error>>,
    c::model<Chapter, "chapters">, c::model<Comment, "comments">, c::model<Award, "awards">>;

// A comment tree: replies to replies, to any depth.
struct Post { BOOST_HANA_DEFINE_STRUCT(Post, (std::int64_t, id)); };
struct Reply {
    BOOST_HANA_DEFINE_STRUCT(Reply, (std::int64_t, id), (std::optional<std::int64_t>, post_id),
                             (std::optional<std::int64_t>, parent_id));
};
using tree = c::schema<c::model<Post, "posts", c::has_many<Reply, &Reply::post_id, d::destroy>>,
                       c::model<Reply, "replies", c::has_many<Reply, &Reply::parent_id, d::destroy, c::name<"answers">>>>;

// A diamond: notes reached from the owner and through its items.
struct Owner { BOOST_HANA_DEFINE_STRUCT(Owner, (std::int64_t, id)); };
struct Item { BOOST_HANA_DEFINE_STRUCT(Item, (std::int64_t, id), (std::int64_t, owner_id)); };
struct Note { BOOST_HANA_DEFINE_STRUCT(Note, (std::int64_t, id), (std::optional<std::int64_t>, owner_id), (std::optional<std::int64_t>, item_id)); };
using diamond = c::schema<c::model<Owner, "owners", c::has_many<Item, &Item::owner_id, d::destroy>,
                                   c::has_many<Note, &Note::owner_id, d::destroy>>,
                          c::model<Item, "items", c::has_many<Note, &Note::item_id, d::destroy>>, c::model<Note, "notes">>;

template <class S, class T>
detail::prepared_plan const& plan_of() {
    return detail::prepare(detail::graph_of<S>, detail::key_root<S, T>());
}
/// The statement of the first step of `kind` on `table`.
template <class S, class T>
c::sql::step_sql const& step(detail::step_kind kind, std::string_view table, dialect dia = c::sqlite::dialect) {
    auto const& pp = plan_of<S, T>();
    for (std::size_t i = 0; i < pp.p.steps.size(); ++i) {
        auto const& s = pp.p.steps[i];
        std::string_view const t = s.kind == detail::step_kind::nullify || s.kind == detail::step_kind::restrict_check
                                       ? pp.p.g->model(pp.p.g->edge(s.edge).acted).table
                                       : pp.p.model_of(s.node).table;
        if (s.kind == kind && t == table) return pp.in(dia).steps[i];
    }
    throw std::runtime_error("no such step");
}
using detail::step_kind;
}  // namespace

BOOST_AUTO_TEST_CASE(a_child_of_the_root_compares_its_foreign_key_with_the_bound_key) {
    BOOST_TEST((step<schema, Author>(step_kind::remove, "books").main.text ==
                R"(DELETE FROM "books" AS t0 WHERE (t0."author_id" = :p1))"));
}

BOOST_AUTO_TEST_CASE(a_grandchild_is_selected_through_a_subquery_with_its_scope_bound) {
    BOOST_TEST((step<schema, Author>(step_kind::remove, "chapters").main.text ==
                R"(DELETE FROM "chapters" AS t0 WHERE (t0."book_id" IN (SELECT r."id" FROM "books" r WHERE (r."author_id" = :p1)) AND t0."draft" = :p2))"));
    // the dry run counts the same rows
    BOOST_TEST((step<schema, Author>(step_kind::remove, "chapters").count.text ==
                R"(SELECT COUNT(*) FROM "chapters" t0 WHERE (t0."book_id" IN (SELECT r."id" FROM "books" r WHERE (r."author_id" = :p1)) AND t0."draft" = :p2))"));
}

BOOST_AUTO_TEST_CASE(rows_with_callbacks_stream_by_key_locked_on_postgresql) {
    BOOST_TEST((step<schema, Author>(step_kind::load_rows, "books").main.text ==
                R"(SELECT t0."id", t0."author_id", t0."title", 0 FROM "books" t0 WHERE (t0."author_id" = :p1) ORDER BY t0."id")"));
    BOOST_TEST((step<schema, Author>(step_kind::load_rows, "books", c::postgresql::dialect).main.text ==
                R"(SELECT t0."id", t0."author_id", t0."title", 0 FROM "books" t0 WHERE (t0."author_id" = :p1) ORDER BY t0."id" FOR UPDATE OF t0)"));
}

BOOST_AUTO_TEST_CASE(polymorphic_nullify_clears_both_columns) {
    BOOST_TEST((step<schema, Author>(step_kind::nullify, "comments").main.text ==
                R"(UPDATE "comments" AS t0 SET "subject_id" = NULL, "subject_type" = NULL WHERE t0."subject_id" = :p1 AND t0."subject_type" = :p2)"));
}

BOOST_AUTO_TEST_CASE(a_restriction_checks_only_rows_that_survive) {
    BOOST_TEST((step<schema, Author>(step_kind::restrict_check, "awards").main.text ==
                R"(SELECT DISTINCT t0."book_id" FROM "awards" t0 WHERE t0."book_id" IN (SELECT r."id" FROM "books" r WHERE (r."author_id" = :p1)) ORDER BY 1 LIMIT 101)"));
    // every restricted owner is counted, beyond the 100 named
    BOOST_TEST((step<schema, Author>(step_kind::restrict_check, "awards").count.text ==
                R"(SELECT COUNT(DISTINCT t0."book_id") FROM "awards" t0 WHERE t0."book_id" IN (SELECT r."id" FROM "books" r WHERE (r."author_id" = :p1)))"));
}

BOOST_AUTO_TEST_CASE(a_loaded_set_is_deleted_by_the_keys_it_loaded) {
    auto const& s = step<schema, Author>(step_kind::remove, "books");
    BOOST_TEST(s.by_keys.text == R"(DELETE FROM "books" AS t0 WHERE t0."id" IN (SELECT value FROM json_each(:p1)))");
}

BOOST_AUTO_TEST_CASE(the_root_is_locked_on_postgresql_only) {
    auto const& pp = plan_of<schema, Author>();
    BOOST_TEST(pp.in(c::postgresql::dialect).find_root.text ==
               R"(SELECT COUNT(*) FROM (SELECT 1 FROM "authors" b WHERE b."id" = :p1 ORDER BY b."id" FOR UPDATE) r)");
    BOOST_TEST(pp.in(c::sqlite::dialect).find_root.text == R"(SELECT COUNT(*) FROM "authors" b WHERE b."id" = :p1)");
    BOOST_TEST(pp.in(c::postgresql::dialect).find_root_unlocked.text == pp.in(c::sqlite::dialect).find_root.text);
}

BOOST_AUTO_TEST_CASE(restrictions_come_first_and_children_go_before_their_parents) {
    auto const& p = plan_of<schema, Author>().p;
    BOOST_TEST((p.steps.front().kind == step_kind::restrict_check));
    auto const position = [&](std::string_view table) {
        for (std::size_t i = 0; i < p.steps.size(); ++i)
            if (p.steps[i].kind == step_kind::remove && p.model_of(p.steps[i].node).table == table) return i;
        return p.steps.size();
    };
    BOOST_TEST(position("chapters") < position("books"));
    BOOST_TEST(position("books") < position("authors"));
    BOOST_TEST(position("authors") == p.steps.size() - 1);
}

BOOST_AUTO_TEST_CASE(a_diamond_is_one_set_deleted_once) {
    auto const& p = plan_of<diamond, Owner>().p;
    int removes = 0;
    for (auto const& s : p.steps) removes += s.kind == step_kind::remove && p.model_of(s.node).table == "notes";
    BOOST_TEST(removes == 1);
    BOOST_TEST((step<diamond, Owner>(step_kind::remove, "notes").main.text ==
                R"(WITH "s2"(k, via) AS (SELECT b."id", 1 FROM "notes" b WHERE b."owner_id" = :p1 UNION ALL SELECT b."id", 2 FROM "notes" b WHERE b."item_id" IN (SELECT r."id" FROM "items" r WHERE (r."owner_id" = :p2))) DELETE FROM "notes" AS t0 WHERE t0."id" IN (SELECT k FROM "s2"))"));
}

BOOST_AUTO_TEST_CASE(a_tree_is_one_recursive_set) {
    BOOST_TEST((step<tree, Post>(step_kind::remove, "replies").main.text ==
                R"(WITH RECURSIVE "s1"(k, via) AS (SELECT b."id", 0 FROM "replies" b WHERE b."post_id" = :p1 UNION SELECT b."id", 1 FROM "s1" p, "replies" b WHERE b."parent_id" = p.k) DELETE FROM "replies" AS t0 WHERE t0."id" IN (SELECT k FROM "s1"))"));
    // PostgreSQL takes one recursive reference: the associations join the rows found so far laterally.
    BOOST_TEST((step<tree, Post>(step_kind::remove, "replies", c::postgresql::dialect).main.text ==
                R"(WITH RECURSIVE "s1"(k, via) AS (SELECT b."id", 0 FROM "replies" b WHERE b."post_id" = :p1 UNION SELECT x.k, x.via FROM "s1" p CROSS JOIN LATERAL (SELECT b."id", 1 FROM "replies" b WHERE b."parent_id" = p.k) x(k, via)) DELETE FROM "replies" AS t0 WHERE t0."id" IN (SELECT k FROM "s1"))"));
    auto const& p = plan_of<tree, Post>().p;
    BOOST_TEST(p.groups.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_list_of_keys_is_one_bound_value_per_dialect) {
    auto const& pp = detail::prepare(detail::graph_of<schema>, detail::keys_root<schema, Author>());
    BOOST_TEST(pp.in(c::postgresql::dialect).find_root.text ==
               R"(SELECT COUNT(*) FROM (SELECT 1 FROM "authors" b WHERE b."id" = ANY(:p1) ORDER BY b."id" FOR UPDATE) r)");
    BOOST_TEST(pp.in(c::sqlite::dialect).find_root.text ==
               R"(SELECT COUNT(*) FROM "authors" b WHERE b."id" IN (SELECT value FROM json_each(:p1)))");
    std::string pg, lite;
    for (auto v : {std::string_view("a"), std::string_view("b\"c\\"), std::string_view("d\ne")}) {
        c::sql::append_list_element(pg, c::postgresql::dialect, v);
        c::sql::append_list_element(lite, c::sqlite::dialect, v);
    }
    c::sql::close_list(pg, c::postgresql::dialect);
    c::sql::close_list(lite, c::sqlite::dialect);
    BOOST_TEST(pg == "{\"a\",\"b\\\"c\\\\\",\"d\ne\"}");
    BOOST_TEST(lite == "[\"a\",\"b\\\"c\\\\\",\"d\\u000ae\"]");
}

// MariaDB: backquoted identifiers whatever the session's sql_mode, no WITH before a DELETE or UPDATE
// (the target joins a derived table of keys, which holds the WITH), recursion allowed any depth.
BOOST_AUTO_TEST_CASE(mariadb_statements_join_a_derived_table_and_quote_with_backquotes) {
    BOOST_TEST((step<diamond, Owner>(step_kind::remove, "notes", c::mysql::dialect).main.text ==
                R"(DELETE d0 FROM `notes` AS d0 JOIN (WITH `s2`(k, via) AS (SELECT b.`id`, 1 FROM `notes` b WHERE b.`owner_id` = :p1 UNION ALL SELECT b.`id`, 2 FROM `notes` b WHERE b.`item_id` IN (SELECT r.`id` FROM `items` r WHERE (r.`owner_id` = :p2))) SELECT t0.`id` AS k FROM `notes` AS t0 WHERE t0.`id` IN (SELECT k FROM `s2`)) AS d ON d0.`id` = d.k)"));
    BOOST_TEST((step<tree, Post>(step_kind::remove, "replies", c::mysql::dialect).main.text ==
                R"(SET STATEMENT max_recursive_iterations = 4294967295 FOR DELETE d0 FROM `replies` AS d0 JOIN (WITH RECURSIVE `s1`(k, via) AS (SELECT b.`id`, 0 FROM `replies` b WHERE b.`post_id` = :p1 UNION SELECT b.`id`, 1 FROM `s1` p, `replies` b WHERE b.`parent_id` = p.k) SELECT t0.`id` AS k FROM `replies` AS t0 WHERE t0.`id` IN (SELECT k FROM `s1`)) AS d ON d0.`id` = d.k)"));
    BOOST_TEST((step<schema, Author>(step_kind::nullify, "comments", c::mysql::dialect).main.text.starts_with(
        "UPDATE `comments` AS d0 JOIN (SELECT t0.`id` AS k FROM `comments` AS t0 WHERE ")));
    BOOST_TEST((step<schema, Author>(step_kind::nullify, "comments", c::mysql::dialect).main.text.ends_with(
        ") AS d ON d0.`id` = d.k SET d0.`subject_id` = NULL, d0.`subject_type` = NULL")));
    auto const& pp = detail::prepare(detail::graph_of<schema>, detail::keys_root<schema, Author>());
    BOOST_TEST(pp.in(c::mysql::dialect).find_root.text ==
               "SELECT COUNT(*) FROM (SELECT 1 FROM `authors` b WHERE b.`id` IN (SELECT value FROM JSON_TABLE(:p1, '$[*]' "
               "COLUMNS(value BIGINT PATH '$')) AS j) ORDER BY b.`id` FOR UPDATE) r");
    // No statement of any plan holds a double quote: a session without ANSI_QUOTES would read a string.
    for (auto const* pp2 : {&plan_of<schema, Author>(), &plan_of<tree, Post>(), &plan_of<diamond, Owner>()})
        for (auto const* plan_sql : {&pp2->in(c::mysql::dialect), &pp2->tracked(c::mysql::dialect)})
            for (auto const& st : plan_sql->steps)
                for (auto const* text : {&st.main.text, &st.count.text, &st.snapshot.text, &st.by_keys.text, &st.keys.text,
                                         &st.leaves.text, &st.leaves_by_keys.text}) {
                    BOOST_TEST(text->find('"') == std::string::npos, *text);
                    bool const writes = text->find("DELETE") != std::string::npos || text->find("UPDATE") != std::string::npos;
                    if (writes) BOOST_TEST(!text->starts_with("WITH"), *text);
                }
    std::string list;
    for (auto v : {std::string_view("a'b"), std::string_view("c\\d\"e")}) c::sql::append_list_element(list, c::mysql::dialect, v);
    c::sql::close_list(list, c::mysql::dialect);
    BOOST_TEST(list == "[\"a'b\",\"c\\\\d\\\"e\"]");
}

BOOST_AUTO_TEST_CASE(explain_prints_the_plan_in_execution_order) {
    std::string const plan = c::explain<schema, Author>();
    BOOST_TEST_MESSAGE(plan);
    auto const at_line = [&](std::string_view needle) { return plan.find(needle); };
    BOOST_TEST(at_line("before any write, every restriction") == 0u);
    BOOST_TEST(at_line("destroy authors") != std::string::npos);
    BOOST_TEST(at_line("authors.books (has_many, dependent::destroy) -> books  [rows loaded in pages") != std::string::npos);
    BOOST_TEST(at_line("books.chapters (has_many, dependent::delete_all) -> chapters") != std::string::npos);
    BOOST_TEST(at_line("authors.comments (has_many, dependent::nullify) -> comments") != std::string::npos);
    // children before their parent's DELETE, the root's DELETE last; the SQL is the executor's own
    BOOST_TEST(at_line(R"(DELETE FROM "chapters")") < at_line(R"(DELETE FROM "books")"));
    BOOST_TEST(at_line(R"(DELETE FROM "books")") < at_line(R"(DELETE FROM "authors")"));
    BOOST_TEST(at_line(R"(UPDATE "comments")") < at_line(R"(DELETE FROM "authors")"));
    BOOST_TEST(at_line(step<schema, Author>(step_kind::remove, "chapters").main.text) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(association_names_default_like_rails) {
    using author_m = detail::model_for_t<schema, Author>;
    using book_m = detail::model_for_t<schema, Book>;
    BOOST_TEST((detail::nth<detail::edges_t<schema, author_m>, 0>::type::name == "books"));
    BOOST_TEST((detail::nth<detail::edges_t<schema, book_m>, 0>::type::name == "author"));
    BOOST_TEST(detail::singular<"children">() == "child");
    BOOST_TEST(detail::singular<"categories">() == "category");
    BOOST_TEST(detail::singular<"boxes">() == "box");
    BOOST_TEST(detail::singular<"profiles">() == "profile");
}

// The plan is a constexpr function of constant data: a test can check it at compile time.
static_assert([] {
    detail::root_spec root;
    root.model = 0;
    root.column = "id";
    auto const p = detail::make_plan(detail::graph_of<tree>, root);
    return p.nodes.size() == 2 && p.groups.size() == 1 && p.node(1).group == 0;
}());
