#pragma once
// The queue tests' schema: the example's tables (authors, their books through the durable queue, each
// book's chapters) with a test hook on Book.
#include <cascade/mysql/queue.hpp>
#include <cascade/postgresql/queue.hpp>
#include <cascade/queue.hpp>
#include <cascade/sqlite/queue.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace library {

struct Author { CASCADE_DEFINE_STRUCT(Author, (std::int64_t, id), (std::string, name)); };
struct Book {
    CASCADE_DEFINE_STRUCT(Book, (std::int64_t, id), (std::int64_t, author_id), (std::string, title));
    // A callback makes books load row by row: CASCADE_SLOW_BOOK_US slows each
    // book, so that a worker can be killed in the middle of a job; a book titled "refuse" refuses its
    // destroy.
    bool before_destroy() const {
        static long const slow = [] {
            char const* v = std::getenv("CASCADE_SLOW_BOOK_US");
            return v ? std::atol(v) : 0L;
        }();
        if (slow > 0) std::this_thread::sleep_for(std::chrono::microseconds(slow));
        return title != "refuse";
    }
};
struct Chapter { CASCADE_DEFINE_STRUCT(Chapter, (std::int64_t, id), (std::int64_t, book_id)); };

struct schema : cascade::schema<
                    cascade::model<Author, "authors", cascade::has_many<Book, &Book::author_id, cascade::dependent::destroy_async>>,
                    cascade::model<Book, "books", cascade::has_many<Chapter, &Chapter::book_id, cascade::dependent::delete_all>>,
                    cascade::model<Chapter, "chapters">> {};

using books_job = cascade::destroy_association_job<schema, Author, "books">;

}  // namespace library
