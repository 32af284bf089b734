// The README's example: an author, books and chapters on embedded SQLite. Prints the static plan,
// a dry run, and the result of the destroy.
#include <cascade/sqlite.hpp>
#include <iostream>

struct Author  { CASCADE_DEFINE_STRUCT(Author,  (std::int64_t, id), (std::string, name)); };
struct Book    { CASCADE_DEFINE_STRUCT(Book,    (std::int64_t, id), (std::optional<std::int64_t>, author_id), (std::string, title));
                 void before_destroy(cascade::destroy_context const&) { std::cout << "  destroying book " << title << '\n'; } };
struct Chapter { CASCADE_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id), (std::string, title)); };

namespace c = cascade;
using schema = c::schema<
    c::model<Author, "authors", c::has_many<Book, &Book::author_id, c::dependent::destroy>>,
    c::model<Book, "books", c::belongs_to<Author, &Book::author_id>,
                            c::has_many<Chapter, &Chapter::book_id, c::dependent::delete_all>>,
    c::model<Chapter, "chapters", c::belongs_to<Book, &Chapter::book_id>>>;

int main() {
    soci::session sql(soci::sqlite3, ":memory:");
    sql << "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)";
    sql << "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER, title TEXT NOT NULL)";
    sql << "CREATE TABLE chapters (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL, title TEXT NOT NULL)";
    sql << "INSERT INTO authors VALUES (1, 'Ursula')";
    sql << "INSERT INTO books VALUES (1, 1, 'A Wizard of Earthsea'), (2, 1, 'The Tombs of Atuan')";
    sql << "INSERT INTO chapters (book_id, title) VALUES (1, 'Warriors in the Mist'), (1, 'The Shadow'), (2, 'Prologue')";

    std::cout << "plan:\n" << c::explain<schema, Author>();
    auto preview = c::dry_run<schema, Author>(sql, 1);
    std::cout << "dry run: would delete " << preview.total() << " rows\n";
    auto result = c::destroy<schema, Author>(sql, 1);   // one transaction, the whole static cascade
    std::cout << "destroyed: " << (result ? "yes" : "no") << "; rows deleted: authors "
              << result.rows("authors") << ", books " << result.rows("books") << ", chapters "
              << result.rows("chapters") << '\n';
}
