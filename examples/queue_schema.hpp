#pragma once
// The schema of the queue worker example (and of the queue benchmark): authors whose books are
// destroyed by jobs from the durable queue, each book with its chapters.
#include <cascade/mysql/queue.hpp>
#include <cascade/postgresql/queue.hpp>
#include <cascade/queue.hpp>
#include <cascade/sqlite/queue.hpp>

#include <cstdint>
#include <string>

namespace library {

struct Author { CASCADE_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book {
    CASCADE_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id), (std::string, title));
};
struct Chapter { CASCADE_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id)); };

struct schema : cascade::schema<
                    cascade::model<Author, "authors", cascade::has_many<Book, &Book::author_id, cascade::dependent::destroy_async>>,
                    cascade::model<Book, "books", cascade::has_many<Chapter, &Chapter::book_id, cascade::dependent::delete_all>>,
                    cascade::model<Chapter, "chapters">> {};

using books_job = cascade::destroy_association_job<schema, Author, "books">;

}  // namespace library
