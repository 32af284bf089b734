// The SQL the plan runs, tested as text without a database, beside the functional tests that run it.
#define BOOST_TEST_MODULE cascade unit tests
#include <boost/test/unit_test.hpp>

#include <cascade/cascade.hpp>
#include <cascade/sql/statements.hpp>

namespace c = cascade;
namespace d = cascade::dependent;
namespace detail = cascade::detail;

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
using schema = c::schema<
    c::model<Author, "authors", c::polymorphic_name<"Author">, c::has_many<Book, &Book::author_id, d::destroy>,
             c::has_many<Comment, &Comment::subject_id, d::nullify, c::as<&Comment::subject_type>>>,
    c::model<Book, "books", c::belongs_to<Author, &Book::author_id>,
             c::has_many<Chapter, &Chapter::book_id, d::delete_all, c::where<&Chapter::draft, true>>>,
    c::model<Chapter, "chapters">, c::model<Comment, "comments">>;

template <class L, std::size_t I>
struct at;
template <class F, class... R>
struct at<detail::list<F, R...>, 0> { using type = F; };
template <class F, class... R, std::size_t I>
struct at<detail::list<F, R...>, I> : at<detail::list<R...>, I - 1> {};

using author_m = detail::model_for_t<schema, Author>;
using book_m = detail::model_for_t<schema, Book>;
using books_e = at<detail::edges_t<schema, author_m>, 0>::type;
using comments_e = at<detail::edges_t<schema, author_m>, 1>::type;
using chapters_e = at<detail::edges_t<schema, book_m>, 1>::type;
using root = detail::root_path<author_m>;
using books = detail::edge_path<root, books_e>;
using books_page = detail::batch_path<books>;
using chapters = detail::edge_path<books_page, chapters_e>;
using chapters_of_all_books = detail::edge_path<books, chapters_e>;
}  // namespace

BOOST_AUTO_TEST_CASE(a_child_of_the_root_compares_its_foreign_key_with_the_bound_key) {
    BOOST_TEST(detail::text_of<c::sql::delete_rows<books>>() == R"(DELETE FROM "books" WHERE "author_id" = :p1)");
}

BOOST_AUTO_TEST_CASE(a_grandchild_is_selected_through_a_subquery_with_its_scope_bound) {
    BOOST_TEST(detail::text_of<c::sql::delete_rows<chapters_of_all_books>>() ==
               R"(DELETE FROM "chapters" WHERE "book_id" IN (SELECT "id" FROM "books" WHERE "author_id" = :p1) AND "draft" = :p2)");
}

BOOST_AUTO_TEST_CASE(a_page_of_rows_bounds_the_key) {
    BOOST_TEST(detail::text_of<c::sql::delete_rows<chapters>>() ==
               R"(DELETE FROM "chapters" WHERE "book_id" IN (SELECT "id" FROM "books" WHERE "author_id" = :p1 AND "id" >= :p2 AND "id" <= :p3) AND "draft" = :p4)");
    BOOST_TEST(detail::text_of<c::sql::select_all<books>>() ==
               R"(SELECT "id", "author_id", "title" FROM "books" WHERE "author_id" = :p1 ORDER BY "id")");
    std::string_view const cursor = detail::text_of<c::sql::declare_cursor<books>>();
    BOOST_TEST(cursor.starts_with(R"(DECLARE "cascade_)"));
    BOOST_TEST(cursor.ends_with(R"(" NO SCROLL CURSOR FOR SELECT "id", "author_id", "title" FROM "books" WHERE "author_id" = :p1 ORDER BY "id")"));
    BOOST_TEST(detail::text_of<c::sql::cursor_name<books>>() != detail::text_of<c::sql::cursor_name<chapters>>());
}

BOOST_AUTO_TEST_CASE(polymorphic_nullify_clears_both_columns) {
    using comments = detail::edge_path<root, comments_e>;
    BOOST_TEST(detail::text_of<c::sql::nullify_rows<comments>>() ==
               R"(UPDATE "comments" SET "subject_id" = NULL, "subject_type" = NULL WHERE "subject_id" = :p1 AND "subject_type" = :p2)");
}

BOOST_AUTO_TEST_CASE(the_root_is_locked_on_postgresql_only) {
    BOOST_TEST((detail::text_of<c::sql::lock_root<root, c::sql::dialect::postgresql>>() ==
                R"(SELECT "id" FROM "authors" WHERE "id" = :p1 FOR UPDATE)"));
    BOOST_TEST((detail::text_of<c::sql::lock_root<root, c::sql::dialect::sqlite>>() ==
                R"(SELECT "id" FROM "authors" WHERE "id" = :p1)"));
    BOOST_TEST((c::sql::dialect_of("postgresql") == c::sql::dialect::postgresql));
    BOOST_TEST((c::sql::dialect_of("sqlite3") == c::sql::dialect::sqlite));
}

BOOST_AUTO_TEST_CASE(explain_prints_the_tree_in_execution_order) {
    std::string const plan = c::explain<schema, Author>();
    BOOST_TEST_MESSAGE(plan);
    auto const at_line = [&](std::string_view needle) { return plan.find(needle); };
    BOOST_TEST(at_line("destroy authors") == 0u);
    BOOST_TEST(at_line("authors.books (has_many, dependent::destroy) -> books  [callbacks: rows streamed in pages") != std::string::npos);
    BOOST_TEST(at_line("books.chapters (has_many, dependent::delete_all) -> chapters") != std::string::npos);
    BOOST_TEST(at_line("authors.comments (has_many, dependent::nullify) -> comments") != std::string::npos);
    // children before their parent's DELETE, the root's DELETE last
    BOOST_TEST(at_line(R"(DELETE FROM "chapters")") < at_line(R"(DELETE FROM "books")"));
    BOOST_TEST(at_line(R"(DELETE FROM "books")") < at_line(R"(DELETE FROM "authors")"));
    BOOST_TEST(at_line(R"(UPDATE "comments")") < at_line(R"(DELETE FROM "authors")"));
}

BOOST_AUTO_TEST_CASE(association_names_default_like_rails) {
    BOOST_TEST(books_e::name == "books");
    using author_e = at<detail::edges_t<schema, book_m>, 0>::type;
    BOOST_TEST(author_e::name == "author");
    BOOST_TEST(detail::singular<"children">() == "child");
    BOOST_TEST(detail::singular<"categories">() == "category");
    BOOST_TEST(detail::singular<"boxes">() == "box");
    BOOST_TEST(detail::singular<"profiles">() == "profile");
}
